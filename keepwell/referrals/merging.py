"""Referrals' part of merging two records of one person (see keepwell/people/merging.py):
every referral moves to the kept record, with its history and its loop."""

from __future__ import annotations

from keepwell.audit.models import Purpose
from keepwell.people.merging import counted, moved_to_kept
from keepwell.referrals.models import Referral


def holds(person) -> str:
    return counted(Referral.objects.filter(person=person).count(), "referral")


def refusal(keep, duplicate) -> str:
    return ""


def move(keep, duplicate, *, by) -> str:
    moving = list(Referral.objects.select_for_update().filter(person=duplicate).order_by("pk"))
    moved = moved_to_kept(moving, keep, duplicate, by=by, purpose=Purpose.REFERRAL)
    return counted(moved, "referral")
