"""Benchmark: keepwell's matching engine against greedy nearest-first and the exact optimum.

    python bench/bench_matching.py            # 1k x 10k, 10k x 100k, 10k x 750k
    python bench/bench_matching.py --quick    # 1k x 10k only, well under a minute

Prints one JSON object per line: {"bench", "case", "metric", "value", "unit", "n"}, where
``case`` is "<requests>_x_<volunteers>/<variant>" and ``n`` the number of requests. Notes
about what each figure means go to stderr.

Geography: synthetic and clustered. 40 "towns" in a UK-sized box (lat 50.0-58.5, lon
-5.5-1.8) with Zipf-like populations and Gaussian spreads of 3-12 km; volunteers and requests
are drawn around the same towns. Volunteers have travel limits of 3-15 km, 0-3 tasks of
capacity, skewed recent loads, DBS checks, medication authorisation, skills, community
languages and (for 30%) weekly availability windows. Requests need shopping, prescriptions
(enhanced DBS), befriending (basic DBS) or transport; 3% need a language, half have a time
window, 20% are recurring with a preferred volunteer, urgency 1-3. Same seed, same data.

Variants:
  engine_fair    match() with the default Weights (continuity and fairness on)
  engine_nofair  match() with Weights(continuity_km=0, fairness_km_per_task=0): pure travel
  greedy         greedy_match(): requests in order, each to the nearest eligible volunteer
                 with capacity left (KD-tree, vectorised eligibility; Python loop over requests)
  optimum        the exact optimum of the pure-travel objective (most urgency-weighted matches,
                 then least total travel in whole metres) over EVERY eligible (request,
                 volunteer) pair within range, with no candidate pruning, solved independently
                 by scipy.sparse.csgraph.min_weight_full_bipartite_matching (volunteer capacity
                 expanded into slots, one "unmatched" column per request). Eligibility uses the
                 engine's own hard-rule filter. Only where computable (up to 10k x 100k).

Metrics: wall_s is the whole call, from the request objects and a pool whose KD-tree is not
yet built, to the result (so it includes building the KD-tree, candidate generation, the
solve and building the result objects); kdtree_build_s is the tree build alone (inside
wall_s). peak_rss_mb is the process's peak resident memory during the call (Linux VmHWM,
reset just before the call through /proc/self/clear_refs; falls back to ru_maxrss, the
whole process's peak, if that is not allowed), in a fresh subprocess per case and variant:
it includes the interpreter, numpy/scipy/OR-Tools and the input arrays (input_rss_mb is the
resident size just before the call). gini is the Gini coefficient of tasks given this round
per volunteer over every volunteer in the pool, and gini_floor the lowest it could be for
that many matches (the tasks spread as evenly as possible: with fewer tasks than volunteers
that is already close to 1, so the gap above the floor is what a matcher controls;
gini_above_floor is gini - gini_floor); gini_cumulative is the same for recent tasks plus
this round's; volunteers_used counts volunteers given at least one task;
mean_recent_load_of_assigned is the mean recent load of the volunteer chosen for each match
(lower: work went to less busy volunteers). km_gap_to_optimum_pct is (total km - optimum
km) / optimum km, only where the variant matched the same urgency-weighted total.

Issue 12: certified (1 when match() proved its result optimal against every eligible pair),
rounds (solves) and arcs_added per run; certified_share, value_ratio_to_optimum (urgency-
weighted matched value / the optimum's; must be 1.0), km_ratio_to_optimum (fairness off;
<= 1.001) and value_ratio_to_greedy beside the comparisons. Families where requests share
postcode points (family_sheltered_block, family_estates, family_scarce; see make_family),
run in --quick too, report the worst of FAMILY_SEEDS instances against the exact optimum
and greedy.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from _common import reset_peak, vm  # noqa: E402

from keepwell.matching.engine import (  # noqa: E402
    FOREVER,
    MatchResult,
    Request,
    Tags,
    Vocabulary,
    VolunteerPool,
    Weights,
    _Requests,
    _search_radius_chord,
    _stages,
    greedy_match,
    match,
)
from keepwell.places.geo import EARTH_RADIUS_KM  # noqa: E402

CASES = {
    "1k_x_10k": (1_000, 10_000),
    "10k_x_100k": (10_000, 100_000),
    "10k_x_750k": (10_000, 750_000),
}
VARIANTS = ("engine_fair", "engine_nofair", "greedy", "optimum")
OPTIMUM_UP_TO = 100_000  # volunteers
HOTSPOT_SHARE = 0.6  # times are minutes from the start of a week
LANGS = ("bn", "pa", "pl", "pt", "ur")


# --- synthetic data ------------------------------------------------------------------------


def _towns(rng: np.random.Generator, k: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lat = rng.uniform(50.0, 58.5, k)
    lon = rng.uniform(-5.5, 1.8, k)
    weight = 1.0 / np.arange(1, k + 1) ** 0.8
    sigma_km = 3.0 + 9.0 * weight / weight[0]
    return np.column_stack((lat, lon)), weight / weight.sum(), sigma_km


def _around(rng: np.random.Generator, n: int, towns: Any) -> tuple[np.ndarray, np.ndarray]:
    centre, weight, sigma_km = towns
    t = rng.choice(len(weight), size=n, p=weight)
    dy = rng.normal(size=n) * sigma_km[t]
    dx = rng.normal(size=n) * sigma_km[t]
    lat = centre[t, 0] + np.degrees(dy / EARTH_RADIUS_KM)
    lon = centre[t, 1] + np.degrees(dx / (EARTH_RADIUS_KM * np.cos(np.radians(centre[t, 0]))))
    return lat, lon


def _tags(columns: dict[str, np.ndarray]) -> Tags:
    vocab = Vocabulary(tuple(columns))
    n = len(next(iter(columns.values())))
    masks = np.zeros((n, vocab.words), dtype=np.uint64)
    for term, has in columns.items():
        b = vocab.bit(term)
        assert b is not None
        masks[has, b >> 6] |= np.uint64(1) << np.uint64(b & 63)
    return Tags(vocab, masks)


def make_pool(n: int, seed: int = 7) -> VolunteerPool:
    rng = np.random.default_rng(seed)
    towns = _towns(np.random.default_rng(1))
    lat, lon = _around(rng, n, towns)
    max_km = rng.choice([3.0, 5.0, 8.0, 15.0], size=n, p=[0.3, 0.35, 0.25, 0.1])
    capacity = rng.choice([0, 1, 2, 3], size=n, p=[0.1, 0.5, 0.25, 0.15])
    busy = rng.random(n) < 0.15
    recent = np.where(busy, rng.poisson(8, n), rng.poisson(0.5, n))
    dbs_basic = rng.random(n) < 0.6
    dbs_enhanced = rng.random(n) < 0.25
    checks = _tags({"dbs_basic": dbs_basic | dbs_enhanced, "dbs_enhanced": dbs_enhanced})
    auths = _tags({"medication": dbs_enhanced & (rng.random(n) < 0.6)})
    skills = _tags(
        {
            "shopping": rng.random(n) < 0.8,
            "prescriptions": rng.random(n) < 0.5,
            "befriending": rng.random(n) < 0.4,
            "transport": rng.random(n) < 0.15,
        }
    )
    speaks = {lang: rng.random(n) < 0.03 for lang in LANGS}
    speaks["en"] = np.ones(n, dtype=bool)
    languages = _tags(speaks)
    # availability: 70% always free, the rest 1-3 weekly windows of 2-6 hours
    counts = np.where(rng.random(n) < 0.7, 0, rng.integers(1, 4, n))
    always = counts == 0
    per = np.where(always, 1, counts)
    ptr = np.zeros(n + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(per)
    total = int(ptr[-1])
    day = rng.integers(0, 7, total)
    start = day * 1440 + rng.integers(8, 19, total) * 60
    end = start + rng.integers(2, 7, total) * 60
    first = ptr[:-1][always]
    start[first] = FOREVER[0]
    end[first] = FOREVER[1]
    return VolunteerPool.from_arrays(
        np.arange(n, dtype=np.int64) + 1_000_000,
        lat,
        lon,
        max_km=max_km,
        capacity=capacity,
        recent_load=recent,
        skills=skills,
        checks=checks,
        authorisations=auths,
        languages=languages,
        availability=(ptr, start, end),
    )


def _hotspots(towns: Any, per_town: int = 3) -> Any:
    """Neighbourhoods where need concentrates: a few per town, 1 km across."""
    centre, weight, sigma_km = towns
    rng = np.random.default_rng(2)
    k = len(weight)
    t = np.repeat(np.arange(k), per_town)
    off_y = rng.normal(size=len(t)) * sigma_km[t] * 0.7
    off_x = rng.normal(size=len(t)) * sigma_km[t] * 0.7
    lat = centre[t, 0] + np.degrees(off_y / EARTH_RADIUS_KM)
    lon = centre[t, 1] + np.degrees(off_x / (EARTH_RADIUS_KM * np.cos(np.radians(centre[t, 0]))))
    return np.column_stack((lat, lon)), np.repeat(weight / per_town, per_town), np.ones(len(t))


def make_requests(n: int, pool: VolunteerPool, seed: int = 11) -> list[Request]:
    rng = np.random.default_rng(seed)
    towns = _towns(np.random.default_rng(1))
    lat, lon = _around(rng, n, towns)
    # 60% of requests come from a few neighbourhoods per town, where need concentrates
    hot = rng.random(n) < HOTSPOT_SHARE
    hlat, hlon = _around(rng, int(hot.sum()), _hotspots(towns))
    lat[hot], lon[hot] = hlat, hlon
    need = rng.choice(
        ["shopping", "prescriptions", "befriending", "transport"], size=n, p=[0.5, 0.25, 0.15, 0.1]
    )
    urgency = rng.choice([1, 2, 3], size=n, p=[0.6, 0.3, 0.1])
    lang = np.where(rng.random(n) < 0.03, rng.choice(LANGS, size=n), "")
    windowed = rng.random(n) < 0.5
    wstart = rng.integers(0, 7, n) * 1440 + rng.integers(9, 18, n) * 60
    wlen = rng.integers(1, 3, n) * 60
    recurring = rng.random(n) < 0.2
    # a recurring request's previous volunteer: one of the 8 volunteers nearest to it
    from keepwell.places.geo import to_unit_xyz

    _, near = pool.tree.query(to_unit_xyz(lat, lon), k=8, workers=-1)
    # the timed call computes positions and builds its KD-trees itself
    object.__setattr__(pool, "_tree", None)
    object.__setattr__(pool, "_xyz", None)
    pool._trees.clear()
    prev = pool.ids[near[np.arange(n), rng.integers(0, 8, n)]]
    out = []
    for i in range(n):
        nd = str(need[i])
        out.append(
            Request(
                id=i + 1,
                lat=float(lat[i]),
                lon=float(lon[i]),
                need=nd,
                checks=frozenset({"dbs_enhanced"})
                if nd == "prescriptions"
                else frozenset({"dbs_basic"})
                if nd == "befriending"
                else frozenset(),
                authorisations=frozenset({"medication"})
                if nd == "prescriptions" and rng.random() < 0.3
                else frozenset(),
                languages=frozenset({str(lang[i])}) if lang[i] else frozenset(),
                start=int(wstart[i]) if windowed[i] else None,
                end=int(wstart[i] + wlen[i]) if windowed[i] else None,
                urgency=int(urgency[i]),
                preferred_volunteer=int(prev[i]) if recurring[i] else None,
            )
        )
    return out


# --- measures ------------------------------------------------------------------------------


def gini(x: np.ndarray) -> float:
    x = np.sort(np.asarray(x, dtype=np.float64))
    n, total = len(x), float(x.sum())
    if n == 0 or total == 0:
        return 0.0
    return float(2.0 * np.sum(np.arange(1, n + 1) * x) / (n * total) - (n + 1) / n)


def gini_floor(tasks: int, volunteers: int) -> float:
    """The lowest Gini any assignment of ``tasks`` tasks to ``volunteers`` volunteers can
    have: the tasks spread as evenly as possible. With fewer tasks than volunteers most
    volunteers get none whatever the matcher does, so a single round's Gini is near 1; the
    gap above this floor is what the matcher controls."""
    if volunteers == 0:
        return 0.0
    q, r = divmod(int(tasks), int(volunteers))
    even = np.full(volunteers, q, dtype=np.int64)
    even[:r] += 1
    return gini(even)


def optimum(requests: list[Request], pool: VolunteerPool) -> tuple[dict[Any, Any], float, int]:
    """Exact optimum over every eligible pair (see the module docstring)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    req = _Requests.build(requests, pool)
    chord = _search_radius_chord(pool)
    rows_l, vols_l, km_l = [], [], []
    for lo in range(0, req.n, 500):
        chunk = np.arange(lo, min(req.n, lo + 500))
        found = pool.tree.query_ball_point(req.xyz[chunk], r=chord, workers=-1)
        r = np.repeat(chunk, [len(f) for f in found])
        v = np.concatenate([np.asarray(f, dtype=np.int64) for f in found])
        km, st = _stages(req, pool, r, v)
        ok = st[:, 4]
        rows_l.append(r[ok])
        vols_l.append(v[ok])
        km_l.append(km[ok])
    rows, vols, km = np.concatenate(rows_l), np.concatenate(vols_l), np.concatenate(km_l)
    metres = np.rint(km * 1000.0).astype(np.int64)
    # slots: volunteer v's s-th unit of capacity
    uniq, inv = np.unique(vols, return_inverse=True)
    cap = pool.capacity[uniq]
    slot0 = np.cumsum(cap) - cap
    reps = cap[inv]
    e_rows = np.repeat(rows, reps)
    e_m = np.repeat(metres, reps)
    e_cols = np.repeat(slot0[inv], reps) + (
        np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
    )
    n_slots = int(cap.sum())
    big = float(req.n * (int(metres.max(initial=0)) + 1) + 1)
    d_rows = np.arange(req.n)
    d_cols = n_slots + d_rows
    d_w = req.urgency * big
    m = coo_matrix(
        (
            np.concatenate([e_m + 1.0, d_w]),
            (np.concatenate([e_rows, d_rows]), np.concatenate([e_cols, d_cols])),
        ),
        shape=(req.n, n_slots + req.n),
    ).tocsr()
    _, col = min_weight_full_bipartite_matching(m)
    real = col < n_slots
    # map chosen slot back to metres: the edge (row, slot) weight
    slot_vol = np.repeat(uniq, cap)
    # the exact (not rounded) km of each chosen pair, as the engine reports them
    pair_km = dict(zip(zip(rows.tolist(), vols.tolist(), strict=True), km.tolist(), strict=True))
    chosen_km = [
        pair_km[(int(r), int(slot_vol[c]))]
        for r, c in zip(np.flatnonzero(real), col[real], strict=True)
    ]
    assignment = {
        req.ids[r]: int(pool.ids[slot_vol[c]])
        for r, c in zip(np.flatnonzero(real), col[real], strict=True)
    }
    weighted = int(req.urgency[real].sum())
    return assignment, float(sum(chosen_km)), weighted


# --- families where requests share postcode points (issue 12) --------------------------------

FAMILIES = {
    # name: (points, requests per point, volunteers, spread km, capacity weights 0/1/2)
    "sheltered_block": (4, 30, 1_500, 4.0, (0.3, 0.6, 0.1)),
    "estates": (30, 8, 3_000, 3.0, (0.3, 0.6, 0.1)),
    "scarce": (10, 30, 400, 3.0, (0.5, 0.5, 0.0)),
}
FAMILY_SEEDS = 5


def make_family(name: str, seed: int) -> tuple[list[Request], VolunteerPool]:
    """Requests on a few postcode points (people are placed on their postcode's point, so a
    block of flats is one coordinate), volunteers around them travelling 1-5 km, most with
    room for one task, some none; 10% of requests need a rare check (held by 4%), 5% a
    language (3%), a third a time window (volunteers: 70% always free, else one window)."""
    points, per_point, n_vol, spread, cap_p = FAMILIES[name]
    rng = np.random.default_rng(1000 + seed)
    lat0, lon0 = 52.48, -1.89
    p_y, p_x = rng.normal(0.0, spread / 3, (2, points))
    p_lat = lat0 + np.degrees(p_y / EARTH_RADIUS_KM)
    p_lon = lon0 + np.degrees(p_x / (EARTH_RADIUS_KM * np.cos(np.radians(lat0))))
    n_req = points * per_point
    at = np.repeat(np.arange(points), per_point)
    rare = rng.random(n_req) < 0.10
    lang = rng.random(n_req) < 0.05
    windowed = rng.random(n_req) < 0.33
    w_start = rng.integers(8, 16, n_req) * 60
    requests = [
        Request(
            i,
            float(p_lat[at[i]]),
            float(p_lon[at[i]]),
            checks=frozenset({"dbs_enhanced"}) if rare[i] else frozenset(),
            languages=frozenset({"pt"}) if lang[i] else frozenset(),
            start=int(w_start[i]) if windowed[i] else None,
            end=int(w_start[i]) + 120 if windowed[i] else None,
            urgency=int(rng.integers(1, 4)),
        )
        for i in range(n_req)
    ]
    v_y, v_x = rng.normal(0.0, spread, (2, n_vol))
    v_lat = lat0 + np.degrees(v_y / EARTH_RADIUS_KM)
    v_lon = lon0 + np.degrees(v_x / (EARTH_RADIUS_KM * np.cos(np.radians(lat0))))
    always = rng.random(n_vol) < 0.7
    ptr = np.arange(n_vol + 1, dtype=np.int64)
    start = np.where(always, FOREVER[0], rng.integers(7, 13, n_vol) * 60)
    end = np.where(always, FOREVER[1], start + rng.integers(3, 8, n_vol) * 60)
    pool = VolunteerPool.from_arrays(
        np.arange(n_vol, dtype=np.int64) + 1_000_000,
        v_lat,
        v_lon,
        max_km=rng.choice([1.0, 2.0, 3.0, 5.0], n_vol),
        capacity=rng.choice([0, 1, 2], n_vol, p=list(cap_p)),
        recent_load=rng.poisson(1.0, n_vol),
        checks=_tags({"dbs_enhanced": rng.random(n_vol) < 0.04}),
        languages=_tags({"pt": rng.random(n_vol) < 0.03, "en": np.ones(n_vol, dtype=bool)}),
        availability=(ptr, start, end),
    )
    return requests, pool


def run_family(name: str) -> list[dict[str, Any]]:
    """FAMILY_SEEDS instances of a family: the engine (fairness off and on) against the exact
    optimum and greedy; the worst instance is reported (ratios) and the share certified."""
    value_opt: list[float] = []
    km_opt: list[float] = []
    value_greedy: list[float] = []
    certified: list[bool] = []
    rounds: list[int] = []
    added: list[int] = []
    walls: list[float] = []
    n_req = 0
    for seed in range(FAMILY_SEEDS):
        requests, pool = make_family(name, seed)
        n_req = len(requests)
        urg = {r.id: r.urgency for r in requests}
        _, opt_km, opt_value = optimum(requests, pool)
        greedy = greedy_match(requests, pool)
        g_value = sum(urg[m.request_id] for m in greedy.matches)
        for w in (Weights(0.0, 0.0), Weights()):
            t0 = time.perf_counter()
            result = match(requests, pool, weights=w)
            walls.append(time.perf_counter() - t0)
            value = sum(urg[m.request_id] for m in result.matches)
            value_opt.append(value / opt_value if opt_value else 1.0)
            value_greedy.append(value / g_value if g_value else 1.0)
            certified.append(result.certified)
            rounds.append(result.rounds)
            added.append(result.arcs_added)
            if w.fairness_km_per_task == 0 and w.continuity_km == 0:
                km_opt.append(result.total_km / opt_km if opt_km else 1.0)
    rows: list[tuple[str, float, str]] = [
        ("instances", FAMILY_SEEDS, "instances"),
        ("value_ratio_to_optimum", round(min(value_opt), 6), "ratio (worst)"),
        ("km_ratio_to_optimum", round(max(km_opt), 6), "ratio (worst, fairness off)"),
        ("certified_share", round(sum(certified) / len(certified), 4), "share"),
        ("rounds_max", max(rounds), "solves"),
        ("rounds_mean", round(float(np.mean(rounds)), 2), "solves"),
        ("arcs_added_max", max(added), "arcs"),
        ("value_ratio_to_greedy", round(min(value_greedy), 6), "ratio (worst)"),
        ("wall_s_max", round(max(walls), 3), "s"),
    ]
    return [
        {
            "bench": "matching",
            "case": f"family_{name}/engine",
            "metric": m,
            "value": v,
            "unit": u,
            "n": n_req,
        }
        for m, v, u in rows
    ]


def run_rounds(case: str, variant: str) -> list[dict[str, Any]]:
    """Several rounds in a row: each round's tasks are added to the volunteers' recent load
    before the next, and capacity is renewed. Gini is over every volunteer, of the tasks
    given across all rounds."""
    base, rounds_s = case.rsplit("_x", 1)
    rounds = int(rounds_s.removesuffix("rounds"))
    n_req, n_vol = CASES[base]
    pool = make_pool(n_vol)
    tasks = np.zeros(len(pool), dtype=np.int64)
    wall = km = 0.0
    matched = 0
    for i in range(rounds):
        requests = make_requests(n_req, pool, seed=100 + i)
        t0 = time.perf_counter()
        if variant == "engine_fair":
            result = match(requests, pool)
        elif variant == "engine_nofair":
            result = match(requests, pool, weights=Weights(0.0, 0.0))
        elif variant == "greedy":
            result = greedy_match(requests, pool)
        else:
            raise SystemExit(f"no rounds for {variant}")
        wall += time.perf_counter() - t0
        pos = pool.positions_of([m.volunteer_id for m in result.matches])
        got = np.bincount(pos, minlength=len(pool))
        tasks += got
        km += result.total_km
        matched += result.matched_count
        pool = dataclasses.replace(pool, recent_load=pool.recent_load + got)
    label = f"{case}/{variant}"
    rows: list[tuple[str, float, str]] = [
        ("wall_s", round(wall, 3), "s"),
        ("matched", matched, "requests"),
        ("total_km", round(km, 3), "km"),
        ("gini", round(gini(tasks), 5), "ratio"),
        ("gini_floor", round(gini_floor(matched, len(pool)), 5), "ratio"),
        ("gini_cumulative", round(gini(pool.recent_load), 5), "ratio"),
        ("volunteers_used", int(np.count_nonzero(tasks)), "volunteers"),
        ("max_tasks_per_volunteer", int(tasks.max(initial=0)), "tasks"),
    ]
    return [
        {"bench": "matching", "case": label, "metric": m, "value": v, "unit": u, "n": n_req}
        for m, v, u in rows
    ]


def run_one(case: str, variant: str) -> list[dict[str, Any]]:
    if case.endswith("rounds"):
        return run_rounds(case, variant)
    if case.startswith("family_"):
        return run_family(case.removeprefix("family_"))
    n_req, n_vol = CASES[case] if case in CASES else _parse_case(case)
    pool = make_pool(n_vol)
    requests = make_requests(n_req, pool)
    recent = pool.recent_load
    urg = {r.id: r.urgency for r in requests}
    recurring = {r.id: r.preferred_volunteer for r in requests if r.preferred_volunteer}
    input_rss = vm("VmRSS")
    can_reset = reset_peak()
    t0 = time.perf_counter()
    result: MatchResult | None = None
    opt: tuple[dict[Any, Any], float, int] | None = None
    if variant == "engine_fair":
        result = match(requests, pool)
    elif variant == "engine_nofair":
        result = match(requests, pool, weights=Weights(0.0, 0.0))
    elif variant == "greedy":
        result = greedy_match(requests, pool)
    elif variant == "optimum":
        opt = optimum(requests, pool)
    else:
        raise SystemExit(f"unknown variant {variant}")
    wall = time.perf_counter() - t0
    peak = vm("VmHWM") if can_reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    label = f"{case}/{variant}"
    rows: list[tuple[str, float, str]] = [
        ("wall_s", round(wall, 3), "s"),
        ("peak_rss_mb", round(peak, 1), "MB"),
        ("input_rss_mb", round(input_rss, 1), "MB"),
    ]
    if result is not None:
        tasks = np.zeros(len(pool), dtype=np.int64)
        pos = pool.positions_of([m.volunteer_id for m in result.matches])
        np.add.at(tasks, pos, 1)
        kept = sum(1 for m in result.matches if recurring.get(m.request_id) == m.volunteer_id)
        rows += [
            ("kdtree_build_s", round(result.timings["kdtree_s"], 3), "s"),
            ("matched", result.matched_count, "requests"),
            ("matched_weighted", sum(urg[m.request_id] for m in result.matches), "urgency"),
            ("total_km", round(result.total_km, 3), "km"),
            ("mean_km", round(result.total_km / max(1, result.matched_count), 4), "km"),
            ("gini", round(gini(tasks), 5), "ratio"),
            ("gini_floor", round(gini_floor(result.matched_count, len(pool)), 5), "ratio"),
            ("gini_cumulative", round(gini(tasks + recent), 5), "ratio"),
            ("volunteers_used", int(np.count_nonzero(tasks)), "volunteers"),
            ("max_tasks_per_volunteer", int(tasks.max(initial=0)), "tasks"),
            (
                "mean_recent_load_of_assigned",
                round(float(recent[pos].mean()) if len(pos) else 0.0, 4),
                "tasks",
            ),
            ("continuity_kept", kept, "requests"),
            ("recurring_requests", len(recurring), "requests"),
            ("certified", int(result.certified), "bool"),
            ("rounds", result.rounds, "solves"),
            ("arcs_added", result.arcs_added, "arcs"),
        ]
        for key in ("candidates_s", "solve_s", "certify_s"):
            if key in result.timings:
                rows.append((key, round(result.timings[key], 3), "s"))
        if "candidate_arcs" in result.timings:
            rows.append(("candidate_arcs", int(result.timings["candidate_arcs"]), "arcs"))
    if opt is not None:
        assignment, km, weighted = opt
        rows += [
            ("matched", len(assignment), "requests"),
            ("matched_weighted", weighted, "urgency"),
            ("total_km", round(km, 3), "km"),
        ]
    return [
        {"bench": "matching", "case": label, "metric": m, "value": v, "unit": u, "n": n_req}
        for m, v, u in rows
    ]


def _parse_case(case: str) -> tuple[int, int]:
    def num(s: str) -> int:
        return int(float(s[:-1]) * 1000) if s.endswith("k") else int(s)

    a, b = case.split("_x_")
    return num(a), num(b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="only 1k x 10k")
    ap.add_argument("--cases", nargs="*", help="e.g. 10k_x_750k")
    ap.add_argument("--variants", nargs="*", default=list(VARIANTS))
    ap.add_argument("--worker", nargs=2, metavar=("CASE", "VARIANT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        for row in run_one(*args.worker):
            print(json.dumps(row), flush=True)
        return
    families = [f"family_{name}" for name in FAMILIES]
    cases = args.cases or (
        ["1k_x_10k", "1k_x_10k_x8rounds", *families]
        if args.quick
        else [*CASES, "1k_x_10k_x8rounds", "10k_x_100k_x8rounds", *families]
    )
    print(__doc__, file=sys.stderr)
    for case in cases:
        if case.startswith("family_"):
            out = subprocess.run(
                [sys.executable, __file__, "--worker", case, "engine"],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
            print(out.stdout, end="", flush=True)
            continue
        base = case.rsplit("_x", 1)[0] if case.endswith("rounds") else case
        n_req, n_vol = CASES[base] if base in CASES else _parse_case(base)
        results: dict[str, dict[str, float]] = {}
        for variant in args.variants:
            if variant == "optimum" and case.endswith("rounds"):
                continue
            if variant == "optimum" and n_vol > OPTIMUM_UP_TO:
                print(f"# {case}: optimum not computed (too large)", file=sys.stderr)
                continue
            out = subprocess.run(
                [sys.executable, __file__, "--worker", case, variant],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
            for line in out.stdout.splitlines():
                print(line, flush=True)
                row = json.loads(line)
                results.setdefault(variant, {})[row["metric"]] = row["value"]
        for row in _comparisons(case, n_req, results):
            print(json.dumps(row), flush=True)


def _comparisons(case: str, n_req: int, res: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    out = []

    def emit(variant: str, metric: str, value: float, unit: str) -> None:
        out.append(
            {
                "bench": "matching",
                "case": f"{case}/{variant}",
                "metric": metric,
                "value": value,
                "unit": unit,
                "n": n_req,
            }
        )

    opt = res.get("optimum")
    for variant in ("engine_fair", "engine_nofair", "greedy"):
        r = res.get(variant)
        if not r:
            continue
        if "greedy" in res and variant != "greedy":
            emit(variant, "matched_minus_greedy", r["matched"] - res["greedy"]["matched"], "req")
            g = res["greedy"]["total_km"]
            emit(variant, "km_vs_greedy_pct", round(100 * (r["total_km"] - g) / g, 3), "%")
        if "gini" in r and "gini_floor" in r:
            emit(variant, "gini_above_floor", round(r["gini"] - r["gini_floor"], 5), "ratio")
        if "certified" in r:
            emit(variant, "certified_share", float(r["certified"]), "share")
        if "greedy" in res and variant != "greedy" and res["greedy"].get("matched_weighted"):
            ratio = r["matched_weighted"] / res["greedy"]["matched_weighted"]
            emit(variant, "value_ratio_to_greedy", round(ratio, 6), "ratio")
        if opt:
            emit(variant, "matched_minus_optimum", r["matched"] - opt["matched"], "requests")
            ratio = r["matched_weighted"] / opt["matched_weighted"]
            emit(variant, "value_ratio_to_optimum", round(ratio, 6), "ratio")
            if variant == "engine_nofair" and r["matched_weighted"] == opt["matched_weighted"]:
                emit(
                    variant,
                    "km_ratio_to_optimum",
                    round(r["total_km"] / opt["total_km"], 6),
                    "ratio",
                )
            if r["matched_weighted"] == opt["matched_weighted"]:
                gap = 100 * (r["total_km"] - opt["total_km"]) / opt["total_km"]
                emit(variant, "km_gap_to_optimum_pct", round(gap, 4), "%")
    if "engine_fair" in res and "engine_nofair" in res:
        extra = res["engine_fair"]["total_km"] - res["engine_nofair"]["total_km"]
        emit("engine_fair", "km_cost_of_fairness_and_continuity", round(extra, 3), "km")
    return out


if __name__ == "__main__":
    main()
