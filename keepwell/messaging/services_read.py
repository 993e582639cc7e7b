"""Reading the outbox: what a member of staff sees of messages to people, audited."""

from __future__ import annotations

from collections.abc import Sequence

from keepwell.audit import services as audit
from keepwell.audit.models import Action
from keepwell.audit.models import Purpose as AuditPurpose
from keepwell.messaging.models import Channel, Message
from keepwell.messaging.pdf import letter_pdf_for


def read_outbox(messages: Sequence[Message], *, by, via: str = "web") -> None:
    """Record that ``by`` read these messages: one audit row for each one to a person, in
    one INSERT (messages to staff, organisations and contacts are nobody's record)."""
    about_people = [message for message in messages if message.person_id is not None]
    audit.record_many(
        by,
        Action.READ,
        about_people,
        purpose=AuditPurpose.COMMUNICATION,
        summary="Read in the outbox",
        via=via,
    )


def read_letter(message: Message, *, by, via: str = "web") -> bytes:
    """The letter as Notify prints it; reading it is recorded when it is to a person.

    Raises ``keepwell.messaging.pdf.LetterError`` when it cannot be laid out (its words
    were redacted, or its address is not one Notify takes).
    """
    if message.channel != Channel.LETTER:
        raise ValueError(f"message {message.pk} is not a letter")
    pdf = letter_pdf_for(message)
    if message.person_id is not None:
        audit.record(
            by,
            Action.READ,
            message,
            purpose=AuditPurpose.COMMUNICATION,
            person_id=message.person_id,
            summary="Read a letter in the outbox",
            via=via,
        )
    return pdf
