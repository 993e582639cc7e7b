"""The demo place's residents: fictional people with fictional Ofcom drama numbers.

keepwell.demo.place loads them as part of the foundation, before the rooms' own demo parts.
"""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

from keepwell.people.models import Consent, Household, HouseholdMember, Language, Person

if TYPE_CHECKING:
    from keepwell.demo.place import DemoPlace

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


def people(place: DemoPlace) -> None:
    """Wellbrook's residents, their languages, consent and two households; Margaret signs
    in as ``member``."""
    rng = random.Random(1947)
    languages = {lang.code: lang for lang in Language.objects.all()}
    mutual_aid = place.organisations["wellbrook-mutual-aid"]
    practices = [
        place.organisations["wellbrook-health-centre"],
        place.organisations["riverside-surgery"],
    ]
    # The areas with postcodes, in the order they were loaded.
    neighbourhoods = [slug for slug, codes in place.postcodes.items() if codes]
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
