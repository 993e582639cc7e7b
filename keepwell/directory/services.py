"""Directory use cases. Every write goes through here, in one transaction, and leaves a
:class:`ListingChange` row saying who changed what.

Directory data is about organisations, not people, so these writes need no audit rows;
the one exception is an *individual's* listing, where the organisation is a person: reads
of it are ordinary public listings they chose to publish, and changes are in the history.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.text import slugify

from keepwell.core.querystring import last_page
from keepwell.directory.models import (
    COMMUNITY_KINDS,
    STATUTORY_KINDS,
    Interaction,
    ListingChange,
    Location,
    Organisation,
    OrganisationLink,
    RelationshipStatus,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCategory,
    Suggestion,
    TaxonomyTerm,
)
from keepwell.directory.schedules import Slot, format_slots
from keepwell.places.geo import bounding_box, haversine_km
from keepwell.places.models import Area
from keepwell.places.postcodes import Postcode
from keepwell.places.services import PostcodeLookup, area_for_postcode

# ---------------------------------------------------------------------------------------
# History


def _actor_label(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "keepwell"
    return f"{user} ({user.username})"


def _diff(before: dict, after: dict) -> dict[str, list]:
    return {
        key: [before.get(key, ""), after.get(key, "")]
        for key in sorted(set(before) | set(after))
        if before.get(key, "") != after.get(key, "")
    }


def record_change(org, action: str, *, by=None, service=None, changes=None) -> ListingChange:
    return ListingChange.objects.create(
        organisation=org,
        service=service,
        actor=by if getattr(by, "is_authenticated", False) else None,
        actor_label=_actor_label(by),
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


# ---------------------------------------------------------------------------------------
# Organisations


def _unique_slug(name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:180] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _refresh_org_services(org: Organisation) -> None:
    refresh_search_text(org.services.values_list("id", flat=True))


@transaction.atomic
def create_organisation(*, by, areas_served=(), languages=(), **fields) -> Organisation:
    org = Organisation(**fields)
    if not org.slug:
        org.slug = _unique_slug(org.name)
    org.full_clean()
    org.save()
    org.areas_served.set(areas_served)
    org.languages.set(languages)
    record_change(
        org, ListingChange.Action.CREATE, by=by, changes=_diff({}, organisation_snapshot(org))
    )
    return org


@transaction.atomic
def update_organisation(
    org: Organisation, *, by, areas_served=None, languages=None, action=None, **fields
) -> dict:
    before = organisation_snapshot(org)
    renamed = "name" in fields and fields["name"] != org.name
    for name, value in fields.items():
        setattr(org, name, value)
    org.updated_at = timezone.now()
    org.full_clean()
    org.save()
    if areas_served is not None:
        org.areas_served.set(areas_served)
    if languages is not None:
        org.languages.set(languages)
    changes = _diff(before, organisation_snapshot(org))
    if changes:
        record_change(org, action or ListingChange.Action.UPDATE, by=by, changes=changes)
    if renamed:
        _refresh_org_services(org)
    return changes


@transaction.atomic
def set_relationship(org: Organisation, *, by, status: str, owner) -> dict:
    before = {
        "relationship_status": org.get_relationship_status_display(),
        "relationship_owner": _text(org.relationship_owner),
    }
    org.relationship_status = status
    org.relationship_owner = owner
    org.save(update_fields=["relationship_status", "relationship_owner"])
    after = {
        "relationship_status": org.get_relationship_status_display(),
        "relationship_owner": _text(owner),
    }
    changes = _diff(before, after)
    if changes:
        record_change(org, ListingChange.Action.RELATIONSHIP, by=by, changes=changes)
    return changes


@transaction.atomic
def link_organisations(source, target, *, kind: str, note: str = "", by) -> OrganisationLink:
    link, created = OrganisationLink.objects.get_or_create(
        source=source, target=target, kind=kind, defaults={"note": note}
    )
    if created:
        record_change(
            source,
            ListingChange.Action.UPDATE,
            by=by,
            changes={"works with": ["", f"{link.get_kind_display()} {target}"]},
        )
    return link


@dataclass
class NetworkNode:
    organisation: Organisation
    links: list[tuple[str, Organisation]]  # (how, other organisation), both directions


def network_of(org: Organisation) -> list[tuple[str, Organisation]]:
    """Who this organisation works with, whichever side recorded the link."""
    out = [
        (link.get_kind_display(), link.target) for link in org.links_out.select_related("target")
    ]
    reverse = {
        OrganisationLink.Kind.MEMBER_OF: "has as a member",
        OrganisationLink.Kind.CONSORTIUM: "is in a consortium with",
        OrganisationLink.Kind.PARTNER: "works in partnership with",
        OrganisationLink.Kind.SUPPORTED_BY: "supports",
        OrganisationLink.Kind.FUNDED_BY: "funds",
    }
    back = [(reverse[link.kind], link.source) for link in org.links_in.select_related("source")]
    return sorted(out + back, key=lambda pair: (pair[0], pair[1].name))


def networks() -> list[NetworkNode]:
    """Every organisation with at least one link, hubs (most links) first."""
    links = list(OrganisationLink.objects.select_related("source", "target"))
    by_org: dict[int, NetworkNode] = {}
    reverse_label = {
        OrganisationLink.Kind.MEMBER_OF: "has as a member",
        OrganisationLink.Kind.SUPPORTED_BY: "supports",
        OrganisationLink.Kind.FUNDED_BY: "funds",
    }
    for link in links:
        by_org.setdefault(link.source_id, NetworkNode(link.source, [])).links.append(
            (link.get_kind_display(), link.target)
        )
        by_org.setdefault(link.target_id, NetworkNode(link.target, [])).links.append(
            (reverse_label.get(link.kind, link.get_kind_display()), link.source)
        )
    nodes = list(by_org.values())
    for node in nodes:
        node.links.sort(key=lambda pair: (pair[0], pair[1].name))
    return sorted(nodes, key=lambda n: (-len(n.links), n.organisation.name))


# ---------------------------------------------------------------------------------------
# The relationship log


@transaction.atomic
def log_interaction(org: Organisation, *, by, **fields) -> Interaction:
    if fields.get("follow_up_on") and not fields.get("follow_up_by"):
        fields["follow_up_by"] = org.relationship_owner or by
    interaction = Interaction.objects.create(organisation=org, recorded_by=by, **fields)
    # Talking to an organisation for the first time moves it along the funnel.
    if org.relationship_status == RelationshipStatus.NOT_CONTACTED:
        set_relationship(
            org,
            by=by,
            status=(
                RelationshipStatus.CONTACTED
                if interaction.kind == Interaction.Kind.CALL
                else RelationshipStatus.MET
            ),
            owner=org.relationship_owner or by,
        )
    return interaction


def follow_ups_due(user, *, today: date | None = None, within_days: int = 7):
    """Follow-ups this user owes: overdue ones first, then those due within a week."""
    today = today or timezone.localdate()
    horizon = date.fromordinal(today.toordinal() + within_days)
    return (
        Interaction.objects.filter(
            follow_up_by=user, follow_up_done_at__isnull=True, follow_up_on__lte=horizon
        )
        .select_related("organisation", "recorded_by")
        .order_by("follow_up_on", "id")
    )


@transaction.atomic
def complete_follow_up(interaction: Interaction, *, by) -> None:
    Interaction.objects.filter(pk=interaction.pk, follow_up_done_at__isnull=True).update(
        follow_up_done_at=timezone.now()
    )


# ---------------------------------------------------------------------------------------
# Services and venues

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
        service.last_verified_by = by if getattr(by, "is_authenticated", False) else None
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
        changes=_diff({}, service_snapshot(service)),
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
    service.last_verified_by = by if getattr(by, "is_authenticated", False) else None
    service.full_clean(exclude=["organisation"])
    service.save()
    _apply_service(
        service, taxonomy_terms=taxonomy_terms, languages=languages, slots=slots, venue=venue
    )
    changes = _diff(before, service_snapshot(service))
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


# ---------------------------------------------------------------------------------------
# Suggestions


@transaction.atomic
def suggest_change(subject, *, by, data: dict, changes: dict, note: str = "") -> Suggestion:
    service = subject if isinstance(subject, Service) else None
    org = service.organisation if service else subject
    return Suggestion.objects.create(
        organisation=org, service=service, suggested_by=by, data=data, changes=changes, note=note
    )


@transaction.atomic
def decide_suggestion(suggestion: Suggestion, *, by, accept: bool, reason: str = "") -> None:
    """Mark the decision. Accepting applies nothing here: the view re-validates the stored
    form data and calls update_service / update_organisation in the same transaction."""
    updated = Suggestion.objects.filter(pk=suggestion.pk, status=Suggestion.Status.PENDING).update(
        status=Suggestion.Status.ACCEPTED if accept else Suggestion.Status.REJECTED,
        decided_by=by,
        decided_at=timezone.now(),
        reason=reason,
    )
    if not updated:
        raise SuggestionAlreadyDecided("Someone has already decided on this suggestion")
    suggestion.refresh_from_db()


class SuggestionAlreadyDecided(Exception):
    pass


def suggestions_for_reviewer(user):
    from keepwell.accounts.models import Role

    pending = Suggestion.objects.filter(status=Suggestion.Status.PENDING).select_related(
        "organisation", "service", "suggested_by"
    )
    if user.is_platform_admin:
        return pending
    return pending.filter(organisation_id__in=user.organisation_ids(Role.COORDINATOR))


# ---------------------------------------------------------------------------------------
# Search

RADIUS_CHOICES_KM = (1, 2, 5, 10, 25)


@dataclass
class SearchQuery:
    words: str = ""
    point: tuple[float, float] | None = None  # (latitude, longitude) of the postcode
    radius_km: float = 5.0
    category: str = ""
    term_ids: tuple[int, ...] = ()  # a term and its children
    language: str = ""  # Language code
    weekday: int | None = None  # open on this day (0 = Monday)
    include_remote: bool = False  # with a postcode: phone and online services too
    taking_new_people: bool = False
    public: bool = True  # confidential venues never take part in a public distance search
    # Only services in this queryset: another room's rule, such as "takes self-referrals".
    among: QuerySet[Service] | None = None


@dataclass
class Result:
    service: Service
    distance_km: float | None = None
    location: Location | None = None
    languages: list = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)


@dataclass
class SearchPage:
    results: list[Result]
    total: int
    number: int
    per_page: int
    num_pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.num_pages = max(1, -(-self.total // self.per_page))

    # The shape includes/pagination.html expects of a Django Page.
    @property
    def object_list(self):
        return self.results

    @property
    def paginator(self):
        return self

    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _service_q(q: SearchQuery, prefix: str = "") -> Q:
    """The non-spatial conditions, on Service fields reached through ``prefix``."""
    p = prefix
    cond = Q(**{f"{p}status": Service.Status.PUBLISHED})
    if q.category:
        cond &= Q(**{f"{p}category": q.category})
    if q.taking_new_people:
        cond &= Q(**{f"{p}taking_new_people": True})
    for word in words_of(q.words):
        cond &= Q(**{f"{p}search_text__contains": word})
    return cond


def _service_exists(q: SearchQuery, outer: str):
    """Conditions on a service's many-to-many rows, as EXISTS subqueries (no duplicates)."""
    filters = []
    if q.among is not None:
        filters.append(Exists(q.among.filter(pk=OuterRef(outer))))
    if q.term_ids:
        through = Service.taxonomy_terms.through
        filters.append(
            Exists(
                through.objects.filter(service_id=OuterRef(outer), taxonomyterm_id__in=q.term_ids)
            )
        )
    if q.language:
        through = Service.languages.through
        filters.append(
            Exists(through.objects.filter(service_id=OuterRef(outer), language__code=q.language))
        )
    if q.weekday is not None:
        filters.append(
            Exists(Schedule.objects.filter(service_id=OuterRef(outer), weekday=q.weekday))
        )
    return filters


def _nearby(q: SearchQuery) -> tuple[list[int], dict[int, tuple[float, int]]]:
    """Service ids within the radius, nearest first, with (km, location id) of the nearest venue.

    The database narrows by a bounding box on the indexed venue position and by the other
    filters; the exact great-circle distance is then computed for the few left, in numpy.
    """
    lat, lon = q.point  # type: ignore[misc]
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, q.radius_km)
    # Only the venue rows are read: they carry the service's status, category and words.
    cond = Q(
        published=True,
        latitude__gte=min_lat,
        latitude__lte=max_lat,
        longitude__gte=min_lon,
        longitude__lte=max_lon,
    )
    if q.category:
        cond &= Q(category=q.category)
    for word in words_of(q.words):
        cond &= Q(search_text__contains=word)
    if q.taking_new_people:
        cond &= Q(service__taking_new_people=True)
    if q.public:
        cond &= Q(confidential=False)
    sal = ServiceAtLocation.objects.filter(cond, *_service_exists(q, "service_id")).order_by()
    rows = list(sal.values_list("service_id", "latitude", "longitude", "location_id"))
    if not rows:
        return [], {}
    arr = np.array([(r[1], r[2]) for r in rows], dtype=np.float64)
    km = haversine_km(lat, lon, arr[:, 0], arr[:, 1])
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    inside = np.nonzero(km <= q.radius_km)[0]
    # Nearest first; ties by id so pages are stable.
    order = inside[np.lexsort((ids[inside], km[inside]))]
    seen: dict[int, tuple[float, int]] = {}
    ordered: list[int] = []
    for i in order.tolist():
        sid = int(ids[i])
        if sid not in seen:
            seen[sid] = (float(km[i]), rows[i][3])
            ordered.append(sid)
    return ordered, seen


def search(q: SearchQuery, *, page: int = 1, per_page: int = 20) -> SearchPage:
    """A page of results; a page past the last is the last (and one before the first, the
    first), so that no number in an address is an error."""
    if q.point is None:
        services = Service.objects.filter(_service_q(q), *_service_exists(q, "id"))
        total = services.count()
        page = min(max(1, page), last_page(total, per_page))
        start = (page - 1) * per_page
        ids = list(
            services.order_by("name", "id").values_list("id", flat=True)[start : start + per_page]
        )
        nearest: dict[int, tuple[float, int]] = {}
    else:
        ordered, nearest = _nearby(q)
        if q.include_remote:
            remote = Service.objects.filter(
                _service_q(q), *_service_exists(q, "id"), ~Q(delivery=Service.Delivery.IN_PERSON)
            )
            ordered += [
                sid
                for sid in remote.order_by("name", "id").values_list("id", flat=True)
                if sid not in nearest
            ]
        total = len(ordered)
        page = min(max(1, page), last_page(total, per_page))
        start = (page - 1) * per_page
        ids = ordered[start : start + per_page]
    return SearchPage(_results(ids, nearest), total, page, per_page)


def _results(ids: list[int], nearest: dict[int, tuple[float, int]]) -> list[Result]:
    """One page of results with what the list shows, in three or four queries.

    Read straight from the tables rather than through prefetch_related: on a page of 20,
    Django's per-instance related managers cost more than the queries themselves.
    """
    if not ids:
        return []
    # The venues bring their services along; only services without a venue (phone and
    # online ones) need a query of their own.
    venues: dict[int, list[ServiceAtLocation]] = {sid: [] for sid in ids}
    found: dict[int, Service] = {}
    sals = ServiceAtLocation.objects.filter(service_id__in=ids).select_related(
        "service__organisation", "location"
    )
    for sal in sals.order_by("id"):
        venues[sal.service_id].append(sal)
        found.setdefault(sal.service_id, sal.service)
    missing = [sid for sid in ids if sid not in found]
    if missing:
        found.update(Service.objects.select_related("organisation").in_bulk(missing))
    languages: dict[int, list] = {sid: [] for sid in ids}
    through = Service.languages.through.objects.filter(service_id__in=ids)
    for row in through.select_related("language").order_by("language__name"):
        languages[row.service_id].append(row.language)
    schedules: dict[int, list[Schedule]] = {sid: [] for sid in ids}
    for slot in Schedule.objects.filter(service_id__in=ids):
        schedules[slot.service_id].append(slot)
    results = []
    for sid in ids:
        km, location_id = nearest.get(sid, (None, None))
        location = next(
            (
                sal.location
                for sal in venues[sid]
                if location_id is None or sal.location_id == location_id
            ),
            None,
        )
        results.append(Result(found[sid], km, location, languages[sid], schedules[sid]))
    return results


def terms_with_children(term: TaxonomyTerm) -> tuple[int, ...]:
    ids = {term.pk}
    frontier = {term.pk}
    while frontier:
        frontier = (
            set(TaxonomyTerm.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
            - ids
        )
        ids |= frontier
    return tuple(sorted(ids))


# ---------------------------------------------------------------------------------------
# The mapping view


@dataclass
class AreaRow:
    area: Area
    counts: dict[str, int]  # category -> published services

    @property
    def gaps(self) -> list[str]:
        return [c for c, n in self.counts.items() if n == 0]


@dataclass
class Mapping:
    area: Area | None
    organisations: int
    by_kind: list[tuple[str, str, int]]  # (kind, label, count) in Table one order
    by_category: list[tuple[str, str, int]]
    rows: list[AreaRow]
    funnel: list[tuple[str, str, int]]
    stale: list[Service]
    stale_count: int

    @property
    def gaps(self) -> list[tuple[Area, str]]:
        return [(row.area, ServiceCategory(c).label) for row in self.rows for c in row.gaps]


def mapping(area: Area | None) -> Mapping:
    """Who is in the community, by kind and category, where nothing is offered, how far the
    NHS's relationships have got, and which listings need checking."""
    if area is None:
        neighbourhoods = list(Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD))
        scope_ids = None
    else:
        ids = Area.objects.with_descendants({area.pk})
        neighbourhoods = [a for a in Area.objects.filter(id__in=ids) if a.pk != area.pk] or [area]
        scope_ids = ids
    orgs = Organisation.objects.exclude(kind__in=STATUTORY_KINDS)
    services = Service.objects.published()
    if scope_ids is not None:
        in_scope = Q(areas_served__in=scope_ids) | Q(locations__area_id__in=scope_ids)
        orgs = orgs.filter(pk__in=Organisation.objects.filter(in_scope).values("pk"))
        services = services.filter(
            Q(at_locations__location__area_id__in=scope_ids)
            | Q(
                ~Q(delivery=Service.Delivery.IN_PERSON),
                organisation__areas_served__in=scope_ids,
            )
        ).distinct()
    kind_counts = Counter(
        dict(orgs.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    )
    by_kind = [(k.value, k.label, kind_counts.get(k.value, 0)) for k in COMMUNITY_KINDS]
    if kind_counts.get("unclassified"):
        by_kind.append(("unclassified", "Not yet classified", kind_counts["unclassified"]))
    cat_counts = Counter(
        dict(
            Service.objects.filter(pk__in=services.values("pk"))
            .values_list("category")
            .annotate(n=Count("id"))
            .values_list("category", "n")
        )
    )
    by_category = [(c.value, c.label, cat_counts.get(c.value, 0)) for c in ServiceCategory]
    # Area x category: venues in the area, plus phone and online services of organisations
    # that say they serve it.
    located = (
        ServiceAtLocation.objects.filter(
            service__status=Service.Status.PUBLISHED,
            location__area__in=neighbourhoods,
        )
        .values_list("location__area_id", "service__category")
        .annotate(n=Count("service_id", distinct=True))
    )
    grid: dict[int, Counter] = {a.pk: Counter() for a in neighbourhoods}
    for area_id, category, n in located:
        grid[area_id][category] += n
    remote = (
        Service.objects.published()
        .exclude(delivery=Service.Delivery.IN_PERSON)
        .filter(organisation__areas_served__in=neighbourhoods)
        .values_list("organisation__areas_served", "category")
        .annotate(n=Count("id", distinct=True))
    )
    for area_id, category, n in remote:
        if area_id in grid:
            grid[area_id][category] += n
    rows = [
        AreaRow(a, {c.value: grid[a.pk].get(c.value, 0) for c in ServiceCategory})
        for a in sorted(neighbourhoods, key=lambda a: a.name)
    ]
    status_counts = Counter(
        dict(
            orgs.values_list("relationship_status")
            .annotate(n=Count("id"))
            .values_list("relationship_status", "n")
        )
    )
    funnel = [(s.value, s.label, status_counts.get(s.value, 0)) for s in RelationshipStatus]
    stale_qs = Service.objects.filter(pk__in=services.stale().values("pk")).select_related(
        "organisation"
    )
    return Mapping(
        area=area,
        organisations=sum(kind_counts.values()),
        by_kind=by_kind,
        by_category=by_category,
        rows=rows,
        funnel=funnel,
        stale=list(stale_qs.order_by("last_verified_at", "name")[:50]),
        stale_count=stale_qs.count(),
    )


def organisations_in(area: Area | None):
    """Community organisations in scope of the mapping view, with their relationship data."""
    orgs = Organisation.objects.exclude(kind__in=STATUTORY_KINDS)
    if area is not None:
        ids = Area.objects.with_descendants({area.pk})
        in_scope = Q(areas_served__in=ids) | Q(locations__area_id__in=ids)
        orgs = orgs.filter(pk__in=Organisation.objects.filter(in_scope).values("pk"))
    return (
        orgs.select_related("relationship_owner")
        .prefetch_related("areas_served", "languages")
        .annotate(
            **{
                f"n_{c.value}": Count(
                    "services",
                    filter=Q(services__category=c.value, services__status="published"),
                    distinct=True,
                )
                for c in ServiceCategory
            }
        )
        .order_by("name")
    )
