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
from ninja import Field, Router, Schema
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
        # PostgreSQL cannot store NUL in text: a body carrying one is malformed, not a 500.
        for value in self.__dict__.values():
            if isinstance(value, str) and "\x00" in value:
                raise ValueError("Text may not contain NUL characters")
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


RESPONSES: dict[int, Any] = {202: Accepted, 400: Error, 401: Error, 413: Error}


def _body(schema: type[Schema]) -> dict:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema.model_json_schema()}},
        }
    }


def _parse(request, schema: type[_Callback]):
    """The body as ``schema``, or a 400 answer naming what is wrong."""
    try:
        return schema.model_validate_json(request.body), None
    except ValidationError as exc:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))}
            for e in exc.errors(include_url=False, include_input=False, include_context=False)
        ]
        return None, (400, {"message": "The callback body is not valid", "errors": errors})


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


@router.post(
    "notify/status",
    auth=NotifyToken(),
    response=RESPONSES,
    openapi_extra=_body(StatusCallback),
    summary="GOV.UK Notify: a delivery receipt",
    description="Notify's callback for an email, text or letter's status. Needs "
    "`Authorization: Bearer` with the callback token. 202 whether or not the message is "
    "known (an unknown one is logged); a repeat changes nothing; 400 for a malformed body.",
)
def notify_status(request):
    from keepwell.messaging.outbox import record_receipt

    callback, problem = _parse(request, StatusCallback)
    if problem:
        return problem
    message = record_receipt(
        provider="notify",
        provider_id=callback.id,
        reference=callback.reference or "",
        status=callback.status,
        payload=json.loads(callback.model_dump_json()),
    )
    if message is None:
        log.warning("Notify receipt for a message keepwell does not know: %s", callback.id)
        return 202, {"message": "Not a message keepwell knows; logged"}
    return 202, {"message": "Recorded"}


@router.post(
    "notify/received",
    auth=NotifyToken(),
    response=RESPONSES,
    openapi_extra=_body(ReceivedText),
    summary="GOV.UK Notify: a text message received",
    description="Notify's callback for a text someone sent to keepwell's number. Needs "
    "`Authorization: Bearer` with the callback token. 202 once kept (a repeat changes "
    "nothing); 400 for a malformed body.",
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
    return 202, {"message": "Already received" if received.repeated else "Received"}
