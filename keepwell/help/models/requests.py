"""Help requests: someone needs a kind of help, once or on a schedule."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from keepwell.help.models.needs import NeedType
from keepwell.help.models.volunteers import Volunteer


class Urgency(models.IntegerChoices):
    ROUTINE = 1, "Routine"
    SOON = 2, "Within a day"
    URGENT = 3, "Urgent (today)"


class Source(models.TextChoices):
    HELPLINE = "helpline", "Helpline call"
    WEB = "web", "Web form"
    NHS_LIST = "nhs_list", "NHS list"
    SMS = "sms", "Text message"
    REFERRAL = "referral", "Referral"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"
    MERGED = "merged", "Merged into another request"


class HelpRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Requests of the groups a user coordinates, and of the areas they lead."""
        from keepwell.accounts.models import Role

        if not user.is_authenticated:
            return self.none()
        if user.is_platform_admin:
            return self
        q = Q(pk__in=[])
        org_ids = user.organisation_ids(Role.COORDINATOR)
        if org_ids:
            q |= Q(organisation_id__in=org_ids)
        area_ids = user.led_area_ids()
        if area_ids:
            q |= Q(area_id__in=area_ids)
        return self.filter(q)

    def open(self):
        return self.filter(status=RequestStatus.OPEN)

    def for_same_need(self, person_id: int, need_type_id: int):
        return self.open().filter(person_id=person_id, need_type_id=need_type_id)


class HelpRequest(models.Model):
    """Someone needs a kind of help, once or on a schedule."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="help_requests"
    )
    household = models.ForeignKey(
        "people.Household", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="help_requests"
    )
    area = models.ForeignKey(
        "places.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    need_type = models.ForeignKey(NeedType, on_delete=models.PROTECT, related_name="requests")
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.ROUTINE)
    language = models.ForeignKey(
        "people.Language",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The volunteer must speak it",
    )
    notes = models.TextField(blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.HELPLINE)
    # A relative or neighbour asking for them.
    requested_by = models.CharField(max_length=200, blank=True)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    # Recurring needs: so many times a week for so many weeks (1 x 1 for a one-off).
    times_per_week = models.PositiveSmallIntegerField(default=1)
    weeks = models.PositiveSmallIntegerField(default=1)
    preferred_volunteer = models.ForeignKey(
        Volunteer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default="open")
    # Set when a coordinator recorded it despite an open request for the same need.
    possible_duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    nhs_list = models.ForeignKey(
        "NhsList", on_delete=models.SET_NULL, null=True, blank=True, related_name="requests"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = HelpRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-urgency", "created_at"]
        indexes = [
            models.Index(fields=["status", "area", "urgency"], name="request_queue"),
            models.Index(fields=["person", "need_type", "status"], name="request_same_need"),
            models.Index(fields=["organisation", "status"], name="request_org_status"),
            # Covers the dashboard's open requests by area and urgency with their age.
            models.Index(
                fields=["status", "organisation", "area", "urgency", "created_at"],
                name="request_open_by_area",
            ),
            # The dashboard counts the waiting tasks of the few kinds of help nobody can give
            # from these requests, rather than joining every waiting task to its request.
            models.Index(
                fields=["status", "need_type", "organisation"], name="request_open_by_need"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(times_per_week__gte=1, times_per_week__lte=7, weeks__gte=1),
                name="request_recurrence_sane",
            ),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(window_end__isnull=True)
                | Q(window_start__lt=models.F("window_end")),
                name="request_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.need_type} for {self.person}"

    @property
    def is_recurring(self) -> bool:
        return self.times_per_week * self.weeks > 1

    @property
    def occurrences(self) -> int:
        return self.times_per_week * self.weeks
