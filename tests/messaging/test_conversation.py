"""Sam reads Margaret's conversation and answers her; reading is audited; a coordinator
from another town is refused; old words are redacted and the facts kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from keepwell.audit.models import AuditEvent
from keepwell.messaging.inbound import receive_text
from keepwell.messaging.models import Channel, InboundMessage, Message, Status
from keepwell.messaging.retention import redact_expired
from tests.messaging.factories import MessageFactory

MARGARET_MOBILE = "+447700900222"


@pytest.fixture
def talking(world):
    """Sam's group texted Margaret about her shopping; she texted back a question."""
    margaret = world.margaret_person
    margaret.mobile = MARGARET_MOBILE
    margaret.save()
    sent = MessageFactory(
        person=margaret,
        to=MARGARET_MOBILE,
        kind="task_reminder",
        body="Jo will bring your shopping on Tuesday between 10:00 and 12:00.",
        sent_by=world.sam,
        queued_at=timezone.now() - timedelta(hours=2),
    )
    receive_text(
        provider="notify",
        provider_id="from-margaret-1",
        from_number="447700900222",
        body="Could Jo come after 3pm instead?",
    )
    return sent


def _conversation(person) -> str:
    return reverse("messaging:conversation", kwargs={"person_id": person.pk})


def test_sam_reads_margaret_s_conversation_in_order_and_it_is_audited(world, talking, as_user):
    page = as_user(world.sam).get(_conversation(world.margaret_person))
    assert page.status_code == 200
    html = page.content.decode()
    ours = html.index("Jo will bring your shopping on Tuesday")
    hers = html.index("Could Jo come after 3pm instead?")
    assert ours < hers  # oldest first
    assert "Text message" in html and "Delivered" in html and "Sam Okafor" in html
    assert "Waiting for an answer" in html
    read = AuditEvent.objects.get(person_id=world.margaret_person.pk, action="read")
    assert read.actor == world.sam
    assert read.purpose == "communication"


@pytest.mark.parametrize("persona", ["olly", "jo", "margaret"])
def test_who_may_not_open_margaret_s_record_cannot_read_her_messages(
    world, talking, as_user, persona
):
    page = as_user(world.persona(persona)).get(_conversation(world.margaret_person))
    assert page.status_code == 403
    assert not AuditEvent.objects.filter(person_id=world.margaret_person.pk, action="read").exists()


def test_sam_s_reply_texts_margaret_and_answers_what_she_asked(world, talking, as_user):
    client = as_user(world.sam)
    response = client.post(
        _conversation(world.margaret_person),
        {"body": "Yes, Jo can come at 3:30pm.", "language": "en"},
        follow=True,
    )
    assert "Your reply to Margaret Evans is on its way (text message)." in (
        response.content.decode()
    )
    reply = Message.objects.get(kind="reply")
    assert reply.channel == Channel.SMS
    assert reply.to == MARGARET_MOBILE
    assert reply.body == "Yes, Jo can come at 3:30pm."
    assert reply.sent_by == world.sam
    assert reply.sender_organisation == world.mutual_aid
    assert InboundMessage.objects.get().answered_by == world.sam
    waiting = client.get(reverse("messaging:replies")).content.decode()
    assert "No texts are waiting for an answer." in waiting


def test_sending_the_same_reply_twice_sends_it_once(world, talking, as_user):
    client = as_user(world.sam)
    data = {"body": "Yes, Jo can come at 3:30pm.", "language": "en"}
    client.post(_conversation(world.margaret_person), data)
    client.post(_conversation(world.margaret_person), data)
    assert Message.objects.filter(kind="reply").count() == 1


def test_an_empty_reply_is_refused_with_the_error_summary(world, talking, as_user):
    response = as_user(world.sam).post(
        _conversation(world.margaret_person), {"body": "", "language": "en"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "nhsuk-error-summary" in html
    assert "Enter your reply" in html
    assert not Message.objects.filter(kind="reply").exists()


def test_a_reply_in_a_language_nobody_offered_is_refused_not_a_crash(world, talking, as_user):
    response = as_user(world.sam).post(
        _conversation(world.margaret_person), {"body": "Olá", "language": "xx<script>"}
    )
    assert response.status_code == 400
    assert not Message.objects.filter(kind="reply").exists()


def test_an_area_lead_reads_but_does_not_reply(world, talking, as_user):
    client = as_user(world.ana)
    page = client.get(_conversation(world.margaret_person))
    assert page.status_code == 200
    assert "Send reply" not in page.content.decode()
    refused = client.post(_conversation(world.margaret_person), {"body": "Hello"})
    assert refused.status_code == 403
    assert not Message.objects.filter(kind="reply").exists()


def test_the_person_page_links_to_the_conversation(world, as_user):
    page = as_user(world.sam).get(reverse("people:detail", args=[world.margaret_person.pk]))
    assert _conversation(world.margaret_person) in page.content.decode()


def test_old_words_are_redacted_and_the_facts_kept(world, talking, settings, as_user):
    settings.KEEPWELL_MESSAGE_RETENTION_DAYS = 30
    later = timezone.now() + timedelta(days=31)
    recent = MessageFactory(person=world.margaret_person, queued_at=later, body="Still here")
    contact = MessageFactory(
        person=None, to="+447700900777", body="To a neighbour", queued_at=talking.queued_at
    )
    assert redact_expired(later) == (2, 1)
    talking.refresh_from_db()
    assert talking.body == "" and talking.to == "" and talking.context == {}
    assert talking.redacted_at == later
    assert talking.status == Status.DELIVERED and talking.channel == Channel.SMS
    assert talking.sent_by == world.sam
    contact.refresh_from_db()
    assert contact.body == "" and contact.to == "(redacted)"
    text = InboundMessage.objects.get()
    assert text.body == "" and text.redacted_at == later and text.person is not None
    recent.refresh_from_db()
    assert recent.body == "Still here" and recent.redacted_at is None
    # Run again: nothing more to do.
    assert redact_expired(later) == (0, 0)
    html = as_user(world.sam).get(_conversation(world.margaret_person)).content.decode()
    assert "Jo will bring your shopping" not in html
    assert "The words were removed after 30 days" in html


def test_the_replies_list_costs_the_same_queries_however_many_are_waiting(
    world, talking, as_user, count_queries
):
    client = as_user(world.sam)
    url = reverse("messaging:replies")
    one = count_queries(lambda: client.get(url))
    for n, person in enumerate([world.riverside_person, world.margaret_person], start=2):
        person.mobile = f"+44770090030{n}"
        person.save()
        receive_text(
            provider="notify",
            provider_id=f"more-{n}",
            from_number=person.mobile,
            body=f"Question number {n}",
        )
    assert count_queries(lambda: client.get(url)) == one
    assert "Question number 2" in client.get(url).content.decode()


def test_coordinators_find_the_texts_to_answer_from_the_menu(world, as_user):
    home = as_user(world.sam).get("/").content.decode()
    assert reverse("messaging:replies") in home
    assert reverse("messaging:replies") not in as_user(world.jo).get("/").content.decode()


def test_redaction_runs_by_itself_every_hour(world, settings):
    from keepwell.core.periodic import registered
    from keepwell.messaging.retention import redact_expired_task

    hourly = {p.path: p.every_seconds for p in registered()}
    assert hourly["keepwell.messaging.retention.redact_expired_task"] == 3600
    settings.KEEPWELL_MESSAGE_RETENTION_DAYS = 30
    old = MessageFactory(
        person=world.margaret_person, queued_at=timezone.now() - timedelta(days=31)
    )
    assert redact_expired_task.call() == 1
    old.refresh_from_db()
    assert old.body == "" and old.redacted_at is not None
