"""Disclosure control: the one place small numbers about people are suppressed.

Every figure insights shows or exports, and every figure another room publishes about
people (survey results, outcome figures), passes through here first. The rules are the
NHS ones for HES and similar data:

* a count of 1 to 7 is shown as ``"*"``; any other count is rounded to the nearest 5
  (0 stays 0, so "nobody" is never hidden);
* a mean or a percentage is shown only over at least ``min_cohort`` people;
* in a table, a hidden cell must not be recoverable from what is published beside it.
  So when a row or column would hide just one cell, the next smallest cell in it is hidden
  too (secondary suppression), totals are rounded like any count, and before anything is
  returned an auditor plays the attacker: it bounds every hidden cell from every published
  figure (rows, columns, grand total and any grouped table published with it) and, while
  it can narrow a hidden cell to fewer than ``MIN_CANDIDATES`` values, hides more totals.

Pure (imports no Django; numpy does the auditor's arithmetic), so pages, exports,
benchmarks and tests share exactly one rule.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

SUPPRESSED = "*"
SMALLEST_SHOWN = 8  # counts below this (but above 0) are never shown
ROUND_TO = 5
MIN_COHORT = 10
# The auditor hides more until each hidden cell could still be any of this many values.
MIN_CANDIDATES = 3
# How many sweeps over every published sum the auditor makes at most while bounds narrow.
ROUNDS = 50

Figure: TypeAlias = int | str
Key: TypeAlias = Hashable
Cell: TypeAlias = tuple[Key, Key]


def count(n: int) -> Figure:
    """A count as it may be published: 0, ``"*"`` for 1 to 7, else the nearest 5."""
    if n < 0:
        raise ValueError(f"a count cannot be negative ({n})")
    if n == 0:
        return 0
    if n < SMALLEST_SHOWN:
        return SUPPRESSED
    return ROUND_TO * ((n + ROUND_TO // 2) // ROUND_TO)


def mean(values: Iterable[float], *, min_cohort: int = MIN_COHORT) -> float | str:
    """The mean to one decimal place, or ``"*"`` when fewer than ``min_cohort`` answered."""
    seen = list(values)
    if len(seen) < max(min_cohort, 1):
        return SUPPRESSED
    return round(math.fsum(seen) / len(seen), 1)


def percentage(part: int, whole: int, *, min_cohort: int = MIN_COHORT) -> float | str:
    """``part`` as a whole-number percentage of ``whole``, or ``"*"``.

    Hidden when the whole is under the minimum cohort, and when the part or the rest is a
    small count: 3 of 40 shown as 8% would give the 3 back to anyone who knows the 40.
    """
    if part < 0 or whole < 0 or part > whole:
        raise ValueError(f"{part} of {whole} is not a part of a whole")
    if whole < max(min_cohort, 1):
        return SUPPRESSED
    if count(part) == SUPPRESSED or count(whole - part) == SUPPRESSED:
        return SUPPRESSED
    return float(round(100 * part / whole))


def bounds(figure: Figure) -> tuple[float, float]:
    """What a reader can tell about a true count from its published figure."""
    if figure == SUPPRESSED:
        # Hidden cells and totals are never zero (a zero is always shown), and a hidden
        # figure may be small (1 to 7) or hidden only to protect another: at least 1.
        return (1, math.inf)
    assert isinstance(figure, int)
    if figure == 0:
        return (0, 0)
    half = ROUND_TO // 2
    return (max(figure - half, SMALLEST_SHOWN), figure + half)


@dataclass(frozen=True)
class Published:
    """A table as it may be shown: every cell and total is a count or ``"*"``.

    ``group_cells`` and ``group_totals`` hold the same table with its rows grouped
    (areas grouped into IMD deciles, say), published together so that neither can be
    used to undo the other's suppression.
    """

    rows: tuple[Key, ...]
    cols: tuple[Key, ...]
    cells: dict[Cell, Figure]
    row_totals: dict[Key, Figure]
    col_totals: dict[Key, Figure]
    total: Figure
    groups: tuple[Key, ...] = ()
    group_cells: dict[Cell, Figure] = field(default_factory=dict)
    group_totals: dict[Key, Figure] = field(default_factory=dict)

    def hidden(self) -> int:
        """How many cells are shown as ``"*"``."""
        return sum(1 for v in self.cells.values() if v == SUPPRESSED)


def table(
    cells: Mapping[Cell, int],
    rows: Sequence[Key],
    cols: Sequence[Key],
    *,
    groups: Mapping[Key, Sequence[Key]] | None = None,
) -> Published:
    """Publish a table of counts with primary and secondary suppression.

    ``cells`` maps ``(row, col)`` to a count; a missing cell is 0. ``groups`` optionally
    maps a group (an IMD decile, say) to the rows in it; the grouped table is then
    suppressed together with this one.
    """
    rows, cols = tuple(rows), tuple(cols)
    true = {(r, c): int(cells.get((r, c), 0)) for r in rows for c in cols}
    if any(v < 0 for v in true.values()):
        raise ValueError("a count cannot be negative")
    grouping = {g: tuple(members) for g, members in (groups or {}).items()}

    # Every published figure is a sum of cells; a cell is a sum of itself.
    figures: dict[tuple[str, Key], frozenset[Cell]] = {}
    for key in true:
        figures[("cell", key)] = frozenset([key])
    for r in rows:
        figures[("row", r)] = frozenset((r, c) for c in cols)
    for c in cols:
        figures[("col", c)] = frozenset((r, c) for r in rows)
    figures[("total", None)] = frozenset(true)
    for g, members in grouping.items():
        for c in cols:
            figures[("gcell", (g, c))] = frozenset((r, c) for r in members)
        figures[("group", g)] = frozenset((r, c) for r in members for c in cols)

    value = {name: sum(true[k] for k in members) for name, members in figures.items()}
    hidden = {name for name, v in value.items() if count(v) == SUPPRESSED}
    lines = _lines(rows, cols, grouping)
    _suppress_secondary(lines, value, hidden)
    _hide_until_safe(figures, value, hidden, rows, cols, grouping)

    def shown(name: tuple[str, Key]) -> Figure:
        return SUPPRESSED if name in hidden else count(value[name])

    return Published(
        rows=rows,
        cols=cols,
        cells={k: shown(("cell", k)) for k in true},
        row_totals={r: shown(("row", r)) for r in rows},
        col_totals={c: shown(("col", c)) for c in cols},
        total=shown(("total", None)),
        groups=tuple(grouping),
        group_cells={(g, c): shown(("gcell", (g, c))) for g in grouping for c in cols},
        group_totals={g: shown(("group", g)) for g in grouping},
    )


@dataclass(frozen=True)
class PublishedMeans:
    """A table of means as it may be shown: each a number to one place, or ``"*"``."""

    rows: tuple[Key, ...]
    cols: tuple[Key, ...]
    cells: dict[Cell, float | str | None]  # None: nobody answered
    col_means: dict[Key, float | str | None]  # over every row


def means(
    cells: Mapping[Cell, tuple[int, float]],
    rows: Sequence[Key],
    cols: Sequence[Key],
    *,
    min_cohort: int = MIN_COHORT,
) -> PublishedMeans:
    """Publish means: ``cells`` maps ``(row, col)`` to (people, sum of their values).

    A cell's mean is shown only over at least ``min_cohort`` people (``None`` where nobody
    answered). A column's mean over
    every row is shown only when the rows hidden in it add up to nobody or to at least
    ``min_cohort`` people: otherwise the column mean and the shown cells would give back the
    mean of a group too small to show.
    """
    rows, cols = tuple(rows), tuple(cols)
    smallest = max(min_cohort, 1)
    shown: dict[Cell, float | str | None] = {}
    col_means: dict[Key, float | str | None] = {}
    for c in cols:
        people = hidden = 0
        total = 0.0
        for r in rows:
            n, added = cells.get((r, c), (0, 0.0))
            if n < 0:
                raise ValueError("a count of people cannot be negative")
            people += n
            total += added
            if n == 0:
                shown[(r, c)] = None  # nobody answered: no mean to hide or to show
            elif n >= smallest:
                shown[(r, c)] = round(added / n, 1)
            else:
                shown[(r, c)] = SUPPRESSED
                hidden += n
        safe = people >= smallest and (hidden == 0 or hidden >= smallest)
        col_means[c] = None if people == 0 else round(total / people, 1) if safe else SUPPRESSED
    return PublishedMeans(rows=rows, cols=cols, cells=shown, col_means=col_means)


Name: TypeAlias = tuple[str, Key]


def _lines(
    rows: tuple[Key, ...], cols: tuple[Key, ...], grouping: Mapping[Key, tuple[Key, ...]]
) -> list[list[Name]]:
    """Each row and column of the table and of the grouped table, and each set of totals
    that adds up to another, as figure names."""
    lines: list[list[Name]] = [[("cell", (r, c)) for c in cols] for r in rows]
    lines += [[("cell", (r, c)) for r in rows] for c in cols]
    lines += [[("gcell", (g, c)) for c in cols] for g in grouping]
    lines += [[("gcell", (g, c)) for g in grouping] for c in cols]
    # A group's rows add up to the group's cell in each column.
    lines += [[("cell", (r, c)) for r in members] for g, members in grouping.items() for c in cols]
    # Totals too: the row totals add up to the grand total, and so on, so one hidden total
    # among them would be the grand total less the others.
    lines += [[("row", r) for r in rows], [("col", c) for c in cols]]
    lines += [[("group", g) for g in grouping]]
    lines += [[("row", r) for r in members] for members in grouping.values()]
    return lines


def _suppress_secondary(lines: list[list[Name]], value: dict[Name, int], hidden: set[Name]) -> None:
    """Where a line hides exactly one figure, hide its next smallest non-zero one too."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for name in line if name in hidden) != 1:
                continue
            others = [name for name in line if name not in hidden and value[name] > 0]
            if others:
                hidden.add(min(others, key=lambda name: value[name]))
                changed = True


def _hide_until_safe(
    figures: Mapping[Name, frozenset[Cell]],
    value: Mapping[Name, int],
    hidden: set[Name],
    rows: tuple[Key, ...],
    cols: tuple[Key, ...],
    grouping: Mapping[Key, tuple[Key, ...]],
) -> None:
    """Hide totals until no hidden cell can be narrowed to fewer than MIN_CANDIDATES values."""
    group_of = {r: g for g, members in grouping.items() for r in members}
    small: set[Cell] = {
        cell
        for name, members in figures.items()
        if name[0] == "cell"
        for cell in members
        if 0 < value[name] < SMALLEST_SHOWN
    }
    if not small:  # nothing small to protect: secondary suppression was enough
        return
    auditor = _Auditor(figures)
    while True:
        published = {
            name: (SUPPRESSED if name in hidden else count(value[name])) for name in figures
        }
        exposed = auditor.exposed(published, protect=small)
        if not exposed:
            return
        # Hide the totals around the first exposed cell; the grand total last.
        (r, c) = exposed[0]
        around: list[Name] = [("row", r), ("col", c)]
        if r in group_of:
            around += [("group", group_of[r]), ("gcell", (group_of[r], c))]
        around += [("group", g) for g in grouping] + [("total", None)]
        around += [("row", x) for x in rows] + [("col", x) for x in cols]
        around += [("gcell", (g, x)) for g in grouping for x in cols]
        for name in around:
            if name not in hidden and value[name] > 0:
                hidden.add(name)
                break
        else:  # pragma: no cover - with every total hidden nothing can be narrowed
            return


def audit(
    figures: Mapping[Name, frozenset[Cell]],
    published: Mapping[Name, Figure],
    *,
    protect: set[Cell] | None = None,
) -> list[Cell]:
    """The hidden cells (of ``protect``, the small ones) a reader can narrow to fewer than
    MIN_CANDIDATES values. A cell hidden only to protect another may be narrowed: it is not
    small, and whatever narrowing it helps is counted in the small cells' own bounds.

    Bounds propagation over every published sum and over the differences a reader would
    take (a column total less a grouped cell inside it is itself a sum they know, within
    bounds): a cell is at least its sum's least minus the others' most, and at most its
    sum's most minus the others' least.
    """
    return _Auditor(figures).exposed(published, protect=protect)


class _Auditor:
    """:func:`audit` for one table, its sums laid out once for every round of hiding."""

    def __init__(self, figures: Mapping[Name, frozenset[Cell]]) -> None:
        self.cells = sorted(
            (k for name, members in figures.items() if name[0] == "cell" for k in members),
            key=repr,
        )
        index = {k: i for i, k in enumerate(self.cells)}
        self.index = index

        def mask(members: frozenset[Cell]) -> NDArray[np.bool_]:
            chosen = np.zeros(len(index), dtype=bool)
            chosen[[index[k] for k in members]] = True
            return chosen

        self.totals = [(name, members) for name, members in figures.items() if name[0] != "cell"]
        masks = {name: mask(members) for name, members in self.totals}
        self.at = {name: np.flatnonzero(masks[name]) for name, _ in self.totals}
        # Each pair of totals one inside the other: what is left is a sum a reader knows.
        self.rests: list[tuple[Name, Name, NDArray[np.intp]]] = []
        for big, big_members in self.totals:
            for small, small_members in self.totals:
                if len(small_members) < len(big_members) and small_members < big_members:
                    self.rests.append((big, small, np.flatnonzero(masks[big] & ~masks[small])))

    def exposed(
        self, published: Mapping[Name, Figure], *, protect: set[Cell] | None = None
    ) -> list[Cell]:
        cells, index = self.cells, self.index
        lo: NDArray[np.float64] = np.array(
            [bounds(published[("cell", k)])[0] for k in cells], dtype=float
        )
        hi: NDArray[np.float64] = np.array(
            [bounds(published[("cell", k)])[1] for k in cells], dtype=float
        )
        shown = {
            name: bounds(published[name])
            for name, _ in self.totals
            if published[name] != SUPPRESSED
        }
        sums = [(self.at[name], s_lo, s_hi) for name, (s_lo, s_hi) in shown.items()]
        sums += [
            (rest, shown[big][0] - shown[small][1], shown[big][1] - shown[small][0])
            for big, small, rest in self.rests
            if big in shown and small in shown
        ]
        # Each sum narrows its cells at once: a cell is at most the sum's most less the
        # others' least, and at least the sum's least less the others' most (unbounded while
        # another cell in it is). Repeated over every sum until nothing narrows.
        for _ in range(ROUNDS):
            changed = False
            for at, s_lo, s_hi in sums:
                now_lo, now_hi = lo[at], hi[at]
                others_low = now_lo.sum() - now_lo
                finite = np.isfinite(now_hi)
                unbounded = len(now_hi) - int(finite.sum())
                finite_high = np.where(finite, now_hi, 0.0)
                others_high = np.where(
                    unbounded - (~finite) > 0, math.inf, finite_high.sum() - finite_high
                )
                new_low = np.maximum(now_lo, s_lo - others_high)
                new_high = np.minimum(now_hi, s_hi - others_low)
                if (new_low > now_lo).any() or (new_high < now_hi).any():
                    lo[at], hi[at] = new_low, new_high
                    changed = True
            if not changed:
                break
        return [
            k
            for k in cells
            if published[("cell", k)] == SUPPRESSED
            and (protect is None or k in protect)
            and hi[index[k]] - lo[index[k]] + 1 < MIN_CANDIDATES
        ]
