"""Reads of places' reference data for other rooms: where, how deprived, how many live there."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Max, Q, Sum

from keepwell.places.models import Area, Deprivation, Population, PostcodeLocation


@dataclass(frozen=True)
class LsoaFacts:
    """What is known of one LSOA: its IMD decile (from the newest edition held) and residents."""

    lsoa: str
    decile: int | None
    edition: int | None
    residents: int | None


def lsoas_of(postcodes: Iterable[str]) -> dict[str, str]:
    """The LSOA of each known postcode (normalised, "WB2 1AB"); unknown ones are left out."""
    wanted = sorted({p for p in postcodes if p})
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        found.update(
            PostcodeLocation.objects.filter(postcode__in=chunk)
            .exclude(lsoa="")
            .values_list("postcode", "lsoa")
        )
    return found


def lsoa_facts(lsoas: Iterable[str] | None = None) -> dict[str, LsoaFacts]:
    """Deciles and populations of the given LSOAs (or of every LSOA known), in two queries.

    Where an LSOA is in both editions the newer (2025) decile is the one given, with its
    edition, so a page can say which Indices its deciles come from.
    """
    deprivation = Deprivation.objects.order_by("lsoa", "edition")
    population = Population.objects.all()
    if lsoas is not None:
        wanted = list(set(lsoas))
        deprivation = deprivation.filter(lsoa__in=wanted)
        population = population.filter(lsoa__in=wanted)
    newest: dict[str, tuple[int, int]] = {}
    for lsoa, edition, decile in deprivation.values_list("lsoa", "edition", "imd_decile"):
        newest[lsoa] = (decile, edition)  # ordered by edition: the last one wins
    residents = dict(population.values_list("lsoa", "residents"))
    return {
        lsoa: LsoaFacts(
            lsoa,
            newest.get(lsoa, (None, None))[0],
            newest.get(lsoa, (None, None))[1],
            residents.get(lsoa),
        )
        for lsoa in set(newest) | set(residents)
    }


def area_lsoas(areas) -> dict[int, set[str]]:
    """The LSOAs each area's postcode sectors touch (for its residents), in one query."""
    areas = list(areas)
    area_of_sector = {sector: area.pk for area in areas for sector in area.postcode_sectors or []}
    found: dict[int, set[str]] = {area.pk: set() for area in areas}
    if not area_of_sector:
        return found
    sectors = Q()
    for sector in area_of_sector:
        sectors |= Q(postcode__startswith=sector)
    pairs = (
        PostcodeLocation.objects.filter(sectors)
        .exclude(lsoa="")
        .values_list("postcode", "lsoa")
        .distinct()
    )
    for postcode, lsoa in pairs:
        # A sector is the postcode without its last two letters ("WB2 1" of "WB2 1AB").
        area_id = area_of_sector.get(postcode[:-2])
        if area_id is not None:
            found[area_id].add(lsoa)
    return found


def deciles_stamp() -> str:
    """Changes whenever the deciles held change (an edition imported, a file re-read), so
    figures kept by decile know to be counted again. One aggregate query."""
    held = Deprivation.objects.aggregate(
        n=Count("id"), newest=Max("edition"), deciles=Sum("imd_decile"), ranks=Sum("imd_rank")
    )
    return f"{held['n']}:{held['newest']}:{held['deciles']}:{held['ranks']}"


def places_of_areas() -> dict[int, int]:
    """Each area's place (the top of its tree: a place is its own), in one query."""
    parent = dict(Area.objects.values_list("pk", "parent_id"))
    found: dict[int, int] = {}
    for area_id in parent:
        top, seen = area_id, {area_id}
        while parent.get(top) is not None and parent[top] not in seen:
            top = parent[top]
            seen.add(top)
        found[area_id] = top
    return found
