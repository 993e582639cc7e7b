"""Who may suggest matches and plan delivery rounds.

A coordinator may, for every area of the groups they coordinate (or all of them at once).
An area lead and their deputy may, for the areas they lead, for their group. The same goes
for seeing a run's proposals or a round's run sheets afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import rules

from keepwell.accounts.models import Role
from keepwell.accounts.rules import is_area_lead, is_coordinator, is_platform_admin


@dataclass(frozen=True)
class Scope:
    """A group, in one area (and the areas below it) or, with ``area_id`` None, in all."""

    organisation_id: int
    area_id: int | None


def _led(user) -> set[int]:
    cached = getattr(user, "_matching_led_areas", None)
    if cached is None:
        cached = user.led_area_ids()
        user._matching_led_areas = cached
    return cached


def _covers(user, organisation_id: int, area_id: int | None) -> bool:
    if not user.is_authenticated:
        return False
    if organisation_id in user.organisation_ids(Role.COORDINATOR):
        return True
    return (
        area_id is not None
        and area_id in _led(user)
        and organisation_id in user.organisation_ids(Role.AREA_LEAD)
    )


@rules.predicate
def covers_scope(user, scope) -> bool:
    return scope is not None and _covers(user, scope.organisation_id, scope.area_id)


@rules.predicate
def covers_object(user, obj) -> bool:
    """For a match run or a delivery round: its group and area."""
    return obj is not None and _covers(user, obj.organisation_id, obj.area_id)


@rules.predicate
def leads_an_area(user) -> bool:
    return user.is_authenticated and bool(_led(user))


# The menu and the start page: roles only.
rules.add_perm("matching.menu", is_platform_admin | is_coordinator | is_area_lead)
rules.add_perm("matching.start", is_platform_admin | is_coordinator | leads_an_area)
rules.add_perm("matching.run_for", is_platform_admin | covers_scope)
rules.add_perm("matching.view_run", is_platform_admin | covers_object)
rules.add_perm("matching.accept", is_platform_admin | covers_object)
rules.add_perm("matching.view_round", is_platform_admin | covers_object)
