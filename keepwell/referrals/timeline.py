"""One person's story in one list: referrals both ways, help, outcomes and strengths.

Help lives in another capability; it is read here only through the few fields every help
record has (a ``person``, a time, perhaps a ``status``), found at run time, so this page
neither imports ``keepwell.help`` nor breaks while that capability changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db import models
from django.urls import reverse

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.people.models import Person
from keepwell.referrals.models import STATUS_TAG, Direction, Referral, Status

_TIME_FIELDS = ("created_at", "raised_at")
_HELP_LIMIT = 100


@dataclass
class Entry:
    at: datetime
    kind: str  # "Referral", "Help", "Wellbeing answers", "Strength"
    title: str
    detail: str = ""
    url: str = ""
    tag: str = ""
    tag_class: str = ""


def _referral_entries(person: Person) -> list[Entry]:
    entries = []
    referrals = (
        Referral.objects.filter(person=person)
        .select_related("service", "to_organisation", "from_organisation")
        .prefetch_related("events")
    )
    for referral in referrals:
        url = reverse("referrals:detail", kwargs={"referral_id": referral.pk})
        if referral.direction == Direction.TO_PRACTICE:
            title = f"Asked {referral.to_organisation.name} for a review"
        elif referral.direction == Direction.SELF:
            title = f"Referred themselves to {referral.destination}"
        else:
            origin = referral.from_organisation.name if referral.from_organisation else ""
            title = f"Referred to {referral.destination}" + (f" by {origin}" if origin else "")
        for event in referral.events.all():
            status = Status(event.to_status)
            entries.append(
                Entry(
                    at=event.at,
                    kind="Referral",
                    title=title if event.from_status == "" else f"{title}: {status.label.lower()}",
                    detail=event.note or (referral.what_matters if not event.from_status else ""),
                    url=url,
                    tag=status.label,
                    tag_class=STATUS_TAG.get(event.to_status, ""),
                )
            )
    return entries


def _outcome_entries(person: Person) -> list[Entry]:
    from keepwell.outcomes.models import Response

    entries = []
    responses = (
        Response.objects.filter(person=person)
        .select_related("measure")
        .prefetch_related("answers")
        .order_by("answered_at")
    )
    url = reverse("outcomes:person", kwargs={"person_id": person.pk})
    for response in responses:
        if response.total is not None:
            detail = f"Score {response.total}"
        else:
            detail = ", ".join(
                f"{a.item.replace('_', ' ')} {a.value}" for a in response.answers.all()
            )
        entries.append(
            Entry(
                at=response.answered_at,
                kind="Wellbeing answers",
                title=f"{response.measure.name}: {response.timepoint.lower()}",
                detail=detail,
                url=url,
            )
        )
    return entries


def _strength_entries(person: Person) -> list[Entry]:
    return [
        Entry(
            at=strength.recorded_at,
            kind="Strength",
            title=f"Could give: {strength.get_kind_display().lower()}",
            detail=strength.description,
        )
        for strength in person.strengths.all()
    ]


def _help_models() -> list[tuple[type[models.Model], str]]:
    """Models of the help capability that belong to a person and have a time."""
    if not apps.is_installed("keepwell.help"):
        return []
    found = []
    for model in apps.get_app_config("help").get_models():
        names = {f.name: f for f in model._meta.get_fields()}
        person = names.get("person")
        if person is None or getattr(person, "related_model", None) is not Person:
            continue
        when = next(
            (n for n in _TIME_FIELDS if isinstance(names.get(n), models.DateTimeField)), None
        )
        if when:
            found.append((model, when))
    return found


def _help_entries(person: Person, *, own: bool = False) -> list[Entry]:
    entries = []
    for model, when in _help_models():
        # Concerns about the person's safety are not shown to the person themselves: that
        # could warn whoever the concern is about. Staff and the IG admin still see them.
        if own and model._meta.label_lower == "help.concern":
            continue
        has_status = hasattr(model, "get_status_display")
        rows = model.objects.filter(person=person).order_by(f"-{when}")[:_HELP_LIMIT]
        label = str(model._meta.verbose_name).capitalize()
        for row in rows:
            entries.append(
                Entry(
                    at=getattr(row, when),
                    kind="Help",
                    title=f"{label} {row.pk}",
                    tag=row.get_status_display() if has_status else "",
                    tag_class="nhsuk-tag--grey" if has_status else "",
                )
            )
    return entries


def for_person(person: Person, *, by, purpose: str) -> list[Entry]:
    """Everything, newest first, and an audit row saying who read it and why."""
    entries = (
        _referral_entries(person)
        + _help_entries(person, own=purpose == Purpose.SUBJECT_ACCESS)
        + _outcome_entries(person)
        + _strength_entries(person)
    )
    entries.sort(key=lambda e: e.at, reverse=True)
    audit.record(
        by,
        Action.READ,
        person,
        purpose=purpose,
        summary=f"Read the timeline ({len(entries)} entries)",
    )
    return entries
