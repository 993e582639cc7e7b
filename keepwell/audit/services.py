"""Writing the audit log. Every read or change of a person's record comes through here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import models

from keepwell.audit.models import Action, AuditEvent, Purpose


def acting_user(by):
    """The signed-in user who acted, or None for the public, a task or a command: what every
    room stores in its ``…_by`` columns and the audit row's ``actor``."""
    return by if getattr(by, "is_authenticated", False) else None


def actor_label(actor) -> str:
    """How an audit row names who acted; kept on the row so it survives the account."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "public (not signed in)"
    return f"{actor} ({actor.username})"


def record(
    actor,
    action: str,
    obj: models.Model,
    *,
    purpose: str,
    person_id: int | None = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    via: str = "web",
) -> AuditEvent:
    """Append one audit row. ``person_id`` is whose data it is (defaults to ``obj`` if a Person)."""
    if action not in Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    if purpose not in Purpose.values:
        raise ValueError(f"unknown audit purpose {purpose!r}")
    if person_id is None and obj._meta.label_lower == "people.person":
        person_id = obj.pk
    return AuditEvent.objects.create(
        actor=acting_user(actor),
        actor_label=actor_label(actor),
        via=via,
        action=action,
        purpose=purpose,
        person_id=person_id,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary[:300],
        changes=changes or {},
    )


def record_many(
    actor,
    action: str,
    objs,
    *,
    purpose: str,
    person_id_attr: str = "person_id",
    summary: str = "",
    via: str = "web",
) -> None:
    """One row per object, in one INSERT: for lists that show several people's details."""
    rows = [
        AuditEvent(
            actor=acting_user(actor),
            actor_label=actor_label(actor),
            via=via,
            action=action,
            purpose=purpose,
            person_id=(
                obj.pk
                if obj._meta.label_lower == "people.person"
                else getattr(obj, person_id_attr, None)
            ),
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            summary=summary[:300],
        )
        for obj in objs
    ]
    AuditEvent.objects.bulk_create(rows)


def insert_sql(values: Mapping[str, str], quote_name: Callable[[str], str]) -> tuple[str, str]:
    """``(columns, expressions)`` for a raw ``INSERT INTO audit (columns) SELECT expressions``
    that writes audit rows in bulk inside a larger statement (the time bank's fast path).

    ``values`` gives, for every AuditEvent field by name, the SQL expression its value comes
    from; both lists follow its order (the order of the statement's parameters). A field
    left out, or a name that is no field, raises: a column added to the model cannot be
    silently missed by a statement written by hand.
    """
    fields = {f.name: f for f in AuditEvent._meta.concrete_fields if not f.primary_key}
    missing, unknown = set(fields) - set(values), set(values) - set(fields)
    if missing or unknown:
        raise ValueError(
            "An audit INSERT must give every column of AuditEvent: "
            f"missing {sorted(missing)}, unknown {sorted(unknown)}"
        )
    columns = ", ".join(quote_name(fields[name].column) for name in values)
    return columns, ", ".join(values.values())


def log_for_person(person, *, by, via: str = "web"):
    """The log of one person's record as ``by`` may see it; reading it is logged too.

    The person themselves sees everything but safeguarding (``shown_to_the_person``);
    the information governance admin sees every row.
    """
    own = person.user_id is not None and person.user_id == getattr(by, "pk", None)
    record(
        by,
        Action.READ,
        person,
        purpose=Purpose.SUBJECT_ACCESS if own else Purpose.INFORMATION_GOVERNANCE,
        summary="Looked at who has seen the record",
        via=via,
    )
    events = AuditEvent.objects.for_person(person.pk)
    if own:
        events = events.shown_to_the_person()
    return events.select_related("actor").prefetch_related("actor__memberships__organisation")


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that changed, values as strings for JSON."""
    return {
        key: [
            None if before.get(key) is None else str(before.get(key)),
            None if after.get(key) is None else str(after.get(key)),
        ]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


__all__ = [
    "Action",
    "Purpose",
    "diff",
    "insert_sql",
    "log_for_person",
    "record",
    "record_many",
]
