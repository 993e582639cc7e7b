"""Who may see and do what with expense claims.

A claim is seen by its claimant, by whoever filled it in for them, and by the coordinators
of the organisation it is made to (they approve it; platform admins too). A claimant never
decides their own claim. Nobody else sees any of it: not other groups, not the public.
"""

from __future__ import annotations

import rules

from keepwell.accounts.rules import is_platform_admin
from keepwell.funding.expenses import services
from keepwell.funding.expenses.models import ExpenseClaim, ExpenseLine, PaidRole, SessionLog


def _claim_of(obj) -> ExpenseClaim | None:
    if isinstance(obj, ExpenseClaim):
        return obj
    if isinstance(obj, ExpenseLine | SessionLog):
        return obj.claim
    return None


def _organisation_id(obj) -> int | None:
    claim = _claim_of(obj)
    if claim is not None:
        return claim.organisation_id
    if isinstance(obj, PaidRole):
        return obj.organisation_id
    return getattr(obj, "pk", None) if obj is not None else None


@rules.predicate
def belongs_to_an_organisation(user) -> bool:
    return user.is_authenticated and bool(user.organisation_ids())


@rules.predicate
def coordinates_a_group(user) -> bool:
    return bool(services.approves_for(user))


@rules.predicate
def approves_it(user, obj) -> bool:
    organisation_id = _organisation_id(obj)
    return organisation_id is not None and organisation_id in services.approves_for(user)


@rules.predicate
def claims_it(user, obj) -> bool:
    claim = _claim_of(obj)
    return (
        claim is not None
        and user.is_authenticated
        and user.pk in (claim.claimant_id, claim.created_by_id)
    )


@rules.predicate
def is_draft(user, obj) -> bool:
    claim = _claim_of(obj)
    return claim is not None and claim.state == ExpenseClaim.State.DRAFT


@rules.predicate
def is_submitted_by_someone_else(user, obj) -> bool:
    claim = _claim_of(obj)
    return (
        claim is not None
        and claim.state == ExpenseClaim.State.SUBMITTED
        and claim.claimant_id != user.pk
    )


approver = is_platform_admin | approves_it

rules.add_perm("expenses.claim", belongs_to_an_organisation | is_platform_admin)
rules.add_perm("expenses.approve_any", is_platform_admin | coordinates_a_group)
rules.add_perm("expenses.view_claim", approver | claims_it)
rules.add_perm("expenses.change_claim", is_draft & (approver | claims_it))
rules.add_perm("expenses.decide_claim", is_submitted_by_someone_else & approver)
# obj: an organisation (its limits, paid roles and payment files) or a paid role.
rules.add_perm("expenses.manage", approver)
