"""Matching in the product: a coordinator or area lead asks for suggestions, sees them with
distances and reasons, offers some or all, and plans delivery rounds with run sheets."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from keepwell.audit.models import AuditEvent
from keepwell.core.periodic import registered
from keepwell.help.models import SafeguardingCheck, TaskOffer, TaskState
from keepwell.matching import services
from keepwell.matching.models import (
    DeliveryRound,
    MatchRun,
    Proposal,
    ProposalStatus,
    RoundStop,
    RunTrigger,
)
from keepwell.matching.tasks import suggest_matches
from tests.factories import PersonFactory
from tests.help.factories import make_request, make_volunteer


@pytest.fixture
def jo(places):
    world = places
    return make_volunteer(
        world.mutual_aid,
        user=world.jo,
        first_name="Jo",
        home_postcode="WB2 1AE",
        checks=["id_check", "safeguarding_training"],
        skills=["shopping", "food_parcel"],
    )


@pytest.fixture
def dee(places):
    """A volunteer cleared for medicines, living by John Smith."""
    return make_volunteer(
        places.mutual_aid,
        username="dee",
        first_name="Dee",
        home_postcode="WB2 1AD",
        checks=["id_check", "dbs_enhanced"],
        authorisations=["medicines"],
        skills=["shopping", "prescription", "food_parcel"],
    )


def ask(world, person, slug="shopping", **kw):
    return make_request(person, slug, by=world.sam, organisation=world.mutual_aid, **kw)


def suggest_page(client, world, area=None):
    return client.post(
        reverse("matching:suggest"),
        {"organisation": world.mutual_aid.pk, "area": area.pk if area else ""},
    )


def test_coordinator_suggests_matches_sees_distances_and_reasons_and_offers_them(
    places, jo, as_user
):
    world = places
    shopping = ask(world, world.margaret_person)
    prescription = ask(world, world.riverside_person, "prescription")
    client = as_user(world.sam)

    response = suggest_page(client, world)
    run = MatchRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:run", args=[run.pk])

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Margaret Evans" in html and "Jo" in html
    assert "0.2 km" in html  # Jo lives about 180 metres from Margaret
    assert "Holds ID check; no tasks in the last 14 days; room for 3 more this week" in html
    # Nobody holds the enhanced DBS check and medicines authorisation a prescription needs.
    assert "No one nearby has the check or authorisation this needs." in html
    assert "John Smith" in html
    shown = AuditEvent.objects.filter(summary=f"Shown in matching run {run.pk}")
    assert set(shown.values_list("person_id", flat=True)) == {
        world.margaret_person.pk,
        world.riverside_person.pk,
    }

    response = client.post(reverse("matching:run_accept", args=[run.pk]), {"which": "all"})
    assert response.status_code == 302
    task = shopping.tasks.get()
    assert task.state == TaskState.OFFERED
    assert TaskOffer.objects.get(task=task).volunteer == jo
    assert prescription.tasks.get().state == TaskState.OPEN
    proposal = Proposal.objects.get(task=task)
    assert proposal.status == ProposalStatus.OFFERED and proposal.decided_by == world.sam
    follow = client.get(response["Location"])
    assert "1 task offered to volunteers" in follow.content.decode()


def test_offer_only_the_suggestions_ticked(places, jo, dee, as_user):
    world = places
    first = ask(world, world.margaret_person)
    second = ask(world, world.riverside_person)
    client = as_user(world.sam)
    suggest_page(client, world)
    run = MatchRun.objects.get()
    assert run.matched == 2
    chosen = Proposal.objects.get(task__request=second)

    client.post(
        reverse("matching:run_accept", args=[run.pk]),
        {"which": "chosen", "proposal": [chosen.pk]},
    )
    assert second.tasks.get().state == TaskState.OFFERED
    assert first.tasks.get().state == TaskState.OPEN
    assert Proposal.objects.get(task__request=first).status == ProposalStatus.PROPOSED
    # Nothing ticked: nothing offered, and the page says so.
    response = client.post(reverse("matching:run_accept", args=[run.pk]), {"which": "chosen"})
    assert "Choose at least one" in client.get(response["Location"]).content.decode()


def test_area_lead_suggests_for_her_own_area_only(places, jo, as_user):
    world = places
    ask(world, world.margaret_person)
    northgate_person = PersonFactory(postcode="WB3 1AA", area=world.northgate)
    northgate_person.organisations.add(world.mutual_aid)
    ask(world, northgate_person)
    client = as_user(world.ana)

    run_page = client.get(suggest_page(client, world, world.riverside)["Location"])
    run = MatchRun.objects.get()
    assert run.area == world.riverside and run.requests == 1
    assert "Margaret Evans" in run_page.content.decode()

    assert suggest_page(client, world, world.northgate).status_code == 400
    refused = suggest_page(client, world)  # every area is for coordinators
    assert refused.status_code == 400
    assert "Choose an area you lead" in refused.content.decode()
    assert MatchRun.objects.count() == 1

    elsewhere = services.suggest(world.mutual_aid, world.northgate, by=world.sam)
    assert client.get(reverse("matching:run", args=[elsewhere.pk])).status_code == 403


def test_a_stale_suggestion_is_refused_with_the_reason_when_offered(places, jo, as_user):
    world = places
    task = ask(world, world.margaret_person).tasks.get()
    run = services.suggest(world.mutual_aid, None, by=world.sam)
    # Jo's ID check lapses before anyone accepts the suggestion.
    SafeguardingCheck.objects.filter(volunteer=jo, kind="id_check").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    client = as_user(world.sam)
    response = client.post(reverse("matching:run_accept", args=[run.pk]), {"which": "all"})
    task.refresh_from_db()
    assert task.state == TaskState.OPEN
    proposal = Proposal.objects.get(run=run)
    assert proposal.status == ProposalStatus.REFUSED
    assert "ID check" in proposal.note
    html = client.get(response["Location"]).content.decode()
    assert "could not be offered" in html and "ID check" in html


def test_accepting_twice_offers_once(places, jo):
    world = places
    ask(world, world.margaret_person)
    run = services.suggest(world.mutual_aid, None, by=world.sam)
    assert services.accept(run, None, by=world.sam).offered == 1
    again = services.accept(run, None, by=world.sam)
    assert (again.offered, again.refused) == (0, 0)
    assert TaskOffer.objects.count() == 1


def test_a_newer_run_replaces_the_older_runs_suggestions_so_nothing_is_offered_twice(places, jo):
    world = places
    task = ask(world, world.margaret_person).tasks.get()
    morning = services.suggest(world.mutual_aid, None, by=None, trigger=RunTrigger.SCHEDULE)
    noon = services.suggest(world.mutual_aid, None, by=None, trigger=RunTrigger.SCHEDULE)

    assert Proposal.objects.get(run=morning).status == ProposalStatus.SUPERSEDED
    assert Proposal.objects.get(run=noon).status == ProposalStatus.PROPOSED
    # A coordinator still looking at the morning's list offers nothing from it.
    assert services.accept(morning, None, by=world.sam).offered == 0
    assert services.accept(noon, None, by=world.sam).offered == 1
    assert TaskOffer.objects.filter(task=task).count() == 1


def test_offers_waiting_for_an_answer_count_against_a_volunteers_week(places, jo):
    world = places
    jo.max_tasks_per_week = 1
    jo.save(update_fields=["max_tasks_per_week"])
    ask(world, world.margaret_person)
    services.accept(services.suggest(world.mutual_aid, None, by=world.sam), None, by=world.sam)
    ask(world, world.riverside_person)

    run = services.suggest(world.mutual_aid, None, by=world.sam)

    # Jo has not answered the first offer yet: she could say yes to it, so no second one.
    assert run.matched == 0 and run.volunteers == 0
    assert Proposal.objects.get(run=run).status == ProposalStatus.UNMATCHED


def test_the_engine_keeps_the_volunteer_who_helped_last_time(places, jo, dee):
    world = places
    weekly = ask(world, world.riverside_person, times_per_week=1, weeks=3)
    first, *later = weekly.tasks.order_by("sequence")
    # Jo helped before (she is the preferred volunteer), though Dee lives nearer John.
    weekly.preferred_volunteer = jo
    weekly.save(update_fields=["preferred_volunteer"])
    run = services.suggest(world.mutual_aid, None, by=world.sam)
    proposal = Proposal.objects.get(run=run, task=first)
    assert proposal.volunteer == jo and proposal.continuity
    assert proposal.why.startswith("Helped last time; holds ID check")
    assert run.weights["continuity_km"] == 2.0


def test_proposals_page_queries_do_not_grow_with_the_proposals(
    places, jo, as_user, django_assert_max_num_queries
):
    world = places

    def add(n):
        for _ in range(n):
            person = PersonFactory(postcode="WB2 1AD", area=world.riverside)
            person.organisations.add(world.mutual_aid)
            ask(world, person)
            make_volunteer(
                world.mutual_aid, checks=["id_check"], skills=["shopping"], home_postcode="WB2 1AF"
            )

    add(2)
    client = as_user(world.sam)
    small = services.suggest(world.mutual_aid, None, by=world.sam)
    add(8)
    big = services.suggest(world.mutual_aid, None, by=world.sam)
    assert big.proposals.count() == 10
    client.get(reverse("matching:run", args=[small.pk]))  # warm the session and caches
    with django_assert_max_num_queries(16) as small_queries:
        assert client.get(reverse("matching:run", args=[small.pk])).status_code == 200
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        assert client.get(reverse("matching:run", args=[big.pk])).status_code == 200


def test_suggestions_run_on_a_schedule_and_wait_for_a_coordinator(places, jo, settings):
    world = places
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    task = ask(world, world.margaret_person).tasks.get()
    assert "keepwell.matching.tasks.suggest_matches" in {p.path for p in registered()}

    result = suggest_matches.enqueue()
    assert result.return_value == 1
    run = MatchRun.objects.get()
    assert run.trigger == RunTrigger.SCHEDULE and run.started_by is None
    assert run.area is None and run.matched == 1
    task.refresh_from_db()
    assert task.state == TaskState.OPEN  # suggested, not offered


def test_urgency_weight_from_settings(settings):
    assert [services.urgency_value(u) for u in (1, 2, 3)] == [1, 2, 3]
    settings.MATCHING_URGENCY_WEIGHT = 0
    assert [services.urgency_value(u) for u in (1, 2, 3)] == [1, 1, 1]
    settings.MATCHING_URGENCY_WEIGHT = 2
    assert [services.urgency_value(u) for u in (1, 2, 3)] == [1, 3, 5]
    settings.MATCHING_FAIRNESS_KM_PER_TASK = 0
    assert services.weights_from_settings().fairness_km_per_task == 0


# --- delivery rounds -----------------------------------------------------------------------


def test_coordinator_plans_a_delivery_round_and_prints_each_drivers_run_sheet(
    places, jo, dee, as_user, settings
):
    world = places
    settings.MATCHING_ROUTING_SECONDS = 0.5
    parcel = ask(world, world.margaret_person, "food_parcel").tasks.get()
    medicine = ask(world, world.riverside_person, "prescription").tasks.get()
    far = PersonFactory(given_name="Nora", postcode="WB3 1AA", area=world.northgate)
    far.organisations.add(world.mutual_aid)
    far_parcel = ask(world, far, "food_parcel").tasks.get()
    ask(world, PersonFactory(postcode="WB2 1AF"), "shopping")  # not a delivery
    client = as_user(world.sam)
    day = timezone.localdate()
    url = reverse("matching:round_new") + (
        f"?round-organisation={world.mutual_aid.pk}&round-area=&round-day={day:%Y-%m-%d}"
    )

    form = client.get(url)
    html = form.content.decode()
    assert form.status_code == 200
    assert "Food parcel for Margaret Evans" in html and "Nora" in html
    assert "Shopping for" not in html

    response = client.post(
        url,
        {
            "delivery": [parcel.pk, medicine.pk, far_parcel.pk],
            "driver0-volunteer": jo.pk,
            "driver0-capacity": 5,
            "driver0-shift_start": "09:00",
            "driver0-shift_end": "12:00",
            "driver1-volunteer": dee.pk,
            "driver1-start_postcode": "wb2 1af",
            "driver1-capacity": 5,
            "driver1-shift_start": "10:00",
            "driver1-shift_end": "12:00",
        },
    )
    assert response.status_code == 302, response.content.decode()
    made = DeliveryRound.objects.get()
    assert response["Location"] == reverse("matching:round", args=[made.pk])
    stops = {s.task_id: s for s in RoundStop.objects.filter(round=made)}
    assert set(stops) == {parcel.pk, medicine.pk, far_parcel.pk}
    # The prescription only goes with Dee, who holds the checks and authorisation for it.
    assert stops[medicine.pk].driver.volunteer == dee
    assert stops[medicine.pk].driver.start_postcode == "WB2 1AF"
    assert all(s.driver is not None for s in stops.values())

    page = client.get(response["Location"])
    assert page.status_code == 200
    driver = stops[medicine.pk].driver
    sheet = client.get(reverse("matching:run_sheet", args=[made.pk, driver.pk]))
    html = sheet.content.decode()
    assert sheet.status_code == 200
    assert "matching/run_sheet.css" in html
    assert "John Smith" in html
    route = list(driver.stops.order_by("position"))
    assert [s.position for s in route] == list(range(1, len(route) + 1))
    assert all(time(10) <= s.arrival <= time(12) for s in route)
    assert AuditEvent.objects.filter(
        summary=f"Printed the run sheet of delivery round {made.pk}",
        person_id=world.riverside_person.pk,
    ).exists()


def test_a_delivery_no_driver_may_take_is_listed_with_the_reason(places, jo):
    world = places
    medicine = ask(world, world.riverside_person, "prescription").tasks.get()
    made = services.plan_round(
        world.mutual_aid,
        None,
        timezone.localdate(),
        [medicine],
        [services.DriverPlan(jo, "WB2 1AE", 5, time(9), time(12))],
        by=world.sam,
        time_limit_s=0.2,
    )
    stop = RoundStop.objects.get(round=made)
    assert stop.driver is None
    assert stop.reason_text.startswith("No driver on this round may take it: none holds the checks")


def test_round_form_shows_problems_without_planning(places, jo, as_user):
    world = places
    ask(world, world.margaret_person, "food_parcel")
    client = as_user(world.sam)
    day = timezone.localdate()
    url = reverse("matching:round_new") + (
        f"?round-organisation={world.mutual_aid.pk}&round-area=&round-day={day:%Y-%m-%d}"
    )
    response = client.post(url, {"driver0-volunteer": jo.pk, "driver0-capacity": 5})
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and "Enter the driver" in html
    response = client.post(
        url,
        {
            "driver0-volunteer": jo.pk,
            "driver0-capacity": 5,
            "driver0-shift_start": "09:00",
            "driver0-shift_end": "12:00",
        },
    )
    assert response.status_code == 400
    assert "Choose at least one delivery" in response.content.decode()
    assert not DeliveryRound.objects.exists()


def test_demo_loads_suggestions_and_a_round_once(db):
    from keepwell.demo.place import load_demo

    load_demo()
    load_demo()
    assert MatchRun.objects.count() == 1
    assert DeliveryRound.objects.count() == 1
    assert RoundStop.objects.filter(driver__isnull=False).exists()
