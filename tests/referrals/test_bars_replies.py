"""A referral that came by BaRS tells its sender's system each step it takes: a
servicerequest-response message to the endpoint the request named, written once per step in
the step's own transaction, delivered through the outbox, and failing where a coordinator
sees it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from keepwell.audit.models import Action, AuditEvent
from keepwell.messaging import outbox
from keepwell.messaging.fhir_endpoint import FakeFhirProvider
from keepwell.messaging.models import Channel, Message, Status
from keepwell.referrals import services
from keepwell.referrals.bars import replies
from keepwell.referrals.bars.receiving import PATH
from keepwell.referrals.models import BarsMessage
from keepwell.referrals.models import Status as ReferralStatus
from tests.referrals.factories import refer

SENDER_SYSTEM = "https://gp-system.example.nhs.uk/fhir/$process-message"
REQUEST_ID = "4ad8bc19-0bc8-4f0b-9a7e-5f64a0b0a7a1"
THEIR_IDENTIFIER = {"system": "https://gp-system.example.nhs.uk/Id/referral", "value": "SR-2211"}


def bars_request(endpoint: str) -> dict:
    """The parts of a BaRS servicerequest-request a reply answers (the rest is kept whole
    by the receiver and does not matter here)."""
    return {
        "resourceType": "Bundle",
        "id": "b1d8e0a4-2a8f-4d55-9d3c-6b4f7b0c2e10",
        "type": "message",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{REQUEST_ID}",
                "resource": {
                    "resourceType": "MessageHeader",
                    "id": REQUEST_ID,
                    "eventCoding": {
                        "system": "https://fhir.nhs.uk/CodeSystem/message-events-bars",
                        "code": "servicerequest-request",
                    },
                    "source": {"endpoint": endpoint},
                    "focus": [{"reference": "urn:uuid:sr-1"}],
                },
            },
            {
                "fullUrl": "urn:uuid:sr-1",
                "resource": {
                    "resourceType": "ServiceRequest",
                    "id": "sr-1",
                    "identifier": [THEIR_IDENTIFIER],
                    "status": "active",
                    "intent": "order",
                    "subject": {"reference": "urn:uuid:patient-1"},
                },
            },
        ],
    }


@pytest.fixture
def by_bars(world, befriending):
    """Priya's practice system referred Margaret to the befriending service by BaRS."""

    def make(endpoint: str = SENDER_SYSTEM):
        referral = refer(world, befriending, source="bars:SR-2211")
        BarsMessage.objects.create(
            direction=BarsMessage.Direction.IN,
            message_id=REQUEST_ID,
            event="servicerequest-request",
            reason="new",
            referral=referral,
            service_request_id="SR-2211",
            sender_ods="Y0001",
            source_endpoint=endpoint,
            body=bars_request(endpoint),
            answer_status=200,
        )
        return referral

    return make


def _resources(bundle: dict) -> dict[str, dict]:
    return {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}


def _task(bundle: dict) -> dict:
    return next(r for r in _resources(bundle).values() if r["resourceType"] == "Task")


def test_accepting_a_bars_referral_sends_its_sender_a_response_message(world, by_bars):
    referral = by_bars()

    services.change_status(referral, ReferralStatus.ACCEPTED, by=world.sam)

    (message,) = Message.objects.filter(channel=Channel.FHIR)
    assert message.to == SENDER_SYSTEM and message.status == Status.QUEUED
    assert message.about_type == "referral" and message.about_id == referral.pk
    (kept,) = BarsMessage.objects.filter(direction=BarsMessage.Direction.OUT)
    assert kept.event == "servicerequest-response" and kept.referral == referral
    assert kept.destination_endpoint == SENDER_SYSTEM
    bundle = kept.body
    Bundle.model_validate(bundle)  # valid FHIR (R4B = R4 for these resources)
    assert bundle["type"] == "message"
    header = bundle["entry"][0]["resource"]
    assert header["resourceType"] == "MessageHeader" and header["id"] == kept.message_id
    assert header["eventCoding"] == {
        "system": "https://fhir.nhs.uk/CodeSystem/message-events-bars",
        "code": "servicerequest-response",
    }
    assert header["response"] == {"identifier": REQUEST_ID, "code": "ok"}
    assert header["destination"][0]["endpoint"] == SENDER_SYSTEM
    assert header["source"]["endpoint"] == settings.SITE_URL.rstrip("/") + PATH
    focus = _resources(bundle)[header["focus"][0]["reference"]]
    assert focus["resourceType"] == "ServiceRequest"
    assert focus["identifier"][0] == THEIR_IDENTIFIER, "they can match it to their referral"
    assert focus["status"] == "active"
    assert _task(bundle)["status"] == "accepted"
    assert AuditEvent.objects.filter(
        action=Action.EXPORT, person_id=referral.person_id, summary__startswith="BaRS reply"
    ).exists()


def test_a_decline_tells_the_sender_why(world, by_bars):
    referral = by_bars()

    services.change_status(
        referral,
        ReferralStatus.DECLINED,
        by=world.sam,
        decline_reason="We have no one who speaks Polish",
    )

    bundle = BarsMessage.objects.get(direction=BarsMessage.Direction.OUT).body
    header = bundle["entry"][0]["resource"]
    focus = _resources(bundle)[header["focus"][0]["reference"]]
    assert focus["status"] == "revoked"
    task = _task(bundle)
    assert task["status"] == "rejected"
    assert task["statusReason"] == {"text": "We have no one who speaks Polish"}


def test_each_step_is_one_message_and_the_same_step_never_writes_two(world, by_bars):
    referral = by_bars()

    services.change_status(referral, ReferralStatus.ACCEPTED, by=world.sam)
    again = replies.reply(referral, ReferralStatus.ACCEPTED, by=world.sam)
    services.change_status(referral, ReferralStatus.CONTACTED, by=world.sam)

    assert Message.objects.filter(channel=Channel.FHIR).count() == 2
    out = BarsMessage.objects.filter(direction=BarsMessage.Direction.OUT)
    assert out.count() == 2
    assert again.message_id in set(out.values_list("message_id", flat=True))
    statuses = sorted(_task(m.body)["businessStatus"]["coding"][0]["code"] for m in out)
    assert statuses == ["accepted", "contacted"]


def test_a_referral_that_did_not_come_by_bars_sends_nothing_to_any_system(world, befriending):
    referral = refer(world, befriending)

    services.change_status(referral, ReferralStatus.ACCEPTED, by=world.sam)

    assert not Message.objects.filter(channel=Channel.FHIR).exists()
    assert not BarsMessage.objects.exists()


def test_a_step_undone_by_its_transaction_sends_nothing(world, by_bars):
    referral = by_bars()

    with pytest.raises(services.InvalidTransition):
        services.change_status(referral, ReferralStatus.DECLINED, by=world.sam)  # no reason

    assert not Message.objects.filter(channel=Channel.FHIR).exists()


def test_the_coordinator_sees_the_reply_delivered_on_the_referral(as_user, world, by_bars):
    referral = by_bars()
    services.change_status(referral, ReferralStatus.ACCEPTED, by=world.sam)

    outbox.send_due(FakeFhirProvider())

    (posted,) = FakeFhirProvider.posted(SENDER_SYSTEM)
    assert posted["entry"][0]["resource"]["response"]["identifier"] == REQUEST_ID
    page = as_user(world.sam).get(reverse("referrals:detail", kwargs={"referral_id": referral.pk}))
    text = page.content.decode()
    assert "Sent to other systems" in text
    assert "BaRS reply: accepted" in text and "Delivered" in text


def test_a_reply_the_sender_refuses_fails_where_the_coordinator_sees_it(as_user, world, by_bars):
    referral = by_bars("https://fail-permanent.example/fhir/$process-message")
    services.change_status(referral, ReferralStatus.ACCEPTED, by=world.sam)

    outbox.send_due(FakeFhirProvider())

    message = Message.objects.get(channel=Channel.FHIR)
    assert message.status == Status.PERMANENT_FAILURE
    page = as_user(world.sam).get(reverse("referrals:detail", kwargs={"referral_id": referral.pk}))
    text = page.content.decode()
    assert "Failed: not deliverable" in text
    assert "REC_UNPROCESSABLE_ENTITY" in text, "what the receiver said, for the coordinator"
