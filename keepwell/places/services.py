"""Place use cases: finding where a postcode is and which area it falls in."""

from __future__ import annotations

from dataclasses import dataclass

from keepwell.places.models import Area, PostcodeLocation
from keepwell.places.postcodes import Postcode


@dataclass(frozen=True, slots=True)
class Located:
    postcode: Postcode
    latitude: float
    longitude: float
    lsoa: str = ""
    ward: str = ""
    local_authority: str = ""
    icb: str = ""


class PostcodeNotFound(LookupError):
    pass


class PostcodeLookup:
    """Where a postcode is, from the imported ONS Postcode Directory (our one postcode client).

    Tests and the demo use the same class over the demo place's postcodes; there is no
    network lookup to fake because the directory is imported, not fetched.
    """

    def locate(self, postcode: Postcode | str) -> Located:
        pc = postcode if isinstance(postcode, Postcode) else Postcode(postcode)
        row = PostcodeLocation.objects.filter(postcode=pc.value).first()
        if row is None:
            raise PostcodeNotFound(f"We don't know where {pc} is yet")
        return Located(
            postcode=pc,
            latitude=row.latitude,
            longitude=row.longitude,
            lsoa=row.lsoa,
            ward=row.ward,
            local_authority=row.local_authority,
            icb=row.icb,
        )

    def try_locate(self, postcode: Postcode | str) -> Located | None:
        try:
            return self.locate(postcode)
        except (PostcodeNotFound, ValueError):
            return None


def area_for_postcode(postcode: str | Postcode | None) -> Area | None:
    """The most specific area whose postcode sectors include this postcode.

    An area lists sectors ("WB2 1") or whole districts ("WB2"). A neighbourhood is more
    specific than a place, and at the same level a sector more than a district; where two
    areas are still equal, the first by name wins, so the answer never depends on row order.
    """
    pc = Postcode.parse(str(postcode)) if postcode else None
    if pc is None:
        return None
    return best_area(pc, _listed(Area.objects.order_by("name", "pk")))


def _listed(areas) -> list[tuple[Area, set[str]]]:
    return [
        (area, {" ".join(str(s).upper().split()) for s in area.postcode_sectors or ()})
        for area in areas
    ]


def best_area(pc: Postcode, areas: list[tuple[Area, set[str]]]) -> Area | None:
    """:func:`area_for_postcode` over areas already read (by name, then id) with their sectors."""
    best: Area | None = None
    best_rank = (-1, -1)
    for area, listed in areas:
        if pc.sector in listed:
            by = 1
        elif pc.outward in listed:
            by = 0
        else:
            continue
        rank = (int(area.kind == Area.Kind.NEIGHBOURHOOD), by)
        if rank > best_rank:
            best, best_rank = area, rank
    return best


def areas_of(postcodes) -> dict[str, int]:
    """The id of :func:`area_for_postcode`'s area for each postcode, reading the areas once."""
    areas = _listed(Area.objects.order_by("name", "pk"))
    found: dict[str, int] = {}
    for raw in set(postcodes):
        pc = Postcode.parse(raw) if raw else None
        area = best_area(pc, areas) if pc else None
        if area is not None:
            found[raw] = area.pk
    return found
