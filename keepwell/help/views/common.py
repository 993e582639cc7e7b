"""What the help pages share: the page size, reading a form's POST, and the groups a user
arranges help for."""

from __future__ import annotations

from keepwell.accounts.models import Role
from keepwell.directory.models import Organisation

PAGE_SIZE = 25


def posted(request):
    """The POST data, or None for a GET: an empty POST is still a submission to check."""
    return request.POST if request.method == "POST" else None


def arranging_groups(user):
    """The groups a user arranges help for: those they coordinate or lead an area of."""
    if user.is_platform_admin:
        return Organisation.objects.filter(
            pk__in=Organisation.objects.filter(memberships__role=Role.COORDINATOR).values("pk")
        ).order_by("name")
    return Organisation.objects.filter(
        pk__in=user.organisation_ids(Role.COORDINATOR, Role.AREA_LEAD)
    ).order_by("name")


def coordinated_groups(user):
    if user.is_platform_admin:
        return arranging_groups(user)
    return Organisation.objects.filter(pk__in=user.organisation_ids(Role.COORDINATOR)).order_by(
        "name"
    )
