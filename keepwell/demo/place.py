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
from keepwell.directory import demo as directory_demo
from keepwell.directory.models import Organisation, OrganisationKind
from keepwell.people import demo as people_demo
from keepwell.people.models import Person
from keepwell.places import demo as places_demo
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


@dataclass
class DemoPlace:
    """What the foundation made, for later capabilities' demo loaders to build on."""

    users: dict[str, User] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    areas: dict[str, Area] = field(default_factory=dict)
    people: list[Person] = field(default_factory=list)
    postcodes: dict[str, list[PostcodeLocation]] = field(default_factory=dict)  # by area slug
    rng: random.Random = field(default_factory=lambda: random.Random(2020))


# The foundation's steps from accounts' and people's own demo modules (each room writes its
# own tables), run in the order each needs the one before: areas name their leads,
# memberships name organisations and areas.
_users = accounts_demo.users
_memberships = accounts_demo.memberships
_people = people_demo.people


def _postcodes(place: DemoPlace) -> None:
    places_demo.postcodes(place, AREAS)


def _organisations(place: DemoPlace) -> None:
    directory_demo.organisations(place, ORGANISATIONS)


def _areas(place: DemoPlace) -> None:
    places_demo.areas(place, AREAS)


# Rooms whose demo part is a foundation step above, not a ``load(place)`` run after it.
_FOUNDATION_ROOMS = {"core", "accounts", "people", "places"}


def load_demo(*, verbosity: int = 1, stdout=None) -> DemoPlace:
    place = DemoPlace()
    with transaction.atomic():
        _postcodes(place)
        _organisations(place)
        _users(place)
        _areas(place)
        _memberships(place)
        _people(place)
        loaded = []
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
            loaded.append(module)
        # Then each room may finish what the later rooms started (messaging sends what they
        # queued), so a second load finds nothing left to do.
        for module in loaded:
            if hasattr(module, "settle"):
                module.settle(place)
    return place
