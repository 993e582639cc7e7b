"""Funding pages. Thin: parse, authorise (rules.py), call a service, render.

Programmes, awards, the share invested and the 360Giving files are public; applications
are seen by their group, the funder's officers and, once sent, the programme's panel."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from keepwell.core.charts import Chart, Series
from keepwell.core.pages import form_page
from keepwell.core.permissions import require
from keepwell.funding import figures, forms, giving360, money, queries, services
from keepwell.funding.models import Application, Award, Funder, Programme, ReportDue


def _programme(slug: str) -> Programme:
    return get_object_or_404(Programme.objects.select_related("funder__organisation"), slug=slug)


def _application(request, pk: int, perm: str = "funding.view_application") -> Application:
    application = get_object_or_404(
        Application.objects.select_related(
            "programme__funder__organisation", "organisation", "filled_by"
        ),
        pk=pk,
    )
    require(request, perm, application)
    return application


def _award(pk: int) -> Award:
    return get_object_or_404(Award.objects.for_listing(), pk=pk)


def _funder(request, pk: int) -> Funder:
    funder = get_object_or_404(Funder.objects.select_related("organisation"), pk=pk)
    require(request, "funding.manage", funder)
    return funder


def _refusing(form, call: Callable[[], object]) -> Callable[[], object]:
    """``call`` as a form page's ``save``: a refusal is shown on the form, on its field."""

    def save():
        try:
            return call()
        except services.FundingError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return None

    return save


def _page(request, form, *, title: str, save, success, redirect_to, back: str = "", **extra):
    context = {"title": title, "back": back, **extra}
    return form_page(
        request,
        form,
        "funding/form.html",
        context,
        save=_refusing(form, save),
        success=success,
        redirect_to=redirect_to,
    )


def _act(request, call: Callable[[], object], success: str) -> None:
    try:
        call()
    except services.FundingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


def _application_url(application) -> str:
    return reverse("funding:application", args=[application.pk])


# --- public ----------------------------------------------------------------------------------


def index(request):
    today = timezone.localdate()
    open_calls = Programme.objects.open_on(today).select_related("funder__organisation")
    context = {
        "open_calls": open_calls,
        "awards": queries.awards_public()[:10],
        "funders": list(services.funders_of(request.user)),
    }
    return render(request, "funding/index.html", context)


def programme(request, slug: str):
    found = _programme(slug)
    today = timezone.localdate()
    context = {
        "programme": found,
        "is_open": found.is_open(today),
        "may_apply": request.user.has_perm("funding.apply", found),
        "may_manage": request.user.has_perm("funding.manage", found),
        "awards": queries.awards_public().filter(application__programme=found),
        "matching": queries.matching(found),
        "budget": money.pounds(found.budget_pence),
        "max_award": money.pounds(found.max_award_pence) if found.max_award_pence else "",
    }
    return render(request, "funding/programme.html", context)


def awards(request):
    return render(request, "funding/awards.html", {"awards": queries.awards_public()[:200]})


def award(request, pk: int):
    found = _award(pk)
    context = {
        "award": found,
        "may_manage": request.user.has_perm("funding.manage", found),
        "disbursements": list(found.disbursements.all()),
        "paid": money.pounds(sum(d.amount_pence for d in found.disbursements.all())),
        "reports": list(found.reports.all()),
        "matched_by": list(found.matched_by.for_listing()),
        "figures": figures.award_figures(found),
        "decision": getattr(found.application, "decision", None),
    }
    return render(request, "funding/award.html", context)


def share(request):
    shares = queries.shares()
    charts = [
        Chart(
            title=f"{s.funder}: share invested in the community",
            categories=tuple(y.label for y in s.years),
            series=(
                Series("Share awarded", tuple(y.share_basis_points / 100 for y in s.years)),
                Series("Target", tuple(y.target_basis_points / 100 for y in s.years)),
            ),
            kind="line",
            unit="%",
            description="The share of its budget awarded to community organisations each "
            "financial year, against its target.",
        )
        for s in shares
        if s.years
    ]
    return render(request, "funding/share.html", {"shares": zip(shares, charts, strict=True)})


def _site() -> str:
    return settings.SITE_URL.rstrip("/")


def giving_json(request):
    awards = list(queries.awards_public())
    if not awards:
        return JsonResponse({"grants": [], "license": giving360.LICENCE})
    response = JsonResponse(giving360.package(awards, site=_site()))
    response["Content-Disposition"] = 'inline; filename="keepwell-360giving.json"'
    return response


def giving_csv(request):
    text = giving360.csv_text(list(queries.awards_public()), site=_site())
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="keepwell-360giving.csv"'
    return response


# --- applying ----------------------------------------------------------------------------------


@login_required
def mine(request):
    user = request.user
    groups = user.organisation_ids(*services.APPLICANT_ROLES)
    applications = (
        Application.objects.filter(Q(organisation_id__in=groups) | Q(filled_by=user))
        .select_related("programme__funder__organisation", "organisation")
        .order_by("-created_at")
    )
    to_score = (
        Application.objects.filter(
            programme__panel__user=user, state=Application.State.UNDER_REVIEW
        )
        .select_related("programme", "organisation")
        .order_by("programme__title", "pk")
    )
    return render(
        request, "funding/mine.html", {"applications": applications, "to_score": to_score}
    )


@login_required
def apply(request, slug: str):
    found = _programme(slug)
    require(request, "funding.apply", found)
    form = forms.ApplicationForm(
        request.POST or None,
        programme=found,
        organisations=services.organisations_to_apply_for(request.user, found),
    )

    def save():
        return services.start_application(
            found,
            organisation=form.cleaned_data["organisation"],
            by=request.user,
            submit="send" in request.POST,
            **form.fields_for_service(),
        )

    return form_page(
        request,
        form,
        "funding/apply.html",
        {"programme": found},
        save=_refusing(form, save),
        success=lambda a: (
            f"Application sent to {found.funder}."
            if a.state == Application.State.SUBMITTED
            else "Application saved as a draft. You can change it and send it later."
        ),
        redirect_to=_application_url,
    )


@login_required
def application(request, pk: int):
    found = _application(request, pk)
    user = request.user
    seat = services.panel_seat(user, found.programme)
    scores = list(found.scores.select_related("member__user"))
    context = {
        "application": found,
        "amount": money.pounds(found.amount_pence),
        "may_change": user.has_perm("funding.change_application", found),
        "may_withdraw": user.has_perm("funding.withdraw_application", found)
        and not found.is_closed,
        "may_manage": user.has_perm("funding.manage", found),
        "may_score": user.has_perm("funding.score", found),
        "my_score": next((s for s in scores if seat and s.member_id == seat.pk), None),
        # The panel's scores stay among the panel and the officers until the decision.
        "scores": scores
        if user.has_perm("funding.manage", found) or seat or found.is_closed
        else [],
        "decision": getattr(found, "decision", None),
    }
    return render(request, "funding/application.html", context)


@login_required
def application_edit(request, pk: int):
    found = _application(request, pk, "funding.change_application")
    initial = {
        "title": found.title,
        "description": found.description,
        "who_benefits": found.who_benefits,
        "amount": f"{found.amount_pence // 100}.{found.amount_pence % 100:02d}",
        "needed_by": found.needed_by,
    }
    form = forms.ApplicationForm(request.POST or None, initial=initial, programme=found.programme)

    def save():
        return services.update_application(
            found, by=request.user, submit="send" in request.POST, **form.fields_for_service()
        )

    return form_page(
        request,
        form,
        "funding/apply.html",
        {"programme": found.programme, "application": found},
        save=_refusing(form, save),
        success="Application saved.",
        redirect_to=_application_url(found),
    )


@require_POST
@login_required
def application_submit(request, pk: int):
    found = _application(request, pk, "funding.change_application")
    _act(
        request,
        lambda: services.submit_application(found, by=request.user),
        f"Application sent to {found.programme.funder}.",
    )
    return redirect(_application_url(found))


@require_POST
@login_required
def application_withdraw(request, pk: int):
    found = _application(request, pk, "funding.withdraw_application")
    _act(
        request,
        lambda: services.withdraw_application(found, by=request.user),
        "Application withdrawn.",
    )
    return redirect(_application_url(found))


# --- reviewing and deciding ---------------------------------------------------------------------


@require_POST
@login_required
def application_review(request, pk: int):
    found = _application(request, pk, "funding.manage")
    success = (
        "Application is under review: the panel can score it now."
        if found.programme.by_panel
        else "Application is under review."
    )
    _act(request, lambda: services.start_review(found, by=request.user), success)
    return redirect(_application_url(found))


@login_required
def application_score(request, pk: int):
    found = _application(request, pk, "funding.score")
    seat = services.panel_seat(request.user, found.programme)
    if seat is None:  # a platform admin has every permission, but no seat to score from
        raise PermissionDenied("Only the programme's panel members score its applications")
    mine = found.scores.filter(member=seat).first()
    initial = {"score": mine.score, "reason": mine.reason} if mine else None
    form = forms.ScoreForm(request.POST or None, initial=initial)
    return _page(
        request,
        form,
        title=f"Score: {found.title}",
        intro=found.programme.decision_rule,
        save=lambda: services.record_score(found, member=seat, **form.cleaned_data),
        success="Your score and reason are recorded.",
        redirect_to=_application_url(found),
        back=_application_url(found),
    )


@login_required
def application_decide(request, pk: int):
    found = _application(request, pk, "funding.manage")
    form = forms.DecisionForm(
        request.POST or None,
        initial={
            "amount": f"{found.amount_pence // 100}.{found.amount_pence % 100:02d}",
            "awarded_on": timezone.localdate(),
        },
        matchable=forms.matchable_awards(found.programme),
        services=found.organisation.services.order_by("name"),
    )

    def save():
        data = form.cleaned_data
        awarded = data["outcome"] == "award"
        terms = None
        if awarded:
            terms = services.AwardTerms(
                amount_pence=data["amount"],
                awarded_on=data["awarded_on"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                conditions=data["conditions"],
                matches=data["matches"],
                services=tuple(data["services"]),
            )
        return services.decide(
            found, by=request.user, awarded=awarded, reason=data["reason"], terms=terms
        )

    tally = services.tally(found)
    return _page(
        request,
        form,
        title=f"Decide: {found.title}",
        intro=found.programme.decision_rule
        + (f" Scores so far: {tally.count}, totalling {tally.total}." if tally.count else ""),
        save=save,
        success=lambda d: "Awarded." if d.awarded else "Declined.",
        redirect_to=lambda d: (
            reverse("funding:award", args=[found.award.pk])
            if d.awarded
            else _application_url(found)
        ),
        back=_application_url(found),
    )


# --- funders' officers -----------------------------------------------------------------------


@login_required
def dashboard(request, pk: int):
    funder = _funder(request, pk)
    applications = (
        Application.objects.filter(programme__funder=funder)
        .exclude(state=Application.State.DRAFT)
        .select_related("programme", "organisation")
        .order_by("-submitted_at")[:50]
    )
    context = {
        "funder": funder,
        "summaries": queries.dashboard(funder),
        "applications": applications,
        "reports": queries.reports_waiting(funder),
        "investments": funder.investments.order_by("-year"),
    }
    return render(request, "funding/dashboard.html", context)


@login_required
def programme_new(request, pk: int):
    funder = _funder(request, pk)
    form = forms.ProgrammeForm(request.POST or None)

    def save():
        data = dict(form.cleaned_data)
        return services.create_programme(
            funder,
            by=request.user,
            title=data["title"],
            criteria=data["criteria"],
            budget_pence=data["budget"],
            max_award_pence=data["max_award"],
            opens_on=data["opens_on"],
            closes_on=data["closes_on"],
            decided_by=data["decided_by"],
            pass_mark=data["pass_mark"],
        )

    return _page(
        request,
        form,
        title=f"New programme for {funder}",
        save=save,
        success=lambda p: f"{p} is ready.",
        redirect_to=lambda p: reverse("funding:programme", args=[p.slug]),
        back=reverse("funding:dashboard", args=[funder.pk]),
    )


@login_required
def panel(request, slug: str):
    found = _programme(slug)
    require(request, "funding.manage", found)
    form = forms.PanelMemberForm(request.POST or None)
    return form_page(
        request,
        form,
        "funding/panel.html",
        {"programme": found, "members": found.panel.select_related("user")},
        save=_refusing(
            form,
            lambda: services.add_panel_member(
                found,
                user=form.cleaned_data["username"],
                is_resident=form.cleaned_data["is_resident"],
                by=request.user,
            ),
        ),
        success=lambda m: f"{m.user} is on the panel.",
        redirect_to=reverse("funding:panel", args=[found.slug]),
    )


@login_required
def award_pay(request, pk: int):
    found = _award(pk)
    require(request, "funding.manage", found)
    form = forms.DisbursementForm(request.POST or None)
    return _page(
        request,
        form,
        title=f"Record a payment: {found}",
        save=lambda: services.record_disbursement(
            found,
            amount_pence=form.cleaned_data["amount"],
            paid_on=form.cleaned_data["paid_on"],
            note=form.cleaned_data["note"],
            by=request.user,
        ),
        success=lambda d: f"Payment of {d.amount} recorded.",
        redirect_to=reverse("funding:award", args=[found.pk]),
        back=reverse("funding:award", args=[found.pk]),
    )


@login_required
def award_report_new(request, pk: int):
    found = _award(pk)
    require(request, "funding.manage", found)
    form = forms.ReportDueForm(request.POST or None)
    return _page(
        request,
        form,
        title=f"Ask for a report: {found}",
        intro="The group is reminded in keepwell a fortnight before it is due.",
        save=lambda: services.add_report_due(found, by=request.user, **form.cleaned_data),
        success="Report due date added.",
        redirect_to=reverse("funding:award", args=[found.pk]),
        back=reverse("funding:award", args=[found.pk]),
    )


@require_POST
@login_required
def report_received(request, pk: int):
    report = get_object_or_404(
        ReportDue.objects.select_related("award__application__programme__funder"), pk=pk
    )
    require(request, "funding.manage", report)
    _act(
        request,
        lambda: services.mark_report_received(report, on=timezone.localdate(), by=request.user),
        f"{report.title} marked as received.",
    )
    return redirect("funding:award", pk=report.award_id)


@login_required
def investment(request, pk: int):
    funder = _funder(request, pk)
    form = forms.InvestmentForm(
        request.POST or None,
        initial={"year": money.financial_year(timezone.localdate()), "target": 1},
    )
    return _page(
        request,
        form,
        title=f"Budget and community target: {funder}",
        intro="What share of its budget it aims to award to community organisations.",
        save=lambda: services.set_investment(
            funder,
            year=form.cleaned_data["year"],
            budget_pence=form.cleaned_data["budget"],
            target_basis_points=form.cleaned_data["target"],
            by=request.user,
        ),
        success=lambda i: f"Budget and target for {i.label} saved.",
        redirect_to=reverse("funding:share"),
        back=reverse("funding:dashboard", args=[funder.pk]),
    )
