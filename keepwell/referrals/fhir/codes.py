"""FHIR codes and identifiers: the systems keepwell names its own ids under, the ids of
resources made from keepwell rows, and how our statuses and urgencies read in FHIR."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from keepwell.referrals.models import Status, Urgency

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
