"""What an award paid for, beside the money: for each service it funds, the referrals it
received over the award's period, how many got as far as taking part and the change in
the 3Cs of the people it saw (outcomes' cohort at eight weeks), and the help the funded
group gave. Figures about people, so every one passes through insights'
disclosure control (1 to 7 hidden, the rest rounded to 5) before a page shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Count, Q
from django.utils import timezone

from keepwell.funding.models import Award
from keepwell.help.models import Task, TaskState
from keepwell.insights import disclosure
from keepwell.outcomes import services as outcomes
from keepwell.referrals.models import Referral, Status

# A referral that reached these got to the service and took part.
TOOK_PART = (Status.ENGAGED, Status.COMPLETED)


@dataclass(frozen=True)
class ServiceFigures:
    name: str
    referrals: int | str
    took_part: int | str
    # The 3Cs (control, contact, confidence): mean change eight weeks after starting, one
    # (label, change) each, "*" under the minimum cohort.
    change: tuple[tuple[str, float | str], ...] = ()


@dataclass(frozen=True)
class AwardFigures:
    services: list[ServiceFigures]
    help_done: int | str
    change_weeks: int  # the timepoint the change is measured at
    min_cohort: int  # fewer people than this: the mean is held back


def _span(award: Award) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(award.starts_on, time.min))
    end = timezone.make_aware(datetime.combine(award.ends_on, time.max))
    return start, end


CHANGE_WEEKS = 8


def _change_by_service(service_ids: set[int]) -> dict[int, list[tuple[str, float | str]]]:
    """Outcomes' cohort change in the 3Cs at eight weeks, for these services: a mean over
    fewer than insights' minimum cohort is shown as "*"."""
    if not service_ids:
        return {}
    found: dict[int, list[tuple[str, float | str]]] = {}
    for row in outcomes.cohort(CHANGE_WEEKS, "service", ["3cs"]):
        if row.group_id not in service_ids:
            continue
        shown: float | str = disclosure.SUPPRESSED
        if not row.suppressed and row.n >= disclosure.MIN_COHORT and row.mean_change is not None:
            shown = round(row.mean_change, 1)
        found.setdefault(row.group_id, []).append((row.label, shown))
    return found


def award_figures(award: Award) -> AwardFigures:
    start, end = _span(award)
    services = list(award.services.order_by("name"))
    counted = {
        row["service_id"]: row
        for row in Referral.objects.filter(
            service__in=services, created_at__gte=start, created_at__lte=end
        )
        .values("service_id")
        .annotate(n=Count("pk"), took_part=Count("pk", filter=Q(status__in=TOOK_PART)))
    }
    change = _change_by_service({s.pk for s in services})
    rows = [
        ServiceFigures(
            name=service.name,
            referrals=disclosure.count(counted.get(service.pk, {}).get("n", 0)),
            took_part=disclosure.count(counted.get(service.pk, {}).get("took_part", 0)),
            change=tuple(change.get(service.pk, ())),
        )
        for service in services
    ]
    done = Task.objects.filter(
        state=TaskState.DONE,
        request__organisation_id=award.application.organisation_id,
        finished_at__gte=start,
        finished_at__lte=end,
    ).count()
    return AwardFigures(
        services=rows,
        help_done=disclosure.count(done),
        change_weeks=CHANGE_WEEKS,
        min_cohort=disclosure.MIN_COHORT,
    )
