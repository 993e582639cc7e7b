"""Who may do what in the directory.

* Everyone, signed in or not, reads the public directory: published listings, never a
  confidential address, never relationship data.
* Staff (platform admins, NHS connectors, coordinators, area leads) also see each
  organisation's relationship status and owner, the mapping view and the review queue.
* The mapping team — NHS connectors, platform admins, and coordinators of a local
  infrastructure organisation (the report's partner for the mapping exercise) — adds
  organisations, keeps the relationship log and changes relationship status.
* An organisation's coordinators edit its listings and decide on suggested changes to
  them; platform admins may do both for any organisation.
* Anyone signed in may suggest a change to a listing.
* A confidential address is shown to the organisation's coordinators, NHS connectors and
  platform admins only.
"""

from __future__ import annotations

import rules

from keepwell.accounts.models import Role
from keepwell.accounts.rules import (
    is_nhs_connector,
    is_platform_admin,
    is_signed_in,
    is_staff_role,
)


def _org_of(obj):
    if obj is None:
        return None
    return getattr(obj, "organisation", obj)


@rules.predicate
def coordinates_it(user, obj) -> bool:
    """A coordinator of the organisation (of a service, location or suggestion, or itself)."""
    org = _org_of(obj)
    if org is None or not user.is_authenticated:
        return False
    return org.pk in user.organisation_ids(Role.COORDINATOR)


@rules.predicate
def coordinates_infrastructure(user) -> bool:
    if not user.is_authenticated:
        return False
    from keepwell.directory.models import Organisation, OrganisationKind

    ids = user.organisation_ids(Role.COORDINATOR)
    return (
        bool(ids)
        and Organisation.objects.filter(pk__in=ids, kind=OrganisationKind.INFRASTRUCTURE).exists()
    )


@rules.predicate
def coordinates_any(user) -> bool:
    return user.is_authenticated and bool(user.organisation_ids(Role.COORDINATOR))


is_mapping_team = is_platform_admin | is_nhs_connector | coordinates_infrastructure

rules.add_perm("directory.view_directory", rules.always_allow)
rules.add_perm("directory.view_relationships", is_staff_role)
rules.add_perm("directory.view_mapping", is_staff_role)
rules.add_perm("directory.view_review_queue", is_staff_role)
rules.add_perm("directory.view_history", is_staff_role)
rules.add_perm("directory.add_organisation", is_mapping_team)
rules.add_perm("directory.change_organisation", is_platform_admin | coordinates_it)
rules.add_perm("directory.add_service", is_platform_admin | coordinates_it)
rules.add_perm("directory.change_service", is_platform_admin | coordinates_it)
rules.add_perm("directory.import_services", is_platform_admin | coordinates_it)
rules.add_perm("directory.link_organisations", is_mapping_team | coordinates_it)
rules.add_perm("directory.view_interactions", is_mapping_team)
rules.add_perm("directory.log_interaction", is_mapping_team)
rules.add_perm("directory.change_relationship", is_mapping_team)
rules.add_perm("directory.view_follow_ups", is_mapping_team)
rules.add_perm("directory.suggest_change", is_signed_in)
rules.add_perm("directory.review_suggestions", is_platform_admin | coordinates_any)
rules.add_perm("directory.decide_suggestion", is_platform_admin | coordinates_it)
rules.add_perm(
    "directory.view_confidential_address", is_platform_admin | is_nhs_connector | coordinates_it
)
