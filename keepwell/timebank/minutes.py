"""Time as whole minutes: the time bank's unit. Never floats.

``Minutes(90)`` prints as "1 h 30 min"; :func:`parse_minutes` reads what people type
("1 h 30 min", "1:30", "90 min", "1.5 h", "2 hours") without ever going through a float.
Pure Python: no Django.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation


class InvalidMinutes(ValueError):
    """The text is not an amount of time; ``str(exc)`` says why, in plain words."""


class Minutes(int):
    """A signed whole number of minutes that prints the way a time bank talks."""

    def __str__(self) -> str:
        return format_minutes(int(self))

    def __repr__(self) -> str:
        return f"Minutes({int(self)})"


def format_minutes(value: int, *, signed: bool = False) -> str:
    """``90`` → "1 h 30 min"; ``-45`` → "−45 min"; ``0`` → "0 min"."""
    value = int(value)
    sign = "−" if value < 0 else ("+" if signed and value > 0 else "")
    hours, minutes = divmod(abs(value), 60)
    if hours and minutes:
        text = f"{hours} h {minutes} min"
    elif hours:
        text = f"{hours} h"
    else:
        text = f"{minutes} min"
    return sign + text


_HOURS_MINUTES = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hour|hours))?\s*"
    r"(?:(?P<m>\d+)\s*(?:m|min|mins|minute|minutes))?$"
)
_CLOCK = re.compile(r"^(?P<h>\d+):(?P<m>[0-5]\d)$")


def parse_minutes(text: str) -> int:
    """Whole minutes from what a person typed. A bare number is minutes.

    Raises :class:`InvalidMinutes` for anything else, or for fractions of a minute.
    """
    raw = " ".join(str(text).strip().lower().replace(",", ".").split())
    if not raw:
        raise InvalidMinutes("Enter how long, like 1 h 30 min or 90 min")
    if raw.isdigit():
        return int(raw)
    clock = _CLOCK.match(raw)
    if clock:
        return int(clock["h"]) * 60 + int(clock["m"])
    match = _HOURS_MINUTES.match(raw)
    if not match or not (match["h"] or match["m"]):
        raise InvalidMinutes("Enter how long, like 1 h 30 min or 90 min")
    try:
        hours = Decimal(match["h"] or "0")
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        raise InvalidMinutes("Enter how long, like 1 h 30 min or 90 min") from None
    from_hours = hours * 60
    if from_hours != from_hours.to_integral_value():
        raise InvalidMinutes("Enter whole minutes, like 1 h 20 min")
    return int(from_hours) + int(match["m"] or 0)
