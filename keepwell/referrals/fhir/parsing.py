"""A Bundle read into what a referral needs, naming each problem by the element it came
from (``Bundle.entry[1].resource.name[0].given[2]``). Reads only: nothing is written."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from keepwell.accounts.models import Role
from keepwell.directory.models import Organisation, Service
from keepwell.people.models import ContactChannel, Language, Person
from keepwell.people.validators import date_of_birth_problem, is_valid_nhs_number
from keepwell.places.postcodes import InvalidPostcode, Postcode
from keepwell.referrals import services
from keepwell.referrals.fhir.codes import (
    NHS_NUMBER,
    NOTE_PREFIXES,
    ODS,
    REQUEST_INTENTS,
    REQUEST_STATUSES,
    URGENCY_FROM_PRIORITY,
    URN_UUID,
    organisation_system,
    service_system,
)
from keepwell.referrals.fhir.reading import Problem
from keepwell.referrals.models import Referral, Theme, Urgency


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
