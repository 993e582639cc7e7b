"""Delivery rounds: which driver takes which deliveries, in what order, arriving when.

Pure: numpy and OR-Tools routing; no Django. Distances are great-circle (haversine) in whole
metres; travel time is distance at an assumed average speed, rounded up to the second, plus
each delivery's service time. Times are in minutes on any clock the caller likes (minutes
since midnight, say), as long as deliveries and drivers use the same one.

Each driver leaves from their start no earlier than the start of their shift, carries no
more than their capacity, reaches every delivery within its window (waiting if early), and
finishes (back at the start, if ``return_to_start``) by the end of their shift. A delivery
that cannot be fitted in is reported, with the reason, rather than breaking any of that.

Search: OR-Tools builds a first solution with PATH_CHEAPEST_ARC (falling back to
PARALLEL_CHEAPEST_INSERTION) and improves it with guided local search until the time limit.
Fitting in every delivery that can be fitted in comes first, then the least total distance.
OR-Tools routing is single-threaded and deterministic for the same input and the same
stopping point, but a *time* limit stops it at a point that depends on the machine and its
load, so two runs can differ. For results that are identical run after run, pass
``time_limit_s=None``: the search then runs plain local search (greedy descent) to a local
optimum and stops there, or earlier after ``solution_limit`` solutions if that is given.
(Guided local search is only used under a time limit: it has no natural end, and a small
problem may never produce ``solution_limit`` distinct solutions.)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import numpy as np
from numpy.typing import NDArray
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from keepwell.places.geo import haversine_km

__all__ = [
    "Delivery",
    "Driver",
    "Route",
    "RoutePlan",
    "Stop",
    "Unrouted",
    "UnroutedReason",
    "plan_rounds",
]

DEFAULT_SPEED_KMH: Final = 25.0  # door to door in town, parking included


@dataclass(frozen=True, slots=True)
class Delivery:
    """Something to take somewhere: ``size`` units of a driver's capacity, arriving within
    ``window`` (start, end minutes) if given, and taking ``service_minutes`` at the door.
    ``drivers`` is who may take it (the ids of the drivers holding the checks it needs);
    ``None``: any driver."""

    id: Hashable
    lat: float
    lon: float
    size: int = 1
    window: tuple[int, int] | None = None
    service_minutes: int = 5
    drivers: frozenset[Hashable] | None = None


@dataclass(frozen=True, slots=True)
class Driver:
    """A driver starting from (lat, lon) within ``shift`` (start, end minutes) with room for
    ``capacity`` units. The round ends at the last delivery unless ``return_to_start``."""

    id: Hashable
    lat: float
    lon: float
    capacity: int
    shift: tuple[int, int] = (0, 24 * 60)
    return_to_start: bool = False


@dataclass(frozen=True, slots=True)
class Stop:
    delivery_id: Hashable
    arrival_minute: float  # planned arrival (within the window; service starts then)
    km_from_previous: float


@dataclass(frozen=True, slots=True)
class Route:
    driver_id: Hashable
    stops: tuple[Stop, ...]
    distance_km: float  # from the start to the last stop (and back, if returning)
    load: int
    start_minute: float
    end_minute: float


class UnroutedReason(StrEnum):
    NO_ELIGIBLE_DRIVER = "no_driver_may_take_it"
    TOO_BIG = "too_big_for_any_driver"
    OUT_OF_REACH = "no_driver_can_reach_it_in_time"
    NO_ROOM = "no_room_in_any_round"

    @property
    def text(self) -> str:
        return {
            UnroutedReason.NO_ELIGIBLE_DRIVER: "No driver on this round may take it: none "
            "holds the checks it needs, or it is for the driver themself.",
            UnroutedReason.TOO_BIG: "It is bigger than any driver can carry.",
            UnroutedReason.OUT_OF_REACH: "No driver can get there within its time window "
            "and their shift.",
            UnroutedReason.NO_ROOM: "The drivers' rounds are full: no room or no time left.",
        }[self]


@dataclass(frozen=True, slots=True)
class Unrouted:
    delivery_id: Hashable
    reason: UnroutedReason


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """One route per driver who has stops (in the order drivers were given), and the
    deliveries that could not be routed, in the order they were given."""

    routes: tuple[Route, ...]
    unrouted: tuple[Unrouted, ...]
    status: str

    @property
    def total_km(self) -> float:
        return float(sum(r.distance_km for r in self.routes))


def _seconds(minutes: float) -> int:
    return int(round(minutes * 60))


def plan_rounds(
    deliveries: Sequence[Delivery],
    drivers: Sequence[Driver],
    *,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    time_limit_s: float | None = 3.0,
    solution_limit: int | None = None,
) -> RoutePlan:
    """Plan delivery rounds (see the module docstring)."""
    dels, drs = list(deliveries), list(drivers)
    if len({d.id for d in dels}) != len(dels):
        raise ValueError("delivery ids must be unique")
    if speed_kmh <= 0:
        raise ValueError("speed_kmh must be positive")
    for d in dels:
        if d.size < 0 or d.service_minutes < 0:
            raise ValueError(f"delivery {d.id!r}: size and service time are never negative")
        if d.window is not None and d.window[1] < d.window[0]:
            raise ValueError(f"delivery {d.id!r} ends before it starts")
    for v in drs:
        if v.shift[1] < v.shift[0] or v.capacity < 0:
            raise ValueError(f"driver {v.id!r}: bad shift or capacity")

    metres_per_s = speed_kmh * 1000.0 / 3600.0
    n_del, n_drv = len(dels), len(drs)
    reasons: dict[int, UnroutedReason] = {}
    if n_drv == 0:
        reasons = dict.fromkeys(range(n_del), UnroutedReason.OUT_OF_REACH)
    if n_del == 0 or n_drv == 0:
        return RoutePlan(
            (),
            tuple(Unrouted(dels[i].id, r) for i, r in sorted(reasons.items())),
            "NOTHING_TO_ROUTE",
        )

    # All times in seconds from the earliest shift start.
    t0 = min(v.shift[0] for v in drs)
    shift = np.array([[_seconds(v.shift[0] - t0), _seconds(v.shift[1] - t0)] for v in drs])
    capacity = np.array([v.capacity for v in drs], dtype=np.int64)
    size = np.array([d.size for d in dels], dtype=np.int64)
    service = np.array([_seconds(d.service_minutes) for d in dels], dtype=np.int64)
    horizon = int(shift[:, 1].max())
    window = np.array(
        [
            (0, horizon)
            if d.window is None
            else (_seconds(d.window[0] - t0), _seconds(d.window[1] - t0))
            for d in dels
        ],
        dtype=np.int64,
    )

    # Who could do each delivery on their own, going straight there from their start?
    d_lat = np.array([d.lat for d in dels])
    d_lon = np.array([d.lon for d in dels])
    s_lat = np.array([v.lat for v in drs])
    s_lon = np.array([v.lon for v in drs])
    out_km = haversine_km(s_lat[:, None], s_lon[:, None], d_lat[None, :], d_lon[None, :])
    out_s = np.ceil(np.rint(out_km * 1000.0) / metres_per_s).astype(np.int64)
    back_s = np.where(np.array([v.return_to_start for v in drs])[:, None], out_s, 0)
    arrive = shift[:, :1] + out_s
    begin = np.maximum(arrive, window[None, :, 0])
    driver_ids = [v.id for v in drs]
    allowed = np.array(
        [[d.drivers is None or vid in d.drivers for d in dels] for vid in driver_ids], dtype=bool
    ).reshape(n_drv, n_del)
    reachable = (
        allowed
        & (arrive <= window[None, :, 1])
        & (begin + service[None, :] + back_s <= shift[:, 1:2])
        & (size[None, :] <= capacity[:, None])
    )
    for i in range(n_del):
        if not allowed[:, i].any():
            reasons[i] = UnroutedReason.NO_ELIGIBLE_DRIVER
        elif size[i] > capacity.max():
            reasons[i] = UnroutedReason.TOO_BIG
        elif not reachable[:, i].any():
            reasons[i] = UnroutedReason.OUT_OF_REACH
    todo = [i for i in range(n_del) if i not in reasons]

    routes: list[Route] = []
    status = "NOTHING_TO_ROUTE"
    if todo:
        routes, dropped, status = _solve(
            [dels[i] for i in todo],
            drs,
            allowed[:, todo],
            window[todo],
            service[todo],
            shift,
            metres_per_s,
            time_limit_s,
            solution_limit,
            t0,
        )
        for j in dropped:
            reasons[todo[j]] = UnroutedReason.NO_ROOM
    unrouted = tuple(Unrouted(dels[i].id, r) for i, r in sorted(reasons.items()))
    return RoutePlan(tuple(routes), unrouted, status)


def _solve(
    dels: list[Delivery],
    drs: list[Driver],
    allowed: NDArray[np.bool_],
    window: NDArray[np.int64],
    service: NDArray[np.int64],
    shift: NDArray[np.int64],
    metres_per_s: float,
    time_limit_s: float | None,
    solution_limit: int | None,
    t0: int,
) -> tuple[list[Route], list[int], str]:
    n_del, n_drv = len(dels), len(drs)
    # nodes: deliveries, then each driver's start, then each driver's end
    lat = np.array([d.lat for d in dels] + [v.lat for v in drs] * 2)
    lon = np.array([d.lon for d in dels] + [v.lon for v in drs] * 2)
    n = len(lat)
    km = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    metres = np.rint(km * 1000.0).astype(np.int64)
    ends = np.arange(n_del + n_drv, n)
    open_end = np.array([not v.return_to_start for v in drs])
    metres[:, ends[open_end]] = 0  # an open round ends wherever its last stop is
    km[:, ends[open_end]] = 0.0
    travel = np.ceil(metres / metres_per_s).astype(np.int64)
    stay = np.zeros(n, dtype=np.int64)
    stay[:n_del] = service
    transit = travel + stay[:, None]  # leaving node i for j: service at i, then the drive

    starts = list(range(n_del, n_del + n_drv))
    manager = pywrapcp.RoutingIndexManager(n, n_drv, starts, ends.tolist())
    model = pywrapcp.RoutingModel(manager)
    distance = model.RegisterTransitMatrix(metres.tolist())
    model.SetArcCostEvaluatorOfAllVehicles(distance)

    demand = [d.size for d in dels] + [0] * (2 * n_drv)
    load = model.RegisterUnaryTransitVector(demand)
    model.AddDimensionWithVehicleCapacity(load, 0, [v.capacity for v in drs], True, "Load")
    horizon = int(max(shift[:, 1].max(), window[:, 1].max(initial=0))) + 1
    time_cb = model.RegisterTransitMatrix(transit.tolist())
    model.AddDimension(time_cb, horizon, horizon, False, "Time")
    clock = model.GetDimensionOrDie("Time")
    for i in range(n_del):
        clock.CumulVar(manager.NodeToIndex(i)).SetRange(int(window[i, 0]), int(window[i, 1]))
    for v in range(n_drv):
        lo, hi = int(shift[v, 0]), int(shift[v, 1])
        clock.CumulVar(model.Start(v)).SetRange(lo, hi)
        clock.CumulVar(model.End(v)).SetRange(lo, hi)
        model.AddVariableMinimizedByFinalizer(clock.CumulVar(model.End(v)))
        model.AddVariableMaximizedByFinalizer(clock.CumulVar(model.Start(v)))
    # Leaving a delivery out costs more than any detour to fit it in.
    penalty = int(2 * metres.max() * (n_del + 1) + 1)
    for i in range(n_del):
        model.AddDisjunction([manager.NodeToIndex(i)], penalty)
        if not allowed[:, i].all():
            # -1: left out (the disjunction above), or one of the drivers allowed
            vehicles = [-1, *(int(v) for v in np.flatnonzero(allowed[:, i]))]
            model.VehicleVar(manager.NodeToIndex(i)).SetValues(vehicles)

    solution = None
    for first in (
        routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC,
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION,
    ):
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = first
        if time_limit_s is None:
            params.local_search_metaheuristic = (
                routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
            )
        else:
            params.local_search_metaheuristic = (
                routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
            )
        if time_limit_s is not None:
            params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
        if solution_limit is not None:
            params.solution_limit = solution_limit
        solution = model.SolveWithParameters(params)
        if solution is not None:
            break
    status = _status_name(model.status())
    if solution is None:
        return [], list(range(n_del)), status

    routes: list[Route] = []
    visited: set[int] = set()
    for v in range(n_drv):
        index = model.Start(v)
        start_s = solution.Min(clock.CumulVar(index))
        prev = manager.IndexToNode(index)
        stops: list[Stop] = []
        total = 0.0
        carried = 0
        index = solution.Value(model.NextVar(index))
        while True:
            node = manager.IndexToNode(index)
            total += float(km[prev, node])
            if model.IsEnd(index):
                end_s = solution.Min(clock.CumulVar(index))
                break
            visited.add(node)
            carried += dels[node].size
            stops.append(
                Stop(
                    dels[node].id,
                    t0 + solution.Min(clock.CumulVar(index)) / 60.0,
                    float(km[prev, node]),
                )
            )
            prev = node
            index = solution.Value(model.NextVar(index))
        if stops:
            routes.append(
                Route(
                    drs[v].id,
                    tuple(stops),
                    total,
                    carried,
                    t0 + start_s / 60.0,
                    t0 + end_s / 60.0,
                )
            )
    dropped = [i for i in range(n_del) if i not in visited]
    return routes, dropped, status


def _status_name(code: int) -> str:
    try:
        return str(routing_enums_pb2.RoutingSearchStatus.Value.Name(int(code)))
    except ValueError:
        return str(code)
