"""Paying people for their time and costs: volunteers' expense claims and paid community
roles' sessions, approved by a coordinator of the organisation and exported for its payer.

A claim is the one thing approved and paid: it holds expense lines (mileage, fares,
parking, phone, other, each with its receipt) and, for someone in a paid role, sessions at
the role's agreed rate. Money is whole pence; every step says who took it and when.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property

from keepwell.funding.expenses import mileage

DEFAULT_CLAIM_LIMIT_PENCE = 150_00
DEFAULT_LINE_LIMIT_PENCE = 100_00


class ReceiptStorage(FileSystemStorage):
    """Receipts on disk under ``MEDIA_ROOT``, or ``var/media`` when that is not set.

    It has no URL: a receipt is never served by the web server, only by the view that checks
    the reader is the claimant or one of the organisation's approvers.
    """

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.MEDIA_ROOT) or str(
            settings.VAR_DIR / "media"
        )

    def url(self, name):
        raise ValueError("Receipts have no public address: link to expenses:receipt")


receipts = ReceiptStorage()


def money(pence: int) -> str:
    """Pence as a page says them: "£1,234.56"."""
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}£{pence // 100:,}.{pence % 100:02d}"


def pounds(pence: int) -> str:
    """Pence as a payer's spreadsheet wants them: "1234.56"."""
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}{pence // 100}.{pence % 100:02d}"


class ExpensePolicy(models.Model):
    """An organisation's limits; without a row, the defaults stand."""

    organisation = models.OneToOneField(
        "directory.Organisation", on_delete=models.CASCADE, related_name="expense_policy"
    )
    claim_limit_pence = models.PositiveIntegerField(default=DEFAULT_CLAIM_LIMIT_PENCE)
    line_limit_pence = models.PositiveIntegerField(default=DEFAULT_LINE_LIMIT_PENCE)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.organisation}: {money(self.claim_limit_pence)} a claim"


class PaidRole(models.Model):
    """A community role paid at an agreed rate, for one person with one organisation."""

    class Unit(models.TextChoices):
        SESSION = "session", "a session"
        HOUR = "hour", "an hour"

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="paid_roles"
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="paid_roles"
    )
    title = models.CharField(max_length=120)
    rate_pence = models.PositiveIntegerField()
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.SESSION)
    is_active = models.BooleanField(default=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    agreed_at = models.DateTimeField(default=timezone.now)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.rate_display})"

    @property
    def rate_display(self) -> str:
        return f"{money(self.rate_pence)} {self.get_unit_display()}"


class ClaimQuerySet(models.QuerySet):
    def of(self, user):
        return self.filter(claimant=user)

    def for_organisations(self, ids):
        return self.filter(organisation_id__in=ids)

    def counted(self):
        """Claims that count against limits and duplicates: all but the rejected."""
        return self.exclude(state=ExpenseClaim.State.REJECTED)

    def with_people(self):
        return self.select_related("claimant", "organisation", "created_by")

    def with_totals(self):
        """Each claim's ``costs_pence``, ``pay_pence`` and ``total`` in the one query."""

        def total(model):
            rows = model.objects.filter(claim=OuterRef("pk")).order_by()
            summed = rows.values("claim").annotate(t=Sum("amount_pence")).values("t")
            return Coalesce(Subquery(summed), 0)

        return self.annotate(costs_pence=total(ExpenseLine), pay_pence=total(SessionLog)).annotate(
            total=F("costs_pence") + F("pay_pence")
        )


class ExpenseClaim(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        PAID = "paid", "Paid (exported to the payer)"

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="expense_claims"
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expense_claims"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    # A coordinator may fill a claim in for a volunteer (on the phone, from a paper form).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    export = models.ForeignKey(
        "PaymentExport", on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    is_demo = models.BooleanField(default=False, editable=False)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "state"], name="claim_org_state")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(rejection_reason=""),
                name="claim_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state="paid") | Q(export__isnull=False),
                name="claim_paid_is_exported",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} by {self.claimant}"

    @property
    def reference(self) -> str:
        return f"EXP-{self.pk:06d}"

    @property
    def on_behalf(self) -> bool:
        return self.created_by_id is not None and self.created_by_id != self.claimant_id

    def expenses_pence(self) -> int:
        return self.lines.aggregate(total=Sum("amount_pence"))["total"] or 0

    def sessions_pence(self) -> int:
        return self.sessions.aggregate(total=Sum("amount_pence"))["total"] or 0

    def total_pence(self) -> int:
        return self.expenses_pence() + self.sessions_pence()


class LineKind(models.TextChoices):
    MILEAGE = "mileage", "Mileage"
    PUBLIC_TRANSPORT = "public_transport", "Bus, train or tram fares"
    PARKING = "parking", "Parking"
    PHONE = "phone", "Phone calls and data"
    OTHER = "other", "Something else"


class Vehicle(models.TextChoices):
    CAR = mileage.CAR, "Car or van"
    MOTORCYCLE = mileage.MOTORCYCLE, "Motorcycle"
    BICYCLE = mileage.BICYCLE, "Bicycle"


class LineQuerySet(models.QuerySet):
    def counted(self):
        return self.exclude(claim__state=ExpenseClaim.State.REJECTED)


class ExpenseLine(models.Model):
    """One cost. Mileage keeps its miles and the rate it was paid at; a journey crossing the
    tax year's 10,000th car mile is two lines, one at each rate."""

    claim = models.ForeignKey(ExpenseClaim, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=20, choices=LineKind.choices)
    spent_on = models.DateField()
    description = models.CharField(max_length=200)
    miles = models.PositiveIntegerField(null=True, blank=True)
    vehicle = models.CharField(max_length=12, choices=Vehicle.choices, blank=True)
    rate_pence = models.PositiveIntegerField(null=True, blank=True)
    amount_pence = models.PositiveIntegerField()
    receipt = models.FileField(storage=receipts, upload_to="receipts/%Y/%m/", blank=True)
    receipt_name = models.CharField(max_length=200, blank=True)
    receipt_type = models.CharField(max_length=40, blank=True)
    receipt_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    objects = LineQuerySet.as_manager()

    class Meta:
        ordering = ["spent_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="mileage")
                | (Q(miles__isnull=False) & Q(rate_pence__isnull=False) & ~Q(vehicle="")),
                name="expense_mileage_has_miles_and_rate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.spent_on}: {money(self.amount_pence)}"


class SessionLog(models.Model):
    """Sessions (or hours) worked in a paid role, at the rate agreed when they were logged."""

    claim = models.ForeignKey(ExpenseClaim, on_delete=models.CASCADE, related_name="sessions")
    role = models.ForeignKey(PaidRole, on_delete=models.PROTECT, related_name="sessions")
    worked_on = models.DateField()
    # Sessions, or hours in quarters (a role paid by the hour): 6 = an hour and a half.
    quantity = models.PositiveIntegerField()
    rate_pence = models.PositiveIntegerField()
    amount_pence = models.PositiveIntegerField()
    note = models.CharField(max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["worked_on", "pk"]

    def __str__(self) -> str:
        return f"{self.role.title} on {self.worked_on}: {money(self.amount_pence)}"

    @property
    def quantity_display(self) -> str:
        if self.role.unit == PaidRole.Unit.HOUR:
            hours = self.quantity / 4
            return f"{hours:g} hour{'s' if hours != 1 else ''}"
        return f"{self.quantity} session{'s' if self.quantity != 1 else ''}"


class PaymentExport(models.Model):
    """One file for the payer: the approved claims it paid, kept so it can be downloaded
    again without paying anyone twice."""

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="expense_exports"
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    made_at = models.DateTimeField(default=timezone.now)
    total_pence = models.PositiveIntegerField()
    csv = models.TextField()

    class Meta:
        ordering = ["-made_at", "-pk"]

    def __str__(self) -> str:
        return f"Payment file {self.pk} for {self.organisation}: {money(self.total_pence)}"

    @property
    def filename(self) -> str:
        return f"expenses-{self.organisation.slug}-{self.made_at:%Y-%m-%d}-{self.pk}.csv"
