"""Volunteers: their profile, weekly availability, safeguarding checks and authorisations."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from keepwell.help.models.needs import (
    AuthorisationKind,
    CheckKind,
    NeedType,
    Transport,
    kinds_satisfying,
)


class VolunteerStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    CHECKS_PENDING = "checks_pending", "Checks pending"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    LEFT = "left", "Left"


# Onboarding moves forward, a pause can end, and anyone can leave (and come back by applying).
VOLUNTEER_TRANSITIONS: dict[str, frozenset[str]] = {
    VolunteerStatus.APPLIED: frozenset({VolunteerStatus.CHECKS_PENDING, VolunteerStatus.LEFT}),
    VolunteerStatus.CHECKS_PENDING: frozenset({VolunteerStatus.ACTIVE, VolunteerStatus.LEFT}),
    VolunteerStatus.ACTIVE: frozenset({VolunteerStatus.PAUSED, VolunteerStatus.LEFT}),
    VolunteerStatus.PAUSED: frozenset({VolunteerStatus.ACTIVE, VolunteerStatus.LEFT}),
    VolunteerStatus.LEFT: frozenset({VolunteerStatus.APPLIED}),
}


def week_start(at: datetime) -> datetime:
    """Monday 00:00 (Europe/London) of the week containing ``at``, aware."""
    local = timezone.localtime(at)
    monday = local.date() - timedelta(days=local.weekday())
    return timezone.make_aware(datetime.combine(monday, datetime.min.time()))


class VolunteerQuerySet(models.QuerySet):
    def visible_to(self, user):
        from keepwell.accounts.models import Role

        if not user.is_authenticated:
            return self.none()
        if user.is_platform_admin:
            return self
        org_ids = user.organisation_ids(Role.COORDINATOR, Role.AREA_LEAD)
        return self.filter(Q(user=user) | Q(organisations__in=org_ids)).distinct()

    def active(self):
        return self.filter(status=VolunteerStatus.ACTIVE)

    def holding_check(self, required: str, at: datetime):
        return self.filter(
            models.Exists(
                SafeguardingCheck.objects.valid(at).filter(
                    volunteer=models.OuterRef("pk"), kind__in=kinds_satisfying(required)
                )
            )
        )

    def holding_authorisation(self, kind: str, at: datetime):
        return self.filter(
            models.Exists(
                Authorisation.objects.valid(at).filter(volunteer=models.OuterRef("pk"), kind=kind)
            )
        )

    def able_to_meet(self, need: NeedType, at: datetime):
        """Active volunteers who offer this kind of help and hold what it requires, now."""
        qs = self.active().filter(skills=need)
        for check in need.required_checks:
            qs = qs.holding_check(check, at)
        for kind in need.required_authorisations:
            qs = qs.holding_authorisation(kind, at)
        if need.needs_car:
            qs = qs.filter(transport=Transport.CAR)
        return qs

    def with_week_load(self, at: datetime):
        """Annotate ``week_tasks``: tasks held this week (Monday to Sunday)."""
        # Tasks name their volunteer, so their module imports this one.
        from keepwell.help.models.tasks import HELD_STATES, Task

        start = week_start(at)
        held = (
            Task.objects.filter(volunteer=models.OuterRef("pk"), state__in=HELD_STATES)
            .filter(load_at__gte=start, load_at__lt=start + timedelta(days=7))
            .order_by()
            .values("volunteer")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(
            week_tasks=Coalesce(models.Subquery(held, output_field=models.IntegerField()), 0)
        )

    def available_at(self, at: datetime):
        """Free at this moment by their weekly availability (no slots at all: any time)."""
        local = timezone.localtime(at)
        minute = local.hour * 60 + local.minute
        slot = Availability.objects.filter(
            volunteer=models.OuterRef("pk"),
            weekday=local.weekday(),
            start_minute__lte=minute,
            end_minute__gt=minute,
        )
        any_slot = Availability.objects.filter(volunteer=models.OuterRef("pk"))
        return self.filter(models.Exists(slot) | ~models.Exists(any_slot))

    def idle_since(self, since: datetime):
        """Active volunteers who have held no task since ``since``."""
        from keepwell.help.models.tasks import Task

        recent = Task.objects.filter(volunteer=models.OuterRef("pk"), accepted_at__gte=since)
        return self.active().filter(~models.Exists(recent))


class Volunteer(models.Model):
    """A volunteer's profile. They sign in as their user; the profile says what they can do."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer"
    )
    organisations = models.ManyToManyField(
        "directory.Organisation", related_name="volunteers", blank=True
    )
    phone = models.CharField(max_length=30, blank=True)
    home_postcode = models.CharField(max_length=8)  # normalised
    area = models.ForeignKey(
        "places.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="volunteers"
    )
    max_km = models.DecimalField(
        "How far they will travel (km)", max_digits=4, decimal_places=1, default=3
    )
    transport = models.CharField(
        max_length=20, choices=Transport.choices, default=Transport.ON_FOOT
    )
    skills = models.ManyToManyField(
        NeedType, related_name="volunteers", blank=True, verbose_name="Help they offer"
    )
    languages = models.ManyToManyField("people.Language", related_name="volunteers", blank=True)
    max_tasks_per_week = models.PositiveSmallIntegerField("Most tasks a week", default=3)
    status = models.CharField(
        max_length=20, choices=VolunteerStatus.choices, default=VolunteerStatus.APPLIED
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    notes = models.TextField(blank=True)
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status"], name="volunteer_status")]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def first_name(self) -> str:
        return self.user.first_name or str(self.user).split(" ")[0]

    @property
    def is_active(self) -> bool:
        return self.status == VolunteerStatus.ACTIVE


class Availability(models.Model):
    """A weekly slot when a volunteer is free, in whole minutes from local midnight."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField()  # 0 Monday .. 6 Sunday
    start_minute = models.PositiveSmallIntegerField()
    end_minute = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["weekday", "start_minute"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__lte=6)
                & Q(start_minute__lt=models.F("end_minute"))
                & Q(end_minute__lte=1440),
                name="availability_sane",
            ),
            models.UniqueConstraint(
                fields=["volunteer", "weekday", "start_minute"], name="availability_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer}: day {self.weekday} {self.start_minute}-{self.end_minute}"


class ValidityQuerySet(models.QuerySet):
    def valid(self, at: datetime):
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))

    def expiring_between(self, start: datetime, end: datetime):
        return self.filter(expires_at__gt=start, expires_at__lte=end)


class SafeguardingCheck(models.Model):
    """A DBS check, an ID check or safeguarding training, valid until ``expires_at``."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(max_length=30, choices=CheckKind.choices)
    reference = models.CharField(
        max_length=50, blank=True, help_text="Certificate number or training provider"
    )
    checked_on = models.DateField()
    expires_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-checked_on"]
        indexes = [models.Index(fields=["volunteer", "kind", "expires_at"], name="check_valid")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.volunteer}"

    def is_valid(self, at: datetime) -> bool:
        return self.expires_at is None or self.expires_at > at


class AuthorisationQuerySet(ValidityQuerySet):
    def valid(self, at: datetime):
        # A revoked authorisation never counts again.
        return super().valid(at).filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=at))


class Authorisation(models.Model):
    """A special authorisation, such as delivering controlled drugs, until revoked or expired."""

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="authorisations"
    )
    kind = models.CharField(max_length=30, choices=AuthorisationKind.choices)
    authorised_by = models.CharField(
        max_length=150, blank=True, help_text="For example the pharmacy that trained them"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = AuthorisationQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-granted_at"]
        indexes = [models.Index(fields=["volunteer", "kind"], name="authorisation_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.volunteer}"

    def is_valid(self, at: datetime) -> bool:
        if self.revoked_at is not None and self.revoked_at <= at:
            return False
        return self.expires_at is None or self.expires_at > at
