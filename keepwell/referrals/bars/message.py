"""A BaRS message read: its MessageHeader, the ServiceRequest it is about, and what keepwell
maps from the rest of the Bundle, each problem and warning named by FHIRPath
(``Bundle.entry[2].resource.subject.reference``).

Pure: it imports no Django, takes the JSON as parsed and writes nothing, so every shape of
JSON can be thrown at it. It checks structure only where keepwell needs it: a BaRS Bundle may
carry any resource (Encounter, CarePlan, Observation, QuestionnaireResponse, ...); what
keepwell does not map is listed as a warning and kept whole with the message, never refused.
Whether the service, the person or the sender exist is the receiving service's question.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from keepwell.places.postcodes import InvalidPostcode, Postcode

# Events: BaRS names a referral "servicerequest-request"; the earliest published examples
# (111 to ED, 999 to CAS) sent the same ServiceRequest under "admin-notify".
SERVICE_REQUEST_EVENT = "servicerequest-request"
EARLY_EVENTS = {"admin-notify"}
REASONS = ("new", "update", "cancel")
CANCELLED_STATUSES = {"revoked", "entered-in-error"}
REQUEST_STATUSES = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error"}
REQUEST_STATUSES.add("unknown")
PRIORITIES = {"routine", "urgent", "asap", "stat"}
# ServiceRequest.category code that asks "would you take them?" without referring.
VALIDATION = "validation"
NHS_NUMBER = "https://fhir.nhs.uk/id/nhs-number"
ODS = "https://fhir.nhs.uk/id/ods-organization-code"
CLINICAL_URGENCY = "https://fhir.nhs.uk/codesystem/bars-clinical-urgency"
# BaRS clinical urgency codes keepwell reads as a request priority.
URGENCY_CODES = {"clin-1": "asap"}
# The longest each value may be where keepwell keeps it (BarsMessage's columns).
LIMITS = {"message_id": 100, "service_request_id": 200, "endpoint": 500}
# The ServiceRequest elements keepwell maps; any other is kept with the message, and named.
MAPPED_REQUEST_ELEMENTS = {
    "resourceType",
    "id",
    "meta",
    "identifier",
    "status",
    "intent",
    "category",
    "priority",
    "subject",
    "requester",
    "performer",
    "reasonCode",
    "note",
    "occurrenceDateTime",
    "occurrencePeriod",
    "patientInstruction",
    "authoredOn",
}


@dataclass(frozen=True)
class Issue:
    """One line of an OperationOutcome: an error refuses the message with ``status``; a
    warning or information goes back with the answer."""

    severity: str  # error, warning, information
    code: str  # a FHIR issue type: invalid, required, not-found, not-supported, ...
    diagnostics: str
    expression: str | None = None
    status: int = 400


def error(diagnostics: str, where: str | None, code: str = "invalid", status: int = 400) -> Issue:
    return Issue("error", code, diagnostics, where, status)


def warning(diagnostics: str, where: str | None, code: str = "informational") -> Issue:
    return Issue("warning", code, diagnostics, where, 200)


@dataclass
class PatientIn:
    where: str
    nhs_number: str = ""
    nhs_number_at: str = ""
    given: str = ""
    family: str = ""
    name_at: str = ""
    birth_date: date | None = None
    birth_at: str = ""
    postcode: str = ""
    phone: str = ""
    mobile: str = ""
    email: str = ""
    address_line_1: str = ""
    address_line_2: str = ""
    town: str = ""
    languages: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    """A way the message names the service it is for: keepwell's own service identifier
    (``keepwell``), an organisation's ODS code (``ods``), with the HealthcareService's name
    to choose among that organisation's services."""

    how: str
    value: str
    where: str
    name: str = ""


@dataclass
class ConsentIn:
    where: str
    status: str = ""
    given_on: date | None = None
    scope: str = ""
    policies: list[str] = field(default_factory=list)


@dataclass
class Message:
    message_id: str = ""
    event: str = ""
    event_system: str = ""
    reason: str = "new"
    validation: bool = False
    request_at: str = ""  # FHIRPath of the ServiceRequest
    service_request_id: str = ""
    request_status: str = ""
    priority: str = "routine"
    reason_text: str = ""
    needs: str = ""
    theme_codes: list[str] = field(default_factory=list)
    patient: PatientIn | None = None
    requester_name: str = ""
    requester_ods: list[str] = field(default_factory=list)
    requester_at: str = ""
    sender_ods: str = ""
    source_endpoint: str = ""
    destination_endpoint: str = ""
    targets: list[Target] = field(default_factory=list)
    consent: ConsentIn | None = None
    safety_notes: str = ""
    problems: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def cancels(self) -> bool:
        return self.reason == "cancel" or self.request_status in CANCELLED_STATUSES

    @property
    def status(self) -> int:
        """The HTTP status the problems answer with: the first problem's."""
        return self.problems[0].status if self.problems else 200


# --- reading JSON that may be any shape ---------------------------------------------------


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _codings(concept: object) -> list[dict]:
    return [c for c in _list(_dict(concept).get("coding")) if isinstance(c, dict)]


def _concept_words(concept: object) -> str:
    """A CodeableConcept in words: its text, else its codings' displays (or codes)."""
    text = _str(_dict(concept).get("text"))
    shown = [_str(c.get("display")) or _str(c.get("code")) for c in _codings(concept)]
    shown = [s for s in shown if s and s.lower() not in text.lower()]
    if text and shown:
        return f"{text}: {'; '.join(shown)}"
    return text or "; ".join(shown)


def _identifiers(resource: dict, system: str) -> list[tuple[int, str]]:
    found = []
    for n, ident in enumerate(_list(resource.get("identifier"))):
        ident = _dict(ident)
        if _str(ident.get("system")).lower() == system.lower() and _str(ident.get("value")):
            found.append((n, _str(ident["value"])))
    return found


class Index:
    """The Bundle's resources by every way a reference may name one: the entry's fullUrl,
    ``Type/id``, and a bare id or uuid (as some published BaRS examples write them)."""

    def __init__(self, entries: list[tuple[int, dict, str]]):
        self.by_key: dict[str, int] = {}
        self.resources: dict[int, dict] = {}
        for i, resource, full_url in entries:
            self.resources[i] = resource
            keys = []
            if full_url:
                keys += [full_url, full_url.removeprefix("urn:uuid:")]
            rid = _str(resource.get("id"))
            if rid:
                keys += [f"{resource.get('resourceType')}/{rid}", rid]
            for key in keys:
                self.by_key.setdefault(key, i)

    def find(self, reference: object) -> int | None:
        ref = _str(_dict(reference).get("reference"))
        if not ref:
            return None
        for key in (ref, ref.removeprefix("urn:uuid:")):
            if key in self.by_key:
                return self.by_key[key]
        return None


def _at(i: int) -> str:
    return f"Bundle.entry[{i}].resource"


# --- the message --------------------------------------------------------------------------


def read(
    data: object,
    *,
    service_system: str,
    nhs_number_valid: Callable[[str], bool] | None = None,
) -> Message:
    """The message in ``data`` (parsed JSON of any shape) as far as keepwell maps it.

    ``service_system`` is keepwell's own identifier system for services;
    ``nhs_number_valid`` checks an NHS number's check digit (the people room's rule)."""
    message = Message()
    entries = _entries(data, message)
    message.problems += list(_unstorable(data))
    if message.problems:
        return message
    index = Index(entries)
    request_at = _header(entries, index, message)
    if message.problems or request_at is None:
        return message
    used = {0, request_at}
    request = index.resources[request_at]
    used |= _service_request(request, index, message, service_system)
    patient = message.patient
    # A number that fails its check is not kept, and never matched on: the person is found
    # by their details instead (the published examples' own number fails its check).
    valid = nhs_number_valid or (lambda number: True)
    if patient and patient.nhs_number and not valid(patient.nhs_number):
        message.warnings.append(
            warning(
                "The NHS number fails its check digit: it is not kept, and the person is "
                "matched by name, date of birth and postcode",
                patient.nhs_number_at,
                "value",
            )
        )
        patient.nhs_number = ""
    used |= _consents_and_flags(index, message)
    _lengths(message)
    for i, resource in index.resources.items():
        if i not in used:
            kind = _str(resource.get("resourceType")) or "A resource"
            message.warnings.append(
                warning(
                    f"{kind} is kept with the referral's original message; keepwell does "
                    "not map it",
                    _at(i),
                )
            )
    message.warnings += list(_loose_references(index))
    return message


def _entries(data: object, message: Message) -> list[tuple[int, dict, str]]:
    problems = message.problems
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        problems.append(error("The body must be a FHIR Bundle", "Bundle.resourceType"))
        return []
    if data.get("type") != "message":
        problems.append(error("A BaRS message is a Bundle of type message", "Bundle.type"))
    raw = data.get("entry")
    if not isinstance(raw, list) or not raw:
        problems.append(error("The Bundle has no entries", "Bundle.entry", "required"))
        return []
    entries = []
    for i, entry in enumerate(raw):
        resource = _dict(entry).get("resource")
        if not isinstance(entry, dict):
            problems.append(error("An entry must be a JSON object", f"Bundle.entry[{i}]"))
        elif not isinstance(resource, dict) or not _str(resource.get("resourceType")):
            problems.append(
                error(
                    "An entry's resource must be a FHIR resource with a resourceType",
                    f"Bundle.entry[{i}].resource",
                    "required" if resource is None else "structure",
                )
            )
        else:
            entries.append((i, resource, _str(entry.get("fullUrl"))))
    return entries


def _header(entries: list[tuple[int, dict, str]], index: Index, message: Message) -> int | None:
    """Read the MessageHeader (the first entry); returns the entry number of its focus, the
    ServiceRequest (None when there is no such focus: a problem says why)."""
    problems = message.problems
    first, header, full_url = entries[0]
    if first != 0 or header.get("resourceType") != "MessageHeader":
        elsewhere = [i for i, r, _ in entries if r.get("resourceType") == "MessageHeader"]
        problems.append(
            error(
                "The first entry must be the MessageHeader"
                + (f" (one is at entry {elsewhere[0]})" if elsewhere else ": there is none"),
                "Bundle.entry[0].resource.resourceType",
                "required",
            )
        )
        return None
    where = _at(0)
    message.message_id = _str(header.get("id")) or full_url.removeprefix("urn:uuid:")
    if not message.message_id:
        problems.append(
            error(
                "The MessageHeader needs an id: a repeat is known by it", f"{where}.id", "required"
            )
        )
    event = _dict(header.get("eventCoding"))
    message.event = _str(event.get("code"))
    message.event_system = _str(event.get("system"))
    if not message.event:
        problems.append(error("eventCoding.code is missing", f"{where}.eventCoding", "required"))
    elif message.event != SERVICE_REQUEST_EVENT and message.event not in EARLY_EVENTS:
        problems.append(
            error(
                f"keepwell receives {SERVICE_REQUEST_EVENT} messages, not {message.event}",
                f"{where}.eventCoding.code",
                "not-supported",
            )
        )
    for n, coding in enumerate(_codings(header.get("reason"))):
        code = _str(coding.get("code"))
        if code in REASONS:
            message.reason = code
            break
        problems.append(
            error(
                f"reason {code or '(none)'} is not one of {', '.join(REASONS)}",
                f"{where}.reason.coding[{n}].code",
                "not-supported",
            )
        )
    message.source_endpoint = _str(_dict(header.get("source")).get("endpoint"))
    destinations = [_dict(d) for d in _list(header.get("destination"))]
    message.destination_endpoint = _str(destinations[0].get("endpoint")) if destinations else ""
    sender = index.find(header.get("sender"))
    if sender is not None:
        codes = _identifiers(index.resources[sender], ODS)
        message.sender_ods = codes[0][1] if codes else ""
    focus = _list(header.get("focus"))
    if not focus:
        problems.append(error("The MessageHeader has no focus", f"{where}.focus", "required"))
        return None
    target = index.find(focus[0])
    if target is None:
        problems.append(
            error(
                "focus does not reference a resource in the Bundle",
                f"{where}.focus[0].reference",
                "not-found",
            )
        )
    elif index.resources[target].get("resourceType") != "ServiceRequest":
        kind = _str(index.resources[target].get("resourceType"))
        problems.append(
            error(
                f"The focus of a referral is a ServiceRequest, not {kind}",
                f"{where}.focus[0].reference",
                "not-supported",
            )
        )
    else:
        message.request_at = _at(target)
        if message.event in EARLY_EVENTS:
            message.warnings.append(
                warning(
                    f"event {message.event} with a ServiceRequest focus is read as "
                    f"{SERVICE_REQUEST_EVENT}, as the earliest BaRS examples send it",
                    f"{where}.eventCoding.code",
                )
            )
        return target
    return None


def _service_request(request: dict, index: Index, message: Message, system: str) -> set[int]:
    """Read the ServiceRequest; returns the entries it led to (the patient, the requester's
    resources, the performer's)."""
    where, problems, used = message.request_at, message.problems, set()
    status = _str(request.get("status"))
    if status not in REQUEST_STATUSES:
        problems.append(error("status is not a ServiceRequest status", f"{where}.status", "value"))
    message.request_status = status
    message.validation = any(
        _str(c.get("code")) == VALIDATION
        for concept in _list(request.get("category"))
        for c in _codings(concept)
    )
    identifiers = [
        _str(_dict(i).get("value"))
        for i in _list(request.get("identifier"))
        if _str(_dict(i).get("value"))
    ]
    rid = _str(request.get("id"))
    message.service_request_id = identifiers[0] if identifiers else rid
    if not message.service_request_id:
        problems.append(
            error(
                "The ServiceRequest needs an identifier (or an id): updates and cancellations "
                "find the referral by it",
                f"{where}.identifier",
                "required",
            )
        )
    subject = index.find(request.get("subject"))
    if subject is None or index.resources[subject].get("resourceType") != "Patient":
        problems.append(
            error(
                "subject must reference a Patient in the Bundle",
                f"{where}.subject.reference",
                "required" if subject is None else "invalid",
            )
        )
    else:
        used.add(subject)
        message.patient = _patient(index.resources[subject], _at(subject), message)
    used |= _requester(request, index, message)
    used |= _performer(request, index, message, system)
    _what_they_ask(request, message)
    for key in request:
        if key not in MAPPED_REQUEST_ELEMENTS:
            message.warnings.append(
                warning(
                    f"ServiceRequest.{key} is kept with the original message; keepwell does "
                    "not map it",
                    f"{where}.{key}",
                )
            )
    return used


def _requester(request: dict, index: Index, message: Message) -> set[int]:
    where = f"{message.request_at}.requester"
    if "requester" not in request:
        return set()
    found = index.find(request.get("requester"))
    if found is None:
        message.problems.append(
            error("requester does not reference a resource in the Bundle", f"{where}.reference")
        )
        return set()
    used = {found}
    message.requester_at = where
    resource = index.resources[found]
    kind = resource.get("resourceType")
    if kind == "PractitionerRole":
        for part in ("practitioner", "organization"):
            linked = index.find(resource.get(part))
            if linked is not None:
                used.add(linked)
                _requester_detail(index.resources[linked], message)
    _requester_detail(resource, message)
    return used


def _requester_detail(resource: dict, message: Message) -> None:
    kind = resource.get("resourceType")
    if kind == "Practitioner" and not message.requester_name:
        name = _dict(_list(resource.get("name"))[0]) if _list(resource.get("name")) else {}
        given = " ".join(_str(g) for g in _list(name.get("given")) if _str(g))
        family = _str(name.get("family"))
        message.requester_name = _str(name.get("text")) or " ".join(
            p for p in (given, family.title() if family.isupper() else family) if p
        )
    if kind == "Organization":
        message.requester_ods += [code for _, code in _identifiers(resource, ODS)]
        if not message.requester_name:
            message.requester_name = _str(resource.get("name"))


def _performer(request: dict, index: Index, message: Message, system: str) -> set[int]:
    used: set[int] = set()
    for n, performer in enumerate(_list(request.get("performer"))):
        where = f"{message.request_at}.performer[{n}]"
        performer = _dict(performer)
        ident = _dict(performer.get("identifier"))
        if _str(ident.get("system")).lower() == system.lower() and _str(ident.get("value")):
            message.targets.append(Target("keepwell", _str(ident["value"]), f"{where}.identifier"))
        ref = _str(performer.get("reference"))
        if not ref:
            continue
        found = index.find(performer)
        if found is None:
            if ref.startswith("HealthcareService/"):
                message.targets.append(Target("keepwell", ref.split("/", 1)[1], where))
            else:
                message.problems.append(
                    error(
                        "performer does not reference a resource in the Bundle",
                        f"{where}.reference",
                    )
                )
            continue
        used.add(found)
        resource = index.resources[found]
        name = _str(resource.get("name"))
        for k, value in _identifiers(resource, system):
            message.targets.append(Target("keepwell", value, f"{_at(found)}.identifier[{k}]"))
        owners = [found]
        provider = index.find(resource.get("providedBy"))
        if provider is not None:
            used.add(provider)
            owners.append(provider)
        for owner in owners:
            for k, value in _identifiers(index.resources[owner], ODS):
                message.targets.append(
                    Target("ods", value, f"{_at(owner)}.identifier[{k}]", name=name)
                )
    return used


def _what_they_ask(request: dict, message: Message) -> None:
    where = message.request_at
    priority = _str(request.get("priority"))
    if priority in PRIORITIES:
        message.priority = priority
    elif priority:
        message.problems.append(
            error("priority is not a request priority", f"{where}.priority", "value")
        )
    reasons = []
    for n, concept in enumerate(_list(request.get("reasonCode"))):
        urgent = [
            URGENCY_CODES[_str(c.get("code"))]
            for c in _codings(concept)
            if _str(c.get("system")).lower() == CLINICAL_URGENCY
            and _str(c.get("code")) in URGENCY_CODES
        ]
        if urgent and not priority:
            message.priority = urgent[0]
        message.theme_codes += [_str(c.get("code")) for c in _codings(concept)]
        words = _concept_words(concept)
        if words:
            reasons.append(words)
        elif not urgent:
            message.warnings.append(
                warning("A reasonCode with no words is not kept", f"{where}.reasonCode[{n}]")
            )
    message.reason_text = "\n".join(reasons)
    needs = [_str(_dict(note).get("text")) for note in _list(request.get("note"))]
    needs = [n for n in needs if n]
    occurrence = _str(request.get("occurrenceDateTime")) or _str(
        _dict(request.get("occurrencePeriod")).get("start")
    )
    if occurrence:
        needs.append(f"Wanted from {occurrence}")
    instruction = _str(request.get("patientInstruction"))
    if instruction:
        needs.append(f"Told to the patient: {instruction}")
    message.needs = "\n".join(needs)


def _patient(resource: dict, where: str, message: Message) -> PatientIn:
    patient = PatientIn(where=where)
    names = [_dict(n) for n in _list(resource.get("name"))]
    at = next((i for i, n in enumerate(names) if n.get("use") == "official"), 0)
    name = names[at] if names else {}
    patient.name_at = f"{where}.name[{at}]"
    patient.given = " ".join(_str(g) for g in _list(name.get("given")) if _str(g))
    patient.family = _str(name.get("family"))
    if not patient.given and not patient.family:
        message.problems.append(error("The Patient needs a name", f"{where}.name", "required"))
    numbers = _identifiers(resource, NHS_NUMBER)
    if numbers:
        patient.nhs_number = "".join(ch for ch in numbers[0][1] if ch.isalnum())
        patient.nhs_number_at = f"{where}.identifier[{numbers[0][0]}].value"
    birth = _str(resource.get("birthDate"))
    patient.birth_at = f"{where}.birthDate"
    if len(birth) == 10:
        try:
            patient.birth_date = date.fromisoformat(birth)
        except ValueError:
            message.problems.append(error("birthDate is not a date", patient.birth_at, "value"))
    elif birth:
        message.warnings.append(
            warning("A birthDate without a day is not kept", patient.birth_at, "incomplete")
        )
    for telecom in _list(resource.get("telecom")):
        telecom = _dict(telecom)
        system, value = _str(telecom.get("system")), _str(telecom.get("value"))
        if system == "phone" and telecom.get("use") == "mobile" and not patient.mobile:
            patient.mobile = value
        elif system == "phone" and not patient.phone:
            patient.phone = value
        elif system == "email" and not patient.email:
            patient.email = value
    addresses = [_dict(a) for a in _list(resource.get("address"))]
    if addresses:
        lines = [_str(line) for line in _list(addresses[0].get("line"))]
        patient.address_line_1 = lines[0] if lines else ""
        patient.address_line_2 = lines[1] if len(lines) > 1 else ""
        patient.town = _str(addresses[0].get("city"))
        raw = _str(addresses[0].get("postalCode"))
        if raw:
            try:
                patient.postcode = Postcode(raw).value
            except InvalidPostcode as exc:
                message.problems.append(
                    error(f"postalCode: {exc}", f"{where}.address[0].postalCode", "value")
                )
    for comm in _list(resource.get("communication")):
        for coding in _codings(_dict(comm).get("language")):
            code = _str(coding.get("code")).split("-")[0].lower()
            if code:
                patient.languages.append(code)
    return patient


def _consents_and_flags(index: Index, message: Message) -> set[int]:
    used = set()
    flags = []
    for i, resource in index.resources.items():
        kind = resource.get("resourceType")
        if kind == "Consent" and message.consent is None:
            used.add(i)
            message.consent = _consent(resource, _at(i), message)
        elif kind == "Flag":
            used.add(i)
            status = _str(resource.get("status")) or "active"
            words = _concept_words(resource.get("code"))
            category = "; ".join(
                _concept_words(c) for c in _list(resource.get("category")) if _concept_words(c)
            )
            if status != "active" or not words:
                message.warnings.append(
                    warning(
                        f"A Flag that is {status} is not kept as a safety note"
                        if words
                        else "A Flag with no words in its code is not kept as a safety note",
                        _at(i),
                    )
                )
                continue
            period = _dict(resource.get("period"))
            until = _str(period.get("end"))
            flags.append(
                (f"{category}: " if category else "")
                + words
                + (f" (until {until[:10]})" if until else "")
            )
    message.safety_notes = "\n".join(flags)
    return used


def _consent(resource: dict, where: str, message: Message) -> ConsentIn:
    consent = ConsentIn(where=where, status=_str(resource.get("status")))
    stamp = _str(resource.get("dateTime"))
    if stamp:
        try:
            consent.given_on = date.fromisoformat(stamp[:10])
        except ValueError:
            message.problems.append(error("dateTime is not a date", f"{where}.dateTime", "value"))
    scopes = [_str(c.get("code")) for c in _codings(resource.get("scope"))]
    consent.scope = scopes[0] if scopes else ""
    consent.policies = [
        _str(c.get("code")) for rule in _list(resource.get("policyRule")) for c in _codings(rule)
    ]
    return consent


def _lengths(message: Message) -> None:
    """Values kept in BarsMessage's columns must fit them; a longer one is a problem."""
    checks = [
        (message.message_id, LIMITS["message_id"], "Bundle.entry[0].resource.id"),
        (
            message.service_request_id,
            LIMITS["service_request_id"],
            f"{message.request_at}.identifier",
        ),
        (message.source_endpoint, LIMITS["endpoint"], "Bundle.entry[0].resource.source.endpoint"),
        (
            message.destination_endpoint,
            LIMITS["endpoint"],
            "Bundle.entry[0].resource.destination[0].endpoint",
        ),
    ]
    for value, limit, where in checks:
        if len(value) > limit:
            message.problems.append(
                error(
                    f"{len(value):,} characters is too long: keepwell keeps at most {limit}",
                    where,
                    "too-long",
                )
            )


def _references(value: object, path: str) -> Iterator[tuple[str, str]]:
    """Every ``reference`` string under ``value`` with its FHIRPath, walked without
    recursion (the body's depth is bounded before it gets here, but a walk costs nothing)."""
    stack: list[tuple[object, str]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            ref = node.get("reference")
            if isinstance(ref, str):
                yield ref, f"{where}.reference"
            for key, child in node.items():
                if isinstance(child, (dict, list)):
                    stack.append((child, f"{where}.{key}"))
        elif isinstance(node, list):
            for n, child in enumerate(node):
                stack.append((child, f"{where}[{n}]"))


def _loose_references(index: Index) -> Iterator[Issue]:
    """A ``urn:uuid:`` reference names a resource in the Bundle; one that finds none, where
    keepwell does not follow it, is named as a warning (the references keepwell follows are
    checked where they are read, and refuse the message)."""
    for i in sorted(index.resources):
        for ref, where in _references(index.resources[i], _at(i)):
            if ref.startswith("urn:uuid:") and index.find({"reference": ref}) is None:
                yield warning(
                    f"{ref} is not in the Bundle; keepwell does not follow this reference",
                    where,
                    "not-found",
                )


def _unstorable(data: object) -> Iterator[Issue]:
    """Text no database keeps: a NUL character (PostgreSQL refuses it) or a lone surrogate
    (valid JSON, ``"\\ud800"``, but no text). Named where found, keys included."""
    stack: list[tuple[object, str]] = [(data, "Bundle")]
    while stack:
        node, where = stack.pop()
        items: list[tuple[object, object, str]] = []
        if isinstance(node, dict):
            items = [(key, child, f"{where}.{key}") for key, child in node.items()]
        elif isinstance(node, list):
            items = [(None, child, f"{where}[{n}]") for n, child in enumerate(node)]
        for key, child, path in items:
            for text in (key, child):
                if isinstance(text, str) and not _storable(text):
                    yield error("Text may not hold NUL characters or lone surrogates", path)
            if isinstance(child, (dict, list)):
                stack.append((child, path))


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
