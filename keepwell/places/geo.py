"""Distances on the Earth, vectorised. Pure: numpy only, no Django."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


def haversine_km(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distance in km between points, broadcasting like numpy does.

    One origin against a million destinations is one call: ``haversine_km(lat, lon,
    lats, lons)``.
    """
    lat1r, lon1r, lat2r, lon2r = (
        np.radians(np.asarray(a, dtype=np.float64)) for a in (lat1, lon1, lat2, lon2)
    )
    dlat = lat2r - lat1r
    dlon = lon2r - lon1r
    a = np.sin(dlat / 2.0) ** 2 + np.cos(lat1r) * np.cos(lat2r) * np.sin(dlon / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing a circle of ``km`` around a point.

    Databases filter on this cheaply with an index before the exact distance is computed,
    so the box must never be too small: the circle is widest east-west not at its centre's
    latitude but nearer the pole, where the longitude span is ``asin(sin r / cos lat)``
    (wider than ``r / cos lat``). Where the circle reaches a pole every longitude is in.
    Longitudes are not wrapped at the antimeridian (a box may run past -180 or 180).
    """
    if not km >= 0:
        raise ValueError(f"a radius must be zero or more km, not {km}")
    r = km / EARTH_RADIUS_KM
    latr = float(np.radians(lat))
    min_lat, max_lat = float(np.degrees(latr - r)), float(np.degrees(latr + r))
    if min_lat <= -90.0 or max_lat >= 90.0:
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0
    dlon = float(np.degrees(np.arcsin(np.sin(r) / np.cos(latr))))
    return min_lat, max_lat, float(lon) - dlon, float(lon) + dlon


def to_unit_xyz(lat: ArrayLike, lon: ArrayLike) -> NDArray[np.float64]:
    """Points on the unit sphere, for KD-trees: chord length grows with distance."""
    latr = np.radians(np.asarray(lat, dtype=np.float64))
    lonr = np.radians(np.asarray(lon, dtype=np.float64))
    cl = np.cos(latr)
    return np.column_stack((cl * np.cos(lonr), cl * np.sin(lonr), np.sin(latr)))


def km_to_chord(km: float) -> float:
    """The unit-sphere chord length that corresponds to a great-circle distance."""
    return float(2.0 * np.sin(km / (2.0 * EARTH_RADIUS_KM)))
