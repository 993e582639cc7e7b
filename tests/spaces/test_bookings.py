"""Groups ask for rooms, owners decide, and a space is never booked twice for one hour."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwell.directory.models import OrganisationKind
from keepwell.messaging.models import Message
from keepwell.spaces import services
from keepwell.spaces.models import Booking
from keepwell.spaces.times import local
from tests.factories import OrganisationFactory
from tests.spaces.factories import book, next_weekday, slot


def test_a_group_asks_for_a_room_and_the_owners_inbox_hears(world, room):
    [booking] = book(room, world.mutual_aid, world.sam, next_weekday(1))
    assert booking.status == Booking.Status.REQUESTED
    note = Message.objects.get(kind="booking_requested")
    assert note.organisation_id == world.practice.pk
    assert "Garden Room" in note.body
    assert "Mutual Aid" not in note.body  # the group is named only after signing in


def test_a_weekly_booking_takes_every_week_at_the_same_local_time(world, room):
    made = book(room, world.mutual_aid, world.sam, next_weekday(1), weeks=10)
    assert len(made) == 10
    assert len({b.series for b in made}) == 1
    assert {(local(b.start).hour, local(b.start).weekday()) for b in made} == {(14, 1)}


def test_one_clashing_week_refuses_the_whole_series_and_names_that_week(world, room):
    first = next_weekday(1)
    book(room, world.other_group, world.olly, first + timedelta(weeks=2), "15:00", "17:00")
    with pytest.raises(services.BookingRefused) as refused:
        book(room, world.mutual_aid, world.sam, first, weeks=4)
    third = first + timedelta(weeks=2)
    assert refused.value.reasons == [
        f"{third:%A} {third.day} {third:%B %Y}, 14:00 to 16:00: already booked"
    ]
    assert not Booking.objects.filter(organisation=world.mutual_aid).exists()


def test_a_booking_outside_the_opening_hours_is_refused_with_the_hours(world, room):
    with pytest.raises(services.BookingRefused) as refused:
        book(room, world.mutual_aid, world.sam, next_weekday(2), "16:00", "18:00")
    assert "outside the opening hours, 09:00 to 17:00 on Wednesdays" in refused.value.reasons[0]
    with pytest.raises(services.BookingRefused) as refused:
        book(room, world.mutual_aid, world.sam, next_weekday(6))
    assert "Garden Room is closed on Sundays" in refused.value.reasons[0]


def test_more_people_than_the_room_holds_are_refused(world, room):
    with pytest.raises(services.BookingRefused) as refused:
        book(room, world.mutual_aid, world.sam, next_weekday(1), people=35)
    assert refused.value.reasons[0].startswith("Garden Room holds 20 people: you expect 35")


def test_a_time_already_gone_is_refused(world, room):
    day = next_weekday(1) - timedelta(weeks=2)
    with pytest.raises(services.BookingRefused) as refused:
        book(room, world.mutual_aid, world.sam, day)
    assert refused.value.reasons == [
        f"{services.describe(*slot(day, '14:00', '16:00'))}: that time has passed"
    ]


def test_a_requested_slot_is_held_until_the_owner_declines_it(world, room):
    day = next_weekday(3)
    [first] = book(room, world.mutual_aid, world.sam, day)
    with pytest.raises(services.BookingRefused):
        book(room, world.other_group, world.olly, day, "15:00", "16:30")
    services.decide(first, by=world.priya, approve=False, reason="The room is being painted")
    [second] = book(room, world.other_group, world.olly, day, "15:00", "16:30")
    assert second.status == Booking.Status.REQUESTED


def test_the_owner_approves_a_whole_series_and_the_requester_is_told(world, room):
    made = book(room, world.mutual_aid, world.sam, next_weekday(0), weeks=3)
    services.decide(made[1], by=world.priya, approve=True)
    assert set(Booking.objects.values_list("status", flat=True)) == {"approved"}
    note = Message.objects.get(kind="booking_approved")
    assert note.user_id == world.sam.pk
    assert "3 week" in note.body


def test_declining_needs_a_reason_and_the_group_reads_it(world, room):
    [booking] = book(room, world.mutual_aid, world.sam, next_weekday(0))
    with pytest.raises(services.BookingRefused):
        services.decide(booking, by=world.priya, approve=False, reason="  ")
    services.decide(booking, by=world.priya, approve=False, reason="A clinic needs it that day")
    booking.refresh_from_db()
    assert booking.status == "declined" and booking.decided_by == world.priya
    assert "A clinic needs it that day" in Message.objects.get(kind="booking_declined").body


def test_a_decided_booking_cannot_be_decided_again(world, room):
    [booking] = book(room, world.mutual_aid, world.sam, next_weekday(0))
    services.decide(booking, by=world.priya, approve=True)
    with pytest.raises(services.BookingRefused):
        services.decide(booking, by=world.priya, approve=False, reason="Changed my mind")


def test_cancelling_frees_the_time_and_tells_the_owner(world, room):
    day = next_weekday(4)
    made = book(room, world.mutual_aid, world.sam, day, weeks=4)
    services.cancel(made[1], by=world.sam, reason="Summer break", whole_series=True)
    assert [b.status for b in Booking.objects.order_by("start")] == ["requested"] + [
        "cancelled"
    ] * 3
    assert Message.objects.get(kind="booking_cancelled").organisation_id == world.practice.pk
    book(room, world.other_group, world.olly, day + timedelta(weeks=1))


def test_when_the_owner_cancels_the_requester_hears(world, room):
    [booking] = book(room, world.mutual_aid, world.sam, next_weekday(4))
    services.cancel(booking, by=world.priya, reason="Flooded")
    assert Message.objects.get(kind="booking_cancelled").user_id == world.sam.pk


def test_community_groups_book_free_and_others_pay_by_the_hour(world, room):
    [free] = book(room, world.mutual_aid, world.sam, next_weekday(1), "10:00", "11:30")
    council = OrganisationFactory(name="Wellbrook Council", kind=OrganisationKind.COUNCIL)
    [paid] = book(room, council, world.alex, next_weekday(1), "12:00", "13:30")
    assert (free.price_pence, paid.price_pence) == (0, 2250)
    assert paid.price_label == "£22.50"


def test_a_weekly_booking_keeps_its_local_time_across_the_clock_change(world, room):
    # Late October: the clocks go back; 14:00 stays 14:00 in Wellbrook.
    day = next_weekday(1)
    made = book(room, world.mutual_aid, world.sam, day, weeks=52)
    assert {local(b.start).strftime("%H:%M") for b in made} == {"14:00"}
    stored = list(Booking.objects.values_list("start", flat=True))
    assert {local(start).strftime("%H:%M") for start in stored} == {"14:00"}
    assert {start.utcoffset() for start in stored} == {timedelta(0)}  # stored in UTC
    assert len({local(start).utcoffset() for start in stored}) == 2


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(9, 15), st.integers(1, 3), st.integers(1, 3)),
        min_size=1,
        max_size=12,
    )
)
def test_no_two_holding_bookings_of_a_space_ever_overlap(world, room, asks):
    Booking.objects.all().delete()
    monday = next_weekday(0)
    for weekday, hour, hours, weeks in asks:
        day = monday + timedelta(days=weekday)
        with contextlib.suppress(services.BookingRefused):
            book(
                room,
                world.mutual_aid,
                world.sam,
                day,
                f"{hour}:00",
                f"{min(hour + hours, 17)}:00",
                weeks=weeks,
            )
    holding = list(Booking.objects.holding().order_by("start"))
    for before, after in zip(holding, holding[1:], strict=False):
        assert before.end <= after.start
