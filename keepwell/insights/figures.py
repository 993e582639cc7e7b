"""What insights publishes for a place: every figure added up from the roll-ups and suppressed.

One :func:`report` serves the analysts' page, the public page and the CSV and JSON exports,
so all four always carry the same figures. Every count passes through
:mod:`keepwell.insights.disclosure` (tables with primary and secondary suppression, trends
the same way) and a rate per 1,000 residents is worked out from the *published* total,
never the true one, so it cannot give a hidden number back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.cache import cache
from django.db.models import Q, Sum

from keepwell.core.charts import Chart, Series
from keepwell.directory.models import ServiceCategory
from keepwell.help import queries as help_queries
from keepwell.insights import disclosure
from keepwell.insights.disclosure import SUPPRESSED, Figure, Published
from keepwell.insights.models import SNAPSHOTS, Measure, MonthlyChange, MonthlyCount, Refresh
from keepwell.messaging import report as messaging_report
from keepwell.messaging.models import Channel
from keepwell.outcomes import figures as outcome_figures
from keepwell.places import queries as places_queries
from keepwell.places.models import Area
from keepwell.referrals import queries as referral_queries
from keepwell.timebank.services import reports as timebank_reports

SECTIONS: list[tuple[str, str, list[str]]] = [
    ("need", "Need", [Measure.HELP_REQUESTS, Measure.REFERRALS, Measure.CONCERNS]),
    (
        "supply",
        "Supply",
        [
            Measure.SERVICES,
            Measure.VOLUNTEERS_ACTIVE,
            Measure.TASKS_DONE,
            Measure.TIMEBANK_MINUTES,
        ],
    ),
    (
        "unmet",
        "Unmet need",
        [Measure.TASKS_NOT_DONE, Measure.SERVICES_FULL, Measure.REFERRALS_DECLINED],
    ),
    (
        "reach",
        "Reach",
        [Measure.MESSAGES_DELIVERED, Measure.MESSAGES_FAILED, Measure.HAND_REACH],
    ),
    ("reciprocity", "Reciprocity", [Measure.RECIPROCITY]),
]
RECIPROCITY_LABELS = {
    "both": "Gave and received",
    "gave": "Gave only",
    "received": "Received only",
}
# Kept in minutes, published in whole hours.
IN_HOURS = {Measure.TIMEBANK_MINUTES}
BY = {"area": "Neighbourhood", "decile": "IMD decile"}
NOT_KNOWN = "not known"
# A report is rebuilt at the latest after this long even if nothing was refreshed (labels
# of needs and themes may change); a refresh makes a new one at once.
CACHE_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Period:
    """Whole months, ``first`` to ``last`` (each the first of its month)."""

    first: date
    last: date

    @classmethod
    def last_twelve(cls, today: date) -> Period:
        last = today.replace(day=1)
        first = date(last.year - 1, last.month, 1)
        return cls(_next_month(first), last)

    def months(self) -> list[date]:
        months, month = [], self.first
        while month <= self.last:
            months.append(month)
            month = _next_month(month)
        return months


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


@dataclass
class Breakdown:
    """One measure by neighbourhood or decile and by key, with its monthly trend."""

    measure: str
    title: str
    rows: list[str]
    cols: list[str]
    col_labels: dict[str, str]
    table: Published
    trend: Published
    months: list[date]
    residents: dict[str, int | None]
    rates: dict[str, float | str]
    # Row totals and the total appear in both the table and the trend: shown only where
    # both show them, so neither's suppression can be undone by the other.
    row_totals: dict[str, Figure]
    total: Figure
    snapshot: bool = False  # counted as things are now: no months

    @property
    def col_names(self) -> list[str]:
        return [self.col_labels[c] for c in self.cols]

    @property
    def shown_rows(self) -> list[tuple[str, list]]:
        """The table as the page shows it: each row's name, then its total, its rate per
        1,000 ("not known" without a population) and its cells."""
        return [
            (
                _row_name(row, self.by),
                [
                    self.row_totals[row],
                    "not known" if self.rates[row] == "" else self.rates[row],
                    *(self.table.cells[(row, c)] for c in self.cols),
                ],
            )
            for row in self.rows
        ]

    def chart(self) -> Chart:
        """Totals by row: a rate per 1,000 where every row's population is known."""
        per_thousand = all(r is not None for r in self.residents.values()) and self.residents
        values = tuple(
            _number(self.rates[r] if per_thousand else self.row_totals[r]) for r in self.rows
        )
        return Chart(
            title=self.title,
            categories=tuple(self.rows),
            series=(Series(self.title, values),),
            unit="per 1,000 residents" if per_thousand else "",
            description=f"{self.title} in each {BY[self.by].lower()} of the place.",
        )

    def trend_chart(self) -> Chart | None:
        if self.snapshot:
            return None
        return Chart(
            title=f"{self.title} by month",
            categories=tuple(f"{m:%b %Y}" for m in self.months),
            series=(
                Series(
                    "All",
                    tuple(_number(self.trend.col_totals[m.isoformat()]) for m in self.months),
                ),
            ),
            kind="line",
            description=f"{self.title} in the whole place, month by month.",
        )

    by: str = "area"


@dataclass
class Report:
    place: Area
    period: Period
    by: str
    sections: list[tuple[str, str, list[Breakdown]]] = field(default_factory=list)
    refreshed: Refresh | None = None
    editions: list[int] = field(default_factory=list)
    outcomes: Changes | None = None


@dataclass
class Changes:
    """Outcomes: the mean improvement since the start, by neighbourhood or decile."""

    weeks: int
    rows: list[str]
    cols: list[str]
    col_labels: dict[str, str]
    means: disclosure.PublishedMeans
    by: str
    min_cohort: int = disclosure.MIN_COHORT

    @property
    def col_names(self) -> list[str]:
        return [self.col_labels[c] for c in self.cols]

    @property
    def table_rows(self) -> list[dict]:
        return [
            {
                "name": _row_name(row, self.by),
                "cells": [self.means.cells[(row, c)] for c in self.cols],
            }
            for row in self.rows
        ]

    @property
    def everyone(self) -> list[float | str | None]:
        return [self.means.col_means[c] for c in self.cols]

    def chart(self) -> Chart | None:
        """The 3Cs, where they were asked: the change in each by row."""
        three = [c for c in self.cols if c.startswith("3cs:")]
        if not three:
            return None
        return Chart(
            title=f"Change in the 3Cs at {self.weeks} weeks",
            categories=tuple(_row_name(r, self.by) for r in self.rows),
            series=tuple(
                Series(
                    self.col_labels[c],
                    tuple(_mean(self.means.cells[(r, c)]) for r in self.rows),
                )
                for c in three
            ),
            unit="points",
            description="Mean change in control, contact and confidence since the start "
            f"(a rise is better), in each {BY[self.by].lower()} of the place.",
        )


def _row_name(row: str, by: str) -> str:
    return row if by == "area" or row == NOT_KNOWN else f"Decile {row}"


def _mean(figure: float | str | None) -> float | None:
    return figure if isinstance(figure, float) else None


def _number(figure: Figure | float) -> float | None:
    return None if figure == SUPPRESSED else float(figure)


def places() -> list[Area]:
    return list(Area.objects.filter(kind=Area.Kind.PLACE).order_by("name"))


def report(place: Area, period: Period, by: str = "area") -> Report:
    """Every published figure for ``place`` in ``period``, by neighbourhood or IMD decile.

    The figures change only when the roll-ups are refreshed, so a report is kept in the
    cache under the refresh it was made from: the next visitor asking for the same place,
    period and grouping gets it without counting or suppressing again.
    """
    if by not in BY:
        raise ValueError(f"by must be one of {sorted(BY)}")
    refreshed = Refresh.objects.order_by("-finished_at").first()
    key = (
        f"insights:report:{place.pk}:{period.first}:{period.last}:{by}:"
        f"{refreshed.pk if refreshed else 0}"
    )
    found = cache.get(key)
    if found is None:
        found = _report(place, period, by)
        found.refreshed = refreshed
        cache.set(key, found, timeout=CACHE_SECONDS)
    return found


def warm(today: date) -> int:
    """Make the reports most asked for (each place's last twelve months, by neighbourhood
    and by decile) straight after a refresh, so nobody waits for them: returns how many."""
    made = 0
    for place in places():
        for by in BY:
            report(place, Period.last_twelve(today), by)
            made += 1
    return made


def _report(place: Area, period: Period, by: str) -> Report:
    neighbourhoods = list(Area.objects.filter(parent=place).order_by("name"))
    area_ids = Area.objects.with_descendants([place.pk])
    in_period = Q(month__gte=period.first, month__lte=period.last)
    # Added up in the database by neighbourhood or by decile (kept on each roll-up row),
    # so a page reads a few thousand sums however many LSOAs the place has.
    group = "area_id" if by == "area" else "decile"
    counted = MonthlyCount.objects.filter(
        Q(grouping=by, area_id__in=area_ids), in_period | Q(measure__in=SNAPSHOTS)
    )
    # Two sums: by key for the tables, by month for the trends (each far fewer rows than
    # by key and month).
    by_key = list(counted.values_list("measure", group, "key").annotate(total=Sum("n")).order_by())
    by_month_seen = list(
        counted.values_list("measure", group, "month").annotate(total=Sum("n")).order_by()
    )
    changes = list(
        MonthlyChange.objects.filter(Q(grouping=by, area_id__in=area_ids), in_period)
        .values_list("key", group)
        .annotate(people=Sum("n"), added=Sum("total"))
        .order_by()
    )
    lsoas_by_area = places_queries.area_lsoas(neighbourhoods)
    place_lsoas = set().union(*lsoas_by_area.values()) if lsoas_by_area else set()
    facts = places_queries.lsoa_facts(place_lsoas)
    names = {a.pk: a.name for a in neighbourhoods}

    def row_of(grouped: int | None) -> str:
        if by == "area":
            return names.get(grouped or 0, NOT_KNOWN)
        return str(grouped) if grouped else NOT_KNOWN

    if by == "area":
        rows = [a.name for a in neighbourhoods]
        residents = {a.name: _residents(lsoas_by_area[a.pk], facts) for a in neighbourhoods}
    else:
        rows = [str(d) for d in range(1, 11)]
        in_decile: dict[str, set[str]] = defaultdict(set)
        for lsoa in place_lsoas:
            if lsoa in facts and facts[lsoa].decile:
                in_decile[str(facts[lsoa].decile)].add(lsoa)
        residents = {d: _residents(in_decile[d], facts) if in_decile[d] else None for d in rows}
    labels = {**help_queries.count_labels(), **referral_queries.theme_labels(), "": "Not said"}
    own_labels = {
        Measure.VOLUNTEERS_ACTIVE: {"": "Volunteers"},
        Measure.TIMEBANK_MINUTES: {**timebank_reports.category_labels(), "": "Not said"},
        Measure.RECIPROCITY: RECIPROCITY_LABELS,
        Measure.MESSAGES_DELIVERED: dict(Channel.choices),
        Measure.MESSAGES_FAILED: dict(Channel.choices),
        Measure.HAND_REACH: messaging_report.CHANNEL_NAMES,
        Measure.SERVICES: dict(ServiceCategory.choices),
        Measure.SERVICES_FULL: dict(ServiceCategory.choices),
    }
    keyed: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for measure, grouped, key, total in by_key:
        keyed[measure].append((row_of(grouped), key, total))
    monthly: dict[str, list[tuple[str, date, int]]] = defaultdict(list)
    for measure, grouped, month, total in by_month_seen:
        monthly[measure].append((row_of(grouped), month, total))
    result = Report(place=place, period=period, by=by)
    for slug, title, measures in SECTIONS:
        breakdowns = [
            _breakdown(
                m, keyed[m], monthly[m], rows, residents, own_labels.get(m, labels), period, by
            )
            for m in measures
        ]
        result.sections.append((slug, title, breakdowns))
    result.outcomes = _changes(
        [(row_of(grouped), key, people, added) for key, grouped, people, added in changes],
        rows,
        by,
    )
    result.editions = sorted({f.edition for f in facts.values() if f.edition})
    return result


def _changes(found, rows, by) -> Changes:
    cells: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0])
    all_rows, keys = list(rows), set()
    for row, key, people, added in found:
        if row not in all_rows:
            all_rows.append(row)
        cells[(row, key)][0] += people
        cells[(row, key)][1] += added
        keys.add(key)
    labels = outcome_figures.labels()
    order = {key: i for i, key in enumerate(labels)}
    cols = sorted(keys, key=lambda k: (order.get(k, len(order)), k))
    return Changes(
        weeks=outcome_figures.change_weeks(),
        rows=all_rows,
        cols=cols,
        col_labels={k: str(labels.get(k, k)) for k in cols},
        means=disclosure.means({k: (int(v[0]), v[1]) for k, v in cells.items()}, all_rows, cols),
        by=by,
    )


def _residents(lsoas: set[str], facts) -> int | None:
    known = [facts[lsoa].residents for lsoa in lsoas if lsoa in facts]
    if not lsoas or len(known) < len(lsoas) or None in known:
        return None
    return sum(known)


def _breakdown(measure, keyed, monthly, rows, residents, labels, period, by) -> Breakdown:
    cells: dict[tuple[str, str], int] = defaultdict(int)
    by_month: dict[tuple[str, str], int] = defaultdict(int)
    keys: set[str] = set()
    all_rows = list(rows)
    for row, key, total in keyed:
        if row not in all_rows:
            all_rows.append(row)  # "not known": counted, never dropped
        cells[(row, key)] += total
        keys.add(key)
    for row, month, total in monthly:
        by_month[(row, month.isoformat())] += total
    if measure in IN_HOURS:  # whole hours, each added up in minutes first
        cells = defaultdict(int, {k: (v + 30) // 60 for k, v in cells.items()})
        by_month = defaultdict(int, {k: (v + 30) // 60 for k, v in by_month.items()})
    snapshot = measure in SNAPSHOTS
    cols = sorted(keys, key=lambda k: labels.get(k, k))
    months = period.months()
    if snapshot:
        months = []
    table = disclosure.table(cells, all_rows, cols)
    trend = disclosure.table(by_month, all_rows, [m.isoformat() for m in months])
    if snapshot:  # no trend published beside it
        row_totals, total = dict(table.row_totals), table.total
    else:
        row_totals = {r: _agreed(table.row_totals[r], trend.row_totals[r]) for r in all_rows}
        total = _agreed(table.total, trend.total)
    rates: dict[str, float | str] = {}
    for row in all_rows:
        shown, people = row_totals[row], residents.get(row)
        if people is None or people == 0:
            rates[row] = ""
        elif shown == SUPPRESSED:
            rates[row] = SUPPRESSED
        else:
            rates[row] = round(1000 * int(shown) / people, 1)
    return Breakdown(
        measure=str(measure),
        title=Measure(measure).label,
        rows=all_rows,
        cols=cols,
        col_labels={k: str(labels.get(k, k)) for k in cols},
        table=table,
        trend=trend,
        months=months,
        residents={r: residents.get(r) for r in all_rows},
        rates=rates,
        row_totals=row_totals,
        total=total,
        snapshot=snapshot,
        by=by,
    )


def _agreed(one: Figure, other: Figure) -> Figure:
    return one if one == other else SUPPRESSED
