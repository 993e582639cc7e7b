"""Delivery rounds: every delivery routed once or reported, capacity, windows, shifts and
who may take what."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwell.matching.routing import (
    Delivery,
    Driver,
    RoutePlan,
    UnroutedReason,
    plan_rounds,
)

LAT, LON = 53.80, -1.55  # Leeds
REPEATABLE = {"time_limit_s": None, "solution_limit": 60}


def at(km_north: float = 0.0, km_east: float = 0.0) -> tuple[float, float]:
    lat = LAT + km_north / 111.195
    lon = LON + km_east / (111.195 * np.cos(np.radians(LAT)))
    return float(lat), float(lon)


def delivery(did: str, km_north: float = 0.0, km_east: float = 0.0, **kw: object) -> Delivery:
    return Delivery(did, *at(km_north, km_east), **kw)  # type: ignore[arg-type]


def driver(vid: str, km_north: float = 0.0, km_east: float = 0.0, **kw: object) -> Driver:
    kw.setdefault("capacity", 10)
    return Driver(vid, *at(km_north, km_east), **kw)  # type: ignore[arg-type]


def assert_sound(plan: RoutePlan, deliveries: list[Delivery], drivers: list[Driver]) -> None:
    by_id = {d.id: d for d in deliveries}
    by_driver = {v.id: v for v in drivers}
    routed = [s.delivery_id for r in plan.routes for s in r.stops]
    unrouted = [u.delivery_id for u in plan.unrouted]
    # every delivery is on exactly one route or reported unrouted
    assert sorted(routed + unrouted) == sorted(by_id)
    assert len(set(routed)) == len(routed)
    assert len({r.driver_id for r in plan.routes}) == len(plan.routes)
    for route in plan.routes:
        v = by_driver[route.driver_id]
        assert route.load == sum(by_id[s.delivery_id].size for s in route.stops)
        assert route.load <= v.capacity
        assert v.shift[0] - 1e-9 <= route.start_minute
        assert route.end_minute <= v.shift[1] + 1e-9
        assert route.distance_km >= sum(s.km_from_previous for s in route.stops) - 1e-9
        previous_done = route.start_minute
        for s in route.stops:
            d = by_id[s.delivery_id]
            assert d.drivers is None or route.driver_id in d.drivers
            if d.window is not None:
                assert d.window[0] - 1e-9 <= s.arrival_minute <= d.window[1] + 1e-9
            assert s.arrival_minute >= previous_done - 1e-9
            previous_done = s.arrival_minute + d.service_minutes
        assert previous_done <= v.shift[1] + 1e-9


@st.composite
def rounds(draw):
    n_del = draw(st.integers(1, 12))
    n_drv = draw(st.integers(1, 3))
    offset = st.floats(-5.0, 5.0, allow_nan=False)
    dels = []
    for i in range(n_del):
        w = draw(st.one_of(st.none(), st.tuples(st.integers(540, 720), st.integers(0, 120))))
        dels.append(
            delivery(
                f"d{i}",
                draw(offset),
                draw(offset),
                size=draw(st.integers(0, 4)),
                window=None if w is None else (w[0], w[0] + w[1]),
                service_minutes=draw(st.integers(0, 10)),
                drivers=draw(
                    st.one_of(st.none(), st.frozensets(st.sampled_from(["k0", "k1", "k2"])))
                ),
            )
        )
    drs = []
    for j in range(n_drv):
        start = draw(st.integers(480, 660))
        drs.append(
            driver(
                f"k{j}",
                draw(offset),
                draw(offset),
                capacity=draw(st.integers(0, 8)),
                shift=(start, start + draw(st.integers(30, 240))),
                return_to_start=draw(st.booleans()),
            )
        )
    return dels, drs


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=rounds())
def test_every_delivery_routed_once_or_reported_within_capacity_windows_and_shifts(problem):
    dels, drs = problem
    plan = plan_rounds(dels, drs, **REPEATABLE)
    assert_sound(plan, dels, drs)


def test_same_input_same_rounds():
    rng = np.random.default_rng(5)
    dels = [
        delivery(f"d{i}", *rng.uniform(-4, 4, 2), size=int(rng.integers(1, 3))) for i in range(25)
    ]
    drs = [driver("a", capacity=12, shift=(540, 720)), driver("b", 1.0, capacity=12)]
    first = plan_rounds(dels, drs, **REPEATABLE)
    assert first == plan_rounds(dels, drs, **REPEATABLE)
    assert_sound(first, dels, drs)


def test_time_limited_search_is_sound_too():
    rng = np.random.default_rng(6)
    dels = [
        delivery(f"d{i}", *rng.uniform(-4, 4, 2), window=(600, 690) if i % 4 == 0 else None)
        for i in range(30)
    ]
    drs = [driver("a", capacity=10, shift=(540, 720)), driver("b", capacity=10, shift=(540, 720))]
    plan = plan_rounds(dels, drs, time_limit_s=0.5)
    assert_sound(plan, dels, drs)
    assert plan.status.startswith("ROUTING_")


def test_a_round_along_a_street_goes_in_order():
    dels = [delivery("far", 0, 3), delivery("near", 0, 1), delivery("middle", 0, 2)]
    plan = plan_rounds(dels, [driver("k", shift=(600, 700))], **REPEATABLE)
    (route,) = plan.routes
    assert [s.delivery_id for s in route.stops] == ["near", "middle", "far"]
    assert route.distance_km == pytest.approx(3.0, abs=0.01)
    assert route.stops[0].arrival_minute == pytest.approx(600 + 1.0 / 25 * 60, abs=0.05)
    assert plan.unrouted == ()


def test_returning_driver_counts_the_way_back():
    plan = plan_rounds(
        [delivery("d", 0, 2)], [driver("k", return_to_start=True, shift=(600, 700))], **REPEATABLE
    )
    assert plan.routes[0].distance_km == pytest.approx(4.0, abs=0.01)


def test_too_big_out_of_reach_and_no_room_are_told_apart():
    drs = [driver("van", capacity=3, shift=(540, 600))]
    dels = [
        delivery("sofa", 0, 1, size=5),
        delivery("yesterday", 0, 1, window=(0, 60)),
        delivery("too-far-for-the-shift", 0, 40),
        delivery("a", 0, 1, size=2),
        delivery("b", 0, 1.2, size=2),
    ]
    plan = plan_rounds(dels, drs, **REPEATABLE)
    reasons = {u.delivery_id: u.reason for u in plan.unrouted}
    assert reasons["sofa"] == UnroutedReason.TOO_BIG
    assert reasons["yesterday"] == UnroutedReason.OUT_OF_REACH
    assert reasons["too-far-for-the-shift"] == UnroutedReason.OUT_OF_REACH
    assert sorted(s.delivery_id for r in plan.routes for s in r.stops) in (["a"], ["b"])
    assert UnroutedReason.NO_ROOM in reasons.values()
    assert_sound(plan, dels, drs)


def test_waits_for_a_window_to_open():
    plan = plan_rounds(
        [delivery("after-lunch", 0, 1, window=(780, 800))], [driver("k", shift=(600, 900))]
    )
    assert plan.routes[0].stops[0].arrival_minute == pytest.approx(780, abs=0.01)


def test_nothing_to_route():
    assert plan_rounds([], [driver("k")]).routes == ()
    plan = plan_rounds([delivery("d")], [])
    assert [u.reason for u in plan.unrouted] == [UnroutedReason.OUT_OF_REACH]
    with pytest.raises(ValueError):
        plan_rounds([delivery("d"), delivery("d")], [driver("k")])


def test_a_delivery_only_goes_to_a_driver_allowed_to_take_it():
    # The prescription is next door to "near", but only "vetted" holds the checks for it.
    drs = [driver("near", 0, 0.1), driver("vetted", 0, 4)]
    dels = [
        delivery("parcel", 0, 0.2),
        delivery("prescription", 0, 0.3, drivers=frozenset({"vetted"})),
        delivery("controlled", 0, 0.4, drivers=frozenset()),
    ]
    plan = plan_rounds(dels, drs, **REPEATABLE)
    on = {s.delivery_id: r.driver_id for r in plan.routes for s in r.stops}
    assert on["prescription"] == "vetted"
    assert {u.delivery_id: u.reason for u in plan.unrouted} == {
        "controlled": UnroutedReason.NO_ELIGIBLE_DRIVER
    }
    assert_sound(plan, dels, drs)
