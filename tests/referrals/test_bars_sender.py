"""A coordinator's request for a practice review goes to the practice's own system by BaRS
when the practice has a BaRS endpoint, and still lands in its keepwell inbox; without one it
waits in the inbox as ever."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from keepwell.messaging import outbox
from keepwell.messaging.fhir_endpoint import FakeFhirProvider
from keepwell.messaging.models import Channel, Message, Status
from keepwell.referrals import services
from keepwell.referrals.bars import replies
from keepwell.referrals.bars.receiving import PATH
from keepwell.referrals.models import BarsMessage

PRACTICE_SYSTEM = "https://wellbrook-hc.example.nhs.uk/fhir/$process-message"


def with_endpoint(practice, endpoint: str = PRACTICE_SYSTEM):
    practice.bars_endpoint = endpoint
    practice.ods_code = "Y0002"
    practice.save(update_fields=["bars_endpoint", "ods_code"])
    return practice


def ask_for_review(world):
    """Sam asks Margaret's practice to review her: she has stopped eating properly."""
    return services.refer_to_practice(
        world.margaret_person,
        world.practice,
        "She has stopped eating properly since her husband died",
        world.sam,
        from_organisation=world.mutual_aid,
        consent_how="phone",
    )


def _resources(bundle: dict) -> dict[str, dict]:
    return {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}


def test_a_review_asked_of_a_practice_with_an_endpoint_goes_there_by_bars(world):
    with_endpoint(world.practice)

    referral = ask_for_review(world)

    (message,) = Message.objects.filter(channel=Channel.FHIR)
    assert message.to == PRACTICE_SYSTEM and message.recipient_label == world.practice.name
    assert message.about_id == referral.pk and message.sender_organisation == world.mutual_aid
    (kept,) = BarsMessage.objects.filter(direction=BarsMessage.Direction.OUT)
    assert kept.event == "servicerequest-request" and kept.reason == "new"
    assert kept.destination_endpoint == PRACTICE_SYSTEM and kept.referral == referral
    bundle = kept.body
    Bundle.model_validate(bundle)
    header = bundle["entry"][0]["resource"]
    assert header["resourceType"] == "MessageHeader" and header["id"] == kept.message_id
    assert header["eventCoding"]["code"] == "servicerequest-request"
    assert header["reason"]["coding"][0]["code"] == "new"
    assert header["source"]["endpoint"] == settings.SITE_URL.rstrip("/") + PATH
    resources = _resources(bundle)
    destination = header["destination"][0]
    assert destination["endpoint"] == PRACTICE_SYSTEM
    assert resources[destination["receiver"]["reference"]]["name"] == world.practice.name
    assert resources[header["sender"]["reference"]]["name"] == world.mutual_aid.name
    focus = resources[header["focus"][0]["reference"]]
    assert focus["resourceType"] == "ServiceRequest" and focus["status"] == "active"
    assert "stopped eating properly" in " ".join(note["text"] for note in focus["note"])
    assert resources[focus["subject"]["reference"]]["name"][0]["given"] == ["Margaret"]
    # The practice's staff still find it in their keepwell inbox.
    assert Message.objects.filter(
        channel=Channel.INBOX, organisation=world.practice, about_id=referral.pk
    ).exists()


def test_a_practice_without_an_endpoint_gets_the_review_in_its_inbox_only(world):
    referral = ask_for_review(world)

    assert not Message.objects.filter(channel=Channel.FHIR).exists()
    assert not BarsMessage.objects.exists()
    assert Message.objects.filter(
        channel=Channel.INBOX, organisation=world.practice, about_id=referral.pk
    ).exists()


def test_sending_the_same_referral_again_writes_nothing_more(world):
    with_endpoint(world.practice)
    referral = ask_for_review(world)

    again = replies.send_referral(referral, by=world.sam)

    assert again == BarsMessage.objects.get(direction=BarsMessage.Direction.OUT)
    assert Message.objects.filter(channel=Channel.FHIR).count() == 1


def test_the_worker_delivers_the_referral_to_the_practice_system(world):
    with_endpoint(world.practice)
    referral = ask_for_review(world)

    outbox.send_due(FakeFhirProvider())

    (posted,) = FakeFhirProvider.posted(PRACTICE_SYSTEM)
    assert posted == BarsMessage.objects.get(referral=referral).body
    assert Message.objects.get(channel=Channel.FHIR).status == Status.DELIVERED


def test_the_practice_records_its_bars_endpoint_on_its_directory_page(world, as_user):
    url = reverse("directory:organisation_edit", kwargs={"slug": world.practice.slug})
    client = as_user(world.alex)
    fields = {"name": world.practice.name, "kind": world.practice.kind}

    refused = client.post(url, {**fields, "bars_endpoint": "not a web address"})

    assert refused.status_code == 400
    page = refused.content.decode()
    assert "nhsuk-error-summary" in page and "Enter the BaRS endpoint as a web address" in page
    world.practice.refresh_from_db()
    assert world.practice.bars_endpoint == ""

    saved = client.post(url, {**fields, "bars_endpoint": PRACTICE_SYSTEM})

    assert saved.status_code == 302
    world.practice.refresh_from_db()
    assert world.practice.bars_endpoint == PRACTICE_SYSTEM


def test_nobody_can_suggest_where_a_practice_takes_referrals(world, as_user):
    url = reverse("directory:organisation_suggest", kwargs={"slug": world.practice.slug})

    page = as_user(world.margaret).get(url).content.decode()

    assert 'name="name"' in page, "the suggestion form is there"
    assert 'name="bars_endpoint"' not in page


def test_the_outbox_shows_the_bars_message_without_the_record_it_carries(world, as_user):
    """The FHIR body holds Margaret's record: the outbox names the message and links to
    the referral (whose page audits each read) instead of printing it unaudited."""
    with_endpoint(world.practice)
    referral = ask_for_review(world)

    page = as_user(world.sam).get(reverse("messaging:outbox") + "?channel=fhir")

    text = page.content.decode()
    assert page.status_code == 200
    assert f"Sent by BaRS to {world.practice.name}" in text
    assert reverse("referrals:detail", args=[referral.pk]) in text
    assert "stopped eating properly" not in text and "resourceType" not in text
