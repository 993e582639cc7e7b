"""The pages as people use them: Jo claims on her phone, Sam fills one in for her, approves,
rejects and makes the payer's file."""

from __future__ import annotations

import pytest
from django.urls import reverse

from keepwell.audit.models import AuditEvent
from keepwell.funding.expenses import services
from keepwell.funding.expenses.models import ExpenseClaim, ExpenseLine, PaymentExport
from tests.expenses.factories import approved, days_ago, make_claim, receipt, submitted


def _claim_url(claim, name="expenses:claim"):
    return reverse(name, kwargs={"claim_id": claim.pk})


def test_jo_starts_a_claim_adds_mileage_and_sends_it(world, as_user):
    client = as_user(world.jo)
    page = client.get(reverse("expenses:mine"))
    assert b"You have no claims yet" in page.content
    response = client.post(
        reverse("expenses:new"), {"organisation": world.mutual_aid.pk, "claimant": world.jo.pk}
    )
    claim = ExpenseClaim.objects.get()
    assert response["Location"] == _claim_url(claim)
    response = client.post(
        _claim_url(claim, "expenses:line_add"),
        {
            "kind": "mileage",
            "spent_on": days_ago(1).isoformat(),
            "description": "Home to the pharmacy and back",
            "miles": "14",
            "vehicle": "car",
        },
        follow=True,
    )
    assert "Added £6.30." in response.content.decode()
    assert "14 miles by car or van at 45p" in response.content.decode()
    client.post(_claim_url(claim, "expenses:submit"))
    claim.refresh_from_db()
    assert claim.state == "submitted"
    assert "Waiting for approval" in client.get(reverse("expenses:mine")).content.decode()


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"description": ""},
            ["Choose what did you spend it on", "Enter the date", "Enter what it was for"],
        ),
        (
            {"kind": "mileage", "spent_on": "2999-01-01", "description": "Trip"},
            [
                "The date must be today or in the past",
                "Enter the miles for a mileage claim",
                "Choose the vehicle for a mileage claim",
            ],
        ),
        (
            {"kind": "parking", "spent_on": "yesterday", "description": "x", "amount": "lots"},
            ["Enter the date as a real date", "Enter the amount in pounds, like 4.50"],
        ),
        (
            {"kind": "parking", "spent_on": "2026-01-01", "description": "x", "amount": "500"},
            ["£500.00 is over the £100.00 limit for one item"],
        ),
    ],
)
def test_a_wrong_cost_is_shown_in_the_error_summary_naming_the_field(world, as_user, data, errors):
    claim = make_claim(world, parking_pence=None)
    response = as_user(world.jo).post(_claim_url(claim, "expenses:line_add"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "nhsuk-error-summary" in page
    for error in errors:
        assert error in page
    assert not ExpenseLine.objects.exists()


def test_a_receipt_that_is_not_a_pdf_jpeg_or_png_is_refused_on_the_form(world, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    claim = make_claim(world, parking_pence=None)
    upload = SimpleUploadedFile("receipt.png", b"<html>not a picture</html>")
    data = {"kind": "parking", "spent_on": days_ago(1).isoformat(), "description": "Car park"}
    response = as_user(world.jo).post(
        _claim_url(claim, "expenses:line_add"), {**data, "amount": "3.20", "receipt": upload}
    )
    assert response.status_code == 400
    assert "The receipt must be a PDF, a JPEG or a PNG file" in response.content.decode()


def test_a_duplicate_cost_is_refused_with_a_clear_error(world, as_user):
    make_claim(world, parking_pence=3_20)
    second = make_claim(world, parking_pence=None)
    response = as_user(world.jo).post(
        _claim_url(second, "expenses:line_add"),
        {
            "kind": "parking",
            "spent_on": days_ago(3).isoformat(),
            "description": "Car park",
            "amount": "£3.20",
        },
    )
    assert response.status_code == 400
    assert "Jo Bell has already claimed this parking on" in response.content.decode()


def test_the_receipt_is_served_to_jo_and_sam_only_and_never_publicly(world, as_user, client):
    claim = make_claim(world, receipt=receipt("bus ticket"))
    line = claim.lines.get()
    url = reverse("expenses:receipt", kwargs={"line_id": line.pk})
    assert line.receipt.name not in as_user(world.jo).get(_claim_url(claim)).content.decode()
    for user in (world.jo, world.sam):
        response = as_user(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).endswith(b"bus ticket")
        assert response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "private, no-store"
    for user in (world.ana, world.olly, world.priya):
        assert as_user(user).get(url).status_code == 403
    with pytest.raises(ValueError, match="no public address"):
        line.receipt.url  # noqa: B018
    assert AuditEvent.objects.filter(summary__contains="Looked at the receipt").count() == 2
    line.receipt.storage.delete(line.receipt.name)
    missing = as_user(world.jo).get(url)
    assert missing.status_code == 404 and b"file is missing" in missing.content


def test_sam_fills_a_claim_in_for_jo_on_the_phone(world, as_user):
    client = as_user(world.sam)
    client.post(
        reverse("expenses:new"), {"organisation": world.mutual_aid.pk, "claimant": world.jo.pk}
    )
    claim = ExpenseClaim.objects.get()
    assert claim.claimant == world.jo and claim.created_by == world.sam
    assert "Sam Okafor, for Jo Bell" in client.get(_claim_url(claim)).content.decode()
    # Jo sees it among her claims too.
    assert claim.reference in as_user(world.jo).get(reverse("expenses:mine")).content.decode()


def test_a_volunteer_cannot_claim_for_someone_else(world, as_user):
    response = as_user(world.jo).post(
        reverse("expenses:new"), {"organisation": world.mutual_aid.pk, "claimant": world.ana.pk}
    )
    assert response.status_code == 400
    assert "Choose who is claiming from the list" in response.content.decode()
    assert not ExpenseClaim.objects.exists()


def test_sam_approves_from_the_queue_and_jo_hears(world, as_user):
    claim = submitted(world)
    client = as_user(world.sam)
    queue = client.get(reverse("expenses:queue")).content.decode()
    assert claim.reference in queue and "1 waiting for a decision" in queue
    response = client.post(_claim_url(claim, "expenses:decide"), {"decision": "approve"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == "approved" and claim.decided_by == world.sam
    queue = client.get(reverse("expenses:queue")).content.decode()
    ready = queue.split("Approved, waiting for the payment file")[1].split("<h2>")[0]
    assert claim.reference in ready and "1 approved and not yet paid" in queue


def test_rejecting_without_a_reason_asks_for_one(world, as_user):
    claim = submitted(world)
    response = as_user(world.sam).post(_claim_url(claim, "expenses:decide"), {"decision": "reject"})
    assert response.status_code == 400
    assert "Enter the reason for rejecting the claim" in response.content.decode()
    as_user(world.sam).post(
        _claim_url(claim, "expenses:decide"), {"decision": "reject", "reason": "No receipt"}
    )
    page = as_user(world.jo).get(_claim_url(claim)).content.decode()
    assert "Why it was rejected" in page and "No receipt" in page


def test_the_payment_file_is_made_once_and_downloaded_again_unchanged(world, as_user):
    claim = approved(world)
    client = as_user(world.sam)
    url = reverse("expenses:export", kwargs={"organisation_id": world.mutual_aid.pk})
    page = client.post(url, follow=True).content.decode()
    assert "Payment file made: 1 claims, £3.20" in page
    again = client.post(url, follow=True).content.decode()
    assert "There are no approved claims waiting to be paid" in again
    export = PaymentExport.objects.get()
    download = client.get(reverse("expenses:export_csv", kwargs={"export_id": export.pk}))
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert f"Jo Bell,jo@example.com,{claim.reference},3.20," in download.content.decode()
    claim.refresh_from_db()
    assert claim.state == "paid"
    page = as_user(world.jo).get(_claim_url(claim)).content.decode()
    assert "Paid (exported to the payer)" in page and "In the payment file of" in page


def test_sam_sets_the_groups_limits_and_they_hold(world, as_user):
    client = as_user(world.sam)
    url = reverse("expenses:limits", kwargs={"organisation_id": world.mutual_aid.pk})
    bad = client.post(url, {"claim_limit": "50", "line_limit": "80"})
    assert (
        "The limit for one item cannot be more than the limit for a claim" in bad.content.decode()
    )
    client.post(url, {"claim_limit": "£50", "line_limit": "20.00"})
    limits = services.policy(world.mutual_aid)
    assert (limits.claim_limit_pence, limits.line_limit_pence) == (50_00, 20_00)


def test_sam_agrees_a_paid_role_and_jo_logs_a_session(world, as_user):
    url = reverse("expenses:roles", kwargs={"organisation_id": world.mutual_aid.pk})
    as_user(world.sam).post(
        url, {"holder": world.jo.pk, "title": "Cook", "rate": "12.00", "unit": "hour"}
    )
    claim = make_claim(world, parking_pence=None)
    client = as_user(world.jo)
    role = world.jo.paid_roles.get()
    bad = client.post(
        _claim_url(claim, "expenses:session_add"),
        {"role": role.pk, "worked_on": days_ago(1).isoformat(), "how_much": "1.3"},
    )
    assert "Enter how many hours in quarters" in bad.content.decode()
    response = client.post(
        _claim_url(claim, "expenses:session_add"),
        {"role": role.pk, "worked_on": days_ago(1).isoformat(), "how_much": "2.5"},
        follow=True,
    )
    assert "Logged 2.5 hours: £30.00." in response.content.decode()


def test_the_lists_take_the_same_queries_however_many_claims(world, as_user, count_queries):
    jo, sam = as_user(world.jo), None
    submitted(world, parking_pence=1_00)

    def pages():
        jo.get(reverse("expenses:mine"))

    before = count_queries(pages)
    for pence in (2_00, 3_00, 4_00):
        submitted(world, parking_pence=pence)
    assert count_queries(pages) == before
    sam = as_user(world.sam)

    def queue():
        sam.get(reverse("expenses:queue"))

    before = count_queries(queue)
    submitted(world, parking_pence=5_00)
    assert count_queries(queue) == before
