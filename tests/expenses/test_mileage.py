"""HMRC mileage arithmetic: 45p a car mile to the tax year's 10,000th, 25p after."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepwell.funding.expenses import mileage

miles = st.integers(min_value=0, max_value=30_000)


def test_a_car_journey_over_the_10000th_mile_is_paid_in_two_parts():
    parts = mileage.parts("car", 30, miles_before=9_990)
    assert parts == [mileage.Part(10, 45), mileage.Part(20, 25)]
    assert mileage.pence("car", 30, miles_before=9_990) == 10 * 45 + 20 * 25


def test_bicycles_and_motorcycles_keep_their_rate_past_10000_miles():
    assert mileage.pence("bicycle", 10, miles_before=20_000) == 200
    assert mileage.pence("motorcycle", 10, miles_before=20_000) == 240


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (date(2026, 4, 5), date(2025, 4, 6)),
        (date(2026, 4, 6), date(2026, 4, 6)),
        (date(2027, 1, 15), date(2026, 4, 6)),
    ],
)
def test_the_tax_year_starts_on_6_april(day, start):
    assert mileage.tax_year_start(day) == start


def test_unknown_vehicles_and_negative_miles_are_refused():
    with pytest.raises(ValueError, match="vehicle"):
        mileage.parts("horse", 3, miles_before=0)
    with pytest.raises(ValueError, match="negative"):
        mileage.parts("car", -3, miles_before=0)


@given(before=miles, first=miles, second=miles)
def test_splitting_a_journey_never_changes_what_is_paid(before, first, second):
    """Two journeys pay what one journey of both their miles pays: the threshold is counted
    across journeys, never reset by how the miles are split."""
    apart = mileage.pence("car", first, miles_before=before) + mileage.pence(
        "car", second, miles_before=before + first
    )
    assert apart == mileage.pence("car", first + second, miles_before=before)


@given(before=miles, journey=miles)
def test_a_car_mile_is_paid_45p_up_to_10000_and_25p_after(before, journey):
    parts = mileage.parts("car", journey, miles_before=before)
    assert sum(p.miles for p in parts) == journey
    at_45 = max(0, min(journey, 10_000 - before))
    assert mileage.pence("car", journey, miles_before=before) == 45 * at_45 + 25 * (journey - at_45)
    assert all(p.miles > 0 and p.rate_pence in (45, 25) for p in parts)
