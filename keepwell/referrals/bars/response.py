"""A BaRS ``servicerequest-response`` read: a practice's system telling keepwell where a
referral keepwell sent it now stands.

The BaRS guide for referral responses (APP6, "Referral Response Payload (Status update)"):
the MessageHeader's event is ``servicerequest-response``, its ``response.identifier`` names
the original request (the guide says its Bundle id; FHIR's MessageHeader.response says the
MessageHeader id: keepwell accepts either), its focus is the responder's Encounter, and the
ServiceRequest sent is echoed back. Where the referral stands is read from, in order:

1. a Task whose ``businessStatus`` is one of keepwell's own referral statuses (what
   keepwell sends when it answers: another keepwell, or a system that echoes it);
2. a Task's FHIR status (accepted, rejected, in-progress, completed, cancelled);
3. the focus Encounter's status (planned, in-progress, finished, cancelled);
4. the ServiceRequest's status (active, completed, revoked);

and ``response.code`` ``fatal-error`` is a refusal. The reason is the Task's
``statusReason`` (or the Encounter's ``reasonCode``), in words.

Pure: imports no Django; matching the referral and moving it is the receiving service's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from keepwell.referrals.bars.bundle import (
    Index,
    codings,
    concept_words,
    dict_of,
    list_of,
    text_of,
    unstorable,
)
from keepwell.referrals.bars.issues import Issue, error, warning
from keepwell.referrals.bars.message import LIMITS

RESPONSE_EVENT = "servicerequest-response"
VALIDATION = "validation"  # the ServiceRequest category of BaRS's "would you take them?"
RESPONSE_CODES = {"ok", "transient-error", "fatal-error"}
# keepwell's referral statuses (``referrals.models.Status``), as plain words.
ACCEPTED, DECLINED, CONTACTED = "accepted", "declined", "contacted"
ENGAGED, COMPLETED, CLOSED = "engaged", "completed", "closed"
STATUSES = {ACCEPTED, DECLINED, CONTACTED, ENGAGED, COMPLETED, CLOSED}
FROM_TASK = {
    "accepted": ACCEPTED,
    "rejected": DECLINED,
    "in-progress": CONTACTED,
    "completed": COMPLETED,
    "cancelled": CLOSED,
}
FROM_ENCOUNTER = {
    "planned": ACCEPTED,
    "arrived": ENGAGED,
    "triaged": ENGAGED,
    "in-progress": ENGAGED,
    "onleave": ENGAGED,
    "finished": COMPLETED,
    "cancelled": DECLINED,
}
FROM_REQUEST = {"active": ACCEPTED, "completed": COMPLETED, "revoked": DECLINED}


@dataclass
class ResponseIn:
    message_id: str = ""
    event_system: str = ""
    source_endpoint: str = ""
    answers: str = ""  # the original request's Bundle or MessageHeader id
    code: str = "ok"
    status: str = ""  # a keepwell status, or "" when the response says none
    reason: str = ""
    status_at: str = ""  # the FHIRPath the status was read from
    request_ids: list[str] = field(default_factory=list)  # the ServiceRequest's identifiers
    problems: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def http_status(self) -> int:
        return self.problems[0].status if self.problems else 200


def _at(i: int) -> str:
    return f"Bundle.entry[{i}].resource"


def is_response(data: object) -> bool:
    """Whether ``data`` is a Bundle whose first entry is a response's MessageHeader."""
    entries = list_of(dict_of(data).get("entry"))
    header = dict_of(dict_of(entries[0]).get("resource")) if entries else {}
    if header.get("resourceType") != "MessageHeader":
        return False
    return text_of(dict_of(header.get("eventCoding")).get("code")) == RESPONSE_EVENT


def read_response(data: object, *, status_system: str) -> ResponseIn:
    """The response in ``data`` (parsed JSON whose ``is_response`` is true);
    ``status_system`` is keepwell's own CodeSystem for referral statuses."""
    found = ResponseIn()
    found.problems += list(unstorable(data))
    bundle = dict_of(data)
    if bundle.get("type") != "message":
        found.problems.append(error("A BaRS message is a Bundle of type message", "Bundle.type"))
    raw = list_of(bundle.get("entry"))
    entries = [
        (i, dict_of(dict_of(e).get("resource")), text_of(dict_of(e).get("fullUrl")))
        for i, e in enumerate(raw)
        if dict_of(dict_of(e).get("resource"))
    ]
    if found.problems or not entries:
        return found
    index = Index(entries)
    header = index.resources[0]
    found.message_id = text_of(header.get("id")) or entries[0][2].removeprefix("urn:uuid:")
    if not found.message_id:
        found.problems.append(
            error("The MessageHeader needs an id: a repeat is known by it", f"{_at(0)}.id")
        )
    elif len(found.message_id) > LIMITS["message_id"]:
        found.problems.append(
            error(
                f"The MessageHeader id is longer than {LIMITS['message_id']} characters",
                f"{_at(0)}.id",
                "too-long",
            )
        )
    found.event_system = text_of(dict_of(header.get("eventCoding")).get("system"))
    found.source_endpoint = text_of(dict_of(header.get("source")).get("endpoint"))
    response = dict_of(header.get("response"))
    found.answers = text_of(response.get("identifier"))
    if not found.answers:
        found.problems.append(
            error(
                "A response names the request it answers in MessageHeader.response.identifier",
                f"{_at(0)}.response.identifier",
                "required",
            )
        )
    code = text_of(response.get("code")) or "ok"
    if code not in RESPONSE_CODES:
        found.problems.append(
            error(
                f"response.code {code} is not one of {', '.join(sorted(RESPONSE_CODES))}",
                f"{_at(0)}.response.code",
                "value",
            )
        )
    found.code = code
    if found.problems:
        return found
    by_type: dict[str, list[int]] = {}
    for i, resource in index.resources.items():
        by_type.setdefault(text_of(resource.get("resourceType")), []).append(i)
    for i in by_type.get("ServiceRequest", []):
        for ident in list_of(index.resources[i].get("identifier")):
            value = text_of(dict_of(ident).get("value"))
            if value:
                found.request_ids.append(value)
    focus = [index.find(f) for f in list_of(header.get("focus"))]
    for i in by_type.get("ServiceRequest", []):
        categories = list_of(index.resources[i].get("category"))
        if any(text_of(c.get("code")) == VALIDATION for cat in categories for c in codings(cat)):
            # The answer to "would you take them?": nothing was referred, so nothing moves.
            found.warnings.append(
                warning(
                    "A validation response answers a question; it moves no referral",
                    f"{_at(i)}.category",
                )
            )
            return found
    _status(found, index, by_type, [f for f in focus if f is not None], status_system)
    if code == "fatal-error":
        found.status, found.status_at = DECLINED, f"{_at(0)}.response.code"
        found.reason = found.reason or _outcome_words(index, by_type)
    elif code == "transient-error" and found.status in (DECLINED, CLOSED):
        found.warnings.append(
            warning(
                "A transient error is not a refusal: the referral is left as it was",
                f"{_at(0)}.response.code",
            )
        )
        found.status = ""
    return found


def _status(
    found: ResponseIn, index: Index, by_type: dict[str, list[int]], focus: list[int], system: str
) -> None:
    tasks = by_type.get("Task", [])
    for i in tasks:  # 1. keepwell's own words for the step
        task = index.resources[i]
        for coding in codings(task.get("businessStatus")):
            if text_of(coding.get("system")) == system and text_of(coding.get("code")) in STATUSES:
                found.status = text_of(coding.get("code"))
                found.status_at = f"{_at(i)}.businessStatus"
                found.reason = concept_words(task.get("statusReason"))
                return
    for i in tasks:  # 2. the Task's own status
        task = index.resources[i]
        status = FROM_TASK.get(text_of(task.get("status")))
        if status:
            found.status, found.status_at = status, f"{_at(i)}.status"
            found.reason = concept_words(task.get("statusReason"))
            return
    encounters = [i for i in focus if i in by_type.get("Encounter", [])]
    for i in encounters or by_type.get("Encounter", []):  # 3. the responder's Encounter
        encounter = index.resources[i]
        status = FROM_ENCOUNTER.get(text_of(encounter.get("status")))
        if status:
            found.status, found.status_at = status, f"{_at(i)}.status"
            found.reason = "; ".join(
                w for w in (concept_words(c) for c in list_of(encounter.get("reasonCode"))) if w
            )
            return
    for i in by_type.get("ServiceRequest", []):  # 4. the ServiceRequest echoed back
        status = FROM_REQUEST.get(text_of(index.resources[i].get("status")))
        if status:
            found.status, found.status_at = status, f"{_at(i)}.status"
            return


def _outcome_words(index: Index, by_type: dict[str, list[int]]) -> str:
    words = [
        text_of(dict_of(issue).get("diagnostics"))
        for i in by_type.get("OperationOutcome", [])
        for issue in list_of(index.resources[i].get("issue"))
    ]
    return "; ".join(w for w in words if w) or "The practice's system could not take it"
