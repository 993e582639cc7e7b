"""The working-day clock: weekends and England and Wales bank holidays do not count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepwell.referrals.workingdays import (
    LONDON,
    add_working_days,
    is_working_day,
    working_days_between,
)


def at(y, m, d, hour=15):
    return datetime(y, m, d, hour, 0, tzinfo=LONDON)


def test_three_working_days_from_a_friday_is_the_next_wednesday():
    assert add_working_days(at(2025, 6, 6), 3) == at(2025, 6, 11)


def test_easter_monday_and_good_friday_do_not_count():
    # Thursday 17 April 2025; Good Friday 18th and Easter Monday 21st are bank holidays.
    assert add_working_days(at(2025, 4, 17), 3) == at(2025, 4, 24)


def test_christmas_and_boxing_day_do_not_count():
    # Tuesday 23 December 2025: Wed 24 (1), Thu 25 and Fri 26 holidays, Mon 29 (2), Tue 30 (3).
    assert add_working_days(at(2025, 12, 23), 3) == at(2025, 12, 30)


def test_a_saturday_referral_counts_from_monday():
    assert add_working_days(at(2025, 6, 7, 10), 1) == at(2025, 6, 9, 10)


def test_the_clock_keeps_the_london_time_across_the_change_to_summer_time():
    # Friday 28 March 2025 15:00 GMT; clocks go forward on Sunday 30th.
    due = add_working_days(datetime(2025, 3, 28, 15, 0, tzinfo=UTC), 1)
    assert due.astimezone(LONDON).hour == 15
    assert due.astimezone(LONDON).date() == date(2025, 3, 31)


def test_england_and_wales_share_their_bank_holidays():
    years = range(2020, 2036)
    assert set(holidays.UK(subdiv="ENG", years=years)) == set(
        holidays.UK(subdiv="WLS", years=years)
    )
    # ... and Scotland's differ, so the right list matters.
    assert set(holidays.UK(subdiv="ENG", years=years)) != set(
        holidays.UK(subdiv="SCT", years=years)
    )


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        add_working_days(datetime(2025, 6, 6, 15, 0), 3)  # noqa: DTZ001


@given(
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2034, 12, 1)),
    days=st.integers(min_value=0, max_value=30),
)
def test_the_due_day_is_a_working_day_exactly_n_working_days_later(start, days):
    start = start.replace(tzinfo=UTC)
    due = add_working_days(start, days)
    start_day = start.astimezone(LONDON).date()
    due_day = due.astimezone(LONDON).date()
    assert working_days_between(start_day, due_day) == days
    if days:
        assert is_working_day(due_day)
        assert due_day - start_day >= timedelta(days=days)
