"""Opening times written the way coordinators write them, and listings going stale."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepwell.directory.models import Service, months_before
from keepwell.directory.schedules import ScheduleError, Slot, byday, format_slots, parse
from tests.directory.factories import ServiceFactory


def test_people_write_times_in_many_ways_and_get_them_back_tidy():
    slots = parse("tues 10-12; First Monday 6pm-8pm\nSaturday 9:30 to 11.45")
    assert format_slots(slots) == (
        "first Monday 18:00-20:00; Tuesday 10:00-12:00; Saturday 09:30-11:45"
    )
    assert [byday(s) for s in slots] == ["1MO", "TU", "SA"]
    assert parse("last Friday 2-4pm") == [Slot(4, time(14), time(16), -1)]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Tuesday", "write a day and a time"),
        ("Funday 10:00-12:00", "is not a day of the week"),
        ("fifth Monday 10:00-12:00", "say every, first"),
        ("Monday 12:00-10:00", "close after it opens"),
        ("Monday 25:00-26:00", "not a time of day"),
    ],
)
def test_times_that_cannot_be_read_say_why(text, reason):
    with pytest.raises(ScheduleError, match=reason):
        parse(text)


slots = st.builds(
    lambda day, start, length, week: Slot(
        day,
        time(start // 60, start % 60),
        time((start + length) // 60, (start + length) % 60),
        week,
    ),
    st.integers(0, 6),
    st.integers(0, 20 * 60),
    st.integers(1, 3 * 60),
    st.sampled_from([None, 1, 2, 3, 4, -1]),
)


@given(st.lists(slots, max_size=5))
def test_formatting_then_parsing_gives_the_same_slots(given_slots):
    parsed = parse(format_slots(given_slots))
    assert parsed == parse(format_slots(parsed))
    assert set(parsed) == set(given_slots)


def test_months_before_clamps_to_the_end_of_a_shorter_month():
    assert months_before(datetime(2026, 8, 31, tzinfo=UTC), 6) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(
        2024, 12, 15, tzinfo=UTC
    )


def test_a_listing_unchecked_for_longer_than_the_setting_is_stale(db, settings):
    settings.DIRECTORY_STALE_MONTHS = 6
    fresh = ServiceFactory(last_verified_at=datetime(2026, 5, 1, tzinfo=UTC))
    old = ServiceFactory(last_verified_at=datetime(2026, 1, 1, tzinfo=UTC))
    never = ServiceFactory(last_verified_at=None)
    now = datetime(2026, 9, 1, tzinfo=UTC)
    assert set(Service.objects.stale(now)) == {old, never}
    settings.DIRECTORY_STALE_MONTHS = 12
    assert set(Service.objects.stale(now)) == {never}
    assert fresh not in Service.objects.stale(now)
