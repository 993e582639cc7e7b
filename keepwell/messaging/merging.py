"""Messaging's part of merging two records of one person (see keepwell/people/merging.py):
messages in and out, their yes or no to each purpose and how they like to be contacted
move to the kept record. Where both records had preferences, the kept record's stand."""

from __future__ import annotations

from keepwell.audit.models import Purpose
from keepwell.messaging.models import InboundMessage, Message, Preference, PurposeChoice
from keepwell.people.merging import counted, joined, moved_to_kept


def holds(person) -> str:
    return joined(
        counted(Message.objects.filter(person=person).count(), "message"),
        counted(
            InboundMessage.objects.filter(person=person).count(), "text received", "texts received"
        ),
        "contact preferences" if Preference.objects.filter(person=person).exists() else "",
    )


def refusal(keep, duplicate) -> str:
    return ""


def move(keep, duplicate, *, by) -> str:
    purpose = Purpose.COMMUNICATION
    sent = moved_to_kept(
        list(Message.objects.select_for_update().filter(person=duplicate).order_by("pk")),
        keep,
        duplicate,
        by=by,
        purpose=purpose,
    )
    received = moved_to_kept(
        list(InboundMessage.objects.select_for_update().filter(person=duplicate).order_by("pk")),
        keep,
        duplicate,
        by=by,
        purpose=purpose,
    )
    choices = moved_to_kept(
        list(PurposeChoice.objects.select_for_update().filter(person=duplicate).order_by("pk")),
        keep,
        duplicate,
        by=by,
        purpose=purpose,
    )
    preferences = ""
    theirs = Preference.objects.select_for_update().filter(person=duplicate).first()
    if theirs is not None:
        if Preference.objects.filter(person=keep).exists():
            theirs.delete()
            preferences = "the kept record's contact preferences stand"
        else:
            moved_to_kept([theirs], keep, duplicate, by=by, purpose=purpose)
            preferences = "contact preferences"
    return joined(
        counted(sent, "message"),
        counted(received, "text received", "texts received"),
        counted(choices, "choice about messages", "choices about messages"),
        preferences,
    )
