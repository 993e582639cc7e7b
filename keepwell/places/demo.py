"""The demo place's areas and postcodes, written by places itself.

keepwell.demo.place runs these as part of the foundation (areas name their leads, so they
come after the accounts); places has no later ``load(place)`` step.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from keepwell.places.models import Area, Deprivation, Population, PostcodeLocation

if TYPE_CHECKING:
    from keepwell.demo.place import DemoPlace

UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def postcodes(place: DemoPlace, areas) -> None:
    """Twenty made-up postcodes in each sector of each area, near the area's middle."""
    rng = random.Random(53)
    for slug, _, _, _, sectors, (lat, lon), _, _ in areas:
        place.postcodes[slug] = []
        for sector in sectors:
            for i in range(20):
                unit = (
                    UNIT_LETTERS[i % len(UNIT_LETTERS)] + UNIT_LETTERS[(i * 7) % len(UNIT_LETTERS)]
                )
                code = f"{sector}{unit}"
                row, _ = PostcodeLocation.objects.get_or_create(
                    postcode=code,
                    defaults={
                        "latitude": round(lat + rng.uniform(-0.008, 0.008), 6),
                        "longitude": round(lon + rng.uniform(-0.012, 0.012), 6),
                        "lsoa": f"E0199{sector[2]}{sector[-1]}{i % 3:02d}",
                        "ward": f"E0599{sector[2]}{sector[-1]}00",
                        "local_authority": "E06009999",
                        "icb": "E54009999",
                        "is_demo": True,
                    },
                )
                place.postcodes[slug].append(row)


def areas(place: DemoPlace, specs) -> None:
    """The areas, parents first, with their leads and deputies from the demo logins."""
    for slug, name, kind, parent, sectors, _, lead, deputy in specs:
        area, _ = Area.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "postcode_sectors": sectors,
                "parent": place.areas.get(parent) if parent else None,
                "lead": place.users.get(lead) if lead else None,
                "deputy": place.users.get(deputy) if deputy else None,
            },
        )
        place.areas[slug] = area


# How deprived each neighbourhood's made-up LSOAs are (IMD 2025 deciles, 1 = most deprived),
# so the demo's insights show need across the deciles.
DEMO_DECILES = {
    "town-centre": (4, 5),
    "riverside": (1, 2),
    "northgate": (6, 8),
    "hillside": (9, 10),
}


def deprivation(place: DemoPlace) -> bool:
    """IMD 2025 deciles and residents for the demo LSOAs; False if they were already there."""
    lsoas: dict[str, str] = {}
    for slug, codes in place.postcodes.items():
        for row in codes:
            if row.lsoa:
                lsoas.setdefault(row.lsoa, slug)
    if not lsoas or Deprivation.objects.filter(lsoa__in=list(lsoas)).exists():
        return False
    rng = random.Random(2025)
    for i, (lsoa, slug) in enumerate(sorted(lsoas.items())):
        low, high = DEMO_DECILES.get(slug, (5, 6))
        decile = rng.randint(low, high)
        Deprivation.objects.create(
            lsoa=lsoa,
            edition=Deprivation.Edition.IOD2025,
            lsoa_name=f"Wellbrook {i + 1:03d}A",
            imd_rank=(decile - 1) * 3375 + rng.randint(1, 3375),
            imd_decile=decile,
        )
        Population.objects.create(
            lsoa=lsoa, residents=rng.randint(1300, 1900), year=2023, source="Demo (made up)"
        )
    return True
