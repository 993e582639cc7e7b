"""Insights' only writer: the monthly roll-ups, rebuilt from the other rooms' counts.

Counting a million help requests on every page view is too slow, so each measure is
counted into :class:`MonthlyCount` rows by month, LSOA, area and key, and pages add those
up. :func:`refresh` recounts from the start of last month (so late changes, a task
finished or a referral declined today about last month's request, are caught) in one
transaction: readers see the old counts or the new, never half. The periodic task runs it
every quarter of an hour; ``refresh(everything=True)`` rebuilds every month (the demo, a
first install). Each page says when its figures were last refreshed.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, datetime

from django.db import transaction
from django.db.models.functions import TruncMonth
from django.utils import timezone

from keepwell.help import queries as help_queries
from keepwell.insights.models import Measure, MonthlyCount, Refresh
from keepwell.places import queries as places_queries
from keepwell.referrals.models import Referral, Status

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
    return found


@transaction.atomic
def refresh(*, everything: bool = False, now: datetime | None = None) -> Refresh:
    """Recount every measure from the start of last month (or from the beginning)."""
    started = time.perf_counter()
    now = now or timezone.now()
    this_month = _month(now)
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
    lsoa_of = places_queries.lsoas_of(
        postcode for rows in found.values() for _, _, postcode, _, _ in rows
    )
    totals: dict[tuple, int] = defaultdict(int)
    for measure, rows in found.items():
        for month, key, postcode, area_id, n in rows:
            totals[
                (measure, _month(month), key or "", lsoa_of.get(postcode or "", ""), area_id)
            ] += n
    stale = MonthlyCount.objects.all()
    if first_month is not None:
        stale = stale.filter(month__gte=first_month)
    stale.delete()
    MonthlyCount.objects.bulk_create(
        (
            MonthlyCount(measure=measure, month=month, key=key, lsoa=lsoa, area_id=area_id, n=n)
            for (measure, month, key, lsoa, area_id), n in totals.items()
        ),
        batch_size=5000,
    )
    return Refresh.objects.create(
        first_month=first_month, seconds=time.perf_counter() - started, rows=len(totals)
    )
