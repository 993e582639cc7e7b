"""Working days in England and Wales: Monday to Friday, minus bank holidays.

England and Wales share one list of bank holidays (Scotland and Northern Ireland have their
own), so ``holidays.UK(subdiv="ENG")`` serves both; a test checks it matches "WLS".
Pure: no Django, so the clock can be tested on its own.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.UK(subdiv="ENG", years=[year]).keys())


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(start: datetime, days: int) -> datetime:
    """The same local clock time on the ``days``-th working day after ``start``'s date.

    A referral sent on Friday at 15:00 with three working days is due on Wednesday at 15:00
    (Monday, Tuesday, Wednesday), or Thursday if Monday is a bank holiday. One sent on a
    Saturday counts from Monday. The answer is aware, in Europe/London.
    """
    if start.tzinfo is None:
        raise ValueError("add_working_days needs an aware datetime")
    if days < 0:
        raise ValueError("days must not be negative")
    local = start.astimezone(LONDON)
    day = local.date()
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=LONDON)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
