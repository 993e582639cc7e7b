"""Opening times as people write them: "Tuesday 10:00-12:00; first Monday 18:00-20:00".

One parser serves the service form and the CSV import, so a coordinator learns one way of
writing times, and ``format_slots(parse(text))`` gives the text back in the tidy form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
RRULE_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
_DAY_NAMES: dict[str, int] = {}
for _index, _day in enumerate(DAYS):
    for _form in {_day.lower(), _day[:3].lower(), _day[:4].lower(), _day.lower() + "s"}:
        _DAY_NAMES[_form] = _index
_DAY_NAMES.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
ORDINALS |= {"fourth": 4, "4th": 4, "last": -1}
ORDINAL_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?"
_SLOT = re.compile(
    rf"^(?:(?P<ordinal>\w+)\s+)?(?P<day>[a-z]+)\s+{_TIME}\s*(?:-|–|to)\s*{_TIME}$",
    re.IGNORECASE,
)


class ScheduleError(ValueError):
    """The text is not a list of opening times; ``str(exc)`` says which part and why."""


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    weekday: int  # 0 = Monday
    opens_at: time
    closes_at: time
    week_of_month: int | None = None  # None: every week

    @property
    def frequency(self) -> str:
        return "weekly" if self.week_of_month is None else "monthly"


def _time(hour: str, minute: str | None, meridiem: str | None, part: str) -> time:
    h, m = int(hour), int(minute or 0)
    if meridiem:
        if not 1 <= h <= 12:
            raise ScheduleError(f"“{part}”: with am or pm, the hour is 1 to 12")
        h = h % 12 + (12 if meridiem.lower() == "pm" else 0)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ScheduleError(f"“{part}”: {hour}:{minute or '00'} is not a time of day")
    return time(h, m)


def parse(text: str) -> list[Slot]:
    """Slots from text like "Tue 10:00-12:00; first Monday 6pm-8pm" (lines or semicolons)."""
    slots: list[Slot] = []
    for raw in re.split(r"[;\n]", text or ""):
        part = " ".join(raw.split()).rstrip(",.")
        if not part:
            continue
        match = _SLOT.match(part)
        if not match:
            raise ScheduleError(
                f"“{part}”: write a day and a time, like Tuesday 10:00-12:00 "
                "or first Monday 18:00-20:00"
            )
        day = _DAY_NAMES.get(match["day"].lower())
        if day is None:
            raise ScheduleError(f"“{part}”: “{match['day']}” is not a day of the week")
        week = None
        if match["ordinal"]:
            word = match["ordinal"].lower()
            if word in {"every", "each"}:
                week = None
            elif word in ORDINALS:
                week = ORDINALS[word]
            else:
                raise ScheduleError(
                    f"“{part}”: say every, first, second, third, fourth or last before the day"
                )
        g = match.groups()
        opens = _time(g[2], g[3], g[4], part)
        closes = _time(g[5], g[6], g[7], part)
        if not g[4] and g[7] and not g[3]:
            # "2-4pm": the first time shares the second one's am or pm.
            opens = _time(g[2], g[3], g[7], part)
        if opens >= closes:
            raise ScheduleError(f"“{part}”: it must close after it opens")
        slots.append(Slot(day, opens, closes, week))
    return sorted(
        set(slots), key=lambda s: (s.weekday, s.opens_at, s.week_of_month or 0, s.closes_at)
    )


def describe_slot(slot) -> str:
    day = DAYS[slot.weekday]
    prefix = f"{ORDINAL_NAMES[slot.week_of_month]} {day}" if slot.week_of_month else day
    return f"{prefix} {slot.opens_at:%H:%M}-{slot.closes_at:%H:%M}"


def describe(schedule) -> str:
    """One slot, or a Schedule row, as text the parser reads back."""
    return describe_slot(schedule)


def format_slots(slots) -> str:
    return "; ".join(describe_slot(s) for s in slots)


def byday(slot) -> str:
    """The RRULE BYDAY value Open Referral expects: "TU", or "1MO" / "-1FR" monthly."""
    code = RRULE_DAYS[slot.weekday]
    return f"{slot.week_of_month}{code}" if slot.week_of_month else code


def parse_byday(value: str, frequency: str) -> list[tuple[int, int | None]]:
    """(weekday, week_of_month) pairs from an Open Referral BYDAY like "MO,WE" or "1TU"."""
    pairs = []
    for item in (value or "").upper().replace(" ", "").split(","):
        if not item:
            continue
        match = re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)", item)
        if not match:
            raise ScheduleError(f"“{item}” is not a day like MO or 1TU")
        week = int(match[1]) if match[1] and frequency == "monthly" else None
        if week is not None and week not in ORDINAL_NAMES:
            raise ScheduleError(f"“{item}”: the week of the month must be 1 to 4 or -1")
        pairs.append((RRULE_DAYS.index(match[2]), week))
    return pairs
