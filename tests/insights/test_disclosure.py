"""Small numbers never leave: the disclosure rules, and an attacker who tries to undo them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from keepwell.insights import disclosure
from keepwell.insights.disclosure import SUPPRESSED, count, mean, percentage, table


@given(st.integers(1, 7))
def test_a_count_of_one_to_seven_is_never_shown(n):
    assert count(n) == SUPPRESSED


@given(st.integers(8, 10**7))
def test_any_other_count_is_shown_to_the_nearest_five(n):
    shown = count(n)
    assert shown % 5 == 0
    assert abs(shown - n) <= 2
    assert shown >= 10


def test_nobody_is_shown_as_nobody():
    assert count(0) == 0


def test_a_negative_count_is_a_mistake_not_a_figure():
    with pytest.raises(ValueError):
        count(-1)


@given(st.lists(st.floats(0, 10, allow_nan=False), max_size=30))
def test_a_mean_is_shown_only_over_the_minimum_cohort(values):
    shown = mean(values)
    if len(values) < 10:
        assert shown == SUPPRESSED
    else:
        assert shown == pytest.approx(sum(values) / len(values), abs=0.05)


@given(st.integers(0, 200), st.integers(0, 200))
def test_a_percentage_never_gives_back_a_small_count(a, b):
    part, whole = min(a, b), max(a, b)
    shown = percentage(part, whole)
    if whole < 10 or 1 <= part <= 7 or 1 <= whole - part <= 7:
        assert shown == SUPPRESSED
    else:
        assert shown == round(100 * part / whole)


def test_one_small_cell_in_a_row_takes_the_next_smallest_with_it():
    published = table(
        {
            ("Riverside", "shopping"): 3,
            ("Riverside", "medicines"): 40,
            ("Riverside", "befriending"): 12,
        },
        rows=["Riverside"],
        cols=["shopping", "medicines", "befriending"],
    )
    assert published.cells[("Riverside", "shopping")] == SUPPRESSED
    assert published.cells[("Riverside", "befriending")] == SUPPRESSED
    assert published.cells[("Riverside", "medicines")] == 40


def test_totals_are_rounded_like_any_count():
    published = table(
        {("a", "x"): 21, ("a", "y"): 33, ("b", "x"): 48, ("b", "y"): 0}, rows="ab", cols="xy"
    )
    assert published.row_totals == {"a": 55, "b": 50}
    assert published.col_totals == {"x": 70, "y": 35}
    assert published.total == 100
    assert published.cells[("b", "y")] == 0


# The attacker ----------------------------------------------------------------------------


def recoverable(true, figures, published):
    """The small hidden cells an integer programme pins to one value from what was published.

    Independent of the auditor inside disclosure.table: every published figure bounds a
    sum of true cells; for each hidden small cell, minimise and maximise it over every
    whole-number table consistent with all of them.
    """
    cells = sorted(true, key=repr)
    # An unbounded maximum is no answer; a ceiling far above any drawn count is the same.
    CEILING = 10**6
    index = {k: i for i, k in enumerate(cells)}
    rows_a, lo, hi = [], [], []
    for name, members in figures.items():
        row = np.zeros(len(cells))
        for k in members:
            row[index[k]] = 1
        low, high = disclosure.bounds(published[name])
        high = min(high, 10**6 * len(members))
        rows_a.append(row)
        lo.append(low)
        hi.append(high)
    constraint = LinearConstraint(np.array(rows_a), np.array(lo), np.array(hi))
    integral = np.ones(len(cells))
    found = []
    for k in cells:
        if published[("cell", k)] != SUPPRESSED or not 1 <= true[k] <= 7:
            continue
        ends = []
        for sign in (1, -1):
            c = np.zeros(len(cells))
            c[index[k]] = sign
            result = milp(
                c, constraints=constraint, integrality=integral, bounds=Bounds(0, CEILING)
            )
            assert result.success, "the true table is always consistent with what was published"
            ends.append(round(sign * result.fun))
        if ends[0] == ends[1]:
            found.append((k, ends[0]))
    return found


def everything_published(true, rows, cols, groups, published):
    """Each published figure, named, with the true cells it adds up."""
    figures, shown = {}, {}
    for k in true:
        figures[("cell", k)] = [k]
        shown[("cell", k)] = published.cells[k]
    for r in rows:
        figures[("row", r)] = [(r, c) for c in cols]
        shown[("row", r)] = published.row_totals[r]
    for c in cols:
        figures[("col", c)] = [(r, c) for r in rows]
        shown[("col", c)] = published.col_totals[c]
    figures[("total", None)] = list(true)
    shown[("total", None)] = published.total
    for g, members in groups.items():
        figures[("group", g)] = [(r, c) for r in members for c in cols]
        shown[("group", g)] = published.group_totals[g]
        for c in cols:
            figures[("gcell", g, c)] = [(r, c) for r in members]
            shown[("gcell", g, c)] = published.group_cells[(g, c)]
    return figures, shown


# Small counts are common in real tables: draw most cells from 0-20.
counts = st.one_of(st.integers(0, 20), st.integers(0, 20), st.integers(0, 200))


@st.composite
def places(draw):
    """A place: areas (rows) by kind of need (columns), areas grouped into deciles."""
    n_rows = draw(st.integers(1, 5))
    n_cols = draw(st.integers(1, 4))
    rows = [f"area{i}" for i in range(n_rows)]
    cols = [f"kind{j}" for j in range(n_cols)]
    true = {(r, c): draw(counts) for r in rows for c in cols}
    deciles = [draw(st.integers(1, 3)) for _ in rows]
    groups = {}
    for r, d in zip(rows, deciles, strict=True):
        groups.setdefault(d, []).append(r)
    return true, rows, cols, groups


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(places())
def test_no_small_count_can_be_recovered_from_everything_published_for_a_place(place):
    true, rows, cols, groups = place
    note(f"true={true!r} groups={groups!r}")
    published = table(true, rows, cols, groups=groups)
    figures, shown = everything_published(true, rows, cols, groups, published)
    assert recoverable(true, figures, shown) == []


@settings(max_examples=200, deadline=None)
@given(places())
def test_every_small_count_is_hidden_everywhere_it_appears(place):
    true, rows, cols, groups = place
    published = table(true, rows, cols, groups=groups)
    figures, shown = everything_published(true, rows, cols, groups, published)
    for name, members in figures.items():
        n = sum(true[k] for k in members)
        if 1 <= n <= 7:
            assert shown[name] == SUPPRESSED, name
        elif shown[name] != SUPPRESSED:
            assert shown[name] == count(n)


def test_the_attacker_does_recover_a_count_the_rules_would_have_hidden():
    """Without secondary suppression, the row total gives the small cell back."""
    true = {("a", "x"): 1, ("a", "y"): 8, ("a", "z"): 8}
    figures = {
        ("cell", ("a", "x")): [("a", "x")],
        ("cell", ("a", "y")): [("a", "y")],
        ("cell", ("a", "z")): [("a", "z")],
        ("row", "a"): list(true),
    }
    naive = {
        ("cell", ("a", "x")): SUPPRESSED,
        ("cell", ("a", "y")): 10,
        ("cell", ("a", "z")): 10,
        ("row", "a"): 15,
    }
    assert recoverable(true, figures, naive) == [(("a", "x"), 1)]


people_and_sums = st.dictionaries(
    st.tuples(
        st.sampled_from(["Riverside", "Northgate", "Eastfield"]), st.sampled_from(["a", "b"])
    ),
    st.tuples(st.integers(0, 40), st.integers(-200, 200)),
)


@given(people_and_sums)
def test_no_mean_of_fewer_than_the_minimum_cohort_is_shown_or_can_be_worked_back(cells):
    """A mean shows only over ten people or more; and the place's mean shows only when the
    rows hidden beside it hold nobody or at least ten people together, so subtracting the
    shown rows from it never gives a small group's mean."""
    rows, cols = ["Riverside", "Northgate", "Eastfield"], ["a", "b"]

    published = disclosure.means(cells, rows, cols)

    for (row, col), (n, _) in cells.items():
        shown = published.cells[(row, col)]
        assert (shown is None) == (n == 0)
        assert (shown == SUPPRESSED) == (0 < n < disclosure.MIN_COHORT)
    for col in cols:
        if isinstance(published.col_means[col], float):
            hidden = sum(
                cells.get((row, col), (0, 0))[0]
                for row in rows
                if published.cells[(row, col)] == SUPPRESSED
            )
            assert hidden == 0 or hidden >= disclosure.MIN_COHORT


def test_a_mean_over_ten_people_is_shown_to_one_place():
    published = disclosure.means({("Riverside", "control"): (12, 31)}, ["Riverside"], ["control"])

    assert published.cells[("Riverside", "control")] == 2.6
    assert published.col_means["control"] == 2.6
