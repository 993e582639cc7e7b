"""A planned delivery round becomes offers (issue 12, item 11): Sam confirms the round and each
delivery is offered to its driver through mutual aid's offer, with the same hard rules; a
delivery refused is shown with its reason and the others still go. The round form asks for
the day instead of filling one in."""

from __future__ import annotations

import re
from datetime import time

import pytest
from django.urls import reverse
from django.utils import timezone

from keepwell.help.models import OfferStatus, TaskOffer, TaskState
from keepwell.matching import services
from keepwell.matching.models import DeliveryRound, RoundStop
from tests.help.factories import make_request, make_volunteer


@pytest.fixture
def jo(places):
    return make_volunteer(
        places.mutual_aid,
        user=places.jo,
        first_name="Jo",
        home_postcode="WB2 1AE",
        checks=["id_check"],
        skills=["food_parcel"],
    )


def parcel(world, person, **kw):
    return make_request(person, "food_parcel", by=world.sam, organisation=world.mutual_aid, **kw)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_sam_confirms_a_round_and_jo_is_offered_each_delivery_but_the_possible_duplicate(
    places, jo, as_user
):
    world = places
    margarets = parcel(world, world.margaret_person).tasks.get()
    johns = parcel(world, world.riverside_person).tasks.get()
    again = parcel(world, world.riverside_person, allow_duplicate=True)
    repeat = again.tasks.get()
    made = services.plan_round(
        world.mutual_aid,
        None,
        timezone.localdate(),
        [margarets, johns, repeat],
        [services.DriverPlan(jo, "WB2 1AE", 5, time(9), time(13))],
        by=world.sam,
        time_limit_s=0.2,
    )
    assert RoundStop.objects.filter(round=made, driver__isnull=False).count() == 3
    client = as_user(world.sam)
    before = client.get(reverse("matching:round", args=[made.pk]))
    assert "Confirm: offer each delivery to its driver" in before.content.decode()
    assert not TaskOffer.objects.exists()

    response = client.post(reverse("matching:round_offer", args=[made.pk]), follow=True)

    offers = TaskOffer.objects.filter(volunteer=jo, status=OfferStatus.PENDING)
    assert set(offers.values_list("task_id", flat=True)) == {margarets.pk, johns.pk}
    repeat.refresh_from_db()
    assert repeat.state == TaskState.OPEN
    page = text(response)
    assert "2 deliveries offered to the drivers" in page
    assert "1 could not be offered" in page
    assert f"Not offered #{again.pk} may repeat #{johns.request_id}" in page
    assert page.count("Offered to Jo") == 2
    assert reverse("help:task_assign", args=[repeat.pk]) in response.content.decode()
    stop = RoundStop.objects.get(round=made, task=repeat)
    assert stop.offered_at is None and "may repeat" in stop.offer_refused

    # Jo sees the offers in her list and can accept one.
    mine = as_user(world.jo).get(reverse("help:my_tasks")).content.decode()
    assert reverse("help:my_task", args=[margarets.pk]) in mine

    # Confirming again offers nothing twice and still refuses the duplicate.
    client = as_user(world.sam)
    client.post(reverse("matching:round_offer", args=[made.pk]))
    assert TaskOffer.objects.count() == 2


def test_the_round_form_fills_in_no_day_and_asks_for_one(places, as_user):
    world = places
    client = as_user(world.sam)

    index = client.get(reverse("matching:index")).content.decode()
    day_input = re.search(r"<input[^>]*name=\"round-day\"[^>]*>", index)[0]
    assert 'type="date"' in day_input
    assert "value=" not in day_input

    response = client.get(
        reverse("matching:round_new"),
        {"round-organisation": world.mutual_aid.pk, "round-area": "", "round-day": ""},
    )
    assert response.status_code == 400
    summary = text(response).split("There is a problem")[1]
    assert "Enter the day of the round" in summary
    assert not DeliveryRound.objects.exists()


def test_a_day_typed_back_after_an_error_stays_in_the_date_input(places, as_user):
    world = places
    response = as_user(world.sam).get(
        reverse("matching:round_new"),
        {"round-organisation": "999999", "round-area": "", "round-day": "2026-12-24"},
    )
    assert response.status_code == 400
    assert 'value="2026-12-24"' in response.content.decode()


def test_margaret_driving_is_never_routed_her_own_parcel(places, jo):
    world = places
    margaret = make_volunteer(
        world.mutual_aid,
        user=world.margaret,
        first_name="Margaret",
        home_postcode="WB2 1AB",
        checks=["id_check"],
        skills=["food_parcel"],
    )
    hers = parcel(world, world.margaret_person).tasks.get()
    alone = services.plan_round(
        world.mutual_aid,
        None,
        timezone.localdate(),
        [hers],
        [services.DriverPlan(margaret, "WB2 1AB", 5, time(9), time(13))],
        by=world.sam,
        time_limit_s=0.2,
    )
    stop = RoundStop.objects.get(round=alone)
    assert stop.driver is None
    assert "it is for the driver themself" in stop.reason_text

    # With Jo on the round too, Jo takes it, even though Margaret starts at the door.
    both = services.plan_round(
        world.mutual_aid,
        None,
        timezone.localdate(),
        [hers],
        [
            services.DriverPlan(margaret, "WB2 1AB", 5, time(9), time(13)),
            services.DriverPlan(jo, "WB3 1AA", 5, time(9), time(13)),
        ],
        by=world.sam,
        time_limit_s=0.2,
    )
    assert RoundStop.objects.get(round=both).driver.volunteer == jo
