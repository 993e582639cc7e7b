"""Where a postcode is, and which area it falls in: how a person's record finds its area."""

from __future__ import annotations

import pytest

from keepwell.places.models import Area
from keepwell.places.postcodes import InvalidPostcode, Postcode
from keepwell.places.services import (
    Located,
    PostcodeLookup,
    PostcodeNotFound,
    area_for_postcode,
)
from tests.factories import AreaFactory, PostcodeLocationFactory

pytestmark = pytest.mark.django_db


# --- PostcodeLookup --------------------------------------------------------------------------


@pytest.fixture
def margarets_postcode():
    return PostcodeLocationFactory(
        postcode="WB2 1AB",
        latitude=53.033,
        longitude=-1.462,
        lsoa="E01999201",
        ward="E05999201",
        local_authority="E06009999",
        icb="E54009999",
        is_demo=True,
    )


def test_a_known_postcode_is_located_however_it_was_typed(margarets_postcode):
    found = PostcodeLookup().locate(" wb21ab")

    assert found == Located(
        postcode=Postcode("WB2 1AB"),
        latitude=53.033,
        longitude=-1.462,
        lsoa="E01999201",
        ward="E05999201",
        local_authority="E06009999",
        icb="E54009999",
    )
    assert PostcodeLookup().locate(Postcode("WB2 1AB")) == found


def test_a_postcode_not_in_the_directory_says_so(margarets_postcode):
    with pytest.raises(PostcodeNotFound, match="We don't know where WB2 1AD is yet"):
        PostcodeLookup().locate("WB2 1AD")
    assert PostcodeLookup().try_locate("WB2 1AD") is None


def test_text_that_is_no_postcode_is_refused_by_locate_and_none_for_try_locate(
    margarets_postcode,
):
    with pytest.raises(InvalidPostcode):
        PostcodeLookup().locate("not a postcode")
    assert PostcodeLookup().try_locate("not a postcode") is None
    assert PostcodeLookup().try_locate("") is None


def test_locating_is_one_query(margarets_postcode, django_assert_num_queries):
    with django_assert_num_queries(1):
        PostcodeLookup().locate("WB2 1AB")


# --- area_for_postcode -----------------------------------------------------------------------


def test_a_riverside_postcode_falls_in_riverside(world):
    assert area_for_postcode("WB2 1AB") == world.riverside
    assert area_for_postcode(Postcode("wb3 1ab")) == world.northgate


def test_a_postcode_in_no_area_or_no_postcode_has_no_area(world):
    assert area_for_postcode("LS1 1AA") is None
    assert area_for_postcode("WB2 2AB") is None  # Riverside lists sector WB2 1 only
    assert area_for_postcode("") is None
    assert area_for_postcode(None) is None
    assert area_for_postcode("not a postcode") is None


def test_the_neighbourhood_wins_over_the_place_around_it(world):
    wellbrook = world.riverside.parent
    wellbrook.postcode_sectors = ["WB2", "WB9"]
    wellbrook.save(update_fields=["postcode_sectors"])

    assert area_for_postcode("WB2 1AB") == world.riverside
    assert area_for_postcode("WB9 1AB") == wellbrook


def test_a_sector_is_more_specific_than_a_whole_district(world):
    """Two neighbourhoods: one lists all of WB5, the other only its sector WB5 3."""
    zoo = AreaFactory(name="Zoo Road", kind=Area.Kind.NEIGHBOURHOOD, postcode_sectors=["WB5"])
    hill = AreaFactory(name="Hill", kind=Area.Kind.NEIGHBOURHOOD, postcode_sectors=["WB5 3"])
    lane = AreaFactory(name="Aardvark Lane", kind=Area.Kind.NEIGHBOURHOOD, postcode_sectors=["WB5"])

    assert area_for_postcode("WB5 3AB") == hill
    assert area_for_postcode("WB5 4AB") == lane  # equal claims: the first by name
    assert zoo.pk < lane.pk


def test_sectors_typed_untidily_by_an_admin_still_match(world):
    meadow = AreaFactory(name="Meadow", postcode_sectors=["wb6  1"])

    assert area_for_postcode("WB6 1AA") == meadow


def test_finding_the_area_is_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        area_for_postcode("WB2 1AB")
