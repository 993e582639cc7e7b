"""A person's conversation: every message to them and every text from them, in time order;
the replies waiting for a coordinator; and a coordinator's answer. Reading is audited."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from keepwell.accounts.models import Role
from keepwell.audit import services as audit
from keepwell.audit.models import Action
from keepwell.audit.models import Purpose as AuditPurpose
from keepwell.messaging.models import Channel, InboundMessage, Message, Purpose
from keepwell.people.models import Person

# The most a coordinator may write in one reply: four text message parts.
REPLY_MAX_LENGTH = 612


@dataclass(frozen=True)
class Entry:
    """One line of the conversation, in or out."""

    at: datetime
    incoming: bool
    channel: str
    language: str
    status: str
    who: str
    subject: str
    body: str
    redacted: bool
    waiting: bool = False  # a text waiting for a coordinator's answer

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label if self.channel in Channel.values else self.channel


def _sender(message: Message) -> str:
    if message.sent_by is not None:
        return message.sent_by.display_name or message.sent_by.username
    if message.sender_organisation is not None:
        return message.sender_organisation.name
    return "keepwell"


def conversation_for(person: Person, *, by, via: str = "web") -> list[Entry]:
    """Every message to ``person`` and every text from them, oldest first; reading it is
    recorded in the audit log."""
    audit.record(
        by,
        Action.READ,
        person,
        purpose=AuditPurpose.COMMUNICATION,
        summary="Read their messages",
        via=via,
    )
    out = Message.objects.filter(person=person).select_related("sent_by", "sender_organisation")
    entries = [
        Entry(
            at=m.queued_at,
            incoming=False,
            channel=m.channel,
            language=m.language,
            status=m.get_status_display(),
            who=_sender(m),
            subject=m.subject,
            body=m.body,
            redacted=m.redacted_at is not None,
        )
        for m in out
    ]
    entries += [
        Entry(
            at=text.received_at,
            incoming=True,
            channel=Channel.SMS,
            language="",
            status=text.get_handled_as_display() if text.handled_as else "Received",
            who=person.full_name,
            subject="",
            body=text.body,
            redacted=text.redacted_at is not None,
            waiting=text.handled_as == InboundMessage.Handling.COORDINATORS
            and text.answered_at is None,
        )
        for text in InboundMessage.objects.filter(person=person)
    ]
    return sorted(entries, key=lambda entry: entry.at)


def unanswered_replies(user):
    """Texts waiting for a coordinator that ``user`` may answer: from people whose records
    they may open, or answering a message their organisation sent. Oldest first."""
    waiting = InboundMessage.objects.filter(
        handled_as=InboundMessage.Handling.COORDINATORS, answered_at=None
    ).select_related("person", "in_reply_to")
    if not user.is_platform_admin:
        org_ids = user.organisation_ids(Role.COORDINATOR, Role.NHS_CONNECTOR)
        waiting = waiting.filter(
            Q(person__in=Person.objects.visible_to(user))
            | Q(in_reply_to__sender_organisation_id__in=org_ids)
        )
    return waiting.order_by("received_at", "id")


def list_replies(replies, *, by) -> None:
    """The replies list shows people's words: one audit row per person shown."""
    audit.record_many(
        by,
        Action.READ,
        [r for r in replies if r.person_id],
        purpose=AuditPurpose.COMMUNICATION,
        summary="Listed among texts waiting for an answer",
    )


def reply_channels(person: Person) -> list[str] | None:
    """A reply goes back by text when texts reach them, else by their preferred channel."""
    from keepwell.messaging.services import To, plan

    planned = plan([To(person=person)], purpose=Purpose.CARE, channels=[Channel.SMS])[0]
    return [Channel.SMS] if planned.channel == Channel.SMS else None


@transaction.atomic
def reply(person: Person, *, body: str, language: str = "en", by):
    """A coordinator answers the person: one message through ``send`` (their mobile, or
    their preferred channel), and every text of theirs waiting for an answer is answered."""
    from keepwell.messaging.services import To, send

    waiting = InboundMessage.objects.select_for_update().filter(
        person=person, handled_as=InboundMessage.Handling.COORDINATORS, answered_at=None
    )
    # The same words to the same person on the same day since their last text: a double
    # click, sent once.
    latest = (
        InboundMessage.objects.filter(person=person)
        .order_by("-received_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    words = hashlib.sha256(body.encode()).hexdigest()[:16]
    day = timezone.localdate().isoformat()
    org_ids = sorted(by.organisation_ids(Role.COORDINATOR, Role.NHS_CONNECTOR))
    sent = send(
        event=f"reply:{person.pk}:{by.pk}:{day}:{latest or 0}:{words}",
        kind="reply",
        to=[To(person=person, audience="person")],
        purpose=Purpose.CARE,
        urgent=True,  # an answer they are waiting for is not held for quiet hours
        by=by,
        sender_organisation_id=org_ids[0] if org_ids else None,
        channels=reply_channels(person),
        wording={language: ("A reply to your message", body)},
    )
    now = timezone.now()
    answered = waiting.update(answered_at=now, answered_by=by)
    audit.record(
        by,
        Action.CREATE,
        person,
        purpose=AuditPurpose.COMMUNICATION,
        summary=f"Replied to their messages ({answered} waiting)",
    )
    return sent


def retention_days() -> int:
    return settings.KEEPWELL_MESSAGE_RETENTION_DAYS
