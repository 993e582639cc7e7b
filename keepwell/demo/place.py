"""Wellbrook: the fictional town every demo and browser test uses.

The postcodes are fictional: "WB" is not a UK postcode area. They are marked ``is_demo``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from importlib import import_module

from django.apps import apps
from django.db import transaction

from keepwell.accounts.models import Membership, Role, User
from keepwell.directory.models import Organisation, OrganisationKind
from keepwell.people.models import Consent, Household, HouseholdMember, Language, Person
from keepwell.places.models import Area, PostcodeLocation

DEMO_PASSWORD = "wellbrook-demo"  # noqa: S105 - demo data only, printed for people to use

# (username, display name, role, organisation slug or None, area slug or None)
DEMO_USERS = [
    ("admin", "Alex Admin", Role.PLATFORM_ADMIN, None, None),
    ("connector", "Dr Priya Shah", Role.NHS_CONNECTOR, "wellbrook-health-centre", None),
    ("coordinator", "Sam Okafor", Role.COORDINATOR, "wellbrook-mutual-aid", None),
    ("arealead", "Ana Costa", Role.AREA_LEAD, "wellbrook-mutual-aid", "riverside"),
    ("deputy", "Tom Hughes", Role.AREA_LEAD, "wellbrook-mutual-aid", "riverside"),
    ("volunteer", "Jo Bell", Role.VOLUNTEER, "wellbrook-mutual-aid", None),
    ("member", "Margaret Evans", Role.MEMBER, None, None),
]

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

GIVEN = [
    "Margaret",
    "John",
    "Aisha",
    "Tomasz",
    "Maria",
    "David",
    "Fatima",
    "George",
    "Ivy",
    "Kwame",
    "Joan",
    "Rui",
    "Beatriz",
    "Harold",
    "Priya",
    "Sean",
    "Eileen",
    "Mohammed",
    "Lucy",
    "Arthur",
    "Grace",
    "Oluwaseun",
    "Patricia",
    "Raj",
    "Doreen",
    "Liam",
    "Nadia",
    "Frank",
    "Agnieszka",
    "Stanley",
    "Rosa",
    "Yusuf",
    "Betty",
    "Kofi",
    "Joyce",
    "Ahmed",
    "Winifred",
    "Daniel",
    "Helena",
    "Ernest",
]
FAMILY = [
    "Evans",
    "Smith",
    "Khan",
    "Nowak",
    "Silva",
    "Jones",
    "Begum",
    "Taylor",
    "Brown",
    "Mensah",
    "Wilson",
    "Pereira",
    "Santos",
    "Walker",
    "Patel",
    "Murphy",
    "Roberts",
    "Hussain",
    "Green",
    "Hall",
    "Okafor",
    "Adeyemi",
    "Clarke",
    "Sharma",
    "Wright",
    "Kelly",
    "Ali",
    "Hughes",
    "Kowalska",
    "Turner",
    "Costa",
    "Ahmed",
    "Cooper",
    "Owusu",
    "Ward",
    "Rahman",
    "Baker",
    "Lewis",
    "Ferreira",
    "Harris",
]
STREETS = [
    "Mill Lane",
    "Church Street",
    "River View",
    "Station Road",
    "Park Avenue",
    "Northgate",
    "Hill Rise",
    "Brook Close",
    "Market Street",
    "Orchard Way",
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


def _users(place: DemoPlace) -> None:
    for username, name, _, _, _ in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            given, _, family = name.rpartition(" ")
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                display_name=name,
                first_name=given.replace("Dr ", ""),
                last_name=family,
                email=f"{username}@wellbrook.example",
            )
        if username == "admin" and not user.is_superuser:
            user.is_superuser = user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        place.users[username] = user


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


def _memberships(place: DemoPlace) -> None:
    for username, _, role, org_slug, area_slug in DEMO_USERS:
        Membership.objects.get_or_create(
            user=place.users[username],
            role=role,
            organisation=place.organisations.get(org_slug) if org_slug else None,
            area=place.areas.get(area_slug) if area_slug else None,
        )
    # The NHS connector also works for the PCN, across both practices.
    Membership.objects.get_or_create(
        user=place.users["connector"],
        role=Role.NHS_CONNECTOR,
        organisation=place.organisations["wellbrook-pcn"],
        area=None,
    )


def _people(place: DemoPlace) -> None:
    rng = random.Random(1947)
    languages = {lang.code: lang for lang in Language.objects.all()}
    mutual_aid = place.organisations["wellbrook-mutual-aid"]
    practices = [
        place.organisations["wellbrook-health-centre"],
        place.organisations["riverside-surgery"],
    ]
    neighbourhoods = [slug for slug, *_ in AREAS if place.postcodes.get(slug)]
    coordinator = place.users["coordinator"]
    for i, (given, family) in enumerate(zip(GIVEN, FAMILY, strict=True)):
        area_slug = neighbourhoods[i % len(neighbourhoods)]
        pc = place.postcodes[area_slug][(i * 3) % len(place.postcodes[area_slug])]
        dob = date(1932 + rng.randint(0, 60), rng.randint(1, 12), rng.randint(1, 28))
        person, created = Person.objects.get_or_create(
            given_name=given,
            family_name=family,
            is_demo=True,
            defaults={
                "date_of_birth": dob if i % 5 else None,
                # Ofcom's drama ranges (01632 960xxx, 07700 900xxx), stored as keepwell
                # stores every number: E.164.
                "phone": f"+441632{960000 + i * 37 % 1000}",
                "mobile": "" if i % 4 == 0 else f"+447700{900000 + i * 41 % 1000}",
                "email": ""
                if i % 3 or i % 4 == 0
                else f"{given.lower()}.{family.lower()}@example.com",
                "address_line_1": f"{1 + i * 2} {STREETS[i % len(STREETS)]}",
                "town": "Wellbrook",
                "postcode": pc.postcode,
                "no_digital": i % 4 == 0,
                "preferred_channel": "phone" if i % 4 == 0 else ("sms" if i % 3 else "email"),
                "area": place.areas[area_slug],
                "gp_practice": practices[i % 2],
                "needs_interpreter": family in {"Pereira", "Santos", "Costa", "Ferreira"},
            },
        )
        if created:
            person.organisations.add(mutual_aid)
            langs = ["en"]
            if family in {"Silva", "Pereira", "Santos", "Costa", "Ferreira"}:
                langs = ["pt"] if person.needs_interpreter else ["pt", "en"]
            elif family in {"Nowak", "Kowalska"}:
                langs = ["pl", "en"]
            elif family in {"Khan", "Hussain", "Ali", "Ahmed"}:
                langs = ["ur", "en"]
            elif family in {"Begum", "Rahman"}:
                langs = ["bn", "en"]
            person.languages.set([languages[c] for c in langs if c in languages])
            Consent.objects.create(
                person=person,
                purpose=Consent.Purpose.CARE_COORDINATION,
                lawful_basis=Consent.LawfulBasis.CONSENT,
                how=Consent.How.PHONE,
                recorded_by=coordinator,
            )
        place.people.append(person)
    member = place.users["member"]
    margaret = place.people[0]
    if margaret.user_id is None:
        margaret.user = member
        margaret.save(update_fields=["user"])
    # Two households: a couple, and a carer who lives nearby.
    couple, _ = Household.objects.get_or_create(name="The Evans household")
    HouseholdMember.objects.get_or_create(household=couple, person=place.people[0])
    HouseholdMember.objects.get_or_create(household=couple, person=place.people[1])
    cared, _ = Household.objects.get_or_create(name="The Silva household")
    HouseholdMember.objects.get_or_create(household=cared, person=place.people[4])
    HouseholdMember.objects.get_or_create(
        household=cared,
        person=place.people[11],
        defaults={"relationship": HouseholdMember.Relationship.RELIES_ON},
    )


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
            if not config.name.startswith("keepwell.") or config.label in {"core", "people"}:
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
