"""Distances on the Earth: the haversine, its bounding box and the unit-sphere chords."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from keepwell.places.geo import (
    EARTH_RADIUS_KM,
    bounding_box,
    haversine_km,
    km_to_chord,
    to_unit_xyz,
)

latitudes = st.floats(-89.9, 89.9)
longitudes = st.floats(-180, 180)
uk_latitudes = st.floats(49.8, 60.9)
uk_longitudes = st.floats(-8.2, 1.8)

LONDON = (51.5074, -0.1278)
PARIS = (48.8566, 2.3522)
EDINBURGH = (55.9533, -3.1883)


def test_known_distances():
    assert float(haversine_km(*LONDON, *PARIS)) == pytest.approx(343.5, abs=0.5)
    assert float(haversine_km(*LONDON, *EDINBURGH)) == pytest.approx(534.0, abs=1.0)
    # One degree of latitude is R * pi / 180 anywhere; so is a degree of longitude at the equator.
    assert float(haversine_km(0, 0, 1, 0)) == pytest.approx(EARTH_RADIUS_KM * math.pi / 180)
    assert float(haversine_km(0, 0, 0, 1)) == pytest.approx(EARTH_RADIUS_KM * math.pi / 180)
    # At 60 degrees north a degree of longitude is about half as long.
    assert float(haversine_km(60, 0, 60, 1)) == pytest.approx(55.6, abs=0.05)


def test_the_distance_to_the_far_side_of_the_earth_is_half_its_circumference():
    assert float(haversine_km(0, 0, 0, 180)) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert float(haversine_km(90, 0, -90, 0)) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert float(haversine_km(51.5, -0.1, -51.5, 179.9)) == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_one_origin_against_many_destinations_is_one_call():
    lats = np.array([LONDON[0], PARIS[0], EDINBURGH[0]])
    lons = np.array([LONDON[1], PARIS[1], EDINBURGH[1]])

    km = haversine_km(LONDON[0], LONDON[1], lats, lons)

    assert km.shape == (3,)
    assert km[0] == 0.0
    assert km[1] == pytest.approx(343.5, abs=0.5)


def test_a_matrix_of_distances_broadcasts_like_numpy():
    lat = np.array([LONDON[0], PARIS[0], EDINBURGH[0]])
    lon = np.array([LONDON[1], PARIS[1], EDINBURGH[1]])

    km = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])

    assert km.shape == (3, 3)
    assert np.allclose(np.diag(km), 0.0)
    assert np.allclose(km, km.T)
    assert km[0, 2] == pytest.approx(float(haversine_km(*LONDON, *EDINBURGH)))


def test_plain_lists_are_accepted():
    assert haversine_km([0, 0], [0, 0], [0, 1], [1, 0]).tolist() == pytest.approx(
        [EARTH_RADIUS_KM * math.pi / 180] * 2
    )


def test_neighbouring_doors_are_metres_apart_not_zero():
    """Rounding must not swallow short distances: two houses 10 m apart."""
    km = float(haversine_km(53.8, -1.55, 53.8 + 0.01 / 111.195, -1.55))
    assert km == pytest.approx(0.010, rel=1e-4)


@given(latitudes, longitudes, latitudes, longitudes)
def test_distance_is_symmetric_never_negative_and_at_most_half_the_circumference(a, b, c, d):
    there = float(haversine_km(a, b, c, d))
    back = float(haversine_km(c, d, a, b))
    assert there == pytest.approx(back, abs=1e-9)
    assert 0.0 <= there <= math.pi * EARTH_RADIUS_KM + 1e-9


@given(latitudes, longitudes, latitudes, longitudes, latitudes, longitudes)
def test_going_via_a_third_place_is_never_shorter(a, b, c, d, e, f):
    direct = float(haversine_km(a, b, e, f))
    via = float(haversine_km(a, b, c, d)) + float(haversine_km(c, d, e, f))
    assert direct <= via + 1e-6


@given(latitudes, longitudes, latitudes, longitudes)
def test_the_chord_between_unit_sphere_points_matches_the_distance(a, b, c, d):
    """The matching engine's KD-tree searches by chord: km_to_chord must agree with xyz."""
    xyz = to_unit_xyz([a, c], [b, d])
    chord = float(np.linalg.norm(xyz[0] - xyz[1]))
    assert chord == pytest.approx(km_to_chord(float(haversine_km(a, b, c, d))), abs=1e-9)


def test_unit_sphere_points_have_length_one_and_the_right_axes():
    xyz = to_unit_xyz([0, 0, 90, 53.8], [0, 90, 0, -1.55])
    assert np.allclose(np.linalg.norm(xyz, axis=1), 1.0)
    assert np.allclose(xyz[:3], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], atol=1e-12)


@given(latitudes, longitudes, st.floats(0.05, 2000), st.floats(0, 1), st.floats(0, 360))
def test_every_point_within_the_radius_is_inside_the_bounding_box(lat, lon, km, frac, bearing):
    """Walk a fraction of the radius in any direction: the box must hold where you end up."""
    distance = km * frac * (1 - 1e-9)
    end_lat, end_lon = _destination(lat, lon, distance, bearing)
    assume(abs(end_lat) < 89.999)
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, km)
    assert min_lat <= end_lat <= max_lat
    # Longitudes are not wrapped: compare on the same turn of the circle as the box.
    shifted = end_lon + 360 * round((lon - end_lon) / 360)
    assert min_lon <= shifted <= max_lon or (min_lon, max_lon) == (-180.0, 180.0)


def _destination(lat: float, lon: float, km: float, bearing: float) -> tuple[float, float]:
    d = km / EARTH_RADIUS_KM
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), math.degrees(l2)


def test_the_box_is_widest_where_the_circle_is_not_at_its_centres_latitude():
    """At 60N a 500 km circle spans more longitude than 500 km / cos(60) would say."""
    _, _, _, max_lon = bounding_box(60.0, 0.0, 500.0)
    naive = math.degrees(500.0 / EARTH_RADIUS_KM) / math.cos(math.radians(60.0))
    # The circle's eastmost point, found by walking 500 km on every bearing.
    eastmost = max(_destination(60.0, 0.0, 500.0, b / 100)[1] for b in range(18001))
    assert naive < eastmost <= max_lon
    assert max_lon == pytest.approx(eastmost, abs=1e-6)


def test_the_box_is_tight_in_latitude():
    min_lat, max_lat, _, _ = bounding_box(*LONDON, 10.0)
    assert float(haversine_km(min_lat, LONDON[1], *LONDON)) == pytest.approx(10.0)
    assert float(haversine_km(max_lat, LONDON[1], *LONDON)) == pytest.approx(10.0)


def test_a_circle_round_a_pole_takes_in_every_longitude():
    assert bounding_box(89.95, 10.0, 20.0) == (pytest.approx(89.77, abs=0.01), 90.0, -180.0, 180.0)
    assert bounding_box(-89.95, 10.0, 20.0)[1:] == (pytest.approx(-89.77, abs=0.01), -180.0, 180.0)


def test_a_zero_radius_is_the_point_itself_and_a_negative_one_is_refused():
    assert bounding_box(53.8, -1.55, 0.0) == (53.8, 53.8, -1.55, -1.55)
    with pytest.raises(ValueError, match="radius"):
        bounding_box(53.8, -1.55, -1.0)
    with pytest.raises(ValueError, match="radius"):
        bounding_box(53.8, -1.55, float("nan"))


@given(uk_latitudes, uk_longitudes, st.floats(0.1, 50))
def test_in_the_uk_the_box_is_a_few_metres_wider_than_a_naive_one_at_most(lat, lon, km):
    """Sanity: for the radii people search with, the correction is tiny."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, km)
    naive = math.degrees(km / EARTH_RADIUS_KM) / math.cos(math.radians(lat))
    assert naive <= max_lon - lon <= naive * 1.0001
    assert max_lat - lat == pytest.approx(math.degrees(km / EARTH_RADIUS_KM))
