"""Searching the directory: by words, near a postcode, by category, term, language and day."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.db.models import Exists, OuterRef, Q, QuerySet

from keepwell.core.querystring import last_page
from keepwell.directory.models import (
    Location,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from keepwell.directory.services.listings import words_of
from keepwell.places.geo import bounding_box, haversine_km

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
