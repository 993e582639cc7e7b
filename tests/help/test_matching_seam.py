"""The seam the matching engine plugs into: open requests and eligible volunteers as plain
data, in a fixed number of queries, and ``offer_task`` still guarding the hard rules."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from keepwell.help import services
from keepwell.help.models import SafeguardingCheck
from keepwell.help.queries import (
    eligible_volunteers_for_matching,
    open_requests_for_matching,
    weekly_windows,
)
from keepwell.matching import engine
from keepwell.people.models import Language
from tests.factories import PersonFactory
from tests.help.factories import make_request, make_volunteer


def test_open_requests_carry_location_need_checks_language_window_urgency(world, places):
    pt = Language.objects.get(code="pt")
    start = timezone.now() + timedelta(days=1)
    request = make_request(
        world.margaret_person,
        "prescription",
        by=world.sam,
        organisation=world.mutual_aid,
        urgency=3,
        language=pt,
        window_start=start,
        window_end=start + timedelta(hours=3),
    )
    (row,) = open_requests_for_matching(world.mutual_aid)
    assert row.id == request.tasks.get().pk
    assert (row.lat, row.lon) == (53.0330, -1.4620)
    assert row.need == "prescription"
    assert row.checks == {"dbs_enhanced"} and row.authorisations == {"medicines"}
    assert row.languages == {"pt"} and row.urgency == 3
    assert (row.start, row.end) == (start, start + timedelta(hours=3))
    assert row.preferred_volunteer is None


def test_offered_tasks_and_unlocated_people_are_left_out(world, places, jo_volunteer):
    offered = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    services.offer_task(offered.tasks.get(), jo_volunteer, by=world.sam)
    nowhere = PersonFactory(postcode="WB9 9ZZ")
    make_request(nowhere, "shopping", by=world.sam, organisation=world.mutual_aid)
    rows = open_requests_for_matching(world.mutual_aid)
    assert list(rows) == [] and rows.unlocated == 1


def test_volunteers_carry_valid_checks_only_and_capacity_left_this_week(world, places):
    expired = timezone.now() - timedelta(minutes=1)
    jo = make_volunteer(
        world.mutual_aid,
        user=world.jo,
        home_postcode="WB2 1AE",
        checks=["dbs_enhanced_barred"],
        authorisations=["medicines"],
        skills=["prescription", "hospital_run"],
        languages=[Language.objects.get(code="pt")],
        max_tasks_per_week=2,
        max_km=4,
    )
    SafeguardingCheck.objects.create(
        volunteer=jo, kind="id_check", checked_on=timezone.localdate(), expires_at=expired
    )
    task = make_request(
        world.margaret_person, "prescription", by=world.sam, organisation=world.mutual_aid
    ).tasks.get()
    services.assign_task(task, jo, by=world.sam)
    (row,) = eligible_volunteers_for_matching(world.mutual_aid)
    assert row.id == jo.pk
    assert row.checks == {"dbs_enhanced_barred", "dbs_enhanced", "dbs_basic"}
    assert row.authorisations == {"medicines"}
    assert row.skills == {"prescription"}  # no car, so no hospital runs
    assert row.languages == {"pt"}
    assert row.capacity == 1 and row.recent_load == 1 and row.max_km == 4.0
    assert row.availability is None


def test_a_volunteer_at_their_weekly_limit_is_not_offered_to_the_engine(world, jo_volunteer):
    jo_volunteer.max_tasks_per_week = 1
    jo_volunteer.save(update_fields=["max_tasks_per_week"])
    task = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    ).tasks.get()
    services.assign_task(task, jo_volunteer, by=world.sam)
    assert list(eligible_volunteers_for_matching(world.mutual_aid)) == []


def test_weekly_slots_become_concrete_windows():
    monday_9 = timezone.make_aware(datetime(2025, 3, 3, 9, 0))
    windows = weekly_windows([(0, 600, 720), (2, 840, 960)], monday_9, days=7)
    assert [
        (timezone.localtime(s).strftime("%a %H:%M"), (e - s).seconds // 60) for s, e in windows
    ] == [
        ("Mon 10:00", 120),
        ("Wed 14:00", 120),
    ]


def test_query_counts_do_not_grow_with_the_data(world, places, django_assert_max_num_queries):
    for _ in range(3):
        make_volunteer(
            world.mutual_aid, checks=["id_check"], skills=["shopping"], home_postcode="WB2 1AE"
        )
        person = PersonFactory(postcode="WB2 1AD")
        make_request(person, "shopping", by=world.sam, organisation=world.mutual_aid)
    with django_assert_max_num_queries(5):
        assert len(open_requests_for_matching(world.mutual_aid)) == 3
    with django_assert_max_num_queries(11):
        assert len(eligible_volunteers_for_matching(world.mutual_aid)) == 3
    for _ in range(10):
        make_volunteer(
            world.mutual_aid, checks=["id_check"], skills=["shopping"], home_postcode="WB2 1AE"
        )
        person = PersonFactory(postcode="WB2 1AD")
        make_request(person, "shopping", by=world.sam, organisation=world.mutual_aid)
    with django_assert_max_num_queries(5):
        assert len(open_requests_for_matching(world.mutual_aid)) == 13
    with django_assert_max_num_queries(11):
        assert len(eligible_volunteers_for_matching(world.mutual_aid)) == 13


def test_the_engine_runs_on_the_seam_and_its_proposal_is_offered(world, places, jo_volunteer):
    far = make_volunteer(
        world.mutual_aid, checks=["id_check"], skills=["shopping"], home_postcode="WB3 1AA"
    )
    task = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    ).tasks.get()
    requests = [engine.Request(**r.engine_fields()) for r in open_requests_for_matching()]
    pool = engine.VolunteerPool.from_volunteers(
        [engine.Volunteer(**v.engine_fields()) for v in eligible_volunteers_for_matching()]
    )
    result = engine.match(requests, pool)
    (proposal,) = result.matches
    assert proposal.request_id == task.pk and proposal.volunteer_id == jo_volunteer.pk
    assert far.pk != proposal.volunteer_id
    services.offer_task(task, jo_volunteer, by=world.sam)


def test_a_stale_proposal_for_a_volunteer_whose_check_expired_is_refused(world, jo_volunteer):
    task = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    ).tasks.get()
    jo_volunteer.checks.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(services.NotEligible):
        services.offer_task(task, jo_volunteer, by=world.sam)
