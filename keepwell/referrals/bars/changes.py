"""A BaRS update or cancellation: the referral the same sender made under this
ServiceRequest identifier changes, attributed to the sender's token and timed, and the
service hears of it in its inbox, as with any change made in keepwell.

An update replaces what the referral says (needs, reason, safety notes, urgency) with what
the message says; what the message leaves empty is kept, so a safety note is never lost by
omission. The person's record is the people room's, and an update does not touch it.
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.referrals import services
from keepwell.referrals.bars.mapping import find_service, refuse, sending_organisation
from keepwell.referrals.bars.message import Issue, Message, Target
from keepwell.referrals.fhir.codes import URGENCY_FROM_PRIORITY
from keepwell.referrals.models import BarsMessage, Referral, ReferralEvent, Status

# What an update may change, and the words a person reads for each.
AMENDABLE = {
    "needs": "what they need",
    "reason": "the reason",
    "safety_notes": "the safety notes",
    "urgency": "the urgency",
}


def apply(message: Message, *, by, target: Target | None) -> tuple[Referral, list[Issue]]:
    referral = find_referral(message, by)
    if not referral.is_open:
        raise refuse(
            f"The referral is {referral.get_status_display().lower()}: it cannot change now",
            f"{message.request_at}.status"
            if message.cancels
            else "Bundle.entry[0].resource.reason",
            "conflict",
            409,
        )
    if message.cancels:
        return _cancel(referral, message, by)
    if target is not None or message.targets:
        service = find_service(message, target)
        if service.pk != referral.service_id:
            raise refuse(
                "An update cannot move the referral to another service: cancel it and send "
                "a new referral",
                f"{message.request_at}.performer",
                "business-rule",
                422,
            )
    return amend(referral, message, by=by)


def find_referral(message: Message, by) -> Referral:
    """The referral this sender made under the message's ServiceRequest identifier."""
    organisation = sending_organisation(message, by)
    earlier = BarsMessage.objects.filter(
        direction=BarsMessage.Direction.IN,
        service_request_id=message.service_request_id,
        referral__isnull=False,
    )
    if organisation is not None:
        earlier = earlier.filter(referral__from_organisation=organisation)
    else:
        earlier = earlier.filter(referral__referred_by=by)
    found = earlier.order_by("at", "pk").select_related("referral").first()
    if found is None or found.referral is None:
        raise refuse(
            f"No referral you sent has ServiceRequest identifier {message.service_request_id}",
            f"{message.request_at}.identifier",
            "not-found",
            404,
        )
    return found.referral


def _cancel(referral: Referral, message: Message, by) -> tuple[Referral, list[Issue]]:
    why = "Cancelled by the referrer's system"
    if message.reason_text:
        why += f": {message.reason_text}"
    referral = services.change_status(referral, Status.CLOSED, by=by, close_reason=why, via="api")
    return referral, [Issue("information", "informational", "The referral is closed", None, 200)]


@transaction.atomic
def amend(referral: Referral, message: Message, *, by) -> tuple[Referral, list[Issue]]:
    """Change what the referral says to what the update says, with a line in its history,
    an audit row, and a note in the service's inbox."""
    referral = Referral.objects.select_for_update(of=("self",)).get(pk=referral.pk)
    wanted = {
        "needs": message.needs,
        "reason": message.reason_text,
        "safety_notes": message.safety_notes,
        "urgency": URGENCY_FROM_PRIORITY[message.priority],
    }
    changed = {
        name: [getattr(referral, name), value]
        for name, value in wanted.items()
        if value and value != getattr(referral, name)
    }
    if not changed:
        return referral, [Issue("information", "informational", "Nothing changed", None, 200)]
    for name, (_, value) in changed.items():
        setattr(referral, name, value)
    referral.save(update_fields=list(changed))
    words = "Updated by the referrer's system: " + ", ".join(AMENDABLE[n] for n in changed)
    ReferralEvent.objects.create(
        referral=referral,
        at=timezone.now(),
        by=audit.acting_user(by),
        by_label=str(by),
        from_status=referral.status,
        to_status=referral.status,
        note=words,
    )
    audit.record(
        by,
        Action.UPDATE,
        referral,
        person_id=referral.person_id,
        purpose=Purpose.REFERRAL,
        via="api",
        summary=words,
        changes=changed,
    )
    services.notify_receiver(
        referral,
        # One note per update message, whatever the length of its id.
        event=f"referral_amended:{referral.pk}:{_short(message.message_id)}",
        kind="referral_status",
        subject="Referral updated",
        note=f"{words} ({referral.person.full_name})",
        context={"status": referral.get_status_display().lower()},
        by=by,
    )
    issues = [Issue("information", "informational", words, None, 200)]
    return referral, issues


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
