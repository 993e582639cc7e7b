from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

from keepwell.accounts.models import two_factor_required_for

# Pages a signed-in but not yet verified staff user may still reach.
_OPEN_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/static/", "/health/")


class TwoFactorRequiredMiddleware:
    """Staff who have signed in with a password must also pass a TOTP code before going on.

    The API is not covered: bearer tokens are their own second factor (created only by a
    signed-in, verified user, and revocable).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            two_factor_required_for(user)
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
            and not request.path.startswith("/api/")
        ):
            return redirect(f"{reverse('accounts:two_factor')}?next={request.get_full_path()}")
        return self.get_response(request)
