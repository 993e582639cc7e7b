"""Community voice ("you said, we did") and teams' reflections on health-creating practice.

A voice item is raised by anyone, supported once by each person, answered publicly by the
NHS or a partner through a life of statuses, each step timed and attributed. A reflection is
a team's rating of itself, statement by statement, with the evidence for each.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keepwell.insights.voice import practice, questions


class Status(models.TextChoices):
    HEARD = "heard", _("Heard")
    DISCUSSING = "discussing", _("Being discussed")
    ACTING = "acting", _("Acting on it")
    DONE = "done", _("Done")
    NOT_POSSIBLE = "not_possible", _("Not possible")


# Where an item may go from each status. "Not possible" may be reopened when things change.
NEXT: dict[str, tuple[str, ...]] = {
    Status.HEARD: (Status.DISCUSSING, Status.ACTING, Status.NOT_POSSIBLE),
    Status.DISCUSSING: (Status.ACTING, Status.NOT_POSSIBLE),
    Status.ACTING: (Status.DONE, Status.NOT_POSSIBLE),
    Status.DONE: (),
    Status.NOT_POSSIBLE: (Status.DISCUSSING,),
}


class Kind(models.TextChoices):
    ISSUE = "issue", _("An issue")
    IDEA = "idea", _("An idea")


class Via(models.TextChoices):
    WEB = "web", "The public form"
    PHONE = "phone", "A phone call or visit, typed in by staff"
    TEXT = "text", "A text message (IDEA or ISSUE)"


class VoiceItemQuerySet(models.QuerySet):
    def with_support(self):
        return self.annotate(support_count=Count("supports", distinct=True))

    def shown(self):
        return self.filter(hidden_at__isnull=True)

    def search(self, *, status: str = "", area=None):
        qs = self
        if status:
            qs = qs.filter(status=status, hidden_at__isnull=True)
        if area is not None:
            qs = qs.filter(area=area)
        return qs


class VoiceItem(models.Model):
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ISSUE)
    title = models.CharField(max_length=150)
    body = models.TextField()
    area = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Optional, and never shown publicly: so the person can hear back.
    name = models.CharField(max_length=100, blank=True)
    contact = models.CharField(max_length=200, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.WEB)
    raised_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.HEARD)
    status_changed_at = models.DateTimeField(default=timezone.now)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = VoiceItemQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["status", "-raised_at"], name="voice_item_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""),
                name="voice_item_hidden_with_reason",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def next_statuses(self) -> list[tuple[str, str]]:
        return [(s, Status(s).label) for s in NEXT[self.status]]


class VoiceUpdate(models.Model):
    """One public answer: the status an item moved to, what was said, by whom, when."""

    item = models.ForeignKey(VoiceItem, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=20, choices=Status.choices)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=Status.NOT_POSSIBLE) | ~Q(note=""),
                name="voice_not_possible_says_why",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_status_display()}"


class VoiceSupport(models.Model):
    """One person's support: a signed-in user once, an anonymous browser once."""

    item = models.ForeignKey(VoiceItem, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    browser = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "user"], condition=Q(user__isnull=False), name="voice_support_user"
            ),
            models.UniqueConstraint(
                fields=["item", "browser"], condition=~Q(browser=""), name="voice_support_browser"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(browser=""), name="voice_support_someone"
            ),
        ]

    def __str__(self) -> str:
        return f"Support for {self.item}"


class Reflection(models.Model):
    """A team's look at its own practice on one day."""

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reflected_on = models.DateField(default=timezone.localdate)
    # The team agrees its name may be shown beside its ratings in place-wide figures.
    may_name_team = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reflected_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.organisation} on {self.reflected_on:%d %B %Y}"

    def ratings_by_key(self) -> dict[str, int]:
        return {r.key: r.rating for r in self.ratings.all()}


class ReflectionRating(models.Model):
    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="ratings")
    key = models.CharField(max_length=40)  # a practice.STATEMENTS key (checked by services)
    rating = models.PositiveSmallIntegerField(choices=sorted(practice.SCALE.items()))
    evidence = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reflection", "key"], name="reflection_rates_once"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="reflection_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.rating}"

    @property
    def statement(self) -> practice.Statement:
        return practice.BY_KEY[self.key]


# --- "What matters to you" surveys ----------------------------------------------------------


class Survey(models.Model):
    title = models.CharField(max_length=150)
    intro = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(models.Model):
    """One question; its words and options in each language (``questions.QuestionSpec``)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=list(questions.KINDS.items()))
    wording = models.JSONField()  # {"en": "...", "pt": "..."}
    options = models.JSONField(default=list, blank=True)  # [{"en": "...", "pt": "..."}, ...]

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="survey_question_place")
        ]

    def __str__(self) -> str:
        return questions.in_language(self.wording, "en")


class SurveyInvitation(models.Model):
    """One answer's worth: a code sent as a link or printed on a letter, used once."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    code = models.CharField(max_length=12, unique=True)
    area = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The IMD decile where it was sent, when it went to a person by message (a letter
    # printed for an area has none). Never who it went to: answers stay anonymous.
    decile = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.survey}: {self.code}"


class SurveyResponse(models.Model):
    """One person's answers, anonymous: where the invitation went, in which language."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.PROTECT, related_name="response"
    )
    area = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decile = models.PositiveSmallIntegerField(null=True, blank=True)
    language = models.CharField(max_length=5, default="en")
    at = models.DateTimeField(default=timezone.now)
    # Only when the person ticked that they agree to be known: who they are and how to
    # reach them, for the survey's staff (never on any results page or export).
    named_at = models.DateTimeField(null=True, blank=True)
    named_name = models.CharField(max_length=100, blank=True)
    named_contact = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"Response to {self.survey}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(blank=True)
    choices = models.JSONField(default=list, blank=True)  # option indexes
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    # When a person read an open answer against the codebook (with or without a theme).
    coded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=10), name="survey_score_0_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question}"


class SurveyTheme(models.Model):
    """A theme of the survey's codebook, and the keywords that suggest it."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=80)
    keywords = models.CharField(max_length=300, blank=True)  # "bus, transport, lift"
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["survey", "name"], name="survey_theme_once")]

    def __str__(self) -> str:
        return self.name


class CodedAnswer(models.Model):
    """A person's decision that an open answer speaks to a theme."""

    answer = models.ForeignKey(SurveyAnswer, on_delete=models.CASCADE, related_name="coded")
    theme = models.ForeignKey(SurveyTheme, on_delete=models.CASCADE, related_name="coded")
    coded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    coded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["answer", "theme"], name="survey_coded_once")
        ]

    def __str__(self) -> str:
        return f"{self.answer}: {self.theme}"


class Priority(models.Model):
    """A theme people raised, taken on: who owns it, and the actions that will answer it."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="priorities")
    theme = models.ForeignKey(
        SurveyTheme, on_delete=models.SET_NULL, null=True, blank=True, related_name="priorities"
    )
    title = models.CharField(max_length=150)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "priorities"

    def __str__(self) -> str:
        return self.title


class PriorityAction(models.Model):
    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done_at", "due_on", "pk"]

    def __str__(self) -> str:
        return self.text
