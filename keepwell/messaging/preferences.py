"""How a person would like to be reached, and their yes or no to each purpose: written here,
audited, and read by ``services.plan``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from django.db import transaction

from keepwell.audit import services as audit
from keepwell.audit.models import Action
from keepwell.audit.models import Purpose as AuditPurpose
from keepwell.messaging import services
from keepwell.messaging.models import (
    OPTED_IN_BY_DEFAULT,
    PURPOSE_BASIS,
    Channel,
    LawfulBasis,
    Preference,
    Purpose,
    PurposeChoice,
)


@dataclass(frozen=True)
class PurposeStanding:
    purpose: str
    label: str
    allowed: bool
    basis: str
    since: object | None  # when they said so; None: the purpose's default
    how: str


def standing(person) -> list[PurposeStanding]:
    """Each purpose: may keepwell message them for it, on what basis, since when."""
    latest: dict[str, PurposeChoice] = {}
    for choice in PurposeChoice.objects.filter(person=person).order_by("-at", "-id"):
        latest.setdefault(choice.purpose, choice)
    rows = []
    for purpose in Purpose:
        choice = latest.get(purpose.value)
        rows.append(
            PurposeStanding(
                purpose=purpose.value,
                label=purpose.label,
                allowed=choice.allowed if choice else OPTED_IN_BY_DEFAULT[purpose],
                basis=LawfulBasis(PURPOSE_BASIS[purpose]).label,
                since=choice.at if choice else None,
                how=choice.get_how_display() if choice else "",
            )
        )
    return rows


def current(person) -> Preference:
    """Their preferences, or what keepwell would use from their record if they set none."""
    preference = Preference.objects.filter(person=person).first()
    if preference is not None:
        return preference
    return Preference(
        person=person,
        channels=[c for c in services.channel_order(person, None) if c != Channel.PHONE],
        languages=services._person_languages(person, None),
    )


@transaction.atomic
def set_preferences(
    person,
    *,
    by,
    channels: list[str],
    languages: list[str],
    large_print: bool,
    quiet_from: time,
    quiet_until: time,
    purposes: dict[str, bool],
    how: str,
) -> Preference:
    """Save how they want to be reached and their purposes; audited with what changed."""
    preference = Preference.objects.select_for_update().filter(person=person).first()
    before = (
        {
            "channels": preference.channels,
            "languages": preference.languages,
            "large_print": preference.large_print,
            "quiet_from": str(preference.quiet_from),
            "quiet_until": str(preference.quiet_until),
        }
        if preference
        else {}
    )
    preference = preference or Preference(person=person)
    preference.channels = [c for c in dict.fromkeys(channels) if c in Channel.values]
    preference.languages = list(dict.fromkeys(code for code in languages if code))
    preference.large_print = large_print
    preference.quiet_from, preference.quiet_until = quiet_from, quiet_until
    preference.updated_by = audit.acting_user(by)
    preference.save()
    after = {
        "channels": preference.channels,
        "languages": preference.languages,
        "large_print": preference.large_print,
        "quiet_from": str(preference.quiet_from),
        "quiet_until": str(preference.quiet_until),
    }
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if changes:
        audit.record(
            by,
            Action.UPDATE,
            person,
            purpose=AuditPurpose.COMMUNICATION,
            person_id=person.pk,
            summary="Changed how they would like to be contacted",
            changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
        )
    now_standing = {row.purpose: row.allowed for row in standing(person)}
    for purpose, allowed in purposes.items():
        if purpose in now_standing and now_standing[purpose] != allowed:
            services.choose_purpose(person, purpose, allowed, how=how, by=by)
    return preference


def view_preferences(person, *, by) -> None:
    audit.record(
        by,
        Action.READ,
        person,
        purpose=AuditPurpose.COMMUNICATION,
        person_id=person.pk,
        summary="Looked at how they would like to be contacted",
    )
