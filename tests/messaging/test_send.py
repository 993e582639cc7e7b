"""The seam every capability speaks through: who gets what, on which channel, in which
language, and that an event's messages are written once, with the event, or not at all."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from keepwell.messaging import services
from keepwell.messaging.models import (
    Channel,
    Message,
    Preference,
    Purpose,
    Status,
    Template,
)
from keepwell.messaging.services import To, send
from keepwell.people.models import Language
from tests.factories import PersonFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
KIND = "story_test"


@pytest.fixture
def words(db):
    """Approved English and Portuguese words for a kind, a draft in Urdu, and SMS words."""
    reviewer = UserFactory(username="reviewer")

    def approved(language, body, channel="", subject=""):
        return Template.objects.create(
            key=KIND,
            channel=channel,
            language=language,
            subject=subject,
            body=body,
            state=Template.State.APPROVED,
            reviewed_by=reviewer,
            reviewed_at=timezone.now(),
        )

    approved("en", "Hello ((name)), your help is on ((day)).", subject="Your help")
    approved("pt", "Olá ((name)), a sua ajuda é na ((day)).", subject="A sua ajuda")
    approved("en", "Hi ((name)): help on ((day)). Reply STOP to end.", channel="sms")
    Template.objects.create(key=KIND, channel="", language="ur", body="", state="draft")
    return reviewer


def _person(**fields):
    defaults = {"mobile": "07700 900123", "email": "", "preferred_channel": "sms"}
    defaults.update(fields)
    return PersonFactory(**defaults)


def _send(person, **kw):
    kw.setdefault("purpose", Purpose.CARE)
    return send(
        event=kw.pop("event", "story:1"),
        kind=KIND,
        to=[To(person=person)],
        context={"day": "Tuesday"},
        **kw,
    )


def test_a_person_who_prefers_texts_gets_one_text_in_the_sms_words(words):
    maria = _person(given_name="Maria")

    sent = _send(maria)

    (message,) = sent.messages
    assert message.channel == Channel.SMS
    assert message.to == "+447700900123"
    assert message.body == "Hi Maria: help on Tuesday. Reply STOP to end."
    assert message.status == Status.QUEUED
    assert message.sms_encoding == "GSM-7" and message.sms_parts == 1
    assert message.next_channels[-1] == Channel.PHONE  # nobody drops through silently


def test_the_same_event_sent_twice_is_written_once(words):
    maria = _person()

    _send(maria)
    _send(maria)

    assert Message.objects.filter(person=maria).count() == 1


def test_messages_roll_back_with_the_event_that_caused_them(words):
    maria = _person()

    with pytest.raises(RuntimeError), transaction.atomic():
        _send(maria)
        raise RuntimeError("the event failed")

    assert not Message.objects.exists()


def test_a_portuguese_speaker_is_written_to_in_portuguese(words):
    portuguese, _ = Language.objects.get_or_create(code="pt", defaults={"name": "Portuguese"})
    joao = _person(
        given_name="João", mobile="", email="joao@example.org", preferred_channel="email"
    )
    joao.languages.add(portuguese)

    (message,) = _send(joao).messages

    assert message.channel == Channel.EMAIL
    assert message.language == "pt" and not message.language_fallback
    assert message.subject == "A sua ajuda"
    assert message.body == "Olá João, a sua ajuda é na Tuesday."


def test_an_unapproved_language_falls_back_to_english_and_says_so(words):
    aisha = _person(given_name="Aisha")
    Preference.objects.create(person=aisha, languages=["ur", "en"])

    (message,) = _send(aisha, channels=None).messages

    assert message.language == "en"
    assert message.language_fallback is True


def test_no_digital_means_a_letter_to_their_address(words):
    edith = _person(
        given_name="Edith",
        no_digital=True,
        address_line_1="3 Mill Lane",
        town="Wellbrook",
        postcode="WB2 1AB",
        email="edith@example.org",
    )

    (message,) = _send(edith).messages

    assert message.channel == Channel.LETTER
    assert message.address == ["Edith " + edith.family_name, "3 Mill Lane", "Wellbrook", "WB2 1AB"]
    assert message.subject == "Your help"
    assert message.next_channels == [Channel.PHONE]


def test_someone_no_channel_reaches_becomes_a_coordinators_call(words):
    fred = _person(mobile="", no_digital=True, phone="01632 960001")

    (message,) = _send(fred).messages

    assert message.channel == Channel.PHONE
    assert message.to == "+441632960001"
    assert message.status == Status.QUEUED and message.provider == "phone"
    assert "Tuesday" in message.body  # the call script


def test_news_reaches_only_people_who_said_yes(words):
    yes, silent, no = _person(), _person(), _person()
    services.choose_purpose(yes, Purpose.NEWS, True, how="online")
    services.choose_purpose(no, Purpose.NEWS, True, how="online")
    services.choose_purpose(no, Purpose.NEWS, False, how="sms")

    sent = send(
        event="news:1",
        kind=KIND,
        to=[To(person=p) for p in (yes, silent, no)],
        purpose=Purpose.NEWS,
        context={"day": "Friday"},
    )

    assert [m.person for m in sent.messages] == [yes]
    assert {to.person for to, _ in sent.unreachable} == {silent, no}
    assert all("news" in reason for _, reason in sent.unreachable)


def test_saying_no_to_care_messages_is_honoured(words):
    maria = _person()
    services.choose_purpose(maria, Purpose.CARE, False, how="phone")

    sent = _send(maria)

    assert not sent.messages
    assert "Said no" in sent.unreachable[0][1]


def test_texts_wait_for_the_end_of_quiet_hours_unless_urgent(words, monkeypatch):
    late = datetime(2026, 12, 4, 22, 30, tzinfo=LONDON)
    monkeypatch.setattr(timezone, "now", lambda: late)
    maria = _person()

    (calm,) = _send(maria, event="calm").messages
    (urgent,) = _send(maria, event="urgent", urgent=True).messages

    assert timezone.localtime(calm.next_attempt_at, LONDON) == datetime(
        2026, 12, 5, 8, 0, tzinfo=LONDON
    )
    assert urgent.next_attempt_at == late


def test_their_own_quiet_hours_count(words, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 4, 19, 0, tzinfo=LONDON))
    maria = _person()
    Preference.objects.create(person=maria, quiet_from=time(18, 0), quiet_until=time(9, 0))

    (message,) = _send(maria).messages

    assert timezone.localtime(message.next_attempt_at, LONDON).time() == time(9, 0)


def test_staff_get_an_inbox_note_and_contacts_get_everything_asked_for_at_once(words):
    sam = UserFactory(username="sam-inbox")

    sent = send(
        event="concern:1",
        kind=KIND,
        to=[
            To(user=sam, audience="coordinators"),
            To(email="lead@example.org", phone="07700 900456", label="Safeguarding lead"),
        ],
        purpose=Purpose.WORK,
        context={"name": "colleague", "day": "today"},
        urgent=True,
    )

    by_channel = {m.channel: m for m in sent.messages}
    assert set(by_channel) == {Channel.INBOX, Channel.EMAIL, Channel.SMS}
    assert by_channel[Channel.INBOX].status == Status.DELIVERED
    assert by_channel[Channel.EMAIL].to == "lead@example.org"
    assert by_channel[Channel.SMS].to == "+447700900456"
    assert by_channel[Channel.SMS].next_channels == []


def test_a_failed_text_falls_back_to_email_then_to_a_call(words):
    maria = _person(email="maria@example.org")
    (text,) = _send(maria).messages
    Message.objects.filter(pk=text.pk).update(status=Status.PERMANENT_FAILURE)

    email = services.after_failure(text)
    Message.objects.filter(pk=email.pk).update(status=Status.PERMANENT_FAILURE)
    call = services.after_failure(email)

    assert (email.channel, email.fallback_of) == (Channel.EMAIL, text)
    assert email.subject == "Your help"
    assert call.channel == Channel.PHONE and call.fallback_of == email
    assert services.after_failure(email) is None  # never twice
    assert services.after_failure(call) is None  # still queued: a coordinator has it


def test_a_missing_placeholder_is_a_clear_error_not_a_blank(words):
    with pytest.raises(services.MessagingError, match="day"):
        send(event="x", kind=KIND, to=[To(person=_person())], purpose=Purpose.CARE)


class PlanInvariants(HypothesisTestCase):
    @settings(max_examples=60, deadline=None)
    @given(
        no_digital=st.booleans(),
        mobile=st.sampled_from(["", "07700 900001"]),
        email=st.sampled_from(["", "a@example.org"]),
        address=st.booleans(),
        preferred=st.sampled_from(["phone", "sms", "email", "letter", "in_person"]),
        wanted=st.lists(st.sampled_from(Channel.values), max_size=5),
    )
    def test_every_plan_respects_no_digital_and_ends_with_a_call(
        self, no_digital, mobile, email, address, preferred, wanted
    ):
        person = PersonFactory(
            no_digital=no_digital,
            mobile=mobile,
            email=email,
            address_line_1="1 High St" if address else "",
            preferred_channel=preferred,
        )
        if wanted:
            Preference.objects.create(person=person, channels=wanted)
        (planned,) = services.plan([To(person=person)], purpose=Purpose.CARE)
        order = [planned.channel, *planned.next_channels]
        assert order[-1] == Channel.PHONE and order.count(Channel.PHONE) == 1
        assert len(order) == len(set(order))
        if no_digital:
            assert not set(order) & {Channel.SMS, Channel.EMAIL}
        assert Channel.SMS not in order or mobile
        assert Channel.EMAIL not in order or email


def test_a_kind_with_no_approved_words_fails_the_message_not_the_event(db, caplog):
    maria = _person()

    sent = send(
        event="nowords:1", kind="no_such_words", to=[To(person=maria)], purpose=Purpose.CARE
    )

    (message,) = sent.messages
    assert message.status == Status.TECHNICAL_FAILURE and message.failed_at is not None
    assert "No approved words" in message.status_detail
    assert "no_such_words" in caplog.text


@pytest.mark.postgres_only
def test_on_postgresql_an_events_read_and_write_are_prepared_once_per_connection(words, settings):
    from django.db import connection

    def prepared():
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    before = prepared()
    for i, person in enumerate([_person(), _person(), _person()]):
        _send(person, event=f"story:{i}")
    after = [s for s in prepared() if s not in before]

    # One read of who may be messaged and one insert, whatever the number of events.
    assert len([s for s in after if "INSERT INTO" in s]) == 1
    assert len([s for s in after if s.lstrip().startswith("SELECT")]) == 1
    assert Message.objects.filter(event__startswith="story:").count() == 3

    # Behind a pooler that cannot keep prepared statements, nothing more is prepared.
    settings.KEEPWELL_DB_PREPARE = False
    _send(_person(), event="story:pooled")
    _send(_person(), event="story:pooled-too", channels=[Channel.EMAIL, Channel.SMS])
    assert sorted(prepared()) == sorted(before + after)
    assert Message.objects.filter(event__startswith="story:pooled").count() == 2
