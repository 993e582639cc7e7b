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
from keepwell.referrals.bars.bundle import (
    Index,
    codings,
    concept_words,
    dict_of,
    identifiers,
    list_of,
    references,
    text_of,
    unstorable,
)
from keepwell.referrals.bars.issues import Issue, error, warning

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
# The NHS Directory of Services' id of a service: how NHS systems route BaRS referrals.
DOS_SERVICE_ID = "https://fhir.nhs.uk/Id/dos-service-id"
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
    (``keepwell``), the NHS Directory of Services id a service records on its page
    (``dos``), an organisation's ODS code (``ods``), with the HealthcareService's name to
    choose among that organisation's services."""

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
    message.problems += list(unstorable(data))
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
            kind = text_of(resource.get("resourceType")) or "A resource"
            message.warnings.append(
                warning(
                    f"{kind} is kept with the referral's original message; keepwell does "
                    "not map it",
                    _at(i),
                )
            )
    message.warnings += list(_loosereferences(index))
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
        resource = dict_of(entry).get("resource")
        if not isinstance(entry, dict):
            problems.append(error("An entry must be a JSON object", f"Bundle.entry[{i}]"))
        elif not isinstance(resource, dict) or not text_of(resource.get("resourceType")):
            problems.append(
                error(
                    "An entry's resource must be a FHIR resource with a resourceType",
                    f"Bundle.entry[{i}].resource",
                    "required" if resource is None else "structure",
                )
            )
        else:
            entries.append((i, resource, text_of(entry.get("fullUrl"))))
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
    message.message_id = text_of(header.get("id")) or full_url.removeprefix("urn:uuid:")
    if not message.message_id:
        problems.append(
            error(
                "The MessageHeader needs an id: a repeat is known by it", f"{where}.id", "required"
            )
        )
    event = dict_of(header.get("eventCoding"))
    message.event = text_of(event.get("code"))
    message.event_system = text_of(event.get("system"))
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
    # The first coding keepwell knows is the reason; codings in other systems may sit beside
    # it. None known (and some given) refuses the message; none given means a new referral.
    reasons = [text_of(c.get("code")) for c in codings(header.get("reason"))]
    known = [code for code in reasons if code in REASONS]
    if known:
        message.reason = known[0]
    elif reasons:
        problems.append(
            error(
                f"reason {reasons[0] or '(none)'} is not one of {', '.join(REASONS)}",
                f"{where}.reason.coding[0].code",
                "not-supported",
            )
        )
    message.source_endpoint = text_of(dict_of(header.get("source")).get("endpoint"))
    destinations = [dict_of(d) for d in list_of(header.get("destination"))]
    message.destination_endpoint = text_of(destinations[0].get("endpoint")) if destinations else ""
    sender = index.find(header.get("sender"))
    if sender is not None:
        codes = identifiers(index.resources[sender], ODS)
        message.sender_ods = codes[0][1] if codes else ""
    focus = list_of(header.get("focus"))
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
        kind = text_of(index.resources[target].get("resourceType"))
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
    status = text_of(request.get("status"))
    if status not in REQUEST_STATUSES:
        problems.append(error("status is not a ServiceRequest status", f"{where}.status", "value"))
    message.request_status = status
    message.validation = any(
        text_of(c.get("code")) == VALIDATION
        for concept in list_of(request.get("category"))
        for c in codings(concept)
    )
    values = [
        text_of(dict_of(i).get("value"))
        for i in list_of(request.get("identifier"))
        if text_of(dict_of(i).get("value"))
    ]
    rid = text_of(request.get("id"))
    message.service_request_id = values[0] if values else rid
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
        name = dict_of(list_of(resource.get("name"))[0]) if list_of(resource.get("name")) else {}
        given = " ".join(text_of(g) for g in list_of(name.get("given")) if text_of(g))
        family = text_of(name.get("family"))
        message.requester_name = text_of(name.get("text")) or " ".join(
            p for p in (given, family.title() if family.isupper() else family) if p
        )
    if kind == "Organization":
        message.requester_ods += [code for _, code in identifiers(resource, ODS)]
        if not message.requester_name:
            message.requester_name = text_of(resource.get("name"))


def _performer(request: dict, index: Index, message: Message, system: str) -> set[int]:
    used: set[int] = set()
    for n, performer in enumerate(list_of(request.get("performer"))):
        where = f"{message.request_at}.performer[{n}]"
        performer = dict_of(performer)
        ident = dict_of(performer.get("identifier"))
        ident_system = text_of(ident.get("system")).lower()
        if ident_system == system.lower() and text_of(ident.get("value")):
            message.targets.append(
                Target("keepwell", text_of(ident["value"]), f"{where}.identifier")
            )
        elif ident_system == DOS_SERVICE_ID.lower() and text_of(ident.get("value")):
            message.targets.append(Target("dos", text_of(ident["value"]), f"{where}.identifier"))
        ref = text_of(performer.get("reference"))
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
        name = text_of(resource.get("name"))
        for k, value in identifiers(resource, system):
            message.targets.append(Target("keepwell", value, f"{_at(found)}.identifier[{k}]"))
        for k, value in identifiers(resource, DOS_SERVICE_ID):
            message.targets.append(Target("dos", value, f"{_at(found)}.identifier[{k}]"))
        owners = [found]
        provider = index.find(resource.get("providedBy"))
        if provider is not None:
            used.add(provider)
            owners.append(provider)
        for owner in owners:
            for k, value in identifiers(index.resources[owner], ODS):
                message.targets.append(
                    Target("ods", value, f"{_at(owner)}.identifier[{k}]", name=name)
                )
    return used


def _what_they_ask(request: dict, message: Message) -> None:
    where = message.request_at
    priority = text_of(request.get("priority"))
    if priority in PRIORITIES:
        message.priority = priority
    elif priority:
        message.problems.append(
            error("priority is not a request priority", f"{where}.priority", "value")
        )
    reasons = []
    for n, concept in enumerate(list_of(request.get("reasonCode"))):
        urgent = [
            URGENCY_CODES[text_of(c.get("code"))]
            for c in codings(concept)
            if text_of(c.get("system")).lower() == CLINICAL_URGENCY
            and text_of(c.get("code")) in URGENCY_CODES
        ]
        if urgent and not priority:
            message.priority = urgent[0]
        message.theme_codes += [text_of(c.get("code")) for c in codings(concept)]
        words = concept_words(concept)
        if words:
            reasons.append(words)
        elif not urgent:
            message.warnings.append(
                warning("A reasonCode with no words is not kept", f"{where}.reasonCode[{n}]")
            )
    message.reason_text = "\n".join(reasons)
    needs = [text_of(dict_of(note).get("text")) for note in list_of(request.get("note"))]
    needs = [n for n in needs if n]
    occurrence = text_of(request.get("occurrenceDateTime")) or text_of(
        dict_of(request.get("occurrencePeriod")).get("start")
    )
    if occurrence:
        needs.append(f"Wanted from {occurrence}")
    instruction = text_of(request.get("patientInstruction"))
    if instruction:
        needs.append(f"Told to the patient: {instruction}")
    message.needs = "\n".join(needs)


def _patient(resource: dict, where: str, message: Message) -> PatientIn:
    patient = PatientIn(where=where)
    names = [dict_of(n) for n in list_of(resource.get("name"))]
    at = next((i for i, n in enumerate(names) if n.get("use") == "official"), 0)
    name = names[at] if names else {}
    patient.name_at = f"{where}.name[{at}]"
    patient.given = " ".join(text_of(g) for g in list_of(name.get("given")) if text_of(g))
    patient.family = text_of(name.get("family"))
    if not patient.given and not patient.family:
        message.problems.append(error("The Patient needs a name", f"{where}.name", "required"))
    numbers = identifiers(resource, NHS_NUMBER)
    if numbers:
        patient.nhs_number = "".join(ch for ch in numbers[0][1] if ch.isalnum())
        patient.nhs_number_at = f"{where}.identifier[{numbers[0][0]}].value"
    birth = text_of(resource.get("birthDate"))
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
    for telecom in list_of(resource.get("telecom")):
        telecom = dict_of(telecom)
        system, value = text_of(telecom.get("system")), text_of(telecom.get("value"))
        if system == "phone" and telecom.get("use") == "mobile" and not patient.mobile:
            patient.mobile = value
        elif system == "phone" and not patient.phone:
            patient.phone = value
        elif system == "email" and not patient.email:
            patient.email = value
    addresses = [dict_of(a) for a in list_of(resource.get("address"))]
    if addresses:
        lines = [text_of(line) for line in list_of(addresses[0].get("line"))]
        patient.address_line_1 = lines[0] if lines else ""
        patient.address_line_2 = lines[1] if len(lines) > 1 else ""
        patient.town = text_of(addresses[0].get("city"))
        raw = text_of(addresses[0].get("postalCode"))
        if raw:
            try:
                patient.postcode = Postcode(raw).value
            except InvalidPostcode as exc:
                message.problems.append(
                    error(f"postalCode: {exc}", f"{where}.address[0].postalCode", "value")
                )
    for comm in list_of(resource.get("communication")):
        for coding in codings(dict_of(comm).get("language")):
            code = text_of(coding.get("code")).split("-")[0].lower()
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
            status = text_of(resource.get("status")) or "active"
            words = concept_words(resource.get("code"))
            category = "; ".join(
                concept_words(c) for c in list_of(resource.get("category")) if concept_words(c)
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
            period = dict_of(resource.get("period"))
            until = text_of(period.get("end"))
            flags.append(
                (f"{category}: " if category else "")
                + words
                + (f" (until {until[:10]})" if until else "")
            )
    message.safety_notes = "\n".join(flags)
    return used


def _consent(resource: dict, where: str, message: Message) -> ConsentIn:
    consent = ConsentIn(where=where, status=text_of(resource.get("status")))
    stamp = text_of(resource.get("dateTime"))
    if stamp:
        try:
            consent.given_on = date.fromisoformat(stamp[:10])
        except ValueError:
            message.problems.append(error("dateTime is not a date", f"{where}.dateTime", "value"))
    scopes = [text_of(c.get("code")) for c in codings(resource.get("scope"))]
    consent.scope = scopes[0] if scopes else ""
    consent.policies = [
        text_of(c.get("code"))
        for rule in list_of(resource.get("policyRule"))
        for c in codings(rule)
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


def _loosereferences(index: Index) -> Iterator[Issue]:
    """A ``urn:uuid:`` reference names a resource in the Bundle; one that finds none, where
    keepwell does not follow it, is named as a warning (the references keepwell follows are
    checked where they are read, and refuse the message)."""
    for i in sorted(index.resources):
        for ref, where in references(index.resources[i], _at(i)):
            if ref.startswith("urn:uuid:") and index.find({"reference": ref}) is None:
                yield warning(
                    f"{ref} is not in the Bundle; keepwell does not follow this reference",
                    where,
                    "not-found",
                )
