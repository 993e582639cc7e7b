"""The demo place's directory: every kind of organisation, loaded twice without duplicates."""

from __future__ import annotations

import pytest

from keepwell.demo import place as demo_place
from keepwell.directory import demo
from keepwell.directory.models import (
    COMMUNITY_KINDS,
    Interaction,
    ListingChange,
    Location,
    Organisation,
    OrganisationLink,
    Service,
    ServiceAtLocation,
)
from keepwell.directory.services import SearchQuery, search


@pytest.fixture
def wellbrook(db):
    place = demo_place.DemoPlace()
    demo_place._postcodes(place)
    demo_place._organisations(place)
    demo_place._users(place)
    demo_place._areas(place)
    demo_place._memberships(place)
    return place


def _counts():
    return [
        m.objects.count()
        for m in (
            Organisation,
            Service,
            Location,
            ServiceAtLocation,
            OrganisationLink,
            Interaction,
            ListingChange,
        )
    ]


def test_wellbrook_has_a_directory_of_every_kind_and_loading_it_again_adds_nothing(
    wellbrook, client
):
    demo.load(wellbrook)
    first = _counts()
    demo.load(wellbrook)
    assert _counts() == first

    community = Organisation.objects.community()
    assert community.count() >= 24
    assert set(community.values_list("kind", flat=True)) >= {k.value for k in COMMUNITY_KINDS}
    assert set(Service.objects.values_list("category", flat=True)) == {
        "practical",
        "educational",
        "emotional",
        "social",
    }
    assert Interaction.objects.filter(follow_up_on__isnull=False).exists()
    assert Service.objects.stale().exists()

    refuge = Service.objects.get(name="Women's refuge")
    venue = refuge.at_locations.get()
    assert venue.confidential
    body = client.get("/oruk/services/" + str(refuge.uuid)).content.decode()
    assert venue.location.address_1 not in body
    page = search(SearchQuery(point=(venue.latitude, venue.longitude), radius_km=1))
    assert refuge not in [r.service for r in page.results]
