"""Who may do what in messaging. Object checks take the person the messages are about."""

from __future__ import annotations

import rules

from keepwell.accounts.rules import (
    is_area_lead,
    is_coordinator,
    is_nhs_connector,
    is_platform_admin,
    is_staff_role,
)
from keepwell.people.rules import can_open_person, is_the_person

# Staff who work with people's messages: their conversations are visible where the person is.
staff_who_may_open = is_staff_role & can_open_person

# Everyone signed in has an inbox: staff for their organisations, a person for their own notes.
rules.add_perm("messaging.view_inbox", rules.is_authenticated)
rules.add_perm("messaging.view_outbox", is_platform_admin | is_coordinator | is_nhs_connector)
rules.add_perm("messaging.view_conversation", staff_who_may_open)
rules.add_perm(
    "messaging.reply", (is_coordinator | is_nhs_connector | is_platform_admin) & can_open_person
)
rules.add_perm("messaging.view_replies", is_coordinator | is_nhs_connector | is_platform_admin)
rules.add_perm("messaging.make_calls", is_coordinator | is_nhs_connector | is_platform_admin)
rules.add_perm(
    "messaging.edit_preferences",
    is_the_person
    | ((is_coordinator | is_nhs_connector | is_platform_admin | is_area_lead) & can_open_person),
)
# Coordinators and connectors reach their own people; area leads, their neighbourhoods' residents.
rules.add_perm(
    "messaging.send_broadcast", is_coordinator | is_nhs_connector | is_area_lead | is_platform_admin
)
rules.add_perm(
    "messaging.view_audit", is_coordinator | is_nhs_connector | is_area_lead | is_platform_admin
)
rules.add_perm("messaging.log_by_hand", is_coordinator | is_nhs_connector | is_platform_admin)
rules.add_perm("messaging.review_channels", is_coordinator | is_nhs_connector | is_platform_admin)
rules.add_perm("messaging.translate_templates", is_coordinator | is_platform_admin)
rules.add_perm("messaging.approve_templates", is_coordinator | is_platform_admin)
