"""Writing our listings as Open Referral UK JSON, for the feed and the export.

Optional fields are left out rather than sent as null or "". Confidential venues are never
written: not their address, not their position.
"""

from __future__ import annotations

import uuid

from keepwell.directory.models import (
    Location,
    Organisation,
    OrganisationKind,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from keepwell.directory.oruk.common import (
    KIND_TAXONOMY,
    NAMESPACE,
    STATUS,
    _clean,
    _datetime,
    _hhmm,
    _named,
    derived,
)
from keepwell.directory.schedules import byday, describe_slot


def kind_taxonomy_id() -> str:
    return derived("taxonomy", "organisation-kinds")


def kind_term(kind: str) -> dict:
    return {
        "id": derived("organisation-kind", kind),
        "name": OrganisationKind(kind).label,
        "description": OrganisationKind(kind).label,
        "taxonomy": KIND_TAXONOMY,
        "taxonomy_id": kind_taxonomy_id(),
        "code": kind,
    }


def term_dict(term: TaxonomyTerm) -> dict:
    return _clean(
        {
            **_named(term),
            "parent_id": str(term.parent.uuid) if term.parent_id else None,
            "taxonomy": term.taxonomy.name,
            "taxonomy_id": str(term.taxonomy.uuid),
            "code": term.code,
        }
    )


def taxonomy_dict(taxonomy: Taxonomy) -> dict:
    return _clean(
        {
            **_named(taxonomy),
            "uri": taxonomy.uri,
            "version": taxonomy.version,
        }
    )


def organization_dict(org: Organisation) -> dict:
    identifiers = []
    if org.charity_number:
        identifiers.append(
            {
                "id": derived(org.uuid, "charity"),
                "organization_id": str(org.uuid),
                "identifier_scheme": "GB-CHC",
                "identifier_type": "Charity number",
                "identifier": org.charity_number,
            }
        )
    if org.company_number:
        identifiers.append(
            {
                "id": derived(org.uuid, "company"),
                "organization_id": str(org.uuid),
                "identifier_scheme": "GB-COH",
                "identifier_type": "CIC number" if org.is_cic else "Company number",
                "identifier": org.company_number,
            }
        )
    kind = kind_term(org.kind)
    return _clean(
        {
            **_organization_brief(org),
            "organization_identifiers": identifiers,
            "attributes": [
                {
                    "id": derived(org.uuid, "kind"),
                    "link_id": str(org.uuid),
                    "link_type": "organization",
                    "link_entity": "organization",
                    "taxonomy_term_id": kind["id"],
                    "taxonomy_term": kind,
                }
            ],
        }
    )


def _service_core(service: Service) -> dict:
    return {
        "id": str(service.uuid),
        "organization_id": str(service.organisation.uuid),
        "name": service.name,
        "description": service.description,
        "url": service.url,
        "email": service.email,
        "status": STATUS[service.status],
        "minimum_age": service.min_age,
        "maximum_age": service.max_age,
        "eligibility_description": service.eligibility,
        "assured_date": service.last_verified_at.date().isoformat()
        if service.last_verified_at
        else None,
        "last_modified": _datetime(service.updated_at),
    }


def service_summary(service: Service) -> dict:
    """A list item: the service's one-to-one fields and its organisation."""
    return _clean(
        {**_service_core(service), "organization": _organization_brief(service.organisation)}
    )


def _organization_brief(org: Organisation) -> dict:
    return _clean(
        {
            **_named(org),
            "email": org.email,
            "website": org.website,
            "parent_organization_id": str(org.parent.uuid) if org.parent_id else None,
        }
    )


def location_dict(location: Location, accessibility: str = "") -> dict:
    address = {
        "id": derived(location.uuid, "address"),
        "location_id": str(location.uuid),
        "address_1": ", ".join(p for p in (location.address_1, location.address_2) if p),
        "city": location.town,
        "state_province": location.town,
        "postal_code": location.postcode,
        "country": "GB",
        "address_type": "physical",
    }
    return _clean(
        {
            "id": str(location.uuid),
            "location_type": "physical",
            "name": location.name or location.address_1,
            "latitude": location.latitude,
            "longitude": location.longitude,
            "addresses": [address],
            "accessibility": [
                {
                    "id": derived(location.uuid, "accessibility"),
                    "location_id": str(location.uuid),
                    "description": accessibility,
                }
            ]
            if accessibility
            else [],
        }
    )


def schedule_dict(schedule: Schedule, service: Service) -> dict:
    return _clean(
        {
            "id": str(schedule.uuid),
            "service_id": str(service.uuid),
            "freq": "WEEKLY" if schedule.frequency == "weekly" else "MONTHLY",
            "interval": 1,
            "byday": byday(schedule),
            "opens_at": _hhmm(schedule.opens_at),
            "closes_at": _hhmm(schedule.closes_at),
            "description": describe_slot(schedule),
            "notes": service.schedule_notes,
        }
    )


def _category_term(category: str) -> TaxonomyTerm | None:
    return (
        TaxonomyTerm.objects.filter(uuid=uuid.uuid5(NAMESPACE, f"table-two/{category}"))
        .select_related("taxonomy", "parent")
        .first()
    )


def service_full(service: Service) -> dict:
    """The fully nested service of ``/services/{id}``. Prefetch what it reads (see
    ``full_services``) when writing many."""
    sid = str(service.uuid)
    terms = list(service.taxonomy_terms.all())
    category_term = next((t for t in terms if t.code == service.category), None)
    if category_term is None:
        category_term = _category_term(service.category)
        if category_term is not None:
            terms.append(category_term)
    attributes = [
        {
            "id": derived(service.uuid, "term", term.uuid),
            "link_id": sid,
            "link_type": "service",
            "link_entity": "service",
            "taxonomy_term_id": str(term.uuid),
            "taxonomy_term": term_dict(term),
        }
        for term in sorted(terms, key=lambda t: t.name)
    ]
    cost = []
    if service.is_free:
        cost.append(
            {"id": derived(service.uuid, "cost"), "service_id": sid, "option": "Free", "amount": 0}
        )
    elif service.cost_pence is not None or service.cost_description:
        cost.append(
            _clean(
                {
                    "id": derived(service.uuid, "cost"),
                    "service_id": sid,
                    "option": "Charge",
                    # ORUK amounts are numbers of pounds; we keep whole pence.
                    "amount": service.cost_pence / 100 if service.cost_pence is not None else None,
                    "amount_description": service.cost_description,
                }
            )
        )
    contacts = []
    if service.phone:
        contacts.append(
            {
                "id": derived(service.uuid, "contact"),
                "service_id": sid,
                "name": service.organisation.name,
                "phones": [{"id": derived(service.uuid, "phone"), "number": service.phone}],
            }
        )
    return _clean(
        {
            **_service_core(service),
            "organization": organization_dict(service.organisation),
            "schedules": [schedule_dict(s, service) for s in service.schedules.all()],
            "service_areas": [
                {
                    "id": derived(service.uuid, "area", area.slug),
                    "service_id": sid,
                    "name": area.name,
                    "service_area": area.name,
                }
                for area in service.organisation.areas_served.all()
            ],
            "service_at_locations": [
                {
                    "id": str(sal.uuid),
                    "service_id": sid,
                    "location_id": str(sal.location.uuid),
                    "location": location_dict(sal.location, service.accessibility),
                }
                for sal in service.at_locations.all()
                if not sal.location.confidential
            ],
            "languages": [
                {
                    "id": derived(service.uuid, "language", lang.code),
                    "service_id": sid,
                    "name": lang.name,
                    "code": lang.code,
                }
                for lang in service.languages.all()
            ],
            "cost_options": cost,
            "contacts": contacts,
            "attributes": attributes,
        }
    )


def full_services(queryset):
    from django.db.models import Prefetch

    return queryset.select_related("organisation", "organisation__parent").prefetch_related(
        "schedules",
        "languages",
        "organisation__areas_served",
        Prefetch("taxonomy_terms", TaxonomyTerm.objects.select_related("taxonomy", "parent")),
        Prefetch("at_locations", ServiceAtLocation.objects.select_related("location")),
    )


def sal_summary(sal: ServiceAtLocation, distance_m: float | None = None) -> dict:
    location = sal.location
    return _clean(
        {
            "id": str(sal.uuid),
            "service_id": str(sal.service.uuid),
            "location_id": str(location.uuid),
            "location": _clean(
                {
                    "id": str(location.uuid),
                    "location_type": "physical",
                    "name": location.name or location.address_1,
                    "latitude": location.latitude,
                    "longitude": location.longitude,
                }
            ),
            "service": service_summary(sal.service),
            "distance": round(distance_m) if distance_m is not None else None,
        }
    )


def export_document(services) -> dict:
    """Every given service, fully nested, in the paged-list shape: one page holds them all."""
    contents = [service_full(s) for s in full_services(services)]
    return {
        "total_items": len(contents),
        "total_pages": 1,
        "page_number": 1,
        "size": len(contents),
        "first_page": True,
        "last_page": True,
        "empty": not contents,
        "contents": contents,
    }
