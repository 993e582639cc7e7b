"""The clock: remind the service of a referral not answered in time, then escalate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from keepwell.referrals.models import Referral, Status
from keepwell.referrals.services.common import accept_working_days, escalate_working_days
from keepwell.referrals.services.telling import notify_receiver, notify_referrer


@dataclass
class ClockResult:
    reminded: int = 0
    escalated: int = 0


def remind_and_escalate(now: datetime | None = None) -> ClockResult:
    """Remind the service of referrals not accepted in time, then escalate the late ones.

    Each referral is claimed with a compare-and-set UPDATE before anyone is told, so two
    workers running at once never send the same reminder twice.
    """
    now = now or timezone.now()
    result = ClockResult()
    waiting = Referral.objects.filter(status=Status.SENT)
    for referral in waiting.filter(accept_by__lte=now, reminded_at__isnull=True).for_list():
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=referral.pk, status=Status.SENT, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            notify_receiver(
                referral,
                event=f"referral_reminder:{referral.pk}",
                kind="referral_reminder",
                subject="Reminder",
                note=(
                    f"Reminder: the referral of {referral.person.full_name} to "
                    f"{referral.destination} has waited {accept_working_days()} working days "
                    "for an answer. Accept or decline it."
                ),
                context={"days": str(accept_working_days())},
            )
            result.reminded += 1
    for referral in waiting.filter(escalate_by__lte=now, escalated_at__isnull=True).for_list():
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=referral.pk, status=Status.SENT, escalated_at__isnull=True
            ).update(escalated_at=now, reminded_at=Coalesce(F("reminded_at"), Value(now)))
            if not claimed:
                continue
            message = (
                f"Escalated: {referral.destination} has not answered the referral of "
                f"{referral.person.full_name} in {escalate_working_days()} working days."
            )
            days = {"days": str(escalate_working_days())}
            notify_receiver(
                referral,
                event=f"referral_escalation:{referral.pk}",
                kind="referral_escalation",
                subject="Escalation",
                note=message,
                context=days,
            )
            notify_referrer(
                referral,
                event=f"referral_escalation:{referral.pk}",
                kind="referral_escalation",
                subject="Escalation",
                note=message + " You may want to call them or refer elsewhere.",
                context=days,
            )
            result.escalated += 1
    return result
