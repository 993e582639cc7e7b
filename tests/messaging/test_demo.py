"""The demo place speaks: a broadcast in three languages delivered, letters as PDFs, replies
and answers, Jo's YES by text, a failed text that became a call, hand-logged channels and a
year of history in the communication audit. Loading twice changes nothing."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from keepwell.accounts.models import User
from keepwell.demo.place import load_demo
from keepwell.help.models import TaskOffer
from keepwell.messaging import demo
from keepwell.messaging.models import (
    Broadcast,
    CallOutcome,
    Channel,
    HandLog,
    InboundMessage,
    Message,
    MessageTally,
    Purpose,
    PurposeChoice,
    Status,
)
from keepwell.people.models import Person

COUNTED = (Message, InboundMessage, Broadcast, HandLog, PurposeChoice, MessageTally)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture(scope="module")
def loaded_twice(django_db_setup, django_db_blocker):
    """The demo loaded once for the whole module (it takes a while), then again, in a
    transaction rolled back at the end so no other test sees it. Loaded in the daytime:
    texts are not held back for quiet hours (21:00 to 08:00), whenever the test runs."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr("keepwell.messaging.services.in_quiet_hours", lambda *a, **k: None)
        patch.setattr("keepwell.help.messages.in_quiet_hours", lambda *a, **k: None)
        outer = transaction.atomic()
        outer.__enter__()
        try:
            load_demo(verbosity=0)
            first = _counts()
            load_demo(verbosity=0)
            yield first, _counts()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def wellbrook(loaded_twice, db):
    return loaded_twice


@pytest.fixture
def sam(as_user):
    return as_user(User.objects.get(username="coordinator"))


def live():
    """The messages the demo's stories sent, without the year of history."""
    return Message.objects.exclude(event__startswith="demo-history:")


def person(name: str) -> Person:
    given, family = name.split(" ")
    return Person.objects.get(given_name=given, family_name=family, is_demo=True)


def test_the_broadcast_goes_out_in_three_languages_and_is_delivered(wellbrook, sam):
    broadcast = Broadcast.objects.get(title=demo.BROADCAST_TITLE)
    assert broadcast.state == Broadcast.State.SENT
    sent = broadcast.messages.filter(fallback_of=None)
    assert set(sent.values_list("language", flat=True)) >= {"en", "pt", "pl"}
    # Nothing the demo sent is left waiting: every text, email and letter has its receipt.
    assert not sent.filter(status__in=[Status.QUEUED, Status.SENDING, Status.SENT]).exists()
    rui = sent.get(person=person("Rui Pereira"))
    assert (rui.channel, rui.language, rui.status) == ("sms", "pt", Status.DELIVERED)
    assert rui.receipts.filter(status="delivered").exists()
    # An Urdu speaker gets the English, and the audit counts it as a language fallback.
    yusuf = sent.get(person=person("Yusuf Ahmed"))
    assert (yusuf.language, yusuf.language_fallback) == ("en", True)
    # Only people who said yes to news: Ivy never did.
    assert not sent.filter(person=person("Ivy Brown")).exists()

    page = sam.get(reverse("messaging:outbox"), {"kind": "broadcast", "channel": "sms"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "vacina da gripe gratuita" in text
    assert demo.BROADCAST_LINK in rui.body
    assert "Delivered" in text


def test_betty_who_has_no_phone_or_internet_gets_a_large_print_letter_as_a_pdf(wellbrook, sam):
    letter = Message.objects.get(
        broadcast__title=demo.BROADCAST_TITLE, person=person("Betty Cooper")
    )
    assert (letter.channel, letter.large_print, letter.status) == (
        Channel.LETTER,
        True,
        Status.DELIVERED,
    )
    polish = Message.objects.get(
        broadcast__title=demo.BROADCAST_TITLE, person=person("Agnieszka Kowalska")
    )
    assert (polish.channel, polish.language) == (Channel.LETTER, "pl")

    page = sam.get(reverse("messaging:outbox"), {"channel": "letter", "kind": "broadcast"})
    assert reverse("messaging:outbox_letter", args=[letter.pk]) in page.content.decode()
    pdf = sam.get(reverse("messaging:outbox_letter", args=[letter.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_replies_reach_the_coordinators_and_sam_answers_them(wellbrook, sam):
    george = person("George Taylor")
    page = sam.get(reverse("messaging:conversation", args=[george.pk])).content.decode()
    assert "Is the hall step-free?" in page
    assert "the hall has a ramp at the side door" in page
    answer = live().get(person=george, kind="reply")
    assert (answer.channel, answer.status) == (Channel.SMS, Status.DELIVERED)

    rui = person("Rui Pereira")
    assert live().get(person=rui, kind="reply").language == "pt"

    # Helena's thanks still waits for a coordinator.
    replies = sam.get(reverse("messaging:replies")).content.decode()
    assert "Vou estar lá às 10h" in replies
    assert "step-free" not in replies

    # Arthur texted STOP after the broadcast: no more news for him.
    arthur = person("Arthur Hall")
    latest = PurposeChoice.objects.filter(person=arthur, purpose=Purpose.NEWS).first()
    assert latest.allowed is False and latest.how == PurposeChoice.How.SMS


def test_jo_answers_her_offer_yes_by_text_and_the_task_is_hers(wellbrook):
    yes = InboundMessage.objects.get(provider_id="demo-yes-jo")
    assert yes.handled_as == InboundMessage.Handling.OFFER_YES
    offer = TaskOffer.objects.get(task_id=yes.about_id, volunteer__user__username="volunteer")
    assert offer.status == "accepted"
    assert offer.task.volunteer.user.username == "volunteer"
    assert (
        Message.objects.filter(kind="task_offer", about_id=yes.about_id)
        .exclude(acted_at=None)
        .exists()
    )


def test_a_text_to_a_dead_number_becomes_a_call_that_sam_made(wellbrook, sam):
    ernest = person("Ernest Harris")
    text = live().get(person=ernest, kind="reply", channel=Channel.SMS)
    assert text.status == Status.PERMANENT_FAILURE
    call = live().get(person=ernest, kind="reply", channel=Channel.PHONE)
    assert call.fallback_of == text
    assert (call.status, call.call_outcome) == (Status.DELIVERED, CallOutcome.GOT_THROUGH)
    page = sam.get(reverse("messaging:conversation", args=[ernest.pk])).content.decode()
    assert "Phone call by a coordinator" in page


def test_the_audit_covers_a_year_and_the_channels_logged_by_hand(wellbrook, sam):
    months = {
        (m.year, m.month)
        for m in Message.objects.filter(event__startswith="demo-history:").values_list(
            "queued_at", flat=True
        )
    }
    assert len(months) >= 12
    assert MessageTally.objects.exists()
    assert set(HandLog.objects.values_list("channel", flat=True)) >= {
        "leaflet",
        "whatsapp",
        "poster",
        "radio",
    }
    start, end = demo.history_span()
    page = sam.get(
        reverse("messaging:audit"),
        {"start": start.isoformat(), "end": end.isoformat(), "group_by": "channel"},
    )
    assert page.status_code == 200
    audit = page.context["audit"]
    # A year of messages, most of it read from the daily tallies, and every channel.
    assert audit.total.messages > demo.HISTORY_SIZE
    assert audit.tallied_days > 300
    # Every channel to people; messages to NHS systems (BaRS) are not people's to count.
    assert {bar.channel for bar in audit.by_channel} == set(Channel.values) - {Channel.FHIR}
    reach = sum(HandLog.objects.values_list("reach", flat=True))
    assert f"About <strong>{reach}</strong> people reached" in page.content.decode()
    hand = {row.labels["channel"] for row in audit.hand_rows}
    assert {"WhatsApp group post", "Radio slot", "Poster", "Leaflets delivered"} <= hand

    review = sam.get(reverse("messaging:audit_review")).content.decode()
    assert "Task offers answered YES or NO by text" in review


def test_loading_the_demo_twice_changes_nothing(wellbrook):
    first, second = wellbrook
    assert second == first
    assert first["Message"] > demo.HISTORY_SIZE


def test_the_live_outbox_sends_a_broadcast_scheduled_while_the_demo_runs(wellbrook, monkeypatch):
    """What ``keepwell demo`` runs beside the web server every two seconds: one round."""
    monkeypatch.setattr("keepwell.messaging.services.in_quiet_hours", lambda *a, **k: None)
    from django.utils import timezone

    from keepwell.messaging import broadcasts

    sam_user = User.objects.get(username="coordinator")
    group = Broadcast.objects.get(title=demo.BROADCAST_TITLE).organisation
    draft = broadcasts.save_draft(
        by=sam_user,
        title="Bin collection moves to Tuesday",
        audience_kind="group_members",
        audience_params={"organisation": group.pk},
        texts={"en": ("Bins", "Hello ((name)), bins go out on Tuesday this week.")},
    )
    broadcasts.schedule(draft, timezone.now(), sam_user)

    demo.serve_once()
    messages = Message.objects.filter(broadcast=draft)
    assert messages.filter(channel=Channel.SMS).exists()
    assert set(messages.values_list("status", flat=True)) == {Status.DELIVERED}
