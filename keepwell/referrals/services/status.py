"""The loop: a referral moves on, attributed and timed, and the other side hears of it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from keepwell.accounts.models import Role
from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.directory.models import Service
from keepwell.referrals.models import Referral, ReferralEvent, Status
from keepwell.referrals.services.common import InvalidTransition, _actor, _label
from keepwell.referrals.services.telling import notify_receiver, notify_referrer, tell_the_person

_STATUS_WORDS = {
    Status.ACCEPTED: "accepted",
    Status.DECLINED: "declined",
    Status.CONTACTED: "made contact with",
    Status.ENGAGED: "is working with",
    Status.COMPLETED: "completed the referral of",
    Status.CLOSED: "closed the referral of",
}


@transaction.atomic
def change_status(
    referral: Referral,
    to_status: str,
    *,
    by,
    note: str = "",
    decline_reason: str = "",
    suggested_services: Iterable[Service] = (),
    close_reason: str = "",
    via: str = "web",
    now: datetime | None = None,
) -> Referral:
    """Move a referral on, attributed and timed, and tell the other side."""
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("person", "service", "to_organisation", "from_organisation", "referred_by")
        .get(pk=referral.pk)
    )
    if to_status not in referral.next_statuses():
        raise InvalidTransition(
            f"A {referral.get_status_display().lower()} referral cannot become {to_status}"
        )
    if to_status == Status.DECLINED and not decline_reason.strip():
        raise InvalidTransition("Say why the referral is declined")
    if to_status == Status.CLOSED and not close_reason.strip():
        raise InvalidTransition("Say why the referral is closed")
    now = now or timezone.now()
    from_status = referral.status
    referral.status = to_status
    referral.status_changed_at = now
    fields = ["status", "status_changed_at"]
    if to_status == Status.DECLINED:
        referral.decline_reason = decline_reason.strip()
        fields.append("decline_reason")
    if to_status == Status.CLOSED:
        referral.close_reason = close_reason.strip()
        fields.append("close_reason")
    referral.save(update_fields=fields)
    suggestions = list(suggested_services) if to_status == Status.DECLINED else []
    if suggestions:
        referral.suggested_services.set(suggestions)
    detail = decline_reason or close_reason or note
    ReferralEvent.objects.create(
        referral=referral,
        at=now,
        by=_actor(by),
        by_label=_label(by),
        from_status=from_status,
        to_status=to_status,
        note=detail.strip(),
    )
    audit.record(
        by,
        Action.UPDATE,
        referral,
        person_id=referral.person_id,
        purpose=Purpose.REFERRAL,
        via=via,
        summary=f"Referral {from_status} → {to_status}",
        changes={"status": [from_status, to_status]},
    )
    who = referral.to_organisation.name
    message = f"{who} {_STATUS_WORDS[to_status]} {referral.person.full_name}"
    if referral.service_id:
        message += f" ({referral.service.name})"
    if detail.strip():
        message += f": {detail.strip()}"
    if suggestions:
        message += ". Suggested instead: " + ", ".join(s.name for s in suggestions)
    # The loop: the side that did not make the change hears about it, and so does the person.
    event = f"referral_status:{referral.pk}:{to_status}"
    status_words = {"status": referral.get_status_display().lower()}
    if not _is_referrer(by, referral):
        notify_referrer(
            referral,
            event=event,
            kind="referral_status",
            subject="Status changed",
            note=message,
            context=status_words,
            by=by,
        )
    if not _acts_for(by, referral.to_organisation_id):
        notify_receiver(
            referral,
            event=event,
            kind="referral_status",
            subject="Status changed",
            note=f"{_label(by)} {_STATUS_WORDS[to_status]} {referral.person.full_name}"
            + (f": {detail.strip()}" if detail.strip() else ""),
            context=status_words,
            by=by,
        )
    tell_the_person(referral, to_status, by=by)
    # A referral that came by BaRS: the sender's system hears too. Imported here because
    # the bars package reaches back into these services.
    from keepwell.referrals.bars import replies

    replies.reply(referral, to_status, by=by, via=via)
    return referral


def _acts_for(user, organisation_id: int) -> bool:
    return getattr(user, "is_authenticated", False) and organisation_id in user.organisation_ids(
        Role.NHS_CONNECTOR, Role.COORDINATOR, Role.AREA_LEAD
    )


def _is_referrer(user, referral: Referral) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if referral.referred_by_id == user.pk:
        return True
    return referral.from_organisation_id in user.organisation_ids()
