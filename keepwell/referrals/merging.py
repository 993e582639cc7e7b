"""Referrals' part of merging two records of one person (see keepwell/people/merging.py):
every referral moves to the kept record, with its history and its loop."""

from __future__ import annotations

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.people.merging import counted
from keepwell.referrals.models import Referral


def holds(person) -> str:
    return counted(Referral.objects.filter(person=person).count(), "referral")


def refusal(keep, duplicate) -> str:
    return ""


def move(keep, duplicate, *, by) -> str:
    moving = list(Referral.objects.select_for_update().filter(person=duplicate).order_by("pk"))
    for referral in moving:
        referral.person = keep
        referral.save(update_fields=["person"])
        audit.record(
            by,
            Action.UPDATE,
            referral,
            person_id=keep.pk,
            purpose=Purpose.REFERRAL,
            summary=f"Moved from record {duplicate.pk} when it was merged into this one",
        )
    return counted(len(moving), "referral")
