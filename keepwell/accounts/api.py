from __future__ import annotations

from ninja import Router, Schema

router = Router(tags=["accounts"])
prefix = "/"


class MeOut(Schema):
    username: str
    name: str
    roles: list[str]


@router.get("/me", response=MeOut)
def me(request):
    """Who this token or session is, and its roles: a token carries no more than these."""
    user = request.user
    return {"username": user.username, "name": str(user), "roles": sorted(user.roles)}
