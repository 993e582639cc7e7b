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
    best: Area | None = None
    best_rank = (-1, -1)
    for area in Area.objects.order_by("name", "pk"):
        listed = {" ".join(str(s).upper().split()) for s in area.postcode_sectors or ()}
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
