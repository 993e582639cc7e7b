"""Booking times as Wellbrook reads them: stored in UTC, shown and repeated in local time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def local(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def aware(day: date, at: time) -> datetime:
    """A wall-clock time in Wellbrook as an aware datetime, right either side of a clock change."""
    return datetime.combine(day, at, tzinfo=LONDON)


def weekly(start: datetime, end: datetime, weeks: int) -> list[tuple[datetime, datetime]]:
    """The same local times, week after week: 14:00 stays 14:00 when the clocks change."""
    first, last = local(start), local(end)
    return [
        (
            aware(first.date() + timedelta(weeks=n), first.time()),
            aware(last.date() + timedelta(weeks=n), last.time()),
        )
        for n in range(weeks)
    ]


def describe(start: datetime, end: datetime) -> str:
    """ "Tuesday 3 March 2026, 14:00 to 16:00" in Wellbrook's time."""
    s, e = local(start), local(end)
    return f"{s:%A} {s.day} {s:%B %Y}, {s:%H:%M} to {e:%H:%M}"


def short(start: datetime, end: datetime) -> str:
    """ "03/03/2026 14:00-16:00": the same in every language a message is written in."""
    s, e = local(start), local(end)
    return f"{s:%d/%m/%Y %H:%M}-{e:%H:%M}"
