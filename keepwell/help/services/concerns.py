"""Doorstep concerns: raising one, routing it, acknowledging, closing and escalating."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.help import messages
from keepwell.help.models import (
    Concern,
    ConcernContact,
    ConcernEvent,
    RoutingRule,
    RoutingTarget,
    Task,
)
from keepwell.help.services.errors import HelpError, InvalidTransition
from keepwell.people.models import Person


def route_for(concern: Concern) -> ConcernContact | None:
    """The first routing rule of the group that fits the concern and names someone."""
    rules = RoutingRule.objects.filter(organisation_id=concern.organisation_id).select_related(
        "contact"
    )
    for rule in rules:
        if not rule.fits(concern.kind, concern.urgent):
            continue
        if rule.target == RoutingTarget.GP_PRACTICE:
            practice_id = concern.person.gp_practice_id
            contact = (
                ConcernContact.objects.filter(organisation_id=practice_id, is_active=True)
                .order_by("pk")
                .first()
                if practice_id
                else None
            )
            if contact is not None:
                return contact
        elif rule.contact is not None and rule.contact.is_active:
            return rule.contact
    return None


def _concern_link(concern: Concern) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/help/concerns/{concern.pk}/"


@transaction.atomic
def raise_concern(
    *,
    by,
    person: Person,
    kind: str,
    urgent: bool,
    details: str,
    task: Task | None = None,
    organisation=None,
    via: str = "web",
) -> Concern:
    organisation_id = task.request.organisation_id if task else organisation.pk
    concern = Concern(
        person=person,
        task=task,
        organisation_id=organisation_id,
        area=person.area,
        kind=kind,
        urgent=urgent,
        details=details,
        raised_by=by,
    )
    contact = route_for(concern)
    now = timezone.now()
    concern.routed_to, concern.routed_at = contact, now
    concern.save()
    _happened(
        concern,
        by,
        f"Raised; sent to {contact}" if contact else "Raised; no routing rule fits",
        f"Doorstep concern: {concern.get_kind_display()}",
        action=Action.CREATE,
        via=via,
    )
    # Through messaging, in this transaction: the contact (a text too when urgent) and the
    # coordinators hear, with a link only; see keepwell/help/messages.py.
    messages.tell_concern_raised(concern, by=by)
    return concern


def _happened(
    concern: Concern, by, what: str, summary: str, *, action=Action.UPDATE, via: str = "web"
) -> None:
    """A step in the concern's history, and its audit row (safeguarding)."""
    ConcernEvent.objects.create(concern=concern, by=by, what=what)
    audit.record(
        by,
        action,
        concern,
        person_id=concern.person_id,
        purpose=Purpose.SAFEGUARDING,
        summary=summary,
        via=via,
    )


def view_concern(concern: Concern, *, by) -> None:
    audit.record(
        by,
        Action.READ,
        concern,
        person_id=concern.person_id,
        purpose=Purpose.SAFEGUARDING,
        summary="Opened the concern",
    )


@transaction.atomic
def acknowledge_concern(concern: Concern, *, by, note: str = "") -> Concern:
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if concern.closed_at is not None or concern.acknowledged_at is not None:
        raise InvalidTransition("This concern has already been acknowledged")
    concern.acknowledged_at, concern.acknowledged_by = timezone.now(), by
    concern.save(update_fields=["acknowledged_at", "acknowledged_by"])
    _happened(concern, by, f"Acknowledged {note}".strip(), "Acknowledged the concern")
    return concern


@transaction.atomic
def close_concern(concern: Concern, *, by, outcome: str) -> Concern:
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if concern.closed_at is not None:
        raise InvalidTransition("This concern is already closed")
    if not outcome.strip():
        raise HelpError("Record what was done")
    now = timezone.now()
    if concern.acknowledged_at is None:
        concern.acknowledged_at, concern.acknowledged_by = now, by
    concern.outcome, concern.closed_at, concern.closed_by = outcome, now, by
    concern.save(
        update_fields=["acknowledged_at", "acknowledged_by", "outcome", "closed_at", "closed_by"]
    )
    _happened(concern, by, "Closed with an outcome", "Closed the concern")
    return concern


def escalation_delays() -> tuple[timedelta, timedelta]:
    """(routine, urgent): how long a concern may wait unacknowledged before it escalates."""
    hours = getattr(settings, "KEEPWELL_CONCERN_ESCALATE_HOURS", 4)
    minutes = getattr(settings, "KEEPWELL_CONCERN_URGENT_ESCALATE_MINUTES", 60)
    return timedelta(hours=hours), timedelta(minutes=minutes)


def _next_contact(concern: Concern) -> ConcernContact | None:
    """Who an overdue concern goes to: the contact's ``escalate_to``, else the contact again;
    a contact made inactive is passed over, and with nobody left the rules are tried again."""
    current = concern.routed_to
    after = current.escalate_to if current is not None else None
    if after is not None and after.is_active:
        return after
    if current is not None and current.is_active:
        return current
    return route_for(concern)


def escalate_overdue_concerns(now: datetime | None = None) -> int:
    """Move every concern nobody has acknowledged in time to the next contact (the current
    contact's ``escalate_to``; if none, it stays with them; see :func:`_next_contact`), tell
    them and the group's coordinators, and start the clock again. Returns how many escalated.
    Idempotent: a concern escalates at most once per delay."""
    now = now or timezone.now()
    routine, urgent = escalation_delays()
    due = Concern.objects.filter(closed_at__isnull=True, acknowledged_at__isnull=True).filter(
        Q(urgent=False, routed_at__lte=now - routine) | Q(urgent=True, routed_at__lte=now - urgent)
    )
    count = 0
    for pk in due.values_list("pk", flat=True):
        # Each escalation, and the messages it sends, stands on its own: a caller's
        # transaction must not hold them back or take them back.
        with transaction.atomic(durable=True):
            concern = (
                Concern.objects.select_for_update(of=("self",))
                .select_related("routed_to__escalate_to", "person")
                .filter(pk=pk, acknowledged_at__isnull=True, closed_at__isnull=True)
                .first()
            )
            if concern is None:
                continue
            target = _next_contact(concern)
            concern.routed_to, concern.routed_at = target, now
            concern.escalations += 1
            concern.save(update_fields=["routed_to", "routed_at", "escalations"])
            _happened(
                concern,
                None,
                f"Not acknowledged in time; escalated to {target or 'the coordinators'}",
                f"Escalated ({concern.escalations})",
                via="system",
            )
            messages.tell_concern_escalated(concern)
            count += 1
    return count
