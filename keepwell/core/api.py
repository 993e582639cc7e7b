"""The JSON API at /api/: bearer tokens, permission checks, and JSON errors everywhere.

Each capability contributes ``router`` (and optionally ``prefix``) in its own ``api.py``;
they are mounted here in INSTALLED_APPS order.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
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

    def authenticate(self, request, key):
        return request.user if is_signed_in(request.user) else None


api = NinjaAPI(
    title="keepwell API",
    version="1",
    description="People, help, referrals and the time bank, for GP systems and scripts. "
    "Authenticate with `Authorization: Bearer kw_…` (create a token on your account page).",
    # Signed-in browser sessions may call the API too (Ninja checks CSRF for them), but a
    # staff session only once two-factor has passed: a password alone reads nothing.
    auth=[BearerToken(), VerifiedSession()],
    urls_namespace="api",
)


def _error(request, status: int, message: str, **extra):
    return api.create_response(request, {"message": message, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, "Sign in or send a valid API token")


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return _error(request, 403, str(exc) or "You do not have permission to do that")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "Not found")


@api.exception_handler(NinjaValidationError)
def on_invalid(request, exc):
    return _error(request, 422, "The request is not valid", errors=exc.errors)


@api.exception_handler(ValidationError)
def on_django_invalid(request, exc):
    return _error(request, 400, "; ".join(exc.messages))


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    return _error(request, exc.status_code, str(exc))


def require(request, perm: str, obj=None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied("You do not have permission to do that")


def _mount_routers() -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("keepwell.") or config.label == "core":
            continue
        try:
            module = import_module(f"{config.name}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.api":
                raise
            continue
        router = getattr(module, "router", None)
        if router is not None:
            api.add_router(getattr(module, "prefix", f"/{config.label}/"), router)


_mount_routers()
