"""Insights' only writer: the monthly roll-ups, rebuilt from the other rooms' counts.

Counting a million help requests on every page view is too slow, so each measure is
counted into :class:`MonthlyCount` rows by month, LSOA, area and key, and pages add those
up. :func:`refresh` recounts from the start of last month (so late changes, a task
finished or a referral declined today about last month's request, are caught) in one
transaction: readers see the old counts or the new, never half. The periodic task runs it
every quarter of an hour; ``refresh(everything=True)`` rebuilds every month (the demo), as
does the first refresh and any after the deciles held have changed. Each figure is kept by
neighbourhood and by decile within its place (never by LSOA), so a page adds up a few
thousand rows however many LSOAs the place has. Each page says when its figures were
last refreshed.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, datetime

from django.db import transaction
from django.db.models.functions import TruncMonth
from django.utils import timezone

from keepwell.directory import services as directory_services
from keepwell.help import queries as help_queries
from keepwell.insights.models import (
    SNAPSHOTS,
    Grouping,
    Measure,
    MonthlyChange,
    MonthlyCount,
    Refresh,
)
from keepwell.messaging import report as messaging_report
from keepwell.outcomes import figures as outcome_figures
from keepwell.places import queries as places_queries
from keepwell.places import services as places_services
from keepwell.referrals.models import Referral, Status
from keepwell.timebank.services import reports as timebank_reports

Row = tuple[date, str, str, int | None, int]  # month, key, postcode, area id, n
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.get_fixed_timezone(0))


def _month(value) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def _referral_rows(since: datetime) -> dict[str, list[Row]]:
    """Referrals by theme (a referral about two themes counts under each), and declines."""
    made: dict[tuple, int] = defaultdict(int)
    declined: dict[tuple, int] = defaultdict(int)
    referrals = (
        Referral.objects.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values_list("month", "themes", "person__postcode", "person__area_id", "status")
        .order_by()
    )
    for month, themes, postcode, area_id, status in referrals.iterator(chunk_size=5000):
        for theme in themes or [""]:
            made[(month, theme, postcode, area_id)] += 1
            if status == Status.DECLINED:
                declined[(month, theme, postcode, area_id)] += 1
    return {
        Measure.REFERRALS: [(*k, n) for k, n in made.items()],
        Measure.REFERRALS_DECLINED: [(*k, n) for k, n in declined.items()],
    }


def _all_rows(since: datetime) -> dict[str, list[Row]]:
    found: dict[str, list[Row]] = dict(help_queries.monthly_counts(since))
    found.update(_referral_rows(since))
    found.update(timebank_reports.monthly_counts(since))
    found.update(messaging_report.monthly_counts(since))
    found[Measure.RECIPROCITY] = _reciprocity_rows(since)
    return found


def _reciprocity_rows(since: datetime) -> list[Row]:
    """Each person once a month by whether they both gave and received help that month
    ("both"), only gave or only received: as a time bank member, as a volunteer who
    finished a task, or as someone a task helped. One person is one person across both:
    a volunteer by their own person record where they have one. Placed where they were
    first seen giving or receiving (their record's postcode, or the volunteer's home)."""
    seen: dict[tuple, list] = {}
    for month, who, postcode, area_id, gave, received in [
        *help_queries.monthly_giving(since),
        *timebank_reports.monthly_members(since),
    ]:
        entry = seen.setdefault((_month(month), who), [postcode, area_id, False, False])
        if not entry[0] and not entry[1]:
            entry[0], entry[1] = postcode, area_id
        entry[2] = entry[2] or gave
        entry[3] = entry[3] or received
    counted: dict[tuple, int] = defaultdict(int)
    for (month, _who), (postcode, area_id, gave, received) in seen.items():
        key = "both" if gave and received else "gave" if gave else "received"
        counted[(month, key, postcode, area_id)] += 1
    return [(*k, n) for k, n in counted.items()]


def _snapshot_rows(this_month: date) -> dict[str, list[Row]]:
    return {
        measure: [(this_month, key, postcode, area_id, n) for key, postcode, area_id, n in rows]
        for measure, rows in directory_services.service_counts().items()
    }


@transaction.atomic
def refresh(*, everything: bool = False, now: datetime | None = None) -> Refresh:
    """Recount every measure from the start of last month (or from the beginning), and
    the snapshots (services now) whole."""
    started = time.perf_counter()
    now = now or timezone.now()
    this_month = _month(now)
    stamp = places_queries.deciles_stamp()
    last = Refresh.objects.order_by("-finished_at", "-pk").first()
    if last is None or last.deciles_stamp != stamp:
        everything = True  # deciles changed (or never counted): every row's decile may too
    first_month = (
        None
        if everything
        else date(this_month.year - (this_month.month == 1), (this_month.month - 2) % 12 + 1, 1)
    )
    since = (
        EARLIEST
        if first_month is None
        else timezone.make_aware(datetime.combine(first_month, datetime.min.time()))
    )
    found = _all_rows(since)
    found.update(_snapshot_rows(this_month))
    changes = outcome_figures.monthly_changes(since)
    postcodes = {postcode for rows in found.values() for _, _, postcode, _, _ in rows}
    postcodes |= {row[2] for row in changes}
    lsoa_of = places_queries.lsoas_of(postcodes)
    facts = places_queries.lsoa_facts(set(lsoa_of.values()))
    decile_of = {lsoa: f.decile for lsoa, f in facts.items()}
    # Rows a room could not place in an area (a time bank member has only a postcode) are
    # placed by their postcode, as a person's own record would be.
    area_of = places_services.areas_of(
        {pc for rows in found.values() for _, _, pc, area, _ in rows if area is None and pc}
        | {row[2] for row in changes if row[3] is None and row[2]}
    )
    place_of = places_queries.places_of_areas()

    def groups(postcode: str, area_id: int | None) -> list[tuple[str, int | None, int | None]]:
        """Where a row counts: its neighbourhood, and its decile within its place (a row
        placed in no area is in no place's figures)."""
        area_id = area_id if area_id is not None else area_of.get(postcode)
        if area_id is None:
            return []
        decile = decile_of.get(lsoa_of.get(postcode, ""))
        return [(Grouping.AREA, area_id, None), (Grouping.DECILE, place_of.get(area_id), decile)]

    totals: dict[tuple, int] = defaultdict(int)
    for measure, rows in found.items():
        for month, key, postcode, area_id, n in rows:
            for grouping, where, decile in groups(postcode or "", area_id):
                totals[(measure, _month(month), key or "", grouping, where, decile)] += n
    change_totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for month, key, postcode, area_id, n, change in changes:
        for grouping, where, decile in groups(postcode or "", area_id):
            added = change_totals[(_month(month), key, grouping, where, decile)]
            added[0] += n
            added[1] += change
    stale = MonthlyCount.objects.exclude(measure__in=SNAPSHOTS)
    stale_changes = MonthlyChange.objects.all()
    if first_month is not None:
        stale = stale.filter(month__gte=first_month)
        stale_changes = stale_changes.filter(month__gte=first_month)
    stale.delete()
    stale_changes.delete()
    MonthlyCount.objects.filter(measure__in=SNAPSHOTS).delete()
    MonthlyCount.objects.bulk_create(
        (
            MonthlyCount(
                measure=measure,
                month=month,
                key=key,
                grouping=grouping,
                area_id=area_id,
                decile=decile,
                n=n,
            )
            for (measure, month, key, grouping, area_id, decile), n in totals.items()
        ),
        batch_size=5000,
    )
    MonthlyChange.objects.bulk_create(
        (
            MonthlyChange(
                month=month,
                key=key,
                grouping=grouping,
                area_id=area_id,
                decile=decile,
                n=n,
                total=total,
            )
            for (month, key, grouping, area_id, decile), (n, total) in change_totals.items()
        ),
        batch_size=5000,
    )
    return Refresh.objects.create(
        first_month=first_month,
        seconds=time.perf_counter() - started,
        rows=len(totals) + len(change_totals),
        deciles_stamp=stamp,
    )
