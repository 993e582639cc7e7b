"""Outcomes' part of merging two records of one person (see keepwell/people/merging.py):
outcome plans and their answers move to the kept record. A person may have several plans
(one per referral or piece of help), so both records' plans are kept side by side."""

from __future__ import annotations

from keepwell.outcomes.models import OutcomePlan, Response
from keepwell.people.merging import counted


def holds(person) -> str:
    return counted(OutcomePlan.objects.filter(person=person).count(), "outcome plan")


def refusal(keep, duplicate) -> str:
    return ""


def move(keep, duplicate, *, by) -> str:
    # Answers carry their person for cohort queries: they follow their plans.
    Response.objects.filter(person=duplicate).update(person=keep)
    return counted(OutcomePlan.objects.filter(person=duplicate).update(person=keep), "outcome plan")
