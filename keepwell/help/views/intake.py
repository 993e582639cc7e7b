"""The ways a request comes in: the helpline call, the public form, triage, NHS lists."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from keepwell.accounts.models import Role
from keepwell.core.forms import form_status
from keepwell.core.i18n import public_language
from keepwell.core.pages import form_page
from keepwell.core.permissions import require
from keepwell.core.querystring import search_text_problem
from keepwell.directory.models import Organisation
from keepwell.help import forms, helpline, public_text, reads, services
from keepwell.help.models import HelpRequest, NhsList, PublicRequest, PublicRequestStatus
from keepwell.help.views.common import (
    PAGE_SIZE,
    arranging_groups,
    carry_out,
    coordinated_groups,
    permitted,
    posted,
)


@login_required
def call(request):
    require(request, "help.take_calls")
    source = request.POST if request.method == "POST" else request.GET
    public = None
    public_id = source.get("public", "")
    if public_id:
        if not public_id.isdigit():
            raise Http404
        public = permitted(
            request,
            "help.triage_request",
            PublicRequest.objects.select_related("need_type", "organisation"),
            pk=public_id,
            status=PublicRequestStatus.NEEDS_TRIAGE,
        )
    q = source.get("q", "").strip()[:100]
    found = []
    # A search that cannot be made (a NUL in it) finds no one and says why.
    search_form = forms.PersonSearchForm(
        {"q": q} if search_text_problem(q) else None, initial={"q": q}
    )
    if q and not search_form.errors:
        found = helpline.find_callers(request.user, q)
    if public is not None and request.method == "GET":
        services.view_public_request(public, by=request.user)
    groups = [public.organisation] if public else arranging_groups(request.user)
    if not groups:
        raise PermissionDenied
    form = forms.CallForm(
        posted(request), found=found, groups=groups, public=public, initial={"q": q}
    )
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            made = helpline.record_call(form.cleaned_data, by=request.user, public=public)
        except services.DuplicateRequest as dup:
            form.ask_about_duplicate(
                f"{dup}: open #{dup.existing.pk} instead, or tick the box to record this one "
                "as a possible duplicate"
            )
            duplicate = dup.existing
        except services.HelpError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Request #{made.pk} recorded for {made.person.full_name}.")
            return redirect("help:request", request_id=made.pk)
    return render(
        request,
        "help/call.html",
        {
            "form": form,
            "search_form": search_form,
            "q": q,
            "found": found,
            "public": public,
            "duplicate": duplicate,
        },
        status=form_status(search_form) if search_form.errors else form_status(form),
    )


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _groups_taking_requests():
    """Groups with a coordinator to answer them: the ones whose public form is open."""
    return Organisation.objects.filter(memberships__role=Role.COORDINATOR).distinct()


def _public_group(slug: str) -> Organisation:
    group = _groups_taking_requests().filter(slug=slug).first()
    if group is None:
        raise Http404
    return group


@public_language
def ask_index(request):
    """The public way in to asking for help: every group that takes requests, and its form."""
    groups = _groups_taking_requests().order_by("name").only("name", "slug", "description")
    return render(request, "help/ask_index.html", {"groups": groups})


@public_language
def ask(request, slug: str):
    """The public form: no account needed, in the visitor's language, for oneself or another."""
    group = _public_group(slug)
    lang = request.LANGUAGE_CODE
    form = forms.PublicRequestForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            key = services.note_public_attempt(_client_ip(request))
        except services.TooManyRequests:
            form.add_error(None, public_text.TOO_MANY)
        else:
            data = dict(form.cleaned_data)
            data.pop("consent")
            services.submit_public_request(
                client_key=key, form_language=lang, organisation=group, **data
            )
            done = reverse("help:ask_done", kwargs={"slug": group.slug})
            return redirect(f"{done}?{urlencode({'lang': lang})}")
    return render(
        request,
        "help/ask.html",
        {"form": form, "group": group, "text": public_text},
        status=form_status(form),
    )


@public_language
def ask_done(request, slug: str):
    group = _public_group(slug)
    return render(
        request,
        "help/ask_done.html",
        {
            "group": group,
            "text": public_text,
            "body": public_text.DONE_BODY.format(organisation=group.name),
        },
    )


@login_required
def triage(request):
    require(request, "help.triage")
    waiting = PublicRequest.objects.filter(status=PublicRequestStatus.NEEDS_TRIAGE).select_related(
        "need_type", "area", "language"
    )
    if not request.user.is_platform_admin:
        waiting = waiting.filter(
            Q(organisation_id__in=request.user.organisation_ids(Role.COORDINATOR))
            | Q(area_id__in=request.user.led_area_ids())
        )
    page = Paginator(waiting.order_by("created_at", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    reads.listed_requests(page.object_list, by=request.user, summary="Listed for triage")
    return render(request, "help/triage.html", {"page": page, "form": forms.ReasonForm()})


@login_required
@require_POST
def triage_dismiss(request, public_id: int):
    public = permitted(request, "help.triage_request", PublicRequest, pk=public_id)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why it is dismissed")
        return redirect("help:triage")
    reason = form.cleaned_data["reason"]
    carry_out(
        request,
        "Dismissed.",
        services.dismiss_public_request,
        public,
        by=request.user,
        reason=reason,
    )
    return redirect("help:triage")


@login_required
def nhs_lists(request):
    require(request, "help.import_nhs_list")
    groups = coordinated_groups(request.user)
    form = forms.NhsListForm(posted(request), request.FILES or None, groups=groups)

    def save():
        filename, text = form.cleaned_data["file"]
        try:
            return services.import_nhs_list(
                text,
                filename=filename,
                organisation=form.cleaned_data["organisation"],
                shared_by=form.cleaned_data["shared_by"],
                lawful_basis=form.cleaned_data["lawful_basis"],
                sharing_basis=form.cleaned_data["sharing_basis"],
                by=request.user,
            )
        except services.ImportProblems as exc:
            shown = exc.problems[:50]
            if len(exc.problems) > len(shown):
                shown.append(f"... and {len(exc.problems) - len(shown)} more")
            form.add_error("file", [str(exc), *shown])
            return None

    batches = NhsList.objects.filter(organisation__in=groups).select_related(
        "shared_by", "uploaded_by"
    )
    return form_page(
        request,
        form,
        "help/nhs_lists.html",
        {"batches": batches[:20]},
        save=save,
        success=lambda batch: (
            f"{batch.requests_created} check-in requests made from {batch.rows} rows."
        ),
        redirect_to=lambda batch: reverse("help:nhs_list", kwargs={"list_id": batch.pk}),
    )


@login_required
def nhs_list(request, list_id: int):
    require(request, "help.import_nhs_list")
    groups = coordinated_groups(request.user)
    batch = get_object_or_404(
        NhsList.objects.select_related("shared_by", "organisation", "uploaded_by"),
        pk=list_id,
        organisation__in=groups,
    )
    requests = batch.requests.select_related("person", "area")[:200]
    reads.listed_requests(requests, by=request.user, summary="Listed from an NHS list")
    duplicates = HelpRequest.objects.filter(
        pk__in=[d["request"] for d in batch.duplicates]
    ).select_related("person")
    return render(
        request,
        "help/nhs_list.html",
        {"batch": batch, "requests": requests, "duplicates": duplicates},
    )
