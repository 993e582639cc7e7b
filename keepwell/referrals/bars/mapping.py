"""What a BaRS message names, found in keepwell: the service it is for, the organisation that
sends it, and the person it is about. Reads only; a refusal says why, by FHIRPath.

The directory records no ODS code or other identifier of a service itself: a service is
named by keepwell's own service identifier, or by its organisation's ODS code (the one
service that organisation lists, or the one whose name the HealthcareService gives).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass

from django.db.models import Q

from keepwell.accounts.models import Role
from keepwell.directory.models import Organisation, Service
from keepwell.people.models import Person
from keepwell.referrals import services
from keepwell.referrals.bars.message import (
    DOS_SERVICE_ID,
    ODS,
    Issue,
    Message,
    PatientIn,
    Target,
    error,
)
from keepwell.referrals.fhir import service_system

# The BaRS proxy names the receiving service in this header: base64 of
# {"system": ..., "value": ...}.
TARGET_HEADER = "NHSD-Target-Identifier"


class Refused(Exception):
    """The message cannot be taken: each issue says why, and nothing is written."""

    def __init__(self, issues: list[Issue], status: int):
        super().__init__(issues[0].diagnostics if issues else "refused")
        self.issues = issues
        self.status = status


def refuse(diagnostics: str, where: str | None, code: str, status: int) -> Refused:
    return Refused([error(diagnostics, where, code, status)], status)


def header_target(raw: str) -> Target | None:
    """The service the NHSD-Target-Identifier header names, if it is sent."""
    if not raw:
        return None
    try:
        named = json.loads(base64.b64decode(raw, validate=True))
    except (binascii.Error, ValueError, RecursionError):
        named = None
    if not isinstance(named, dict) or not all(
        isinstance(named.get(key), str) and named[key] for key in ("system", "value")
    ):
        raise refuse(
            f'{TARGET_HEADER} must be base64 of {{"system": ..., "value": ...}}',
            None,
            "invalid",
            400,
        )
    system, value = named["system"].lower(), named["value"]
    if system == service_system().lower():
        return Target("keepwell", value, TARGET_HEADER)
    if system == ODS:
        return Target("ods", value, TARGET_HEADER)
    if system == DOS_SERVICE_ID.lower():
        return Target("dos", value, TARGET_HEADER)
    raise refuse(
        f"keepwell knows no service by {named['system']} {value}: name it by "
        f"{service_system()}, an NHS Directory of Services id or an ODS code",
        None,
        "not-found",
        404,
    )


def find_service(message: Message, header: Target | None) -> Service:
    """The keepwell service the message is for: the header's target first (the BaRS
    proxy's routing), else the performer's."""
    targets = [header] if header is not None else message.targets
    if not targets:
        raise refuse(
            f"Name the keepwell service: a performer with identifier system "
            f"{service_system()} or an NHS Directory of Services id, a HealthcareService or "
            "Organization with an ODS code, or "
            f"the {TARGET_HEADER} header",
            f"{message.request_at}.performer",
            "required",
            400,
        )
    published = Service.objects.select_related("organisation").filter(
        status=Service.Status.PUBLISHED
    )
    for target in targets:
        if target.how == "keepwell":
            try:
                wanted = uuid.UUID(target.value)
            except ValueError:
                continue
            found = published.filter(uuid=wanted).first()
            if found is not None:
                return found
        elif target.how == "dos":
            found = published.filter(dos_service_id=target.value).order_by("pk").first()
            if found is not None:
                return found
    for target in targets:
        if target.how != "ods":
            continue
        offered = list(published.filter(organisation__ods_code__iexact=target.value))
        if target.name:
            named = [s for s in offered if s.name.lower() == target.name.lower()]
            offered = named or offered
        if len(offered) == 1:
            return offered[0]
        if len(offered) > 1:
            raise refuse(
                f"ODS code {target.value} names {offered[0].organisation.name}, which lists "
                f"{len(offered)} services: name one by {service_system()}",
                target.where,
                "multiple-matches",
                400,
            )
    first = targets[0]
    named_by = {"dos": "NHS Directory of Services id ", "ods": "ODS code "}.get(first.how, "")
    raise refuse(
        f"keepwell has no service with {named_by or 'identifier '}{first.value}",
        first.where,
        "not-found",
        404,
    )


def sending_organisation(message: Message, by) -> Organisation | None:
    """The organisation the message comes from: one the caller works for, named by the ODS
    code of the requester's organisation or the MessageHeader's sender; else the caller's
    own (their practice first)."""
    mine = services.referring_organisations(by, Role.NHS_CONNECTOR, Role.COORDINATOR)
    codes = [c.upper() for c in [*message.requester_ods, message.sender_ods] if c]
    if not codes:
        return mine[0] if mine else None
    match = [o for o in mine if o.ods_code and o.ods_code.upper() in codes]
    if match:
        return match[0]
    if by.is_platform_admin:
        return Organisation.objects.filter(ods_code__iexact=codes[0]).first()
    where = message.requester_at or "Bundle.entry[0].resource.sender"
    raise refuse(
        f"ODS code {codes[0]} is not an organisation you work for", where, "business-rule", 422
    )


@dataclass
class Match:
    person: Person | None
    how: str  # "nhs number", "details", or "" (none: a new record)
    others: int = 0  # how many more matched the details, so none was chosen


def match_person(patient: PatientIn, by) -> Match:
    """The person the Patient is, among those ``by`` may see: by NHS number first, else by
    first and last name, date of birth and postcode all exactly; several alike are never
    chosen between."""
    visible = Person.objects.visible_to(by)
    if patient.nhs_number:
        found = visible.filter(nhs_number=patient.nhs_number).first()
        return Match(found, "nhs number" if found else "")
    if not (patient.given and patient.birth_date and patient.postcode):
        return Match(None, "")
    alike = list(
        visible.filter(
            Q(given_name__iexact=patient.given),
            Q(family_name__iexact=patient.family),
            date_of_birth=patient.birth_date,
            postcode=patient.postcode,
        )
        .distinct()
        .order_by("pk")[:5]
    )
    if len(alike) == 1:
        return Match(alike[0], "details")
    return Match(None, "", others=len(alike))
