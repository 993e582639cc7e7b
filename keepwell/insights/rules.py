"""Who sees insights: analysts, and the staff who plan with them. The public page needs no rule.

Insights are counts with small numbers hidden, never a person, so the people who plan
services with an ICS see them; a volunteer or resident sees the public page instead.
"""

from __future__ import annotations

import rules

from keepwell.accounts.models import Role
from keepwell.accounts.rules import has_role, is_platform_admin, is_staff_role

is_analyst = has_role(Role.ANALYST)

rules.add_perm("insights.view_insights", is_analyst | is_staff_role | is_platform_admin)
