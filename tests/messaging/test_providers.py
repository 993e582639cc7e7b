"""The providers: GOV.UK Notify's client, with its HTTP answers mapped to our exceptions, and
the local fake, which behaves as Notify's test mode documents and enforces Notify's limits."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from notifications_python_client.notifications import NotificationsAPIClient
from requests.adapters import BaseAdapter

from keepwell.messaging import outbox
from keepwell.messaging.models import Channel, FakeSend, Message, Purpose, Receipt, Status
from keepwell.messaging.providers import (
    _SENT_TODAY,
    FakeProvider,
    NotifyProvider,
    ProviderDown,
    RateLimited,
    Rejected,
    TemporaryProblem,
    provider,
)

API_KEY = f"keepwell_test-{uuid.uuid4()}-{uuid.uuid4()}"
ADDRESS = ["Margaret Evans", "12 Mill Lane", "Wellbrook", "WB2 1AB"]


def queued(channel: str = Channel.SMS, to: str = "+447700900123", **fields) -> Message:
    """An outbox row as ``send`` leaves it: queued, due now."""
    fields.setdefault("body", "Your food parcel comes on Tuesday.")
    return Message.objects.create(
        idempotency_key=f"test:{uuid.uuid4()}",
        event="test",
        kind="broadcast",
        purpose=Purpose.CARE,
        channel=channel,
        to=to,
        recipient_label="" if to else "Margaret Evans",
        **fields,
    )


def letter(world, **fields) -> Message:
    return queued(Channel.LETTER, to="", person=world.margaret_person, address=ADDRESS, **fields)


class NotifyServer(BaseAdapter):
    """Answers the client's HTTP requests as Notify would, and keeps what it was asked."""

    def __init__(self, status: int = 201, body=None, raises: Exception | None = None):
        super().__init__()
        self.status, self.body, self.raises = status, body, raises
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):
        self.requests.append(request)
        if self.raises is not None:
            raise self.raises
        response = requests.Response()
        response.status_code = self.status
        response.request = request
        response.url = request.url
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps(self.body or {}).encode()
        return response

    def close(self):
        pass

    def sent_json(self) -> dict:
        return json.loads(self.requests[-1].body)


@pytest.fixture
def notify(settings):
    settings.KEEPWELL_NOTIFY_SMS_TEMPLATE_ID = "sms-template"
    settings.KEEPWELL_NOTIFY_EMAIL_TEMPLATE_ID = "email-template"
    settings.KEEPWELL_NOTIFY_LETTER_TEMPLATE_ID = "letter-template"
    settings.KEEPWELL_NOTIFY_SMS_SENDER_ID = "sender-1"
    settings.KEEPWELL_NOTIFY_EMAIL_REPLY_TO_ID = ""

    def connect(server: NotifyServer) -> NotifyProvider:
        client = NotificationsAPIClient(API_KEY)
        client.request_session.mount("https://", server)
        return NotifyProvider(client=client)

    return connect


# --- GOV.UK Notify ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_text_goes_to_notify_through_the_generic_template_with_the_outbox_id_as_reference(
    notify,
):
    message = queued()
    server = NotifyServer(201, {"id": "f0e1d2c3-0000-4000-8000-000000000001"})

    accepted = notify(server).send(message)

    assert accepted.provider_id == "f0e1d2c3-0000-4000-8000-000000000001"
    assert server.requests[-1].url.endswith("/v2/notifications/sms")
    assert server.sent_json() == {
        "phone_number": "+447700900123",
        "template_id": "sms-template",
        "personalisation": {"body": "Your food parcel comes on Tuesday."},
        "reference": str(message.pk),
        "sms_sender_id": "sender-1",
    }


@pytest.mark.django_db
def test_an_email_fills_the_subject_and_body_and_names_no_reply_to_unless_set(notify):
    message = queued(Channel.EMAIL, to="jo@example.com", subject="Your task tomorrow")
    server = NotifyServer(201, {"id": "abc"})

    notify(server).send(message)

    sent = server.sent_json()
    assert sent["template_id"] == "email-template"
    assert sent["personalisation"] == {
        "subject": "Your task tomorrow",
        "body": "Your food parcel comes on Tuesday.",
    }
    assert "email_reply_to_id" not in sent


@pytest.mark.django_db
def test_a_letter_carries_its_address_lines(notify, world):
    message = letter(world, subject="Your referral")
    server = NotifyServer(201, {"id": "abc"})

    notify(server).send(message)

    sent = server.sent_json()
    assert sent["template_id"] == "letter-template"
    assert sent["personalisation"]["address_line_1"] == "Margaret Evans"
    assert sent["personalisation"]["address_line_4"] == "WB2 1AB"
    assert sent["personalisation"]["body"] == "Your food parcel comes on Tuesday."


@pytest.mark.django_db
def test_a_large_print_letter_goes_as_a_precompiled_pdf(notify, world, monkeypatch):
    from keepwell.messaging import pdf

    monkeypatch.setattr(pdf, "letter_pdf_for", lambda message: b"%PDF-large-print")
    message = letter(world, large_print=True)
    server = NotifyServer(201, {"id": "abc"})

    notify(server).send(message)

    sent = server.sent_json()
    assert "template_id" not in sent
    assert sent["reference"] == str(message.pk)
    assert base64.b64decode(sent["content"]) == b"%PDF-large-print"


@pytest.mark.django_db
def test_an_arabic_letter_goes_as_a_precompiled_pdf(notify, world, monkeypatch):
    from keepwell.messaging import pdf

    monkeypatch.setattr(pdf, "letter_pdf_for", lambda message: b"%PDF-ar")
    message = letter(world, language="ar", body="طرد الطعام يصل يوم الثلاثاء")
    server = NotifyServer(201, {"id": "abc"})

    notify(server).send(message)

    assert base64.b64decode(server.sent_json()["content"]) == b"%PDF-ar"


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            429,
            {"errors": [{"error": "RateLimitError", "message": "Exceeded rate limit"}]},
            RateLimited,
        ),
        (
            400,
            {"errors": [{"error": "ValidationError", "message": "Not a UK mobile number"}]},
            Rejected,
        ),
        (403, {"errors": [{"error": "AuthError", "message": "Invalid token"}]}, ProviderDown),
        (
            500,
            {"errors": [{"error": "Exception", "message": "Internal server error"}]},
            TemporaryProblem,
        ),
        (503, {}, TemporaryProblem),
    ],
)
@pytest.mark.django_db
def test_notify_http_errors_become_our_exceptions(notify, settings, status, body, expected):
    settings.KEEPWELL_MESSAGING_RATE_WINDOW_SECONDS = 60.0
    with pytest.raises(expected) as raised:
        notify(NotifyServer(status, {"status_code": status, **body})).send(queued())
    if expected is RateLimited:
        assert raised.value.retry_after == 60.0
    if expected is TemporaryProblem:
        assert raised.value.maybe_sent, "a 5xx may come after Notify took it: ask first"


@pytest.mark.django_db
def test_notifys_daily_limit_waits_until_midnight(notify):
    body = {
        "errors": [
            {"error": "TooManyRequestsError", "message": "Exceeded send limits (250000) for today"}
        ]
    }
    with pytest.raises(RateLimited) as raised:
        notify(NotifyServer(429, {"status_code": 429, **body})).send(queued())
    assert raised.value.retry_after > 60


@pytest.mark.django_db
def test_a_timeout_after_sending_may_have_reached_notify_but_a_refused_connection_did_not(notify):
    with pytest.raises(TemporaryProblem) as read_timeout:
        notify(NotifyServer(raises=requests.ReadTimeout("slow"))).send(queued())
    with pytest.raises(TemporaryProblem) as connect_timeout:
        notify(NotifyServer(raises=requests.ConnectTimeout("no route"))).send(queued())

    assert read_timeout.value.maybe_sent is True
    assert connect_timeout.value.maybe_sent is False


@pytest.mark.django_db
def test_notify_is_asked_by_reference_what_became_of_a_message(notify):
    found = {"notifications": [{"id": "n-1", "reference": "42", "status": "delivered"}]}
    server = NotifyServer(200, found)

    answer = notify(server).find_by_reference("42")

    assert (answer.provider_id, answer.status) == ("n-1", "delivered")
    assert "reference=42" in server.requests[-1].url
    assert notify(NotifyServer(200, {"notifications": []})).find_by_reference("43") is None


@pytest.mark.django_db
def test_without_a_template_set_up_notify_is_down_not_the_message_at_fault(notify, settings):
    settings.KEEPWELL_NOTIFY_SMS_TEMPLATE_ID = ""
    server = NotifyServer(201, {"id": "abc"})
    with pytest.raises(ProviderDown):
        notify(server).send(queued())
    assert server.requests == []


# --- The fake -----------------------------------------------------------------------------


def test_the_fake_is_the_default_provider(settings):
    settings.KEEPWELL_MESSAGING_PROVIDER = "fake"
    assert isinstance(provider(), FakeProvider)


@pytest.mark.parametrize(
    ("channel", "to", "ends"),
    [
        (Channel.SMS, "07700900003", Status.TEMPORARY_FAILURE),
        (Channel.SMS, "+447700900003", Status.TEMPORARY_FAILURE),
        (Channel.SMS, "07700900002", Status.PERMANENT_FAILURE),
        (Channel.SMS, "+447700900123", Status.DELIVERED),
        (Channel.EMAIL, "temp-fail@simulator.notify", Status.TEMPORARY_FAILURE),
        (Channel.EMAIL, "perm-fail@simulator.notify", Status.PERMANENT_FAILURE),
        (Channel.EMAIL, "margaret@example.com", Status.DELIVERED),
    ],
)
@pytest.mark.django_db
def test_notifys_test_numbers_and_addresses_behave_as_notify_documents(channel, to, ends):
    fake = FakeProvider()
    message = queued(channel, to=to)

    outbox.send_due(fake)
    message.refresh_from_db()
    assert message.status == Status.SENT
    fake.deliver_receipts()

    message.refresh_from_db()
    assert message.status == ends
    receipt = Receipt.objects.get(message=message)
    assert receipt.provider == "fake" and receipt.reference == str(message.pk)


@pytest.mark.django_db
def test_the_fake_accepts_letters_and_they_arrive(world):
    fake = FakeProvider()
    message = letter(world)

    outbox.send_due(fake)
    fake.deliver_receipts()

    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    sent = FakeSend.objects.get(reference=str(message.pk))
    assert sent.address == ADDRESS and not sent.precompiled


@pytest.mark.django_db
def test_the_fake_refuses_what_notify_would_refuse():
    fake = FakeProvider()
    with pytest.raises(Rejected):
        fake.send(queued(to="call me"))
    with pytest.raises(Rejected):
        fake.send(queued(Channel.EMAIL, to="not-an-email"))
    assert not FakeSend.objects.exists()


@pytest.mark.django_db
def test_the_fake_answers_429_past_the_rolling_limit_and_says_when_to_come_back(settings):
    settings.KEEPWELL_MESSAGING_RATE_LIMIT = 2
    settings.KEEPWELL_MESSAGING_RATE_WINDOW_SECONDS = 60.0
    fake = FakeProvider()
    now = timezone.now()

    outcomes = fake.send_many([queued(), queued(), queued()], now=now)

    assert [type(o).__name__ for o in outcomes] == ["Accepted", "Accepted", "RateLimited"]
    assert 59 <= outcomes[2].retry_after <= 60
    later = fake.send_many([queued()], now=now + timedelta(seconds=61))
    assert type(later[0]).__name__ == "Accepted"


@pytest.mark.django_db
def test_the_fake_keeps_notifys_daily_limit(settings):
    settings.KEEPWELL_MESSAGING_DAILY_LIMIT = 1
    fake = FakeProvider()

    first, second = fake.send_many([queued(), queued()])

    assert type(first).__name__ == "Accepted"
    assert isinstance(second, RateLimited) and second.retry_after > 0


@pytest.mark.django_db
def test_the_fakes_daily_count_includes_other_workers_sends_and_not_a_rolled_back_batch(
    settings, django_capture_on_commit_callbacks
):
    """The fake keeps today's count between batches and counts only the sends after it:
    another worker's sends still count, and a batch that was rolled back does not."""
    from django.db import transaction

    settings.KEEPWELL_MESSAGING_DAILY_LIMIT = 4
    fake = FakeProvider()
    try:
        with django_capture_on_commit_callbacks(execute=True):  # its batch committed
            assert type(fake.send(queued())).__name__ == "Accepted"
        # Another worker, in another process, sent one since.
        FakeSend.objects.create(api_key="fake-key", reference="elsewhere", channel="sms", to="x")
        # A batch of ours that was rolled back: it never reached the provider.
        with pytest.raises(RuntimeError), transaction.atomic():
            fake.send(queued())
            raise RuntimeError("the worker died before committing")

        outcomes = fake.send_many([queued(), queued(), queued()])

        assert [type(o).__name__ for o in outcomes] == ["Accepted", "Accepted", "RateLimited"]
    finally:
        _SENT_TODAY.clear()  # what this process remembers must not outlive the test's rows


@pytest.mark.django_db
def test_the_fakes_limit_is_per_api_key_as_notifys_is(settings):
    settings.KEEPWELL_MESSAGING_RATE_LIMIT = 1
    FakeProvider("another-key").send(queued())

    assert FakeProvider("fake-key").send(queued()).provider_id
