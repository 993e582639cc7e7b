"""The demo place's areas and postcodes, written by places itself.

keepwell.demo.place runs these as part of the foundation (areas name their leads, so they
come after the accounts); places has no later ``load(place)`` step.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from keepwell.places.models import Area, PostcodeLocation

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
