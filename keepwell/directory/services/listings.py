"""Services and their venues, and the search words kept on them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from keepwell.audit.services import acting_user, diff
from keepwell.directory.models import (
    ListingChange,
    Location,
    Organisation,
    Schedule,
    Service,
    ServiceAtLocation,
)
from keepwell.directory.schedules import Slot
from keepwell.directory.services.history import created, record_change, service_snapshot
from keepwell.places.postcodes import Postcode
from keepwell.places.services import PostcodeLookup, area_for_postcode

_WORD = re.compile(r"[\w'-]+")


def words_of(text: str) -> list[str]:
    """Lower-case search words; the search matches each as a substring of search_text."""
    return [w.strip("'-") for w in _WORD.findall((text or "").lower()) if w.strip("'-")][:8]


def build_search_text(service: Service, org_name: str, term_names: Iterable[str]) -> str:
    parts = [
        service.name,
        org_name,
        service.get_category_display(),
        " ".join(term_names),
        service.description,
        service.eligibility,
    ]
    return " ".join(" ".join(words_of_all(p)) for p in parts if p)


def words_of_all(text: str) -> list[str]:
    return [w.strip("'-") for w in _WORD.findall(text.lower()) if w.strip("'-")]


def refresh_search_text(service_ids: Iterable[int]) -> None:
    ids = list(service_ids)
    if not ids:
        return
    services = Service.objects.filter(id__in=ids).select_related("organisation")
    services = services.prefetch_related("taxonomy_terms")
    changed = []
    for service in services:
        text = build_search_text(
            service, service.organisation.name, (t.name for t in service.taxonomy_terms.all())
        )
        if text != service.search_text:
            service.search_text = text
            changed.append(service)
    Service.objects.bulk_update(changed, ["search_text"], batch_size=500)
    sync_venues(ids)


def sync_venues(service_ids: Iterable[int]) -> None:
    """Copy each service's category, status and search words to its venue rows, which the
    search near a postcode reads alone (see ServiceAtLocation)."""
    own = Service.objects.filter(pk=OuterRef("service_id"))
    ServiceAtLocation.objects.filter(service_id__in=list(service_ids)).update(
        published=Exists(own.filter(status=Service.Status.PUBLISHED)),
        category=Subquery(own.values("category")[:1]),
        search_text=Subquery(own.values("search_text")[:1]),
    )


@dataclass
class Venue:
    address_1: str
    town: str
    postcode: str
    address_2: str = ""
    name: str = ""
    confidential: bool = False


def place_venue(org: Organisation, venue: Venue) -> Location:
    """The organisation's location at this address, created or updated, with its position."""
    postcode = Postcode(venue.postcode).value
    location = Location.objects.filter(
        organisation=org, postcode=postcode, address_1__iexact=venue.address_1.strip()
    ).first()
    if location is None:
        location = Location(organisation=org, postcode=postcode)
    location.address_1 = venue.address_1.strip()
    location.address_2 = venue.address_2.strip()
    location.town = venue.town.strip()
    location.name = venue.name.strip() or location.name
    location.confidential = venue.confidential
    found = PostcodeLookup().try_locate(postcode)
    location.latitude = found.latitude if found else None
    location.longitude = found.longitude if found else None
    location.area = area_for_postcode(postcode)
    location.save()
    ServiceAtLocation.objects.filter(location=location).update(
        latitude=location.latitude,
        longitude=location.longitude,
        confidential=location.confidential,
    )
    return location


def attach(service: Service, location: Location, *, sal_uuid=None) -> ServiceAtLocation:
    sal, _ = ServiceAtLocation.objects.update_or_create(
        service=service,
        location=location,
        defaults={
            "latitude": location.latitude,
            "longitude": location.longitude,
            "confidential": location.confidential,
            "published": service.status == Service.Status.PUBLISHED,
            "category": service.category,
            "search_text": service.search_text,
            **({"uuid": sal_uuid} if sal_uuid else {}),
        },
    )
    return sal


def set_slots(service: Service, slots: Iterable[Slot]) -> None:
    service.schedules.all().delete()
    Schedule.objects.bulk_create(
        Schedule(
            service=service,
            frequency=slot.frequency,
            weekday=slot.weekday,
            week_of_month=slot.week_of_month,
            opens_at=slot.opens_at,
            closes_at=slot.closes_at,
        )
        for slot in slots
    )


def _apply_service(service: Service, *, taxonomy_terms, languages, slots, venue) -> None:
    if taxonomy_terms is not None:
        service.taxonomy_terms.set(taxonomy_terms)
    if languages is not None:
        service.languages.set(languages)
    if slots is not None:
        set_slots(service, slots)
    if venue is not None or service.delivery != Service.Delivery.IN_PERSON:
        if service.delivery != Service.Delivery.IN_PERSON:
            service.at_locations.all().delete()
        elif venue is not None:
            location = place_venue(service.organisation, venue)
            first = service.at_locations.order_by("id").first()
            if first is not None and first.location_id != location.pk:
                first.delete()
            attach(service, location)
    refresh_search_text([service.pk])


@transaction.atomic
def create_service(
    org: Organisation,
    *,
    by,
    taxonomy_terms=(),
    languages=(),
    slots=(),
    venue: Venue | None = None,
    verified: bool = True,
    **fields,
) -> Service:
    service = Service(organisation=org, **fields)
    if verified:
        service.last_verified_at = timezone.now()
        service.last_verified_by = acting_user(by)
    service.full_clean(exclude=["organisation"])
    service.save()
    _apply_service(
        service, taxonomy_terms=taxonomy_terms, languages=languages, slots=slots, venue=venue
    )
    record_change(
        org,
        ListingChange.Action.CREATE,
        by=by,
        service=service,
        changes=created(service_snapshot(service)),
    )
    return service


@transaction.atomic
def update_service(
    service: Service,
    *,
    by,
    taxonomy_terms=None,
    languages=None,
    slots=None,
    venue: Venue | None = None,
    action: str | None = None,
    **fields,
) -> dict:
    """Change a listing; saving it as its owner also counts as checking it is still right."""
    before = service_snapshot(service)
    for name, value in fields.items():
        setattr(service, name, value)
    service.last_verified_at = timezone.now()
    service.last_verified_by = acting_user(by)
    service.full_clean(exclude=["organisation"])
    service.save()
    _apply_service(
        service, taxonomy_terms=taxonomy_terms, languages=languages, slots=slots, venue=venue
    )
    changes = diff(before, service_snapshot(service))
    record_change(
        service.organisation,
        action or ListingChange.Action.UPDATE,
        by=by,
        service=service,
        changes=changes,
    )
    return changes


@transaction.atomic
def verify_service(service: Service, *, by) -> None:
    """The owner checked the listing and it is still right: it is no longer stale."""
    service.last_verified_at = timezone.now()
    service.last_verified_by = by
    service.save(update_fields=["last_verified_at", "last_verified_by", "updated_at"])
    record_change(service.organisation, ListingChange.Action.VERIFY, by=by, service=service)


def review_queue(user, *, now: datetime | None = None):
    """Published listings not checked for DIRECTORY_STALE_MONTHS, oldest first.

    Coordinators see their own organisations' listings; the mapping team sees them all.
    """
    from keepwell.accounts.models import Role

    services = Service.objects.published().stale(now).select_related("organisation")
    if not (user.is_platform_admin or user.has_role(Role.NHS_CONNECTOR)):
        services = services.filter(organisation_id__in=user.organisation_ids())
    return services.order_by("last_verified_at", "name", "id")
