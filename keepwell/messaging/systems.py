"""Messages to other systems: a FHIR message to another system's endpoint, through the outbox.

A room that must tell a system something (referrals' BaRS replies, and referrals sent to a
practice's BaRS endpoint) calls ``send_to_system`` inside the transaction of the event that
causes it. It writes one outbox row, channel ``fhir``, unique per event and endpoint, so the
event and its message commit or roll back together and the same event adds nothing twice.
The outbox's workers then deliver it as they deliver texts: a lease, retries with backoff,
a 429 slowing the sender, a permanent failure shown (``keepwell messaging_worker --systems``,
and the ``send_due_messages`` task).

A system is not a person: no preferences, quiet hours, language or consent apply, and the
communication audit's figures, which are about people, leave these rows out.
"""

from __future__ import annotations

import json

from django.db import transaction

from keepwell.audit.services import acting_user
from keepwell.messaging.models import Channel, Message, Purpose

MAX_ENDPOINT = Message._meta.get_field("to").max_length


class SystemMessageError(ValueError):
    """A message to a system that cannot be written as asked (no endpoint to send to)."""


def send_to_system(
    *,
    event: str,
    kind: str,
    endpoint: str,
    bundle: dict,
    about: tuple[str, int] | None = None,
    label: str = "",
    subject: str = "",
    by=None,
    sender_organisation_id: int | None = None,
) -> Message:
    """Queue ``bundle`` for POSTing to ``endpoint`` (module doc); returns the outbox row,
    the one already written if this event was sent before."""
    endpoint = (endpoint or "").strip()
    if not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise SystemMessageError(f"Not an endpoint keepwell can send to: {endpoint[:80]!r}")
    key = f"{event}|system:{endpoint}|{Channel.FHIR}"[:255]
    with transaction.atomic():
        Message.objects.bulk_create(
            [
                Message(
                    idempotency_key=key,
                    event=event[:120],
                    kind=kind[:60],
                    purpose=Purpose.WORK,
                    channel=Channel.FHIR,
                    recipient_label=(label or endpoint)[:200],
                    to=endpoint,
                    sender_organisation_id=sender_organisation_id,
                    sent_by=acting_user(by),
                    about_type=about[0] if about else "",
                    about_id=about[1] if about else None,
                    subject=subject[:200],
                    body=json.dumps(bundle, separators=(",", ":"), ensure_ascii=False),
                )
            ],
            ignore_conflicts=True,
        )
        return Message.objects.get(idempotency_key=key)


def system_messages_about(about_type: str, about_ids) -> list[Message]:
    """The messages to systems about these rows (a referral's BaRS messages), newest first:
    what a page shows of how each one went."""
    return list(
        Message.objects.filter(
            channel=Channel.FHIR, about_type=about_type, about_id__in=list(about_ids)
        )
        .order_by("-queued_at", "-id")
        .only(
            "id",
            "kind",
            "event",
            "to",
            "recipient_label",
            "subject",
            "status",
            "status_detail",
            "queued_at",
            "sent_at",
            "delivered_at",
            "failed_at",
            "attempts",
            "next_attempt_at",
            "about_id",
        )
    )
