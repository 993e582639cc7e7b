"""GOV.UK Notify calls keepwell back: delivery receipts and texts people send. Only Notify,
holding the callback token, is heard; a bad body is refused; Notify's retries change nothing."""

from __future__ import annotations

import json
import logging

import pytest

from keepwell.messaging.models import InboundMessage, Message, Receipt, Status
from tests.messaging.factories import MessageFactory

TOKEN = "notify-callback-token-0123456789abcdef"
STATUS_URL = "/api/messaging/notify/status"
RECEIVED_URL = "/api/messaging/notify/received"


@pytest.fixture
def notify(settings, client):
    """Notify's side of the callback: posts JSON with its bearer token."""
    settings.KEEPWELL_NOTIFY_CALLBACK_TOKEN = TOKEN

    def post(url: str, body, *, token: str | None = TOKEN):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
        data = body if isinstance(body, str) else json.dumps(body)
        return client.post(url, data=data, content_type="application/json", **headers)

    return post


@pytest.fixture
def sent_text(world):
    """A text to Margaret that left keepwell through Notify and has not yet been delivered."""
    return MessageFactory(
        person=world.margaret_person,
        status=Status.SENT,
        provider="notify",
        provider_id="740e5834-3a29-46b4-9a6f-16142fde533a",
    )


def _receipt(message: Message, status: str = "delivered") -> dict:
    return {
        "id": message.provider_id,
        "reference": message.reference,
        "to": message.to,
        "status": status,
        "created_at": "2026-12-04T10:00:00.000000Z",
        "completed_at": "2026-12-04T10:00:05.000000Z",
        "sent_at": "2026-12-04T10:00:01.000000Z",
        "notification_type": "sms",
    }


def _text(**overrides) -> dict:
    return {
        "id": "b51f138b-8d7b-4b23-a7e8-6f2e4ab6ce3c",
        "source_number": "447700900999",
        "destination_number": "07797292290",
        "message": "Can someone ring me about my shopping on Tuesday?",
        "date_received": "2026-12-04T10:05:00.000000Z",
        **overrides,
    }


def test_a_delivery_receipt_marks_the_text_delivered(notify, sent_text):
    response = notify(STATUS_URL, _receipt(sent_text))
    assert response.status_code == 202
    sent_text.refresh_from_db()
    assert sent_text.status == Status.DELIVERED
    assert sent_text.receipts.get().payload["status"] == "delivered"


def test_notify_repeating_a_receipt_changes_nothing(notify, sent_text):
    notify(STATUS_URL, _receipt(sent_text))
    sent_text.refresh_from_db()
    delivered_at = sent_text.delivered_at
    again = notify(STATUS_URL, _receipt(sent_text))
    assert again.status_code == 202
    sent_text.refresh_from_db()
    assert sent_text.delivered_at == delivered_at
    assert Receipt.objects.count() == 1


def test_a_receipt_for_a_message_keepwell_never_sent_is_logged_and_accepted(notify, db, caplog):
    caplog.set_level(logging.INFO)
    unknown = {
        "id": "00000000-0000-0000-0000-000000000000",
        "reference": "987654",
        "to": "07700900000",
        "status": "delivered",
        "notification_type": "sms",
    }
    response = notify(STATUS_URL, unknown)
    assert response.status_code == 202
    assert "00000000-0000-0000-0000-000000000000" in caplog.text
    assert not Message.objects.exists()


@pytest.mark.parametrize("token", ["wrong-token", "", None])
def test_a_caller_without_notify_s_token_is_refused(notify, sent_text, token):
    response = notify(STATUS_URL, _receipt(sent_text), token=token)
    assert response.status_code == 401
    assert response.json()["message"]
    sent_text.refresh_from_db()
    assert sent_text.status == Status.SENT
    assert notify(RECEIVED_URL, _text(), token=token).status_code == 401
    assert not InboundMessage.objects.exists()


def test_with_no_token_configured_every_callback_is_refused(notify, settings, sent_text):
    settings.KEEPWELL_NOTIFY_CALLBACK_TOKEN = ""
    assert notify(STATUS_URL, _receipt(sent_text), token="").status_code == 401
    assert notify(STATUS_URL, _receipt(sent_text), token="anything").status_code == 401
    sent_text.refresh_from_db()
    assert sent_text.status == Status.SENT


@pytest.mark.parametrize("body", ["this is not JSON", "[]", '"delivered"', "{"])
def test_a_body_that_is_not_a_json_object_is_refused(notify, sent_text, body):
    response = notify(STATUS_URL, body)
    assert response.status_code == 400
    assert response.json()["message"] == "The body is not a JSON object"
    assert not Receipt.objects.exists()


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"reference": "1", "status": "delivered"}, ["id"]),
        ({"id": "abc", "status": ""}, ["status"]),
        ({"id": "abc", "status": "delivered", "sent_at": "yesterday"}, ["sent_at"]),
        ({"id": "abc\x00", "status": "delivered"}, []),
        ('{"id": "\\ud800", "status": "delivered"}', []),
    ],
    ids=["no-id", "empty-status", "bad-date", "nul", "lone-surrogate"],
)
def test_a_receipt_missing_what_notify_always_sends_is_refused_saying_what(
    notify, sent_text, body, where
):
    response = notify(STATUS_URL, body)
    assert response.status_code == 422
    assert response.json()["message"] == "The callback body is not valid"
    if where:
        assert response.json()["errors"][0]["loc"] == where
    sent_text.refresh_from_db()
    assert sent_text.status == Status.SENT
    assert not Receipt.objects.exists()


def test_a_text_without_its_number_is_refused(notify, db):
    response = notify(RECEIVED_URL, _text(source_number=""))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["source_number"]
    assert not InboundMessage.objects.exists()


def test_a_text_from_margaret_joins_her_conversation_once(notify, world, sent_text):
    world.margaret_person.mobile = "+447700900123"
    world.margaret_person.save()
    response = notify(RECEIVED_URL, _text(source_number="447700900123"))
    assert response.status_code == 202
    assert response.json() == {"message": "Received"}
    text = InboundMessage.objects.get()
    assert text.person == world.margaret_person
    assert text.from_number == "+447700900123"
    assert text.in_reply_to == sent_text
    assert text.received_at.isoformat() == "2026-12-04T10:05:00+00:00"
    again = notify(RECEIVED_URL, _text(source_number="447700900123"))
    assert again.status_code == 202
    assert again.json() == {"message": "Already received"}
    assert InboundMessage.objects.count() == 1


def test_the_api_document_lists_what_each_callback_answers(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    for url in (STATUS_URL, RECEIVED_URL):
        responses = paths[url]["post"]["responses"]
        assert set(responses) == {"202", "400", "401", "413", "422"}, url
