"""Matching pages. Each view checks a rule, calls a service, and renders; none writes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from keepwell.accounts.models import Role
from keepwell.core.permissions import require
from keepwell.matching import forms, services
from keepwell.matching.models import DeliveryRound, MatchRun, ProposalStatus, RoundDriver

RECENT = 10
DRIVER_ROWS = 3


def _visible(queryset, user):
    """Runs or rounds of the groups a user coordinates, and of the areas they lead."""
    if user.is_platform_admin:
        return queryset
    q = Q(organisation_id__in=user.organisation_ids(Role.COORDINATOR))
    led = user.led_area_ids()
    if led:
        q |= Q(area_id__in=led, organisation_id__in=user.organisation_ids(Role.AREA_LEAD))
    return queryset.filter(q)


def _index(request, form, status: int = 200):
    user = request.user
    runs = _visible(MatchRun.objects.all(), user).select_related("organisation", "area")
    rounds = _visible(DeliveryRound.objects.all(), user).select_related("organisation", "area")
    return render(
        request,
        "matching/index.html",
        {
            "form": form,
            "round_form": forms.RoundScopeForm(user=user, prefix="round"),
            "runs": runs[:RECENT],
            "rounds": rounds.annotate(driver_count=Count("drivers"))[:RECENT],
        },
        status=status,
    )


@login_required
def index(request):
    require(request, "matching.start")
    return _index(request, forms.ScopeForm(user=request.user))


@login_required
@require_POST
def suggest(request):
    require(request, "matching.start")
    form = forms.ScopeForm(request.POST, user=request.user)
    if not form.is_valid():
        return _index(request, form, status=400)
    run = services.suggest(
        form.cleaned_data["organisation"], form.cleaned_data["area"], by=request.user
    )
    return redirect("matching:run", run_id=run.pk)


@login_required
def run_detail(request, run_id: int):
    run = get_object_or_404(MatchRun.objects.select_related("organisation", "area"), pk=run_id)
    require(request, "matching.view_run", run)
    proposals = list(
        run.proposals.select_related(
            "task__request__person",
            "task__request__need_type",
            "task__request__area",
            "volunteer__user",
            "volunteer__area",
        ).order_by("-task__request__urgency", "pk")
    )
    matched = [p for p in proposals if p.volunteer_id is not None]
    unmatched = [p for p in proposals if p.volunteer_id is None]
    services.record_requests_shown(
        request.user,
        [p.task.request for p in proposals],
        f"Shown in matching run {run.pk}",
    )
    return render(
        request,
        "matching/run.html",
        {
            "run": run,
            "matched": matched,
            "unmatched": unmatched,
            "open_count": sum(p.status == ProposalStatus.PROPOSED for p in matched),
            "can_accept": request.user.has_perm("matching.accept", run),
        },
    )


@login_required
@require_POST
def run_accept(request, run_id: int):
    run = get_object_or_404(MatchRun, pk=run_id)
    require(request, "matching.accept", run)
    if request.POST.get("which") == "all":
        chosen = None
    else:
        chosen = [int(x) for x in request.POST.getlist("proposal") if x.isdigit()]
        if not chosen:
            messages.error(request, "Choose at least one suggestion to offer")
            return redirect("matching:run", run_id=run.pk)
    done = services.accept(run, chosen, by=request.user)
    if done.offered:
        messages.success(
            request, f"{done.offered} task{'s' if done.offered != 1 else ''} offered to volunteers"
        )
    if done.refused:
        messages.warning(
            request,
            f"{done.refused} could not be offered: the reasons are shown against each",
        )
    if not done.offered and not done.refused:
        messages.info(request, "Nothing was left to offer")
    return redirect("matching:run", run_id=run.pk)


# --- delivery rounds -----------------------------------------------------------------------


def _driver_forms(data, organisation):
    volunteers = forms.driver_volunteers(organisation)
    return [
        forms.DriverForm(data, prefix=f"driver{i}", volunteers=volunteers)
        for i in range(DRIVER_ROWS)
    ]


@login_required
def round_new(request):
    require(request, "matching.start")
    scope = forms.RoundScopeForm(request.GET or None, user=request.user, prefix="round")
    if not scope.is_bound or not scope.is_valid():
        return render(
            request,
            "matching/round_scope.html",
            {"form": scope},
            status=400 if scope.is_bound else 200,
        )
    organisation = scope.cleaned_data["organisation"]
    area = scope.cleaned_data["area"]
    day = scope.cleaned_data["day"]
    tasks = list(services.deliveries(organisation, area))
    by_id = {t.pk: t for t in tasks}
    drivers = _driver_forms(request.POST if request.method == "POST" else None, organisation)
    problems: list[str] = []
    chosen_ids: set[int] = set()
    if request.method == "POST":
        chosen_ids = {int(x) for x in request.POST.getlist("delivery") if x.isdigit()}
        chosen = [by_id[i] for i in sorted(chosen_ids) if i in by_id]
        valid = all(f.is_valid() for f in drivers)
        plans = [
            services.DriverPlan(
                volunteer=f.cleaned_data["volunteer"],
                start_postcode=f.cleaned_data["start_postcode"],
                capacity=f.cleaned_data["capacity"],
                shift_start=f.cleaned_data["shift_start"],
                shift_end=f.cleaned_data["shift_end"],
            )
            for f in drivers
            if valid and f.cleaned_data.get("volunteer") is not None
        ]
        if valid:
            try:
                made = services.plan_round(organisation, area, day, chosen, plans, by=request.user)
            except services.MatchingError as exc:
                problems.append(str(exc))
            else:
                return redirect("matching:round", round_id=made.pk)
        else:
            problems.append("Check the drivers' details")
    services.record_requests_shown(
        request.user, [t.request for t in tasks], "Listed for a delivery round"
    )
    return render(
        request,
        "matching/round_new.html",
        {
            "scope": scope,
            "organisation": organisation,
            "area": area,
            "day": day,
            "tasks": tasks,
            "chosen": chosen_ids,
            "drivers": drivers,
            "problems": problems,
        },
        status=400 if problems else 200,
    )


def _round(request, round_id: int) -> DeliveryRound:
    made = get_object_or_404(
        DeliveryRound.objects.select_related("organisation", "area"), pk=round_id
    )
    require(request, "matching.view_round", made)
    return made


@login_required
def round_detail(request, round_id: int):
    made = _round(request, round_id)
    drivers = list(made.drivers.select_related("volunteer__user"))
    stops = list(made.stops.select_related("task__request__person", "task__request__need_type"))
    by_driver: dict[int, list] = {d.pk: [] for d in drivers}
    unrouted = []
    for stop in stops:
        (by_driver[stop.driver_id] if stop.driver_id else unrouted).append(stop)
    services.record_requests_shown(
        request.user, [s.task.request for s in stops], f"Shown in delivery round {made.pk}"
    )
    return render(
        request,
        "matching/round.html",
        {
            "round": made,
            "drivers": [(d, by_driver[d.pk]) for d in drivers],
            "unrouted": unrouted,
            "can_offer": request.user.has_perm("matching.accept", made),
            "to_offer": sum(1 for s in stops if s.driver_id and s.offered_at is None),
        },
    )


@login_required
@require_POST
def round_offer(request, round_id: int):
    made = _round(request, round_id)
    require(request, "matching.accept", made)
    done = services.offer_round(made, by=request.user)
    if done.offered:
        messages.success(
            request,
            f"{done.offered} deliver{'ies' if done.offered != 1 else 'y'} offered to the drivers",
        )
    if done.refused:
        messages.warning(
            request,
            f"{done.refused} could not be offered: the reasons are shown against each",
        )
    if not done.offered and not done.refused:
        messages.info(request, "Every delivery on the round was already offered")
    return redirect("matching:round", round_id=made.pk)


@login_required
def run_sheet(request, round_id: int, driver_id: int):
    made = _round(request, round_id)
    driver = get_object_or_404(
        RoundDriver.objects.select_related("volunteer__user"), pk=driver_id, round=made
    )
    stops = list(
        driver.stops.select_related("task__request__person", "task__request__need_type").order_by(
            "position"
        )
    )
    services.record_requests_shown(
        request.user,
        [s.task.request for s in stops],
        f"Printed the run sheet of delivery round {made.pk}",
    )
    # A broadcast's leaflet the driver hands out with each parcel (messaging's share kit).
    from keepwell.messaging.broadcasts import leaflets_for

    leaflets = list(leaflets_for(request.user))
    leaflet = next((b for b in leaflets if str(b.pk) == request.GET.get("leaflet")), None)
    return render(
        request,
        "matching/run_sheet.html",
        {
            "round": made,
            "driver": driver,
            "stops": stops,
            "leaflets": leaflets,
            "leaflet": leaflet,
            "back": reverse("matching:round", kwargs={"round_id": made.pk}),
        },
    )
