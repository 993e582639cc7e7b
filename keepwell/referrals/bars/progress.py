"""A practice's BaRS response to a referral keepwell sent it: the referral moves to the
status the response says, step by step through the referral's own transitions (a practice
that answers "finished" to a referral still "sent" has accepted it, seen the person and
completed), each step attributed to the practice's token and timed.

Only someone working for the practice the referral went to (or a platform administrator)
may move it. A response that says nothing new changes nothing; a status the referral has
already passed is a conflict.
"""

from __future__ import annotations

from collections import deque

from django.db.models import Q

from keepwell.accounts.models import Role
from keepwell.referrals import services
from keepwell.referrals.bars.issues import Issue
from keepwell.referrals.bars.mapping import refuse
from keepwell.referrals.bars.message import SERVICE_REQUEST_EVENT as REQUEST_EVENT
from keepwell.referrals.bars.response import ResponseIn
from keepwell.referrals.models import TRANSITIONS, BarsMessage, Referral, Status

HEADER = "Bundle.entry[0].resource"


def info(diagnostics: str) -> Issue:
    return Issue("information", "informational", diagnostics, None, 200)


def steps(from_status: str, to_status: str) -> list[str] | None:
    """The shortest run of transitions from one status to another (None: no way there)."""
    routes: deque[list[str]] = deque([[from_status]])
    seen = {from_status}
    while routes:
        route = routes.popleft()
        if route[-1] == to_status:
            return route[1:]
        for after in TRANSITIONS.get(route[-1], ()):
            if after not in seen:
                seen.add(after)
                routes.append([*route, after])
    return None


def sent_referral(response: ResponseIn) -> Referral:
    """The referral keepwell sent that ``response`` answers: by the request's MessageHeader
    id or Bundle id, else by keepwell's ServiceRequest identifier echoed back."""
    keys = Q(message_id=response.answers) | Q(body__id=response.answers)
    if response.request_ids:
        keys |= Q(service_request_id__in=response.request_ids)
    found = (
        BarsMessage.objects.filter(keys, direction=BarsMessage.Direction.OUT, event=REQUEST_EVENT)
        .exclude(referral=None)
        .select_related("referral__to_organisation")
        .order_by("at", "pk")
        .first()
    )
    if found is None or found.referral is None:
        raise refuse(
            f"keepwell sent no referral as message {response.answers}",
            f"{HEADER}.response.identifier",
            "not-found",
            404,
        )
    return found.referral


def apply(response: ResponseIn, *, by) -> tuple[Referral, list[Issue]]:
    referral = sent_referral(response)
    practice = referral.to_organisation
    mine = services.referring_organisations(by, Role.NHS_CONNECTOR, Role.COORDINATOR)
    if not by.is_platform_admin and practice.pk not in {o.pk for o in mine}:
        raise refuse(
            f"This referral went to {practice.name}: only its own system may answer it",
            f"{HEADER}.response.identifier",
            "forbidden",
            403,
        )
    wanted = response.status
    if not wanted:
        return referral, [info("The response says no new status: nothing changed")]
    if wanted == referral.status:
        return referral, [info(f"The referral is already {referral.get_status_display().lower()}")]
    route = steps(referral.status, wanted)
    if route is None:
        raise refuse(
            f"The referral is {referral.get_status_display().lower()}: it cannot become "
            f"{Status(wanted).label.lower()}",
            response.status_at,
            "conflict",
            409,
        )
    note = f"Answered by {practice.name}'s system (BaRS)"
    reason = response.reason or note
    for step in route:
        referral = services.change_status(
            referral,
            step,
            by=by,
            note=note,
            decline_reason=reason if step == Status.DECLINED else "",
            close_reason=reason if step == Status.CLOSED else "",
            via="api",
        )
    return referral, [info(f"The referral is now {referral.get_status_display().lower()}")]
