"""A referral out, as a FHIR R4 ``collection`` Bundle a GP system can read."""

from __future__ import annotations

from django.utils import timezone

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.directory.models import Organisation
from keepwell.people.models import Person
from keepwell.referrals.fhir.codes import (
    BCP47,
    NHS_NUMBER,
    NHS_NUMBER_VERIFICATION,
    NHS_NUMBER_VERIFICATION_CS,
    NOTE_PREFIXES,
    ODS,
    PRIORITY,
    REQUEST_STATUS,
    SNOMED,
    SOCIAL_PRESCRIBING,
    TASK_STATUS,
    UK_CORE,
    URN_UUID,
    _id,
    _instant,
    _system,
    _urn,
    organisation_system,
    service_system,
    status_system,
)
from keepwell.referrals.models import Direction, Referral


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


def exported_bundle(referral: Referral, *, by, via: str = "api") -> dict:
    """The referral as a Bundle for a system outside keepwell: the export is audited."""
    audit.record(
        by,
        Action.EXPORT,
        referral,
        person_id=referral.person_id,
        purpose=Purpose.REFERRAL,
        via=via,
        summary="Exported the referral as FHIR",
    )
    return referral_bundle(referral)
