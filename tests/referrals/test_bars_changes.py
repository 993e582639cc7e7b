"""BaRS updates, cancellations and validation requests: the referral the same sender made
changes, attributed and timed, as any change in keepwell does; a validation makes nothing."""

from __future__ import annotations

import copy

import pytest

from keepwell.accounts.services import create_token
from keepwell.audit.models import AuditEvent
from keepwell.messaging.models import Message
from keepwell.referrals import services
from keepwell.referrals.models import BarsMessage, Referral, ReferralEvent, Status, Urgency
from tests.referrals.factories import ServiceFactory
from tests.referrals.test_bars_receiving import (
    EXAMPLES,
    example,
    expressions,
    issues,
    post,
)


@pytest.fixture
def priya_token(world):
    return create_token(world.priya, "GP system")[1]


def follow_up(data: dict, message_id: str, reason: str) -> dict:
    """The same ServiceRequest sent again as a new message with ``reason``."""
    data = copy.deepcopy(data)
    header = data["entry"][0]["resource"]
    header["id"] = message_id
    header["reason"]["coding"][0]["code"] = reason
    return data


@pytest.fixture
def referred(client, world, befriending, priya_token):
    first = example(EXAMPLES[1])
    assert post(client, priya_token, first, service=befriending).status_code == 200
    return first, Referral.objects.get()


def test_an_update_changes_the_referral_and_the_service_hears_of_it(
    client,
    world,
    befriending,
    priya_token,
    referred,
):
    first, referral = referred
    update = follow_up(first, "update-1", "update")
    request = update["entry"][1]["resource"]
    request["priority"] = "routine"
    request["note"] = [{"text": "Prefers calls after 2pm"}]

    response = post(client, priya_token, update, service=befriending)

    assert response.status_code == 200, response.content
    referral.refresh_from_db()
    assert referral.urgency == Urgency.ROUTINE
    assert referral.needs.startswith("Prefers calls after 2pm")
    assert referral.status == Status.SENT
    event = ReferralEvent.objects.filter(referral=referral).latest("id")
    assert event.by == world.priya
    assert event.note == "Updated by the referrer's system: what they need, the urgency"
    assert AuditEvent.objects.filter(summary=event.note, person_id=referral.person_id).exists()
    assert Message.objects.filter(event__startswith=f"referral_amended:{referral.pk}:").exists()
    assert BarsMessage.objects.get(message_id="update-1").referral == referral
    assert Referral.objects.count() == 1


def test_a_cancellation_closes_the_referral_and_a_second_is_a_conflict(
    client,
    world,
    befriending,
    priya_token,
    referred,
):
    first, referral = referred
    cancel = follow_up(first, "cancel-1", "cancel")

    assert post(client, priya_token, cancel, service=befriending).status_code == 200
    referral.refresh_from_db()
    assert referral.status == Status.CLOSED
    assert referral.close_reason.startswith("Cancelled by the referrer's system")
    event = ReferralEvent.objects.filter(referral=referral).latest("id")
    assert (event.from_status, event.to_status, event.by) == (
        Status.SENT,
        Status.CLOSED,
        world.priya,
    )

    # A revoked ServiceRequest cancels too; this one finds the referral closed already.
    again = follow_up(first, "cancel-2", "update")
    again["entry"][1]["resource"]["status"] = "revoked"
    response = post(client, priya_token, again, service=befriending)
    assert response.status_code == 409
    assert issues(response)[0]["details"]["coding"][0]["code"] == "REC_CONFLICT"
    assert not BarsMessage.objects.filter(message_id="cancel-2").exists()


def test_a_cancellation_sent_twice_is_answered_once(
    client,
    world,
    befriending,
    priya_token,
    referred,
):
    first, referral = referred
    cancel = follow_up(first, "cancel-1", "cancel")
    answers = [post(client, priya_token, cancel, service=befriending) for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert ReferralEvent.objects.filter(referral=referral, to_status=Status.CLOSED).count() == 1


def test_an_update_for_a_referral_keepwell_never_received_is_a_404(
    client,
    world,
    befriending,
    priya_token,
    referred,
):
    first, _ = referred
    update = follow_up(first, "update-9", "update")
    update["entry"][1]["resource"]["id"] = "another-request"

    response = post(client, priya_token, update, service=befriending)

    assert response.status_code == 404
    assert expressions(response) == {"Bundle.entry[1].resource.identifier"}


def test_another_sender_cannot_change_the_referral(client, world, befriending, referred):
    first, referral = referred
    services.set_door(befriending, by=world.alex, accepts_referrals=True, taking_new_people=True)
    other = create_token(world.alex, "x")[1]  # an admin, but not the practice that referred
    cancel = follow_up(first, "cancel-1", "cancel")
    cancel["entry"][1]["resource"]["requester"] = {
        "reference": "urn:uuid:07939a0c-2854-46ff-9282-ad906bc93679"
    }

    response = post(client, other, cancel, service=befriending)

    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_a_closed_referral_cannot_be_updated(
    client,
    world,
    befriending,
    priya_token,
    referred,
):
    first, referral = referred
    services.change_status(referral, Status.DECLINED, by=world.sam, decline_reason="Full")

    response = post(
        client, priya_token, follow_up(first, "update-1", "update"), service=befriending
    )

    assert response.status_code == 409


def test_a_validation_request_is_answered_from_the_door_and_makes_nothing(
    client,
    world,
    befriending,
    priya_token,
):
    data = example("validation-request.json")

    response = post(client, priya_token, data, service=befriending)

    assert response.status_code == 200, response.content
    [said] = issues(response, "information")
    assert said["diagnostics"].startswith(
        "Friendly phone calls (Wellbrook Mutual Aid) would accept"
    )
    assert not Referral.objects.exists()
    kept = BarsMessage.objects.get()
    assert kept.reason == "validation" and kept.referral is None and kept.body == data
    assert "Bundle.entry[10].resource" in expressions(response, "warning")  # the Observation


def test_a_validation_request_to_a_closed_door_is_a_422(
    client,
    world,
    befriending,
    priya_token,
):
    befriending.accepts_referrals = False
    befriending.save(update_fields=["accepts_referrals"])

    response = post(client, priya_token, example("validation-request.json"), service=befriending)

    assert response.status_code == 422
    assert "Not accepting referrals" in issues(response)[0]["diagnostics"]
    assert not BarsMessage.objects.exists()


def test_an_update_cannot_move_the_referral_to_another_service(
    client, world, befriending, priya_token, referred
):
    first, referral = referred
    elsewhere = ServiceFactory(organisation=world.mutual_aid, name="Gardening club")

    response = post(client, priya_token, follow_up(first, "update-1", "update"), service=elsewhere)

    assert response.status_code == 422
    assert expressions(response) == {"Bundle.entry[1].resource.performer"}
    assert Referral.objects.get().service == befriending
