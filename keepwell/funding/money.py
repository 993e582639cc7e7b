"""Money as funders count it: integer pence in, words and pounds out.

Pure: imports no Django, so the 360Giving export, the forms and the share page agree on
every conversion, and each can be property-tested alone. Nothing here is a float until the
one place the 360Giving standard asks for a JSON number (:func:`pounds_number`).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from fractions import Fraction

_AMOUNT = re.compile(r"^£?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$")


class AmountError(ValueError):
    """An amount typed that is not pounds and pence; ``str(exc)`` says why in plain words."""


def parse_pounds(text: str) -> int:
    """'£1,250.50', '1250.5' or '1250' as pence (125050). Refuses negatives and fractions
    of a penny rather than rounding them away."""
    cleaned = text.strip()
    match = _AMOUNT.match(cleaned)
    if not match:
        raise AmountError("Enter an amount in pounds, like 1500 or 1,500.50")
    whole, pennies = match.groups()
    return int(whole.replace(",", "")) * 100 + int((pennies or "0").ljust(2, "0"))


def pounds(pence: int) -> str:
    """12345 -> '£123.45'; whole pounds without the pence: 150000 -> '£1,500'."""
    sign = "-" if pence < 0 else ""
    whole, rest = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}" + (f".{rest:02d}" if rest else "")


def pounds_decimal(pence: int) -> Decimal:
    """Pence as an exact decimal of pounds: 12345 -> Decimal('123.45')."""
    return Decimal(pence).scaleb(-2)


def pounds_number(pence: int) -> int | float:
    """The JSON number 360Giving's ``amountAwarded`` wants: whole pounds as an integer, else
    the nearest double to the exact decimal, which prints back as the same two places."""
    if pence % 100 == 0:
        return pence // 100
    return float(pounds_decimal(pence))


def attracted_per_pound(own_pence: int, matched_pence: int) -> Fraction | None:
    """How much each pound of a funder's own attracted from others: matched ÷ own, exactly.
    None when nothing of its own was awarded (there is no pound to divide by)."""
    if own_pence <= 0:
        return None
    return Fraction(matched_pence, own_pence)


def pence_per_pound(ratio: Fraction) -> int:
    """A ratio of pounds as whole pence per pound, rounded half up: 5/3 -> 167."""
    scaled = ratio * 100
    return int(scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)


def share_basis_points(part_pence: int, whole_pence: int) -> int | None:
    """part ÷ whole in hundredths of a percent (basis points), rounded half up: the share
    of a budget invested. None for a budget of nothing."""
    if whole_pence <= 0:
        return None
    return (part_pence * 10_000 * 2 + whole_pence) // (2 * whole_pence)


def percent(basis_points: int) -> str:
    """125 -> '1.25%'; 100 -> '1%'."""
    whole, rest = divmod(basis_points, 100)
    return f"{whole}%" if not rest else f"{whole}.{rest:02d}".rstrip("0") + "%"


def financial_year(day: date) -> int:
    """The NHS financial year a day falls in, named by the calendar year it starts: April
    2025 to March 2026 is 2025."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(year: int) -> str:
    """2025 -> '2025/26'."""
    return f"{year}/{(year + 1) % 100:02d}"


def financial_year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of a financial year: 1 April to 31 March."""
    return date(year, 4, 1), date(year + 1, 3, 31)
