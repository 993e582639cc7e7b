"""Offering or assigning by hand keeps the rules matching keeps (issue 12, items 8 and 9).

Sam coordinates Wellbrook Mutual Aid. Margaret signs in to see her own record and also
volunteers; a second request for John Smith's shopping is flagged as a possible duplicate;
and a request may need a volunteer who speaks Portuguese.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from keepwell.audit.models import AuditEvent
from keepwell.help import services
from keepwell.help.models import OfferStatus, TaskOffer, TaskState
from keepwell.people.models import Language
from tests.help.factories import make_request, make_volunteer


@pytest.fixture
def portuguese(db):
    return Language.objects.get_or_create(code="pt", defaults={"name": "Portuguese"})[0]


def ask(world, person, **kw):
    return make_request(person, "shopping", by=world.sam, organisation=world.mutual_aid, **kw)


def assign_page(client, task, volunteer, how="offer", **extra):
    return client.post(
        reverse("help:task_assign", args=[task.pk]),
        {"volunteer": volunteer.pk, "how": how, **extra},
    )


def test_margaret_who_volunteers_is_never_given_her_own_shopping(places, as_user):
    world = places
    margaret = make_volunteer(
        world.mutual_aid,
        user=world.margaret,
        first_name="Margaret",
        checks=["id_check", "safeguarding_training"],
        skills=["shopping"],
    )
    task = ask(world, world.margaret_person).tasks.get()
    client = as_user(world.sam)

    page = client.get(reverse("help:task_assign", args=[task.pk]))
    assert "Margaret is the person this request is for" in page.content.decode()

    response = assign_page(client, task, margaret, how="assign")
    assert response.status_code == 400
    assert "Margaret is the person this request is for" in response.content.decode()
    task.refresh_from_db()
    assert task.state == TaskState.OPEN and task.volunteer is None
    with pytest.raises(services.NotEligible):
        services.offer_task(task, margaret, by=world.sam)


def test_a_possible_duplicate_goes_to_no_volunteer_until_sam_says_it_is_not_one(
    places, jo_volunteer, as_user
):
    world = places
    first = ask(world, world.riverside_person)
    second = ask(world, world.riverside_person, allow_duplicate=True)
    assert second.possible_duplicate_of == first
    task = second.tasks.get()
    client = as_user(world.sam)

    response = assign_page(client, task, jo_volunteer)
    assert response.status_code == 400
    assert f"#{second.pk} may repeat #{first.pk}" in response.content.decode()
    assert not TaskOffer.objects.filter(task=task).exists()

    client.post(reverse("help:request_not_duplicate", args=[second.pk]))
    second.refresh_from_db()
    assert second.possible_duplicate_of is None
    assert AuditEvent.objects.filter(summary=f"Not a duplicate of #{first.pk}").exists()
    response = assign_page(client, task, jo_volunteer)
    assert response.status_code == 302
    assert TaskOffer.objects.get(task=task).volunteer == jo_volunteer


def test_the_flag_stops_holding_once_the_request_it_repeats_is_closed(places, jo_volunteer):
    world = places
    first = ask(world, world.riverside_person)
    second = ask(world, world.riverside_person, allow_duplicate=True)
    services.cancel_request(first, by=world.sam, reason="Done by a neighbour")
    offer = services.offer_task(second.tasks.get(), jo_volunteer, by=world.sam)
    assert offer.status == OfferStatus.PENDING


def test_jo_who_speaks_no_portuguese_is_refused_unless_sam_says_why(
    places, jo_volunteer, portuguese, as_user
):
    world = places
    task = ask(world, world.riverside_person, language=portuguese).tasks.get()
    client = as_user(world.sam)

    page = client.get(reverse("help:task_assign", args=[task.pk]))
    assert "Why Jo can take it without Portuguese" in page.content.decode()

    response = assign_page(client, task, jo_volunteer, how="assign")
    assert response.status_code == 400
    assert "Jo does not speak Portuguese" in response.content.decode()
    task.refresh_from_db()
    assert task.state == TaskState.OPEN

    response = assign_page(
        client, task, jo_volunteer, how="assign", language_reason="Her son interprets"
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.volunteer == jo_volunteer and task.state == TaskState.ACCEPTED
    audit = AuditEvent.objects.get(summary__contains="does not speak Portuguese")
    assert "because: Her son interprets" in audit.summary
    assert audit.actor == world.sam


def test_an_offer_made_with_a_reason_can_be_accepted_by_the_volunteer(
    places, jo_volunteer, portuguese, as_user
):
    world = places
    task = ask(world, world.riverside_person, language=portuguese).tasks.get()
    services.offer_task(task, jo_volunteer, by=world.sam, language_reason="Interpreter too")
    response = as_user(world.jo).post(
        reverse("help:task_respond", args=[task.pk]), {"action": "accept"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.volunteer == jo_volunteer


def test_a_reason_longer_than_300_characters_is_named_not_a_500(
    places, jo_volunteer, portuguese, as_user
):
    world = places
    task = ask(world, world.riverside_person, language=portuguese).tasks.get()
    response = assign_page(
        as_user(world.sam), task, jo_volunteer, how="assign", language_reason="x" * 301
    )
    assert response.status_code == 400
    assert "300" in response.content.decode()
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def _api(client, raw, path, data):
    return client.post(
        path, data=data, content_type="application/json", headers={"Authorization": f"Bearer {raw}"}
    )


def test_the_api_refuses_jo_for_portuguese_unless_the_body_says_why(
    places, client, jo_volunteer, portuguese
):
    from keepwell.accounts.services import create_token

    world = places
    task = ask(world, world.riverside_person, language=portuguese).tasks.get()
    _, raw = create_token(world.sam, "Rota tool")
    path = f"/api/help/tasks/{task.pk}/offer"

    refused = _api(client, raw, path, {"volunteer_id": jo_volunteer.pk})
    assert refused.status_code == 409
    assert "Jo does not speak Portuguese" in refused.json()["message"]
    too_long = _api(
        client, raw, path, {"volunteer_id": jo_volunteer.pk, "language_reason": "x" * 301}
    )
    assert too_long.status_code == 422
    offered = _api(
        client, raw, path, {"volunteer_id": jo_volunteer.pk, "language_reason": "Interpreter"}
    )
    assert offered.status_code == 200 and offered.json()["state"] == "offered"
    assert AuditEvent.objects.filter(
        summary__contains="does not speak Portuguese, because: Interpreter", via="api"
    ).exists()
    schema = client.get("/api/openapi.json").json()
    field = schema["components"]["schemas"]["VolunteerIn"]["properties"]["language_reason"]
    assert field["maxLength"] == 300
