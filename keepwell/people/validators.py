"""NHS number (ten digits whose last is a modulus 11 check digit) and date of birth."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

OLDEST_YEARS = 120


def normalise_nhs_number(raw: str) -> str:
    return "".join(ch for ch in raw if not ch.isspace() and ch != "-")


def is_valid_nhs_number(raw: str) -> bool:
    digits = normalise_nhs_number(raw)
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def validate_nhs_number(value: str) -> None:
    if value and not is_valid_nhs_number(value):
        raise ValidationError("Enter a valid 10-digit NHS number, like 943 476 5919")


def format_nhs_number(value: str) -> str:
    """``4857773456`` as people read it, ``485 777 3456``; anything else as it is."""
    digits = normalise_nhs_number(value or "")
    if len(digits) != 10 or not digits.isdigit():
        return value or ""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def earliest_date_of_birth(today: date | None = None) -> date:
    """The day after the date OLDEST_YEARS years ago: nobody alive was born before it."""
    today = today or timezone.localdate()
    try:
        then = today.replace(year=today.year - OLDEST_YEARS)
    except ValueError:  # 29 February, 120 years before a year that has none
        then = today.replace(year=today.year - OLDEST_YEARS, day=28)
    return date.fromordinal(then.toordinal() + 1)


def date_of_birth_problem(value: date | None, today: date | None = None) -> str | None:
    """What is wrong with a date of birth, in words for the person who typed it, or None.

    Shared by the person form, the model, the NHS list upload and the FHIR Patient import."""
    if value is None:
        return None
    today = today or timezone.localdate()
    if value > today:
        return "Date of birth must be in the past"
    earliest = earliest_date_of_birth(today)
    if value < earliest:
        return f"Date of birth must be on or after {earliest.day} {earliest:%B %Y}"
    return None


# How people write a date of birth in a search box: "12/03/1948", "1948-03-12", "12 3 1948",
# "12 March 1948". Day first, as in the UK.
_DATE_FORMATS = (
    "%d/%m/%Y",
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %m %Y",
    "%d %B %Y",
    "%d %b %Y",
)


def parse_date_of_birth(text: str) -> date | None:
    """The date ``text`` is written as, or None when it is not a whole date."""
    words = " ".join(text.split())
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(words, pattern).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    return None


def validate_date_of_birth(value: date | None) -> None:
    problem = date_of_birth_problem(value)
    if problem:
        raise ValidationError(problem, code="date_of_birth")
