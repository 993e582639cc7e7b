"""Expense claims and paid sessions: every write, each in one transaction with its audit row.

A claim goes draft → submitted → approved or rejected (with the reason) → paid, when a
coordinator makes the payer's file. The rules a claim is held to, each refused with words
that say what to change (:class:`Refused` names the form field):

* nothing dated in the future;
* no one item over the organisation's limit for an item, no claim's costs over its limit
  for a claim (paid sessions are at the agreed rate, so the claim limit is for costs);
* the same cost twice is caught: the same person, date, kind and amount (for mileage, the
  same miles) in a claim that was not rejected, or a receipt file already claimed;
* mileage at HMRC's rates, counting the claimant's car miles in the tax year (``mileage``).
"""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from keepwell.accounts.models import Membership, Role
from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.core import csvio
from keepwell.funding.expenses import mileage, notices
from keepwell.funding.expenses.models import (
    DEFAULT_CLAIM_LIMIT_PENCE,
    DEFAULT_LINE_LIMIT_PENCE,
    ExpenseClaim,
    ExpenseLine,
    ExpensePolicy,
    LineKind,
    PaidRole,
    PaymentExport,
    SessionLog,
    Vehicle,
    money,
)

MAX_RECEIPT_BYTES = 5 * 1024 * 1024
# What a receipt may be, told by its first bytes (never by its name or what the browser said).
RECEIPT_TYPES = (
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
)
State = ExpenseClaim.State


class Refused(ValueError):
    """A claim or line the rules refuse; ``field`` is the form field to show it on."""

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        super().__init__(message)


# --- who may do what ---------------------------------------------------------------------


def approves_for(user) -> set[int]:
    """The organisations whose claims ``user`` approves: those they coordinate."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return user.organisation_ids(Role.COORDINATOR)


def may_approve(user, organisation_id: int) -> bool:
    return user.is_authenticated and (
        user.is_platform_admin or organisation_id in approves_for(user)
    )


def claims_for(user, organisation_id: int) -> bool:
    """Whether ``user`` may claim from the organisation: they belong to it."""
    return Membership.objects.filter(user=user, organisation_id=organisation_id).exists()


def claimants_for(user):
    """The people a coordinator may fill a claim in for: those in the groups they coordinate."""
    from keepwell.accounts.models import User

    return (
        User.objects.filter(memberships__organisation_id__in=approves_for(user))
        .distinct()
        .order_by("display_name", "username")
    )


# --- limits ------------------------------------------------------------------------------------


def policy(organisation) -> ExpensePolicy:
    """The organisation's limits (unsaved defaults when it never set any)."""
    found = ExpensePolicy.objects.filter(organisation=organisation).first()
    return found or ExpensePolicy(
        organisation=organisation,
        claim_limit_pence=DEFAULT_CLAIM_LIMIT_PENCE,
        line_limit_pence=DEFAULT_LINE_LIMIT_PENCE,
    )


@transaction.atomic
def set_limits(organisation, *, by, claim_limit_pence: int, line_limit_pence: int):
    if line_limit_pence > claim_limit_pence:
        raise Refused(
            "The limit for one item cannot be more than the limit for a claim",
            "line_limit",
        )
    before = policy(organisation)
    found, _ = ExpensePolicy.objects.update_or_create(
        organisation=organisation,
        defaults={
            "claim_limit_pence": claim_limit_pence,
            "line_limit_pence": line_limit_pence,
            "changed_by": audit.acting_user(by),
            "changed_at": timezone.now(),
        },
    )
    audit.record(
        by,
        Action.UPDATE,
        found,
        purpose=Purpose.ADMINISTRATION,
        summary="Changed the limits for expense claims",
        changes=audit.diff(
            {"claim": before.claim_limit_pence, "item": before.line_limit_pence},
            {"claim": claim_limit_pence, "item": line_limit_pence},
        ),
    )
    return found


# --- claims ---------------------------------------------------------------------------------


def _person_id(user) -> int | None:
    person = getattr(user, "person", None)
    return getattr(person, "pk", None)


def _audit(claim: ExpenseClaim, by, action: str, summary: str, **extra) -> None:
    audit.record(
        by,
        action,
        claim,
        purpose=Purpose.ADMINISTRATION,
        person_id=_person_id(claim.claimant),
        summary=f"{claim.reference}: {summary}",
        **extra,
    )


def read_claim(claim: ExpenseClaim, *, by) -> ExpenseClaim:
    """Someone opened a claim: its lines say where the claimant went and when."""
    _audit(claim, by, Action.READ, "Looked at the expense claim")
    return claim


@transaction.atomic
def start_claim(organisation, *, claimant, by) -> ExpenseClaim:
    """A draft claim; a coordinator may start one for someone in their group."""
    if not claims_for(claimant, organisation.pk):
        raise Refused(f"{claimant} is not part of {organisation}", "claimant")
    if claimant.pk != by.pk and not may_approve(by, organisation.pk):
        raise Refused(f"Only a coordinator of {organisation} can claim for someone else")
    claim = ExpenseClaim.objects.create(
        organisation=organisation, claimant=claimant, created_by=audit.acting_user(by)
    )
    on_behalf = " on their behalf" if claimant.pk != by.pk else ""
    _audit(claim, by, Action.CREATE, f"Started an expense claim{on_behalf}")
    return claim


def _locked(claim: ExpenseClaim, *states: str) -> ExpenseClaim:
    """The claim, locked for this transaction, refused unless it is in one of ``states``."""
    # Only the claim's row: locking the joined user and organisation rows too would make
    # two claims to the same group wait on each other.
    fresh = (
        ExpenseClaim.objects.select_for_update(of=("self",))
        .select_related("claimant", "organisation")
        .get(pk=claim.pk)
    )
    if fresh.state not in states:
        raise Refused(f"This claim is {fresh.get_state_display().lower()}: it cannot change now")
    return fresh


def _today() -> date:
    return timezone.localdate()


def _check_date(day: date, field: str) -> None:
    if day > _today():
        raise Refused("The date must be today or in the past: claim once you have spent it", field)


def inspect_receipt(upload) -> tuple[str, str]:
    """(content type, SHA-256) of an uploaded receipt, or :class:`Refused` saying why not."""
    if upload.size > MAX_RECEIPT_BYTES:
        raise Refused("The receipt must be 5 MB or smaller: take a smaller photo", "receipt")
    upload.seek(0)
    head = upload.read(16)
    kind = next((t for magic, t, _ in RECEIPT_TYPES if head.startswith(magic)), None)
    if kind is None:
        raise Refused("The receipt must be a PDF, a JPEG or a PNG file", "receipt")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return kind, digest.hexdigest()


def car_miles_before(claimant, day: date) -> int:
    """The car miles the claimant has claimed in the tax year ``day`` is in (rejected claims
    left out): where the 45p rate ends."""
    start = mileage.tax_year_start(day)
    end = date(start.year + 1, 4, 6)
    found = (
        ExpenseLine.objects.counted()
        .filter(
            claim__claimant=claimant,
            kind=LineKind.MILEAGE,
            vehicle=Vehicle.CAR,
            spent_on__gte=start,
            spent_on__lt=end,
        )
        .aggregate(total=Sum("miles"))["total"]
    )
    return found or 0


def _check_duplicate(claim, *, kind, spent_on, amount_pence, miles, sha256) -> None:
    lines = ExpenseLine.objects.counted().filter(claim__claimant=claim.claimant)
    if sha256 and ExpenseLine.objects.counted().filter(receipt_sha256=sha256).exists():
        raise Refused("This receipt has already been claimed", "receipt")
    same = lines.filter(kind=kind, spent_on=spent_on)
    if kind == LineKind.MILEAGE:
        # A journey over the 10,000th mile is two lines: compare the journey's miles.
        total = same.values("claim").annotate(m=Sum("miles")).filter(m=miles)
        duplicate = total.exists()
    else:
        duplicate = same.filter(amount_pence=amount_pence).exists()
    if duplicate:
        raise Refused(
            f"{claim.claimant} has already claimed this {LineKind(kind).label.lower()} on "
            f"{spent_on:%d/%m/%Y}: it is not claimed twice",
            "spent_on",
        )


def _check_limits(claim: ExpenseClaim, amount_pence: int) -> None:
    limits = policy(claim.organisation)
    if amount_pence > limits.line_limit_pence:
        raise Refused(
            f"{money(amount_pence)} is over the {money(limits.line_limit_pence)} limit for one "
            f"item at {claim.organisation}: ask a coordinator about a larger cost",
            "amount",
        )
    after = claim.expenses_pence() + amount_pence
    if after > limits.claim_limit_pence:
        raise Refused(
            f"This would make the claim {money(after)}, over the "
            f"{money(limits.claim_limit_pence)} limit for one claim: put it in a new claim",
            "amount",
        )


@transaction.atomic
def add_line(
    claim: ExpenseClaim,
    *,
    by,
    kind: str,
    spent_on: date,
    description: str,
    amount_pence: int | None = None,
    miles: int | None = None,
    vehicle: str = "",
    receipt=None,
) -> list[ExpenseLine]:
    """Add a cost to a draft claim: one line, or two for a journey over the 10,000th mile."""
    # One claimant's lines are added one at a time, so two journeys cannot both be paid
    # at 45p across the 10,000th mile: all their claims are locked first, in one order.
    mine = ExpenseClaim.objects.select_for_update().filter(claimant_id=claim.claimant_id)
    list(mine.order_by("pk").values_list("pk", flat=True))
    claim = _locked(claim, State.DRAFT)
    _check_date(spent_on, "spent_on")
    receipt_type = sha256 = ""
    if receipt is not None:
        receipt_type, sha256 = inspect_receipt(receipt)
    if kind == LineKind.MILEAGE:
        if not miles or miles < 1:
            raise Refused("Enter the miles, a whole number of 1 or more", "miles")
        if vehicle not in Vehicle.values:
            raise Refused("Choose the vehicle", "vehicle")
        # The 10,000-mile threshold counts cars and vans only; other rates never change.
        before = car_miles_before(claim.claimant, spent_on) if vehicle == Vehicle.CAR else 0
        parts = mileage.parts(vehicle, miles, miles_before=before)
        amount_pence = sum(part.pence for part in parts)
    elif not amount_pence or amount_pence < 1:
        raise Refused("Enter the amount, like 4.50", "amount")
    else:
        parts = []
    _check_duplicate(
        claim, kind=kind, spent_on=spent_on, amount_pence=amount_pence, miles=miles, sha256=sha256
    )
    _check_limits(claim, amount_pence)
    common = {
        "claim": claim,
        "kind": kind,
        "spent_on": spent_on,
        "description": description,
        "added_by": audit.acting_user(by),
    }
    if parts:
        lines = [
            ExpenseLine(
                **common,
                miles=part.miles,
                vehicle=vehicle,
                rate_pence=part.rate_pence,
                amount_pence=part.pence,
            )
            for part in parts
        ]
    else:
        lines = [ExpenseLine(**common, amount_pence=amount_pence)]
    if receipt is not None:
        first = lines[0]
        first.receipt_name = (getattr(receipt, "name", "") or "receipt")[-200:]
        first.receipt_type = receipt_type
        first.receipt_sha256 = sha256
        extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
        # A name of our making: what the claimant called the file never reaches the disk.
        field = ExpenseLine._meta.get_field("receipt")
        name = field.generate_filename(first, f"{uuid.uuid4().hex}.{extension[receipt_type]}")
        first.receipt.name = field.storage.save(name, receipt)
    for line in lines:
        line.save()
    _audit(
        claim,
        by,
        Action.UPDATE,
        f"Added {LineKind(kind).label.lower()} of {money(amount_pence)}",
    )
    return lines


@transaction.atomic
def add_session(
    claim: ExpenseClaim, *, by, role: PaidRole, worked_on: date, quantity: int, note: str = ""
) -> SessionLog:
    """Sessions (or quarter hours) in a paid role, at the role's agreed rate."""
    claim = _locked(claim, State.DRAFT)
    if role.holder_id != claim.claimant_id or role.organisation_id != claim.organisation_id:
        raise Refused("Choose one of the claimant's paid roles with this organisation", "role")
    if not role.is_active:
        raise Refused(f"The role “{role.title}” has ended", "role")
    _check_date(worked_on, "worked_on")
    if quantity < 1:
        raise Refused("Enter how many, 1 or more", "quantity")
    if SessionLog.objects.filter(
        role=role, worked_on=worked_on, claim__state__in=[s for s in State if s != State.REJECTED]
    ).exists():
        raise Refused(
            f"Sessions as {role.title} on {worked_on:%d/%m/%Y} are already claimed", "worked_on"
        )
    amount = role.rate_pence * quantity
    if role.unit == PaidRole.Unit.HOUR:
        amount = (role.rate_pence * quantity + 2) // 4  # quarter hours, to the nearest penny
    session = SessionLog.objects.create(
        claim=claim,
        role=role,
        worked_on=worked_on,
        quantity=quantity,
        rate_pence=role.rate_pence,
        amount_pence=amount,
        note=note,
        added_by=audit.acting_user(by),
    )
    _audit(claim, by, Action.UPDATE, f"Logged {session.quantity_display} as {role.title}")
    return session


@transaction.atomic
def remove_line(line: ExpenseLine, *, by) -> None:
    claim = _locked(line.claim, State.DRAFT)
    if line.receipt:
        name = line.receipt.name
        transaction.on_commit(lambda: line.receipt.storage.delete(name))
    line.delete()
    _audit(claim, by, Action.UPDATE, f"Took off {LineKind(line.kind).label.lower()}")


@transaction.atomic
def remove_session(session: SessionLog, *, by) -> None:
    claim = _locked(session.claim, State.DRAFT)
    session.delete()
    _audit(claim, by, Action.UPDATE, f"Took off sessions as {session.role.title}")


@transaction.atomic
def submit(claim: ExpenseClaim, *, by) -> ExpenseClaim:
    claim = _locked(claim, State.DRAFT)
    if not claim.lines.exists() and not claim.sessions.exists():
        raise Refused("Add at least one cost or session before sending the claim")
    claim.state = State.SUBMITTED
    claim.submitted_by = audit.acting_user(by)
    claim.submitted_at = timezone.now()
    claim.save(update_fields=["state", "submitted_by", "submitted_at"])
    _audit(claim, by, Action.UPDATE, "Sent the claim for approval")
    return claim


def _decide(claim: ExpenseClaim, by) -> ExpenseClaim:
    claim = _locked(claim, State.SUBMITTED)
    if not may_approve(by, claim.organisation_id):
        raise Refused(f"Only a coordinator of {claim.organisation} can decide this claim")
    if claim.claimant_id == by.pk:
        raise Refused("Someone else must decide your own claim")
    claim.decided_by = audit.acting_user(by)
    claim.decided_at = timezone.now()
    return claim


@transaction.atomic
def approve(claim: ExpenseClaim, *, by) -> ExpenseClaim:
    claim = _decide(claim, by)
    claim.state = State.APPROVED
    claim.save(update_fields=["state", "decided_by", "decided_at"])
    _audit(claim, by, Action.UPDATE, "Approved the claim")
    notices.tell_claimant(claim, "expense_approved", by=by)
    return claim


@transaction.atomic
def reject(claim: ExpenseClaim, *, by, reason: str) -> ExpenseClaim:
    reason = reason.strip()
    if not reason:
        raise Refused("Enter why the claim is rejected: the claimant will read it", "reason")
    claim = _decide(claim, by)
    claim.state = State.REJECTED
    claim.rejection_reason = reason
    claim.save(update_fields=["state", "decided_by", "decided_at", "rejection_reason"])
    _audit(claim, by, Action.UPDATE, "Rejected the claim", changes={"reason": [None, reason]})
    notices.tell_claimant(claim, "expense_rejected", by=by)
    return claim


# --- paying -------------------------------------------------------------------------------------

EXPORT_HEADER = (
    "Payee",
    "Payee email",
    "Reference",
    "Claim total (£)",
    "Date",
    "Item",
    "Details",
    "Miles or quantity",
    "Rate (£)",
    "Amount (£)",
)


def _pounds(pence: int | None) -> Decimal | str:
    # Two decimals kept (12.50, not 12.5), and a number still, so the column sums.
    return "" if pence is None else Decimal(pence).scaleb(-2)


def _export_rows(claims) -> list[list]:
    rows = []
    for claim in claims:
        total = claim.total_pence()
        payee = [str(claim.claimant), claim.claimant.email, claim.reference, _pounds(total)]
        for line in claim.lines.all():
            rows.append(
                [
                    *payee,
                    line.spent_on.isoformat(),
                    line.get_kind_display(),
                    line.description,
                    line.miles or "",
                    _pounds(line.rate_pence),
                    _pounds(line.amount_pence),
                ]
            )
        for session in claim.sessions.all():
            rows.append(
                [
                    *payee,
                    session.worked_on.isoformat(),
                    session.role.title,
                    session.note,
                    session.quantity_display,
                    _pounds(session.rate_pence),
                    _pounds(session.amount_pence),
                ]
            )
    return rows


def payable(organisation):
    """Approved claims not yet in a payment file."""
    return ExpenseClaim.objects.filter(
        organisation=organisation, state=State.APPROVED, export__isnull=True
    )


@transaction.atomic
def export_for_payment(organisation, *, by) -> PaymentExport:
    """The payer's file of every approved claim not yet paid; those claims become paid, so
    a claim is in one file only, however often the button is pressed."""
    if not may_approve(by, organisation.pk):
        raise Refused(f"Only a coordinator of {organisation} can make its payment file")
    claims = list(
        payable(organisation)
        .select_for_update(of=("self",))
        .select_related("claimant")
        .prefetch_related("lines", "sessions__role")
        .order_by("pk")
    )
    if not claims:
        raise Refused("There are no approved claims waiting to be paid")
    out = io.StringIO()
    csvio.Writer(out).writerows([EXPORT_HEADER, *_export_rows(claims)])
    export = PaymentExport.objects.create(
        organisation=organisation,
        made_by=audit.acting_user(by),
        total_pence=sum(c.total_pence() for c in claims),
        csv=out.getvalue(),
    )
    ExpenseClaim.objects.filter(pk__in=[c.pk for c in claims]).update(
        state=State.PAID, export=export
    )
    for claim in claims:
        claim.state, claim.export = State.PAID, export
        _audit(claim, by, Action.EXPORT, f"Paid in payment file {export.pk}")
        notices.tell_claimant(claim, "expense_paid", by=by)
    return export


def read_export(export: PaymentExport, *, by) -> str:
    """The payment file's text; downloading it again is logged for each claim in it."""
    for claim in export.claims.select_related("claimant__person"):
        _audit(claim, by, Action.EXPORT, f"Downloaded payment file {export.pk}")
    return export.csv


def read_receipt(line: ExpenseLine, *, by):
    """The receipt file, opened for reading; looking at it is logged."""
    _audit(line.claim, by, Action.READ, f"Looked at the receipt for {line.get_kind_display()}")
    return line.receipt.open("rb")


# --- paid roles ---------------------------------------------------------------------------------


@transaction.atomic
def agree_role(organisation, *, by, holder, title: str, rate_pence: int, unit: str) -> PaidRole:
    if not claims_for(holder, organisation.pk):
        raise Refused(f"{holder} is not part of {organisation}", "holder")
    if rate_pence < 1:
        raise Refused("Enter the agreed rate, like 25.00", "rate")
    role = PaidRole.objects.create(
        organisation=organisation,
        holder=holder,
        title=title,
        rate_pence=rate_pence,
        unit=unit,
        agreed_by=audit.acting_user(by),
    )
    audit.record(
        by,
        Action.CREATE,
        role,
        purpose=Purpose.ADMINISTRATION,
        person_id=_person_id(holder),
        summary=f"Agreed the paid role {title} at {role.rate_display}",
    )
    return role


@transaction.atomic
def end_role(role: PaidRole, *, by) -> PaidRole:
    role.is_active = False
    role.save(update_fields=["is_active"])
    audit.record(
        by,
        Action.UPDATE,
        role,
        purpose=Purpose.ADMINISTRATION,
        person_id=_person_id(role.holder),
        summary=f"Ended the paid role {role.title}",
    )
    return role


def claim_url(claim: ExpenseClaim) -> str:
    return reverse("expenses:claim", kwargs={"claim_id": claim.pk})
