"""Who may see and move referrals. Object checks take the referral, person or service."""

from __future__ import annotations

import rules

from keepwell.accounts.models import Role
from keepwell.accounts.rules import is_nhs_connector, is_platform_admin, is_staff_role
from keepwell.people.rules import can_open_person, holds_the_record, leads_the_area

_WORKING_ROLES = (Role.NHS_CONNECTOR, Role.COORDINATOR, Role.AREA_LEAD)
# An organisation's staff who may open its referrals whoever they are about: those who hold
# its records. An area lead's reach is their area, so they see a referral through its person.
RECORD_ROLES = (Role.NHS_CONNECTOR, Role.COORDINATOR)


def referral_org_ids(user) -> set[int]:
    """The organisations whose referrals this user works on, read once per request."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_referral_org_ids", None)
    if cached is None:
        cached = user.organisation_ids(*_WORKING_ROLES)
        user._referral_org_ids = cached
    return cached


def record_org_ids(user) -> set[int]:
    """The organisations whose referrals this user may open whoever they are about."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_referral_record_org_ids", None)
    if cached is None:
        cached = user.organisation_ids(*RECORD_ROLES)
        user._referral_record_org_ids = cached
    return cached


@rules.predicate
def receives_the_referral(user, referral) -> bool:
    """Works for the receiving organisation (an area lead too): may move the referral on,
    once they may see it."""
    return referral is not None and referral.to_organisation_id in referral_org_ids(user)


@rules.predicate
def made_the_referral(user, referral) -> bool:
    if referral is None or not user.is_authenticated:
        return False
    if referral.referred_by_id == user.pk:
        return True
    return referral.from_organisation_id is not None and (
        referral.from_organisation_id in referral_org_ids(user)
    )


@rules.predicate
def staff_of_either_side(user, referral) -> bool:
    """Made it, or is on the staff holding the records of the referring or receiving
    organisation."""
    if referral is None or not user.is_authenticated:
        return False
    if referral.referred_by_id == user.pk:
        return True
    org_ids = record_org_ids(user)
    return referral.to_organisation_id in org_ids or referral.from_organisation_id in org_ids


@rules.predicate
def may_see_the_person(user, referral) -> bool:
    """The people room's own rule for opening the person's record. Only staff: the referral
    page is their working note (safety notes, a concern's words), not the resident's view,
    which is their timeline."""
    return referral is not None and is_staff_role(user) and can_open_person(user, referral.person)


@rules.predicate
def works_for_the_service(user, service) -> bool:
    return service is not None and service.organisation_id in referral_org_ids(user)


# Exactly those who may see its person, plus the referring and receiving organisations'
# staff; ``Referral.objects.visible_to`` is the same rule as a query.
can_view_referral = is_platform_admin | staff_of_either_side | may_see_the_person

rules.add_perm("referrals.view_inbox", is_staff_role)
rules.add_perm("referrals.find_service", is_staff_role)
# Referring someone needs their record: a staff role that may open it.
rules.add_perm("referrals.make_referral", is_staff_role & can_open_person)
rules.add_perm("referrals.view_referral", can_view_referral)
rules.add_perm("referrals.change_status", can_view_referral)
rules.add_perm("referrals.manage_door", is_platform_admin | works_for_the_service)
rules.add_perm("referrals.record_strengths", is_platform_admin | holds_the_record | leads_the_area)
rules.add_perm("referrals.view_timeline", can_open_person)
# GP systems: an NHS connector's token (or an admin's) sends and reads FHIR.
rules.add_perm("referrals.fhir_import", is_platform_admin | is_nhs_connector)
rules.add_perm("referrals.fhir_export", (is_platform_admin | is_nhs_connector) & can_view_referral)


def statuses_for(user, referral) -> list[str]:
    """The statuses this user may move the referral to: the receiving side moves it on; the
    referring side may only close it (withdraw); an admin may do either."""
    from keepwell.referrals.models import Status

    following = list(referral.next_statuses())
    if is_platform_admin(user) or receives_the_referral(user, referral):
        return following
    if made_the_referral(user, referral) and Status.CLOSED in following:
        return [Status.CLOSED]
    return []
