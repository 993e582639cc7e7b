"""Who may see and change a person's record."""

from __future__ import annotations

import rules

from keepwell.accounts.models import Role
from keepwell.accounts.rules import (
    is_area_lead,
    is_coordinator,
    is_nhs_connector,
    is_platform_admin,
    is_staff_role,
)


@rules.predicate
def is_the_person(user, person) -> bool:
    return person is not None and user.is_authenticated and person.user_id == user.pk


@rules.predicate
def holds_the_record(user, person) -> bool:
    """A coordinator or NHS connector of an organisation holding the record, or the GP."""
    if person is None or not user.is_authenticated:
        return False
    org_ids = user.organisation_ids(Role.COORDINATOR, Role.NHS_CONNECTOR)
    if not org_ids:
        return False
    if person.gp_practice_id in org_ids:
        return True
    return person.organisations.filter(pk__in=org_ids).exists()


@rules.predicate
def leads_the_area(user, person) -> bool:
    if person is None or person.area_id is None or not user.is_authenticated:
        return False
    return person.area_id in user.led_area_ids()


can_open_person = is_platform_admin | is_the_person | holds_the_record | leads_the_area


@rules.predicate
def holds_both_records(user, duplicate) -> bool:
    """A flagged duplicate and the record it may repeat are both held by the user's
    organisations: they may see both, so they may decide they are one person."""
    if duplicate is None or duplicate.possible_duplicate_of_id is None:
        return False
    return holds_the_record(user, duplicate) and holds_the_record(
        user, duplicate.possible_duplicate_of
    )


rules.add_perm("people.view_person", can_open_person)
rules.add_perm(
    "people.change_person", is_platform_admin | holds_the_record | leads_the_area | is_the_person
)
rules.add_perm(
    "people.add_person", is_platform_admin | is_coordinator | is_nhs_connector | is_area_lead
)
rules.add_perm("people.list_people", is_staff_role)
# Merging two records of one person: information governance (the platform admin), and a
# coordinator or NHS connector whose organisations hold both records.
rules.add_perm("people.list_duplicates", is_platform_admin | is_coordinator | is_nhs_connector)
rules.add_perm("people.merge_person", is_platform_admin | holds_both_records)
rules.add_perm("people.record_consent", is_platform_admin | holds_the_record | leads_the_area)
# The information-governance view of who saw a record: admins (IG leads) and the person.
rules.add_perm("audit.view_person_audit", is_platform_admin | is_the_person)
