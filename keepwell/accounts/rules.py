"""Who may do what. Predicates read memberships; permissions combine them.

Object-level checks take the object: ``user.has_perm("people.view_person", person)``.
"""

from __future__ import annotations

import rules

from keepwell.accounts.models import STAFF_ROLES, Role


@rules.predicate
def is_platform_admin(user) -> bool:
    return user.is_authenticated and user.is_platform_admin


@rules.predicate
def is_staff_role(user) -> bool:
    return user.is_authenticated and bool(user.roles & STAFF_ROLES)


def has_role(*roles: str):
    @rules.predicate(name=f"has_role({','.join(roles)})")
    def predicate(user) -> bool:
        return user.is_authenticated and user.has_role(*roles)

    return predicate


is_coordinator = has_role(Role.COORDINATOR)
is_nhs_connector = has_role(Role.NHS_CONNECTOR)
is_area_lead = has_role(Role.AREA_LEAD)
is_volunteer = has_role(Role.VOLUNTEER)
is_member = has_role(Role.MEMBER)
is_signed_in = rules.is_authenticated

rules.add_perm("accounts.manage_own_tokens", is_signed_in)
