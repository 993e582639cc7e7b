"""Mutual aid: requests for help, volunteers and their checks, tasks, and doorstep concerns.

The shape follows the report: a person (or someone on their behalf) asks for help through a
helpline call, a web form or an NHS list; each :class:`HelpRequest` is for one kind of need
(:class:`NeedType`, the report's Table two) and produces one :class:`Task` per occurrence;
a :class:`Volunteer` may hold a task only while their checks and authorisations are valid;
what a volunteer notices at the door becomes a :class:`Concern` routed to a named contact.

Eligibility is computed at the moment it is asked (``SafeguardingCheck.objects.valid(at)``),
so a check stops counting the instant it expires; no nightly job is involved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

# --- what volunteers hold -------------------------------------------------------------------


class CheckKind(models.TextChoices):
    DBS_BASIC = "dbs_basic", "DBS basic check"
    DBS_ENHANCED = "dbs_enhanced", "DBS enhanced check"
    DBS_ENHANCED_BARRED = "dbs_enhanced_barred", "DBS enhanced check with barred list"
    ID_CHECK = "id_check", "ID check"
    SAFEGUARDING_TRAINING = "safeguarding_training", "Safeguarding training"


# A higher level of DBS check satisfies a need for a lower one.
CHECK_SATISFIES: dict[str, frozenset[str]] = {
    CheckKind.DBS_BASIC: frozenset({CheckKind.DBS_BASIC}),
    CheckKind.DBS_ENHANCED: frozenset({CheckKind.DBS_ENHANCED, CheckKind.DBS_BASIC}),
    CheckKind.DBS_ENHANCED_BARRED: frozenset(
        {CheckKind.DBS_ENHANCED_BARRED, CheckKind.DBS_ENHANCED, CheckKind.DBS_BASIC}
    ),
    CheckKind.ID_CHECK: frozenset({CheckKind.ID_CHECK}),
    CheckKind.SAFEGUARDING_TRAINING: frozenset({CheckKind.SAFEGUARDING_TRAINING}),
}


def kinds_satisfying(required: str) -> list[str]:
    """The check kinds that count as ``required`` (an enhanced check counts as a basic one)."""
    return sorted(kind for kind, covers in CHECK_SATISFIES.items() if required in covers)


def expand_checks(held) -> frozenset[str]:
    """Every check kind that the held kinds count as."""
    out: set[str] = set()
    for kind in held:
        out |= CHECK_SATISFIES.get(kind, frozenset({kind}))
    return frozenset(out)


class AuthorisationKind(models.TextChoices):
    MEDICINES = "medicines", "Collecting and delivering medicines"
    CONTROLLED_DRUGS = "controlled_drugs", "Delivering controlled drugs"


class Transport(models.TextChoices):
    ON_FOOT = "on_foot", "On foot"
    BICYCLE = "bicycle", "Bicycle"
    PUBLIC = "public", "Public transport"
    CAR = "car", "Car"


class NeedCategory(models.TextChoices):
    """The report's Table two columns."""

    PRACTICAL = "practical", "Practical"
    EDUCATIONAL = "educational", "Educational"
    EMOTIONAL = "emotional", "Emotional"
    SOCIAL = "social", "Social"


class NeedType(models.Model):
    """A kind of help, and what a volunteer must hold to give it."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=20, choices=NeedCategory.choices)
    description = models.CharField(max_length=300, blank=True)
    required_checks = models.JSONField(
        default=list, blank=True, help_text="Check kinds, e.g. ['dbs_enhanced']"
    )
    required_authorisations = models.JSONField(
        default=list, blank=True, help_text="Authorisation kinds, e.g. ['medicines']"
    )
    needs_car = models.BooleanField(default=False)
    # Shown on the public self-request form.
    public = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def requirements_text(self) -> str:
        parts = [CheckKind(c).label for c in self.required_checks if c in CheckKind.values]
        parts += [
            f"authorisation: {AuthorisationKind(a).label.lower()}"
            for a in self.required_authorisations
            if a in AuthorisationKind.values
        ]
        if self.needs_car:
            parts.append("a car")
        return ", ".join(parts) or "Nothing special"


# --- volunteers -----------------------------------------------------------------------------


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


# --- requests and tasks ---------------------------------------------------------------------


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


# --- intake: the public form and NHS lists -------------------------------------------------


class PublicRequestStatus(models.TextChoices):
    NEEDS_TRIAGE = "needs_triage", "Needs triage"
    ACCEPTED = "accepted", "Recorded as a request"
    DISMISSED = "dismissed", "Dismissed"


class PublicRequest(models.Model):
    """Someone asked on the public form. Kept apart from people's records until a
    coordinator triages it, so the form never reveals whether anybody is known to us."""

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=30)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8)
    need_type = models.ForeignKey(NeedType, on_delete=models.PROTECT, related_name="+")
    details = models.TextField(blank=True)
    language = models.ForeignKey(
        "people.Language", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    form_language = models.CharField(max_length=10, default="en-gb")
    on_behalf = models.BooleanField(default=False)
    requester_name = models.CharField(max_length=200, blank=True)
    requester_phone = models.CharField(max_length=30, blank=True)
    requester_relationship = models.CharField(max_length=100, blank=True)
    area = models.ForeignKey(
        "places.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A keyed hash of the sender's address: enough to rate-limit, useless to anyone else.
    client_hash = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        max_length=20, choices=PublicRequestStatus.choices, default="needs_triage"
    )
    help_request = models.ForeignKey(
        HelpRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Web request {self.pk}: {self.need_type}"


class NhsList(models.Model):
    """A list of people an NHS partner asked the group to call, and the basis for sharing it."""

    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The group that will make the calls",
    )
    shared_by = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The NHS organisation that shared the list",
    )
    lawful_basis = models.CharField(max_length=30)
    sharing_basis = models.CharField(
        max_length=300, help_text="The agreement or notice, e.g. 'Data sharing agreement DSA-12'"
    )
    filename = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveIntegerField(default=0)
    people_created = models.PositiveIntegerField(default=0)
    requests_created = models.PositiveIntegerField(default=0)
    duplicates = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.filename} from {self.shared_by}"


# --- doorstep concerns ----------------------------------------------------------------------


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


class PublicRequestThrottle(models.Model):
    """Every submission of the public form, even ones we discard, for the per-address limit."""

    client_hash = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["client_hash", "at"], name="throttle_client_at")]

    def __str__(self) -> str:
        return f"{self.client_hash[:8]} at {self.at}"
