"""Channels keepwell does not send itself, logged by hand, and the 12-month review of
what worked: the writes behind the communication audit's pages."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from keepwell.audit.models import Action
from keepwell.audit.models import Purpose as AuditPurpose
from keepwell.audit.services import record
from keepwell.messaging.models import ChannelReview, HandLog
from keepwell.messaging.report import CHANNEL_NAMES, hand_logs_of

RECENT_LOGS = 20


@transaction.atomic
def log_by_hand(
    *,
    channel: str,
    happened_on: date,
    reach: int,
    by,
    language: str = "en",
    purpose: str = "news",
    audience: str = "",
    area=None,
    replies: int = 0,
    delivered_by: str = "",
    organisation=None,
    broadcast=None,
    notes: str = "",
) -> HandLog:
    """Record leaflets delivered, a WhatsApp post and its reach, a poster or a radio slot."""
    log = HandLog.objects.create(
        channel=channel,
        happened_on=happened_on,
        reach=reach,
        replies=replies,
        language=language,
        purpose=purpose,
        audience=audience,
        area=area,
        delivered_by=delivered_by,
        organisation=organisation,
        broadcast=broadcast,
        notes=notes,
        logged_by=by,
    )
    record(
        by,
        Action.CREATE,
        log,
        purpose=AuditPurpose.ADMINISTRATION,
        summary=f"Logged by hand: {log}",
    )
    return log


def recent_logs(
    limit: int = RECENT_LOGS,
    *,
    area_ids: set[int] | None = None,
    organisation_ids: set[int] | None = None,
):
    """The latest hand logs a user may see: the same scope as the audit that counts them
    (their areas; what their organisations logged). None: no limit."""
    logs = HandLog.objects.select_related("area", "logged_by")
    if area_ids is not None:
        logs = logs.filter(area_id__in=area_ids)
    if organisation_ids is not None:
        logs = logs.filter(hand_logs_of(organisation_ids))
    return logs[:limit]


@transaction.atomic
def record_review(
    *,
    channel: str,
    period_start: date,
    period_end: date,
    what_worked: str,
    why: str,
    best_messenger: str,
    by,
) -> ChannelReview:
    """The 12-month review of one channel: what worked, why, and who is best to deliver it."""
    review = ChannelReview.objects.create(
        channel=channel,
        period_start=period_start,
        period_end=period_end,
        what_worked=what_worked,
        why=why,
        best_messenger=best_messenger,
        recorded_by=by,
    )
    record(
        by,
        Action.CREATE,
        review,
        purpose=AuditPurpose.ADMINISTRATION,
        summary=f"Reviewed the {channel} channel for {period_start} to {period_end}",
    )
    return review


def recent_reviews(limit: int = RECENT_LOGS) -> list[ChannelReview]:
    reviews = list(ChannelReview.objects.select_related("recorded_by")[:limit])
    for review in reviews:
        review.channel_name = CHANNEL_NAMES.get(review.channel, review.channel)
    return reviews
