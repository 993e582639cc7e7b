"""The rules a claim is held to, as Jo (a volunteer) and Sam (her coordinator) meet them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from keepwell.audit.models import AuditEvent
from keepwell.funding.expenses import mileage, services
from keepwell.funding.expenses.models import ExpenseClaim, ExpenseLine
from keepwell.messaging.models import Message
from tests.expenses.factories import approved, days_ago, make_claim, receipt, submitted
from tests.expenses.factories import walking_role as role_for_jo

Refused = services.Refused


def _mileage(claim, miles, *, on=None, vehicle="car", by=None):
    return services.add_line(
        claim,
        by=by or claim.claimant,
        kind="mileage",
        spent_on=on or days_ago(1),
        description="Hospital run",
        miles=miles,
        vehicle=vehicle,
    )


def test_mileage_is_paid_at_45p_and_the_rate_is_kept_on_the_line(world):
    claim = make_claim(world, parking_pence=None)
    (line,) = _mileage(claim, 12)
    assert (line.miles, line.rate_pence, line.amount_pence) == (12, 45, 540)


def test_past_10000_car_miles_in_a_tax_year_jo_is_paid_25p_until_the_next(world):
    services.set_limits(
        world.mutual_aid, by=world.sam, claim_limit_pence=10_000_00, line_limit_pence=10_000_00
    )
    last_year = date(mileage.tax_year_start(timezone.localdate()).year - 1, 4, 10)
    for n in range(10):
        _mileage(make_claim(world, parking_pence=None), 999, on=last_year + timedelta(days=n))
    last = make_claim(world, parking_pence=None)
    lines = _mileage(last, 20, on=last_year + timedelta(days=20))
    assert [(x.miles, x.rate_pence) for x in lines] == [(10, 45), (10, 25)]
    assert last.expenses_pence() == 10 * 45 + 10 * 25
    # This tax year starts again at 45p.
    (fresh,) = _mileage(make_claim(world, parking_pence=None), 5, on=timezone.localdate())
    assert fresh.rate_pence == 45


def test_miles_on_a_rejected_claim_do_not_count_towards_the_10000(world):
    services.set_limits(
        world.mutual_aid, by=world.sam, claim_limit_pence=10_000_00, line_limit_pence=10_000_00
    )
    claim = make_claim(world, parking_pence=None)
    _mileage(claim, 990, on=days_ago(5))
    services.submit(claim, by=world.jo)
    assert services.car_miles_before(world.jo, days_ago(1)) == 990
    services.reject(claim, by=world.sam, reason="Not a journey for the group")
    assert services.car_miles_before(world.jo, days_ago(1)) == 0


def test_a_claim_for_a_future_date_is_refused(world):
    claim = make_claim(world, parking_pence=None)
    with pytest.raises(Refused, match="today or in the past") as refused:
        _mileage(claim, 3, on=timezone.localdate() + timedelta(days=1))
    assert refused.value.field == "spent_on"


def test_an_item_or_a_claim_over_the_groups_limit_is_refused_with_the_limit(world):
    services.set_limits(
        world.mutual_aid, by=world.sam, claim_limit_pence=50_00, line_limit_pence=30_00
    )
    with pytest.raises(Refused, match="£30.01 is over the £30.00 limit for one item"):
        make_claim(world, parking_pence=30_01)
    claim = make_claim(world, parking_pence=30_00)
    with pytest.raises(Refused, match="£51.00, over the £50.00 limit for one claim"):
        services.add_line(
            claim,
            by=world.jo,
            kind="phone",
            spent_on=days_ago(2),
            description="Calls",
            amount_pence=21_00,
        )
    assert claim.expenses_pence() == 30_00


def test_the_default_limit_for_a_claim_is_150_pounds(world):
    limits = services.policy(world.mutual_aid)
    assert (limits.claim_limit_pence, limits.line_limit_pence) == (150_00, 100_00)


def test_the_same_cost_twice_is_caught_even_in_another_claim(world):
    make_claim(world, parking_pence=4_50)
    with pytest.raises(Refused, match="already claimed this parking on") as refused:
        make_claim(world, parking_pence=4_50)
    assert refused.value.field == "spent_on"
    # Another amount the same day is another cost.
    make_claim(world, parking_pence=2_00)


def test_a_cost_on_a_rejected_claim_can_be_claimed_again(world):
    claim = submitted(world, parking_pence=4_50)
    services.reject(claim, by=world.sam, reason="Add the receipt, please")
    make_claim(world, parking_pence=4_50)


def test_the_same_receipt_file_is_never_claimed_twice_by_anyone(world):
    make_claim(world, receipt=receipt("ticket 1"))
    with pytest.raises(Refused, match="receipt has already been claimed") as refused:
        make_claim(
            world, claimant=world.ana, by=world.sam, parking_pence=7_00, receipt=receipt("ticket 1")
        )
    assert refused.value.field == "receipt"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"MZ\x90\x00 a program pretending", "PDF, a JPEG or a PNG"),
        (b"<svg onload=alert(1)>", "PDF, a JPEG or a PNG"),
        (b"%PDF-1.4" + b"0" * (5 * 1024 * 1024), "5 MB or smaller"),
    ],
)
def test_a_receipt_is_checked_by_its_content_and_size_not_its_name(world, content, reason):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("receipt.pdf", content, content_type="application/pdf")
    with pytest.raises(Refused, match=reason):
        make_claim(world, receipt=upload)
    assert not ExpenseLine.objects.exists()


def test_a_coordinator_fills_a_claim_in_for_a_volunteer_and_it_says_so(world):
    claim = services.start_claim(world.mutual_aid, claimant=world.jo, by=world.sam)
    assert claim.created_by == world.sam and claim.on_behalf
    event = AuditEvent.objects.get(object_type="expenses.expenseclaim", action="create")
    assert event.actor == world.sam and "on their behalf" in event.summary


def test_only_a_coordinator_claims_for_someone_else_and_only_for_their_group(world):
    with pytest.raises(Refused, match="Only a coordinator"):
        services.start_claim(world.mutual_aid, claimant=world.ana, by=world.jo)
    with pytest.raises(Refused, match="not part of"):
        services.start_claim(world.mutual_aid, claimant=world.margaret, by=world.sam)


def test_sessions_in_a_paid_role_are_paid_at_the_agreed_rate(world):
    role = role_for_jo(world)
    claim = make_claim(world, parking_pence=None)
    session = services.add_session(claim, by=world.jo, role=role, worked_on=days_ago(7), quantity=2)
    assert (session.rate_pence, session.amount_pence) == (25_00, 50_00)
    with pytest.raises(Refused, match="already claimed"):
        services.add_session(claim, by=world.jo, role=role, worked_on=days_ago(7), quantity=1)


def test_hours_in_a_paid_role_are_paid_by_the_quarter_hour(world):
    role = services.agree_role(
        world.mutual_aid, by=world.sam, holder=world.jo, title="Cook", rate_pence=12_21, unit="hour"
    )
    claim = make_claim(world, parking_pence=None)
    session = services.add_session(claim, by=world.jo, role=role, worked_on=days_ago(1), quantity=6)
    assert session.amount_pence == 18_32  # 1.5 hours at £12.21, to the nearest penny
    assert session.quantity_display == "1.5 hours"


def test_a_claim_goes_from_draft_to_paid_and_says_who_did_each_step(world):
    claim = submitted(world)
    assert claim.state == "submitted" and claim.submitted_by == world.jo
    services.approve(claim, by=world.sam)
    export = services.export_for_payment(world.mutual_aid, by=world.sam)
    claim.refresh_from_db()
    assert claim.state == "paid" and claim.export == export
    assert (claim.decided_by, export.made_by) == (world.sam, world.sam)
    kinds = list(
        Message.objects.filter(about_type="expense_claim", about_id=claim.pk, channel="inbox")
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["expense_approved", "expense_paid"]


def test_nobody_decides_their_own_claim(world):
    claim = services.start_claim(world.mutual_aid, claimant=world.sam, by=world.sam)
    services.add_line(
        claim,
        by=world.sam,
        kind="phone",
        spent_on=days_ago(1),
        description="Calls",
        amount_pence=500,
    )
    services.submit(claim, by=world.sam)
    with pytest.raises(Refused, match="Someone else must decide"):
        services.approve(claim, by=world.sam)
    services.approve(claim, by=world.alex)


def test_a_rejection_needs_a_reason_and_the_claimant_hears(world):
    claim = submitted(world)
    with pytest.raises(Refused, match="Enter why"):
        services.reject(claim, by=world.sam, reason="  ")
    services.reject(claim, by=world.sam, reason="Parking is free there")
    claim.refresh_from_db()
    assert claim.rejection_reason == "Parking is free there"
    message = Message.objects.get(about_type="expense_claim", about_id=claim.pk, channel="inbox")
    assert message.kind == "expense_rejected" and message.user == world.jo
    assert claim.reference in message.body and "Parking is free" not in message.body


def test_a_decided_claim_cannot_change(world):
    claim = approved(world)
    with pytest.raises(Refused, match="cannot change now"):
        services.add_line(
            claim, by=world.jo, kind="phone", spent_on=days_ago(1), description="x", amount_pence=1
        )
    with pytest.raises(Refused, match="cannot change now"):
        services.reject(claim, by=world.sam, reason="Changed my mind")


def test_a_claim_is_in_one_payment_file_only(world):
    first = approved(world)
    export = services.export_for_payment(world.mutual_aid, by=world.sam)
    with pytest.raises(Refused, match="no approved claims waiting"):
        services.export_for_payment(world.mutual_aid, by=world.sam)
    second = approved(world, parking_pence=6_00)
    again = services.export_for_payment(world.mutual_aid, by=world.sam)
    assert list(export.claims.all()) == [first] and list(again.claims.all()) == [second]
    assert ExpenseClaim.objects.filter(state="paid").count() == 2


def test_the_payment_file_names_the_payee_reference_and_pounds_with_two_decimals(world):
    claim = make_claim(world, parking_pence=3_20)
    _mileage(claim, 10)
    services.add_session(
        claim, by=world.jo, role=role_for_jo(world), worked_on=days_ago(4), quantity=1
    )
    services.submit(claim, by=world.jo)
    services.approve(claim, by=world.sam)
    lines = services.export_for_payment(world.mutual_aid, by=world.sam).csv.splitlines()
    assert lines[0].startswith("Payee,Payee email,Reference,Claim total (£),Date,Item")
    assert len(lines) == 4
    assert all(f"Jo Bell,jo@example.com,{claim.reference},32.70," in row for row in lines[1:])
    assert lines[1].endswith("Parking,Riverside car park,,,3.20")
    assert lines[2].endswith(",10,0.45,4.50")
    assert lines[3].endswith("Walking group leader,,1 session,25.00,25.00")


def test_a_description_that_looks_like_a_formula_is_harmless_in_the_payment_file(world):
    claim = services.start_claim(world.mutual_aid, claimant=world.jo, by=world.jo)
    services.add_line(
        claim, by=world.jo, kind="other", spent_on=days_ago(1),
        description="=HYPERLINK(\"http://x\")", amount_pence=100,
    )  # fmt: skip
    services.submit(claim, by=world.jo)
    services.approve(claim, by=world.sam)
    text = services.export_for_payment(world.mutual_aid, by=world.sam).csv
    assert "'=HYPERLINK" in text
