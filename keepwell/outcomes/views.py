"""Outcomes pages: record answers, one person's trend, the cohort and its CSV."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from keepwell.core.charts import Chart, Series
from keepwell.core.forms import form_status
from keepwell.core.permissions import require
from keepwell.outcomes import forms, services
from keepwell.outcomes.models import How, Measure, OutcomePlan, Question, Response
from keepwell.people.models import Person
from keepwell.referrals import queries as referrals


def _person(request, person_id: int, perm: str) -> Person:
    person = get_object_or_404(Person.objects.select_related("area", "user"), pk=person_id)
    require(request, perm, person)
    return person


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _plan_for(request, person: Person):
    """The plan these answers belong to: named, the referral's, or the person's latest."""
    params = request.POST if request.method == "POST" else request.GET
    referral = None
    plan_id, referral_id = _int(params.get("plan")), _int(params.get("referral"))
    if plan_id:
        return get_object_or_404(OutcomePlan, pk=plan_id, person=person), None
    if referral_id:
        referral = referrals.referral_of(person, referral_id)
        if referral is None:
            raise Http404("No such referral of this person")
        return OutcomePlan.objects.filter(referral=referral).first(), referral
    if params.get("new"):
        return None, None
    return OutcomePlan.objects.filter(person=person).first(), None


@login_required
def record(request, person_id: int):
    person = _person(request, person_id, "outcomes.record_answers")
    plan, referral = _plan_for(request, person)
    self_service = person.user_id == request.user.pk
    timepoints = services.timepoints_for(plan)
    initial = {}
    wanted = _int(request.GET.get("weeks"))
    if wanted is not None and wanted in dict(timepoints):
        initial["weeks"] = wanted
    form = forms.AnswersForm(
        request.POST or None,
        initial=initial,
        measures=services.measures_with_questions(),
        timepoints=timepoints,
        self_service=self_service,
        needs_consent=not services.has_outcomes_consent(person),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        consent_how = data.get("consent_how") or ("online" if data.get("consent_given") else None)
        try:
            services.record_answers(
                person,
                data["answers"],
                by=request.user,
                how=How.ONLINE if self_service else data["how"],
                weeks=data["weeks"],
                plan=plan,
                referral=referral,
                consent_how=consent_how,
            )
        except services.InvalidAnswers as exc:
            for message in exc.errors.values():
                form.add_error(None, message)
        else:
            messages.success(request, "Answers saved. Thank you.")
            return redirect("outcomes:person", person_id=person.pk)
    return render(
        request,
        "outcomes/record.html",
        {
            "form": form,
            "person": person,
            "plan": plan,
            "referral": referral,
            "self_service": self_service,
        },
        status=form_status(form),
    )


@login_required
def person_outcomes(request, person_id: int):
    person = _person(request, person_id, "outcomes.view_person_outcomes")
    trends = services.person_trend(person, by=request.user)
    plans = (
        OutcomePlan.objects.filter(person=person)
        .select_related("service", "organisation", "referral")
        .prefetch_related("follow_ups")
    )
    answered = set(Response.objects.filter(person=person).values_list("plan_id", "weeks"))
    return render(
        request,
        "outcomes/person.html",
        {
            "person": person,
            "trends": trends,
            "plans": plans,
            "answered": answered,
            "can_record": request.user.has_perm("outcomes.record_answers", person),
            "chart": {"w": services.CHART_W, "h": services.CHART_H, "pad": services.PAD_X},
        },
    )


def _cohort(request):
    form = forms.CohortForm(request.GET or None)
    weeks, group_by = services.followup_weeks()[0], "service"
    if form.is_valid():
        weeks, group_by = form.cleaned_data["weeks"], form.cleaned_data["group_by"]
    return form, weeks, group_by, services.cohort(weeks, group_by)


@login_required
def cohort(request):
    require(request, "outcomes.view_cohort")
    form, weeks, group_by, rows = _cohort(request)
    by_measure: dict[str, list] = {}
    names = {}
    for row in rows:
        by_measure.setdefault(row.measure, []).append(row)
        names[row.measure] = row.measure_name
    tables = [
        (names[code], code, by_measure[code], _change_chart(names[code], by_measure[code]))
        for code in by_measure
    ]
    return render(
        request,
        "outcomes/cohort.html",
        {
            "form": form,
            "tables": tables,
            "weeks": weeks,
            "group_by": group_by,
            "min_cohort": services.min_cohort(),
            "query": request.GET.urlencode(),
        },
    )


def _change_chart(name: str, rows) -> Chart:
    """One measure's mean change by group, a bar per question, rounded as the table shows
    it; a group too small to show, or without that question, is a "*"."""
    groups = list(dict.fromkeys((row.group_id, row.group) for row in rows))
    questions = list(dict.fromkeys((row.item, row.label, row.lower_is_better) for row in rows))
    change = {
        ((row.group_id, row.group), row.item): row.mean_change
        for row in rows
        if row.mean_change is not None
    }

    def shown(value: float | None) -> float | None:
        if value is None:
            return None
        return float(Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))

    return Chart(
        title=f"{name}: mean change",
        categories=tuple(group for _, group in groups),
        series=tuple(
            Series(
                f"{label} (lower is better)" if lower else label,
                tuple(shown(change.get((group, item))) for group in groups),
            )
            for item, label, lower in questions
        ),
        unit="points",
        description="Mean change in each answer from the start to the follow-up, by group; "
        "below zero is a fall.",
    )


@login_required
def cohort_csv(request):
    require(request, "outcomes.view_cohort")
    form, weeks, group_by, rows = _cohort(request)
    response = HttpResponse(
        services.cohort_csv(rows, weeks=weeks, group_by=group_by),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="keepwell-outcomes-{group_by}-{weeks}-weeks.csv"'
    )
    return response


def measures(request):
    """The questions, every version of their wording: open to anyone, nothing personal."""
    return render(
        request,
        "outcomes/measures.html",
        {
            "measures": Measure.objects.all(),
            "questions": Question.objects.select_related("measure").order_by(
                "measure__order", "-version", "order"
            ),
        },
    )
