"""Grants: funders, their programmes (open calls), applications from community
organisations, decisions by officers or by a participatory panel, awards with their
conditions, payments and reports due, and the share of an NHS body's budget invested in
the community.

Money is integer pence (``*_pence``), never floats. An application's organisation, a
funder's organisation and the services an award pays for are the directory's rows: funding
only points at them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone

from keepwell.directory.models import NHS_KINDS, Organisation
from keepwell.funding import money


class Funder(models.Model):
    """Who gives the money: a directory organisation (an ICB, a PCN, a council, a charity)
    whose coordinators and NHS connectors are its funding officers, or, for a funder keepwell
    only hears of (an imported 360Giving file), a name."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="funder"
    )
    name = models.CharField(max_length=200, blank=True, help_text="When not in the directory")
    # 360Giving: grant ids are "360G-<prefix>-<our id>"; the funder's own org-id.guide id.
    prefix = models.CharField(
        "360Giving prefix", max_length=40, blank=True, help_text="Given by 360Giving, e.g. wbpcn"
    )
    org_identifier = models.CharField(
        "Organisation identifier",
        max_length=100,
        blank=True,
        help_text="From org-id.guide, e.g. GB-NHS-UWB001 or GB-CHC-1123456",
    )
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | ~Q(name=""), name="funder_is_named"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.organisation.name if self.organisation_id else self.name

    @property
    def is_nhs(self) -> bool:
        return self.organisation_id is not None and self.organisation.kind in NHS_KINDS

    @property
    def identifier(self) -> str:
        """The funder's id for 360Giving: its org-id, else one made from its ODS code."""
        if self.org_identifier:
            return self.org_identifier
        if self.organisation_id and self.organisation.ods_code:
            return f"GB-NHS-{self.organisation.ods_code}"
        return f"XI-KEEPWELL-FUNDER-{self.pk}"


class ProgrammeQuerySet(models.QuerySet):
    def open_on(self, day):
        return self.filter(opens_on__lte=day, closes_on__gte=day)


class Programme(models.Model):
    """An open call: what it funds (criteria), how much (budget), when it takes
    applications, and who decides: the funder's officers, or a panel that includes
    residents."""

    class DecidedBy(models.TextChoices):
        OFFICERS = "officers", "The funder's officers"
        PANEL = "panel", "A participatory panel (residents among its members)"

    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="programmes")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    criteria = models.TextField(help_text="What the programme funds and who may apply")
    budget_pence = models.PositiveBigIntegerField()
    max_award_pence = models.PositiveBigIntegerField(null=True, blank=True)
    opens_on = models.DateField()
    closes_on = models.DateField()
    decided_by = models.CharField(max_length=10, choices=DecidedBy.choices)
    # A panel's rule: an application is awarded when the mean of its scores (0 to 10) is at
    # least the pass mark; the rule is said in words on every decision.
    pass_mark = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    is_demo = models.BooleanField(default=False, editable=False)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="programme_closes_after_open"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def by_panel(self) -> bool:
        return self.decided_by == self.DecidedBy.PANEL

    @property
    def decision_rule(self) -> str:
        if self.by_panel:
            return (
                f"Each panel member scores the application from 0 to 10 and gives a reason; "
                f"it is awarded when the mean score is {self.pass_mark} or more."
            )
        return "The funder's officers decide, and record the reason."

    def is_open(self, day) -> bool:
        return self.opens_on <= day <= self.closes_on


class PanelMember(models.Model):
    """One seat on a programme's participatory panel: a resident, or someone from a group
    or the NHS."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="funding_panels"
    )
    is_resident = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "user"], name="panel_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.programme}"


class Application(models.Model):
    """A short form a small group can fill in (or a coordinator on its behalf): what, who
    benefits, how much, by when."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        UNDER_REVIEW = "under_review", "Under review"
        AWARDED = "awarded", "Awarded"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="grant_applications"
    )
    title = models.CharField("What the money is for", max_length=140)
    description = models.TextField("What you will do")
    who_benefits = models.TextField("Who will benefit")
    amount_pence = models.PositiveBigIntegerField()
    needed_by = models.DateField("When you need the money by")
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    # Who filled it in, and whether for their own group or on the group's behalf.
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["programme", "state"], name="funding_app_prog_state")]

    def __str__(self) -> str:
        return f"{self.title} ({self.organisation})"

    @property
    def is_open_to_change(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def is_closed(self) -> bool:
        return self.state in {self.State.AWARDED, self.State.DECLINED, self.State.WITHDRAWN}


class Score(models.Model):
    """One panel member's score of one application, with the reason they gave."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    reason = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "member"], name="score_once"),
            models.CheckConstraint(condition=Q(score__lte=10), name="score_out_of_ten"),
        ]

    def __str__(self) -> str:
        return f"{self.score}/10 from {self.member.user}"


class Decision(models.Model):
    """How an application was decided, by whom, under which rule, and why."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="decision"
    )
    awarded = models.BooleanField()
    by_panel = models.BooleanField()
    rule = models.TextField(help_text="The decision rule, as it stood when it was applied")
    # A panel's tally, so the page can show the mean without recounting later changes.
    score_total = models.PositiveIntegerField(default=0)
    scorers = models.PositiveIntegerField(default=0)
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return "Awarded" if self.awarded else "Declined"

    @property
    def mean_score(self) -> str:
        if not self.scorers:
            return ""
        tenths = (self.score_total * 20 + self.scorers) // (2 * self.scorers)
        return f"{tenths // 10}.{tenths % 10}"


class AwardQuerySet(models.QuerySet):
    def for_listing(self):
        return self.select_related(
            "application__organisation",
            "application__programme__funder__organisation",
            "matches__application__programme__funder__organisation",
        )

    def awarded_in(self, start, end):
        return self.filter(awarded_on__gte=start, awarded_on__lte=end)

    def total_pence(self) -> int:
        return self.aggregate(total=Sum("amount_pence"))["total"] or 0


class Award(models.Model):
    """A grant made: how much, on what conditions, for which services and when; it may match
    another funder's award (an NHS award matching a council's)."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="award")
    amount_pence = models.PositiveBigIntegerField()
    conditions = models.TextField(blank=True)
    awarded_on = models.DateField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    matches = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="matched_by"
    )
    services = models.ManyToManyField(
        "directory.Service", blank=True, related_name="funding_awards"
    )
    is_demo = models.BooleanField(default=False, editable=False)

    objects = AwardQuerySet.as_manager()

    class Meta:
        ordering = ["-awarded_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="award_is_money"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="award_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(matches=models.F("pk")), name="award_matches_another"
            ),
        ]

    def __str__(self) -> str:
        return f"{money.pounds(self.amount_pence)} to {self.application.organisation}"

    @property
    def funder(self) -> Funder:
        return self.application.programme.funder

    @property
    def recipient(self) -> Organisation:
        return self.application.organisation

    @property
    def amount(self) -> str:
        return money.pounds(self.amount_pence)


class Disbursement(models.Model):
    """Money paid out against an award; all of them together never exceed it."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="disbursements")
    amount_pence = models.PositiveBigIntegerField()
    paid_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["paid_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="disbursement_is_money")
        ]

    def __str__(self) -> str:
        return f"{self.amount} paid on {self.paid_on}"

    @property
    def amount(self) -> str:
        return money.pounds(self.amount_pence)


class ReportDue(models.Model):
    """A report the group owes the funder: when, and whether it came."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="reports")
    title = models.CharField(max_length=140, default="Progress report")
    due_on = models.DateField()
    received_on = models.DateField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(
                fields=["due_on"],
                name="funding_report_waiting",
                condition=Q(received_on__isnull=True, reminded_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} due {self.due_on}"


class CommunityInvestment(models.Model):
    """An NHS body's budget for one financial year and the share of it it aims to award to
    community organisations (a target it sets, e.g. 1%)."""

    funder = models.ForeignKey(Funder, on_delete=models.CASCADE, related_name="investments")
    year = models.PositiveSmallIntegerField(
        help_text="The year the financial year starts in April: 2025 is 2025/26"
    )
    budget_pence = models.PositiveBigIntegerField()
    target_basis_points = models.PositiveIntegerField(
        help_text="Hundredths of a percent: 100 is 1%", validators=[MaxValueValidator(10_000)]
    )
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["funder", "year"]
        constraints = [
            models.UniqueConstraint(fields=["funder", "year"], name="investment_once_a_year"),
            models.CheckConstraint(
                condition=Q(target_basis_points__lte=10_000), name="investment_target_a_share"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funder} {self.label}"

    @property
    def label(self) -> str:
        return money.financial_year_label(self.year)
