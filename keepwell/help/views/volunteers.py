"""Volunteers: the list, adding and changing one, their checks and authorisations."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from keepwell.accounts.services import free_username
from keepwell.core.permissions import require
from keepwell.core.querystring import search_text_problem
from keepwell.help import dashboard as board
from keepwell.help import forms, services
from keepwell.help.models import (
    VOLUNTEER_TRANSITIONS,
    Authorisation,
    SafeguardingCheck,
    Volunteer,
    VolunteerStatus,
)
from keepwell.help.views.common import (
    PAGE_SIZE,
    carry_out,
    coordinated_groups,
    permitted,
    plain_form_page,
    posted,
)

EXPIRING_DAYS = 30


@login_required
def volunteer_list(request):
    require(request, "help.list_volunteers")
    volunteers = Volunteer.objects.visible_to(request.user).select_related("user", "area")
    status = request.GET.get("status", "")
    if status in VolunteerStatus.values:
        volunteers = volunteers.filter(status=status)
    q = request.GET.get("q", "").strip()[:100]
    problem = search_text_problem(q, "Name or postcode")
    if problem:
        volunteers = volunteers.none()  # a search that cannot be made lists no one
    elif q:
        volunteers = volunteers.filter(
            Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
            | Q(user__display_name__icontains=q)
            | Q(home_postcode__icontains=q)
        )
    page = Paginator(
        volunteers.order_by("user__last_name", "user__first_name", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "help/volunteer_list.html",
        {
            "page": page,
            "status": status,
            "statuses": VolunteerStatus.choices,
            "q": q,
            "problem": problem,
            "can_add": request.user.has_perm("help.add_volunteer"),
        },
        status=400 if problem else 200,
    )


def _volunteer(request, volunteer_id: int, perm: str = "help.view_volunteer") -> Volunteer:
    return permitted(
        request, perm, Volunteer.objects.select_related("user", "area"), pk=volunteer_id
    )


def _page(volunteer: Volunteer) -> str:
    return reverse("help:volunteer", kwargs={"volunteer_id": volunteer.pk})


@login_required
def volunteer_add(request):
    require(request, "help.add_volunteer")
    groups = coordinated_groups(request.user)
    form = forms.VolunteerForm(posted(request), groups=groups, adding=True)

    def save():
        data = form.volunteer_fields()
        organisation = form.cleaned_data["organisation"]
        require(request, "help.add_volunteer")
        if organisation not in groups:
            raise PermissionDenied
        try:
            return services.create_volunteer(
                by=request.user,
                organisation=organisation,
                username=free_username(f"{data['first_name']}.{data['last_name']}"),
                **data,
            )
        except services.HelpError as exc:
            form.add_error(None, str(exc))
            return None

    return plain_form_page(
        request,
        form,
        title="Add a volunteer",
        submit="Add volunteer",
        back=reverse("help:volunteers"),
        save=save,
        success=lambda volunteer: f"{volunteer} added. Record their checks next.",
        redirect_to=_page,
    )


@login_required
def volunteer_detail(request, volunteer_id: int):
    volunteer = _volunteer(request, volunteer_id)
    services.view_volunteer(volunteer, by=request.user)
    now = timezone.now()
    checks = list(volunteer.checks.select_related("recorded_by"))
    soon = now + timedelta(days=EXPIRING_DAYS)
    return render(
        request,
        "help/volunteer_detail.html",
        {
            "volunteer": volunteer,
            "checks": [
                (c, c.is_valid(now), c.expires_at is not None and now < c.expires_at <= soon)
                for c in checks
            ],
            "authorisations": [(a, a.is_valid(now)) for a in volunteer.authorisations.all()],
            "availability": forms.format_availability(volunteer.availability.all()),
            "skills": volunteer.skills.all(),
            "languages": volunteer.languages.all(),
            "organisations": volunteer.organisations.all(),
            "tasks": volunteer.tasks.select_related("request__need_type").order_by("-accepted_at")[
                :10
            ],
            "can_change": request.user.has_perm("help.change_volunteer", volunteer),
            "status_form": forms.StatusForm(),
            "next_statuses": [
                (s, VolunteerStatus(s).label)
                for s in sorted(VOLUNTEER_TRANSITIONS[volunteer.status])
            ],
        },
    )


@login_required
def volunteer_edit(request, volunteer_id: int):
    volunteer = _volunteer(request, volunteer_id, "help.change_volunteer")
    form = forms.VolunteerForm(posted(request), volunteer=volunteer)
    return plain_form_page(
        request,
        form,
        title=f"Change {volunteer}'s details",
        submit="Save",
        back=_page(volunteer),
        save=lambda: services.update_volunteer(
            volunteer, by=request.user, **form.volunteer_fields()
        ),
        success="Changes saved.",
        redirect_to=_page(volunteer),
    )


@login_required
@require_POST
def volunteer_status(request, volunteer_id: int):
    volunteer = _volunteer(request, volunteer_id, "help.change_volunteer")
    form = forms.StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status")
    else:
        status = form.cleaned_data["status"]
        carry_out(
            request,
            "Status changed.",
            services.change_volunteer_status,
            volunteer,
            status,
            by=request.user,
        )
    return redirect("help:volunteer", volunteer_id=volunteer.pk)


@login_required
def check_add(request, volunteer_id: int):
    volunteer = _volunteer(request, volunteer_id, "help.change_volunteer")
    form = forms.CheckForm(posted(request))
    return plain_form_page(
        request,
        form,
        title=f"Record a check for {volunteer}",
        submit="Record check",
        back=_page(volunteer),
        save=lambda: services.record_check(volunteer, by=request.user, **form.cleaned_data),
        success="Check recorded.",
        redirect_to=_page(volunteer),
    )


@login_required
def authorisation_add(request, volunteer_id: int):
    volunteer = _volunteer(request, volunteer_id, "help.change_volunteer")
    form = forms.AuthorisationForm(posted(request))
    return plain_form_page(
        request,
        form,
        title=f"Authorise {volunteer}",
        submit="Record authorisation",
        back=_page(volunteer),
        save=lambda: services.grant_authorisation(volunteer, by=request.user, **form.cleaned_data),
        success="Authorisation recorded.",
        redirect_to=_page(volunteer),
    )


@login_required
@require_POST
def authorisation_revoke(request, volunteer_id: int, authorisation_id: int):
    volunteer = _volunteer(request, volunteer_id, "help.change_volunteer")
    auth = get_object_or_404(Authorisation, pk=authorisation_id, volunteer=volunteer)
    services.revoke_authorisation(auth, by=request.user)
    messages.success(request, f"{auth.get_kind_display()}: revoked.")
    return redirect("help:volunteer", volunteer_id=volunteer.pk)


@login_required
def expiring(request):
    require(request, "help.list_volunteers")
    days = request.GET.get("days", "")
    days = int(days) if days.isdigit() and 0 < int(days) <= 365 else EXPIRING_DAYS
    now = timezone.now()
    volunteers = board.volunteers_for(request.user).exclude(status=VolunteerStatus.LEFT)
    checks = (
        SafeguardingCheck.objects.expiring_between(now, now + timedelta(days=days))
        .filter(volunteer__in=volunteers)
        .select_related("volunteer__user")
        .order_by("expires_at", "pk")
    )
    auths = (
        Authorisation.objects.valid(now)
        .expiring_between(now, now + timedelta(days=days))
        .filter(volunteer__in=volunteers)
        .select_related("volunteer__user")
        .order_by("expires_at", "pk")
    )
    return render(
        request,
        "help/expiring.html",
        {"checks": checks[:200], "authorisations": auths[:200], "days": days},
    )
