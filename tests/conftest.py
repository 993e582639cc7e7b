"""Named personas shared across the suite: the people every story is about.

* ``alex``      — platform admin
* ``priya``     — NHS connector (GP) at Wellbrook Health Centre
* ``sam``       — community coordinator at Wellbrook Mutual Aid
* ``ana``       — area lead for Riverside; ``tom`` is her deputy
* ``jo``        — volunteer with Wellbrook Mutual Aid
* ``margaret``  — a resident (member) who signs in to see her own record
* ``olly``      — an outsider: coordinator of a group in another town, who must see nothing
* ``nadia``     — an ICS analyst: sees insights, and nothing about any person
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from keepwell.accounts.models import Role, User
from keepwell.directory.models import Organisation, OrganisationKind
from keepwell.people.models import Person
from keepwell.places.models import Area
from tests.factories import (
    AreaFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
)

# Chromium, the live demo and sign-in for browser tests in any folder.
pytest_plugins = ["tests.browser.support"]


@dataclass
class World:
    alex: User
    priya: User
    sam: User
    ana: User
    tom: User
    jo: User
    margaret: User
    olly: User
    nadia: User
    practice: Organisation
    mutual_aid: Organisation
    other_group: Organisation
    riverside: Area
    northgate: Area
    # People whose records are held: Margaret's own, a Riverside resident, and one in
    # another town that only Olly's group holds.
    margaret_person: Person
    riverside_person: Person
    faraway_person: Person

    def persona(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


PERSONAS = ["anonymous", "alex", "priya", "sam", "ana", "tom", "jo", "margaret", "olly", "nadia"]


@pytest.fixture
def world(db) -> World:
    practice = OrganisationFactory(
        name="Wellbrook Health Centre", kind=OrganisationKind.GP_PRACTICE
    )
    mutual_aid = OrganisationFactory(name="Wellbrook Mutual Aid", kind=OrganisationKind.GRASS_ROOTS)
    other = OrganisationFactory(name="Othertown Food Bank", kind=OrganisationKind.GRASS_ROOTS)
    wellbrook = AreaFactory(name="Wellbrook", kind=Area.Kind.PLACE)
    riverside = AreaFactory(name="Riverside", parent=wellbrook, postcode_sectors=["WB2 1"])
    northgate = AreaFactory(name="Northgate", parent=wellbrook, postcode_sectors=["WB3 1"])

    alex = UserFactory(username="alex", display_name="Alex Admin", is_superuser=True, is_staff=True)
    priya = UserFactory(username="priya", display_name="Dr Priya Shah")
    MembershipFactory(user=priya, role=Role.NHS_CONNECTOR, organisation=practice)
    sam = UserFactory(username="sam", display_name="Sam Okafor")
    MembershipFactory(user=sam, role=Role.COORDINATOR, organisation=mutual_aid)
    ana = UserFactory(username="ana", display_name="Ana Costa")
    MembershipFactory(user=ana, role=Role.AREA_LEAD, organisation=mutual_aid, area=riverside)
    tom = UserFactory(username="tom", display_name="Tom Hughes")
    MembershipFactory(user=tom, role=Role.AREA_LEAD, organisation=mutual_aid, area=riverside)
    riverside.lead, riverside.deputy = ana, tom
    riverside.save(update_fields=["lead", "deputy"])
    jo = UserFactory(username="jo", display_name="Jo Bell")
    MembershipFactory(user=jo, role=Role.VOLUNTEER, organisation=mutual_aid)
    margaret = UserFactory(username="margaret", display_name="Margaret Evans")
    MembershipFactory(user=margaret, role=Role.MEMBER)
    olly = UserFactory(username="olly", display_name="Olly Outsider")
    MembershipFactory(user=olly, role=Role.COORDINATOR, organisation=other)
    nadia = UserFactory(username="nadia", display_name="Nadia Analyst")
    MembershipFactory(user=nadia, role=Role.ANALYST)

    margaret_person = PersonFactory(
        given_name="Margaret",
        family_name="Evans",
        user=margaret,
        area=riverside,
        postcode="WB2 1AB",
        gp_practice=practice,
    )
    margaret_person.organisations.add(mutual_aid)
    riverside_person = PersonFactory(
        given_name="John", family_name="Smith", area=riverside, postcode="WB2 1AD"
    )
    riverside_person.organisations.add(mutual_aid)
    faraway_person = PersonFactory(given_name="Fern", family_name="Far", postcode="OT1 1AA")
    faraway_person.organisations.add(other)
    return World(
        alex=alex,
        priya=priya,
        sam=sam,
        ana=ana,
        tom=tom,
        jo=jo,
        margaret=margaret,
        olly=olly,
        nadia=nadia,
        practice=practice,
        mutual_aid=mutual_aid,
        other_group=other,
        riverside=riverside,
        northgate=northgate,
        margaret_person=margaret_person,
        riverside_person=riverside_person,
        faraway_person=faraway_person,
    )


@pytest.fixture(autouse=True)
def _fresh_words():
    """Each test reads approved message words afresh (each process keeps them a minute)."""
    from keepwell.messaging import wording

    wording.forget()
    yield
    wording.forget()


@pytest.fixture
def as_user(client):
    """Sign the test client in as a user (two-factor treated as passed)."""

    def sign_in(user: User | None):
        client.logout()
        if user is not None:
            client.force_login(user)
            if user.needs_two_factor:
                device, _ = TOTPDevice.objects.get_or_create(
                    user=user, defaults={"name": "test", "confirmed": True}
                )
                session = client.session
                session[DEVICE_ID_SESSION_KEY] = device.persistent_id
                session.save()
        return client

    return sign_in


@pytest.fixture
def count_queries():
    """``count_queries(fn)`` runs ``fn`` and returns how many SQL queries it made.

    For "the query count does not grow with the data": count once, add rows, count again.
    """

    def count(fn) -> int:
        with CaptureQueriesContext(connection) as context:
            fn()
        return len(context.captured_queries)

    return count


def pytest_configure(config):
    from django.conf import settings

    # Production uses argon2 (see tests/accounts); the suite needs no slow hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "postgres_only" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://…)"))
