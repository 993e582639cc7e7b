"""Referrals as FHIR: a Bundle of ServiceRequest, Patient, Organization and Task, out and in.

Version: FHIR R4 (4.0.1) on the wire, validated with ``fhir.resources.R4B``. fhir.resources
8 defaults to R5; its R4B package (FHIR 4.3) is the nearest it ships to R4, and for the
elements used here (Bundle, ServiceRequest, Patient, Organization, Task, OperationOutcome)
R4 and R4B are the same on the wire. UK Core conventions are followed where they exist:
profiles in ``meta.profile``, NHS numbers under https://fhir.nhs.uk/Id/nhs-number with the
UK Core verification-status extension, ODS codes under
https://fhir.nhs.uk/Id/ods-organization-code, and SNOMED CT 871731000000106 "Referral to
social prescribing service" as the code of a referral to a community service.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from keepwell.accounts.models import Role
from keepwell.audit.models import Purpose
from keepwell.directory.models import Organisation, OrganisationKind, Service
from keepwell.people import services as people_services
from keepwell.people.models import Consent, ContactChannel, Language, Person
from keepwell.people.validators import date_of_birth_problem, is_valid_nhs_number
from keepwell.places.postcodes import InvalidPostcode, Postcode
from keepwell.referrals import services
from keepwell.referrals.models import Direction, Referral, Status, Theme, Urgency

SNOMED = "http://snomed.info/sct"
SOCIAL_PRESCRIBING = ("871731000000106", "Referral to social prescribing service")
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/"
NHS_NUMBER_VERIFICATION = UK_CORE + "Extension-UKCore-NHSNumberVerificationStatus"
NHS_NUMBER_VERIFICATION_CS = (
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
)
URN_UUID = "urn:ietf:rfc:3986"
BCP47 = "urn:ietf:bcp:47"
# A stable namespace for the ids of resources made from keepwell rows.
_NAMESPACE = uuid.UUID("0b7c3f3e-6c52-4a3e-9a56-3c1c2d7f9e10")


def _system(name: str) -> str:
    """keepwell's own identifier and code systems, under the site's address."""
    return f"{settings.SITE_URL.rstrip('/')}/fhir/{name}"


def service_system() -> str:
    return _system("Id/service")


def organisation_system() -> str:
    return _system("Id/organisation")


def status_system() -> str:
    return _system("CodeSystem/referral-status")


# ServiceRequest.status and Task.status for each of our statuses.
REQUEST_STATUS = {
    Status.SENT: "active",
    Status.ACCEPTED: "active",
    Status.CONTACTED: "active",
    Status.ENGAGED: "active",
    Status.COMPLETED: "completed",
    Status.DECLINED: "revoked",
    Status.CLOSED: "revoked",
}
TASK_STATUS = {
    Status.SENT: "requested",
    Status.ACCEPTED: "accepted",
    Status.DECLINED: "rejected",
    Status.CONTACTED: "in-progress",
    Status.ENGAGED: "in-progress",
    Status.COMPLETED: "completed",
    Status.CLOSED: "cancelled",
}
PRIORITY = {Urgency.ROUTINE: "routine", Urgency.SOON: "urgent", Urgency.URGENT: "asap"}
URGENCY_FROM_PRIORITY = {"routine": Urgency.ROUTINE, "urgent": Urgency.SOON, "asap": Urgency.URGENT}
URGENCY_FROM_PRIORITY["stat"] = Urgency.URGENT
REQUEST_STATUSES = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error"}
REQUEST_INTENTS = {
    "proposal",
    "plan",
    "directive",
    "order",
    "original-order",
    "reflex-order",
    "filler-order",
    "instance-order",
    "option",
}
NOTE_PREFIXES = {
    "What matters to me: ": "what_matters",
    "Needs: ": "needs",
    "Safety: ": "safety_notes",
    "Reason: ": "reason",
}


def _id(kind: str, key) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}/{key}"))


def _urn(resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"


def _instant(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


# --- Export -------------------------------------------------------------------------------


def _organization(org: Organisation) -> dict:
    identifiers = [{"system": organisation_system(), "value": org.slug}]
    if org.ods_code:
        identifiers.insert(0, {"system": ODS, "value": org.ods_code})
    return {
        "resourceType": "Organization",
        "id": _id("organisation", org.pk),
        "meta": {"profile": [UK_CORE + "UKCore-Organization"]},
        "identifier": identifiers,
        "active": True,
        "name": org.name,
    }


def _patient(person: Person, referral: Referral, practice_ref: str | None) -> dict:
    patient: dict = {
        "resourceType": "Patient",
        "id": _id("person", person.pk),
        "meta": {"profile": [UK_CORE + "UKCore-Patient"]},
    }
    nhs_number = getattr(person, "nhs_number", "")
    if nhs_number:
        patient["identifier"] = [
            {
                "extension": [
                    {
                        "url": NHS_NUMBER_VERIFICATION,
                        "valueCodeableConcept": {
                            "coding": [
                                {
                                    "system": NHS_NUMBER_VERIFICATION_CS,
                                    # keepwell checks the digit but does not trace with PDS.
                                    "code": "02",
                                    "display": "Number present but not traced",
                                }
                            ]
                        },
                    }
                ],
                "system": NHS_NUMBER,
                "value": nhs_number,
            }
        ]
    name: dict = {"use": "official", "given": [person.given_name]}
    if person.family_name:
        name["family"] = person.family_name
    patient["name"] = [name]
    telecom = []
    if person.phone:
        telecom.append({"system": "phone", "value": person.phone, "use": "home"})
    if person.mobile:
        telecom.append({"system": "phone", "value": person.mobile, "use": "mobile"})
    if person.email:
        telecom.append({"system": "email", "value": person.email})
    if telecom:
        patient["telecom"] = telecom
    if person.date_of_birth:
        patient["birthDate"] = person.date_of_birth.isoformat()
    if person.postcode or person.address_line_1:
        address: dict = {"use": "home"}
        lines = [line for line in (person.address_line_1, person.address_line_2) if line]
        if lines:
            address["line"] = lines
        if person.town:
            address["city"] = person.town
        if person.postcode:
            address["postalCode"] = person.postcode
        patient["address"] = [address]
    if referral.language_id:
        patient["communication"] = [
            {
                "language": {
                    "coding": [{"system": BCP47, "code": referral.language.code}],
                    "text": referral.language.name,
                },
                "preferred": True,
            }
        ]
    if practice_ref:
        patient["generalPractitioner"] = [{"reference": practice_ref}]
    return patient


def _notes(referral: Referral) -> list[dict]:
    notes = []
    for prefix, attr in NOTE_PREFIXES.items():
        value = getattr(referral, attr)
        if value:
            notes.append({"text": prefix + value})
    notes.append({"text": f"Preferred contact: {referral.get_preferred_channel_display()}"})
    if referral.needs_interpreter:
        notes.append({"text": "Needs an interpreter"})
    return notes


def referral_bundle(referral: Referral) -> dict:
    """The referral as a FHIR R4 ``collection`` Bundle, valid under fhir.resources."""
    person = referral.person
    entries: dict[str, dict] = {}

    def add(resource: dict) -> str:
        url = _urn(resource["id"])
        entries.setdefault(url, resource)
        return url

    to_ref = add(_organization(referral.to_organisation))
    from_ref = (
        add(_organization(referral.from_organisation)) if referral.from_organisation else None
    )
    practice_ref = add(_organization(person.gp_practice)) if person.gp_practice_id else None
    patient_ref = add(_patient(person, referral, practice_ref))

    request_id = str(referral.uuid)
    if referral.direction == Direction.TO_PRACTICE:
        code = {"text": "Request for review by GP practice"}
    else:
        code = {
            "coding": [
                {"system": SNOMED, "code": SOCIAL_PRESCRIBING[0], "display": SOCIAL_PRESCRIBING[1]}
            ],
            "text": SOCIAL_PRESCRIBING[1],
        }
    performer = [{"reference": to_ref, "display": referral.to_organisation.name}]
    if referral.service_id:
        performer.append(
            {
                "type": "HealthcareService",
                "identifier": {"system": service_system(), "value": str(referral.service.uuid)},
                "display": referral.service.name,
            }
        )
    service_request: dict = {
        "resourceType": "ServiceRequest",
        "id": request_id,
        "meta": {"profile": [UK_CORE + "UKCore-ServiceRequest"]},
        "identifier": [{"system": URN_UUID, "value": _urn(request_id)}],
        "status": REQUEST_STATUS[referral.status],
        "intent": "order",
        "code": code,
        "priority": PRIORITY.get(referral.urgency, "routine"),
        "subject": {"reference": patient_ref, "display": person.full_name},
        "authoredOn": _instant(referral.sent_at),
        "requester": (
            {"reference": from_ref, "display": referral.from_organisation.name}
            if from_ref
            else {"reference": patient_ref, "display": f"{person.full_name} (self-referral)"}
        ),
        "performer": performer,
        "note": _notes(referral),
    }
    if referral.themes:
        service_request["reasonCode"] = [
            {"coding": [{"system": _system("CodeSystem/theme"), "code": code}], "text": label}
            for code, label in zip(referral.themes, referral.theme_labels, strict=True)
        ]
    request_ref = _urn(request_id)
    task_id = _id("task", referral.uuid)
    task: dict = {
        "resourceType": "Task",
        "id": task_id,
        "meta": {"profile": [UK_CORE + "UKCore-Task"]},
        "identifier": [{"system": URN_UUID, "value": _urn(task_id)}],
        "status": TASK_STATUS[referral.status],
        "businessStatus": {
            "coding": [
                {
                    "system": status_system(),
                    "code": referral.status,
                    "display": referral.get_status_display(),
                }
            ],
            "text": referral.get_status_display(),
        },
        "intent": "order",
        "focus": {"reference": request_ref},
        "for": {"reference": patient_ref},
        "authoredOn": _instant(referral.sent_at),
        "lastModified": _instant(referral.status_changed_at),
        "owner": {"reference": to_ref, "display": referral.to_organisation.name},
    }
    if from_ref:
        task["requester"] = {"reference": from_ref}
    reason = referral.decline_reason or referral.close_reason
    if reason:
        task["statusReason"] = {"text": reason}
    bundle = {
        "resourceType": "Bundle",
        "id": _id("bundle", f"{referral.uuid}/{referral.status}/{referral.status_changed_at}"),
        "meta": {"lastUpdated": _instant(referral.status_changed_at)},
        "identifier": {"system": URN_UUID, "value": _urn(_id("bundle-id", referral.uuid))},
        "type": "collection",
        "timestamp": _instant(timezone.now()),
        "entry": [{"fullUrl": request_ref, "resource": service_request}]
        + [{"fullUrl": url, "resource": resource} for url, resource in entries.items()]
        + [{"fullUrl": _urn(task_id), "resource": task}],
    }
    return bundle


# --- Import -------------------------------------------------------------------------------


@dataclass
class Problem:
    diagnostics: str
    expression: str | None = None
    code: str = "invalid"  # FHIR issue-type: invalid, required, value, not-found, business-rule

    def as_issue(self) -> dict:
        issue = {"severity": "error", "code": self.code, "diagnostics": self.diagnostics}
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


@dataclass
class BundleRejected(Exception):
    problems: list[Problem] = field(default_factory=list)
    status: int = 400


def operation_outcome(problems: list[Problem]) -> dict:
    return {"resourceType": "OperationOutcome", "issue": [p.as_issue() for p in problems]}


def _path(loc) -> str:
    path = "Bundle"
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "resource_type":
            path += ".resourceType"
        else:
            path += f".{part}"
    return path


def _reference_key(ref: dict | None) -> str:
    return (ref or {}).get("reference", "") if isinstance(ref, dict) else ""


def _index(entries: list[dict]) -> dict[str, tuple[int, dict]]:
    """Each resource by its fullUrl and by "Type/id", with its entry number."""
    found = {}
    for i, entry in enumerate(entries):
        resource = entry.get("resource") or {}
        if entry.get("fullUrl"):
            found[entry["fullUrl"]] = (i, resource)
        if resource.get("id"):
            found[f"{resource.get('resourceType')}/{resource['id']}"] = (i, resource)
    return found


def _identifier(resource: dict, system: str) -> str:
    for ident in resource.get("identifier") or []:
        if isinstance(ident, dict) and ident.get("system") == system and ident.get("value"):
            return str(ident["value"])
    return ""


def _identifier_at(resource: dict, system: str) -> int | None:
    for n, ident in enumerate(resource.get("identifier") or []):
        if isinstance(ident, dict) and ident.get("system") == system and ident.get("value"):
            return n
    return None


def _limit(model, name: str) -> int | None:
    return model._meta.get_field(name).max_length


def _fits(model, name: str, value: str, expression: str, problems: list[Problem]) -> bool:
    """Whether ``value`` fits the model field it is stored in (its max_length, from the
    model itself); if not, a too-long problem naming the element it came from."""
    limit = _limit(model, name)
    if limit is None or len(value) <= limit:
        return True
    problems.append(
        Problem(
            f"{len(value):,} characters is too long: keepwell keeps at most {limit} here",
            expression,
            "too-long",
        )
    )
    return False


@dataclass
class Parsed:
    service: Service | None = None
    from_organisation: Organisation | None = None
    person_fields: dict = field(default_factory=dict)
    nhs_number: str = ""
    language: Language | None = None
    urgency: str = Urgency.ROUTINE
    texts: dict = field(default_factory=dict)
    themes: list[str] = field(default_factory=list)
    preferred_channel: str = ContactChannel.PHONE
    needs_interpreter: bool = False
    identifier: str = ""


# How deep a Bundle may nest its JSON. A real referral nests about 12 deep (an extension in
# a coding in an identifier in a resource in an entry); json.loads, pydantic and json.dumps
# all recurse, so a body nested thousands deep would end in RecursionError, a 500.
MAX_DEPTH = 64
# A JSON string (a key when a colon follows) or one of the characters that shape the nesting.
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"\s*:?|[\[\]{},]')


def _too_deep(text: str) -> tuple[bool, str | None]:
    """Whether ``text`` nests deeper than MAX_DEPTH, and where, as an expression like
    ``Bundle.entry[1].resource.extension[0]`` (None when the body is not an object).

    A linear scan that never recurses, for a body too deep for json.loads. Malformed JSON is
    left for json.loads to describe."""
    place: list[str | int | None] = []  # per open container: its current key or index
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            if len(place) >= MAX_DEPTH:
                return True, _expression(place)
            place.append(0 if token == "[" else None)
        elif token in ("]", "}"):
            if place:
                place.pop()
        elif token == ",":
            if place and isinstance(place[-1], int):
                place[-1] += 1
        elif token.endswith(":") and place:
            place[-1] = token[1:].rstrip(": \t\r\n")[:-1]
    return False, None


def _too_deep_parsed(data) -> tuple[bool, str | None]:
    """The same as _too_deep for JSON json.loads could read: a walk that never recurses."""
    if not isinstance(data, (dict, list)):
        return False, None
    stack = [(data, "Bundle" if isinstance(data, dict) else None, 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True, path
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            if isinstance(child, (dict, list)):
                where = path and (f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}")
                stack.append((child, where, depth + 1))
    return False, None


def _expression(place: list) -> str | None:
    if not place or isinstance(place[0], int):
        return None
    path = "Bundle"
    for step in place:
        if step is not None:  # None: an object whose first key is not yet read
            path += f"[{step}]" if isinstance(step, int) else f".{step}"
    return path


def read_bundle_json(body: bytes | str):
    """The body as JSON, or BundleRejected (400) saying why it is not."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as exc:
        raise BundleRejected(
            [Problem(f"The body is not valid JSON: {exc}", None, "structure")]
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BundleRejected(
            [Problem(f"The body is not valid JSON: {exc}", None, "structure")]
        ) from None
    except RecursionError:
        data, (deep, where) = None, _too_deep(text)
    else:
        deep, where = _too_deep_parsed(data)
    if deep:
        message = f"The body is nested more than {MAX_DEPTH} levels deep"
        raise BundleRejected([Problem(message, where, "structure")])
    return data


def _parse(data, by) -> tuple[Parsed, list[Problem], int]:
    problems: list[Problem] = []
    parsed = Parsed()
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        return parsed, [Problem("The body must be a FHIR Bundle", "Bundle.resourceType")], 400
    entries = data.get("entry")
    if not isinstance(entries, list) or not entries:
        return parsed, [Problem("The Bundle has no entries", "Bundle.entry", "required")], 400
    known = {"ServiceRequest", "Patient", "Organization", "Task", "Practitioner"}
    known |= {"PractitionerRole", "HealthcareService", "Consent", "MessageHeader", "Provenance"}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(
                Problem("An entry must be a JSON object", f"Bundle.entry[{i}]", "structure")
            )
            continue
        resource = entry.get("resource")
        if not isinstance(resource, dict):
            problems.append(
                Problem(
                    "An entry's resource must be a JSON object holding a FHIR resource",
                    f"Bundle.entry[{i}].resource",
                    "structure" if resource is not None else "required",
                )
            )
            continue
        kind = resource.get("resourceType")
        if not isinstance(kind, str) or kind not in known:
            problems.append(
                Problem(
                    f"Unsupported or missing resource type {kind!r}",
                    f"Bundle.entry[{i}].resource.resourceType",
                )
            )
    if problems:
        return parsed, problems, 400
    try:
        Bundle.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            problems.append(Problem(str(error["msg"]).split("\n")[0], _path(error["loc"])))
    except (KeyError, TypeError, ValueError) as exc:
        problems.append(Problem(f"Not a valid FHIR R4 Bundle: {exc}", "Bundle"))
    if problems:
        return parsed, problems, 400
    if data.get("type") not in {"collection", "transaction", "message", "document"}:
        problems.append(
            Problem(
                "Bundle.type must be collection, transaction, message or document", "Bundle.type"
            )
        )

    index = _index(entries)
    requests = [
        (i, e["resource"])
        for i, e in enumerate(entries)
        if e["resource"]["resourceType"] == "ServiceRequest"
    ]
    if len(requests) != 1:
        problems.append(
            Problem(
                f"The Bundle must hold exactly one ServiceRequest, not {len(requests)}",
                "Bundle.entry",
                "required",
            )
        )
        return parsed, problems, 400
    at, request = requests[0]
    where = f"Bundle.entry[{at}].resource"
    if request.get("status") not in REQUEST_STATUSES:
        problems.append(
            Problem("status is not a ServiceRequest status", f"{where}.status", "value")
        )
    elif request["status"] != "active":
        problems.append(
            Problem("Only an active ServiceRequest can be sent", f"{where}.status", "business-rule")
        )
    if request.get("intent") not in REQUEST_INTENTS:
        problems.append(
            Problem("intent is not a ServiceRequest intent", f"{where}.intent", "value")
        )
    priority = request.get("priority", "routine")
    if priority not in URGENCY_FROM_PRIORITY:
        problems.append(Problem("priority is not a request priority", f"{where}.priority", "value"))
    else:
        parsed.urgency = URGENCY_FROM_PRIORITY[priority]
    parsed.identifier = _identifier(request, URN_UUID)
    if parsed.identifier:
        _fits(
            Referral,
            "source",
            _source(parsed.identifier),
            f"{where}.identifier[{_identifier_at(request, URN_UUID)}].value",
            problems,
        )

    # The patient.
    subject = index.get(_reference_key(request.get("subject")))
    if subject is None or subject[1].get("resourceType") != "Patient":
        problems.append(
            Problem(
                "subject must reference a Patient in the Bundle", f"{where}.subject", "required"
            )
        )
    else:
        p_at, patient = subject
        p_where = f"Bundle.entry[{p_at}].resource"
        _parse_patient(patient, p_where, parsed, problems)

    # Who is asked: one of keepwell's services.
    parsed.service = _performer_service(request, where, problems)

    # Who asks: an organisation the caller works for.
    requester = index.get(_reference_key(request.get("requester")))
    mine = services.referring_organisations(by, Role.NHS_CONNECTOR, Role.COORDINATOR)
    if requester is not None and requester[1].get("resourceType") == "Organization":
        ods = _identifier(requester[1], ODS)
        slug = _identifier(requester[1], organisation_system())
        match = [o for o in mine if (ods and o.ods_code == ods) or (slug and o.slug == slug)]
        if not match and not by.is_platform_admin:
            problems.append(
                Problem(
                    "requester is not an organisation you work for",
                    f"{where}.requester",
                    "business-rule",
                )
            )
        if not match and by.is_platform_admin:
            match = list(
                Organisation.objects.filter(ods_code=ods) if ods else Organisation.objects.none()
            )
        parsed.from_organisation = match[0] if match else None
    else:
        parsed.from_organisation = mine[0] if mine else None

    # What the referrer says, and the element each text came from last.
    text_at: dict[str, str] = {}
    for n, note in enumerate(request.get("note") or []):
        text = (note or {}).get("text") or ""
        for prefix, attr in NOTE_PREFIXES.items():
            if text.startswith(prefix):
                parsed.texts[attr] = text[len(prefix) :].strip()
                text_at[attr] = f"{where}.note[{n}].text"
                break
        else:
            if text == "Needs an interpreter":
                parsed.needs_interpreter = True
            elif text.startswith("Preferred contact: "):
                wanted = text.split(": ", 1)[1]
                for value, label in ContactChannel.choices:
                    if wanted.lower() in {value, label.lower()}:
                        parsed.preferred_channel = value
            elif text:
                parsed.texts.setdefault("needs", "")
                parsed.texts["needs"] = (parsed.texts["needs"] + "\n" + text).strip()
                text_at["needs"] = f"{where}.note[{n}].text"
            else:
                problems.append(
                    Problem("A note has no text", f"{where}.note[{n}].text", "required")
                )
    labels = {label.lower(): code for code, label in Theme.choices}
    for n, reason in enumerate(request.get("reasonCode") or []):
        codes = [c.get("code") for c in reason.get("coding") or [] if c.get("code") in Theme.values]
        text = (reason.get("text") or "").lower()
        if codes:
            parsed.themes.extend(codes)
        elif text in labels:
            parsed.themes.append(labels[text])
        elif reason.get("text"):
            parsed.texts["reason"] = (
                parsed.texts.get("reason", "") + "\n" + reason["text"]
            ).strip()
            text_at["reason"] = f"{where}.reasonCode[{n}].text"
    for attr, text in parsed.texts.items():
        _fits(Referral, attr, text, text_at[attr], problems)
    if parsed.service is not None and not problems:
        door = services.door_for(parsed.service, parsed.from_organisation)
        if not door.open:
            problems.append(
                Problem(
                    f"{parsed.service.name}: {door.reason}", f"{where}.performer", "business-rule"
                )
            )
            return parsed, problems, 422
    return parsed, problems, 400


def _parse_patient(patient: dict, where: str, parsed: Parsed, problems: list[Problem]) -> None:
    names = patient.get("name") or []
    at = next((i for i, n in enumerate(names) if n.get("use") == "official"), 0)
    official = names[at] if names else {}
    givens = [g if isinstance(g, str) else "" for g in official.get("given") or []]
    given = " ".join(g for g in givens if g).strip()
    family = (official.get("family") or "").strip()
    if not given and not family:
        problems.append(Problem("The Patient needs a name", f"{where}.name", "required"))
    nhs_number = _identifier(patient, NHS_NUMBER)
    if nhs_number and not is_valid_nhs_number(nhs_number):
        problems.append(
            Problem("The NHS number fails its check digit", f"{where}.identifier", "value")
        )
    parsed.nhs_number = nhs_number.replace(" ", "")
    fields: dict = {"given_name": given or family, "family_name": family if given else ""}
    name_at = f"{where}.name[{at}]"
    if given:
        limit = _limit(Person, "given_name")
        length = -1
        for k, part in enumerate(givens):  # name the given name that goes past the limit
            length += len(part) + 1 if part else 0
            if limit is not None and length > limit:
                _fits(Person, "given_name", given, f"{name_at}.given[{k}]", problems)
                break
        _fits(Person, "family_name", family, f"{name_at}.family", problems)
    else:
        _fits(Person, "given_name", family, f"{name_at}.family", problems)
    birth = patient.get("birthDate") or ""
    if len(birth) == 10:  # FHIR allows "1947" and "1947-03" too; keep only whole dates
        fields["date_of_birth"] = date.fromisoformat(birth)
        if problem := date_of_birth_problem(fields["date_of_birth"]):
            problems.append(Problem(problem, f"{where}.birthDate", "value"))
    for n, telecom in enumerate(patient.get("telecom") or []):
        if telecom.get("system") == "phone":
            key = "mobile" if telecom.get("use") == "mobile" else "phone"
        elif telecom.get("system") == "email":
            key = "email"
        else:
            continue
        if key not in fields:
            fields[key] = telecom.get("value") or ""
            _fits(Person, key, fields[key], f"{where}.telecom[{n}].value", problems)
    addresses = patient.get("address") or []
    if addresses:
        address = addresses[0]
        lines = address.get("line") or []
        for n, name in enumerate(["address_line_1", "address_line_2"][: len(lines)]):
            fields[name] = lines[n] or ""
            _fits(Person, name, fields[name], f"{where}.address[0].line[{n}]", problems)
        fields["town"] = address.get("city") or ""
        _fits(Person, "town", fields["town"], f"{where}.address[0].city", problems)
        if address.get("postalCode"):
            try:
                fields["postcode"] = Postcode(address["postalCode"]).value
            except InvalidPostcode as exc:
                problems.append(
                    Problem(f"postalCode: {exc}", f"{where}.address[0].postalCode", "value")
                )
    for comm in patient.get("communication") or []:
        for coding in (comm.get("language") or {}).get("coding") or []:
            code = (coding.get("code") or "").split("-")[0].lower()
            language = Language.objects.filter(code=code).first()
            if language and code != "en":
                parsed.language = language
    parsed.person_fields = fields


def _performer_service(request: dict, where: str, problems: list[Problem]) -> Service | None:
    keys = []
    for n, performer in enumerate(request.get("performer") or []):
        ident = performer.get("identifier") or {}
        if ident.get("system") == service_system() and ident.get("value"):
            keys.append((n, ident["value"]))
        ref = performer.get("reference", "")
        if ref.startswith("HealthcareService/"):
            keys.append((n, ref.split("/", 1)[1]))
    if not keys:
        problems.append(
            Problem(
                f"performer must name a keepwell service (identifier system {service_system()})",
                f"{where}.performer",
                "required",
            )
        )
        return None
    n, key = keys[0]
    try:
        wanted = uuid.UUID(str(key))
    except ValueError:
        wanted = None
    service = (
        Service.objects.select_related("organisation").filter(uuid=wanted).first()
        if wanted
        else None
    )
    if service is None:
        problems.append(
            Problem(f"No keepwell service {key!r}", f"{where}.performer[{n}]", "not-found")
        )
    return service


def _source(identifier: str) -> str:
    return f"fhir:{identifier}" if identifier else "fhir"


@transaction.atomic
def create_from_bundle(body: bytes, *, by) -> Referral:
    """A GP system sends a referral. Raises BundleRejected (nothing written) on any problem."""
    parsed, problems, status = _parse(read_bundle_json(body), by)
    if problems:
        raise BundleRejected(problems, status)
    person = None
    if parsed.nhs_number:
        person = Person.objects.visible_to(by).filter(nhs_number=parsed.nhs_number).first()
    if person is None:
        fields = dict(parsed.person_fields)
        if parsed.nhs_number:
            fields["nhs_number"] = parsed.nhs_number
        practice = parsed.from_organisation
        if practice is not None and practice.kind == OrganisationKind.GP_PRACTICE:
            fields["gp_practice"] = practice
        fields["preferred_channel"] = parsed.preferred_channel
        fields["needs_interpreter"] = parsed.needs_interpreter
        person = people_services.create_person(
            by=by,
            purpose=Purpose.REFERRAL,
            via="api",
            # Held by a group this practice cannot see: the referral goes ahead, and the
            # second record is flagged for an administrator to merge, never a silent copy.
            possible_duplicate=True,
            organisations=[parsed.from_organisation] if parsed.from_organisation else [],
            languages=[parsed.language] if parsed.language else (),
            **fields,
        )
    try:
        return services.create_referral(
            person=person,
            service=parsed.service,
            by=by,
            from_organisation=parsed.from_organisation,
            consent_how=Consent.How.WRITTEN,
            consent_lawful_basis=Consent.LawfulBasis.CONSENT,
            what_matters=parsed.texts.get("what_matters", ""),
            needs=parsed.texts.get("needs", ""),
            reason=parsed.texts.get("reason", ""),
            safety_notes=parsed.texts.get("safety_notes", ""),
            themes=parsed.themes,
            urgency=parsed.urgency,
            preferred_channel=parsed.preferred_channel,
            language=parsed.language,
            needs_interpreter=parsed.needs_interpreter,
            source=_source(parsed.identifier),
            via="api",
        )
    except services.ReferralRefused as exc:
        raise BundleRejected(
            [Problem(str(exc), "ServiceRequest.performer", "business-rule")], 422
        ) from None
