"""Expense pages: my claims, a claim and its costs, the approval queue and the payer's file.

Thin: find the object (refused unless the user may), call a service, render. A service that
refuses says why on the form, or as a message on the claim's page.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from keepwell.accounts.models import Membership, User
from keepwell.core.pages import form_page
from keepwell.core.permissions import require
from keepwell.directory.models import Organisation
from keepwell.funding.expenses import forms, services
from keepwell.funding.expenses.models import (
    ExpenseClaim,
    ExpenseLine,
    PaidRole,
    PaymentExport,
    SessionLog,
    money,
)

State = ExpenseClaim.State


def _claim(request, claim_id: int, perm: str = "expenses.view_claim") -> ExpenseClaim:
    claim = get_object_or_404(ExpenseClaim.objects.with_people(), pk=claim_id)
    require(request, perm, claim)
    return claim


def _organisation(request, organisation_id: int) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    require(request, "expenses.manage", organisation)
    return organisation


def _refused_on(form, save):
    """Run ``save``; a refusal goes on the form, on its field when it names one."""

    def run():
        try:
            return save()
        except services.Refused as refused:
            field = refused.field if refused.field in form.fields else None
            form.add_error(field, str(refused))
            return None

    return run


def _act(request, claim: ExpenseClaim, act, success: str):
    """A button on the claim's page: do it, say how it went, and go back to the claim."""
    try:
        act()
    except services.Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, success)
    return redirect("expenses:claim", claim_id=claim.pk)


def _form(
    request,
    form,
    *,
    title: str,
    save,
    success,
    redirect_to,
    back: str,
    template="expenses/form.html",
    **extra,
):
    context = {"title": title, "back": back, **extra}
    return form_page(
        request,
        form,
        template,
        context,
        save=_refused_on(form, save),
        success=success,
        redirect_to=redirect_to,
    )


# --- a claimant's pages ---------------------------------------------------------------------


@login_required
def mine(request):
    require(request, "expenses.claim")
    user = request.user
    claims = (
        ExpenseClaim.objects.filter(Q(claimant=user) | Q(created_by=user))
        .with_people()
        .with_totals()
    )
    roles = PaidRole.objects.filter(holder=user, is_active=True).select_related("organisation")
    return render(
        request,
        "expenses/mine.html",
        {
            "claims": claims,
            "roles": roles,
            "approves": request.user.has_perm("expenses.approve_any"),
        },
    )


@login_required
def new(request):
    require(request, "expenses.claim")
    user = request.user
    organisations = Organisation.objects.filter(
        pk__in=user.organisation_ids() | services.approves_for(user)
    ).order_by("name")
    claimants = User.objects.filter(
        Q(pk=user.pk) | Q(pk__in=services.claimants_for(user).values("pk"))
    ).order_by("display_name", "username")
    form = forms.StartClaimForm(
        request.POST or None,
        organisations=organisations,
        claimants=claimants,
        initial={"claimant": user.pk},
    )

    def save():
        return services.start_claim(
            form.cleaned_data["organisation"], claimant=form.cleaned_data["claimant"], by=user
        )

    return _form(
        request,
        form,
        title="Start an expenses claim",
        save=save,
        success="Claim started: add what you spent.",
        redirect_to=lambda claim: services.claim_url(claim),
        back=reverse("expenses:mine"),
    )


@login_required
def claim_detail(request, claim_id: int):
    claim = services.read_claim(_claim(request, claim_id), by=request.user)
    lines = list(claim.lines.select_related("added_by"))
    sessions = list(claim.sessions.select_related("role", "added_by"))
    costs = sum(line.amount_pence for line in lines)
    pay = sum(session.amount_pence for session in sessions)
    limits = services.policy(claim.organisation)
    user = request.user
    return render(
        request,
        "expenses/claim.html",
        {
            "claim": claim,
            "lines": lines,
            "sessions": sessions,
            "costs": money(costs),
            "pay": money(pay),
            "total": money(costs + pay),
            "claim_limit": money(limits.claim_limit_pence),
            "line_limit": money(limits.line_limit_pence),
            "can_change": user.has_perm("expenses.change_claim", claim),
            "can_decide": user.has_perm("expenses.decide_claim", claim),
            "has_roles": PaidRole.objects.filter(
                holder=claim.claimant_id, organisation=claim.organisation_id, is_active=True
            ).exists(),
        },
    )


@login_required
def line_add(request, claim_id: int):
    claim = _claim(request, claim_id, "expenses.change_claim")
    form = forms.LineForm(request.POST or None, request.FILES or None)

    def save():
        data = form.cleaned_data
        return services.add_line(
            claim,
            by=request.user,
            kind=data["kind"],
            spent_on=data["spent_on"],
            description=data["description"],
            amount_pence=data.get("amount"),
            miles=data.get("miles"),
            vehicle=data.get("vehicle") or "",
            receipt=data.get("receipt") or None,
        )

    return _form(
        request,
        form,
        title="Add a cost",
        save=save,
        success=lambda lines: f"Added {money(sum(line.amount_pence for line in lines))}.",
        redirect_to=services.claim_url(claim),
        back=services.claim_url(claim),
        claim=claim,
        upload=True,
    )


@login_required
def session_add(request, claim_id: int):
    claim = _claim(request, claim_id, "expenses.change_claim")
    roles = PaidRole.objects.filter(
        holder=claim.claimant_id, organisation=claim.organisation_id, is_active=True
    )
    form = forms.SessionForm(request.POST or None, roles=roles)

    def save():
        data = form.cleaned_data
        return services.add_session(
            claim,
            by=request.user,
            role=data["role"],
            worked_on=data["worked_on"],
            quantity=data["quantity"],
            note=data.get("note", ""),
        )

    return _form(
        request,
        form,
        title="Log paid sessions",
        save=save,
        success=lambda session: (
            f"Logged {session.quantity_display}: {money(session.amount_pence)}."
        ),
        redirect_to=services.claim_url(claim),
        back=services.claim_url(claim),
        claim=claim,
    )


@login_required
@require_POST
def line_remove(request, line_id: int):
    line = get_object_or_404(ExpenseLine.objects.select_related("claim"), pk=line_id)
    require(request, "expenses.change_claim", line)
    return _act(
        request,
        line.claim,
        lambda: services.remove_line(line, by=request.user),
        "Cost taken off the claim.",
    )


@login_required
@require_POST
def session_remove(request, session_id: int):
    session = get_object_or_404(SessionLog.objects.select_related("claim", "role"), pk=session_id)
    require(request, "expenses.change_claim", session)
    return _act(
        request,
        session.claim,
        lambda: services.remove_session(session, by=request.user),
        "Sessions taken off the claim.",
    )


@login_required
@require_POST
def submit(request, claim_id: int):
    claim = _claim(request, claim_id, "expenses.change_claim")
    return _act(
        request,
        claim,
        lambda: services.submit(claim, by=request.user),
        "Claim sent for approval.",
    )


@login_required
def receipt(request, line_id: int):
    """A receipt, for the claimant and the approvers only (never a public file)."""
    line = get_object_or_404(ExpenseLine.objects.select_related("claim__claimant"), pk=line_id)
    require(request, "expenses.view_claim", line)
    if not line.receipt:
        return HttpResponse("This cost has no receipt.", status=404, content_type="text/plain")
    try:
        opened = services.read_receipt(line, by=request.user)
    except FileNotFoundError:
        return HttpResponse(
            "The receipt's file is missing: ask the claimant for it again.",
            status=404,
            content_type="text/plain",
        )
    response = FileResponse(
        opened,
        content_type=line.receipt_type,
        as_attachment=line.receipt_type == "application/pdf",
        filename=f"receipt-{line.claim.reference}-{line.pk}{Path(line.receipt.name).suffix}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


# --- coordinators ---------------------------------------------------------------------------


@login_required
def decide(request, claim_id: int):
    claim = _claim(request, claim_id, "expenses.decide_claim")
    form = forms.DecideForm(request.POST or None)

    def save():
        if form.cleaned_data["decision"] == "approve":
            return services.approve(claim, by=request.user)
        return services.reject(claim, by=request.user, reason=form.cleaned_data["reason"])

    return _form(
        request,
        form,
        title=f"Decide claim {claim.reference}",
        save=save,
        success=lambda done: f"Claim {done.reference}: {done.get_state_display().lower()}.",
        redirect_to="expenses:queue",
        back=services.claim_url(claim),
        claim=claim,
        total=money(claim.total_pence()),
    )


@login_required
def queue(request):
    require(request, "expenses.approve_any")
    user = request.user
    ids = None if user.is_platform_admin else services.approves_for(user)
    claims = ExpenseClaim.objects.with_people().with_totals()
    organisations = Organisation.objects.order_by("name")
    if ids is not None:
        claims = claims.for_organisations(ids)
        organisations = organisations.filter(pk__in=ids)
    organisations = organisations.annotate(
        waiting=Count("expense_claims", filter=Q(expense_claims__state=State.SUBMITTED)),
        payable=Count(
            "expense_claims",
            filter=Q(expense_claims__state=State.APPROVED, expense_claims__export__isnull=True),
        ),
    )
    if ids is None:
        organisations = organisations.filter(Q(waiting__gt=0) | Q(payable__gt=0))
    exports = PaymentExport.objects.filter(organisation__in=organisations).select_related(
        "organisation", "made_by"
    )[:20]
    return render(
        request,
        "expenses/queue.html",
        {
            "waiting": claims.filter(state=State.SUBMITTED).order_by("submitted_at"),
            "ready": claims.filter(state=State.APPROVED, export__isnull=True).order_by(
                "decided_at"
            ),
            "organisations": organisations,
            "exports": exports,
        },
    )


@login_required
@require_POST
def export(request, organisation_id: int):
    organisation = _organisation(request, organisation_id)
    try:
        made = services.export_for_payment(organisation, by=request.user)
    except services.Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            f"Payment file made: {made.claims.count()} claims, {money(made.total_pence)}. "
            "Download it below.",
        )
    return redirect("expenses:queue")


@login_required
def export_csv(request, export_id: int):
    made = get_object_or_404(PaymentExport.objects.select_related("organisation"), pk=export_id)
    require(request, "expenses.manage", made.organisation)
    response = HttpResponse(
        services.read_export(made, by=request.user), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    return response


@login_required
def limits(request, organisation_id: int):
    organisation = _organisation(request, organisation_id)
    current = services.policy(organisation)
    form = forms.LimitsForm(
        request.POST or None,
        initial={
            "claim_limit": f"{current.claim_limit_pence / 100:.2f}",
            "line_limit": f"{current.line_limit_pence / 100:.2f}",
        },
    )

    def save():
        return services.set_limits(
            organisation,
            by=request.user,
            claim_limit_pence=form.cleaned_data["claim_limit"],
            line_limit_pence=form.cleaned_data["line_limit"],
        )

    return _form(
        request,
        form,
        title=f"Expense limits for {organisation}",
        save=save,
        success="Limits saved.",
        redirect_to="expenses:queue",
        back=reverse("expenses:queue"),
    )


@login_required
def roles(request, organisation_id: int):
    organisation = _organisation(request, organisation_id)
    holders = User.objects.filter(
        pk__in=Membership.objects.filter(organisation=organisation).values("user")
    ).order_by("display_name", "username")
    form = forms.RoleForm(request.POST or None, holders=holders)

    def save():
        data = form.cleaned_data
        return services.agree_role(
            organisation,
            by=request.user,
            holder=data["holder"],
            title=data["title"],
            rate_pence=data["rate"],
            unit=data["unit"],
        )

    current = PaidRole.objects.filter(organisation=organisation).select_related("holder")
    return _form(
        request,
        form,
        title=f"Paid community roles at {organisation}",
        save=save,
        success=lambda role: f"{role.title} agreed at {role.rate_display}.",
        redirect_to=request.path,
        back=reverse("expenses:queue"),
        template="expenses/roles.html",
        roles=current,
        submit="Agree the role",
    )


@login_required
@require_POST
def role_end(request, role_id: int):
    role = get_object_or_404(PaidRole.objects.select_related("holder"), pk=role_id)
    require(request, "expenses.manage", role)
    services.end_role(role, by=request.user)
    messages.success(request, f"{role.title} ended: no more sessions can be logged in it.")
    return redirect("expenses:roles", organisation_id=role.organisation_id)
