"""Doorstep concerns: who receives them, the rules that route them, and their history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from keepwell.help.models.tasks import Task


class ConcernKind(models.TextChoices):
    HEALTH_WORSE = "health_worse", "Health getting worse"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    NO_FOOD = "no_food", "No food"
    FALL_RISK = "fall_risk", "Fall risk"
    MENTAL_HEALTH = "mental_health", "Mental health"
    OTHER = "other", "Something else"


class ConcernContactQuerySet(models.QuerySet):
    def kept_by(self, group):
        return self.filter(group=group)

    def active(self):
        return self.filter(is_active=True)


class ConcernContact(models.Model):
    """A named person who receives concerns: a practice's duty contact, a council team, the
    safeguarding lead. If they do not acknowledge in time the concern moves to ``escalate_to``.

    ``organisation`` is where they work; ``group`` is the mutual aid group that keeps them on
    its "Where concerns go" page and may change them. A contact is never deleted once a
    concern was sent to them (``Concern.routed_to`` protects it): it is made inactive."""

    name = models.CharField(max_length=150, help_text="Named person or team")
    group = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="kept_concern_contacts",
        help_text="The group that keeps this contact and may change it",
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="concern_contacts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="concern_contacts",
        help_text="Their keepwell account, so they can acknowledge in keepwell",
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    escalate_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    objects = ConcernContactQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class RoutingTarget(models.TextChoices):
    GP_PRACTICE = "gp_practice", "The person's GP practice"
    CONTACT = "contact", "A named contact"


class RoutingRule(models.Model):
    """Where a concern goes. Rules are tried in order; the first that fits wins."""

    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.CASCADE,
        related_name="concern_rules",
        help_text="The group whose volunteers raise the concerns",
    )
    order = models.PositiveSmallIntegerField(default=100)
    kind = models.CharField(
        max_length=20, choices=ConcernKind.choices, blank=True, help_text="Blank: any kind"
    )
    urgent = models.BooleanField(null=True, blank=True, help_text="Blank: urgent or not")
    target = models.CharField(max_length=20, choices=RoutingTarget.choices)
    contact = models.ForeignKey(
        ConcernContact, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organisation", "order", "pk"]

    def __str__(self) -> str:
        what = self.get_kind_display() if self.kind else "Any concern"
        return f"{what} -> {self.contact or self.get_target_display()}"

    def fits(self, kind: str, urgent: bool) -> bool:
        return (not self.kind or self.kind == kind) and (
            self.urgent is None or self.urgent == urgent
        )


class ConcernQuerySet(models.QuerySet):
    def unclosed(self):
        return self.filter(closed_at__isnull=True)

    def visible_to(self, user):
        from keepwell.accounts.models import Role

        if not user.is_authenticated:
            return self.none()
        if user.is_platform_admin:
            return self
        q = Q(raised_by=user) | Q(routed_to__user=user)
        org_ids = user.organisation_ids(Role.COORDINATOR)
        if org_ids:
            q |= Q(organisation_id__in=org_ids)
        area_ids = user.led_area_ids()
        if area_ids:
            q |= Q(area_id__in=area_ids)
        return self.filter(q)


class Concern(models.Model):
    """Something a volunteer noticed at the door, until someone named has dealt with it."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="concerns"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        "places.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=ConcernKind.choices)
    urgent = models.BooleanField(default=False)
    details = models.TextField()
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    routed_to = models.ForeignKey(
        ConcernContact, on_delete=models.PROTECT, null=True, blank=True, related_name="concerns"
    )
    routed_at = models.DateTimeField(null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(default=0)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    outcome = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-urgent", "raised_at"]
        indexes = [
            models.Index(fields=["closed_at", "acknowledged_at"], name="concern_open"),
        ]

    def __str__(self) -> str:
        return f"Concern {self.pk}: {self.get_kind_display()}"

    @property
    def state_label(self) -> str:
        if self.closed_at:
            return "Closed"
        if self.acknowledged_at:
            return "Acknowledged"
        if self.escalations:
            return "Escalated"
        return "Waiting"


class ConcernEvent(models.Model):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    what = models.CharField(max_length=300)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.concern}: {self.what}"
