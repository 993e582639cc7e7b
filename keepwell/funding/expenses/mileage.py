"""Mileage at HMRC's approved mileage allowance payment (AMAP) rates, in whole pence.

Cars and vans are paid 45p a mile for the first 10,000 business miles a person makes in a
tax year (6 April to 5 April) and 25p a mile after; motorcycles 24p and bicycles 20p
whatever the distance. A journey that crosses the 10,000th mile is paid in two parts, so
each part keeps the rate it was paid at.

Pure: imports no Django, so the arithmetic is tested alone (hypothesis) and read at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

CAR = "car"
MOTORCYCLE = "motorcycle"
BICYCLE = "bicycle"

THRESHOLD_MILES = 10_000
# (rate up to the threshold, rate after it), pence a mile.
RATES: dict[str, tuple[int, int]] = {
    CAR: (45, 25),
    MOTORCYCLE: (24, 24),
    BICYCLE: (20, 20),
}


@dataclass(frozen=True)
class Part:
    """Some of a journey's miles, paid at one rate."""

    miles: int
    rate_pence: int

    @property
    def pence(self) -> int:
        return self.miles * self.rate_pence


def tax_year_start(day: date) -> date:
    """The 6 April on or before ``day``: where a tax year's count of miles starts again."""
    start = date(day.year, 4, 6)
    return start if day >= start else date(day.year - 1, 4, 6)


def parts(vehicle: str, miles: int, *, miles_before: int) -> list[Part]:
    """How ``miles`` are paid, after ``miles_before`` business miles already claimed in the
    same tax year by the same person in the same kind of vehicle."""
    if vehicle not in RATES:
        raise ValueError(f"unknown vehicle {vehicle!r}")
    if miles < 0 or miles_before < 0:
        raise ValueError("miles cannot be negative")
    first_rate, after_rate = RATES[vehicle]
    at_first = max(0, min(miles, THRESHOLD_MILES - miles_before))
    found = [Part(at_first, first_rate), Part(miles - at_first, after_rate)]
    return [part for part in found if part.miles]


def pence(vehicle: str, miles: int, *, miles_before: int) -> int:
    return sum(part.pence for part in parts(vehicle, miles, miles_before=miles_before))
