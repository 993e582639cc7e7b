"""The door: who may refer to a service, and is anyone home. The service's own two door
fields are the directory's (``keepwell.directory.doors``); who may refer is ours."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from keepwell.directory import doors
from keepwell.directory.models import NHS_KINDS, Organisation, Service
from keepwell.referrals.models import AcceptsFrom, ReferralPolicy
from keepwell.referrals.services.common import _actor


@dataclass(frozen=True)
class Door:
    open: bool
    reason: str = ""


def policy_for(service: Service) -> ReferralPolicy:
    """The service's policy, or the default (anyone may refer) when none was set."""
    try:
        return service.referral_policy
    except ReferralPolicy.DoesNotExist:
        return ReferralPolicy(service=service)


def door_for(
    service: Service, from_organisation: Organisation | None = None, *, self_referral=False
) -> Door:
    """Whether this referral may be made, and if not, the words to show before anyone tries."""
    if service.status != Service.Status.PUBLISHED:
        return Door(False, "Not listed in the directory")
    if not service.accepts_referrals:
        return Door(False, "Not accepting referrals")
    if not service.taking_new_people:
        return Door(False, "Full: not taking new people now")
    policy = policy_for(service)
    if self_referral:
        if not policy.accepts_self_referrals:
            return Door(
                False, "Does not take self-referrals: ask your GP practice or a coordinator"
            )
        return Door(True)
    if policy.accepts_from == AcceptsFrom.NHS and (
        from_organisation is None or from_organisation.kind not in NHS_KINDS
    ):
        return Door(False, "Only takes referrals from the NHS")
    if policy.accepts_from == AcceptsFrom.LISTED:
        allowed = {org.pk for org in policy.organisations.all()} if policy.pk else set()
        if from_organisation is None or from_organisation.pk not in allowed:
            return Door(False, "Only takes referrals from the organisations it works with")
    return Door(True)


def doors_for(
    service_ids: Iterable[int], from_organisation: Organisation | None = None
) -> dict[int, Door]:
    """``door_for`` each of these services, in two queries whatever their number."""
    found = (
        Service.objects.filter(pk__in=list(service_ids))
        .select_related("referral_policy")
        .prefetch_related("referral_policy__organisations")
    )
    return {service.pk: door_for(service, from_organisation) for service in found}


def search_services(text: str = "", category: str = ""):
    """Published services by words in their name, description or organisation, and category:
    the short list of alternatives a service that declines can suggest. (Referrers choose
    from the directory's full search.)"""
    qs = (
        Service.objects.published()
        .select_related("organisation", "referral_policy")
        .prefetch_related("referral_policy__organisations")
        .order_by("name", "id")
    )
    for word in text.split():
        qs = qs.filter(
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(organisation__name__icontains=word)
        )
    if category:
        qs = qs.filter(category=category)
    return qs


@transaction.atomic
def set_door(
    service: Service,
    *,
    by,
    accepts_referrals: bool,
    taking_new_people: bool,
    accepts_from: str = AcceptsFrom.ANYONE,
    organisations: Iterable[Organisation] = (),
    accepts_self_referrals: bool = True,
) -> ReferralPolicy:
    """A service opens or closes its door (the directory's two door fields of the Service)
    and says who may refer."""
    service = doors.set_door(
        service, accepts_referrals=accepts_referrals, taking_new_people=taking_new_people
    )
    policy, _ = ReferralPolicy.objects.get_or_create(service=service)
    policy.accepts_from = accepts_from
    policy.accepts_self_referrals = accepts_self_referrals
    policy.updated_at = timezone.now()
    policy.updated_by = _actor(by)
    policy.save(
        update_fields=["accepts_from", "accepts_self_referrals", "updated_at", "updated_by"]
    )
    policy.organisations.set(organisations if accepts_from == AcceptsFrom.LISTED else [])
    return policy
