"""What an audit row means, in words the person it is about understands.

The one place that turns ``read people.person`` into "Sam Okafor (Wellbrook Mutual Aid)
looked at your record". The "who has seen my record" page shows these sentences to the
resident, and the same sentences (about "Margaret Evans's record") to the information
governance admin, who also sees the rows the resident does not (see
:meth:`AuditQuerySet.shown_to_the_person`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from keepwell.audit.models import Action, AuditEvent, Purpose

# What each kind of row is about, as part of "your …" (or "Margaret Evans's …").
_THINGS = {
    "people.person": "record",
    "people.consent": "consent choices",
    "people.householdmember": "household",
    "people.strength": "strengths (what you could give)",
    "help.helprequest": "request for help",
    "help.publicrequest": "request for help",
    "help.task": "help arranged for you",
    "help.concern": "safety or wellbeing (a concern)",
    "referrals.referral": "referral",
    "outcomes.response": "wellbeing answers",
    "timebank.account": "time bank account",
    "timebank.exchange": "time bank exchanges",
    "timebank.listing": "time bank offers and needs",
    "timebank.giveinvitation": "invitation to give time",
}
_VERBS = {
    Action.READ: "looked at",
    Action.CREATE: "added to",
    Action.UPDATE: "changed",
    Action.DELETE: "removed something from",
    Action.EXPORT: "sent a copy of",
}
# Fields of a person's record, grouped as the person thinks of them.
_FIELD_GROUPS = [
    (
        "contact details",
        {
            "phone",
            "mobile",
            "email",
            "address_line_1",
            "address_line_2",
            "town",
            "postcode",
            "preferred_channel",
            "no_digital",
        },
    ),
    ("name", {"given_name", "family_name", "known_as"}),
    ("date of birth", {"date_of_birth"}),
    ("NHS number", {"nhs_number"}),
    ("languages and access needs", {"languages", "needs_interpreter", "accessibility_needs"}),
    ("GP practice", {"gp_practice"}),
    ("neighbourhood", {"area"}),
]
_WHY = {
    Purpose.DIRECT_CARE: "to support you",
    Purpose.HELP_REQUEST: "to arrange help for you",
    Purpose.REFERRAL: "for a referral to a service",
    Purpose.SAFEGUARDING: "to keep you safe",
    Purpose.ADMINISTRATION: "to keep your record up to date",
    Purpose.INFORMATION_GOVERNANCE: "to check who has seen your record",
    Purpose.SUBJECT_ACCESS: "",  # the sentence already says "You looked at your record"
    Purpose.OUTCOMES: "to learn whether the support helped",
    Purpose.TIMEBANK: "for the time bank",
}
_VIA = {"api": " through another computer system"}


@dataclass(frozen=True)
class Described:
    at: datetime
    sentence: str
    why: str
    detail: str
    account: str  # the actor as recorded on the row, with their username: for IG review
    via: str


def who(event: AuditEvent, *, viewer=None) -> str:
    """The actor by name and the organisations they act for, as the person would say it."""
    actor = event.actor
    if actor is None:
        if event.actor_label.startswith("public"):
            return "Someone using a public form"
        return "keepwell, automatically"
    if viewer is not None and actor.pk == viewer.pk:
        return "You"
    organisations = sorted(
        {str(m.organisation) for m in actor.memberships.all() if m.organisation_id}
    )
    if organisations:
        return f"{actor} ({', '.join(organisations)})"
    if actor.is_superuser:
        return f"{actor} (keepwell administrator)"
    return str(actor)


def _what_changed(event: AuditEvent) -> str:
    fields = set(event.changes or {})
    groups = [name for name, members in _FIELD_GROUPS if fields & members]
    if not groups:
        return "details"
    return groups[0] if len(groups) == 1 else ", ".join(groups[:-1]) + " and " + groups[-1]


def _phrase(event: AuditEvent, whose: str) -> str:
    thing = _THINGS.get(event.object_type, "record")
    if event.object_type == "people.person":
        if event.action == Action.CREATE:
            return f"started {whose} record"
        if event.action == Action.UPDATE:
            return f"changed {whose} {_what_changed(event)}"
    if event.object_type == "help.concern" and event.action == Action.CREATE:
        return f"raised a concern about {whose} safety or wellbeing"
    verb = _VERBS.get(event.action, "used")
    return f"{verb} {whose} {thing}"


def describe(event: AuditEvent, *, viewer=None, whose: str = "your") -> Described:
    """One row as a sentence: who did what to whose record, why, and the row's own note."""
    # Staff reviewing someone else's record read the purposes as they were recorded.
    why = _WHY.get(event.purpose, "") if whose == "your" else event.get_purpose_display()
    return Described(
        at=event.at,
        sentence=f"{who(event, viewer=viewer)} {_phrase(event, whose)}{_VIA.get(event.via, '')}",
        why=why[:1].upper() + why[1:],
        detail=event.summary,
        account=event.actor_label,
        via=event.via,
    )
