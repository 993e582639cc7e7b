"""What matching keeps: each run of the engine with its proposals, and delivery rounds.

A :class:`MatchRun` is one press of "suggest matches" (or one scheduled run) for a group,
in one area or all of them. It holds a :class:`Proposal` per waiting task: the volunteer
the engine suggests, with the distance, or why nobody could be suggested. Accepting a
proposal offers the task through mutual aid's services, which check the hard rules again.

A :class:`DeliveryRound` is a day's deliveries shared between drivers: one
:class:`RoundDriver` per driver and one :class:`RoundStop` per delivery, in the order the
driver makes them, or unrouted with the reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from keepwell.matching.engine import UnmatchedReason
from keepwell.matching.routing import UnroutedReason


class RunTrigger(models.TextChoices):
    BUTTON = "button", "Suggested on request"
    SCHEDULE = "schedule", "Scheduled"


class MatchRun(models.Model):
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="match_runs"
    )
    # None: every area of the group (coordinators only).
    area = models.ForeignKey(
        "places.Area", on_delete=models.CASCADE, null=True, blank=True, related_name="match_runs"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    trigger = models.CharField(max_length=20, choices=RunTrigger.choices, default=RunTrigger.BUTTON)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    weights = models.JSONField(default=dict)
    method = models.CharField(max_length=40)
    requests = models.PositiveIntegerField(default=0)
    volunteers = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    unlocated = models.PositiveIntegerField(default=0)  # requests whose postcode has no location
    total_km = models.FloatField(default=0.0)
    seconds = models.FloatField(default=0.0)
    # The engine proved the suggestions optimal against every volunteer who could take each
    # task, after this many solves, bringing back this many pairs its shortlists had left out.
    certified = models.BooleanField(default=False)
    rounds = models.PositiveIntegerField(default=0)
    arcs_added = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Matches for {self.organisation} in {self.area or 'every area'}"

    @property
    def scope_label(self) -> str:
        return self.area.name if self.area_id else "every area"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Suggested"
    OFFERED = "offered", "Offered"
    REFUSED = "refused", "Could not be offered"
    UNMATCHED = "unmatched", "Nobody suitable"
    SUPERSEDED = "superseded", "Replaced by a newer suggestion"


REASON_CHOICES = [(r.value, r.text) for r in UnmatchedReason]


class Proposal(models.Model):
    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="proposals")
    task = models.ForeignKey("help.Task", on_delete=models.CASCADE, related_name="proposals")
    volunteer = models.ForeignKey(
        "help.Volunteer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="proposals",
    )
    distance_km = models.FloatField(null=True, blank=True)
    continuity = models.BooleanField(default=False)  # the volunteer who helped last time
    why = models.CharField(max_length=300, blank=True)  # why the suggestion is sound, in words
    reason = models.CharField(max_length=40, choices=REASON_CHOICES, blank=True)
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    note = models.CharField(max_length=500, blank=True)  # why an offer was refused
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "task"], name="proposal_once_per_task"),
            models.CheckConstraint(
                condition=models.Q(volunteer__isnull=False) | ~models.Q(reason=""),
                name="proposal_volunteer_or_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Proposal {self.pk} ({self.get_status_display()})"

    @property
    def reason_text(self) -> str:
        if self.volunteer_id is None and self.note:
            return self.note  # the product's own truer reason (see services._only_themself)
        return UnmatchedReason(self.reason).text if self.reason else ""


class DeliveryRound(models.Model):
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="delivery_rounds"
    )
    area = models.ForeignKey(
        "places.Area",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="delivery_rounds",
    )
    day = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=40, blank=True)  # the routing search's status
    total_km = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-day", "-pk"]

    def __str__(self) -> str:
        return f"Delivery round on {self.day:%d %B %Y}"


class RoundDriver(models.Model):
    round = models.ForeignKey(DeliveryRound, on_delete=models.CASCADE, related_name="drivers")
    volunteer = models.ForeignKey("help.Volunteer", on_delete=models.PROTECT, related_name="+")
    start_postcode = models.CharField(max_length=8)
    capacity = models.PositiveSmallIntegerField()
    shift_start = models.TimeField()
    shift_end = models.TimeField()
    return_to_start = models.BooleanField(default=False)
    distance_km = models.FloatField(default=0.0)
    load = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.volunteer} from {self.start_postcode}"


class RoundStop(models.Model):
    round = models.ForeignKey(DeliveryRound, on_delete=models.CASCADE, related_name="stops")
    task = models.ForeignKey("help.Task", on_delete=models.CASCADE, related_name="round_stops")
    # None: could not be fitted into any driver's round (see reason).
    driver = models.ForeignKey(
        RoundDriver, on_delete=models.CASCADE, null=True, blank=True, related_name="stops"
    )
    position = models.PositiveSmallIntegerField(default=0)
    arrival = models.TimeField(null=True, blank=True)
    km_from_previous = models.FloatField(default=0.0)
    reason = models.CharField(
        max_length=40, choices=[(r.value, r.text) for r in UnroutedReason], blank=True
    )
    # Once the round is confirmed: when the delivery was offered to its driver, or why
    # mutual aid refused to (a check expired, someone else took it).
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_refused = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["driver_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "task"], name="round_stop_once_per_task"),
        ]

    def __str__(self) -> str:
        return f"Stop {self.position} of {self.driver or 'no round'}"

    @property
    def reason_text(self) -> str:
        return UnroutedReason(self.reason).text if self.reason else ""
