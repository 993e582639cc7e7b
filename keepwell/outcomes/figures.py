"""Outcomes' tallies for insights: change since the start, by month and where people live.

Nothing here names a person. Each row adds up the people answered at a follow-up (and at
the start) in one month, one postcode and area, for one question or total: how many, the
sum of their change. Insights turns these into means over at least
its minimum cohort; the direction of each question is respected (for anxiety and
loneliness a lower answer is the better one, and "change" is then counted as the fall).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, Count, F, IntegerField, Sum, When
from django.db.models.functions import TruncMonth

from keepwell.outcomes.models import Answer, Measure, Question, Response, Scoring
from keepwell.outcomes.services import followup_weeks


def change_weeks() -> int:
    """The follow-up the change is measured at: the first one (8 weeks by default)."""
    return followup_weeks()[0]


def _better(value: str, baseline: str):
    """The improvement: value - baseline, or baseline - value where lower is better."""
    return Case(
        When(lower_is_better=True, then=F(baseline) - F(value)),
        default=F(value) - F(baseline),
        output_field=IntegerField(),
    )


def _grouped(answered, when: str, value: str, baseline: str, *fields: str):
    """``answered`` grouped by month and ``fields``: how many, and their summed
    improvement."""
    return (
        answered.annotate(month=TruncMonth(when), better=_better(value, baseline))
        .values_list("month", *fields)
        .annotate(n=Count("id"), change=Sum("better"))
        .order_by()
    )


def monthly_changes(since: datetime) -> list[tuple]:
    """``(month, key, postcode, area_id, n, improvement_sum)`` per group, where
    ``key`` is ``"<measure>:<item>"`` (``"<measure>:total"`` for summed measures)."""
    weeks = change_weeks()
    items = Answer.objects.filter(
        measure__scoring=Scoring.ITEMS,
        weeks=weeks,
        baseline__isnull=False,
        response__answered_at__gte=since,
    )
    totals = Response.objects.filter(
        measure__scoring=Scoring.SUM,
        weeks=weeks,
        baseline_total__isnull=False,
        answered_at__gte=since,
    ).annotate(lower_is_better=F("measure__total_lower_is_better"))
    found: list[tuple] = []
    for month, code, item, postcode, area_id, n, change in _grouped(
        items,
        "response__answered_at",
        "value",
        "baseline",
        "measure__code",
        "item",
        "plan__person__postcode",
        "area_id",
    ):
        found.append((month, f"{code}:{item}", postcode or "", area_id, n, change or 0))
    for month, code, postcode, area_id, n, change in _grouped(
        totals,
        "answered_at",
        "total",
        "baseline_total",
        "measure__code",
        "plan__person__postcode",
        "area_id",
    ):
        found.append((month, f"{code}:total", postcode or "", area_id, n, change or 0))
    return found


# Short names for table headings; a measure added later is called by its own name.
SHORT_NAMES = {"3cs": "3Cs", "ons4": "Wellbeing (ONS4)", "ucla3": "Loneliness (UCLA-3)"}


def labels() -> dict[str, str]:
    """What each key is called, in the measures' order: "3Cs: Control", ...,
    "Loneliness (UCLA-3): total score"."""
    found: dict[str, str] = {}
    measures = list(Measure.objects.order_by("order", "code"))
    questions = Question.objects.current().order_by("measure__order", "order")
    for measure in measures:
        name = SHORT_NAMES.get(measure.code, measure.name)
        for q in questions:
            if q.measure_id == measure.pk:
                found[f"{measure.code}:{q.item}"] = f"{name}: {q.label}"
        found[f"{measure.code}:total"] = f"{name}: total score"
    return found
