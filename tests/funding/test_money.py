"""Money in pence, words in pounds: the conversions every funding page and file share."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepwell.funding import money

PENCE = st.integers(min_value=0, max_value=10**14)


@given(PENCE)
def test_an_amount_written_in_pounds_reads_back_as_the_same_pence(pence):
    written = money.pounds(pence)
    assert money.parse_pounds(written) == pence


@given(PENCE)
def test_the_360giving_number_is_the_exact_amount_in_pounds(pence):
    number = money.pounds_number(pence)
    assert Decimal(str(number)) == money.pounds_decimal(pence)


@pytest.mark.parametrize(
    ("typed", "pence"),
    [("1500", 150000), ("£1,500.5", 150050), ("1,234,567.89", 123456789), ("0.07", 7)],
)
def test_amounts_are_typed_as_people_write_them(typed, pence):
    assert money.parse_pounds(typed) == pence


@pytest.mark.parametrize("typed", ["-5", "1.234", "twelve", "1,50", "", "£", "1e3"])
def test_what_is_not_pounds_and_pence_is_refused_not_rounded(typed):
    with pytest.raises(money.AmountError):
        money.parse_pounds(typed)


@given(st.integers(min_value=1, max_value=10**12), st.integers(min_value=0, max_value=10**12))
def test_what_each_pound_attracted_is_rounded_half_up_to_the_penny(own, matched):
    ratio = money.attracted_per_pound(own, matched)
    assert ratio == Fraction(matched, own)
    pence = money.pence_per_pound(ratio)
    assert abs(Fraction(pence) - ratio * 100) <= Fraction(1, 2)


def test_nothing_awarded_attracts_nothing_rather_than_dividing_by_zero():
    assert money.attracted_per_pound(0, 500) is None
    assert money.share_basis_points(500, 0) is None


def test_a_share_is_shown_to_the_hundredth_of_a_percent():
    assert money.percent(money.share_basis_points(15_000_00, 1_500_000_00)) == "1%"
    assert money.percent(money.share_basis_points(5_700_00, 1_900_000_00)) == "0.3%"
    assert money.percent(125) == "1.25%"


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2026, 3, 31), 2025), (date(2026, 4, 1), 2026), (date(2027, 1, 15), 2026)],
)
def test_the_nhs_financial_year_runs_april_to_march(day, year):
    assert money.financial_year(day) == year
    start, end = money.financial_year_bounds(year)
    assert start <= day <= end
    assert money.financial_year_label(2025) == "2025/26"
