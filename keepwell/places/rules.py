import rules

from keepwell.accounts.rules import is_platform_admin, is_staff_role

rules.add_perm("places.view_area", is_staff_role)
rules.add_perm("places.change_area", is_platform_admin)
