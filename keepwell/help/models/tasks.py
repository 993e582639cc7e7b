"""Tasks: one occurrence of a request, the offers made for it, and its history."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from keepwell.help.models.requests import HelpRequest
from keepwell.help.models.volunteers import Volunteer


class TaskState(models.TextChoices):
    OPEN = "open", "Open"
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DONE = "done", "Done"
    COULD_NOT_COMPLETE = "could_not_complete", "Could not complete"
    CANCELLED = "cancelled", "Cancelled"


HELD_STATES = (TaskState.ACCEPTED, TaskState.DONE, TaskState.COULD_NOT_COMPLETE)
WAITING_STATES = (TaskState.OPEN, TaskState.OFFERED)
FINISHED_STATES = (TaskState.DONE, TaskState.COULD_NOT_COMPLETE, TaskState.CANCELLED)


class TaskQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(state__in=WAITING_STATES)

    def for_volunteer_page(self, volunteer, at: datetime):
        """What a volunteer sees: pending offers, tasks held, and those finished in a day."""
        pending = Q(
            offers__volunteer=volunteer,
            offers__status=OfferStatus.PENDING,
            state=TaskState.OFFERED,
        )
        held = Q(volunteer=volunteer, state=TaskState.ACCEPTED)
        recent = Q(
            volunteer=volunteer,
            state__in=[TaskState.DONE, TaskState.COULD_NOT_COMPLETE],
            finished_at__gt=at - CONTACT_VISIBLE_AFTER_DONE,
        )
        return self.filter(pending | held | recent).distinct()

    def in_due_order(self):
        """Soonest due first, any-time tasks after those with a time, finished ones last."""
        finished = models.Case(
            models.When(state__in=FINISHED_STATES, then=1),
            default=0,
            output_field=models.IntegerField(),
        )
        return self.order_by(finished, models.F("due_start").asc(nulls_last=True), "pk")


# A volunteer sees the address and phone for this long after finishing, e.g. to return change.
CONTACT_VISIBLE_AFTER_DONE = timedelta(days=1)


class Task(models.Model):
    """One occurrence of a request: one visit, one call, one delivery. One volunteer at most."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="tasks")
    sequence = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=20, choices=TaskState.choices, default=TaskState.OPEN)
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    due_start = models.DateTimeField(null=True, blank=True)
    due_end = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    offered_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the task counts against a volunteer's week: when it is due, else when accepted.
    load_at = models.DateTimeField(null=True, blank=True)
    outcome_notes = models.TextField(blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_start", "sequence", "pk"]
        indexes = [
            models.Index(fields=["state", "request"], name="task_state_request"),
            models.Index(fields=["volunteer", "state", "load_at"], name="task_volunteer_load"),
            models.Index(fields=["volunteer", "accepted_at"], name="task_volunteer_accepted"),
            # The dashboard's "at their weekly limit" and "no task lately" read these ranges
            # for every volunteer at once.
            models.Index(fields=["state", "load_at", "volunteer"], name="task_state_load"),
            models.Index(fields=["accepted_at", "volunteer"], name="task_accepted"),
        ]
        constraints = [
            # A held task has exactly one volunteer; a waiting or cancelled one has none.
            models.CheckConstraint(
                condition=(
                    Q(state__in=HELD_STATES, volunteer__isnull=False)
                    | (~Q(state__in=HELD_STATES) & Q(volunteer__isnull=True))
                ),
                name="task_volunteer_iff_held",
            ),
            models.UniqueConstraint(fields=["request", "sequence"], name="task_sequence_once"),
        ]

    def __str__(self) -> str:
        return f"Task {self.pk} ({self.get_state_display()})"

    @property
    def is_waiting(self) -> bool:
        return self.state in WAITING_STATES

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_STATES

    @property
    def duration(self) -> timedelta | None:
        """How long the task is given: its time window, when it has both ends."""
        if self.due_start is None or self.due_end is None:
            return None
        return self.due_end - self.due_start

    @property
    def duration_text(self) -> str:
        """The time window in words ("2 hours", "1 hour 30 minutes"); "" when it has none."""
        if self.duration is None:
            return ""
        hours, minutes = divmod(int(self.duration.total_seconds() // 60), 60)
        parts = []
        if hours:
            parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
        if minutes or not hours:
            parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
        return " ".join(parts)

    def contact_visible(self, volunteer, at: datetime) -> bool:
        """May this volunteer see the person's address and phone now?"""
        if volunteer is None or self.volunteer_id != volunteer.pk:
            return False
        if self.state == TaskState.ACCEPTED:
            return True
        return (
            self.state in (TaskState.DONE, TaskState.COULD_NOT_COMPLETE)
            and self.finished_at is not None
            and self.finished_at > at - CONTACT_VISIBLE_AFTER_DONE
        )


class OfferStatus(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class TaskOffer(models.Model):
    """A task offered to one volunteer. A task may be offered to several; the first to
    accept holds it and the other offers are withdrawn."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="offers")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(
        max_length=20, choices=OfferStatus.choices, default=OfferStatus.PENDING
    )
    offered_at = models.DateTimeField(default=timezone.now)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["offered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["task", "volunteer"], name="offer_once"),
            # Belt and braces with the task's own state: one accepted offer per task.
            models.UniqueConstraint(
                fields=["task"], condition=Q(status="accepted"), name="offer_one_accepted"
            ),
        ]
        indexes = [models.Index(fields=["volunteer", "status"], name="offer_volunteer_status")]

    def __str__(self) -> str:
        return f"{self.task} offered to {self.volunteer} ({self.status})"


class TaskEvent(models.Model):
    """The task's history: every step, when, by whom."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.task}: {self.from_state} -> {self.to_state}"
