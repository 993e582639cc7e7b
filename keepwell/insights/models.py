"""Insights' own tables: monthly roll-ups of other rooms' counts, and when they were made.

Nothing here names a person: a row is how many of one measure fell in one month, in one
LSOA and area, for one key (a kind of need, a theme). Pages and exports add these up and
pass every figure through :mod:`keepwell.insights.disclosure` before showing it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Measure(models.TextChoices):
    HELP_REQUESTS = "help_requests", "Help requests"
    REFERRALS = "referrals", "Referrals"
    CONCERNS = "concerns", "Doorstep concerns"
    TASKS_DONE = "tasks_done", "Help given by volunteers"
    TASKS_NOT_DONE = "tasks_not_done", "Help a volunteer could not give"
    REFERRALS_DECLINED = "referrals_declined", "Referrals declined"


class MonthlyCount(models.Model):
    month = models.DateField()  # the first of the month
    measure = models.CharField(max_length=40, choices=Measure.choices)
    key = models.CharField(max_length=60, blank=True)
    lsoa = models.CharField(max_length=9, blank=True)
    area = models.ForeignKey(
        "places.Area", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["measure", "month"], name="insight_measure_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.measure} {self.key}: {self.n}"


class Refresh(models.Model):
    """One refresh of the roll-ups: from which month, when it finished and how long it took."""

    first_month = models.DateField(null=True, blank=True)  # None: everything was rebuilt
    finished_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField()
    rows = models.PositiveIntegerField()

    class Meta:
        ordering = ["-finished_at"]
        get_latest_by = "finished_at"

    def __str__(self) -> str:
        return f"refreshed {self.finished_at:%Y-%m-%d %H:%M} ({self.rows} rows)"
