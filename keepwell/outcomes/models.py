"""Outcomes: did people gain Control, Contact and Confidence (the 3Cs of Health Creation),
how is their personal wellbeing (ONS4), and are they less lonely (UCLA 3-item)?

Measures are data. Each question carries the version of its wording; answers keep the
question (and so the version) they were given to, and the stable ``item`` code, so change
is compared on the meaning of the question even after its words are improved.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Scoring(models.TextChoices):
    ITEMS = "items", "Each question is its own score"
    SUM = "sum", "The answers add up to one score"


class Measure(models.Model):
    code = models.SlugField(max_length=20, unique=True)  # "3cs", "ons4", "ucla3"
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    # The wording in use now; older answers keep the version they were asked in.
    version = models.PositiveSmallIntegerField(default=1)
    scoring = models.CharField(max_length=10, choices=Scoring.choices)
    # For SUM measures: the range of the total and which way is better.
    total_min = models.SmallIntegerField(null=True, blank=True)
    total_max = models.SmallIntegerField(null=True, blank=True)
    total_lower_is_better = models.BooleanField(default=False)
    # Where the measure comes from, shown beside it.
    source = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class QuestionQuerySet(models.QuerySet):
    def current(self):
        return self.filter(version=models.F("measure__version"))


class Question(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="questions")
    version = models.PositiveSmallIntegerField()
    item = models.SlugField(max_length=30)  # stable across versions: "control", "anxious"
    order = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=60)  # short, for tables: "Control"
    wording = models.CharField(max_length=300)
    min_value = models.SmallIntegerField()
    max_value = models.SmallIntegerField()
    min_label = models.CharField(max_length=60, blank=True)
    max_label = models.CharField(max_length=60, blank=True)
    # Named answers (UCLA: 1 Hardly ever, 2 Some of the time, 3 Often); empty for 0-10 scales.
    choices = models.JSONField(default=list, blank=True)
    # ONS4 anxiety and every loneliness item: a lower answer is the better one.
    lower_is_better = models.BooleanField(default=False)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["measure__order", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "version", "item"], name="question_once_per_version"
            ),
            models.CheckConstraint(
                condition=models.Q(min_value__lt=models.F("max_value")),
                name="question_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} v{self.version} {self.item}"

    def answer_choices(self) -> list[tuple[int, str]]:
        if self.choices:
            return [(int(value), str(label)) for value, label in self.choices]
        return [(value, str(value)) for value in range(self.min_value, self.max_value + 1)]


class How(models.TextChoices):
    PHONE = "phone", "By phone, with a coordinator"
    IN_PERSON = "in_person", "In person, with a coordinator"
    ONLINE = "online", "Online, by the person"
    PAPER = "paper", "On paper, entered by a coordinator"


class OutcomePlan(models.Model):
    """One person's journey being measured: from a start (baseline) through follow-ups.

    Usually one per referral; also made for help or time bank work without a referral.
    """

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="outcome_plans"
    )
    referral = models.OneToOneField(
        "referrals.Referral",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outcome_plan",
    )
    service = models.ForeignKey(
        "directory.Service", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who follows up (gets the reminders): the service's organisation, or the recorder's.
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Outcomes for {self.person} from {self.started_at:%d %b %Y}"


class FollowUp(models.Model):
    plan = models.ForeignKey(OutcomePlan, on_delete=models.CASCADE, related_name="follow_ups")
    weeks = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "weeks"], name="follow_up_once"),
        ]
        indexes = [models.Index(fields=["due_on", "reminded_at"], name="follow_up_due")]

    def __str__(self) -> str:
        return f"{self.plan}: {self.weeks} weeks, due {self.due_on}"


def timepoint_label(weeks: int) -> str:
    if weeks == 0:
        return "Start"
    if weeks % 52 == 0:
        years = weeks // 52
        return f"{years} year" + ("s" if years > 1 else "")
    if weeks % 13 == 0 and weeks >= 26:
        return f"{weeks // 13 * 3} months"
    return f"{weeks} weeks"


class Response(models.Model):
    """One measure answered once: at the start (weeks=0) or at a follow-up."""

    plan = models.ForeignKey(OutcomePlan, on_delete=models.CASCADE, related_name="responses")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="responses")
    version = models.PositiveSmallIntegerField()
    weeks = models.PositiveSmallIntegerField(default=0)
    answered_at = models.DateTimeField(default=timezone.now)
    how = models.CharField(max_length=12, choices=How.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # For SUM measures (UCLA): the total, kept so cohort change is one query.
    total = models.SmallIntegerField(null=True, blank=True)
    # At a follow-up: the total at the start of the same plan, if it was answered (so the
    # cohort page is one grouped query with no subquery per row).
    baseline_total = models.SmallIntegerField(null=True, blank=True)
    # Copied from the plan (and the person's area when answered) for cohort queries.
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="outcome_responses"
    )
    service = models.ForeignKey(
        "directory.Service", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    area = models.ForeignKey(
        "places.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["answered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "measure", "weeks"], name="response_once_per_timepoint"
            )
        ]
        indexes = [models.Index(fields=["measure", "weeks"], name="response_cohort")]

    def __str__(self) -> str:
        return f"{self.measure.code} at {timepoint_label(self.weeks)} for {self.person_id}"

    @property
    def timepoint(self) -> str:
        return timepoint_label(self.weeks)


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.SmallIntegerField()
    # At a follow-up: the answer to the same item at the start of the same plan, if given.
    baseline = models.SmallIntegerField(null=True, blank=True)
    # Copied from the question and response so the cohort page is one grouped query.
    item = models.SlugField(max_length=30)
    lower_is_better = models.BooleanField(default=False)
    plan = models.ForeignKey(OutcomePlan, on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="+")
    weeks = models.PositiveSmallIntegerField()
    service = models.ForeignKey(
        "directory.Service", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    area = models.ForeignKey(
        "places.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["response_id", "question__order"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_once"),
        ]
        indexes = [
            models.Index(fields=["plan", "item", "weeks"], name="answer_baseline"),
            models.Index(fields=["measure", "weeks"], name="answer_cohort"),
        ]

    def __str__(self) -> str:
        return f"{self.item}={self.value}"
