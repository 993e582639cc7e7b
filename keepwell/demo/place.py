"""Wellbrook: the fictional town every demo and browser test uses.

The postcodes are fictional: "WB" is not a UK postcode area. They are marked ``is_demo``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.db import transaction

from keepwell.accounts import demo as accounts_demo
from keepwell.accounts.demo import DEMO_PASSWORD as DEMO_PASSWORD  # read here by the demo
from keepwell.accounts.demo import DEMO_USERS as DEMO_USERS  # command and help's demo part
from keepwell.accounts.models import User
from keepwell.directory.models import Organisation, OrganisationKind
from keepwell.people import demo as people_demo
from keepwell.people.models import Person
from keepwell.places.models import Area, PostcodeLocation

ORGANISATIONS = [
    (
        "wellbrook-and-district-ics",
        "Wellbrook and District Integrated Care System",
        OrganisationKind.ICS,
        "QWB",
        None,
    ),
    (
        "wellbrook-pcn",
        "Wellbrook Primary Care Network",
        OrganisationKind.PCN,
        "UWB001",
        "wellbrook-and-district-ics",
    ),
    (
        "wellbrook-health-centre",
        "Wellbrook Health Centre",
        OrganisationKind.GP_PRACTICE,
        "W99001",
        "wellbrook-pcn",
    ),
    (
        "riverside-surgery",
        "Riverside Surgery",
        OrganisationKind.GP_PRACTICE,
        "W99002",
        "wellbrook-pcn",
    ),
    ("wellbrook-borough-council", "Wellbrook Borough Council", OrganisationKind.COUNCIL, "", None),
    ("wellbrook-mutual-aid", "Wellbrook Mutual Aid", OrganisationKind.GRASS_ROOTS, "", None),
    (
        "wellbrook-cvs",
        "Wellbrook Council for Voluntary Service",
        OrganisationKind.INFRASTRUCTURE,
        "",
        None,
    ),
]

# slug, name, kind, parent, postcode sectors, (lat, lon) centre, lead, deputy
AREAS = [
    ("wellbrook", "Wellbrook", Area.Kind.PLACE, None, [], (53.0450, -1.4800), None, None),
    (
        "town-centre",
        "Town Centre",
        Area.Kind.NEIGHBOURHOOD,
        "wellbrook",
        ["WB1 1", "WB1 2"],
        (53.0450, -1.4800),
        "coordinator",
        None,
    ),
    (
        "riverside",
        "Riverside",
        Area.Kind.NEIGHBOURHOOD,
        "wellbrook",
        ["WB2 1", "WB2 2"],
        (53.0330, -1.4620),
        "arealead",
        "deputy",
    ),
    (
        "northgate",
        "Northgate",
        Area.Kind.NEIGHBOURHOOD,
        "wellbrook",
        ["WB3 1", "WB3 2"],
        (53.0610, -1.4890),
        None,
        None,
    ),
    (
        "hillside",
        "Hillside",
        Area.Kind.NEIGHBOURHOOD,
        "wellbrook",
        ["WB4 1"],
        (53.0420, -1.5080),
        None,
        None,
    ),
]

UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass
class DemoPlace:
    """What the foundation made, for later capabilities' demo loaders to build on."""

    users: dict[str, User] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    areas: dict[str, Area] = field(default_factory=dict)
    people: list[Person] = field(default_factory=list)
    postcodes: dict[str, list[PostcodeLocation]] = field(default_factory=dict)  # by area slug
    rng: random.Random = field(default_factory=lambda: random.Random(2020))


def _postcodes(place: DemoPlace) -> None:
    rng = random.Random(53)
    for slug, _, _, _, sectors, (lat, lon), _, _ in AREAS:
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


def _organisations(place: DemoPlace) -> None:
    for slug, name, kind, ods, parent in ORGANISATIONS:
        org, _ = Organisation.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "ods_code": ods, "is_demo": True}
        )
        if parent and org.parent_id is None:
            org.parent = place.organisations[parent]
            org.save(update_fields=["parent"])
        place.organisations[slug] = org


def _areas(place: DemoPlace) -> None:
    for slug, name, kind, parent, sectors, _, lead, deputy in AREAS:
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


# The foundation's steps from accounts' and people's own demo modules (each room writes its
# own tables), run in the order each needs the one before: areas name their leads,
# memberships name organisations and areas.
_users = accounts_demo.users
_memberships = accounts_demo.memberships
_people = people_demo.people
# Rooms whose demo part is a foundation step above, not a ``load(place)`` run after it.
_FOUNDATION_ROOMS = {"core", "accounts", "people"}


def load_demo(*, verbosity: int = 1, stdout=None) -> DemoPlace:
    place = DemoPlace()
    with transaction.atomic():
        _postcodes(place)
        _organisations(place)
        _users(place)
        _areas(place)
        _memberships(place)
        _people(place)
        for config in apps.get_app_configs():
            if not config.name.startswith("keepwell.") or config.label in _FOUNDATION_ROOMS:
                continue
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            if stdout is not None and verbosity > 1:
                stdout.write(f"Loading demo data for {config.verbose_name}")
            module.load(place)
    return place
