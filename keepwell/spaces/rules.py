"""Who may do what with spaces.

Anyone, signed in or not, reads a space's timetable and finds free rooms: no personal data
is on them. A space's owner (its coordinators and NHS staff) decides its bookings and reads
how its estate is used; a group's coordinators book for it and see its own bookings.
"""

from __future__ import annotations

import rules

from keepwell.accounts.rules import is_platform_admin, is_signed_in
from keepwell.directory.models import Organisation
from keepwell.spaces import services
from keepwell.spaces.models import Booking, Space


@rules.predicate
def owns_space(user, obj) -> bool:
    if isinstance(obj, Booking):
        obj = obj.space
    return isinstance(obj, Space) and services.approves(user, obj)


@rules.predicate
def books_for_group(user, obj) -> bool:
    if isinstance(obj, Booking):
        return services.books_for(user, obj.organisation_id)
    return isinstance(obj, Organisation) and services.books_for(user, obj.pk)


@rules.predicate
def runs_organisation(user, obj) -> bool:
    return (
        isinstance(obj, Organisation)
        and user.is_authenticated
        and obj.pk in user.organisation_ids(*services.APPROVER_ROLES)
    )


@rules.predicate
def approves_any(user) -> bool:
    return services.approves_any(user)


@rules.predicate
def books_for_any(user) -> bool:
    return bool(services.booking_organisation_ids(user))


rules.add_perm("spaces.use_spaces", is_signed_in)
rules.add_perm("spaces.book", is_signed_in & (is_platform_admin | books_for_any))
rules.add_perm("spaces.approve", is_signed_in & (is_platform_admin | approves_any))
rules.add_perm("spaces.decide_booking", is_signed_in & owns_space)
rules.add_perm("spaces.view_booking", is_signed_in & (owns_space | books_for_group))
rules.add_perm("spaces.cancel_booking", is_signed_in & (owns_space | books_for_group))
rules.add_perm("spaces.group_bookings", is_signed_in & (is_platform_admin | books_for_group))
rules.add_perm("spaces.estate", is_signed_in & (is_platform_admin | runs_organisation))
rules.add_perm("spaces.manage_space", is_signed_in & owns_space)
