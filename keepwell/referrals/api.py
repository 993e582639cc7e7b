"""FHIR for GP systems: read a referral as a Bundle, send one in, or send a BaRS message.

Mounted at the API's root (``prefix = "/"``) so the paths are exactly
``/api/referrals/{id}/fhir``, ``/api/fhir/Bundle`` and ``/api/fhir/$process-message``.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.urls import reverse
from ninja import Router, Schema
from ninja.throttling import UserRateThrottle
from pydantic import ConfigDict

from keepwell.core.api import error_format
from keepwell.referrals import fhir
from keepwell.referrals.bars import answers as bars_answers
from keepwell.referrals.bars import receiving as bars
from keepwell.referrals.bars.mapping import TARGET_HEADER
from keepwell.referrals.bars.message import error as bars_error
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


_ISSUE_CODE = {
    401: "login",
    403: "forbidden",
    404: "not-found",
    413: "too-costly",
    429: "throttled",
}


class BarsSenderThrottle(UserRateThrottle):
    """Each BaRS sender (a token's user) may post ``KEEPWELL_BARS_RATE`` messages ("300/m");
    beyond it the answer is 429 with Retry-After (BaRS's REC_TOO_MANY_REQUESTS, which
    senders retry). Counted in the shared cache, so every web process counts alike."""

    scope = "bars"

    def __init__(self):
        super().__init__(settings.KEEPWELL_BARS_RATE)

    def allow_request(self, request) -> bool:
        self.num_requests, self.duration = self.parse_rate(settings.KEEPWELL_BARS_RATE)
        return super().allow_request(request)


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


def _is_bars_path(path: str) -> bool:
    return path.rstrip("/") == bars.PATH


def _bars_error(status: int, message: str, errors: list[dict[str, Any]]) -> HttpResponse:
    """The API's own errors on $process-message, as BaRS answers them (its error codes)."""
    code = _ISSUE_CODE.get(status, "invalid")
    issues = [
        bars_error(str(e.get("msg", message)), ".".join(map(str, e.get("loc", ()))) or None, code)
        for e in errors
    ] or [bars_error(message, None, code)]
    return _fhir(bars_answers.outcome(issues, status), status)


# BaRS first: the first format whose path matches renders the error.
error_format(_is_bars_path, _bars_error)
error_format(_is_fhir_path, _fhir_error)


def _body_or_refusal(request, outcome) -> bytes | HttpResponse:
    """The request's JSON body, or the FHIR answer refusing it: 415 when it is not JSON, 413
    when it is over the size limit."""
    content_type = request.content_type or ""
    if content_type not in ACCEPTED_TYPES:
        problem = f"Send application/fhir+json, not {content_type or 'nothing'}"
        return outcome(problem, "not-supported", 415)
    try:
        return request.body
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return outcome(f"The body is over {limit:,} bytes", "too-long", 413)


def _refusal(diagnostics: str, code: str, status: int) -> HttpResponse:
    return _outcome([fhir.Problem(diagnostics, None, code)], status)


def _bars_refusal(diagnostics: str, code: str, status: int) -> HttpResponse:
    return _fhir(
        bars_answers.outcome([bars_error(diagnostics, None, code, status)], status), status
    )


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
    body = _body_or_refusal(request, _refusal)
    if isinstance(body, HttpResponse):
        return body
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


@router.post(
    "fhir/$process-message",
    response={
        200: FhirBundle,
        400: OperationOutcome,
        401: OperationOutcome,
        403: OperationOutcome,
        404: OperationOutcome,
        409: OperationOutcome,
        413: OperationOutcome,
        415: OperationOutcome,
        422: OperationOutcome,
        429: OperationOutcome,
    },
    throttle=[BarsSenderThrottle()],
    openapi_extra={
        "parameters": [
            {
                "name": TARGET_HEADER,
                "in": "header",
                "required": False,
                "description": "The receiving service, as the BaRS proxy names it: base64 of "
                '{"system": ..., "value": ...}, the system keepwell\'s service identifier '
                "system or https://fhir.nhs.uk/Id/ods-organization-code.",
                "schema": {"type": "string"},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {
                media_type: {"schema": {"$ref": "#/components/schemas/FhirBundle"}}
                for media_type in sorted(ACCEPTED_TYPES)
            },
        },
    },
    summary="Receive a BaRS message (Booking and Referral Standard)",
    description="A FHIR R4 Bundle of type message whose MessageHeader (event "
    "servicerequest-request; reason new, update or cancel) has a ServiceRequest as its focus. "
    "A new referral is made for the service named by the performer or the "
    "NHSD-Target-Identifier header; update and cancel change the referral the same sender "
    "made under that ServiceRequest identifier; a ServiceRequest of category validation asks "
    "whether the service would take it and makes nothing. Any other resource is kept with "
    "the message and listed as a warning. The same message id again gets the same answer. "
    "Answers 200 with a response message (MessageHeader, OperationOutcome of warnings, the "
    "referral), or an OperationOutcome naming each problem by FHIRPath: 400 malformed, 404 "
    "no such service or referral, 409 a message id reused with another body or a referral "
    "already closed, 413 over the size limit, 415 not JSON, 422 refused by the service, "
    "429 more than the sender's rate (KEEPWELL_BARS_RATE), with Retry-After; nothing is "
    "written. A servicerequest-response answering a referral keepwell sent moves that "
    "referral (403 when it went to another practice).",
)
def process_message(request):
    if not request.user.has_perm("referrals.fhir_import"):
        return _bars_refusal(
            "Only an NHS connector or an admin may send referrals", "forbidden", 403
        )
    body = _body_or_refusal(request, _bars_refusal)
    if isinstance(body, HttpResponse):
        return body
    answer = bars.receive(
        body, by=request.user, target_header=request.headers.get(TARGET_HEADER, "")
    )
    return _fhir(answer.body, answer.status)
