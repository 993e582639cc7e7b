"""Matching requests for help to volunteers: who goes where, and, when nobody can, why not.

Pure: numpy, scipy and OR-Tools; no Django, no database. The Django side turns rows into a
:class:`VolunteerPool` (columns of arrays, so 750,000 volunteers are a handful of numpy arrays
and not 750,000 Python objects) and a list of :class:`Request`, calls :func:`match`, and
stores the :class:`MatchResult`.

How :func:`match` works
-----------------------
1. **Candidates.** A KD-tree over the volunteers' positions on the unit sphere finds, for
   each request, its nearest volunteers within the largest travel distance any volunteer
   offers. Their eligibility is checked in bulk with numpy: within the volunteer's own
   maximum distance, holding every required check and authorisation (and the skill for the
   kind of help), speaking the required languages, free for the whole time window, and with
   capacity left. The search widens (4x, then 4x again, up to ``max_scan`` neighbours) for
   requests that have not yet found ``candidates`` eligible volunteers, and a request that
   still has none is checked against everyone in range, so a request is only ever left
   without candidates when nobody anywhere in range could take it. Each request keeps its
   ``candidates`` nearest eligible volunteers (ties broken by volunteer id), plus its
   preferred volunteer when that volunteer is eligible.
2. **Optimisation.** A min-cost flow over that sparse candidate graph (never a dense
   requests x volunteers matrix): source -> each request (capacity 1) -> candidate volunteers
   (cost: travel in metres, less the continuity bonus) -> sink, with one arc per unit of a
   volunteer's capacity whose cost rises with each task (the fairness term, convex so the
   flow fills a volunteer's cheap first slot before their dearer second), and a bypass arc
   from each request straight to the sink, priced so high that leaving a request unmatched
   never pays (see :class:`Weights`). OR-Tools solves it exactly.
3. **Certificate.** Pruning is a speed device, never a change of answer. Node potentials
   that prove the flow optimal on the candidate graph come from its residual graph
   (shortest paths; OR-Tools does not expose its own). A left-out eligible pair (r, v) could
   improve the answer only if its reduced cost, cost + p(r) - p(v), is negative. Each
   request knows the least distance of anyone left out of its list, so only requests whose
   list was cut, and for which that distance is below the largest possible potential
   difference, are searched, and only that far. Pairs with a negative reduced cost are
   added and the problem solved again, until none is left: the result is then the exact
   optimum of the whole problem (:attr:`MatchResult.certified`, ``rounds``,
   ``arcs_added``). Many requests on one postcode point (a block of flats) are what makes
   this matter: their shared 24 nearest volunteers run out.

Determinism: the same input gives the same output, whatever the order of the rows.
Requests are ordered by id, candidates by (distance in whole metres, volunteer id) and
volunteers by id before the graph is built. A search that stopped early keeps only the
volunteers a clear metre inside its farthest neighbour, so exact ties at the edge of the
``max_scan`` search, which a KD-tree returns in any order, never decide the list.

Availability: a volunteer's windows are joined where they overlap or touch (09-12 and 12-17
cover 11-13; :func:`window_covered` is the same rule for one volunteer). A volunteer with no
availability at all (``()``) is never free, so a request without a time window is matched
only to volunteers free at some time; ``None`` means always free.

Search radius: every search (step 1's nearest-first one and its fallback, the
certificate's, greedy's) reaches only as far as the volunteers it looks at travel: when a
few travel much further than most, the volunteers are kept in bands of travel distance (up
to 1, 2, 4, 8, ... km), each searched with its own radius, so a few 25 km drivers do not
widen everyone's search. (Only the search for an unmatched request's reason, among
volunteers who could not take it anyway, uses the widest radius.)

Times: a request's window and a volunteer's availability windows are ints or datetimes.
Ints are used as they are (any unit, as long as all of them use the same one); datetimes
become POSIX seconds, naive ones read as UTC.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from ortools.graph.python import min_cost_flow
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from keepwell.places.geo import EARTH_RADIUS_KM, haversine_km, km_to_chord, to_unit_xyz

__all__ = [
    "DEFAULT_WEIGHTS",
    "Match",
    "MatchResult",
    "Request",
    "Tags",
    "Unmatched",
    "UnmatchedReason",
    "Volunteer",
    "VolunteerPool",
    "Vocabulary",
    "Weights",
    "greedy_match",
    "match",
    "merge_windows",
    "to_time",
    "window_covered",
]

RequestId = Hashable
VolunteerId = Any  # an int or a str, as held in VolunteerPool.ids
TimeLike = int | datetime

FOREVER: Final = (int(np.iinfo(np.int64).min), int(np.iinfo(np.int64).max))
_COST_LIMIT: Final = 2**62


def to_time(value: TimeLike) -> int:
    """An int as it is; a datetime as POSIX seconds (a naive one is read as UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"a time must be an int or a datetime, not {type(value).__name__}")
    return int(value)


# --- weights -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Weights:
    """How the matcher weighs one good thing against another.

    The matcher works in a strict order. First, it matches as many requests as it can,
    counting each request as worth its urgency (1 routine, 2 soon, 3 urgent), so one urgent
    request outranks two routine ones. Nothing below can ever make it leave a request
    unmatched that it could have matched, however much travel that would save. Second, among
    the ways of matching that much, it picks the one with the least total travel, where each
    match's travel is adjusted by the two terms below. Both are in kilometres so they can be
    weighed against travel directly.

    continuity_km: keeping the same volunteer for a recurring need. The volunteer who helped
        last time (the request's preferred volunteer) counts as this much closer than they
        are. Default 2 km: a familiar face is worth up to 2 km of extra travel. 0 turns it
        off.
    fairness_km_per_task: spreading the work. Each task a volunteer did recently, and each
        extra task they are given in this round, makes them count as this much further away.
        So of two volunteers in about the same place the one with fewer recent tasks is
        chosen, and a volunteer's second task this round is dearer than someone else's first.
        Default 0.5 km per task. 0 turns it off.
    fairness_max_tasks: the busyness penalty stops growing after this many tasks, so however
        active a volunteer has been they never count as more than fairness_km_per_task x
        fairness_max_tasks further away (default 10 tasks, so 5 km).
    """

    continuity_km: float = 2.0
    fairness_km_per_task: float = 0.5
    fairness_max_tasks: int = 10

    def __post_init__(self) -> None:
        if self.continuity_km < 0 or self.fairness_km_per_task < 0:
            raise ValueError("weights are never negative")
        if self.fairness_max_tasks < 0:
            raise ValueError("fairness_max_tasks is never negative")


DEFAULT_WEIGHTS: Final = Weights()


# --- vocabularies and tag columns ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Strings (check codes, languages, ...) numbered in sorted order, one bit each."""

    terms: tuple[str, ...] = ()
    _index: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        terms = tuple(sorted({str(t) for t in self.terms}))
        object.__setattr__(self, "terms", terms)
        object.__setattr__(self, "_index", {t: i for i, t in enumerate(terms)})

    @classmethod
    def of(cls, rows: Iterable[Iterable[str]]) -> Vocabulary:
        """Every term used in any of ``rows``."""
        seen: set[str] = set()
        for row in rows:
            seen.update(row)
        return cls(tuple(seen))

    def __len__(self) -> int:
        return len(self.terms)

    @property
    def words(self) -> int:
        """How many 64-bit words a mask needs (at least one)."""
        return max(1, (len(self.terms) + 63) // 64)

    def bit(self, term: str) -> int | None:
        return self._index.get(term)

    def encode(self, terms: Iterable[str]) -> tuple[NDArray[np.uint64], bool]:
        """(mask, every term known). Unknown terms are left out of the mask."""
        mask = np.zeros(self.words, dtype=np.uint64)
        known = True
        for term in terms:
            b = self._index.get(term)
            if b is None:
                known = False
            else:
                mask[b >> 6] |= np.uint64(1) << np.uint64(b & 63)
        return mask, known

    def decode(self, mask: ArrayLike) -> frozenset[str]:
        words = np.asarray(mask, dtype=np.uint64).ravel()
        return frozenset(
            t
            for i, t in enumerate(self.terms)
            if (int(words[i >> 6]) >> (i & 63)) & 1  # noqa: SIM101
        )


@dataclass(frozen=True, slots=True, eq=False)
class Tags:
    """One set of strings per volunteer, stored as bitmasks: ``masks`` is (n, vocab.words)."""

    vocab: Vocabulary
    masks: NDArray[np.uint64]

    def __post_init__(self) -> None:
        masks = np.ascontiguousarray(self.masks, dtype=np.uint64)
        if masks.ndim == 1:
            masks = masks.reshape(-1, 1)
        if masks.ndim != 2 or masks.shape[1] != self.vocab.words:
            raise ValueError(f"masks must be (n, {self.vocab.words}) for this vocabulary")
        masks.flags.writeable = False
        object.__setattr__(self, "masks", masks)

    @classmethod
    def empty(cls, n: int) -> Tags:
        return cls(Vocabulary(), np.zeros((n, 1), dtype=np.uint64))

    @classmethod
    def from_sets(cls, rows: Sequence[Iterable[str]], vocab: Vocabulary | None = None) -> Tags:
        """From one iterable of strings per volunteer (fine for thousands, not for millions)."""
        rows = [tuple(r) for r in rows]
        vocab = vocab if vocab is not None else Vocabulary.of(rows)
        masks = np.zeros((len(rows), vocab.words), dtype=np.uint64)
        cache: dict[frozenset[str], NDArray[np.uint64]] = {}
        for i, row in enumerate(rows):
            key = frozenset(row)
            m = cache.get(key)
            if m is None:
                m, known = vocab.encode(key)
                if not known:
                    raise KeyError(f"terms {sorted(key)} are not all in the vocabulary")
                cache[key] = m
            masks[i] = m
        return cls(vocab, masks)

    @classmethod
    def from_pairs(cls, n: int, rows: ArrayLike, terms: Sequence[str] | ArrayLike) -> Tags:
        """From (volunteer position, term) pairs, e.g. the rows of a many-to-many table.

        ``rows[i]`` is a position in the pool (0..n-1) and ``terms[i]`` the string it holds.
        Vectorised, so millions of pairs are fine.
        """
        rows_a = np.asarray(rows, dtype=np.int64)
        terms_a = np.asarray(terms, dtype=str)
        uniq, inverse = np.unique(terms_a, return_inverse=True)
        vocab = Vocabulary(tuple(str(u) for u in uniq))
        bits = np.array([vocab.bit(str(u)) for u in uniq], dtype=np.int64)[inverse]
        masks = np.zeros((n, vocab.words), dtype=np.uint64)
        np.bitwise_or.at(
            masks, (rows_a, bits >> 6), np.left_shift(np.uint64(1), (bits & 63).astype(np.uint64))
        )
        return cls(vocab, masks)

    def __len__(self) -> int:
        return int(self.masks.shape[0])

    def terms_of(self, i: int) -> frozenset[str]:
        return self.vocab.decode(self.masks[i])


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    """A request for help.

    ``need`` is the kind of help (e.g. "shopping"); when given, only volunteers who list it in
    their skills are matched (``None``: any volunteer). ``checks`` and ``authorisations`` must
    all be held by the volunteer, and so must every one of ``languages`` (usually one, e.g.
    ``{"pt"}``; empty when any volunteer will do). ``start``/``end`` is when the help is needed:
    the volunteer must be free for all of it (both ``None``: any time; one ``None``: an
    instant). ``urgency`` is a positive int, 1 routine .. 3 urgent, and is what the request is
    worth. ``preferred_volunteer`` is the volunteer who helped last time, for continuity.
    """

    id: RequestId
    lat: float
    lon: float
    need: str | None = None
    checks: frozenset[str] = frozenset()
    authorisations: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    start: TimeLike | None = None
    end: TimeLike | None = None
    urgency: int = 1
    preferred_volunteer: VolunteerId | None = None


@dataclass(frozen=True, slots=True)
class Volunteer:
    """One volunteer, for building small pools; large ones use :meth:`VolunteerPool.from_arrays`.

    ``checks`` are the valid ones only (the caller leaves out expired ones). ``capacity`` is
    how many more tasks they can take in this round. ``recent_load`` is how many tasks they
    did in the last N days. ``availability`` is when they are free, as (start, end) windows;
    ``None`` means always, ``()`` never.
    """

    id: VolunteerId
    lat: float
    lon: float
    skills: frozenset[str] = frozenset()
    checks: frozenset[str] = frozenset()
    authorisations: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    max_km: float = 5.0
    capacity: int = 1
    recent_load: int = 0
    availability: tuple[tuple[TimeLike, TimeLike], ...] | None = None


def window_covered(
    windows: Iterable[tuple[TimeLike, TimeLike]], start: TimeLike, end: TimeLike
) -> bool:
    """Do ``windows``, joined where they overlap or touch, cover the whole of start..end?

    Back-to-back windows (09-12 and 12-17) are one window (09-17), so they cover 11-13.
    No windows at all cover nothing. The one rule for availability, used by the engine
    (through :func:`merge_windows`) and by mutual aid's eligibility check.
    """
    s, e = to_time(start), to_time(end)
    lo = hi = None
    for a, b in sorted((to_time(a), to_time(b)) for a, b in windows):
        if hi is not None and a <= hi:
            hi = max(hi, b)
            continue
        if lo is not None and hi is not None and lo <= s and e <= hi:
            return True
        lo, hi = a, b
    return lo is not None and hi is not None and lo <= s and e <= hi


def merge_windows(
    ptr: NDArray[np.int64], start: NDArray[np.int64], end: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Each volunteer's windows (CSR) sorted and joined where they overlap or touch.

    Vectorised: a running maximum of the ends within each volunteer's windows, taken over
    (volunteer, rank of end) keys so that one volunteer's ends never carry into the next's.
    """
    n = len(ptr) - 1
    if len(start) == 0:
        return ptr, start, end
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
    order = np.lexsort((end, start, owner))
    o, s, e = owner[order], start[order], end[order]
    ends, rank = np.unique(e, return_inverse=True)
    width = np.int64(len(ends))
    running = np.maximum.accumulate(o * width + rank.reshape(-1))
    run_end = ends[running - o * width]
    new = np.ones(len(s), dtype=bool)
    new[1:] = (o[1:] != o[:-1]) | (s[1:] > run_end[:-1])
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, len(s) - 1)
    merged_ptr = np.zeros(n + 1, dtype=np.int64)
    merged_ptr[1:] = np.cumsum(np.bincount(o[first], minlength=n))
    return merged_ptr, s[first].copy(), run_end[last].copy()


def _kdtree(xyz: NDArray[np.float64]) -> cKDTree:
    # unbalanced, uncompacted: builds 2x faster than the defaults and queries as fast here
    return cKDTree(xyz, leafsize=32, balanced_tree=False, compact_nodes=False)


def _has_bit(masks: NDArray[np.uint64], bit: int) -> NDArray[np.bool_]:
    return ((masks[:, bit >> 6] >> np.uint64(bit & 63)) & np.uint64(1)).astype(bool)


TagsLike = Tags | Sequence[Iterable[str]] | None
AvailabilityLike = (
    tuple[ArrayLike, ArrayLike, ArrayLike]
    | Sequence[Sequence[tuple[TimeLike, TimeLike]] | None]
    | None
)


def _column(value: ArrayLike, n: int, dtype: Any, name: str) -> NDArray[Any]:
    arr = np.asarray(value, dtype=dtype)
    if arr.ndim == 0:
        arr = np.full(n, arr, dtype=dtype)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have one value per volunteer ({n}), not {arr.shape}")
    arr = np.ascontiguousarray(arr)
    arr.flags.writeable = False
    return arr


def _tags(value: TagsLike, n: int) -> Tags:
    if value is None:
        return Tags.empty(n)
    if isinstance(value, Tags):
        return value
    return Tags.from_sets(value)


@dataclass(frozen=True, slots=True, eq=False)
class VolunteerPool:
    """Every volunteer who could be matched, as columns (one entry per volunteer).

    Availability is stored compressed: the windows of volunteer ``i`` are
    ``availability_start[p:q]``/``availability_end[p:q]`` with ``p, q =
    availability_ptr[i], availability_ptr[i + 1]``; ``availability_ptr`` ``None`` means every
    volunteer is always free. Build it with :meth:`from_arrays` or :meth:`from_volunteers`.
    ``ids`` are ints or strings (a numpy int or unicode array), unique.
    """

    ids: NDArray[Any]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    max_km: NDArray[np.float64]
    capacity: NDArray[np.int64]
    recent_load: NDArray[np.int64]
    skills: Tags
    checks: Tags
    authorisations: Tags
    languages: Tags
    availability_ptr: NDArray[np.int64] | None = None
    availability_start: NDArray[np.int64] | None = None
    availability_end: NDArray[np.int64] | None = None
    _xyz: NDArray[np.float64] | None = field(default=None, init=False, repr=False)
    _tree: cKDTree | None = field(default=None, init=False, repr=False)
    _trees: dict[tuple[str, int] | None, tuple[cKDTree | None, NDArray[np.int64]]] = field(
        default_factory=dict, init=False, repr=False
    )
    _holders: dict[tuple[str, int], int] = field(default_factory=dict, init=False, repr=False)
    _band_trees: dict[
        tuple[tuple[str, int] | None, int], tuple[cKDTree | None, NDArray[np.int64], float]
    ] = field(default_factory=dict, init=False, repr=False)
    _id_sorter: NDArray[np.int64] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name in ("skills", "checks", "authorisations", "languages"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} must have one row per volunteer")
        if self.availability_ptr is not None:
            ptr = np.asarray(self.availability_ptr, dtype=np.int64)
            if ptr.shape != (n + 1,) or ptr[0] != 0 or np.any(np.diff(ptr) < 0):
                raise ValueError("availability_ptr must be n + 1 non-decreasing offsets from 0")
            start = np.asarray(self.availability_start, dtype=np.int64)
            end = np.asarray(self.availability_end, dtype=np.int64)
            if start.shape != (int(ptr[-1]),) or end.shape != start.shape:
                raise ValueError("availability_start/end must hold availability_ptr[-1] windows")
            if np.any(end < start):
                raise ValueError("an availability window ends before it starts")
            ptr, start, end = merge_windows(ptr, start, end)
            for name, arr in (("ptr", ptr), ("start", start), ("end", end)):
                arr.flags.writeable = False
                object.__setattr__(self, f"availability_{name}", arr)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_arrays(
        cls,
        ids: ArrayLike,
        lat: ArrayLike,
        lon: ArrayLike,
        *,
        max_km: ArrayLike = 5.0,
        capacity: ArrayLike = 1,
        recent_load: ArrayLike = 0,
        skills: TagsLike = None,
        checks: TagsLike = None,
        authorisations: TagsLike = None,
        languages: TagsLike = None,
        availability: AvailabilityLike = None,
    ) -> VolunteerPool:
        """A pool from columns. Scalars broadcast to every volunteer.

        Tag columns are :class:`Tags` (fast, see :meth:`Tags.from_pairs`) or one iterable of
        strings per volunteer. ``availability`` is ``None`` (always free), a CSR triple
        ``(ptr, start, end)`` of int arrays, or one list of (start, end) windows per volunteer
        (``None`` in the list: that volunteer is always free).
        """
        ids_a = np.asarray(ids)
        if ids_a.ndim != 1:
            raise ValueError("ids must be one-dimensional")
        if ids_a.dtype.kind not in "iuU":
            ids_a = ids_a.astype(str)
        n = len(ids_a)
        if len(np.unique(ids_a)) != n:
            raise ValueError("volunteer ids must be unique")
        ids_a = np.ascontiguousarray(ids_a)
        ids_a.flags.writeable = False
        ptr = start = end = None
        if isinstance(availability, tuple) and len(availability) == 3:
            ptr, start, end = (np.asarray(a, dtype=np.int64) for a in availability)
        elif availability is not None:
            windows = list(availability)
            if len(windows) != n:
                raise ValueError("availability must have one entry per volunteer")
            counts = [1 if w is None else len(w) for w in windows]
            ptr = np.zeros(n + 1, dtype=np.int64)
            ptr[1:] = np.cumsum(counts)
            flat: list[tuple[int, int]] = []
            for w in windows:
                if w is None:
                    flat.append(FOREVER)
                else:
                    flat.extend((to_time(a), to_time(b)) for a, b in w)
            pairs = np.array(flat, dtype=np.int64).reshape(-1, 2)
            start, end = pairs[:, 0].copy(), pairs[:, 1].copy()
        capacity_a = _column(capacity, n, np.int64, "capacity")
        if np.any(capacity_a < 0):
            raise ValueError("capacity is never negative")
        return cls(
            ids=ids_a,
            lat=_column(lat, n, np.float64, "lat"),
            lon=_column(lon, n, np.float64, "lon"),
            max_km=_column(max_km, n, np.float64, "max_km"),
            capacity=capacity_a,
            recent_load=_column(recent_load, n, np.int64, "recent_load"),
            skills=_tags(skills, n),
            checks=_tags(checks, n),
            authorisations=_tags(authorisations, n),
            languages=_tags(languages, n),
            availability_ptr=ptr,
            availability_start=start,
            availability_end=end,
        )

    @classmethod
    def from_volunteers(cls, volunteers: Sequence[Volunteer]) -> VolunteerPool:
        vs = list(volunteers)
        always = all(v.availability is None for v in vs)
        return cls.from_arrays(
            np.array([v.id for v in vs]) if vs else np.array([], dtype=np.int64),
            [v.lat for v in vs],
            [v.lon for v in vs],
            max_km=[v.max_km for v in vs],
            capacity=np.array([v.capacity for v in vs], dtype=np.int64),
            recent_load=np.array([v.recent_load for v in vs], dtype=np.int64),
            skills=[v.skills for v in vs],
            checks=[v.checks for v in vs],
            authorisations=[v.authorisations for v in vs],
            languages=[v.languages for v in vs],
            availability=None if always else [v.availability for v in vs],
        )

    @property
    def xyz(self) -> NDArray[np.float64]:
        """Positions on the unit sphere, (n, 3), computed on first use and kept."""
        if self._xyz is None:
            xyz = to_unit_xyz(self.lat, self.lon).reshape(len(self), 3)
            xyz.flags.writeable = False
            object.__setattr__(self, "_xyz", xyz)
        assert self._xyz is not None
        return self._xyz

    @property
    def tree(self) -> cKDTree:
        """A KD-tree over every volunteer, built on first use and kept."""
        if self._tree is None:
            object.__setattr__(self, "_tree", _kdtree(self.xyz))
        assert self._tree is not None
        return self._tree

    def search_tree(self, key: tuple[str, int] | None = None) -> tuple[cKDTree | None, NDArray]:
        """A KD-tree over the volunteers with capacity left and, for ``key`` = (tag column,
        bit), holding that tag; with the pool positions of its points. Built once, kept."""
        hit = self._trees.get(key)
        if hit is None:
            keep = self.capacity > 0
            if key is not None:
                keep &= _has_bit(getattr(self, key[0]).masks, key[1])
            pos = np.flatnonzero(keep)
            hit = (_kdtree(self.xyz[pos]) if pos.size else None, pos)
            self._trees[key] = hit
        return hit

    def band_trees(
        self, key: tuple[str, int] | None = None
    ) -> list[tuple[cKDTree | None, NDArray[np.int64], float]]:
        """Like :meth:`search_tree`, split by travel distance: one tree per band of
        ``max_km`` (up to 1 km, 2, 4, 8, ... km), each with the band's largest ``max_km``,
        so a search reaches only as far as the volunteers it looks at travel. Kept. When
        nobody travels more than twice as far as nine in ten do, one band (the search tree
        itself) is as good, and no more trees are built."""
        tree, pos = self.search_tree(key)
        if not pos.size:
            return []
        far = self.max_km[pos]
        if float(far.max()) <= 2.0 * float(np.quantile(far, 0.9)):
            return [(tree, pos, float(far.max()))]
        band = np.ceil(np.log2(np.maximum(far, 1.0))).astype(np.int64)
        out = []
        for b in np.unique(band).tolist():
            hit = self._band_trees.get((key, b))
            if hit is None:
                mine = pos[band == b]
                hit = (_kdtree(self.xyz[mine]), mine, float(self.max_km[mine].max()))
                self._band_trees[(key, b)] = hit
            out.append(hit)
        return out

    def holders(self, key: tuple[str, int]) -> int:
        """How many volunteers with capacity left hold the tag ``key`` = (column, bit)."""
        count = self._holders.get(key)
        if count is None:
            has = _has_bit(getattr(self, key[0]).masks, key[1])
            count = self._holders[key] = int(np.count_nonzero(has & (self.capacity > 0)))
        return count

    def positions_of(self, ids: Sequence[VolunteerId | None]) -> NDArray[np.int64]:
        """Where each id is in the pool, -1 when it is not (or is ``None``)."""
        out = np.full(len(ids), -1, dtype=np.int64)
        wanted = [i for i, x in enumerate(ids) if x is not None]
        if not wanted or len(self.ids) == 0:
            return out
        if self._id_sorter is None:
            object.__setattr__(self, "_id_sorter", np.argsort(self.ids, kind="stable"))
        sorter = self._id_sorter
        assert sorter is not None
        try:
            keys = np.asarray([ids[i] for i in wanted]).astype(self.ids.dtype)
        except (TypeError, ValueError):
            return out
        pos = np.searchsorted(self.ids, keys, sorter=sorter)
        pos = np.minimum(pos, len(self.ids) - 1)
        found = sorter[pos]
        hit = self.ids[found] == keys
        out[np.asarray(wanted)[hit]] = found[hit]
        return out


# --- outputs --------------------------------------------------------------------------------


class UnmatchedReason(StrEnum):
    """Why a request was left unmatched: the first filter that left nobody.

    The filters run in this order: within the volunteer's range; holding every check and
    authorisation (and the skill for the kind of help); speaking the language; free then;
    with capacity left. When someone passed every filter but the request still went
    unmatched, every volunteer who could have taken it was needed for other requests, which
    is also "no capacity".
    """

    NOBODY_WITHIN_RANGE = "nobody_within_range"
    NO_CHECK = "no_one_with_the_check"
    LANGUAGE = "language"
    NOT_FREE = "no_one_free_then"
    NO_CAPACITY = "no_capacity"

    @property
    def text(self) -> str:
        return _REASON_TEXT[self]


_REASON_TEXT: Final = {
    UnmatchedReason.NOBODY_WITHIN_RANGE: "Nobody is within range.",
    UnmatchedReason.NO_CHECK: "No one nearby has the check or authorisation this needs.",
    UnmatchedReason.LANGUAGE: "No one nearby speaks the language this needs.",
    UnmatchedReason.NOT_FREE: "No one nearby is free then.",
    UnmatchedReason.NO_CAPACITY: "Everyone who could help already has as much as they can do.",
}
# first filter that left nobody -> reason; index 5: someone passed every filter
_STAGE_REASON: Final = (
    UnmatchedReason.NOBODY_WITHIN_RANGE,
    UnmatchedReason.NO_CHECK,
    UnmatchedReason.LANGUAGE,
    UnmatchedReason.NOT_FREE,
    UnmatchedReason.NO_CAPACITY,
    UnmatchedReason.NO_CAPACITY,
)


@dataclass(frozen=True, slots=True)
class Match:
    request_id: RequestId
    volunteer_id: VolunteerId
    distance_km: float  # great-circle distance between the two
    continuity: bool = False  # the volunteer is the request's preferred volunteer


@dataclass(frozen=True, slots=True)
class Unmatched:
    request_id: RequestId
    reason: UnmatchedReason


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Matches and unmatched requests, each sorted by request id.

    ``certified`` says the result was proved optimal against every eligible (request,
    volunteer) pair, including those the candidate pruning left out; ``rounds`` is how many
    solves that took (1: the first was already optimal) and ``arcs_added`` how many left-out
    pairs had to be brought back in. :func:`greedy_match` is never certified.
    ``timings`` (seconds, not compared) break the call down.
    """

    matches: tuple[Match, ...]
    unmatched: tuple[Unmatched, ...]
    method: str
    certified: bool = False
    rounds: int = 0
    arcs_added: int = 0
    timings: Mapping[str, float] = field(default_factory=dict, compare=False, hash=False)

    @property
    def assignment(self) -> dict[RequestId, Match]:
        return {m.request_id: m for m in self.matches}

    @property
    def reasons(self) -> dict[RequestId, UnmatchedReason]:
        return {u.request_id: u.reason for u in self.unmatched}

    @property
    def matched_count(self) -> int:
        return len(self.matches)

    @property
    def total_km(self) -> float:
        return float(sum(m.distance_km for m in self.matches))

    def tasks_per_volunteer(self) -> dict[VolunteerId, int]:
        out: dict[VolunteerId, int] = {}
        for m in self.matches:
            out[m.volunteer_id] = out.get(m.volunteer_id, 0) + 1
        return out


# --- the requests as arrays ----------------------------------------------------------------


@dataclass(slots=True)
class _Requests:
    """Requests in canonical (id) order as columns; ``input_rank[i]`` is the canonical
    position of the i-th request as passed in."""

    ids: list[RequestId]
    input_rank: NDArray[np.int64]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    xyz: NDArray[np.float64]
    skills: NDArray[np.uint64]
    checks: NDArray[np.uint64]
    authorisations: NDArray[np.uint64]
    languages: NDArray[np.uint64]
    unknown_check: NDArray[np.bool_]  # needs a check/authorisation/skill nobody in the pool has
    unknown_language: NDArray[np.bool_]
    has_window: NDArray[np.bool_]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    urgency: NDArray[np.int64]
    preferred: NDArray[np.int64]  # pool position, -1 none

    @property
    def n(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, requests: Sequence[Request], pool: VolunteerPool) -> _Requests:
        reqs = list(requests)
        ids: list[Any] = [r.id for r in reqs]
        try:
            order = sorted(range(len(reqs)), key=ids.__getitem__)
        except TypeError:
            raise ValueError("request ids must be all ints or all strings") from None
        ordered = [reqs[i] for i in order]
        for a, b in zip(ordered, ordered[1:], strict=False):
            if a.id == b.id:
                raise ValueError(f"request id {a.id!r} is used twice")
        n = len(ordered)
        input_rank = np.empty(n, dtype=np.int64)
        input_rank[np.asarray(order, dtype=np.int64)] = np.arange(n, dtype=np.int64)

        def encode(
            vocab: Vocabulary, sets: list[frozenset[str]]
        ) -> tuple[NDArray[np.uint64], NDArray[np.bool_]]:
            masks = np.zeros((n, vocab.words), dtype=np.uint64)
            unknown = np.zeros(n, dtype=bool)
            cache: dict[frozenset[str], tuple[NDArray[np.uint64], bool]] = {}
            for i, s in enumerate(sets):
                if not s:
                    continue
                hit = cache.get(s)
                if hit is None:
                    hit = cache[s] = vocab.encode(s)
                masks[i] = hit[0]
                unknown[i] = not hit[1]
            return masks, unknown

        skills, unknown_skill = encode(
            pool.skills.vocab,
            [frozenset() if r.need is None else frozenset((r.need,)) for r in ordered],
        )
        checks, unknown_c = encode(pool.checks.vocab, [frozenset(r.checks) for r in ordered])
        auths, unknown_a = encode(
            pool.authorisations.vocab, [frozenset(r.authorisations) for r in ordered]
        )
        langs, unknown_l = encode(pool.languages.vocab, [frozenset(r.languages) for r in ordered])

        has_window = np.zeros(n, dtype=bool)
        start = np.zeros(n, dtype=np.int64)
        end = np.zeros(n, dtype=np.int64)
        for i, r in enumerate(ordered):
            if r.start is None and r.end is None:
                continue
            s = to_time(r.start if r.start is not None else r.end)  # type: ignore[arg-type]
            e = to_time(r.end if r.end is not None else r.start)  # type: ignore[arg-type]
            if e < s:
                raise ValueError(f"request {r.id!r} ends before it starts")
            has_window[i], start[i], end[i] = True, s, e
        urgency = np.array([r.urgency for r in ordered], dtype=np.int64)
        if n and (urgency.min() < 1 or urgency.max() > 1000):
            raise ValueError("urgency must be an int from 1 to 1000")
        lat = np.array([r.lat for r in ordered], dtype=np.float64)
        lon = np.array([r.lon for r in ordered], dtype=np.float64)
        return cls(
            ids=[r.id for r in ordered],
            input_rank=input_rank,
            lat=lat,
            lon=lon,
            xyz=to_unit_xyz(lat, lon).reshape(n, 3),
            skills=skills,
            checks=checks,
            authorisations=auths,
            languages=langs,
            unknown_check=unknown_skill | unknown_c | unknown_a,
            unknown_language=unknown_l,
            has_window=has_window,
            start=start,
            end=end,
            urgency=urgency,
            preferred=pool.positions_of([r.preferred_volunteer for r in ordered]),
        )


# --- eligibility, vectorised over (request, volunteer) pairs --------------------------------


def _holds(
    need: NDArray[np.uint64], have: NDArray[np.uint64], r: NDArray[np.int64], v: NDArray[np.int64]
) -> NDArray[np.bool_]:
    """Does volunteer v hold every bit request r needs, for each pair."""
    if need.shape[1] == 1:
        return (need[r, 0] & ~have[v, 0]) == 0
    return np.all((need[r] & ~have[v]) == 0, axis=1)


def _free(
    req: _Requests, pool: VolunteerPool, r: NDArray[np.int64], v: NDArray[np.int64]
) -> NDArray[np.bool_]:
    """Has volunteer v one (merged) availability window covering request r's whole window.

    A volunteer with no availability at all is never free, not even for a request without
    a time window: such a request matches only volunteers who are free at some time.
    """
    out = np.ones(len(r), dtype=bool)
    ptr = pool.availability_ptr
    if ptr is None or len(r) == 0:
        return out
    ws, we = pool.availability_start, pool.availability_end
    assert ws is not None and we is not None
    out = ptr[v + 1] > ptr[v]
    sel = np.flatnonzero(req.has_window[r] & out)
    if sel.size == 0:
        return out
    rv, rr = v[sel], r[sel]
    lo = ptr[rv]
    count = ptr[rv + 1] - lo
    total = int(count.sum())
    hit = np.zeros(sel.size, dtype=bool)
    if total:
        rep = np.repeat(np.arange(sel.size), count)
        within = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
        w = lo[rep] + within
        covers = (ws[w] <= req.start[rr][rep]) & (we[w] >= req.end[rr][rep])
        hit[rep[covers]] = True
    out[sel] = hit
    return out


_STAGES: Final = 5  # in range, checks, language, free, capacity


def _chord(
    req: _Requests, pool: VolunteerPool, r: NDArray[np.int64], v: NDArray[np.int64]
) -> NDArray[np.float64]:
    d = req.xyz[r] - pool.xyz[v]
    return np.sqrt(np.einsum("ij,ij->i", d, d))


def _stages(
    req: _Requests,
    pool: VolunteerPool,
    r: NDArray[np.int64],
    v: NDArray[np.int64],
    chord: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Distances (km) and, per pair, which of the cumulative filters it survives.

    The range filter works on the KD-tree's chord lengths, turned into great-circle km
    exactly (to rounding); pairs within a micrometre of a volunteer's limit are settled with
    haversine, and every pair that passes all filters gets its haversine distance, so the
    distances reported and optimised are :func:`keepwell.places.geo.haversine_km`'s.
    """
    if chord is None:
        chord = _chord(req, pool, r, v)
    km = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(np.asarray(chord) * 0.5, 1.0))
    limit = pool.max_km[v]
    ok = km <= limit
    edge = np.flatnonzero(np.abs(km - limit) <= 1e-9)
    if edge.size:
        exact = haversine_km(
            req.lat[r[edge]], req.lon[r[edge]], pool.lat[v[edge]], pool.lon[v[edge]]
        )
        km[edge] = exact
        ok[edge] = exact <= limit[edge]
    st = np.zeros((len(r), _STAGES), dtype=bool)
    st[:, 0] = ok
    idx = np.flatnonzero(ok)
    ri, vi = r[idx], v[idx]
    good = ~req.unknown_check[ri]
    good &= _holds(req.skills, pool.skills.masks, ri, vi)
    good &= _holds(req.checks, pool.checks.masks, ri, vi)
    good &= _holds(req.authorisations, pool.authorisations.masks, ri, vi)
    idx, ri, vi = idx[good], ri[good], vi[good]
    st[idx, 1] = True
    good = ~req.unknown_language[ri] & _holds(req.languages, pool.languages.masks, ri, vi)
    idx, ri, vi = idx[good], ri[good], vi[good]
    st[idx, 2] = True
    good = _free(req, pool, ri, vi)
    idx, ri, vi = idx[good], ri[good], vi[good]
    st[idx, 3] = True
    good = pool.capacity[vi] > 0
    idx, ri, vi = idx[good], ri[good], vi[good]
    st[idx, 4] = True
    km[idx] = np.asarray(haversine_km(req.lat[ri], req.lon[ri], pool.lat[vi], pool.lon[vi]))
    return km, st


# --- candidate generation ------------------------------------------------------------------


@dataclass(slots=True)
class _Candidates:
    """Per canonical request, its kept candidates (CSR, sorted by metres then volunteer id)."""

    ptr: NDArray[np.int64]
    vol: NDArray[np.int64]
    metres: NDArray[np.int64]
    km: NDArray[np.float64]
    preferred: NDArray[np.bool_]
    counts: NDArray[np.int64]  # (R, 5) volunteers surviving each filter (exact when stage 4 is 0)
    # per request, the least distance (whole metres) of an eligible volunteer not in its
    # list; _FAR_METRES when its list holds every eligible volunteer
    bound: NDArray[np.int64]

    @property
    def truncated(self) -> NDArray[np.bool_]:
        return self.bound < _FAR_METRES


_FAR_METRES: Final = 2**40  # farther than anything on Earth


def _search_radius_chord(pool: VolunteerPool) -> float:
    radius = float(pool.max_km.max()) if len(pool) else 0.0
    return km_to_chord(max(radius, 0.0)) * (1.0 + 1e-9) + 1e-12


def _ball_pairs(
    req: _Requests,
    tree: cKDTree,
    pos: NDArray[np.int64] | None,
    rows: NDArray[np.int64],
    chord: float,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every (request, volunteer) pair within the search radius, for the given requests;
    ``pos`` maps the tree's points to pool positions (``None``: the same)."""
    rr: list[NDArray[np.int64]] = []
    vv: list[NDArray[np.int64]] = []
    for lo in range(0, len(rows), 256):
        chunk = rows[lo : lo + 256]
        found = tree.query_ball_point(
            req.xyz[chunk], r=chord, workers=_workers(len(chunk)), return_sorted=False
        )
        for row, vols in zip(chunk.tolist(), found, strict=True):
            vols_a = np.asarray(vols, dtype=np.int64)
            rr.append(np.full(len(vols_a), row, dtype=np.int64))
            vv.append(vols_a if pos is None else pos[vols_a])
    if not rr:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(rr), np.concatenate(vv)


def _banded_pairs(
    req: _Requests,
    pool: VolunteerPool,
    key: tuple[str, int] | None,
    rows: NDArray[np.int64],
    radius_km: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every (request, volunteer with capacity left) pair within the volunteer's band's
    travel distance (and within ``radius_km`` per row, when given), for the given requests,
    on the trees of ``key``. A few 25 km drivers widen only their own band's search."""
    rr: list[NDArray[np.int64]] = []
    vv: list[NDArray[np.int64]] = []
    for tree, pos, band_km in pool.band_trees(key):
        if tree is None:
            continue
        km = np.full(len(rows), band_km) if radius_km is None else np.minimum(radius_km, band_km)
        ask = np.flatnonzero(km >= 0)
        for lo in range(0, len(ask), 256):
            chunk = ask[lo : lo + 256]
            chord = 2.0 * np.sin(np.minimum(km[chunk], 20000.0) / (2.0 * EARTH_RADIUS_KM))
            chord = chord * (1.0 + 1e-9) + 1e-12
            found = tree.query_ball_point(
                req.xyz[rows[chunk]],
                r=chord,
                workers=_workers(len(chunk)),
                return_sorted=False,
            )
            for row, vols in zip(rows[chunk].tolist(), found, strict=True):
                vols_a = np.asarray(vols, dtype=np.int64)
                rr.append(np.full(len(vols_a), row, dtype=np.int64))
                vv.append(pos[vols_a])
    if not rr:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(rr), np.concatenate(vv)


def _workers(queries: int) -> int:
    """Threads for a KD-tree query: all cores for big batches, one for small ones."""
    return -1 if queries >= 512 else 1


def _count(rows: NDArray[np.int64], st: NDArray[np.bool_], size: int) -> NDArray[np.int64]:
    out = np.zeros((size, _STAGES), dtype=np.int64)
    for j in range(_STAGES):
        out[:, j] = np.bincount(rows[st[:, j]], minlength=size)
    return out


_Pairs = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]


def _scan(
    req: _Requests,
    pool: VolunteerPool,
    tree: cKDTree,
    pos: NDArray[np.int64] | None,
    rows: NDArray[np.int64],
    k: int,
    limit: int,
    settle: Callable[[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]], NDArray[np.bool_]],
    chord: float,
) -> tuple[
    NDArray[np.int64], NDArray[np.bool_], list[_Pairs], NDArray[np.float64], NDArray[np.int64]
]:
    """Nearest-first search from ``k`` neighbours, widening 4x at a time up to ``limit``.

    A request stops when its search has covered every point of the tree within the radius,
    at the limit, or when ``settle(counts, firm, positions in rows)`` says so. Returns, per
    row, the filter counts over the volunteers looked at, whether that was everyone in
    range, the eligible pairs found, the reach: the chord to the farthest neighbour looked
    at (every point strictly closer was looked at; infinite when the search was complete),
    and ``firm``: how many eligible volunteers lie within :func:`_inside_metres` of the
    reach. Unlike the counts, ``firm`` never depends on which of several volunteers tied
    with the farthest one the KD-tree returned, so the searches stop, and the lists end,
    in the same place whatever the order of the rows.
    """
    size = int(tree.n)
    counts = np.zeros((len(rows), _STAGES), dtype=np.int64)
    complete = np.zeros(len(rows), dtype=bool)
    reach = np.full(len(rows), np.inf)
    firm_all = np.zeros(len(rows), dtype=np.int64)
    found: list[_Pairs] = []
    pending = np.arange(len(rows), dtype=np.int64)
    limit = max(1, min(size, limit))
    k = max(1, min(limit, k))
    while pending.size:
        dist, idx = tree.query(
            req.xyz[rows[pending]], k=k, distance_upper_bound=chord, workers=_workers(len(pending))
        )
        idx = np.asarray(idx, dtype=np.int64).reshape(len(pending), k)
        dist = np.asarray(dist, dtype=np.float64).reshape(len(pending), k)
        valid = idx < size
        local = np.repeat(np.arange(len(pending), dtype=np.int64), valid.sum(axis=1))
        r = rows[pending[local]]
        v = idx[valid] if pos is None else pos[idx[valid]]
        km, st = _stages(req, pool, r, v, dist[valid])
        cnt = _count(local, st, len(pending))
        done = ~valid[:, -1] | (k >= size)
        inside = _inside_metres(np.where(done, np.inf, dist[:, -1]))
        firm_pair = st[:, 4] & (np.rint(km * 1000.0) <= inside[local])
        firm = np.bincount(local[firm_pair], minlength=len(pending)).astype(np.int64)
        settled = done | (k >= limit) | settle(cnt, firm, pending)
        here = pending[settled]
        counts[here] = cnt[settled]
        complete[here] = done[settled]
        reach[here] = np.where(done[settled], np.inf, dist[settled, -1])
        firm_all[here] = firm[settled]
        take = st[:, 4] & settled[local]
        found.append((r[take], v[take], km[take]))
        pending = pending[~settled]
        k = min(limit, 4 * k)
    return counts, complete, found, reach, firm_all


def _inside_metres(reach: NDArray[np.float64]) -> NDArray[np.int64]:
    """The farthest whole-metre distance surely inside a search that reached the chord
    ``reach``: a clear metre closer than the farthest neighbour, so every volunteer this
    close was looked at (_FAR_METRES for a complete search, ``reach`` infinite)."""
    km = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(np.minimum(reach, 2.0) * 0.5, 1.0))
    return np.where(np.isfinite(reach), np.floor(km * 1000.0) - 1.0, float(_FAR_METRES)).astype(
        np.int64
    )


def _selectors(req: _Requests, pool: VolunteerPool) -> list[tuple[str, int] | None]:
    """Per request, the rarest tag it needs (its own, smaller KD-tree), or None (the tree of
    everyone with capacity). A tag held by more than half of them is not worth a tree."""
    columns = (
        ("skills", req.skills),
        ("checks", req.checks),
        ("authorisations", req.authorisations),
        ("languages", req.languages),
    )
    combined = np.concatenate([m for _, m in columns], axis=1)
    uniq, inverse = np.unique(combined, axis=0, return_inverse=True)
    threshold = int(np.count_nonzero(pool.capacity > 0)) // 2
    choice: list[tuple[str, int] | None] = []
    for row in uniq:
        best: tuple[int, tuple[str, int]] | None = None
        offset = 0
        for name, masks in columns:
            width = masks.shape[1]
            for w in range(width):
                word = int(row[offset + w])
                while word:
                    low = word & -word
                    key = (name, w * 64 + low.bit_length() - 1)
                    word ^= low
                    held = pool.holders(key)
                    if best is None or (held, key) < best:
                        best = (held, key)
            offset += width
        choice.append(best[1] if best is not None and best[0] <= threshold else None)
    return [choice[i] for i in np.asarray(inverse).reshape(-1).tolist()]


def _candidates(
    req: _Requests, pool: VolunteerPool, keep: int, max_scan: int, timings: dict[str, float]
) -> _Candidates:
    n_req = req.n
    counts = np.zeros((n_req, _STAGES), dtype=np.int64)
    # per request, the least distance (whole metres) an eligible volunteer its searches did
    # not surely see could be at; _FAR_METRES when they saw everyone in range
    band_bound = np.full(n_req, _FAR_METRES, dtype=np.int64)
    parts: list[_Pairs] = []
    build_s = 0.0
    if n_req and len(pool):
        chord = _search_radius_chord(pool)
        hopeless = req.unknown_check | req.unknown_language
        groups: dict[tuple[str, int] | None, list[int]] = {}
        selectors = _selectors(req, pool)
        for i in np.flatnonzero(~hopeless).tolist():
            groups.setdefault(selectors[i], []).append(i)
        # 1. each request's nearest eligible volunteers, on the trees of its rarest tag,
        # one per band of travel distance, each searched only as far as its band travels
        for key in sorted(groups, key=lambda k: ("", -1) if k is None else k):
            rows = np.asarray(groups[key], dtype=np.int64)
            t = time.perf_counter()
            bands = pool.band_trees(key)
            build_s += time.perf_counter() - t
            for tree, pos, band_km in bands:
                if tree is None:
                    continue
                band_chord = km_to_chord(band_km) * (1.0 + 1e-9) + 1e-12
                cnt, done, found, seen, firm = _scan(
                    req,
                    pool,
                    tree,
                    pos,
                    rows,
                    max(2 * keep, 32),
                    max(max_scan, keep),
                    lambda cnt, firm, _: firm >= keep,
                    band_chord,
                )
                inside = _inside_metres(seen)
                # none eligible among the nearest max_scan: everyone in this band in range
                short = (firm == 0) & ~done
                if short.any():
                    again = rows[short]
                    r, v = _ball_pairs(req, tree, pos, again, band_chord)
                    km, st = _stages(req, pool, r, v)
                    cnt[short] = _count(r, st, n_req)[again]
                    inside[short] = _FAR_METRES
                    found.append((r[st[:, 4]], v[st[:, 4]], km[st[:, 4]]))
                # Only what lies surely inside this band's reach is kept (see _inside_metres)
                by_row = np.full(n_req, _FAR_METRES, dtype=np.int64)
                by_row[rows] = inside
                for r, v, km in found:
                    sure = np.rint(km * 1000.0) <= by_row[r]
                    parts.append((r[sure], v[sure], km[sure]))
                counts[rows] += cnt
                band_bound[rows] = np.minimum(
                    band_bound[rows], np.where(inside >= _FAR_METRES, _FAR_METRES, inside + 1)
                )
        # 2. nobody eligible anywhere in range: find out which filter left nobody, on the
        # tree of every volunteer. The search can stop once someone passes every filter
        # that a volunteer could pass (the last one that can be passed is 3, free then,
        # since capacity left would have made them eligible).
        none = np.flatnonzero(counts[:, 4] == 0)
        if none.size:
            t = time.perf_counter()
            full = pool.tree
            build_s += time.perf_counter() - t
            deepest = np.where(
                req.unknown_check[none], 0, np.where(req.unknown_language[none], 1, 3)
            ).astype(np.int64)
            cnt, done, _, _, _ = _scan(
                req,
                pool,
                full,
                None,
                none,
                64,
                max_scan,
                lambda cnt, _, at: cnt[np.arange(len(at)), deepest[at]] > 0,
                chord,
            )
            counts[none] = cnt
            again = none[~done & (cnt[np.arange(len(none)), deepest] == 0)]
            if again.size:
                r, v = _ball_pairs(req, full, None, again, chord)
                _, st = _stages(req, pool, r, v)
                counts[again] = _count(r, st, n_req)[again]
            counts[none, 4] = 0  # (consistent with step 1, which saw every eligible one)
    timings["kdtree_s"] = build_s

    rows = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
    vols = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, np.int64)
    km = np.concatenate([p[2] for p in parts]) if parts else np.empty(0, np.float64)
    # a request searched again in full finds the pairs its nearest-first search found
    _, once = np.unique(rows * max(len(pool), 1) + vols, return_index=True)
    rows, vols, km = rows[once], vols[once], km[once]

    # The preferred volunteer is always a candidate when eligible, however far down the list.
    is_pref = (req.preferred[rows] >= 0) & (vols == req.preferred[rows])
    want = req.preferred >= 0
    want[rows[is_pref]] = False
    extra = np.flatnonzero(want)
    if extra.size:
        pv = req.preferred[extra]
        pkm, pst = _stages(req, pool, extra, pv)
        ok = pst[:, 4]
        rows = np.concatenate([rows, extra[ok]])
        vols = np.concatenate([vols, pv[ok]])
        km = np.concatenate([km, pkm[ok]])
        is_pref = np.concatenate([is_pref, np.ones(int(ok.sum()), dtype=bool)])

    metres = np.rint(km * 1000.0).astype(np.int64)
    # Order-independence: a search that stopped early saw every volunteer strictly closer
    # than its farthest neighbour, but only some of those tied with it, depending on the
    # KD-tree's order. Step 1 kept only what lies a clear metre inside that reach, so the
    # list is the same whatever the input order; the certificate brings back the rest.
    order = np.lexsort((pool.ids[vols], metres, rows)) if len(rows) else np.empty(0, np.int64)
    rows, vols, km, metres = rows[order], vols[order], km[order], metres[order]
    is_pref = is_pref[order]
    per_request = np.bincount(rows, minlength=n_req)
    first = np.cumsum(per_request) - per_request
    rank = np.arange(len(rows)) - first[rows]
    kept = (rank < keep) | is_pref
    # The least distance (whole metres) any eligible volunteer left out could be at.
    bound = band_bound.copy()
    cut = ~kept
    if cut.any():
        np.minimum.at(bound, rows[cut], metres[cut])
    rows, vols, km, metres, is_pref = rows[kept], vols[kept], km[kept], metres[kept], is_pref[kept]
    ptr = np.zeros(n_req + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(rows, minlength=n_req))
    bound[counts[:, 4] == 0] = _FAR_METRES  # nobody eligible anywhere in range
    return _Candidates(ptr, vols, metres, km, is_pref, counts, bound)


def _reason(counts_row: NDArray[np.int64]) -> UnmatchedReason:
    empty = np.flatnonzero(counts_row == 0)
    return _STAGE_REASON[int(empty[0]) if empty.size else _STAGES]


def _result(
    req: _Requests,
    pool: VolunteerPool,
    cand: _Candidates,
    chosen: NDArray[np.int64],
    method: str,
    timings: dict[str, float],
    rounds: int = 0,
    arcs_added: int = 0,
) -> MatchResult:
    """``chosen`` holds, per canonical request, the index into cand.vol, or -1. ``rounds``
    > 0: the result of :func:`match`, certified optimal after that many solves."""
    matched = np.flatnonzero(chosen >= 0)
    arcs = chosen[matched]
    vol_ids = pool.ids[cand.vol[arcs]].tolist()
    kms = cand.km[arcs].tolist()
    prefs = cand.preferred[arcs].tolist()
    matches = tuple(
        Match(req.ids[r], vid, km, bool(p))
        for r, vid, km, p in zip(matched.tolist(), vol_ids, kms, prefs, strict=True)
    )
    unmatched = tuple(
        Unmatched(req.ids[r], _reason(cand.counts[r])) for r in np.flatnonzero(chosen < 0)
    )
    return MatchResult(matches, unmatched, method, rounds > 0, rounds, arcs_added, timings)


# --- the optimiser -------------------------------------------------------------------------


def match(
    requests: Sequence[Request],
    pool: VolunteerPool,
    *,
    weights: Weights = DEFAULT_WEIGHTS,
    candidates: int = 24,
    max_scan: int = 4096,
) -> MatchResult:
    """Match requests to volunteers: most urgency-weighted matches, then least travel.

    ``candidates`` is how many nearest eligible volunteers each request keeps (its preferred
    volunteer is kept as well); ``max_scan`` is how many nearest volunteers a request looks
    at before it falls back to looking at everyone in range. Neither changes the answer,
    only how fast it comes: the solution on the pruned graph is checked against every
    eligible pair left out and solved again with the ones that could improve it, until it
    is proved optimal (``MatchResult.certified``; see the module docstring). Hard rules are
    never broken: distance, checks and authorisations, skill, language, availability and
    capacity.
    """
    if candidates < 1:
        raise ValueError("candidates must be at least 1")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    req = _Requests.build(requests, pool)
    t1 = time.perf_counter()
    cand = _candidates(req, pool, candidates, max_scan, timings)
    t2 = time.perf_counter()
    costs = _Costs.of(req, pool, weights)
    rounds = added = 0
    certify_s = 0.0
    state = None
    dirty = None
    while True:
        rounds += 1
        state = _solve(req, pool, cand, costs, timings, state, dirty)
        _, p_req, p_vol = state
        t = time.perf_counter()
        extra = _violations(req, pool, cand, costs, p_req, p_vol, candidates)
        certify_s += time.perf_counter() - t
        if extra is None:
            break
        added += len(extra[0])
        cand = _with_arcs(req, pool, cand, *extra)
        dirty = np.zeros(req.n, dtype=bool)
        dirty[extra[0]] = True
    chosen = _arc_of(req, cand, state[0])
    t3 = time.perf_counter()
    result = _result(req, pool, cand, chosen, "min_cost_flow", timings, rounds, added)
    t4 = time.perf_counter()
    timings.update(
        requests_s=t1 - t0,
        candidates_s=t2 - t1,
        solve_s=t3 - t2 - certify_s,
        certify_s=certify_s,
        result_s=t4 - t3,
        total_s=t4 - t0,
        candidate_arcs=float(len(cand.vol)),
        cost_unit_m=float(costs.unit),
    )
    return result


def _fairness_metres(load: NDArray[np.int64], weights: Weights) -> NDArray[np.int64]:
    tasks = np.minimum(load, weights.fairness_max_tasks)
    return np.rint(tasks * weights.fairness_km_per_task * 1000.0).astype(np.int64)


def _scaled(metres: Any, unit: int) -> Any:
    return (metres + unit // 2) // unit


@dataclass(frozen=True, slots=True)
class _Costs:
    """The integer costs every batch and every round share, so that potentials from
    different solves can be compared. Costs count ``unit`` metres each: 1 m, unless the
    problem is so big (many requests, urgencies up to 1000, volunteers who travel far) that
    whole metres would overflow the solver's 64-bit costs; then 2, 4, 8, ... m, which keeps
    the urgency-weighted matched value exact and the travel exact to that many metres a
    match. ``big`` is what one unit of urgency is worth: more than any solution's whole
    travel + fairness + continuity part, so no travel saving is ever worth a match.
    """

    unit: int
    bonus: int  # the continuity bonus, in units
    big: int
    fair: NDArray[np.int64]  # fair[k]: the fairness cost of a task when k were done (capped)
    fairness: bool

    @classmethod
    def of(cls, req: _Requests, pool: VolunteerPool, weights: Weights) -> _Costs:
        far = max(float(pool.max_km.max()) if len(pool) else 0.0, 0.0)
        nodes = req.n + len(pool) + 2
        top = int(req.urgency.max()) if req.n else 1
        metres = _fairness_metres(np.arange(weights.fairness_max_tasks + 1), weights)
        unit = 1
        while unit < 2**40:
            bonus = int(_scaled(int(round(weights.continuity_km * 1000.0)), unit))
            fair = _scaled(metres, unit).astype(np.int64)
            span = int(np.ceil(min(far, 2e4) * 1000.0 / unit)) + 1 + bonus + int(fair.max())
            big = max(req.n, 1) * span + 1
            # potentials stay within nodes x the largest cost; 8x leaves room for differences
            if 8 * (top * big + bonus) * nodes < _COST_LIMIT:
                return cls(unit, bonus, big, fair, weights.fairness_km_per_task > 0)
            unit *= 2
        raise ValueError("too many requests for one solve; split them by area")

    def match(self, metres: NDArray[np.int64], preferred: NDArray[np.bool_]) -> NDArray[np.int64]:
        """The cost of a match arc: travel plus the continuity bonus unless preferred (the
        same as the preferred match being ``bonus`` cheaper, with every cost >= 0)."""
        return _scaled(metres, self.unit) + self.bonus * (~preferred).astype(np.int64)

    def first_unit(self, load: NDArray[np.int64]) -> NDArray[np.int64]:
        """The cost of a volunteer's first task this round."""
        if not self.fairness:
            return np.zeros(len(load), dtype=np.int64)
        return self.fair[np.minimum(np.maximum(load, 0), len(self.fair) - 1)]


_BATCH_ARCS: Final = 4096  # small components are solved together up to about this many arcs


def _arc_of(req: _Requests, cand: _Candidates, chosen_vol: NDArray[np.int64]) -> NDArray[np.int64]:
    """Per canonical request, the index in cand of the arc to its chosen volunteer, or -1."""
    rows = np.repeat(np.arange(req.n, dtype=np.int64), np.diff(cand.ptr))
    hit = np.flatnonzero(cand.vol == chosen_vol[rows])
    out = np.full(req.n, -1, dtype=np.int64)
    out[rows[hit]] = hit
    return out


_State = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]


def _solve(
    req: _Requests,
    pool: VolunteerPool,
    cand: _Candidates,
    costs: _Costs,
    timings: dict[str, float],
    previous: _State | None = None,
    dirty: NDArray[np.bool_] | None = None,
) -> _State:
    """Per canonical request, the pool position of its chosen volunteer, or -1; and optimal
    potentials for every request and every volunteer in the pool (the sink at 0).

    Given the ``previous`` round's answer and the requests that gained arcs since
    (``dirty``), only the components holding a dirty request are solved again: the others
    have the same arcs, so the same optimum and the same potentials.

    Requests that share no candidate volunteer, directly or through others, never affect
    each other, so each connected component of the candidate graph is its own problem.
    Solving them one by one (small ones batched) is exact and much faster than one big flow.
    Their potentials, each shifted so its sink is at 0, are potentials of the whole graph
    (all sinks one node), which the certificate needs. A volunteer in no batch gets the
    potential their unused first unit implies; a request with no candidates, left on its
    bypass, the one the bypass implies.
    """
    if previous is None:
        chosen = np.full(req.n, -1, dtype=np.int64)
        p_req = -(req.urgency * costs.big + costs.bonus)
        p_vol = -costs.first_unit(pool.recent_load)
    else:
        chosen, p_req, p_vol = (a.copy() for a in previous)
    n_arcs = len(cand.vol)
    timings["components"] = 0.0
    if n_arcs == 0:
        return chosen, p_req, p_vol
    rows = np.repeat(np.arange(req.n, dtype=np.int64), np.diff(cand.ptr))
    uniq, inverse = np.unique(cand.vol, return_inverse=True)
    inverse = inverse.reshape(-1)
    graph = coo_matrix(
        (np.ones(n_arcs, dtype=np.int8), (rows, req.n + inverse)),
        shape=(req.n + len(uniq), req.n + len(uniq)),
    )
    n_comp, label = connected_components(graph, directed=False)
    timings["components"] = float(n_comp)
    # Labels follow the lowest request in each component (requests are in id order), so the
    # batches, like everything else here, do not depend on the order of the input.
    arc_label = label[rows]
    if dirty is not None:
        # only the components with a request that gained arcs
        again = np.zeros(n_comp, dtype=bool)
        again[label[: req.n][dirty]] = True
        keep_arcs = np.flatnonzero(again[arc_label])
        chosen[rows[keep_arcs]] = -1
    else:
        keep_arcs = np.arange(n_arcs, dtype=np.int64)
    order = keep_arcs[np.argsort(arc_label[keep_arcs], kind="stable")]
    n_arcs = len(order)
    if n_arcs == 0:
        return chosen, p_req, p_vol
    bounds = np.flatnonzero(np.diff(arc_label[order])) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [n_arcs]])
    lo = 0
    for i in range(len(starts)):
        hi = int(ends[i])
        if hi - lo < _BATCH_ARCS and i + 1 < len(starts):
            continue
        arcs = np.sort(order[lo:hi])
        used = _solve_batch(req, pool, cand, rows, arcs, costs, p_req, p_vol)
        chosen[rows[arcs[used]]] = cand.vol[arcs[used]]
        lo = hi
    return chosen, p_req, p_vol


def _solve_batch(
    req: _Requests,
    pool: VolunteerPool,
    cand: _Candidates,
    all_rows: NDArray[np.int64],
    arcs: NDArray[np.int64],
    costs: _Costs,
    p_req: NDArray[np.int64],
    p_vol: NDArray[np.int64],
) -> NDArray[np.bool_]:
    """Min-cost flow over the candidate arcs ``arcs`` (sorted); which of them carry flow.
    Writes the optimal potentials of its requests and volunteers into p_req and p_vol."""
    rows = all_rows[arcs]
    flow_requests, request_local = np.unique(rows, return_inverse=True)
    n_flow = len(flow_requests)
    n_arcs = len(arcs)
    request_node = 1 + request_local.reshape(-1)

    # Volunteer nodes in id order, so the graph does not depend on the pool's row order.
    uniq, inverse = np.unique(cand.vol[arcs], return_inverse=True)
    by_id = np.argsort(pool.ids[uniq], kind="stable")
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[by_id] = np.arange(len(uniq), dtype=np.int64)
    vol_rank = rank[inverse.reshape(-1)]
    volunteer_node = 1 + n_flow + vol_rank
    sink = 1 + n_flow + len(uniq)

    match_cost = costs.match(cand.metres[arcs], cand.preferred[arcs])

    # Fairness: one arc per unit of capacity a volunteer could use (no more than the arcs
    # into them, plus one, so that the potentials price a task more for the certificate);
    # the k-th task this round costs as if they had done load + k tasks, so the costs rise
    # with k (convex) and the flow fills cheaper units first.
    vols_by_rank = uniq[by_id]
    indegree = np.bincount(vol_rank, minlength=len(uniq))
    units = np.minimum(pool.capacity[vols_by_rank], indegree + 1)
    load = np.maximum(pool.recent_load[vols_by_rank], 0)
    if costs.fairness:
        unit_rank = np.repeat(np.arange(len(uniq), dtype=np.int64), units)
        kth = np.arange(len(unit_rank), dtype=np.int64) - np.repeat(np.cumsum(units) - units, units)
        fair_tail = 1 + n_flow + unit_rank
        fair_cap = np.ones(len(unit_rank), dtype=np.int64)
        fair_cost = costs.fair[np.minimum(load[unit_rank] + kth, len(costs.fair) - 1)]
    else:
        fair_tail = 1 + n_flow + np.arange(len(uniq), dtype=np.int64)
        fair_cap = units.astype(np.int64)
        fair_cost = np.zeros(len(uniq), dtype=np.int64)

    urgency = req.urgency[flow_requests]
    bypass_cost = urgency * costs.big + costs.bonus

    locals_ = 1 + np.arange(n_flow, dtype=np.int64)
    tails = np.concatenate([np.zeros(n_flow, np.int64), request_node, locals_, fair_tail])
    heads = np.concatenate(
        [locals_, volunteer_node, np.full(n_flow, sink), np.full(len(fair_tail), sink)]
    ).astype(np.int64)
    caps = np.concatenate(
        [np.ones(n_flow, np.int64), np.ones(n_arcs, np.int64), np.ones(n_flow, np.int64), fair_cap]
    )
    arc_costs = np.concatenate([np.zeros(n_flow, np.int64), match_cost, bypass_cost, fair_cost])

    flow = min_cost_flow.SimpleMinCostFlow()
    first_arc = int(flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, arc_costs)[0])
    flow.set_nodes_supplies(np.array([0, sink], np.int64), np.array([n_flow, -n_flow], np.int64))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = np.asarray(flow.flows(first_arc + np.arange(len(tails), dtype=np.int64)))
    d = _potentials(sink + 1, tails, heads, caps, arc_costs, flows)
    d = d - d[sink]
    p_req[flow_requests] = d[locals_]
    p_vol[vols_by_rank] = d[1 + n_flow + np.arange(len(uniq))]
    return flows[n_flow : n_flow + n_arcs] > 0


def _potentials(
    n_nodes: int,
    tails: NDArray[np.int64],
    heads: NDArray[np.int64],
    caps: NDArray[np.int64],
    costs: NDArray[np.int64],
    flows: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Node potentials proving a flow optimal: shortest distances in its residual graph
    from a virtual root joined to every node at cost 0 (Bellman-Ford, all arcs relaxed at
    once with numpy, stopping when nothing changes). The residual graph of an optimal flow
    has no negative cycle, so this ends within ``n_nodes`` passes, and then every residual
    arc (t, h) with cost c has c + d[t] - d[h] >= 0. OR-Tools' Python API does not expose
    its own potentials."""
    fwd = flows < caps
    bwd = flows > 0
    t = np.concatenate([tails[fwd], heads[bwd]])
    h = np.concatenate([heads[fwd], tails[bwd]])
    c = np.concatenate([costs[fwd], -costs[bwd]])
    order = np.argsort(h, kind="stable")
    t, h, c = t[order], h[order], c[order]
    d = np.zeros(n_nodes, dtype=np.int64)
    if len(h) == 0:
        return d
    first = np.flatnonzero(np.concatenate([[True], h[1:] != h[:-1]]))
    targets = h[first]
    for _ in range(n_nodes + 1):
        best = np.minimum.reduceat(d[t] + c, first)
        better = best < d[targets]
        if not better.any():
            return d
        d[targets[better]] = best[better]
    raise RuntimeError("the flow is not optimal (a negative cycle in its residual graph)")


def _violations(
    req: _Requests,
    pool: VolunteerPool,
    cand: _Candidates,
    costs: _Costs,
    p_req: NDArray[np.int64],
    p_vol: NDArray[np.int64],
    keep: int,
) -> _Pairs | None:
    """The certificate: the eligible pairs left out of the candidate graph whose reduced
    cost under the potentials is negative (None when there are none, and the solution is
    optimal for the whole problem), at most ``keep`` per request, the most negative first.

    A left-out arc (r, v) costs at least its request's bound (the least distance of anyone
    left out), so it can only be negative when bound + bonus < max p(v) - p(r); only those
    requests are searched, and only as far as that difference reaches.
    """
    if not len(pool) or not req.n:
        return None
    has_room = pool.capacity > 0
    if not has_room.any():
        return None
    top = int(p_vol[has_room].max())
    gap = top - p_req - costs.bonus  # a left-out arc is negative only if its cost < gap
    bound = np.where(cand.truncated, _scaled(cand.bound, costs.unit), _FAR_METRES)
    rows = np.flatnonzero(cand.truncated & (bound < gap))
    if rows.size == 0:
        return None
    radius_km = np.minimum(gap[rows].astype(np.float64) * costs.unit + costs.unit, 2.1e7) / 1000.0
    selectors = _selectors(req, pool)
    rr: list[NDArray[np.int64]] = []
    vv: list[NDArray[np.int64]] = []
    groups: dict[tuple[str, int] | None, list[int]] = {}
    for i, row in enumerate(rows.tolist()):
        groups.setdefault(selectors[row], []).append(i)
    for key in sorted(groups, key=lambda k: ("", -1) if k is None else k):
        at = np.asarray(groups[key], dtype=np.int64)
        r, v = _banded_pairs(req, pool, key, rows[at], radius_km[at])
        rr.append(r)
        vv.append(v)
    r = np.concatenate(rr)
    v = np.concatenate(vv)
    km, st = _stages(req, pool, r, v)
    ok = st[:, 4]
    r, v, km = r[ok], v[ok], km[ok]
    # not already in the graph
    arc_rows = np.repeat(np.arange(req.n, dtype=np.int64), np.diff(cand.ptr))
    looked = np.zeros(req.n, dtype=bool)
    looked[rows] = True
    mine = looked[arc_rows]
    have = arc_rows[mine] * len(pool) + cand.vol[mine]
    new = ~np.isin(r * len(pool) + v, have)
    r, v, km = r[new], v[new], km[new]
    metres = np.rint(km * 1000.0).astype(np.int64)
    pref = v == req.preferred[r]
    reduced = costs.match(metres, pref) + p_req[r] - p_vol[v]
    bad = reduced < 0
    if not bad.any():
        return None
    r, v, km, reduced, metres = r[bad], v[bad], km[bad], reduced[bad], metres[bad]
    order = np.lexsort((pool.ids[v], metres, reduced, r))
    r, v, km = r[order], v[order], km[order]
    per = np.bincount(r, minlength=req.n)
    rank = np.arange(len(r)) - (np.cumsum(per) - per)[r]
    take = rank < keep
    return r[take], v[take], km[take]


def _with_arcs(
    req: _Requests,
    pool: VolunteerPool,
    cand: _Candidates,
    rows: NDArray[np.int64],
    vols: NDArray[np.int64],
    km: NDArray[np.float64],
) -> _Candidates:
    """The candidate graph with these arcs added, in the same canonical order."""
    old_rows = np.repeat(np.arange(req.n, dtype=np.int64), np.diff(cand.ptr))
    all_rows = np.concatenate([old_rows, rows])
    all_vols = np.concatenate([cand.vol, vols])
    all_km = np.concatenate([cand.km, km])
    all_metres = np.concatenate([cand.metres, np.rint(km * 1000.0).astype(np.int64)])
    all_pref = np.concatenate([cand.preferred, vols == req.preferred[rows]])
    order = np.lexsort((pool.ids[all_vols], all_metres, all_rows))
    ptr = np.zeros(req.n + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(all_rows, minlength=req.n))
    return _Candidates(
        ptr,
        all_vols[order],
        all_metres[order],
        all_km[order],
        all_pref[order],
        cand.counts,
        cand.bound,
    )


# --- the baseline --------------------------------------------------------------------------


def greedy_match(
    requests: Sequence[Request], pool: VolunteerPool, *, max_scan: int = 4096
) -> MatchResult:
    """Nearest first, one request at a time, as the national scheme did (for comparison).

    Requests are taken in the order given; each goes to the nearest eligible volunteer who
    still has capacity (ties by volunteer id), and is never reconsidered. Same hard rules,
    same candidate search and same result type as :func:`match`.
    """
    keep = 32
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    req = _Requests.build(requests, pool)
    t1 = time.perf_counter()
    cand = _candidates(req, pool, keep, max_scan, timings)
    t2 = time.perf_counter()
    chosen = np.full(req.n, -1, dtype=np.int64)
    used = np.zeros(len(pool), dtype=np.int64)
    deep_vol: list[int] = []
    deep_km: list[float] = []
    deep_pref: list[bool] = []
    offset = len(cand.vol)
    for r in np.argsort(req.input_rank).tolist():
        lo, hi = int(cand.ptr[r]), int(cand.ptr[r + 1])
        if hi == lo:
            continue
        vols = cand.vol[lo:hi]
        free = np.flatnonzero(used[vols] < pool.capacity[vols])
        if free.size:
            j = lo + int(free[0])
            chosen[r] = j
            used[cand.vol[j]] += 1
            continue
        if not cand.truncated[r]:
            continue
        # Everyone on the list is taken: look at everyone in range, nearest first.
        rows, allv = _banded_pairs(req, pool, None, np.array([r], dtype=np.int64))
        km, st = _stages(req, pool, rows, allv)
        allv, km = allv[st[:, 4]], km[st[:, 4]]
        order = np.lexsort((pool.ids[allv], np.rint(km * 1000.0)))
        allv, km = allv[order], km[order]
        free = np.flatnonzero(used[allv] < pool.capacity[allv])
        if free.size:
            v = int(allv[free[0]])
            used[v] += 1
            deep_vol.append(v)
            deep_km.append(float(km[free[0]]))
            deep_pref.append(v == int(req.preferred[r]))
            chosen[r] = offset
            offset += 1
    if deep_vol:
        cand.vol = np.concatenate([cand.vol, np.asarray(deep_vol, dtype=np.int64)])
        cand.km = np.concatenate([cand.km, np.asarray(deep_km, dtype=np.float64)])
        cand.preferred = np.concatenate([cand.preferred, np.asarray(deep_pref, dtype=bool)])
    t3 = time.perf_counter()
    result = _result(req, pool, cand, chosen, "greedy_nearest_first", timings)
    timings.update(
        requests_s=t1 - t0,
        candidates_s=t2 - t1,
        solve_s=t3 - t2,
        total_s=time.perf_counter() - t0,
    )
    return result
