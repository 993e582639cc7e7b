"""GOV.UK Notify's callbacks: delivery receipts and received text messages.

Notify calls each URL with ``Authorization: Bearer <KEEPWELL_NOTIFY_CALLBACK_TOKEN>``; the
token is compared in constant time, and with no token configured every call is refused.
Notify retries a callback that does not get a 2xx, so each is idempotent: a repeat is
answered 202 and changes nothing. A receipt for a message keepwell does not know is logged
and answered 202 too (retrying it would not help).
"""

from __future__ import annotations

import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer
from pydantic import ValidationError, model_validator

from keepwell.core.api import Error

router = Router(tags=["messaging"])
log = logging.getLogger(__name__)


class NotifyToken(HttpBearer):
    """The shared secret Notify sends; not a keepwell user, so ``request.user`` is unchanged."""

    def authenticate(self, request, token):
        expected = settings.KEEPWELL_NOTIFY_CALLBACK_TOKEN
        if not expected or not token:
            return None
        if hmac.compare_digest(token.encode(), expected.encode()):
            return "notify"
        return None


class _Callback(Schema):
    @model_validator(mode="after")
    def _no_nul(self):
        # PostgreSQL cannot store NUL in text: a body carrying one is malformed, not a 500;
        # nor a lone surrogate ("\ud800" is valid JSON, but no text any database keeps).
        for value in self.__dict__.values():
            if isinstance(value, str) and "\x00" in value:
                raise ValueError("Text may not contain NUL characters")
            if isinstance(value, str) and not value.isascii():
                try:
                    value.encode()
                except UnicodeEncodeError:
                    raise ValueError("Text must be valid Unicode") from None
        return self


class StatusCallback(_Callback):
    """A delivery receipt, as Notify sends it."""

    id: str = Field(..., min_length=1, max_length=64, description="Notify's notification id")
    reference: str | None = Field(
        None, max_length=64, description="keepwell's outbox id, as keepwell gave it to Notify"
    )
    to: str = Field("", max_length=320)
    status: str = Field(..., min_length=1, max_length=30)
    created_at: datetime | None = None
    completed_at: datetime | None = None
    sent_at: datetime | None = None
    notification_type: str = Field("", max_length=10)


class ReceivedText(_Callback):
    """A text message someone sent to keepwell's number, as Notify sends it."""

    id: str = Field(..., min_length=1, max_length=64)
    source_number: str = Field(..., min_length=1, max_length=30)
    destination_number: str = Field("", max_length=30)
    message: str = Field(..., max_length=5000)
    date_received: datetime | None = None


class Accepted(Schema):
    message: str


RESPONSES: dict[int, Any] = {202: Accepted, 400: Error, 401: Error, 413: Error, 422: Error}


def _body(schema: type[Schema]) -> dict:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema.model_json_schema()}},
        }
    }


def _parse(request, schema: type[_Callback]):
    """The body as ``schema``, or the answer naming what is wrong: 400 when it is not a JSON
    object at all, 422 with each problem when it is one but not a callback (as everywhere
    in keepwell's API)."""
    try:
        data = json.loads(request.body)
    except ValueError:  # not JSON, or not UTF-8
        data = None
    if not isinstance(data, dict):
        return None, Status(400, {"message": "The body is not a JSON object"})
    try:
        return schema.model_validate(data), None
    except ValidationError as exc:
        problems = exc.errors(include_url=False, include_input=False, include_context=False)
        errors = [{"loc": list(e["loc"]), "msg": str(e.get("msg", ""))} for e in problems]
        return None, Status(422, {"message": "The callback body is not valid", "errors": errors})


def _outbox_id(reference: str | None) -> str:
    """keepwell's references are outbox ids; anything else names no message of ours (it is
    kept in the receipt's payload) and must not reach the lookup as a number."""
    text = (reference or "").strip()
    return text if text.isascii() and text.isdigit() and len(text) <= 18 else ""


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # a date at the edge of the calendar, in another time zone
        return None


@router.post(
    "notify/status",
    auth=NotifyToken(),
    response=RESPONSES,
    openapi_extra=_body(StatusCallback),
    summary="GOV.UK Notify: a delivery receipt",
    description="Notify's callback for an email, text or letter's status. Needs "
    "`Authorization: Bearer` with the callback token. 202 whether or not the message is "
    "known (an unknown one is logged); a repeat changes nothing; 400 for a body that is not "
    "a JSON object, 422 for one that is not a receipt.",
)
def notify_status(request):
    from keepwell.messaging.outbox import record_receipt

    callback, problem = _parse(request, StatusCallback)
    if problem:
        return problem
    message = record_receipt(
        provider="notify",
        provider_id=callback.id,
        reference=_outbox_id(callback.reference),
        status=callback.status,
        payload=json.loads(callback.model_dump_json()),
        at=_aware(callback.completed_at or callback.sent_at),
    )
    if message is None:
        log.warning("Notify receipt for a message keepwell does not know: %s", callback.id)
        return Status(202, {"message": "Not a message keepwell knows; logged"})
    return Status(202, {"message": "Recorded"})


@router.post(
    "notify/received",
    auth=NotifyToken(),
    response=RESPONSES,
    openapi_extra=_body(ReceivedText),
    summary="GOV.UK Notify: a text message received",
    description="Notify's callback for a text someone sent to keepwell's number. Needs "
    "`Authorization: Bearer` with the callback token. 202 once kept (a repeat changes "
    "nothing); 400 for a body that is not a JSON object, 422 for one that is not a text.",
)
def notify_received(request):
    from keepwell.messaging.inbound import receive_text

    text, problem = _parse(request, ReceivedText)
    if problem:
        return problem
    received = receive_text(
        provider="notify",
        provider_id=text.id,
        from_number=text.source_number,
        to_number=text.destination_number,
        body=text.message,
        received_at=_aware(text.date_received),
    )
    return Status(202, {"message": "Already received" if received.repeated else "Received"})
