"""The Open Referral UK feed at /oruk/: public, no key, any origin may read it.

Plain Django views rather than the Ninja API: the feed's paths, paging shape and error
format are fixed by the standard, not by our /api/ conventions. Only published listings
are served, and never a confidential venue.
"""

from __future__ import annotations

import uuid
from datetime import time

import numpy as np
from django.db.models import Exists, OuterRef, Q
from django.http import JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from keepwell.core.querystring import search_text_problem
from keepwell.directory import oruk
from keepwell.directory.models import (
    Organisation,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from keepwell.directory.schedules import DAYS, RRULE_DAYS
from keepwell.directory.services import (
    SearchQuery,
    _service_exists,
    _service_q,
    terms_with_children,
)
from keepwell.places.geo import bounding_box, haversine_km
from keepwell.places.postcodes import InvalidPostcode, Postcode
from keepwell.places.services import PostcodeLookup

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
# A postcode without a proximity: nearest first, within this many metres.
DEFAULT_PROXIMITY_M = 25_000
MAX_PROXIMITY_M = 200_000

SERVICE_FILTERS = {
    "search",
    "page",
    "per_page",
    "taxonomy_term_id",
    "taxonomy_id",
    "minimum_age",
    "maximum_age",
    "day",
    "start_time",
    "end_time",
    "organization_id",
    "modified_after",
}
SAL_FILTERS = SERVICE_FILTERS | {"postcode", "proximity"}
PAGING = {"page", "per_page"}


class BadRequest(Exception):
    pass


def _json(data, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(message: str, status: int = 400) -> JsonResponse:
    return _json({"message": message}, status=status)


def feed_view(allowed: set[str] | None):
    """Check the query's names, turn BadRequest into a JSON 400, and allow any origin."""

    def wrap(view):
        @require_GET
        def inner(request, *args, **kwargs):
            if allowed is not None:
                unknown = sorted(set(request.GET) - allowed)
                if unknown:
                    return _error(
                        f"Unknown filter {', '.join(unknown)}: this feed takes "
                        f"{', '.join(sorted(allowed))}"
                    )
            try:
                return view(request, *args, **kwargs)
            except BadRequest as exc:
                return _error(str(exc))

        inner.__name__ = view.__name__
        inner.__doc__ = view.__doc__
        return inner

    return wrap


def _int(request, name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {raw!r}") from None
    if not minimum <= value <= maximum:
        raise BadRequest(f"{name} must be between {minimum} and {maximum}, not {value}")
    return value


def _uuid(request, name: str) -> uuid.UUID | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a UUID, not {raw!r}") from None


def _number(request, name: str) -> float | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a number, not {raw!r}") from None
    if not 0 <= value <= 130:
        raise BadRequest(f"{name} must be an age from 0 to 130, not {raw}")
    return value


def _time(request, name: str) -> time | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a time like 09:30, not {raw!r}") from None


def _day(request) -> int | None:
    raw = request.GET.get("day", "").strip()
    if not raw:
        return None
    key = raw.upper()
    if key in RRULE_DAYS:
        return RRULE_DAYS.index(key)
    names = [d.upper() for d in DAYS]
    if key in names:
        return names.index(key)
    raise BadRequest(f"day must be MO, TU, WE, TH, FR, SA or SU (or a day's name), not {raw!r}")


class Paging:
    def __init__(self, request):
        self.page = _int(request, "page", 1, minimum=1, maximum=10**6)
        self.per_page = _int(request, "per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)

    @property
    def start(self) -> int:
        return (self.page - 1) * self.per_page

    def body(self, total: int, contents: list) -> dict:
        pages = -(-total // self.per_page) if total else 0
        return {
            "total_items": total,
            "total_pages": pages,
            "page_number": self.page,
            "size": len(contents),
            "first_page": self.page == 1,
            "last_page": self.page >= pages,
            "empty": not contents,
            "contents": contents,
        }


def _service_filters(request, prefix: str) -> tuple[Q, list]:
    """Q and EXISTS conditions on services (reached through ``prefix``) from the query."""
    term_ids: tuple[int, ...] = ()
    term_uuid = _uuid(request, "taxonomy_term_id")
    if term_uuid is not None:
        term = TaxonomyTerm.objects.filter(uuid=term_uuid).first()
        if term is None:
            raise BadRequest(f"No taxonomy term has the id {term_uuid}")
        term_ids = terms_with_children(term)
    words = request.GET.get("search", "")[:200]
    if problem := search_text_problem(words, "search"):
        raise BadRequest(problem)
    search = SearchQuery(words=words, term_ids=term_ids)
    outer = "service_id" if prefix else "id"
    cond = _service_q(search, prefix)
    exists = _service_exists(search, outer)
    taxonomy_uuid = _uuid(request, "taxonomy_id")
    if taxonomy_uuid is not None:
        taxonomy = Taxonomy.objects.filter(uuid=taxonomy_uuid).first()
        if taxonomy is None:
            raise BadRequest(f"No taxonomy has the id {taxonomy_uuid}")
        exists.append(
            Exists(
                Service.taxonomy_terms.through.objects.filter(
                    service_id=OuterRef(outer), taxonomyterm__taxonomy=taxonomy
                )
            )
        )
    org_uuid = _uuid(request, "organization_id")
    if org_uuid is not None:
        if not Organisation.objects.filter(uuid=org_uuid).exists():
            raise BadRequest(f"No organization has the id {org_uuid}")
        cond &= Q(**{f"{prefix}organisation__uuid": org_uuid})
    minimum = _number(request, "minimum_age")
    if minimum is not None:
        cond &= Q(**{f"{prefix}min_age__gte": minimum})
    maximum = _number(request, "maximum_age")
    if maximum is not None:
        cond &= Q(**{f"{prefix}max_age__lte": maximum})
    modified = request.GET.get("modified_after", "").strip()
    if modified:
        try:
            when = parse_datetime(modified)
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise BadRequest(
                f"modified_after must be a date and time with a zone, like "
                f"2025-01-31T09:00:00Z, not {modified!r}"
            )
        cond &= Q(**{f"{prefix}updated_at__gte": when})
    day, start, end = _day(request), _time(request, "start_time"), _time(request, "end_time")
    if day is not None or start or end:
        slot = Q()
        if day is not None:
            slot &= Q(weekday=day)
        if start:
            slot &= Q(opens_at__gte=start)
        if end:
            slot &= Q(closes_at__lte=end)
        exists.append(Exists(Schedule.objects.filter(slot, service_id=OuterRef(outer))))
    return cond, exists


@feed_view(set())
def root(request):
    """What this API is and which version of the standard it follows."""
    return _json(
        {
            "version": oruk.HSDS_VERSION,
            "profile": oruk.PROFILE_URL,
            "openapi_url": oruk.OPENAPI_URL,
        }
    )


@feed_view(SERVICE_FILTERS)
def services(request):
    paging = Paging(request)
    cond, exists = _service_filters(request, "")
    matching = Service.objects.filter(cond, *exists)
    total = matching.count()
    # The page's ids first, from the (status, name, id) index alone; then only those rows
    # with their organisations. Joining before the offset would join every skipped row.
    ids = list(
        matching.order_by("name", "id").values_list("id", flat=True)[
            paging.start : paging.start + paging.per_page
        ]
    )
    found = Service.objects.select_related("organisation", "organisation__parent").in_bulk(ids)
    return _json(paging.body(total, [oruk.service_summary(found[i]) for i in ids]))


@feed_view(set())
def service(request, service_id: str):
    try:
        key = uuid.UUID(service_id)
    except ValueError:
        return _error(f"{service_id!r} is not a service id (a UUID)", 404)
    found = oruk.full_services(Service.objects.published().filter(uuid=key)).first()
    if found is None:
        return _error("No published service has that id", 404)
    return _json(oruk.service_full(found))


def _located(request) -> tuple[float, float, float] | None:
    raw = request.GET.get("postcode", "").strip()
    proximity = request.GET.get("proximity", "").strip()
    if not raw:
        if proximity:
            raise BadRequest("proximity needs a postcode to measure from")
        return None
    try:
        postcode = Postcode(raw)
    except InvalidPostcode as exc:
        raise BadRequest(f"postcode {raw!r}: {exc}") from None
    found = PostcodeLookup().try_locate(postcode)
    if found is None:
        raise BadRequest(f"We don't know where {postcode} is")
    metres = _int(request, "proximity", DEFAULT_PROXIMITY_M, minimum=1, maximum=MAX_PROXIMITY_M)
    return found.latitude, found.longitude, metres


@feed_view(SAL_FILTERS)
def service_at_locations(request):
    paging = Paging(request)
    cond, exists = _service_filters(request, "service__")
    rows = ServiceAtLocation.objects.filter(cond, *exists, confidential=False)
    where = _located(request)
    distances: dict[int, float] = {}
    if where is None:
        total = rows.count()
        ids = list(
            rows.order_by("service__name", "id").values_list("id", flat=True)[
                paging.start : paging.start + paging.per_page
            ]
        )
    else:
        lat, lon, metres = where
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, metres / 1000)
        near = list(
            rows.filter(
                latitude__gte=min_lat,
                latitude__lte=max_lat,
                longitude__gte=min_lon,
                longitude__lte=max_lon,
            ).values_list("id", "latitude", "longitude")
        )
        if near:
            arr = np.array([(r[1], r[2]) for r in near], dtype=np.float64)
            m = haversine_km(lat, lon, arr[:, 0], arr[:, 1]) * 1000
            keys = np.array([r[0] for r in near], dtype=np.int64)
            inside = np.nonzero(m <= metres)[0]
            order = inside[np.lexsort((keys[inside], m[inside]))]
            ordered = [int(keys[i]) for i in order]
            distances = {int(keys[i]): float(m[i]) for i in order}
        else:
            ordered = []
        total = len(ordered)
        ids = ordered[paging.start : paging.start + paging.per_page]
    found = (
        ServiceAtLocation.objects.filter(id__in=ids)
        .select_related(
            "location", "service", "service__organisation", "service__organisation__parent"
        )
        .in_bulk()
    )
    contents = [oruk.sal_summary(found[i], distances.get(i)) for i in ids]
    return _json(paging.body(total, contents))


@feed_view(set())
def service_at_location(request, sal_id: str):
    try:
        key = uuid.UUID(sal_id)
    except ValueError:
        return _error(f"{sal_id!r} is not a service_at_location id (a UUID)", 404)
    sal = ServiceAtLocation.objects.filter(
        uuid=key, confidential=False, service__status=Service.Status.PUBLISHED
    ).first()
    if sal is None:
        return _error("No published service_at_location has that id", 404)
    found = oruk.full_services(Service.objects.filter(pk=sal.service_id)).get()
    body = oruk.service_full(found)
    body["service_at_locations"] = [
        item for item in body.get("service_at_locations", []) if item["id"] == str(sal.uuid)
    ]
    return _json(body)


@feed_view(PAGING)
def taxonomies(request):
    paging = Paging(request)
    rows = Taxonomy.objects.order_by("name", "id")
    total = rows.count()
    page = rows[paging.start : paging.start + paging.per_page]
    return _json(paging.body(total, [oruk.taxonomy_dict(t) for t in page]))


@feed_view(set())
def taxonomy(request, taxonomy_id: str):
    try:
        key = uuid.UUID(taxonomy_id)
    except ValueError:
        return _error(f"{taxonomy_id!r} is not a taxonomy id (a UUID)", 404)
    found = Taxonomy.objects.filter(uuid=key).first()
    if found is None:
        return _error("No taxonomy has that id", 404)
    body = oruk.taxonomy_dict(found)
    body["taxonomy_terms"] = [
        oruk.term_dict(t) for t in found.terms.select_related("taxonomy", "parent")
    ]
    return _json(body)


@feed_view(PAGING | {"taxonomy_id", "parent_id"})
def taxonomy_terms(request):
    paging = Paging(request)
    rows = TaxonomyTerm.objects.select_related("taxonomy", "parent").order_by(
        "taxonomy__name", "parent_id", "name", "id"
    )
    taxonomy_uuid = _uuid(request, "taxonomy_id")
    if taxonomy_uuid is not None:
        if not Taxonomy.objects.filter(uuid=taxonomy_uuid).exists():
            raise BadRequest(f"No taxonomy has the id {taxonomy_uuid}")
        rows = rows.filter(taxonomy__uuid=taxonomy_uuid)
    parent_uuid = _uuid(request, "parent_id")
    if parent_uuid is not None:
        if not TaxonomyTerm.objects.filter(uuid=parent_uuid).exists():
            raise BadRequest(f"No taxonomy term has the id {parent_uuid}")
        rows = rows.filter(parent__uuid=parent_uuid)
    total = rows.count()
    page = rows[paging.start : paging.start + paging.per_page]
    return _json(paging.body(total, [oruk.term_dict(t) for t in page]))


@feed_view(set())
def taxonomy_term(request, term_id: str):
    try:
        key = uuid.UUID(term_id)
    except ValueError:
        return _error(f"{term_id!r} is not a taxonomy term id (a UUID)", 404)
    found = TaxonomyTerm.objects.filter(uuid=key).select_related("taxonomy", "parent").first()
    if found is None:
        return _error("No taxonomy term has that id", 404)
    return _json(oruk.term_dict(found))
