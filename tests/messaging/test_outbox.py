"""The outbox never loses or doubles a message: leases, the reaper, the shared rate budget,
retries with backoff, and receipts that only ever move a message forward."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from keepwell.messaging import outbox
from keepwell.messaging import services as messaging_services
from keepwell.messaging.models import (
    Channel,
    FakeSend,
    Message,
    ProviderState,
    Purpose,
    Receipt,
    Status,
)
from keepwell.messaging.providers import FakeProvider, Provider, ProviderDown, TemporaryProblem


def queued(channel: str = Channel.SMS, to: str = "+447700900123", **fields) -> Message:
    """An outbox row as ``send`` leaves it: queued, due now."""
    fields.setdefault("body", "Jo, can you collect a prescription for someone on Mill Lane?")
    fields.setdefault("kind", "task_offer")
    fields.setdefault("purpose", Purpose.VOLUNTEERING)
    return Message.objects.create(
        idempotency_key=f"test:{uuid.uuid4()}", event="test", channel=channel, to=to, **fields
    )


@pytest.fixture
def fallbacks(monkeypatch):
    """The messages handed to ``after_failure`` (the next channel, or a coordinator's call)."""
    handed: list[int] = []
    monkeypatch.setattr(messaging_services, "after_failure", lambda m: handed.append(m.pk))
    return handed


class DiesAfterSending(FakeProvider):
    """The worker is killed once the provider has the messages, before it writes a thing."""

    def send_many(self, messages, **kwargs):
        super().send_many(messages, **kwargs)
        raise KeyboardInterrupt  # not an Exception: nothing in the outbox catches it


class DiesBeforeSending(FakeProvider):
    def send_many(self, messages, **kwargs):
        raise KeyboardInterrupt


class AlwaysTemporary(Provider):
    name = "fake"

    def __init__(self, *, maybe_sent: bool = False):
        self.maybe_sent = maybe_sent
        self.tries = 0

    def send(self, message):
        self.tries += 1
        raise TemporaryProblem("Notify 500: Internal server error", maybe_sent=self.maybe_sent)

    def find_by_reference(self, reference):
        return None


@pytest.mark.django_db
def test_a_queued_text_is_sent_once_and_then_delivered_with_every_step_timed():
    fake = FakeProvider()
    message = queued()

    assert outbox.send_due(fake) == {
        "sent": 1,
        "rate_limited": 0,
        "retrying": 0,
        "failed": 0,
        "unknown": 0,
    }
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.sending_at and message.sent_at and message.attempts == 1
    assert message.lease_token == "" and message.provider == "fake"
    sent = FakeSend.objects.get()
    assert (sent.reference, sent.to, sent.body) == (str(message.pk), message.to, message.body)
    assert message.provider_id == str(sent.id)

    assert outbox.send_due(fake) == {}, "nothing is sent twice"
    fake.deliver_receipts()

    message.refresh_from_db()
    assert message.status == Status.DELIVERED and message.delivered_at
    assert FakeSend.objects.count() == 1


@pytest.mark.django_db
def test_inbox_notes_and_phone_calls_are_not_the_providers_to_send(world):
    note = queued(Channel.INBOX, to="", user=world.sam)
    call = queued(Channel.PHONE, to="", person=world.margaret_person)

    outbox.send_due(FakeProvider())

    assert set(
        Message.objects.filter(pk__in=[note.pk, call.pk]).values_list("status", flat=True)
    ) == {Status.QUEUED}
    assert not FakeSend.objects.exists()


@pytest.mark.django_db
def test_a_message_not_yet_due_waits():
    later = queued(next_attempt_at=timezone.now() + timedelta(hours=9))  # quiet hours

    outbox.send_due(FakeProvider())

    later.refresh_from_db()
    assert later.status == Status.QUEUED and not FakeSend.objects.exists()


@pytest.mark.django_db
def test_a_worker_killed_after_the_provider_took_the_messages_sends_nothing_twice():
    messages = [queued() for _ in range(3)]
    now = timezone.now()
    with pytest.raises(KeyboardInterrupt):
        outbox.deliver(DiesAfterSending(), outbox.claim("fake", now=now), now=now)
    assert Message.objects.filter(status=Status.SENDING).count() == 3, "left mid-send"

    # Before the lease runs out, nobody touches them...
    assert outbox.reap(FakeProvider(), now=now + timedelta(seconds=10)) == {}
    # ...after, the reaper asks the provider by reference, and it has them.
    counts = outbox.reap(FakeProvider(), now=now + timedelta(seconds=outbox.LEASE_SECONDS + 1))
    outbox.send_due(FakeProvider())

    assert counts == {"sent": 3, "requeued": 0, "failed": 0}
    assert FakeSend.objects.count() == 3, "no message was sent twice"
    for message in messages:
        message.refresh_from_db()
        assert message.status == Status.SENT
        assert message.provider_id == str(FakeSend.objects.get(reference=message.reference).id)


@pytest.mark.django_db
def test_a_worker_killed_before_sending_leaves_its_messages_to_be_sent_by_another():
    messages = [queued() for _ in range(2)]
    now = timezone.now()
    with pytest.raises(KeyboardInterrupt):
        outbox.deliver(DiesBeforeSending(), outbox.claim("fake", now=now), now=now)

    later = now + timedelta(seconds=outbox.LEASE_SECONDS + 1)
    counts = outbox.reap(FakeProvider(), now=later)
    outbox.send_due(FakeProvider(), now_fn=lambda: later)

    assert counts["requeued"] == 2
    assert FakeSend.objects.count() == 2
    assert {m.status for m in Message.objects.filter(pk__in=[m.pk for m in messages])} == {
        Status.SENT
    }


@pytest.mark.django_db
def test_a_named_worker_restarted_after_a_kill_takes_its_batch_back_at_once():
    held = [queued() for _ in range(2)]  # the provider took these before the kill
    lost = [queued() for _ in range(2)]  # these never reached it
    now = timezone.now()
    with pytest.raises(KeyboardInterrupt):
        outbox.deliver(
            DiesAfterSending(), outbox.claim("fake", now=now, worker_id="w1", batch=2), now=now
        )
    with pytest.raises(KeyboardInterrupt):
        outbox.deliver(
            DiesBeforeSending(), outbox.claim("fake", now=now, worker_id="w1", batch=2), now=now
        )
    other = [queued()]
    assert outbox.claim("fake", worker_id="w2").messages == other  # alive and busy

    # Restarted under its name, w1 does not wait out the leases: it asks the provider about
    # its own rows straight away, and leaves w2's alone.
    totals = outbox.work(FakeProvider(), once=True, worker_id="w1")

    assert totals.counts["sent"] >= 2 and totals.counts["requeued"] == 2
    assert FakeSend.objects.count() == 4, "the two it had were not sent again"
    assert {m.status for m in Message.objects.filter(pk__in=[m.pk for m in held + lost])} <= {
        Status.SENT,
        Status.DELIVERED,
    }
    assert Message.objects.get(pk=other[0].pk).status == Status.SENDING
    assert Message.objects.get(pk=other[0].pk).lease_token.startswith("w2:")


@pytest.mark.django_db
def test_a_timeout_after_notify_took_a_message_is_asked_about_not_resent():
    class TimesOutAfterTaking(FakeProvider):
        def send_many(self, messages, **kwargs):
            super().send_many(messages, **kwargs)
            return [TemporaryProblem("read timeout", maybe_sent=True)] * len(messages)

    message = queued()
    now = timezone.now()
    outbox.deliver(TimesOutAfterTaking(), outbox.claim("fake", now=now), now=now)
    message.refresh_from_db()
    assert message.status == Status.SENDING and "unknown" in message.status_detail.lower()

    outbox.reap(FakeProvider(), now=now + timedelta(seconds=outbox.UNKNOWN_FATE_SECONDS + 1))
    outbox.send_due(FakeProvider())

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert FakeSend.objects.count() == 1


@pytest.mark.django_db
def test_a_worker_whose_lease_was_taken_over_cannot_overwrite_what_came_after():
    message = queued()
    now = timezone.now()
    stale = outbox.claim("fake", now=now)
    # The reaper took the row over and requeued it; another worker sent it.
    later = now + timedelta(seconds=outbox.LEASE_SECONDS + 1)
    outbox.reap(AlwaysTemporary(), now=later)
    outbox.send_due(FakeProvider(), now_fn=lambda: later)
    message.refresh_from_db()
    assert message.status == Status.SENT

    outbox.record_outcomes("fake", stale, [TemporaryProblem("late")], timezone.now())

    message.refresh_from_db()
    assert message.status == Status.SENT and message.status_detail == ""


@pytest.mark.django_db
def test_two_claimers_never_get_the_same_message():
    for _ in range(7):
        queued()
    now = timezone.now()

    first = outbox.claim("fake", batch=4, now=now)
    second = outbox.claim("fake", batch=4, now=now)
    third = outbox.claim("fake", batch=4, now=now)

    assert len(first.messages) == 4 and len(second.messages) == 3 and third.messages == []
    assert not {m.pk for m in first.messages} & {m.pk for m in second.messages}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_workers_claiming_at_once_never_share_a_message():
    Message.objects.bulk_create(
        Message(
            idempotency_key=f"race:{n}",
            event="race",
            kind="broadcast",
            purpose=Purpose.NEWS,
            channel=Channel.SMS,
            to="+447700900123",
            body="Flu jabs at the church hall on Saturday",
        )
        for n in range(300)
    )
    claimed: list[list[int]] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def worker():
        try:
            barrier.wait(timeout=10)
            while True:
                batch = outbox.claim("fake", batch=17)
                if not batch.messages:
                    return
                with lock:
                    claimed.append([m.pk for m in batch.messages])
        except Exception as exc:  # noqa: BLE001 - reported to the test
            with lock:
                errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    ids = [pk for batch in claimed for pk in batch]
    assert errors == []
    assert len(ids) == 300 and len(set(ids)) == 300
    assert Message.objects.filter(status=Status.SENDING).count() == 300


@pytest.mark.django_db
def test_the_sender_keeps_under_the_limit_itself_and_the_rest_waits(settings):
    settings.KEEPWELL_MESSAGING_RATE_LIMIT = 3
    settings.KEEPWELL_MESSAGING_RATE_WINDOW_SECONDS = 60.0
    for _ in range(5):
        queued()

    outbox.send_due(FakeProvider())

    assert Message.objects.filter(status=Status.SENT).count() == 3
    assert Message.objects.filter(status=Status.QUEUED).count() == 2
    assert not ProviderState.objects.filter(rate_limited__gt=0).exists(), "no 429 was needed"
    waiting = outbox.claim("fake")
    assert waiting.messages == [] and 59 <= waiting.wait <= 60


@pytest.mark.django_db
def test_a_429_slows_the_sender_down_and_loses_nothing(settings):
    settings.KEEPWELL_MESSAGING_RATE_LIMIT = 3
    settings.KEEPWELL_MESSAGING_RATE_WINDOW_SECONDS = 60.0
    fake = FakeProvider()
    # Someone else using the same key has just used the whole minute.
    fake.send_many([queued(Channel.EMAIL, to=f"other{n}@example.com") for n in range(3)])
    Message.objects.all().delete()
    mine = [queued() for _ in range(3)]
    now = timezone.now()

    counts = outbox.deliver(fake, outbox.claim("fake", now=now), now=now)

    assert counts["rate_limited"] == 3
    state = ProviderState.objects.get(provider="fake")
    assert state.rate_limited == 3 and state.paused_until > now + timedelta(seconds=50)
    for message in mine:
        message.refresh_from_db()
        assert message.status == Status.QUEUED and message.attempts == 0
        assert message.next_attempt_at >= state.paused_until - timedelta(seconds=1)
    assert outbox.claim("fake", now=now + timedelta(seconds=5)).messages == [], "paused"

    after = now + timedelta(seconds=61)
    outbox.deliver(fake, outbox.claim("fake", now=after), now=after)

    assert Message.objects.filter(pk__in=[m.pk for m in mine], status=Status.SENT).count() == 3
    assert FakeSend.objects.filter(reference__in=[m.reference for m in mine]).count() == 3


@pytest.mark.django_db
def test_temporary_problems_back_off_then_give_up_and_fall_back(fallbacks):
    message = queued()
    flaky = AlwaysTemporary()
    now = timezone.now()
    waits = []
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.deliver(flaky, outbox.claim("fake", now=now), now=now)
        message.refresh_from_db()
        if message.status == Status.QUEUED:
            waits.append((message.next_attempt_at - now).total_seconds())
            assert outbox.claim("fake", now=now).messages == [], "not before its time"
            now = message.next_attempt_at

    assert flaky.tries == outbox.MAX_ATTEMPTS
    assert len(waits) == outbox.MAX_ATTEMPTS - 1
    assert waits[-1] > waits[0] * 2, "each wait longer than the last"
    assert message.status == Status.TEMPORARY_FAILURE and message.failed_at
    assert "500" in message.status_detail
    assert fallbacks == [message.pk]


@pytest.mark.django_db
def test_a_number_notify_refuses_fails_for_good_at_once_and_falls_back(fallbacks):
    message = queued(to="not a number")

    outbox.send_due(FakeProvider())

    message.refresh_from_db()
    assert message.status == Status.PERMANENT_FAILURE and message.attempts == 1
    assert fallbacks == [message.pk]


@pytest.mark.django_db
def test_a_permanent_failure_receipt_hands_the_message_to_the_fallback(fallbacks):
    fake = FakeProvider()
    message = queued(to="07700900002")

    outbox.send_due(fake)
    fake.deliver_receipts()

    message.refresh_from_db()
    assert message.status == Status.PERMANENT_FAILURE
    assert fallbacks == [message.pk]


@pytest.mark.django_db
def test_a_repeated_receipt_changes_nothing(fallbacks):
    message = queued(to="07700900002")
    outbox.send_due(FakeProvider())
    message.refresh_from_db()
    receipt = {
        "provider": "fake",
        "provider_id": message.provider_id,
        "reference": message.reference,
        "status": "permanent-failure",
        "payload": {"id": message.provider_id},
    }

    first = outbox.record_receipt(**receipt)
    failed_at = Message.objects.get(pk=message.pk).failed_at
    again = outbox.record_receipt(**receipt)

    assert first.pk == again.pk == message.pk
    assert Receipt.objects.count() == 1
    assert Message.objects.get(pk=message.pk).failed_at == failed_at
    assert fallbacks == [message.pk], "one fallback, not two"


@pytest.mark.django_db
def test_a_late_receipt_never_moves_a_delivered_message_backwards():
    fake = FakeProvider()
    message = queued()
    outbox.send_due(fake)
    fake.deliver_receipts()
    message.refresh_from_db()

    outbox.record_receipt(
        provider="fake",
        provider_id=message.provider_id,
        reference=message.reference,
        status="sending",
        payload={},
    )

    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert Receipt.objects.filter(message=message).count() == 2, "every receipt is kept"


@pytest.mark.django_db
def test_a_receipt_for_a_message_we_never_sent_is_kept_and_answered_none():
    answer = outbox.record_receipt(
        provider="notify",
        provider_id="9b6f1c1e-0000-4000-8000-000000000000",
        reference="999999",
        status="delivered",
        payload={"id": "9b6f1c1e"},
    )

    assert answer is None
    assert Receipt.objects.get().message is None


@pytest.mark.django_db
def test_a_receipt_for_a_message_whose_worker_died_finishes_it_and_the_reaper_leaves_it():
    message = queued()
    now = timezone.now()
    with pytest.raises(KeyboardInterrupt):
        outbox.deliver(DiesAfterSending(), outbox.claim("fake", now=now), now=now)
    sent = FakeSend.objects.get()

    outbox.record_receipt(
        provider="fake",
        provider_id=str(sent.id),
        reference=message.reference,
        status="delivered",
        payload={},
        at="2026-01-05T10:00:00Z",
    )
    outbox.reap(FakeProvider(), now=now + timedelta(seconds=outbox.LEASE_SECONDS + 1))

    message.refresh_from_db()
    assert message.status == Status.DELIVERED and message.provider_id == str(sent.id)
    assert message.delivered_at.isoformat().startswith("2026-01-05T10:00")
    assert message.lease_token == "" and FakeSend.objects.count() == 1


@pytest.mark.django_db
def test_the_worker_command_sends_what_is_due_and_writes_the_fakes_receipts(settings):
    settings.KEEPWELL_MESSAGING_PROVIDER = "fake"
    messages = [queued() for _ in range(5)]

    call_command("messaging_worker", "--once", "--batch", "2", "--worker-id", "w1")

    assert FakeSend.objects.count() == 5
    assert {m.status for m in Message.objects.filter(pk__in=[m.pk for m in messages])} == {
        Status.DELIVERED
    }


@pytest.mark.django_db
def test_margarets_text_bounces_so_she_is_written_to_instead(world):
    """No monkeypatching: the real fallback writes the next channel's message."""
    text = queued(
        to="07700900002",
        person=world.margaret_person,
        purpose=Purpose.CARE,
        kind="referral_update",
        body="Your referral to the Wellbrook befriending service was accepted.",
        next_channels=[Channel.LETTER],
    )
    fake = FakeProvider()

    outbox.send_due(fake)
    fake.deliver_receipts()

    text.refresh_from_db()
    assert text.status == Status.PERMANENT_FAILURE
    letter = Message.objects.get(fallback_of=text)
    assert letter.channel == Channel.LETTER and letter.status == Status.QUEUED
    assert "befriending" in letter.body


@pytest.mark.parametrize("reference", ["١٢٣", "9" * 40, "", "abc"])
@pytest.mark.django_db
def test_a_receipt_with_a_reference_that_is_no_outbox_id_is_kept_and_matches_nothing(reference):
    answer = outbox.record_receipt(
        provider="notify", provider_id="n-7", reference=reference, status="delivered", payload={}
    )

    assert answer is None and Receipt.objects.filter(provider_id="n-7").exists()


@pytest.mark.django_db
def test_a_worker_asked_to_stop_finishes_its_batch_and_stops():
    for _ in range(5):
        queued()
    batches = []

    totals = outbox.work(
        FakeProvider(), batch=2, stop=lambda: len(batches) > 0 or batches.append(1)
    )

    assert totals.batches == 1
    assert Message.objects.filter(status__in=[Status.SENT, Status.DELIVERED]).count() == 2
    assert Message.objects.filter(status=Status.QUEUED).count() == 3
    assert not Message.objects.filter(status=Status.SENDING).exists(), "nothing left mid-send"


@pytest.mark.django_db
def test_when_notify_refuses_everyone_the_messages_wait_and_the_sender_pauses():
    class BadKey(Provider):
        name = "fake"

        def send(self, message):
            raise ProviderDown("Notify 403: Invalid token")

    message = queued()
    now = timezone.now()

    outbox.deliver(BadKey(), outbox.claim("fake", now=now), now=now)

    message.refresh_from_db()
    assert message.status == Status.QUEUED and message.attempts == 0
    assert "403" in message.status_detail
    assert ProviderState.objects.get(provider="fake").paused_until > now
