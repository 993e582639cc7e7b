"""Who may see and record outcomes."""

from __future__ import annotations

import rules

from keepwell.accounts.rules import is_platform_admin, is_staff_role
from keepwell.people.rules import can_open_person, holds_the_record, is_the_person, leads_the_area

# Cohort figures are aggregates (small groups hidden), for everyone who plans services.
rules.add_perm("outcomes.view_cohort", is_staff_role)
rules.add_perm("outcomes.view_person_outcomes", can_open_person)
# A coordinator records answers given on the phone; a resident may answer for herself.
rules.add_perm(
    "outcomes.record_answers", is_platform_admin | holds_the_record | leads_the_area | is_the_person
)
