"""The history of a listing: who changed what, kept as :class:`ListingChange` rows, and
the snapshots of an organisation or a service that the changes are worked out from."""

from __future__ import annotations

from keepwell.audit.services import actor_label, diff
from keepwell.directory.models import ListingChange, Organisation, Service
from keepwell.directory.schedules import format_slots


def record_change(org, action: str, *, by=None, service=None, changes=None) -> ListingChange:
    signed_in = getattr(by, "is_authenticated", False)
    return ListingChange.objects.create(
        organisation=org,
        service=service,
        actor=by if signed_in else None,
        # An import or the demo changes listings with no one signed in: keepwell does it.
        actor_label=actor_label(by) if signed_in else "keepwell",
        action=action,
        changes=changes or {},
    )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


ORGANISATION_FIELDS = [
    "name",
    "kind",
    "description",
    "ods_code",
    "charity_number",
    "company_number",
    "is_cic",
    "phone",
    "email",
    "website",
    "other_contact",
]


def organisation_snapshot(org: Organisation) -> dict[str, str]:
    snap = {name: _text(getattr(org, name)) for name in ORGANISATION_FIELDS}
    snap["kind"] = org.get_kind_display()
    if org.pk:
        snap["areas_served"] = ", ".join(sorted(a.name for a in org.areas_served.all()))
        snap["languages"] = ", ".join(sorted(lang.name for lang in org.languages.all()))
    return snap


SERVICE_FIELDS = [
    "name",
    "description",
    "category",
    "status",
    "accepts_referrals",
    "taking_new_people",
    "min_age",
    "max_age",
    "eligibility",
    "is_free",
    "cost_pence",
    "cost_description",
    "schedule_notes",
    "delivery",
    "accessibility",
    "access",
    "phone",
    "email",
    "url",
    "dos_service_id",
]


def service_snapshot(service: Service) -> dict[str, str]:
    snap = {name: _text(getattr(service, name)) for name in SERVICE_FIELDS}
    for name in ("category", "status", "delivery", "access"):
        snap[name] = getattr(service, f"get_{name}_display")()
    if service.pk:
        snap["taxonomy_terms"] = ", ".join(sorted(t.name for t in service.taxonomy_terms.all()))
        snap["languages"] = ", ".join(sorted(lang.name for lang in service.languages.all()))
        snap["schedule"] = format_slots(service.schedules.all())
        venues = [sal.location for sal in service.at_locations.select_related("location")]
        snap["venues"] = "; ".join(
            loc.one_line + (" (confidential)" if loc.confidential else "") for loc in venues
        )
    return snap


def created(snapshot: dict[str, str]) -> dict[str, list]:
    """The changes that make a new listing: each field with a value, from nothing."""
    return diff(dict.fromkeys(snapshot, ""), snapshot)
