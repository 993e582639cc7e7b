"""Who may do what with community voice and practice reflections.

Anyone, signed in or not, raises and supports items and reads the public page. Staff (the
NHS and its partners) answer; coordinators, NHS connectors and admins moderate. A team's
reflection is its own: its staff and platform admins see it. The place-wide picture names
no team that did not agree, so every staff member and analyst may read it.
"""

from __future__ import annotations

import rules

from keepwell.accounts.models import STAFF_ROLES
from keepwell.accounts.rules import (
    has_role,
    is_coordinator,
    is_nhs_connector,
    is_platform_admin,
    is_signed_in,
    is_staff_role,
)
from keepwell.insights.voice.models import Reflection


def team_ids(user) -> set[int]:
    """The organisations whose reflections this user works on, read once per request."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_voice_team_ids", None)
    if cached is None:
        cached = user._voice_team_ids = user.organisation_ids(*STAFF_ROLES)
    return cached


@rules.predicate
def on_a_team(user) -> bool:
    return bool(team_ids(user))


@rules.predicate
def on_the_team(user, reflection) -> bool:
    return isinstance(reflection, Reflection) and reflection.organisation_id in team_ids(user)


# The analyst role (insights') reads figures about a place and nothing about any person.
is_analyst = has_role("analyst")

rules.add_perm("voice.use_voice", is_signed_in)
rules.add_perm("voice.answer", is_staff_role)
rules.add_perm("voice.moderate", is_platform_admin | is_nhs_connector | is_coordinator)
rules.add_perm("voice.reflect", on_a_team | is_platform_admin)
rules.add_perm("voice.view_reflections", on_a_team | is_platform_admin)
rules.add_perm("voice.view_reflection", on_the_team | is_platform_admin)
rules.add_perm("voice.view_place_reflections", is_staff_role | is_analyst)
rules.add_perm("voice.run_surveys", is_staff_role)
# Survey results are figures about people, suppressed: staff and analysts read them.
rules.add_perm("voice.view_survey_results", is_staff_role | is_analyst)
