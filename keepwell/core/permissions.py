"""The one permission check every room's views and API routes make."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


def require(request, perm: str, obj=None) -> None:
    """Refuse (403) unless the signed-in user has ``perm``, on ``obj`` when given."""
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied("You do not have permission to do that")
