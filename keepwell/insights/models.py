"""Insights' own tables: monthly roll-ups of other rooms' counts, and when they were made.

Nothing here names a person: a row is how many of one measure fell in one month, in one
neighbourhood (or one IMD decile of a place), for one key (a kind of need, a theme), or how
much the people answered at a follow-up that month changed. Pages and exports add these up
and pass every figure through :mod:`keepwell.insights.disclosure` before showing it.
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
    VOLUNTEERS_ACTIVE = "volunteers_active", "Volunteers who helped (each once a month)"
    TIMEBANK_MINUTES = "timebank_minutes", "Time bank hours given"
    SERVICES = "services", "Services now"
    SERVICES_FULL = "services_full", "Services not taking new people now"
    MESSAGES_DELIVERED = "messages_delivered", "Messages that reached people"
    MESSAGES_FAILED = "messages_failed", "Messages that reached no one"
    HAND_REACH = "hand_reach", "People reached by leaflets, posts and visits (logged by hand)"
    RECIPROCITY = "reciprocity", "People who gave and received help (each once a month)"


# Counted as they are now, not by month: kept under the month they were counted in, and
# replaced whole at every refresh.
SNAPSHOTS = (Measure.SERVICES, Measure.SERVICES_FULL)


class Grouping(models.TextChoices):
    """Each figure is kept twice: by neighbourhood, and by IMD decile within its place, so a
    page adds up a few rows per neighbourhood or decile, never one per LSOA."""

    AREA = "area", "By neighbourhood"
    DECILE = "decile", "By IMD decile"


class MonthlyCount(models.Model):
    month = models.DateField()  # the first of the month
    measure = models.CharField(max_length=40, choices=Measure.choices)
    key = models.CharField(max_length=60, blank=True)
    grouping = models.CharField(max_length=6, choices=Grouping.choices, default=Grouping.AREA)
    # By neighbourhood: the neighbourhood. By decile: the place, and the decile of the LSOA
    # where it happened (places' newest edition when counted; a refresh counts everything
    # again when the deciles held change). None: not known.
    area = models.ForeignKey(
        "places.Area", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    decile = models.PositiveSmallIntegerField(null=True, blank=True)
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["grouping", "month"], name="insight_grouping_month"),
            models.Index(fields=["measure", "month"], name="insight_measure_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.measure} {self.key}: {self.n}"


class MonthlyChange(models.Model):
    """Outcomes' change since the start, for the people answered at a follow-up in a month.

    Means are worked out on the page from ``total`` / ``n`` and shown only over at least
    the minimum cohort; ``total`` is the sum of each person's improvement (the fall, for a
    question where lower is better), so it may be below zero.
    """

    month = models.DateField()
    key = models.CharField(max_length=60)  # "3cs:control", "ucla3:total"
    grouping = models.CharField(max_length=6, choices=Grouping.choices, default=Grouping.AREA)
    area = models.ForeignKey(  # as for MonthlyCount
        "places.Area", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    decile = models.PositiveSmallIntegerField(null=True, blank=True)
    n = models.PositiveIntegerField()
    total = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["month"], name="insight_change_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.key}: {self.total}/{self.n}"


class Refresh(models.Model):
    """One refresh of the roll-ups: from which month, when it finished and how long it took."""

    first_month = models.DateField(null=True, blank=True)  # None: everything was rebuilt
    finished_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField()
    rows = models.PositiveIntegerField()
    # What places' deciles were when counted: a different one means count everything again.
    deciles_stamp = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-finished_at"]
        get_latest_by = "finished_at"

    def __str__(self) -> str:
        return f"refreshed {self.finished_at:%Y-%m-%d %H:%M} ({self.rows} rows)"
