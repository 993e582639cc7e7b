"""Mutual aid pages. Each view checks a rule, calls a service, and renders; none writes."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, Q, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from keepwell.accounts.models import Role, User
from keepwell.audit.models import Action, Purpose
from keepwell.audit.services import record_many
from keepwell.core.forms import form_status
from keepwell.core.i18n import public_language
from keepwell.core.querystring import search_text_problem
from keepwell.directory.models import Organisation
from keepwell.help import dashboard as board
from keepwell.help import forms, public_text, services
from keepwell.help.eligibility import Eligibility, eligibility
from keepwell.help.models import (
    VOLUNTEER_TRANSITIONS,
    Authorisation,
    Concern,
    ConcernContact,
    HelpRequest,
    NhsList,
    OfferStatus,
    PublicRequest,
    PublicRequestStatus,
    RequestStatus,
    RoutingRule,
    SafeguardingCheck,
    Source,
    Task,
    TaskState,
    Volunteer,
    VolunteerStatus,
)
from keepwell.help.queries import km_from_home
from keepwell.help.rules import volunteer_of
from keepwell.people.models import Person
from keepwell.places.models import Area

PAGE_SIZE = 25


def _require(request, perm: str, obj=None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _posted(request):
    """The POST data, or None for a GET: an empty POST is still a submission to check."""
    return request.POST if request.method == "POST" else None


def _groups(user):
    """The groups a user arranges help for: those they coordinate or lead an area of."""
    if user.is_platform_admin:
        return Organisation.objects.filter(
            pk__in=Organisation.objects.filter(memberships__role=Role.COORDINATOR).values("pk")
        ).order_by("name")
    return Organisation.objects.filter(
        pk__in=user.organisation_ids(Role.COORDINATOR, Role.AREA_LEAD)
    ).order_by("name")


def _coordinated(user):
    if user.is_platform_admin:
        return _groups(user)
    return Organisation.objects.filter(pk__in=user.organisation_ids(Role.COORDINATOR)).order_by(
        "name"
    )


# --- dashboard and queues -------------------------------------------------------------------


@login_required
def dashboard(request):
    _require(request, "help.view_dashboard")
    data = board.build(request.user, timezone.now())
    return render(
        request,
        "help/dashboard.html",
        {
            "board": data,
            "now": timezone.now(),
            "can_add_volunteer": request.user.has_perm("help.add_volunteer"),
            "can_import": request.user.has_perm("help.import_nhs_list"),
        },
    )


@login_required
def area_queue(request, slug: str):
    area = get_object_or_404(Area, slug=slug)
    _require(request, "help.view_queue", area)
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
    _require(request, "help.view_dashboard")
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
    record_many(
        request.user,
        Action.READ,
        page.object_list,
        purpose=Purpose.HELP_REQUEST,
        summary="Listed help requests",
    )
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
    found = get_object_or_404(
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
    _require(request, perm, found)
    return found


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
    into = get_object_or_404(HelpRequest, pk=into_id) if into_id else None
    if into is None:
        messages.error(request, "This request is not flagged as a duplicate of another")
        return redirect("help:request", request_id=duplicate.pk)
    _require(request, "help.change_request", into)
    try:
        services.merge_requests(duplicate, into, by=request.user)
    except services.HelpError as exc:
        messages.error(request, str(exc))
        return redirect("help:request", request_id=duplicate.pk)
    messages.success(request, f"#{duplicate.pk} merged into #{into.pk}.")
    return redirect("help:request", request_id=into.pk)


@login_required
@require_POST
def request_not_duplicate(request, request_id: int):
    help_request = _help_request(request, request_id, "help.change_request")
    try:
        services.mark_not_duplicate(help_request, by=request.user)
    except services.HelpError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"#{help_request.pk} is kept as a request of its own.")
    return redirect("help:request", request_id=help_request.pk)


@login_required
@require_POST
def request_cancel(request, request_id: int):
    help_request = _help_request(request, request_id, "help.change_request")
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the request is cancelled")
        return redirect("help:request", request_id=help_request.pk)
    try:
        services.cancel_request(help_request, by=request.user, reason=form.cleaned_data["reason"])
    except services.HelpError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Request cancelled.")
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
    task = get_object_or_404(
        Task.objects.select_related("request__need_type", "request__person", "request__area"),
        pk=task_id,
    )
    _require(request, "help.change_task", task)
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


# --- intake: the helpline, the public form, triage and NHS lists -----------------------------


@login_required
def call(request):
    _require(request, "help.take_calls")
    source = request.POST if request.method == "POST" else request.GET
    public = None
    public_id = source.get("public", "")
    if public_id:
        if not public_id.isdigit():
            raise Http404
        public = get_object_or_404(
            PublicRequest.objects.select_related("need_type", "organisation"),
            pk=public_id,
            status=PublicRequestStatus.NEEDS_TRIAGE,
        )
        _require(request, "help.triage_request", public)
    q = source.get("q", "").strip()[:100]
    found = []
    # A search that cannot be made (a NUL in it) finds no one and says why.
    search_form = forms.PersonSearchForm(
        {"q": q} if search_text_problem(q) else None, initial={"q": q}
    )
    if q and not search_form.errors:
        found = list(Person.objects.visible_to(request.user).search(q).select_related("area")[:10])
        record_many(
            request.user,
            Action.READ,
            found,
            purpose=Purpose.HELP_REQUEST,
            summary=f"Found on the helpline screen for {q!r}",
        )
    initial = {"q": q}
    if public is not None:
        initial.update(
            public=public.pk,
            given_name=public.given_name,
            family_name=public.family_name,
            phone=public.phone,
            address_line_1=public.address,
            new_postcode=public.postcode,
            need_type=public.need_type_id,
            language=public.language_id,
            notes=public.details,
            on_behalf=public.on_behalf,
            requested_by=" ".join(
                p
                for p in (
                    public.requester_name,
                    public.requester_phone,
                    f"({public.requester_relationship})" if public.requester_relationship else "",
                )
                if p
            ),
        )
        if request.method == "GET":
            services.view_public_request(public, by=request.user)
    groups = [public.organisation] if public else _groups(request.user)
    if not groups:
        raise PermissionDenied
    form = forms.CallForm(_posted(request), found=found, initial=initial)
    if len(groups) > 1:
        form.fields["organisation"] = forms.forms.ModelChoiceField(
            label="The group arranging the help",
            queryset=Organisation.objects.filter(pk__in=[g.pk for g in groups]),
            error_messages={"required": "Choose the group"},
        )
        form.fields["organisation"].widget.attrs["class"] = "nhsuk-select"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organisation = data.get("organisation") or groups[0]
        details = services.CallDetails(
            person=data["person_obj"],
            new_person={
                "given_name": data["given_name"],
                "family_name": data["family_name"],
                "phone": data["phone"],
                "address_line_1": data["address_line_1"],
                "postcode": data["new_postcode"],
            },
            languages=[data["language"]] if data["language"] else [],
            household_name=data["household_name"],
            consent_coordination=data["consent_coordination"],
            consent_share_with_nhs=data["consent_share_with_nhs"],
            on_behalf=data["on_behalf"],
        )
        try:
            made = services.take_call(
                details,
                data["need_type"],
                by=request.user,
                organisation=organisation,
                public_request=public,
                urgency=data["urgency"],
                language=data["language"],
                notes=data["notes"],
                source=Source.WEB if public else Source.HELPLINE,
                requested_by=data["requested_by"],
                window_start=data["window_start"],
                window_end=data["window_end"],
                times_per_week=data["times_per_week"],
                weeks=data["weeks"],
                allow_duplicate=data["allow_duplicate"],
            )
        except services.DuplicateRequest as dup:
            form.ask_about_duplicate(
                f"{dup}: open #{dup.existing.pk} instead, or tick the box to record this one "
                "as a possible duplicate"
            )
            duplicate = dup.existing
        except services.HelpError as exc:
            form.add_error(None, str(exc))
            duplicate = None
        else:
            messages.success(request, f"Request #{made.pk} recorded for {made.person.full_name}.")
            return redirect("help:request", request_id=made.pk)
    else:
        duplicate = None
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
    form = forms.PublicRequestForm(_posted(request))
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
    _require(request, "help.triage")
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
    record_many(
        request.user,
        Action.READ,
        page.object_list,
        purpose=Purpose.HELP_REQUEST,
        summary="Listed for triage",
    )
    return render(request, "help/triage.html", {"page": page, "form": forms.ReasonForm()})


@login_required
@require_POST
def triage_dismiss(request, public_id: int):
    public = get_object_or_404(PublicRequest, pk=public_id)
    _require(request, "help.triage_request", public)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why it is dismissed")
        return redirect("help:triage")
    try:
        services.dismiss_public_request(public, by=request.user, reason=form.cleaned_data["reason"])
    except services.HelpError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Dismissed.")
    return redirect("help:triage")


@login_required
def nhs_lists(request):
    _require(request, "help.import_nhs_list")
    groups = _coordinated(request.user)
    form = forms.NhsListForm(_posted(request), request.FILES or None, groups=groups)
    if request.method == "POST" and form.is_valid():
        filename, text = form.cleaned_data["file"]
        try:
            batch = services.import_nhs_list(
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
        else:
            messages.success(
                request,
                f"{batch.requests_created} check-in requests made from {batch.rows} rows.",
            )
            return redirect("help:nhs_list", list_id=batch.pk)
    batches = NhsList.objects.filter(organisation__in=groups).select_related(
        "shared_by", "uploaded_by"
    )
    return render(
        request,
        "help/nhs_lists.html",
        {"form": form, "batches": batches[:20]},
        status=form_status(form),
    )


@login_required
def nhs_list(request, list_id: int):
    _require(request, "help.import_nhs_list")
    groups = _coordinated(request.user)
    batch = get_object_or_404(
        NhsList.objects.select_related("shared_by", "organisation", "uploaded_by"),
        pk=list_id,
        organisation__in=groups,
    )
    requests = batch.requests.select_related("person", "area")[:200]
    record_many(
        request.user,
        Action.READ,
        requests,
        purpose=Purpose.HELP_REQUEST,
        summary="Listed from an NHS list",
    )
    duplicates = HelpRequest.objects.filter(
        pk__in=[d["request"] for d in batch.duplicates]
    ).select_related("person")
    return render(
        request,
        "help/nhs_list.html",
        {"batch": batch, "requests": requests, "duplicates": duplicates},
    )


# --- volunteers -----------------------------------------------------------------------------


@login_required
def volunteer_list(request):
    _require(request, "help.list_volunteers")
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
    volunteer = get_object_or_404(Volunteer.objects.select_related("user", "area"), pk=volunteer_id)
    _require(request, perm, volunteer)
    return volunteer


def _volunteer_form_data(data: dict) -> dict:
    return {
        "first_name": data["first_name"],
        "last_name": data["last_name"],
        "email": data["email"],
        "phone": data["phone"],
        "home_postcode": data["home_postcode"],
        "max_km": data["max_km"],
        "transport": data["transport"],
        "max_tasks_per_week": data["max_tasks_per_week"],
        "notes": data["notes"],
        "skills": data["skills"],
        "languages": data["languages"],
        "availability": data["availability"],
    }


def _free_username(first: str, last: str) -> str:
    base = slugify(f"{first}.{last}".strip(".")).replace("-", ".")[:140] or "volunteer"
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}{n}"
    return name


@login_required
def volunteer_add(request):
    _require(request, "help.add_volunteer")
    groups = _coordinated(request.user)
    form = forms.VolunteerForm(_posted(request), groups=groups, adding=True)
    if request.method == "POST" and form.is_valid():
        data = _volunteer_form_data(form.cleaned_data)
        organisation = form.cleaned_data["organisation"]
        _require(request, "help.add_volunteer")
        if organisation not in groups:
            raise PermissionDenied
        try:
            volunteer = services.create_volunteer(
                by=request.user,
                organisation=organisation,
                username=_free_username(data["first_name"], data["last_name"]),
                **data,
            )
        except services.HelpError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{volunteer} added. Record their checks next.")
            return redirect("help:volunteer", volunteer_id=volunteer.pk)
    return render(
        request,
        "help/form.html",
        {
            "form": form,
            "title": "Add a volunteer",
            "submit": "Add volunteer",
            "back": reverse("help:volunteers"),
        },
        status=form_status(form),
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
    initial = {
        "first_name": volunteer.user.first_name,
        "last_name": volunteer.user.last_name,
        "email": volunteer.user.email,
        "phone": volunteer.phone,
        "home_postcode": volunteer.home_postcode,
        "max_km": volunteer.max_km,
        "transport": volunteer.transport,
        "max_tasks_per_week": volunteer.max_tasks_per_week,
        "notes": volunteer.notes,
        "skills": list(volunteer.skills.all()),
        "languages": list(volunteer.languages.all()),
        "availability": forms.format_availability(volunteer.availability.all()),
    }
    form = forms.VolunteerForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_volunteer(
            volunteer, by=request.user, **_volunteer_form_data(form.cleaned_data)
        )
        messages.success(request, "Changes saved.")
        return redirect("help:volunteer", volunteer_id=volunteer.pk)
    return render(
        request,
        "help/form.html",
        {
            "form": form,
            "title": f"Change {volunteer}'s details",
            "submit": "Save",
            "back": reverse("help:volunteer", kwargs={"volunteer_id": volunteer.pk}),
        },
        status=form_status(form),
    )


@login_required
@require_POST
def volunteer_status(request, volunteer_id: int):
    volunteer = _volunteer(request, volunteer_id, "help.change_volunteer")
    form = forms.StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status")
    else:
        try:
            services.change_volunteer_status(
                volunteer, form.cleaned_data["status"], by=request.user
            )
        except services.HelpError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Status changed.")
    return redirect("help:volunteer", volunteer_id=volunteer.pk)


@login_required
def check_add(request, volunteer_id: int):
    volunteer = _volunteer(request, volunteer_id, "help.change_volunteer")
    form = forms.CheckForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        services.record_check(volunteer, by=request.user, **form.cleaned_data)
        messages.success(request, "Check recorded.")
        return redirect("help:volunteer", volunteer_id=volunteer.pk)
    return render(
        request,
        "help/form.html",
        {
            "form": form,
            "title": f"Record a check for {volunteer}",
            "submit": "Record check",
            "back": reverse("help:volunteer", kwargs={"volunteer_id": volunteer.pk}),
        },
        status=form_status(form),
    )


@login_required
def authorisation_add(request, volunteer_id: int):
    volunteer = _volunteer(request, volunteer_id, "help.change_volunteer")
    form = forms.AuthorisationForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        services.grant_authorisation(volunteer, by=request.user, **form.cleaned_data)
        messages.success(request, "Authorisation recorded.")
        return redirect("help:volunteer", volunteer_id=volunteer.pk)
    return render(
        request,
        "help/form.html",
        {
            "form": form,
            "title": f"Authorise {volunteer}",
            "submit": "Record authorisation",
            "back": reverse("help:volunteer", kwargs={"volunteer_id": volunteer.pk}),
        },
        status=form_status(form),
    )


@login_required
@require_POST
def authorisation_revoke(request, volunteer_id: int, authorisation_id: int):
    volunteer = _volunteer(request, volunteer_id, "help.change_volunteer")
    auth = get_object_or_404(Authorisation, pk=authorisation_id, volunteer=volunteer)
    services.revoke_authorisation(auth, by=request.user)
    messages.success(request, f"{auth.get_kind_display()}: revoked.")
    return redirect("help:volunteer", volunteer_id=volunteer.pk)


EXPIRING_DAYS = 30


@login_required
def expiring(request):
    _require(request, "help.list_volunteers")
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


# --- the volunteer's own tasks --------------------------------------------------------------


@login_required
def my_tasks(request):
    _require(request, "help.view_my_tasks")
    volunteer = volunteer_of(request.user)
    now = timezone.now()
    rows = []
    if volunteer is not None:
        tasks = list(
            Task.objects.for_volunteer_page(volunteer, now)
            .select_related("request__person", "request__need_type")
            .in_due_order()
        )
        rows = [(t, t.contact_visible(volunteer, now)) for t in tasks]
        shown = [t for t, contact in rows if contact]
        if shown:
            services.list_tasks(shown, by=request.user, summary="Saw the address and phone")
        others = [t for t, contact in rows if not contact]
        if others:
            services.list_tasks(others, by=request.user, summary="Saw first name and need")
    return render(
        request,
        "help/my_tasks.html",
        {"volunteer": volunteer, "rows": rows, "now": now},
    )


def _my_task(request, task_id: int) -> Task:
    task = get_object_or_404(
        Task.objects.select_related(
            "request__person", "request__need_type", "request__language", "request__area"
        ),
        pk=task_id,
    )
    _require(request, "help.respond_to_task", task)
    return task


def _render_my_task(request, task: Task, finish_form=None):
    volunteer = volunteer_of(request.user)
    now = timezone.now()
    contact = task.contact_visible(volunteer, now)
    services.view_task(task, by=request.user, contact=contact)
    finish_form = finish_form or forms.FinishForm()
    return render(
        request,
        "help/my_task.html",
        {
            "task": task,
            "person": task.request.person,
            "contact": contact,
            "offered": task.state == TaskState.OFFERED and task.volunteer_id is None,
            # What to weigh before saying yes: how far from home (the address waits).
            "km_from_home": km_from_home(volunteer, task) if volunteer is not None else None,
            "held": task.state == TaskState.ACCEPTED
            and volunteer is not None
            and task.volunteer_id == volunteer.pk,
            "form": finish_form,
        },
        status=form_status(finish_form),
    )


@login_required
def my_task(request, task_id: int):
    task = _my_task(request, task_id)
    return _render_my_task(request, task)


@login_required
@require_POST
def task_respond(request, task_id: int):
    task = _my_task(request, task_id)
    volunteer = volunteer_of(request.user)
    action = request.POST.get("action", "")
    try:
        if action == "accept":
            services.accept_offer(task, volunteer, by=request.user)
            messages.success(request, "Thank you: the task is yours.")
        elif action == "decline":
            services.decline_offer(task, volunteer, by=request.user)
            messages.success(request, "Declined. We will ask someone else.")
            return redirect("help:my_tasks")
        elif action in ("done", "not_done"):
            form = forms.FinishForm(request.POST)
            form.is_valid()
            notes = form.cleaned_data.get("notes", "")
            if action == "not_done" and not notes.strip():
                form.add_error("notes", "Say why it could not be done")
                return _render_my_task(request, task, form)
            services.complete_task(task, by=request.user, done=action == "done", notes=notes)
            messages.success(request, "Thank you: recorded.")
        elif action == "release":
            services.release_task(task, by=request.user, note="The volunteer cannot do it")
            messages.success(request, "Handed back: we will ask someone else.")
            return redirect("help:my_tasks")
        else:
            messages.error(request, "Choose what to do")
    except services.HelpError as exc:
        messages.error(request, str(exc))
        return redirect("help:my_tasks")
    return redirect("help:my_task", task_id=task.pk)


# --- doorstep concerns ----------------------------------------------------------------------


@login_required
def concern_list(request):
    _require(request, "help.view_concerns")
    concerns = Concern.objects.visible_to(request.user).select_related(
        "person", "routed_to", "area"
    )
    closed = request.GET.get("closed") == "1"
    concerns = concerns.filter(closed_at__isnull=not closed)
    page = Paginator(concerns.order_by("-urgent", "raised_at", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    record_many(
        request.user,
        Action.READ,
        page.object_list,
        purpose=Purpose.SAFEGUARDING,
        summary="Listed concerns",
    )
    return render(
        request,
        "help/concern_list.html",
        {"page": page, "closed": closed, "routing_url": _routing_link(request.user)},
    )


@login_required
def concern_raise(request, task_id: int):
    task = get_object_or_404(Task.objects.select_related("request__person"), pk=task_id)
    _require(request, "help.raise_concern", task)
    form = forms.ConcernForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        concern = services.raise_concern(
            by=request.user, person=task.request.person, task=task, **form.cleaned_data
        )
        messages.success(
            request,
            f"Thank you. Sent to {concern.routed_to}."
            if concern.routed_to
            else "Thank you. The coordinators have been told.",
        )
        return redirect("help:concern", concern_id=concern.pk)
    return render(
        request,
        "help/form.html",
        {
            "form": form,
            "title": f"Report a concern about {task.request.person.given_name}",
            "submit": "Send the concern",
            "back": reverse("help:my_tasks"),
            "intro": "What you tell us goes to a named person who must acknowledge it. "
            "If someone is in danger now, call 999.",
        },
        status=form_status(form),
    )


def _concern(request, concern_id: int, perm: str) -> Concern:
    concern = get_object_or_404(
        Concern.objects.select_related(
            "person",
            "routed_to__organisation",
            "raised_by",
            "acknowledged_by",
            "closed_by",
            "area",
            "task__request__need_type",
        ),
        pk=concern_id,
    )
    _require(request, perm, concern)
    return concern


def _render_concern(request, concern: Concern, outcome_form=None):
    services.view_concern(concern, by=request.user)
    outcome_form = outcome_form or forms.OutcomeForm()
    return render(
        request,
        "help/concern_detail.html",
        {
            "concern": concern,
            "events": concern.events.select_related("by"),
            "can_act": request.user.has_perm("help.act_on_concern", concern),
            "form": outcome_form,
            "ack_form": forms.AcknowledgeForm(),
        },
        status=form_status(outcome_form),
    )


@login_required
def concern_detail(request, concern_id: int):
    return _render_concern(request, _concern(request, concern_id, "help.view_concern"))


@login_required
@require_POST
def concern_acknowledge(request, concern_id: int):
    concern = _concern(request, concern_id, "help.act_on_concern")
    form = forms.AcknowledgeForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.acknowledge_concern(concern, by=request.user, note=note)
    except services.HelpError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Acknowledged. Record the outcome when it is dealt with.")
    return redirect("help:concern", concern_id=concern.pk)


@login_required
@require_POST
def concern_close(request, concern_id: int):
    concern = _concern(request, concern_id, "help.act_on_concern")
    form = forms.OutcomeForm(request.POST)
    if not form.is_valid():
        return _render_concern(request, concern, form)
    try:
        services.close_concern(concern, by=request.user, outcome=form.cleaned_data["outcome"])
    except services.HelpError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Closed with the outcome recorded.")
    return redirect("help:concern", concern_id=concern.pk)


# --- where concerns go: a group's contacts and routing rules ---------------------------------


def _routing_link(user) -> str | None:
    """Straight to the group's page for a coordinator of one group; else the list of groups."""
    if not user.has_perm("help.menu_concern_routing"):
        return None
    if not user.is_platform_admin:
        group_ids = user.organisation_ids(Role.COORDINATOR)
        if len(group_ids) == 1:
            group = Organisation.objects.filter(pk__in=group_ids).only("slug").first()
            if group is not None:
                return reverse("help:concern_routing", kwargs={"slug": group.slug})
    return reverse("help:concern_routing_groups")


def _routing_group(request, slug: str) -> Organisation:
    group = get_object_or_404(Organisation, slug=slug)
    _require(request, "help.manage_concern_routing", group)
    return group


def _routing_form_page(
    request, group, form, *, title: str, submit: str, delete_url=None, delete_label=""
):
    return render(
        request,
        "help/routing_form.html",
        {
            "group": group,
            "form": form,
            "title": title,
            "submit": submit,
            "back": reverse("help:concern_routing", kwargs={"slug": group.slug}),
            "delete_url": delete_url,
            "delete_label": delete_label,
        },
        status=form_status(form),
    )


@login_required
def concern_routing_groups(request):
    _require(request, "help.menu_concern_routing")
    groups = _coordinated(request.user).annotate(
        rules=Count("concern_rules", distinct=True),
        contacts=Count("kept_concern_contacts", distinct=True),
    )
    return render(request, "help/concern_routing_groups.html", {"groups": groups})


@login_required
def concern_routing(request, slug: str):
    group = _routing_group(request, slug)
    routine, urgent = services.escalation_delays()
    return render(
        request,
        "help/concern_routing.html",
        {
            "group": group,
            "overview": services.routing_overview(group),
            "routine_delay": _duration(routine),
            "urgent_delay": _duration(urgent),
        },
    )


def _duration(delay: timedelta) -> str:
    minutes = int(delay.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes} minute{pluralize(minutes)}"
    hours = minutes // 60
    return f"{hours} hour{pluralize(hours)}"


@login_required
def concern_contact_add(request, slug: str):
    group = _routing_group(request, slug)
    form = forms.ConcernContactForm(_posted(request), group=group)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.add_concern_contact(group, by=request.user, **form.contact_fields())
        except services.RoutingProblems as exc:
            form.add_problems(exc.problems)
        else:
            messages.success(request, f"{contact.name} added. Add a rule to send concerns to them.")
            return redirect("help:concern_routing", slug=group.slug)
    return _routing_form_page(
        request, group, form, title="Add a contact for concerns", submit="Add contact"
    )


def _group_contact(group, contact_id: int) -> ConcernContact:
    return get_object_or_404(
        ConcernContact.objects.select_related("organisation", "user", "escalate_to"),
        pk=contact_id,
        group=group,
    )


@login_required
def concern_contact_edit(request, slug: str, contact_id: int):
    group = _routing_group(request, slug)
    contact = _group_contact(group, contact_id)
    form = forms.ConcernContactForm(_posted(request), group=group, contact=contact)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.update_concern_contact(
                contact, by=request.user, **form.contact_fields()
            )
        except services.RoutingProblems as exc:
            form.add_problems(exc.problems)
        else:
            messages.success(request, f"{contact.name}: changes saved.")
            return redirect("help:concern_routing", slug=group.slug)
    return _routing_form_page(
        request,
        group,
        form,
        title=f"Change {contact.name}",
        submit="Save",
        delete_url=reverse(
            "help:concern_contact_delete", kwargs={"slug": group.slug, "contact_id": contact.pk}
        ),
        delete_label="Delete this contact",
    )


@login_required
def concern_contact_delete(request, slug: str, contact_id: int):
    """GET asks to confirm (or says why it cannot be deleted); POST deletes."""
    group = _routing_group(request, slug)
    contact = _group_contact(group, contact_id)
    edit = reverse(
        "help:concern_contact_edit", kwargs={"slug": group.slug, "contact_id": contact.pk}
    )
    if request.method == "POST":
        try:
            services.delete_concern_contact(contact, by=request.user)
        except services.ContactInUse as exc:
            messages.error(request, str(exc))
            return redirect(edit)
        messages.success(request, f"{contact.name} deleted.")
        return redirect("help:concern_routing", slug=group.slug)
    return render(
        request,
        "help/routing_delete.html",
        {
            "group": group,
            "title": f"Delete {contact.name}?",
            "what": f"{contact.name}, {contact.organisation}",
            "blockers": services.contact_in_use(contact),
            "back": edit,
        },
    )


@login_required
def routing_rule_add(request, slug: str):
    group = _routing_group(request, slug)
    posted = _posted(request)
    initial = None if posted is not None else {"order": services.next_rule_order(group)}
    form = forms.RoutingRuleForm(posted, group=group, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_routing_rule(group, by=request.user, **form.rule_fields())
        except services.RoutingProblems as exc:
            form.add_problems(exc.problems)
        else:
            messages.success(request, "Rule added.")
            return redirect("help:concern_routing", slug=group.slug)
    return _routing_form_page(request, group, form, title="Add a routing rule", submit="Add rule")


def _group_rule(group, rule_id: int) -> RoutingRule:
    return get_object_or_404(
        RoutingRule.objects.select_related("contact__organisation"),
        pk=rule_id,
        organisation=group,
    )


@login_required
def routing_rule_edit(request, slug: str, rule_id: int):
    group = _routing_group(request, slug)
    rule = _group_rule(group, rule_id)
    form = forms.RoutingRuleForm(_posted(request), group=group, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_routing_rule(rule, by=request.user, **form.rule_fields())
        except services.RoutingProblems as exc:
            form.add_problems(exc.problems)
        else:
            messages.success(request, "Rule saved.")
            return redirect("help:concern_routing", slug=group.slug)
    return _routing_form_page(
        request,
        group,
        form,
        title=f"Change rule {rule.order}",
        submit="Save",
        delete_url=reverse(
            "help:routing_rule_delete", kwargs={"slug": group.slug, "rule_id": rule.pk}
        ),
        delete_label="Delete this rule",
    )


@login_required
def routing_rule_delete(request, slug: str, rule_id: int):
    """GET asks to confirm; POST deletes."""
    group = _routing_group(request, slug)
    rule = _group_rule(group, rule_id)
    if request.method == "POST":
        services.delete_routing_rule(rule, by=request.user)
        messages.success(request, f"Rule {rule.order} deleted.")
        return redirect("help:concern_routing", slug=group.slug)
    return render(
        request,
        "help/routing_delete.html",
        {
            "group": group,
            "title": f"Delete rule {rule.order}?",
            "what": f"{rule.get_kind_display() if rule.kind else 'Any concern'} → "
            f"{rule.contact.name if rule.contact else rule.get_target_display()}",
            "blockers": [],
            "back": reverse(
                "help:routing_rule_edit", kwargs={"slug": group.slug, "rule_id": rule.pk}
            ),
        },
    )
