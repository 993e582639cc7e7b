"""Phone calls a coordinator makes when nothing else reaches someone: a ``phone`` message is
the task and its call script; recording how the call went closes or retries it."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from keepwell.accounts.models import Role
from keepwell.audit import services as audit
from keepwell.audit.models import Action
from keepwell.audit.models import Purpose as AuditPurpose
from keepwell.messaging.models import CallOutcome, Channel, Message, Status
from keepwell.people.models import Person

# A call that found nobody in is tried again the next day, three times in all.
CALL_TRIES = 3
RETRY_AFTER = timedelta(days=1)


class CallError(Exception):
    pass


def calls_for(user):
    """The calls waiting for this user: for their organisations' people or messages, or for
    anyone whose record they may open. Platform admins see every call."""
    calls = Message.objects.filter(channel=Channel.PHONE, status=Status.QUEUED)
    if user.is_platform_admin:
        return calls
    org_ids = user.organisation_ids(Role.COORDINATOR, Role.NHS_CONNECTOR)
    visible_people = Person.objects.visible_to(user).values("pk")
    return calls.filter(Q(sender_organisation_id__in=org_ids) | Q(person_id__in=visible_people))


def view_call(message: Message, *, by) -> None:
    if message.person_id:
        audit.record(
            by,
            Action.READ,
            message,
            purpose=AuditPurpose.COMMUNICATION,
            person_id=message.person_id,
            summary="Opened a call to make (the call script and number)",
        )


@transaction.atomic
def record_call(message: Message, *, outcome: str, notes: str = "", by) -> Message:
    """Say how the call went. Got through or left a message: delivered. Wrong or no number:
    failed for good. No answer: tried again tomorrow, until the third try."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.channel != Channel.PHONE or message.status != Status.QUEUED:
        raise CallError("This call has already been recorded")
    if outcome not in CallOutcome.values:
        raise CallError("Choose how the call went")
    now = timezone.now()
    message.call_outcome, message.call_by, message.call_at = outcome, by, now
    message.call_notes = (f"{message.call_notes}\n" if message.call_notes else "") + notes
    message.attempts += 1
    if outcome in (CallOutcome.GOT_THROUGH, CallOutcome.LEFT_MESSAGE):
        message.status = Status.DELIVERED
        message.sent_at = message.sent_at or now
        message.delivered_at = now
    elif outcome in (CallOutcome.WRONG_NUMBER, CallOutcome.NO_NUMBER):
        message.status, message.failed_at = Status.PERMANENT_FAILURE, now
    elif message.attempts >= CALL_TRIES:
        message.status, message.failed_at = Status.TEMPORARY_FAILURE, now
    else:
        message.next_attempt_at = now + RETRY_AFTER
    message.status_detail = CallOutcome(outcome).label
    message.save()
    if message.person_id:
        audit.record(
            by,
            Action.UPDATE,
            message,
            purpose=AuditPurpose.COMMUNICATION,
            person_id=message.person_id,
            summary=f"Phoned them: {CallOutcome(outcome).label.lower()}",
        )
    return message
