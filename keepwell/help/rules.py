"""Who may do what in mutual aid.

A coordinator acts on every request of the groups they coordinate, in every area. An area
lead and their deputy act on their area's queue. A volunteer sees only the tasks offered to
them or held by them. A concern is seen by who raised it, who it was sent to, and the group's
coordinators; only the group's coordinators decide where its concerns are sent.
"""

from __future__ import annotations

import rules

from keepwell.accounts.models import Role
from keepwell.accounts.rules import (
    is_area_lead,
    is_coordinator,
    is_platform_admin,
    is_staff_role,
    is_volunteer,
)


@rules.predicate
def leads_an_area(user) -> bool:
    return user.is_authenticated and bool(_led(user))


def _led(user) -> set[int]:
    cached = getattr(user, "_help_led_areas", None)
    if cached is None:
        cached = user.led_area_ids()
        user._help_led_areas = cached
    return cached


def _coordinates(user, organisation_id) -> bool:
    return organisation_id in user.organisation_ids(Role.COORDINATOR)


@rules.predicate
def leads_this_area(user, area) -> bool:
    return area is not None and user.is_authenticated and area.pk in _led(user)


@rules.predicate
def runs_the_request(user, request) -> bool:
    """Coordinates the group the request belongs to, or leads its area."""
    if request is None or not user.is_authenticated:
        return False
    if _coordinates(user, request.organisation_id):
        return True
    return request.area_id is not None and request.area_id in _led(user)


@rules.predicate
def runs_the_task(user, task) -> bool:
    return task is not None and runs_the_request(user, task.request)


@rules.predicate
def is_the_tasks_volunteer(user, task) -> bool:
    """Offered the task and yet to answer, or holding it, or did it."""
    if task is None or not user.is_authenticated:
        return False
    volunteer = volunteer_of(user)
    if volunteer is None:
        return False
    if task.volunteer_id == volunteer.pk:
        return True
    return task.offers.filter(volunteer=volunteer, status="pending").exists()


def volunteer_of(user):
    """The user's volunteer profile or None, looked up once per request-bound user."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_help_volunteer"):
        from keepwell.help.models import Volunteer

        user._help_volunteer = Volunteer.objects.filter(user=user).first()
    return user._help_volunteer


@rules.predicate
def has_volunteer_profile(user) -> bool:
    return volunteer_of(user) is not None


@rules.predicate
def manages_volunteer(user, volunteer) -> bool:
    if volunteer is None or not user.is_authenticated:
        return False
    org_ids = user.organisation_ids(Role.COORDINATOR)
    return volunteer.organisations.filter(pk__in=org_ids).exists()


@rules.predicate
def sees_volunteer(user, volunteer) -> bool:
    if volunteer is None or not user.is_authenticated:
        return False
    if volunteer.user_id == user.pk:
        return True
    org_ids = user.organisation_ids(Role.COORDINATOR, Role.AREA_LEAD)
    return volunteer.organisations.filter(pk__in=org_ids).exists()


@rules.predicate
def is_concern_contact(user, concern) -> bool:
    return (
        concern is not None
        and user.is_authenticated
        and concern.routed_to_id is not None
        and concern.routed_to.user_id == user.pk
    )


@rules.predicate
def raised_the_concern(user, concern) -> bool:
    return concern is not None and user.is_authenticated and concern.raised_by_id == user.pk


@rules.predicate
def coordinates_the_concern(user, concern) -> bool:
    return (
        concern is not None
        and user.is_authenticated
        and _coordinates(user, concern.organisation_id)
    )


@rules.predicate
def leads_the_concerns_area(user, concern) -> bool:
    return concern is not None and concern.area_id is not None and concern.area_id in _led(user)


@rules.predicate
def triages_the_public_request(user, public_request) -> bool:
    if public_request is None or not user.is_authenticated:
        return False
    if _coordinates(user, public_request.organisation_id):
        return True
    return public_request.area_id is not None and public_request.area_id in _led(user)


@rules.predicate
def coordinates_the_group(user, organisation) -> bool:
    return (
        organisation is not None and user.is_authenticated and _coordinates(user, organisation.pk)
    )


@rules.predicate
def is_a_concern_contact(user) -> bool:
    return user.is_authenticated and user.concern_contacts.exists()


runs_help = is_platform_admin | is_coordinator | leads_an_area

rules.add_perm("help.view_dashboard", runs_help)
rules.add_perm("help.take_calls", runs_help)
rules.add_perm("help.view_queue", is_platform_admin | is_coordinator | leads_this_area)
rules.add_perm("help.view_request", is_platform_admin | runs_the_request)
rules.add_perm("help.change_request", is_platform_admin | runs_the_request)
rules.add_perm("help.change_task", is_platform_admin | runs_the_task)
rules.add_perm("help.triage", runs_help)
rules.add_perm("help.triage_request", is_platform_admin | triages_the_public_request)
rules.add_perm("help.import_nhs_list", is_platform_admin | is_coordinator)

rules.add_perm("help.list_volunteers", runs_help)
rules.add_perm("help.add_volunteer", is_platform_admin | is_coordinator)
rules.add_perm("help.view_volunteer", is_platform_admin | sees_volunteer)
rules.add_perm("help.change_volunteer", is_platform_admin | manages_volunteer)

rules.add_perm("help.view_my_tasks", is_volunteer | has_volunteer_profile)
rules.add_perm("help.respond_to_task", is_the_tasks_volunteer)
rules.add_perm("help.raise_concern", is_the_tasks_volunteer | is_platform_admin | runs_the_task)

rules.add_perm("help.view_concerns", is_staff_role | is_volunteer | is_a_concern_contact)
rules.add_perm(
    "help.view_concern",
    is_platform_admin
    | raised_the_concern
    | is_concern_contact
    | coordinates_the_concern
    | leads_the_concerns_area,
)
rules.add_perm(
    "help.act_on_concern", is_platform_admin | is_concern_contact | coordinates_the_concern
)
# Where a group's concerns go: its contacts and routing rules. Leads and deputies act on
# concerns but do not decide where the group's concerns are sent.
rules.add_perm("help.manage_concern_routing", is_platform_admin | coordinates_the_group)

# The menu: roles only, so showing it costs no queries beyond the user's memberships.
rules.add_perm("help.menu_dashboard", is_platform_admin | is_coordinator | is_area_lead)
rules.add_perm("help.menu_my_tasks", is_volunteer)
rules.add_perm(
    "help.menu_concerns", is_platform_admin | is_coordinator | is_area_lead | is_volunteer
)
rules.add_perm("help.menu_concern_routing", is_platform_admin | is_coordinator)
