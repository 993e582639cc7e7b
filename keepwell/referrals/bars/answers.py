"""What keepwell answers a BaRS sender, shaped as the specification's examples are: an
OperationOutcome whose issues carry the BaRS error code (``REC_BAD_REQUEST``, ...) and a
FHIRPath to each problem, or on success a response message: a MessageHeader answering the
sender's message, the OperationOutcome of warnings, and the referral as keepwell holds it.

Pure: imports no Django; the receiving service hands it plain values.
"""

from __future__ import annotations

from collections.abc import Sequence

from keepwell.referrals.bars.message import Issue, Message

ERROR_SYSTEM = "https://fhir.nhs.uk/Codesystem/http-error-codes"
OUTCOME_PROFILE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-OperationOutcome"
BUNDLE_PROFILE = "https://fhir.nhs.uk/StructureDefinition/BARSBundleMessage"
HEADER_PROFILE = "https://fhir.nhs.uk/StructureDefinition/BARSMessageHeader-servicerequest-response"
# The BaRS error code of each HTTP status keepwell answers a receiver's request with.
ERROR_CODES = {
    400: "REC_BAD_REQUEST",
    401: "REC_UNAUTHORIZED",
    403: "REC_FORBIDDEN",
    404: "REC_NOT_FOUND",
    409: "REC_CONFLICT",
    413: "REC_BAD_REQUEST",
    415: "REC_BAD_REQUEST",
    422: "REC_UNPROCESSABLE_ENTITY",
    429: "REC_TOO_MANY_REQUESTS",
}


def _issue(issue: Issue, status: int) -> dict:
    found: dict = {"severity": issue.severity, "code": issue.code}
    if issue.severity in ("error", "fatal"):
        code = ERROR_CODES.get(status, "REC_BAD_REQUEST")
        found["details"] = {"coding": [{"system": ERROR_SYSTEM, "code": code}]}
    found["diagnostics"] = issue.diagnostics
    if issue.expression:
        found["expression"] = [issue.expression]
    return found


def outcome(issues: Sequence[Issue], status: int, *, outcome_id: str = "") -> dict:
    """An OperationOutcome of ``issues``, the errors coded for ``status``."""
    found: dict = {"resourceType": "OperationOutcome"}
    if outcome_id:
        found["id"] = outcome_id
    found["meta"] = {"profile": [OUTCOME_PROFILE]}
    found["issue"] = [_issue(issue, status) for issue in issues]
    return found


def acknowledgement(
    message: Message,
    *,
    answer_id: str,
    outcome_id: str,
    timestamp: str,
    endpoint: str,
    issues: Sequence[Issue],
    resources: Sequence[dict] = (),
) -> dict:
    """The response message to ``message``: a MessageHeader whose ``response`` names the
    sender's message and says ``ok``, the OperationOutcome of ``issues`` (warnings and
    information), then ``resources`` (the referral as keepwell now holds it; the first is the
    focus)."""
    outcome_url = f"urn:uuid:{outcome_id}"
    header: dict = {
        "resourceType": "MessageHeader",
        "id": answer_id,
        "meta": {"profile": [HEADER_PROFILE]},
        "eventCoding": {"system": message.event_system, "code": message.event},
        "source": {"name": "keepwell", "software": "keepwell", "endpoint": endpoint},
        "response": {
            "identifier": message.message_id,
            "code": "ok",
            "details": {"reference": outcome_url},
        },
    }
    if message.source_endpoint:
        header["destination"] = [{"endpoint": message.source_endpoint}]
    entries = [
        {"fullUrl": f"urn:uuid:{answer_id}", "resource": header},
        {"fullUrl": outcome_url, "resource": outcome(issues, 200, outcome_id=outcome_id)},
    ]
    for resource in resources:
        entries.append({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource})
    if resources:
        header["focus"] = [{"reference": f"urn:uuid:{resources[0]['id']}"}]
    return {
        "resourceType": "Bundle",
        "id": answer_id,
        "meta": {"profile": [BUNDLE_PROFILE]},
        "type": "message",
        "timestamp": timestamp,
        "entry": entries,
    }
