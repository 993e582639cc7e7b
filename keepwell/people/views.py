from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from keepwell.core.forms import form_status
from keepwell.core.navigation import person_links_for
from keepwell.core.pages import form_page
from keepwell.core.permissions import require
from keepwell.people import services, timeline
from keepwell.people.forms import (
    ConsentForm,
    HouseholdForm,
    MergeForm,
    PersonForm,
    PersonSearchForm,
)
from keepwell.people.models import Consent, Person


def _detail_url(person: Person) -> str:
    return reverse("people:detail", kwargs={"person_id": person.pk})


def _person_for(request, person_id: int, perm: str = "people.view_person") -> Person:
    person = get_object_or_404(
        Person.objects.select_related("area", "gp_practice", "user"), pk=person_id
    )
    require(request, perm, person)
    # A merged record holds nothing any more: nothing is added to it or changed on it.
    if person.merged_into_id is not None:
        raise Http404("This record was merged into another")
    return person


@login_required
def person_list(request):
    require(request, "people.list_people")
    form = PersonSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    # A search that cannot be made (a NUL in it) lists no one, rather than everyone.
    page = (
        None
        if form.errors
        else services.people_page(query, request.GET.get("page"), by=request.user)
    )
    return render(
        request,
        "people/list.html",
        {"form": form, "page": page, "query": query},
        status=form_status(form),
    )


@login_required
def person_create(request):
    require(request, "people.add_person")
    form = PersonForm(request.POST or None)

    def save() -> Person | None:
        data = dict(form.cleaned_data)
        languages = data.pop("languages")
        orgs = request.user.organisation_ids()
        try:
            return services.create_person(
                by=request.user, languages=languages, organisations=orgs, **data
            )
        except services.DuplicateNhsNumber as duplicate:
            form.refuse_duplicate_nhs_number(duplicate.existing, request.user)
            return None

    return form_page(
        request,
        form,
        "people/form.html",
        {"title": "Add a person"},
        save=save,
        success=lambda person: f"{person.full_name} added.",
        redirect_to=_detail_url,
    )


@login_required
def person_detail(request, person_id: int):
    person = get_object_or_404(
        Person.objects.select_related("area", "gp_practice", "user", "merged_into"), pk=person_id
    )
    if person.merged_into_id is not None:
        # Anyone who may open either record is told where it went; the kept record's page
        # then checks who may see it.
        if not (
            request.user.has_perm("people.view_person", person)
            or request.user.has_perm("people.view_person", person.merged_into)
        ):
            raise PermissionDenied
        messages.info(
            request,
            f"That record was merged into this one on "
            f"{timezone.localtime(person.merged_at):%-d %B %Y}.",
        )
        return redirect("people:detail", person_id=person.merged_into_id)
    require(request, "people.view_person", person)
    services.open_record(person, by=request.user)
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "languages": person.languages.all(),
            "consents": person.consents.select_related("recorded_by"),
            "households": person.household_links.select_related("household").prefetch_related(
                "household__members__person"
            ),
            "can_change": request.user.has_perm("people.change_person", person),
            "can_consent": request.user.has_perm("people.record_consent", person),
            "can_audit": request.user.has_perm("audit.view_person_audit", person),
            "can_merge": request.user.has_perm("people.merge_person", person),
            # Records that may repeat this one, which the user may merge into it.
            "duplicates_here": [
                duplicate
                for duplicate in person.possible_duplicates.filter(merged_into__isnull=True)
                if request.user.has_perm("people.merge_person", duplicate)
            ],
            "person_links": person_links_for(request.user, person),
        },
    )


@login_required
def person_edit(request, person_id: int):
    person = _person_for(request, person_id, "people.change_person")
    form = PersonForm(request.POST or None, instance=person)

    def save() -> None:
        data = dict(form.cleaned_data)
        languages = data.pop("languages")
        fresh = Person.objects.get(pk=person.pk)
        try:
            services.update_person(fresh, by=request.user, languages=languages, **data)
        except services.DuplicateNhsNumber as duplicate:
            form.refuse_duplicate_nhs_number(duplicate.existing, request.user)

    return form_page(
        request,
        form,
        "people/form.html",
        {"title": f"Change {person.full_name}'s details", "person": person},
        save=save,
        success="Changes saved.",
        redirect_to=_detail_url(person),
    )


@login_required
def consent_add(request, person_id: int):
    person = _person_for(request, person_id, "people.record_consent")
    form = ConsentForm(request.POST or None)
    return form_page(
        request,
        form,
        "people/consent_form.html",
        {"person": person},
        save=lambda: services.record_consent(person, by=request.user, **form.cleaned_data),
        success="Consent recorded.",
        redirect_to=_detail_url(person),
    )


@login_required
@require_POST
def consent_withdraw(request, person_id: int, consent_id: int):
    person = _person_for(request, person_id, "people.record_consent")
    consent = get_object_or_404(Consent, pk=consent_id, person=person)
    services.withdraw_consent(consent, by=request.user)
    messages.success(request, f"Consent for {consent.get_purpose_display().lower()} withdrawn.")
    return redirect("people:detail", person_id=person.pk)


@login_required
def household_add(request, person_id: int):
    person = _person_for(request, person_id, "people.change_person")
    form = HouseholdForm(request.POST or None)
    return form_page(
        request,
        form,
        "people/household_form.html",
        {"person": person},
        save=lambda: services.add_to_household(person, by=request.user, **form.cleaned_data),
        success="Household saved.",
        redirect_to=_detail_url(person),
    )


@login_required
def person_audit(request, person_id: int):
    """Who has seen or changed this record: for the person, and for information governance."""
    person = get_object_or_404(Person, pk=person_id)
    require(request, "audit.view_person_audit", person)
    own = person.user_id == request.user.pk
    page, entries = services.audit_page(person, request.GET.get("page"), by=request.user)
    return render(
        request,
        "people/audit.html",
        {
            "person": person,
            "page": page,
            "entries": entries,
            "own": own,
            # Their logs stay on their own ids: information governance follows the links.
            "merged_records": [] if own else person.merged_records.order_by("merged_at"),
        },
    )


@login_required
def duplicates(request):
    """Records that may repeat another, where the user may see (so merge) both."""
    require(request, "people.list_duplicates")
    found = services.possible_duplicates(by=request.user)
    return render(request, "people/duplicates.html", {"duplicates": found})


@login_required
def merge(request, person_id: int):
    """Both records side by side; POST merges the duplicate into the record it repeats."""
    duplicate = get_object_or_404(
        Person.objects.select_related("possible_duplicate_of", "area", "gp_practice"),
        pk=person_id,
    )
    require(request, "people.merge_person", duplicate)
    keep = duplicate.possible_duplicate_of
    if keep is None or duplicate.merged_into_id is not None:
        raise Http404("This record is not waiting to be merged")
    # An empty POST (the box not ticked) is still an answer to check.
    form = MergeForm(request.POST if request.method == "POST" else None)
    refusal = services.merge_refusal(keep, duplicate)
    if request.method == "POST" and form.is_valid():
        try:
            services.merge_people(keep, duplicate, by=request.user)
        except services.MergeRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request, f"Records merged: {keep.full_name}'s record now holds everything."
            )
            return redirect("people:detail", person_id=keep.pk)
    rooms = services.view_for_merge(keep, duplicate, by=request.user)
    return render(
        request,
        "people/merge.html",
        {
            "keep": keep,
            "duplicate": duplicate,
            "rooms": rooms,
            "form": form,
            "refusal": refusal,
        },
        status=form_status(form),
    )


@login_required
def person_timeline(request, person_id: int):
    """Everything the capabilities did with the person, newest first."""
    person = get_object_or_404(
        Person.objects.select_related("gp_practice", "area", "user"), pk=person_id
    )
    require(request, "people.view_person", person)
    entries = timeline.for_person(person, by=request.user)
    here = reverse("people:timeline", kwargs={"person_id": person.pk})
    return render(
        request,
        "people/timeline.html",
        {
            "person": person,
            "entries": entries,
            "person_links": [
                link for link in person_links_for(request.user, person) if link["url"] != here
            ],
        },
    )
