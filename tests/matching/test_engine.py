"""The matching engine: hard rules, reasons, the objective, determinism and optimality.

Pure tests: no Django, no database.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from keepwell.matching.engine import (
    Request,
    Tags,
    UnmatchedReason,
    Volunteer,
    VolunteerPool,
    Weights,
    greedy_match,
    match,
)
from keepwell.places.geo import haversine_km

LAT, LON = 51.45, -0.10  # south London
NO_FRILLS = Weights(continuity_km=0.0, fairness_km_per_task=0.0)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def at(km_north: float = 0.0, km_east: float = 0.0) -> tuple[float, float]:
    """A point so many km north and east of the origin (small distances, flat enough)."""
    lat = LAT + km_north / 111.195
    lon = LON + km_east / (111.195 * np.cos(np.radians(LAT)))
    return float(lat), float(lon)


def volunteer(vid: str, km_north: float = 0.0, km_east: float = 0.0, **kw: object) -> Volunteer:
    lat, lon = at(km_north, km_east)
    kw.setdefault("max_km", 10.0)
    return Volunteer(vid, lat, lon, **kw)  # type: ignore[arg-type]


def request(rid: str, km_north: float = 0.0, km_east: float = 0.0, **kw: object) -> Request:
    lat, lon = at(km_north, km_east)
    return Request(rid, lat, lon, **kw)  # type: ignore[arg-type]


# --- an independent statement of the rules --------------------------------------------------


def distance(r: Request, v: Volunteer) -> float:
    return float(haversine_km(r.lat, r.lon, v.lat, v.lon))


def stages(r: Request, v: Volunteer) -> list[bool]:
    """Which of the filters (range, checks, language, free, capacity) v passes for r, in turn."""
    in_range = distance(r, v) <= v.max_km
    checks = (
        (r.need is None or r.need in v.skills)
        and r.checks <= v.checks
        and r.authorisations <= v.authorisations
    )
    language = r.languages <= v.languages
    if v.availability is None:
        free = True
    elif r.start is None and r.end is None:
        free = bool(v.availability)  # no availability at all: never free
    else:
        s = r.start if r.start is not None else r.end
        e = r.end if r.end is not None else r.start
        free = covered(v.availability, s, e)
    out, ok = [], True
    for passed in (in_range, checks, language, free, v.capacity > 0):
        ok = ok and passed
        out.append(ok)
    return out


def covered(windows, s, e) -> bool:
    """Is every moment of s..e inside some window (windows that touch join up)?"""
    t = s
    while True:
        inside = [b for a, b in windows if a <= t <= b]
        if not inside:
            return False
        if max(inside) >= e:
            return True
        if max(inside) <= t:
            return False
        t = max(inside)


def eligible(r: Request, v: Volunteer) -> bool:
    return stages(r, v)[-1]


REASONS = [
    UnmatchedReason.NOBODY_WITHIN_RANGE,
    UnmatchedReason.NO_CHECK,
    UnmatchedReason.LANGUAGE,
    UnmatchedReason.NOT_FREE,
    UnmatchedReason.NO_CAPACITY,
]


def expected_reason(r: Request, vols: list[Volunteer]) -> UnmatchedReason:
    for j, reason in enumerate(REASONS):
        if not any(stages(r, v)[j] for v in vols):
            return reason
    return UnmatchedReason.NO_CAPACITY


def assert_obeys_every_rule(requests, vols, result) -> None:
    by_req = {r.id: r for r in requests}
    by_vol = {v.id: v for v in vols}
    seen = set()
    for m in result.matches:
        r, v = by_req[m.request_id], by_vol[m.volunteer_id]
        assert eligible(r, v), (r, v)
        assert m.distance_km == pytest.approx(distance(r, v), abs=1e-9)
        assert m.continuity == (r.preferred_volunteer == v.id)
        seen.add(m.request_id)
    for vid, n in result.tasks_per_volunteer().items():
        assert n <= by_vol[vid].capacity
    unmatched = {u.request_id for u in result.unmatched}
    assert not seen & unmatched
    assert seen | unmatched == set(by_req)
    assert len(result.matches) == len(seen)
    for u in result.unmatched:
        assert u.reason == expected_reason(by_req[u.request_id], vols)


# --- strategies ------------------------------------------------------------------------------

CHECKS = ["dbs_basic", "dbs_enhanced"]
AUTHS = ["medication"]
SKILLS = ["shopping", "prescriptions"]
LANGS = ["en", "pt"]


def subset(options: list[str]) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(options), max_size=len(options))


def window(lo: int = 0, hi: int = 100) -> st.SearchStrategy[tuple[int, int]]:
    return st.tuples(st.integers(lo, hi), st.integers(0, 40)).map(lambda t: (t[0], t[0] + t[1]))


km_offset = st.floats(-6.0, 6.0, allow_nan=False)
ANY_CAPACITY = st.integers(0, 2)
ANY_URGENCY = st.integers(1, 3)


@st.composite
def volunteers(draw, n_max: int = 10, capacity=ANY_CAPACITY) -> list[Volunteer]:
    n = draw(st.integers(1, n_max))
    out = []
    for i in range(n):
        out.append(
            volunteer(
                f"v{i}",
                draw(km_offset),
                draw(km_offset),
                skills=draw(subset(SKILLS)),
                checks=draw(subset(CHECKS)),
                authorisations=draw(subset(AUTHS)),
                languages=draw(subset(LANGS)),
                max_km=draw(st.sampled_from([1.0, 3.0, 6.0, 12.0])),
                capacity=draw(capacity),
                recent_load=draw(st.integers(0, 6)),
                availability=draw(st.one_of(st.none(), st.lists(window(), max_size=2).map(tuple))),
            )
        )
    return out


@st.composite
def requests(draw, vols: list[Volunteer], n_max: int = 8, urgency=ANY_URGENCY):
    n = draw(st.integers(1, n_max))
    ids = [v.id for v in vols] + ["nobody"]
    out = []
    for i in range(n):
        start_end = draw(st.one_of(st.none(), window()))
        out.append(
            request(
                f"r{i}",
                draw(km_offset),
                draw(km_offset),
                need=draw(st.one_of(st.none(), st.sampled_from(SKILLS))),
                checks=draw(st.frozensets(st.sampled_from(CHECKS), max_size=1)),
                authorisations=draw(st.frozensets(st.sampled_from(AUTHS), max_size=1)),
                languages=draw(st.frozensets(st.sampled_from(LANGS), max_size=1)),
                start=None if start_end is None else start_end[0],
                end=None if start_end is None else start_end[1],
                urgency=draw(urgency),
                preferred_volunteer=draw(st.one_of(st.none(), st.sampled_from(ids))),
            )
        )
    return out


@st.composite
def problems(draw, capacity=ANY_CAPACITY, urgency=ANY_URGENCY):
    vols = draw(volunteers(capacity=capacity))
    return draw(requests(vols, urgency=urgency)), vols


weights = st.builds(
    Weights,
    continuity_km=st.sampled_from([0.0, 0.5, 2.0]),
    fairness_km_per_task=st.sampled_from([0.0, 0.3, 1.0]),
    fairness_max_tasks=st.integers(0, 10),
)


# --- properties ------------------------------------------------------------------------------


@PROPERTY
@given(problem=problems(), w=weights)
def test_no_hard_rule_is_ever_broken_and_every_reason_is_right(problem, w):
    reqs, vols = problem
    result = match(reqs, VolunteerPool.from_volunteers(vols), weights=w)
    assert_obeys_every_rule(reqs, vols, result)
    assert result.certified


@PROPERTY
@given(problem=problems())
def test_greedy_obeys_the_same_rules(problem):
    reqs, vols = problem
    assert_obeys_every_rule(reqs, vols, greedy_match(reqs, VolunteerPool.from_volunteers(vols)))


@PROPERTY
@given(problem=problems(), w=weights, seed=st.integers(0, 2**16))
def test_same_input_same_output_whatever_the_order(problem, w, seed):
    reqs, vols = problem
    first = match(reqs, VolunteerPool.from_volunteers(vols), weights=w)
    again = match(reqs, VolunteerPool.from_volunteers(vols), weights=w)
    assert first == again
    rng = random.Random(seed)
    shuffled_reqs, shuffled_vols = reqs[:], vols[:]
    rng.shuffle(shuffled_reqs)
    rng.shuffle(shuffled_vols)
    shuffled = match(shuffled_reqs, VolunteerPool.from_volunteers(shuffled_vols), weights=w)
    assert shuffled == first


def exact_optimum(reqs: list[Request], vols: list[Volunteer]) -> tuple[int, int, int]:
    """(urgency-weighted matches, matches, total whole metres) of the best assignment, by
    the Hungarian method over the full matrix (capacity 1)."""
    big = 10**9
    cost = np.zeros((len(reqs), len(vols)))
    metres = np.zeros((len(reqs), len(vols)), dtype=np.int64)
    for i, r in enumerate(reqs):
        for j, v in enumerate(vols):
            if eligible(r, v):
                metres[i, j] = int(np.rint(distance(r, v) * 1000.0))
                cost[i, j] = metres[i, j] - r.urgency * big
    rows, cols = linear_sum_assignment(cost)
    feasible = [(i, j) for i, j in zip(rows, cols, strict=True) if cost[i, j] < 0]
    return (
        sum(reqs[i].urgency for i, _ in feasible),
        len(feasible),
        int(sum(metres[i, j] for i, j in feasible)),
    )


def summary(reqs: list[Request], result) -> tuple[int, int, int]:
    urgency = {r.id: r.urgency for r in reqs}
    return (
        sum(urgency[m.request_id] for m in result.matches),
        len(result.matches),
        int(sum(int(np.rint(m.distance_km * 1000.0)) for m in result.matches)),
    )


@PROPERTY
@given(problem=problems(capacity=st.just(1), urgency=st.just(1)))
def test_matches_as_many_as_the_exact_optimum_with_as_little_travel(problem):
    reqs, vols = problem
    result = match(reqs, VolunteerPool.from_volunteers(vols), weights=NO_FRILLS)
    assert summary(reqs, result) == exact_optimum(reqs, vols)


@PROPERTY
@given(problem=problems(capacity=st.just(1)))
def test_urgency_weighted_optimum_with_as_little_travel(problem):
    reqs, vols = problem
    result = match(reqs, VolunteerPool.from_volunteers(vols), weights=NO_FRILLS)
    weighted, _, metres = summary(reqs, result)
    best_weighted, _, best_metres = exact_optimum(reqs, vols)
    assert (weighted, metres) == (best_weighted, best_metres)


@PROPERTY
@given(problem=problems(), w=weights)
def test_engine_never_matches_less_urgent_work_than_greedy(problem, w):
    reqs, vols = problem
    pool = VolunteerPool.from_volunteers(vols)
    engine, greedy = match(reqs, pool, weights=w), greedy_match(reqs, pool)
    assert summary(reqs, engine)[0] >= summary(reqs, greedy)[0]


@PROPERTY
@given(problem=problems(urgency=st.just(1)))
def test_engine_matches_at_least_as_many_as_greedy_property(problem):
    reqs, vols = problem
    pool = VolunteerPool.from_volunteers(vols)
    assert match(reqs, pool).matched_count >= greedy_match(reqs, pool).matched_count


@PROPERTY
@given(problem=problems(), keep=st.integers(1, 3), scan=st.integers(1, 4))
def test_pruned_search_still_obeys_every_rule(problem, keep, scan):
    reqs, vols = problem
    result = match(reqs, VolunteerPool.from_volunteers(vols), candidates=keep, max_scan=scan)
    assert_obeys_every_rule(reqs, vols, result)


# --- stories --------------------------------------------------------------------------------


def test_volunteer_without_enhanced_dbs_is_never_matched_to_prescription_delivery():
    near = volunteer(
        "near", 0.2, checks=frozenset({"dbs_basic"}), skills=frozenset({"prescriptions"})
    )
    far = volunteer(
        "far", 3.0, checks=frozenset({"dbs_enhanced"}), skills=frozenset({"prescriptions"})
    )
    rx = request("rx", need="prescriptions", checks=frozenset({"dbs_enhanced"}))

    result = match([rx], VolunteerPool.from_volunteers([near, far]))
    assert result.assignment["rx"].volunteer_id == "far"

    alone = match([rx], VolunteerPool.from_volunteers([near]))
    assert alone.matches == ()
    assert alone.reasons == {"rx": UnmatchedReason.NO_CHECK}
    assert greedy_match([rx], VolunteerPool.from_volunteers([near])).matches == ()


def test_unmatched_request_says_nobody_within_range():
    v = volunteer("v", 0.0, max_km=2.0)
    result = match([request("far-away", 5.0)], VolunteerPool.from_volunteers([v]))
    assert result.reasons == {"far-away": UnmatchedReason.NOBODY_WITHIN_RANGE}
    assert UnmatchedReason.NOBODY_WITHIN_RANGE.text == "Nobody is within range."


def test_volunteers_own_travel_limit_is_respected():
    keen = volunteer("keen", 4.0, max_km=5.0)
    homebody = volunteer("homebody", 1.5, max_km=1.0)
    result = match([request("r")], VolunteerPool.from_volunteers([keen, homebody]))
    assert result.assignment["r"].volunteer_id == "keen"


def test_each_reason_is_the_first_filter_that_leaves_nobody():
    pt = frozenset({"pt"})
    vols = [
        volunteer("basic", 0.5, checks=frozenset({"dbs_basic"}), availability=((0, 10),)),
        volunteer("full", 0.6, capacity=0, languages=pt, checks=frozenset({"dbs_basic"})),
    ]
    pool = VolunteerPool.from_volunteers(vols)
    reqs = [
        request("needs-enhanced", checks=frozenset({"dbs_enhanced"})),
        request("needs-polish", languages=frozenset({"pl"})),
        request("evening", start=20, end=30),
        request("portuguese", languages=pt),
        request("morning", start=0, end=5),
        request("also-morning", 0.1, start=1, end=2),
    ]
    result = match(reqs, pool)
    assert result.reasons == {
        "needs-enhanced": UnmatchedReason.NO_CHECK,
        "needs-polish": UnmatchedReason.LANGUAGE,
        "evening": UnmatchedReason.NO_CAPACITY,  # "full" is free then but has no capacity
        "portuguese": UnmatchedReason.NO_CAPACITY,
        "morning": UnmatchedReason.NO_CAPACITY,  # "basic" went to the nearer "also-morning"
    }
    busy = VolunteerPool.from_volunteers([vols[0]])
    assert match([request("evening", start=20, end=30)], busy).reasons == {
        "evening": UnmatchedReason.NOT_FREE
    }


def test_request_in_portuguese_goes_to_a_portuguese_speaker():
    vols = [
        volunteer("en", 0.1, languages=frozenset({"en"})),
        volunteer("pt", 2.0, languages=frozenset({"en", "pt"})),
    ]
    result = match([request("r", languages=frozenset({"pt"}))], VolunteerPool.from_volunteers(vols))
    assert result.assignment["r"].volunteer_id == "pt"


def test_volunteer_must_be_free_for_the_whole_window():
    day = datetime(2025, 3, 3, tzinfo=UTC)
    vols = [
        volunteer(
            "mornings", 0.1, availability=((day + timedelta(hours=9), day + timedelta(hours=12)),)
        ),
        volunteer("all-day", 3.0, availability=((day, day + timedelta(hours=20)),)),
    ]
    r = request("r", start=day + timedelta(hours=11), end=day + timedelta(hours=13))
    result = match([r], VolunteerPool.from_volunteers(vols))
    assert result.assignment["r"].volunteer_id == "all-day"


def test_recurring_need_keeps_the_same_volunteer_when_fair_enough():
    last_time = volunteer("last-time", 1.5, recent_load=1)
    closer = volunteer("closer", 0.5, recent_load=1)
    pool = VolunteerPool.from_volunteers([last_time, closer])
    weekly = request("weekly-shop", preferred_volunteer="last-time")

    kept = match([weekly], pool)
    assert kept.assignment["weekly-shop"].volunteer_id == "last-time"
    assert kept.assignment["weekly-shop"].continuity

    # ...but not when it would pile yet more work on someone already doing a lot
    overworked = volunteer("last-time", 1.5, recent_load=10)
    result = match([weekly], VolunteerPool.from_volunteers([overworked, closer]))
    assert result.assignment["weekly-shop"].volunteer_id == "closer"
    # ...and continuity is never allowed to cost a match: "closer" is the only one who can
    # reach "other", so "weekly-shop" goes to "last-time" whatever the weights.
    other = request("other", -0.4)
    near_only = volunteer("last-time", 1.5, max_km=1.6)
    both = match(
        [weekly, other],
        VolunteerPool.from_volunteers([near_only, volunteer("closer", 0.5, max_km=1.0)]),
        weights=Weights(continuity_km=50.0),
    )
    assert both.matched_count == 2


def test_preferred_volunteer_is_considered_even_beyond_the_candidate_list():
    vols = [volunteer(f"v{i}", 0.1 * (i + 1)) for i in range(6)] + [volunteer("usual", 1.0)]
    r = request("r", preferred_volunteer="usual")
    result = match([r], VolunteerPool.from_volunteers(vols), candidates=2)
    assert result.assignment["r"].volunteer_id == "usual"


def test_fairness_spreads_work_to_volunteers_with_fewer_recent_tasks():
    busy = volunteer("busy", 0.3, recent_load=6)
    idle = volunteer("idle", 0.6, recent_load=0)
    pool = VolunteerPool.from_volunteers([busy, idle])
    r = request("r")
    assert match([r], pool).assignment["r"].volunteer_id == "idle"
    assert match([r], pool, weights=NO_FRILLS).assignment["r"].volunteer_id == "busy"

    # Two tasks, one volunteer who could take both: a second task costs more than another
    # volunteer's first, so the work is shared.
    keen = volunteer("keen", 0.2, capacity=2)
    also = volunteer("also", 0.5, capacity=1)
    pool = VolunteerPool.from_volunteers([keen, also])
    two = [request("a"), request("b", 0.05)]
    shared = match(two, pool)
    assert sorted(shared.tasks_per_volunteer().values()) == [1, 1]
    piled = match(two, pool, weights=NO_FRILLS)
    assert piled.tasks_per_volunteer() == {"keen": 2}


def test_engine_matches_at_least_as_many_as_greedy():
    # "a" is nearest to both, but only "a" can reach r2. Nearest-first gives "a" to r1 and
    # leaves r2 unmatched; the engine sends "b" to r1.
    a = volunteer("a", 0.0, max_km=5.0)
    b = volunteer("b", -2.0, max_km=3.0)
    r1, r2 = request("r1", -0.5), request("r2", 2.0)
    pool = VolunteerPool.from_volunteers([a, b])
    greedy = greedy_match([r1, r2], pool)
    engine = match([r1, r2], pool)
    assert greedy.matched_count == 1
    assert greedy.reasons == {"r2": UnmatchedReason.NO_CAPACITY}
    assert engine.matched_count == 2
    assert engine.assignment["r1"].volunteer_id == "b"


def test_urgent_request_comes_before_routine_ones():
    only = volunteer("only", 0.0)
    urgent = request("urgent", 4.0, urgency=3)
    routine = request("routine", 0.1, urgency=1)
    result = match([routine, urgent], VolunteerPool.from_volunteers([only]))
    assert result.assignment.keys() == {"urgent"}
    assert result.reasons == {"routine": UnmatchedReason.NO_CAPACITY}


def test_more_matches_always_beat_less_travel():
    # One match costs nothing ("a" to r1); two cost 9.1 km ("b" drives 9 km to r1 so that
    # "a" can take r2, which "b" cannot reach). Two it is.
    a = volunteer("a", 0.0, max_km=10.0)
    b = volunteer("b", 9.0, max_km=9.05)
    r1, r2 = request("r1", 0.0), request("r2", -0.1)
    result = match([r1, r2], VolunteerPool.from_volunteers([a, b]), weights=NO_FRILLS)
    assert result.matched_count == 2
    assert result.assignment["r1"].volunteer_id == "b"
    assert result.total_km == pytest.approx(9.1, abs=0.01)


def test_search_widens_past_many_ineligible_neighbours():
    crowd = [volunteer(f"c{i}", 0.01 * i) for i in range(50)]  # none speaks Portuguese
    speaker = volunteer("speaker", 2.0, languages=frozenset({"pt"}))
    pool = VolunteerPool.from_volunteers([*crowd, speaker])
    r = request("r", languages=frozenset({"pt"}))
    assert match([r], pool, max_scan=4).assignment["r"].volunteer_id == "speaker"
    assert greedy_match([r], pool, max_scan=4).assignment["r"].volunteer_id == "speaker"
    lone = request("lone", languages=frozenset({"pl"}))
    assert match([lone], pool, max_scan=4).reasons == {"lone": UnmatchedReason.LANGUAGE}


def test_greedy_takes_requests_in_order_nearest_first():
    a = volunteer("a", 0.0)
    b = volunteer("b", 1.0)
    pool = VolunteerPool.from_volunteers([a, b])
    first, second = request("x", 0.4), request("y", 0.1)
    result = greedy_match([first, second], pool)
    assert result.assignment["x"].volunteer_id == "a"
    assert result.assignment["y"].volunteer_id == "b"


def test_pool_from_arrays_and_pairs():
    n = 1000
    rng = np.random.default_rng(3)
    lat = LAT + rng.uniform(-0.05, 0.05, n)
    lon = LON + rng.uniform(-0.05, 0.05, n)
    holders = np.flatnonzero(rng.random(n) < 0.1)
    checks = Tags.from_pairs(n, holders, ["dbs_enhanced"] * len(holders))
    pool = VolunteerPool.from_arrays(
        np.arange(n) + 500, lat, lon, max_km=3.0, capacity=1, checks=checks
    )
    reqs = [
        Request(i, float(LAT + d), float(LON), checks=frozenset({"dbs_enhanced"}))
        for i, d in enumerate(np.linspace(-0.03, 0.03, 50))
    ]
    result = match(reqs, pool)
    assert result.matched_count == 50
    for m in result.matches:
        assert pool.checks.terms_of(m.volunteer_id - 500) == frozenset({"dbs_enhanced"})
        assert isinstance(m.volunteer_id, int)
    assert pool.positions_of([500, 1499, 99999, None]).tolist() == [0, 999, -1, -1]


def test_bad_input_is_refused():
    pool = VolunteerPool.from_volunteers([volunteer("v")])
    with pytest.raises(ValueError, match="twice"):
        match([request("r"), request("r")], pool)
    with pytest.raises(ValueError, match="urgency"):
        match([request("r", urgency=0)], pool)
    with pytest.raises(ValueError, match="unique"):
        VolunteerPool.from_volunteers([volunteer("v"), volunteer("v")])
    with pytest.raises(ValueError):
        Weights(fairness_km_per_task=-1)


def test_nothing_in_nothing_out():
    empty = VolunteerPool.from_volunteers([])
    result = match([request("r")], empty)
    assert result.reasons == {"r": UnmatchedReason.NOBODY_WITHIN_RANGE}
    assert match([], VolunteerPool.from_volunteers([volunteer("v")])).matches == ()
