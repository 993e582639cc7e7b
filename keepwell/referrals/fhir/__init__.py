"""Referrals as FHIR: a Bundle of ServiceRequest, Patient, Organization and Task, out and in.

Version: FHIR R4 (4.0.1) on the wire, validated with ``fhir.resources.R4B``. fhir.resources
8 defaults to R5; its R4B package (FHIR 4.3) is the nearest it ships to R4, and for the
elements used here (Bundle, ServiceRequest, Patient, Organization, Task, OperationOutcome)
R4 and R4B are the same on the wire. UK Core conventions are followed where they exist:
profiles in ``meta.profile``, NHS numbers under https://fhir.nhs.uk/Id/nhs-number with the
UK Core verification-status extension, ODS codes under
https://fhir.nhs.uk/Id/ods-organization-code, and SNOMED CT 871731000000106 "Referral to
social prescribing service" as the code of a referral to a community service.

The package: ``codes`` (systems, ids, and our statuses in FHIR), ``export`` (a referral as a
Bundle), ``reading`` (the body as JSON, and the problems that refuse it), ``parsing`` (a
Bundle read into what a referral needs) and ``receiving`` (the referral made from it).
"""

from __future__ import annotations

from keepwell.referrals.fhir.codes import (
    PRIORITY,
    REQUEST_STATUS,
    SOCIAL_PRESCRIBING,
    TASK_STATUS,
    organisation_system,
    service_system,
    status_system,
)
from keepwell.referrals.fhir.export import exported_bundle, referral_bundle
from keepwell.referrals.fhir.reading import (
    MAX_DEPTH,
    BundleRejected,
    Problem,
    operation_outcome,
    read_bundle_json,
)
from keepwell.referrals.fhir.receiving import create_from_bundle

__all__ = [
    "MAX_DEPTH",
    "PRIORITY",
    "REQUEST_STATUS",
    "SOCIAL_PRESCRIBING",
    "TASK_STATUS",
    "BundleRejected",
    "Problem",
    "create_from_bundle",
    "exported_bundle",
    "operation_outcome",
    "organisation_system",
    "read_bundle_json",
    "referral_bundle",
    "service_system",
    "status_system",
]
