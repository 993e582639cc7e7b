from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

from keepwell.accounts.models import is_signed_in

# Pages a signed-in but not yet verified staff user may still reach.
_OPEN_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/static/", "/health/")


class TwoFactorRequiredMiddleware:
    """Staff who have signed in with a password must also pass a TOTP code before going on.

    The API answers for itself (JSON, not a redirect): it accepts a session only once
    ``is_signed_in`` says so, and bearer tokens are their own second factor (created only by
    a signed-in, verified user, and revocable).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not is_signed_in(user)
            and not request.path.startswith(_OPEN_PREFIXES)
            and not request.path.startswith("/api/")
        ):
            return redirect(f"{reverse('accounts:two_factor')}?next={request.get_full_path()}")
        return self.get_response(request)
