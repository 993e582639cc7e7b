"""Wellbrook Mutual Aid's expenses: Jo's claims in every state (a draft, one waiting for Sam,
one approved for the next payment run, one rejected with the reason, one paid in last
month's payment file), Jo's paid role leading the Tuesday walking group with its sessions,
and a claim Sam filled in on the phone for Ana.

Loading twice changes nothing: the paid role is found by its holder and title, and the
claims are made once (the demo's claims are marked ``is_demo``).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from fpdf import FPDF

from keepwell.funding.expenses import services
from keepwell.funding.expenses.models import ExpenseClaim, PaidRole, PaymentExport

ORGANISATION = "wellbrook-mutual-aid"


def _receipt(name: str, text: str) -> ContentFile:
    """A one-line PDF receipt, different for each cost (receipts are never claimed twice)."""
    pdf = FPDF(format=(105, 148))  # A6, in millimetres
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, text)
    return ContentFile(bytes(pdf.output()), name=name)


def _role(place) -> PaidRole:
    jo, sam = place.users["volunteer"], place.users["coordinator"]
    organisation = place.organisations[ORGANISATION]
    role = PaidRole.objects.filter(holder=jo, title="Walking group leader").first()
    if role is None:
        role = services.agree_role(
            organisation,
            by=sam,
            holder=jo,
            title="Walking group leader",
            rate_pence=25_00,
            unit=PaidRole.Unit.SESSION,
        )
        PaidRole.objects.filter(pk=role.pk).update(is_demo=True)
    return role


def load(place) -> None:
    role = _role(place)
    if ExpenseClaim.objects.filter(is_demo=True).exists():
        return
    jo, sam, ana = (place.users[n] for n in ("volunteer", "coordinator", "arealead"))
    organisation = place.organisations[ORGANISATION]
    today = timezone.localdate()

    def day(n: int):
        return today - timedelta(days=n)

    def claim(claimant, *, by, costs=(), sessions=()):
        made = services.start_claim(organisation, claimant=claimant, by=by)
        for kind, when, description, extra in costs:
            services.add_line(
                made, by=by, kind=kind, spent_on=day(when), description=description, **extra
            )
        for when, how_many in sessions:
            services.add_session(made, by=by, role=role, worked_on=day(when), quantity=how_many)
        return made

    car = {"vehicle": "car"}
    paid = claim(
        jo,
        by=jo,
        costs=[
            (
                "mileage",
                48,
                "Home to Riverside pharmacy and back, prescriptions",
                {"miles": 14, **car},
            ),
            (
                "parking",
                48,
                "Riverside car park",
                {
                    "amount_pence": 3_20,
                    "receipt": _receipt("parking.pdf", "Riverside car park\n2 hours\n£3.20"),
                },
            ),
        ],
        sessions=[(47, 1), (40, 1)],
    )
    approved = claim(
        jo,
        by=jo,
        costs=[
            (
                "mileage",
                20,
                "Hospital run for a neighbour, Wellbrook General",
                {"miles": 22, **car},
            ),
            (
                "public_transport",
                15,
                "Bus to the food bank",
                {
                    "amount_pence": 4_40,
                    "receipt": _receipt("bus.pdf", "Wellbrook Buses\nDay ticket\n£4.40"),
                },
            ),
        ],
        sessions=[(19, 1), (12, 1)],
    )
    waiting = claim(
        jo,
        by=jo,
        costs=[("phone", 6, "Calls to isolated members this month", {"amount_pence": 8_00})],
        sessions=[(5, 1)],
    )
    rejected = claim(
        jo,
        by=jo,
        costs=[("other", 30, "Flowers for Mrs Green's birthday", {"amount_pence": 15_00})],
    )
    claim(jo, by=jo, costs=[("mileage", 1, "Shopping run to the Co-op", {"miles": 6, **car})])
    for_ana = claim(
        ana,
        by=sam,  # Ana rang in her mileage; Sam filled the claim in for her
        costs=[("mileage", 9, "Doorstep visits in Riverside", {"miles": 11, "vehicle": "bicycle"})],
    )
    for made in (paid, approved, waiting, rejected, for_ana):
        services.submit(made, by=made.created_by)
    # Last month's payment run paid the first claim; the next run will pay those approved since.
    services.approve(paid, by=sam)
    export = services.export_for_payment(organisation, by=sam)
    PaymentExport.objects.filter(pk=export.pk).update(made_at=timezone.now() - timedelta(days=30))
    for made in (approved, for_ana):
        services.approve(made, by=sam)
    services.reject(
        rejected,
        by=sam,
        reason="Gifts are not expenses we can pay. Thank you for thinking of her; the group "
        "will send a card.",
    )
    ExpenseClaim.objects.filter(organisation=organisation, claimant__in=[jo, ana]).update(
        is_demo=True
    )
    for made, days in ((paid, 38), (approved, 11), (waiting, 4), (rejected, 28), (for_ana, 8)):
        _backdate(made, days)


def _backdate(claim: ExpenseClaim, days: int) -> None:
    """Give a demo claim its place in the history (the services stamp "now")."""
    claim.refresh_from_db()
    started = timezone.now() - timedelta(days=days)
    fields = {"created_at": started, "submitted_at": started + timedelta(hours=1)}
    if claim.decided_at is not None:
        fields["decided_at"] = started + timedelta(days=2)
    ExpenseClaim.objects.filter(pk=claim.pk).update(**fields)
