"""How a caller of /api/ proves who they are: a bearer token, or a signed-in browser session.

Named in this room's AppConfig (``api_auth``); keepwell.core.api reads them from there.
"""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from keepwell.accounts.models import is_signed_in
from keepwell.accounts.services import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class VerifiedSession(SessionAuth):
    """A browser session, once it counts as signed in (staff: after the one-time code)."""

    def _get_key(self, request):
        # With no signed-in session there is nothing for CSRF to protect: the caller gets
        # 401 (send a token or sign in), never a 403 about a CSRF cookie it never had.
        if not is_signed_in(request.user):
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        return request.user if is_signed_in(request.user) else None
