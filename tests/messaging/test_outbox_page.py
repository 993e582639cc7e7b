"""The outbox page: Sam, a coordinator, sees what Wellbrook Mutual Aid sent, as the people
it reached saw it (texts as a phone shows them, letters as printed), and reading it is
audited. Olly's food bank in another town sees none of it; Jo, a volunteer, cannot open it."""

from __future__ import annotations

import io
from datetime import datetime
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from keepwell.audit.models import AuditEvent
from keepwell.messaging.models import Channel, Message, Purpose, Status
from keepwell.messaging.queries import visible_messages

LONDON = ZoneInfo("Europe/London")
OUTBOX = reverse("messaging:outbox")
_numbers = count()


def message(**fields) -> Message:
    """An outbox row as the sender writes it; a delivered text unless told otherwise."""
    n = next(_numbers)
    defaults = {
        "idempotency_key": f"outbox-test-{n}",
        "event": f"outbox-test-{n}",
        "kind": "referral_update",
        "purpose": Purpose.CARE,
        "channel": Channel.SMS,
        "to": "+447700900123",
        "language": "en",
        "body": "Your referral has been accepted.",
        "status": Status.DELIVERED,
        "sent_at": timezone.now(),
        "delivered_at": timezone.now(),
        "provider": "fake",
    }
    return Message.objects.create(**{**defaults, **fields})


def letter_to(person, **fields) -> Message:
    defaults = {
        "channel": Channel.LETTER,
        "person": person,
        "to": "",
        "address": [person.full_name, "12 Mill Lane", "Wellbrook", person.postcode],
        "subject": "Your referral to befriending",
        "body": "Dear John,\n\nA volunteer will phone you on Tuesday.",
    }
    return message(**{**defaults, **fields})


@pytest.fixture
def ours(world):
    """A text from Wellbrook Mutual Aid to John Smith, whose record it holds."""
    return message(
        person=world.riverside_person,
        sender_organisation=world.mutual_aid,
        body="Hello John, a volunteer will bring your shopping on Tuesday.",
    )


@pytest.fixture
def theirs(world):
    """A text from Olly's food bank to Fern, whose record only it holds."""
    return message(
        person=world.faraway_person,
        sender_organisation=world.other_group,
        body="Hello Fern, your food parcel comes on Friday.",
    )


def test_sam_sees_our_text_as_a_phone_shows_it_and_olly_sees_none_of_it(
    world, as_user, ours, theirs
):
    page = as_user(world.sam).get(OUTBOX)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Hello John, a volunteer will bring your shopping on Tuesday." in html
    assert 'class="keepwell-phone__bubble"' in html
    assert "John Smith" in html
    assert "Delivered" in html
    assert "Hello Fern" not in html

    olly_sees = as_user(world.olly).get(OUTBOX).content.decode()
    assert "Hello Fern, your food parcel comes on Friday." in olly_sees
    assert "Hello John" not in olly_sees


def test_a_volunteer_cannot_open_the_outbox_and_is_not_offered_it(world, as_user, ours):
    client = as_user(world.jo)

    assert client.get(OUTBOX).status_code == 403
    assert client.get(reverse("messaging:outbox_letter", args=[ours.pk])).status_code == 403
    assert ">Outbox<" not in client.get("/").content.decode()
    assert ">Outbox<" in as_user(world.sam).get("/").content.decode()


def test_the_gp_sees_texts_to_their_patient_whoever_sent_them(world, as_user):
    message(
        person=world.margaret_person,
        sender_organisation=world.mutual_aid,
        body="Margaret, your prescription is on its way.",
    )

    assert "your prescription is on its way" in as_user(world.priya).get(OUTBOX).content.decode()
    assert set(visible_messages(world.jo)) == set()


def test_a_platform_admin_sees_every_organisations_messages(world, ours, theirs):
    assert set(visible_messages(world.alex)) == {ours, theirs}
    assert set(visible_messages(world.sam)) == {ours}


def test_a_long_text_shows_its_characters_and_parts(world, as_user):
    message(person=world.riverside_person, body="A" * 200)
    message(
        person=world.riverside_person,
        language="pt",
        body="Olá João, a sua medicação chega amanhã.",
    )

    html = as_user(world.sam).get(OUTBOX).content.decode()

    assert "200 characters in GSM-7, sent as 2 text messages" in html
    # One accent and the whole text goes as UCS-2: 70 characters a part.
    assert "39 characters in UCS-2, sent as 1 text message<" in html


def test_an_email_shows_its_subject_and_body(world, as_user):
    message(
        person=world.riverside_person,
        channel=Channel.EMAIL,
        to="john@example.org",
        subject="Your referral was accepted",
        body="The befriending service will call you this week.",
    )

    html = as_user(world.sam).get(OUTBOX).content.decode()

    assert "Your referral was accepted" in html
    assert "The befriending service will call you this week." in html
    assert "john@example.org" in html


def test_a_letter_downloads_as_the_pdf_notify_will_print(world, as_user):
    letter = letter_to(world.riverside_person, sender_organisation=world.mutual_aid)
    client = as_user(world.sam)

    assert (
        reverse("messaging:outbox_letter", args=[letter.pk]) in client.get(OUTBOX).content.decode()
    )
    response = client.get(reverse("messaging:outbox_letter", args=[letter.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "A volunteer will phone you on Tuesday." in text
    assert "Wellbrook Mutual Aid" in text
    assert AuditEvent.objects.filter(
        actor=world.sam,
        action="read",
        person_id=world.riverside_person.pk,
        object_type="messaging.message",
        object_id=str(letter.pk),
    ).exists()


def test_someone_elses_letter_is_not_found(world, as_user, theirs):
    letter = letter_to(world.faraway_person, sender_organisation=world.other_group)
    client = as_user(world.sam)

    assert client.get(reverse("messaging:outbox_letter", args=[letter.pk])).status_code == 404
    # A text is not a letter, even one Sam may see.
    ours = message(person=world.riverside_person)
    assert client.get(reverse("messaging:outbox_letter", args=[ours.pk])).status_code == 404


def test_a_letter_notify_would_refuse_says_why_instead_of_failing(world, as_user):
    letter = letter_to(world.riverside_person)
    Message.objects.filter(pk=letter.pk).update(address=["John Smith"])

    response = as_user(world.sam).get(reverse("messaging:outbox_letter", args=[letter.pk]))

    assert response.status_code == 409
    assert "cannot be laid out for printing" in response.content.decode()


def test_reading_the_outbox_is_audited_for_each_person_shown(world, as_user, ours):
    to_staff = message(user=world.priya, channel=Channel.INBOX, to="", body="A note for Priya.")
    assert to_staff  # a note to a member of staff is nobody's record: no row for it

    as_user(world.sam).get(OUTBOX)

    rows = AuditEvent.objects.filter(actor=world.sam, object_type="messaging.message")
    assert [(row.person_id, row.object_id, row.purpose) for row in rows] == [
        (world.riverside_person.pk, str(ours.pk), "communication")
    ]


def test_a_redacted_text_shows_that_its_words_were_removed(world, as_user):
    message(
        person=world.riverside_person,
        body="",
        redacted_at=timezone.now(),
    )

    html = as_user(world.sam).get(OUTBOX).content.decode()

    assert "The words were removed after the retention period." in html
    assert "keepwell-phone__bubble" not in html


def test_filters_pick_out_failed_letters_written_on_a_day(world, as_user):
    day = datetime(2026, 11, 3, 10, 0, tzinfo=LONDON)
    failed_letter = letter_to(
        world.riverside_person,
        status=Status.PERMANENT_FAILURE,
        queued_at=day,
        failed_at=day,
        subject="Returned letter",
    )
    letter_to(world.riverside_person, queued_at=day, subject="Delivered letter")
    message(person=world.riverside_person, status=Status.TECHNICAL_FAILURE, queued_at=day)
    letter_to(
        world.riverside_person,
        status=Status.PERMANENT_FAILURE,
        queued_at=datetime(2026, 11, 4, 0, 30, tzinfo=LONDON),
        subject="Next day's letter",
    )
    client = as_user(world.sam)

    html = client.get(
        OUTBOX,
        {
            "status": "failed",
            "channel": "letter",
            "queued_from": "2026-11-03",
            "queued_to": "2026-11-03",
        },
    ).content.decode()

    assert "Returned letter" in html
    assert f'id="message-{failed_letter.pk}"' in html
    assert "Delivered letter" not in html
    assert "Next day&#x27;s letter" not in html and "Next day's letter" not in html
    assert "1 message match these filters" in html


@pytest.mark.parametrize(
    "query",
    [
        {"status": "exploded"},
        {"channel": "pigeon\x00"},
        {"kind": "<script>"},
        {"queued_from": "2026-02-30"},
        {"queued_from": "0001-01-01"},
        {"queued_to": "9999-12-31"},
        {"queued_from": "2026-12-02", "queued_to": "2026-12-01"},
        {"page": "abc"},
        {"page": "-3"},
        {"page": "9" * 40},
        {"status": ["sent", "delivered"], "page": "1e3"},
    ],
)
def test_bad_filter_values_are_answered_not_crashed_on(world, as_user, ours, query):
    response = as_user(world.sam).get(OUTBOX, query)

    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "There is a problem" in response.content.decode()


def test_the_page_makes_the_same_number_of_queries_however_many_messages(
    world, as_user, count_queries
):
    client = as_user(world.sam)
    for _ in range(2):
        message(person=world.riverside_person, sender_organisation=world.mutual_aid)
    few = count_queries(lambda: client.get(OUTBOX))
    for n in range(20):
        message(
            person=world.margaret_person if n % 2 else world.riverside_person,
            sender_organisation=world.mutual_aid,
            sent_by=world.sam,
            channel=[Channel.SMS, Channel.EMAIL, Channel.LETTER, Channel.INBOX][n % 4],
            address=["Margaret Evans", "1 Road", "WB2 1AB"],
        )
    many = count_queries(lambda: client.get(OUTBOX))

    assert many == few
    page = client.get(OUTBOX)
    assert page.content.decode().count('class="nhsuk-card nhsuk-u-margin-bottom-4"') == 22
