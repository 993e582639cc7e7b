"""Stories about requests: duplicates, merging, recurring needs and continuity."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from keepwell.help import services
from keepwell.help.models import (
    HelpRequest,
    OfferStatus,
    RequestStatus,
    SafeguardingCheck,
    TaskState,
)
from tests.help.factories import make_request


def test_the_same_person_with_the_same_open_need_is_flagged_never_silently_doubled(world):
    first = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    with pytest.raises(services.DuplicateRequest) as dup:
        make_request(world.margaret_person, "shopping", by=world.ana, organisation=world.mutual_aid)
    assert dup.value.existing == first
    assert HelpRequest.objects.filter(person=world.margaret_person).count() == 1
    second = make_request(
        world.margaret_person,
        "shopping",
        by=world.ana,
        organisation=world.mutual_aid,
        allow_duplicate=True,
    )
    assert second.possible_duplicate_of == first


def test_a_different_need_for_the_same_person_is_not_a_duplicate(world):
    make_request(world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid)
    other = make_request(
        world.margaret_person, "dog_walking", by=world.sam, organisation=world.mutual_aid
    )
    assert other.possible_duplicate_of is None


def test_merging_a_duplicate_keeps_its_notes_and_cancels_its_tasks(world):
    first = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid, notes="Milk"
    )
    second = make_request(
        world.margaret_person,
        "shopping",
        by=world.sam,
        organisation=world.mutual_aid,
        allow_duplicate=True,
        notes="And bread",
        urgency=3,
    )
    services.merge_requests(second, first, by=world.sam)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.status == RequestStatus.MERGED and second.merged_into == first
    assert "And bread" in first.notes and first.urgency == 3
    assert list(second.tasks.values_list("state", flat=True)) == [TaskState.CANCELLED]
    assert first.tasks.get().state == TaskState.OPEN


def test_requests_for_different_needs_cannot_be_merged(world):
    a = make_request(world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid)
    b = make_request(
        world.margaret_person, "gardening", by=world.sam, organisation=world.mutual_aid
    )
    with pytest.raises(services.HelpError, match="same need"):
        services.merge_requests(b, a, by=world.sam)


def test_befriending_three_calls_a_week_for_six_weeks_makes_eighteen_calls(world):
    start = timezone.make_aware(datetime(2025, 3, 3, 14, 0))  # a Monday
    request = make_request(
        world.margaret_person,
        "befriending",
        by=world.sam,
        organisation=world.mutual_aid,
        times_per_week=3,
        weeks=6,
        window_start=start,
        window_end=start + timedelta(minutes=45),
    )
    tasks = list(request.tasks.order_by("sequence"))
    assert len(tasks) == 18
    assert [t.sequence for t in tasks] == list(range(1, 19))
    first_week = [timezone.localtime(t.due_start).strftime("%a %H:%M") for t in tasks[:3]]
    assert first_week == ["Mon 14:00", "Wed 14:00", "Sat 14:00"]
    assert tasks[3].due_start - tasks[0].due_start == timedelta(days=7)
    assert all(t.due_end - t.due_start == timedelta(minutes=45) for t in tasks)


def test_the_same_volunteer_is_preferred_for_every_call_of_a_recurring_need(world, jo_volunteer):
    request = make_request(
        world.margaret_person,
        "befriending",
        by=world.sam,
        organisation=world.mutual_aid,
        times_per_week=2,
        weeks=2,
    )
    SafeguardingCheck.objects.create(
        volunteer=jo_volunteer, kind="dbs_basic", checked_on=timezone.localdate()
    )
    first = request.tasks.get(sequence=1)
    services.offer_task(first, jo_volunteer, by=world.sam)
    services.accept_offer(first, jo_volunteer, by=world.jo)
    request.refresh_from_db()
    assert request.preferred_volunteer == jo_volunteer
    later = request.tasks.filter(sequence__gt=1)
    assert set(later.values_list("state", flat=True)) == {TaskState.OFFERED}
    assert all(
        t.offers.get().volunteer == jo_volunteer and t.offers.get().status == OfferStatus.PENDING
        for t in later
    )


def test_a_one_off_keeps_its_own_window(world):
    start = timezone.now() + timedelta(days=1)
    request = make_request(
        world.margaret_person,
        "shopping",
        by=world.sam,
        organisation=world.mutual_aid,
        window_start=start,
        window_end=start + timedelta(hours=2),
    )
    task = request.tasks.get()
    assert (task.due_start, task.due_end) == (start, start + timedelta(hours=2))


def test_a_window_that_ends_before_it_starts_is_refused(world):
    start = timezone.now()
    with pytest.raises(services.HelpError, match="end after"):
        make_request(
            world.margaret_person,
            "shopping",
            by=world.sam,
            organisation=world.mutual_aid,
            window_start=start,
            window_end=start - timedelta(hours=1),
        )


def test_cancelling_a_request_cancels_its_waiting_tasks(world, jo_volunteer):
    request = make_request(
        world.margaret_person,
        "phone_check_in",
        by=world.sam,
        organisation=world.mutual_aid,
        times_per_week=2,
        weeks=1,
    )
    services.offer_task(request.tasks.get(sequence=1), jo_volunteer, by=world.sam)
    services.cancel_request(request, by=world.sam, reason="Family is back")
    assert set(request.tasks.values_list("state", flat=True)) == {TaskState.CANCELLED}
    assert not request.tasks.filter(offers__status=OfferStatus.PENDING).exists()


@settings(max_examples=40, deadline=None)
@given(per_week=st.integers(1, 7), weeks=st.integers(1, 8))
def test_occurrences_are_distinct_days_in_order(per_week, weeks):
    request = HelpRequest(times_per_week=per_week, weeks=weeks)
    windows = services.occurrence_windows(request, today=datetime(2025, 6, 1).date())
    assert len(windows) == per_week * weeks
    if per_week * weeks > 1:
        starts = [s for s, _ in windows]
        assert starts == sorted(starts)
        days = [timezone.localtime(s).date() for s in starts]
        assert len(set(days)) == len(days)
