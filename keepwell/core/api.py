"""The JSON API at /api/: who is calling, permission checks, and JSON errors everywhere.

Each capability contributes ``router`` (and optionally ``prefix``) in its own ``api.py``;
they are mounted here in INSTALLED_APPS order. How callers authenticate (a bearer token or a
signed-in session) is named in the accounts AppConfig's ``api_auth``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import (
    ImproperlyConfigured,
    PermissionDenied,
    RequestDataTooBig,
    ValidationError,
)
from django.http import Http404, HttpResponse
from django.utils.module_loading import import_string
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.params.models import BodyModel
from ninja.security import APIKeyCookie

from keepwell.core.permissions import require as require  # API routers import it from here


def _authentication() -> list:
    """How a caller may prove who they are, tried in order: the room that signs people in
    names its classes in its AppConfig's ``api_auth`` (accounts: a bearer token, then a
    session), so core names no room."""
    found = [
        import_string(path)()
        for config in apps.get_app_configs()
        for path in getattr(config, "api_auth", ())
    ]
    if not found:
        # Without one every route would answer anyone: refuse to start instead.
        raise ImproperlyConfigured("No installed app names any api_auth for /api/")
    return found


class Error(Schema):
    """Every JSON error /api/ answers with: what went wrong, and for invalid input (422) each
    problem with where it is (``loc``) and what is wrong (``msg``)."""

    message: str
    errors: list[dict[str, Any]] | None = None


class _Document(OpenAPISchema):
    """The OpenAPI document, with each response under the media type its schema is sent as
    (a schema may say ``media_type = "application/fhir+json"``; JSON otherwise)."""

    def responses(self, operation) -> dict:
        result = super().responses(operation)
        for status, details in result.items():
            model = operation.response_models.get(status)
            field = getattr(model, "model_fields", {}).get("response")
            media_type = getattr(getattr(field, "annotation", None), "media_type", None)
            if media_type and "content" in details:
                details["content"] = {media_type: details["content"].popitem()[1]}
        return result


def _csrf_checked(operation) -> bool:
    """Whether Ninja checks a CSRF token for this operation: a session may call it and it
    changes something. A signed-in session's call without the token is refused with a 403
    ("CSRF check Failed") before any view runs; with no session nor token it is a 401."""
    unsafe = set(operation.methods) - {"GET", "HEAD", "OPTIONS", "TRACE"}
    cookie = any(isinstance(auth, APIKeyCookie) and auth.csrf for auth in operation.auth_callbacks)
    return bool(unsafe) and cookie


class KeepwellAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return _Document(self, path_prefix)


api = KeepwellAPI(
    title="keepwell API",
    version="1",
    description="People, help, referrals and the time bank, for GP systems and scripts. "
    "Authenticate with `Authorization: Bearer kw_…` (create a token on your account page).",
    # Signed-in browser sessions may call the API too (Ninja checks CSRF for them), but a
    # staff session only once two-factor has passed: a password alone reads nothing.
    auth=_authentication(),
    urls_namespace="api",
)


# A room whose routes speak another error format (FHIR's OperationOutcome) registers how to
# render an error for the paths it owns; every other route answers the JSON ``Error``.
ErrorRenderer = Callable[[int, str, list[dict[str, Any]]], HttpResponse]
_ERROR_FORMATS: list[tuple[Callable[[str], bool], ErrorRenderer]] = []


def error_format(owns: Callable[[str], bool], render: ErrorRenderer) -> None:
    """Errors the handlers below answer for a path ``owns(path)`` accepts are rendered by
    ``render(status, message, errors)`` (``errors``: Ninja's list for invalid input)."""
    _ERROR_FORMATS.append((owns, render))


def _error(request, status: int, message: str, **extra):
    for owns, render in _ERROR_FORMATS:
        if owns(request.path):
            return render(status, message, list(extra.get("errors") or []))
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


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _error(request, 413, f"The request body is over {limit:,} bytes")


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


def _document_common_errors() -> None:
    """Every operation documents the errors the handlers above answer for it, whatever its
    own ``response`` says: 401 when it needs a token or session, 422 when it takes
    parameters, 400 (a body that is not JSON) and 413 (over DATA_UPLOAD_MAX_MEMORY_SIZE)
    when Ninja reads a body for it, and 403 when it checks a session's CSRF token. Other
    403s, 404 and 409 depend on what the view checks, so each operation declares those."""
    # The routers as mounted (Ninja 1.7 binds a copy of each, with the API's auth, once all
    # are added): the operations served and documented are these. _create_response_model
    # wraps Error as Ninja wraps each schema given in ``response``.
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                common = []
                if operation.auth_callbacks:
                    common.append(401)
                if operation.models:
                    common.append(422)
                if any(issubclass(model, BodyModel) for model in operation.models):
                    common += [400, 413]
                if _csrf_checked(operation):
                    common.append(403)
                for status in common:
                    if status not in operation.response_models:
                        operation.response_models[status] = operation._create_response_model(Error)


_mount_routers()
_document_common_errors()
