"""The mapping view: who is in the community, where nothing is offered, and how far the
NHS's relationships have got."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q

from keepwell.directory.models import (
    COMMUNITY_KINDS,
    STATUTORY_KINDS,
    Organisation,
    RelationshipStatus,
    Service,
    ServiceAtLocation,
    ServiceCategory,
)
from keepwell.places.models import Area


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


def service_counts() -> dict[str, list[tuple]]:
    """Insights' supply snapshot: published services now, as ``(key, postcode, area_id, n)``.

    ``services`` counts each published service once per building it runs in, by category
    (a service run from no building, by phone or online, counts once in each area its
    organisation serves, with no postcode); ``services_full`` counts the same for services
    not taking new people. Directory data is about organisations: nobody is named.
    """
    published = Service.objects.published()
    at = (
        ServiceAtLocation.objects.filter(service__in=published)
        .values_list("service__category", "location__postcode", "location__area_id")
        .annotate(
            n=Count("service_id", distinct=True),
            full=Count("service_id", distinct=True, filter=Q(service__taking_new_people=False)),
        )
        .order_by()
    )
    nowhere = (
        published.filter(at_locations__isnull=True, organisation__areas_served__isnull=False)
        .values_list("category", "organisation__areas_served")
        .annotate(n=Count("id"), full=Count("id", filter=Q(taking_new_people=False)))
        .order_by()
    )
    rows = [*at, *((c, "", a, n, f) for c, a, n, f in nowhere)]
    return {
        "services": [(c, p, a, n) for c, p, a, n, _ in rows if n],
        "services_full": [(c, p, a, f) for c, p, a, _, f in rows if f],
    }
