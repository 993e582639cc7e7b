"""Coordinators' pages for help requests: the dashboard, an area's queue, a request, and
giving its task to a volunteer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Q, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from keepwell.core.charts import Chart, Series
from keepwell.core.permissions import require
from keepwell.core.querystring import search_text_problem
from keepwell.help import dashboard as board
from keepwell.help import forms, reads, services
from keepwell.help.eligibility import Eligibility, eligibility
from keepwell.help.models import HelpRequest, OfferStatus, RequestStatus, Task, Volunteer
from keepwell.help.views.common import PAGE_SIZE, carry_out, permitted
from keepwell.places.models import Area


@login_required
def dashboard(request):
    require(request, "help.view_dashboard")
    data = board.build(request.user, timezone.now())
    return render(
        request,
        "help/dashboard.html",
        {
            "board": data,
            "open_chart": _open_by_area_chart(data),
            "now": timezone.now(),
            "can_add_volunteer": request.user.has_perm("help.add_volunteer"),
            "can_import": request.user.has_perm("help.import_nhs_list"),
        },
    )


def _open_by_area_chart(data: board.Dashboard) -> Chart:
    """The dashboard's open requests by area, one bar per urgency, most urgent first."""
    return Chart(
        title="Open requests by area and urgency",
        categories=tuple(row.name for row in data.areas),
        series=tuple(
            Series(str(label), tuple(row.cells[i] for row in data.areas))
            for i, (_, label) in enumerate(data.urgencies)
        ),
        unit="open requests",
        description="How many requests are open in each area, by how urgent they are.",
    )


@login_required
def area_queue(request, slug: str):
    area = permitted(request, "help.view_queue", Area, slug=slug)
    area_ids = Area.objects.with_descendants({area.pk})
    tasks = board.area_queue(request.user, area_ids)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    services.list_tasks(page.object_list, by=request.user, summary=f"Listed in the {area} queue")
    return render(
        request,
        "help/area_queue.html",
        {
            "area": area,
            "page": page,
            "held": board.area_held(request.user, area_ids).count(),
            "now": timezone.now(),
        },
    )


@login_required
def request_list(request):
    require(request, "help.view_dashboard")
    requests = HelpRequest.objects.visible_to(request.user).select_related(
        "person", "need_type", "area"
    )
    status = request.GET.get("status", RequestStatus.OPEN)
    if status in RequestStatus.values:
        requests = requests.filter(status=status)
    if request.GET.get("duplicates"):
        requests = requests.filter(possible_duplicate_of__isnull=False)
    page = Paginator(requests.order_by("-urgency", "created_at", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    reads.listed_requests(page.object_list, by=request.user, summary="Listed help requests")
    return render(
        request,
        "help/request_list.html",
        {
            "page": page,
            "status": status,
            "statuses": RequestStatus.choices,
            "duplicates": bool(request.GET.get("duplicates")),
        },
    )


def _help_request(request, request_id: int, perm: str = "help.view_request") -> HelpRequest:
    return permitted(
        request,
        perm,
        HelpRequest.objects.select_related(
            "person",
            "need_type",
            "area",
            "organisation",
            "language",
            "household",
            "possible_duplicate_of",
            "merged_into",
            "preferred_volunteer__user",
        ),
        pk=request_id,
    )


@login_required
def request_detail(request, request_id: int):
    help_request = _help_request(request, request_id)
    services.view_request(help_request, by=request.user)
    tasks = help_request.tasks.select_related("volunteer__user").prefetch_related(
        "offers__volunteer__user"
    )
    return render(
        request,
        "help/request_detail.html",
        {
            "help_request": help_request,
            "person": help_request.person,
            "tasks": tasks,
            "events": [
                e
                for t in help_request.tasks.prefetch_related(
                    "events__by", "events__volunteer__user"
                )
                for e in t.events.all()
            ][-30:],
            "can_change": request.user.has_perm("help.change_request", help_request),
            "cancel_form": forms.ReasonForm(),
            "duplicate_of": help_request.possible_duplicate_of
            if help_request.possible_duplicate_of
            and help_request.possible_duplicate_of.status == RequestStatus.OPEN
            else None,
        },
    )


@login_required
@require_POST
def request_merge(request, request_id: int):
    duplicate = _help_request(request, request_id, "help.change_request")
    into_id = request.POST.get("into") or duplicate.possible_duplicate_of_id
    into = permitted(request, "help.change_request", HelpRequest, pk=into_id) if into_id else None
    if into is None:
        messages.error(request, "This request is not flagged as a duplicate of another")
        return redirect("help:request", request_id=duplicate.pk)
    merged = f"#{duplicate.pk} merged into #{into.pk}."
    if not carry_out(request, merged, services.merge_requests, duplicate, into, by=request.user):
        return redirect("help:request", request_id=duplicate.pk)
    return redirect("help:request", request_id=into.pk)


@login_required
@require_POST
def request_not_duplicate(request, request_id: int):
    help_request = _help_request(request, request_id, "help.change_request")
    kept = f"#{help_request.pk} is kept as a request of its own."
    carry_out(request, kept, services.mark_not_duplicate, help_request, by=request.user)
    return redirect("help:request", request_id=help_request.pk)


@login_required
@require_POST
def request_cancel(request, request_id: int):
    help_request = _help_request(request, request_id, "help.change_request")
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the request is cancelled")
        return redirect("help:request", request_id=help_request.pk)
    reason = form.cleaned_data["reason"]
    carry_out(
        request,
        "Request cancelled.",
        services.cancel_request,
        help_request,
        by=request.user,
        reason=reason,
    )
    return redirect("help:request", request_id=help_request.pk)


# --- giving a task to a volunteer -----------------------------------------------------------


def _candidates(task: Task, search: str, at):
    need = task.request.need_type
    group = Volunteer.objects.filter(organisations=task.request.organisation_id)
    if search:
        found = group.filter(
            Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(user__display_name__icontains=search)
        )
    else:
        found = group.able_to_meet(need, at).with_week_load(at)
        if task.request.area_id:
            # Volunteers who live in the request's area first, then the least busy.
            here = Case(When(area_id=task.request.area_id, then=0), default=1)
            found = found.order_by(here, "week_tasks", "pk")
        else:
            found = found.order_by("week_tasks", "pk")
    found = found.select_related("user", "area").prefetch_related("languages").distinct()[:15]
    rows = []
    for v in found:
        check = eligibility(v, task, at)
        # Offering by hand keeps matching's rules too; a missing language can be explained.
        speaks = services.speaks_the_language(v, task.request)
        extra = services.product_blockers(v, task, language_reason="" if speaks else "-")
        rows.append((v, Eligibility(check.blockers + tuple(extra), check.warnings), not speaks))
    return rows


@login_required
def task_assign(request, task_id: int):
    task = permitted(
        request,
        "help.change_task",
        Task.objects.select_related("request__need_type", "request__person", "request__area"),
        pk=task_id,
    )
    search = request.GET.get("q", "").strip()[:100]
    problems: list[str] = []
    if problem := search_text_problem(search, "Name or postcode"):
        problems.append(problem)  # and no one is listed as matching it
    if request.method == "POST":
        form = forms.AssignForm(request.POST)
        if form.is_valid():
            volunteer = Volunteer.objects.filter(
                pk=form.cleaned_data["volunteer"], organisations=task.request.organisation_id
            ).first()
            if volunteer is None:
                problems.append("Choose a volunteer of this group")
            else:
                reason = form.cleaned_data["language_reason"]
                try:
                    if form.cleaned_data["how"] == "assign":
                        services.assign_task(
                            task, volunteer, by=request.user, language_reason=reason
                        )
                        messages.success(request, f"Assigned to {volunteer}.")
                    else:
                        services.offer_task(
                            task, volunteer, by=request.user, language_reason=reason
                        )
                        messages.success(request, f"Offered to {volunteer}.")
                    return redirect("help:request", request_id=task.request_id)
                except services.NotEligible as exc:
                    problems.extend(exc.reasons)
                except services.HelpError as exc:
                    problems.append(str(exc))
        elif "language_reason" in form.errors:
            problems.extend(form.errors["language_reason"])
        else:
            problems.append("Choose a volunteer")
    services.view_request(task.request, by=request.user)
    now = timezone.now()
    return render(
        request,
        "help/task_assign.html",
        {
            "task": task,
            "help_request": task.request,
            "candidates": _candidates(task, search, now)
            if task.is_waiting and not search_text_problem(search)
            else [],
            "search": search,
            "problems": problems,
            "offered": task.offers.filter(status=OfferStatus.PENDING).select_related(
                "volunteer__user"
            ),
        },
        status=400 if problems else 200,
    )
