"""FHIR for GP systems: read a referral as a Bundle, or send one in.

Mounted at the API's root (``prefix = "/"``) so the paths are exactly
``/api/referrals/{id}/fhir`` and ``/api/fhir/Bundle``.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.urls import reverse
from ninja import Router, Schema
from pydantic import ConfigDict

from keepwell.core.api import error_format
from keepwell.referrals import fhir
from keepwell.referrals.models import Referral

prefix = "/"
router = Router(tags=["referrals"])

FHIR_JSON = "application/fhir+json"
ACCEPTED_TYPES = {"application/fhir+json", "application/json"}


class OutcomeIssue(Schema):
    severity: Literal["fatal", "error", "warning", "information"]
    code: str  # a FHIR issue type: structure, required, value, too-long, forbidden, ...
    diagnostics: str
    expression: list[str] | None = None  # where, e.g. Bundle.entry[1].resource.name[0]


class OperationOutcome(Schema):
    """FHIR R4 OperationOutcome: why a FHIR request was refused, one issue per problem."""

    media_type: ClassVar[str] = FHIR_JSON
    resourceType: Literal["OperationOutcome"]
    issue: list[OutcomeIssue]


class FhirBundle(Schema):
    """A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html), outlined: keepwell validates
    the whole of it with fhir.resources."""

    model_config = ConfigDict(extra="allow")
    media_type: ClassVar[str] = FHIR_JSON
    resourceType: Literal["Bundle"]
    type: str
    entry: list[dict[str, Any]]


FHIR_ERRORS: dict[int, Any] = {
    401: OperationOutcome,
    403: OperationOutcome,
    404: OperationOutcome,
    422: OperationOutcome,
}


def _fhir(data: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data), status=status, content_type=f"{FHIR_JSON}; charset=utf-8")


def _outcome(problems: list[fhir.Problem], status: int) -> HttpResponse:
    return _fhir(fhir.operation_outcome(problems), status)


_ISSUE_CODE = {401: "login", 403: "forbidden", 404: "not-found", 413: "too-costly"}


def _is_fhir_path(path: str) -> bool:
    return path.startswith("/api/fhir/") or (
        path.startswith("/api/referrals/") and path.rstrip("/").endswith("/fhir")
    )


def _fhir_error(status: int, message: str, errors: list[dict[str, Any]]) -> HttpResponse:
    """The API's own errors (no token, CSRF, invalid parameters) on FHIR routes, as FHIR
    clients expect them: an OperationOutcome, never keepwell's plain JSON."""
    if errors:
        problems = [
            fhir.Problem(str(e.get("msg", message)), ".".join(map(str, e.get("loc", ()))) or None)
            for e in errors
        ]
    else:
        problems = [fhir.Problem(message, None, _ISSUE_CODE.get(status, "invalid"))]
    return _outcome(problems, status)


error_format(_is_fhir_path, _fhir_error)


@router.get(
    "referrals/{referral_id}/fhir",
    response={200: FhirBundle, **FHIR_ERRORS},
    summary="A referral as a FHIR R4 Bundle",
    description="ServiceRequest, Patient, Organization(s) and a Task carrying its status, "
    "following UK Core. Needs an NHS connector's (or an admin's) token.",
)
def referral_as_fhir(request, referral_id: int):
    referral = (
        Referral.objects.for_list()
        .select_related("language", "person__gp_practice")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        return _outcome([fhir.Problem("No such referral", None, "not-found")], 404)
    if not request.user.has_perm("referrals.fhir_export", referral):
        return _outcome([fhir.Problem("You may not export this referral", None, "forbidden")], 403)
    return _fhir(fhir.exported_bundle(referral, by=request.user))


@router.post(
    "fhir/Bundle",
    response={
        201: FhirBundle,
        400: OperationOutcome,
        401: OperationOutcome,
        403: OperationOutcome,
        413: OperationOutcome,
        415: OperationOutcome,
        422: OperationOutcome,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media_type: {"schema": {"$ref": "#/components/schemas/FhirBundle"}}
                for media_type in sorted(ACCEPTED_TYPES)
            },
        }
    },
    summary="Send a referral as a FHIR R4 Bundle",
    description="A Bundle holding one ServiceRequest (performer: a keepwell service by its "
    "identifier), its Patient and the requesting Organization. Body as application/fhir+json "
    "or application/json. Answers 201 with the referral as a Bundle, or an OperationOutcome "
    "naming each problem (400 malformed, 413 over the size limit, 415 not JSON, 422 refused "
    "by the service) and nothing is created.",
)
def create_from_fhir(request):
    if not request.user.has_perm("referrals.fhir_import"):
        return _outcome(
            [
                fhir.Problem(
                    "Only an NHS connector or an admin may send referrals", None, "forbidden"
                )
            ],
            403,
        )
    content_type = request.content_type or ""
    if content_type not in ACCEPTED_TYPES:
        return _outcome(
            [
                fhir.Problem(
                    f"Send application/fhir+json, not {content_type or 'nothing'}",
                    None,
                    "not-supported",
                )
            ],
            415,
        )
    try:
        body = request.body
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return _outcome([fhir.Problem(f"The body is over {limit:,} bytes", None, "too-long")], 413)
    try:
        referral = fhir.create_from_bundle(body, by=request.user)
    except fhir.BundleRejected as rejected:
        return _outcome(rejected.problems, rejected.status)
    referral = (
        Referral.objects.for_list()
        .select_related("language", "person__gp_practice")
        .get(pk=referral.pk)
    )
    response = _fhir(fhir.referral_bundle(referral), 201)
    response["Location"] = reverse("api:referral_as_fhir", kwargs={"referral_id": referral.pk})
    return response
