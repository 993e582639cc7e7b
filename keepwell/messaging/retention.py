"""What messages keep, and for how long: words for ``KEEPWELL_MESSAGE_RETENTION_DAYS``, then
only the facts the communication audit needs (who, when, channel, language, status).

A survey invitation's words hold a one-time code that would tie a person to their
anonymous answers: they are blanked as soon as the message is final (delivered, failed or
cancelled), at the next hourly run, whatever the retention period."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from keepwell.messaging.models import FINAL, InboundMessage, Message

REDACTED = "(redacted)"
# Kinds whose words carry a code that must not stay beside the person it was sent to.
CODES_INSIDE = ("survey_invitation",)


@transaction.atomic
def redact_expired(now: datetime | None = None) -> tuple[int, int]:
    """Blank the words and addresses of messages and received texts older than the retention
    period and mark them redacted; returns (messages, texts) redacted. Each row once."""
    now = now or timezone.now()
    before = now - timedelta(days=settings.KEEPWELL_MESSAGE_RETENTION_DAYS)
    expired = Message.objects.filter(
        Q(queued_at__lt=before) | Q(kind__in=CODES_INSIDE, status__in=FINAL), redacted_at=None
    )
    words = {
        "subject": "",
        "body": "",
        "context": {},
        "address": [],
        "call_notes": "",
        "redacted_at": now,
    }
    # A contact who is no person or user is named by their address alone: a row must still
    # say it had a recipient (a database constraint), so theirs becomes a placeholder.
    named = Q(person__isnull=False) | Q(user__isnull=False) | Q(organisation__isnull=False)
    messages = expired.filter(named).update(to="", **words)
    messages += expired.exclude(named).update(to=REDACTED, **words)
    texts = InboundMessage.objects.filter(received_at__lt=before, redacted_at=None).update(
        body="", redacted_at=now
    )
    return messages, texts


@task()
def redact_expired_task() -> int:
    """Redact what has passed its retention period; returns how many rows."""
    return sum(redact_expired(timezone.now()))
