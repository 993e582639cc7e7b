"""Directory pages. Public pages need no sign-in; see rules.py for who may do what."""

from __future__ import annotations

import io
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_POST

from keepwell.core import csvio as shared_csv
from keepwell.core.charts import Chart, Series
from keepwell.core.forms import form_status
from keepwell.core.http import safe_next
from keepwell.core.i18n import public_language
from keepwell.core.pages import form_page
from keepwell.core.permissions import require
from keepwell.directory import csvio, oruk
from keepwell.directory import services as directory
from keepwell.directory.forms import (
    CsvUploadForm,
    DecisionForm,
    InteractionForm,
    LinkForm,
    MappingForm,
    OrganisationForm,
    OrganisationSuggestForm,
    RelationshipForm,
    SearchForm,
    ServiceForm,
    ServiceSuggestForm,
    changes_between,
)
from keepwell.directory.guidance import GUIDANCE, guidance_for
from keepwell.directory.models import (
    COMMUNITY_KINDS,
    Interaction,
    ListingChange,
    Organisation,
    OrganisationKind,
    Service,
    ServiceCategory,
    Suggestion,
)


def _organisation_url(org: Organisation) -> str:
    return reverse("directory:organisation", kwargs={"slug": org.slug})


def _service_url(service: Service) -> str:
    return reverse("directory:service", kwargs={"service_id": service.uuid})


def _service_for(request, service_id) -> Service:
    service = get_object_or_404(Service.objects.select_related("organisation"), uuid=service_id)
    if service.status != Service.Status.PUBLISHED and not request.user.has_perm(
        "directory.change_service", service
    ):
        raise Http404
    return service


# ---------------------------------------------------------------------------------------
# The public directory


@public_language
def search(request):
    require(request, "directory.view_directory")
    form = SearchForm(request.GET or None)
    page = form.results(
        request.GET.get("page"),
        public=not request.user.has_perm("directory.view_confidential_address"),
    )
    return render(
        request,
        "directory/search.html",
        {
            "form": form,
            "page": page,
            "located": form.located,
            "staff": request.user.has_perm("directory.view_relationships"),
        },
        status=form_status(form),
    )


@public_language
def service_detail(request, service_id):
    require(request, "directory.view_directory")
    service = _service_for(request, service_id)
    venues = list(service.at_locations.select_related("location"))
    show_confidential = request.user.has_perm("directory.view_confidential_address", service)
    return render(
        request,
        "directory/service_detail.html",
        {
            "service": service,
            "org": service.organisation,
            "venues": venues,
            "show_confidential": show_confidential,
            "terms": service.taxonomy_terms.select_related("parent"),
            "languages": service.languages.all(),
            "schedules": service.schedules.all(),
            "can_change": request.user.has_perm("directory.change_service", service),
            "can_suggest": request.user.has_perm("directory.suggest_change"),
            "can_history": request.user.has_perm("directory.view_history"),
        },
    )


def organisation_list(request):
    require(request, "directory.view_directory")
    kind = request.GET.get("kind", "")
    orgs = Organisation.objects.annotate(
        n_services=Count("services", filter=Q(services__status="published"))
    ).select_related("relationship_owner")
    if kind in OrganisationKind.values:
        orgs = orgs.filter(kind=kind)
    else:
        kind = ""
    page = Paginator(orgs.order_by("name"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/organisation_list.html",
        {
            "page": page,
            "kind": kind,
            "kinds": OrganisationKind.choices,
            "staff": request.user.has_perm("directory.view_relationships"),
            "can_add": request.user.has_perm("directory.add_organisation"),
        },
    )


def organisation_detail(request, slug):
    require(request, "directory.view_directory")
    org = get_object_or_404(
        Organisation.objects.select_related("relationship_owner", "parent"), slug=slug
    )
    user = request.user
    services = org.services.order_by("name")
    if not user.has_perm("directory.change_organisation", org):
        services = services.published()
    interactions = None
    if user.has_perm("directory.view_interactions", org):
        interactions = org.interactions.select_related("recorded_by", "follow_up_by")
    return render(
        request,
        "directory/organisation_detail.html",
        {
            "org": org,
            "guidance": guidance_for(org.kind),
            "services": services,
            "network": directory.network_of(org),
            "areas": org.areas_served.all(),
            "languages": org.languages.all(),
            "interactions": interactions,
            "staff": user.has_perm("directory.view_relationships", org),
            "can_change": user.has_perm("directory.change_organisation", org),
            "can_add_service": user.has_perm("directory.add_service", org),
            "can_import": user.has_perm("directory.import_services", org),
            "can_relationship": user.has_perm("directory.change_relationship", org),
            "can_log": user.has_perm("directory.log_interaction", org),
            "can_link": user.has_perm("directory.link_organisations", org),
            "can_suggest": user.has_perm("directory.suggest_change"),
            "can_history": user.has_perm("directory.view_history"),
        },
    )


def kind_list(request):
    require(request, "directory.view_directory")
    counts = dict(
        Organisation.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    kinds = [(GUIDANCE[k], counts.get(k.value, 0)) for k in COMMUNITY_KINDS]
    return render(request, "directory/kind_list.html", {"kinds": kinds})


def kind_detail(request, kind):
    require(request, "directory.view_directory")
    guidance = guidance_for(kind)
    if guidance is None:
        raise Http404
    orgs = Organisation.objects.filter(kind=kind).order_by("name")
    return render(request, "directory/kind_detail.html", {"guidance": guidance, "orgs": orgs})


def network(request):
    require(request, "directory.view_directory")
    return render(request, "directory/network.html", {"nodes": directory.networks()})


# ---------------------------------------------------------------------------------------
# Organisations


@login_required
def organisation_create(request):
    require(request, "directory.add_organisation")
    form = OrganisationForm(request.POST or None)
    return form_page(
        request,
        form,
        "directory/form.html",
        {"title": "Add an organisation"},
        save=lambda: directory.create_organisation(by=request.user, **form.cleaned_data),
        success=lambda org: f"{org} added to the directory.",
        redirect_to=_organisation_url,
    )


@login_required
def organisation_edit(request, slug):
    org = get_object_or_404(Organisation, slug=slug)
    require(request, "directory.change_organisation", org)
    form = OrganisationForm(request.POST or None, instance=org)
    return form_page(
        request,
        form,
        "directory/form.html",
        {"title": f"Change {org}", "back": org},
        save=lambda: directory.update_organisation(
            Organisation.objects.get(pk=org.pk), by=request.user, **form.cleaned_data
        ),
        success="Changes saved.",
        redirect_to=_organisation_url(org),
    )


@login_required
def relationship_edit(request, slug):
    org = get_object_or_404(Organisation, slug=slug)
    require(request, "directory.change_relationship", org)
    form = RelationshipForm(request.POST or None, instance=org)
    return form_page(
        request,
        form,
        "directory/form.html",
        {"title": f"Relationship with {org}", "back": org},
        save=lambda: directory.set_relationship(
            Organisation.objects.get(pk=org.pk),
            by=request.user,
            status=form.cleaned_data["relationship_status"],
            owner=form.cleaned_data["relationship_owner"],
        ),
        success="Relationship updated.",
        redirect_to=_organisation_url(org),
    )


@login_required
def interaction_add(request, slug):
    org = get_object_or_404(Organisation, slug=slug)
    require(request, "directory.log_interaction", org)
    form = InteractionForm(
        request.POST or None, initial={"happened_on": timezone.localdate(), "kind": "call"}
    )
    return form_page(
        request,
        form,
        "directory/form.html",
        {"title": f"Log a contact with {org}", "back": org},
        save=lambda: directory.log_interaction(org, by=request.user, **form.cleaned_data),
        success="Contact logged.",
        redirect_to=_organisation_url(org),
    )


@login_required
def follow_ups(request):
    require(request, "directory.view_follow_ups")
    due = list(directory.follow_ups_due(request.user))
    return render(
        request,
        "directory/follow_ups.html",
        {"due": due, "today": timezone.localdate()},
    )


@login_required
@require_POST
def follow_up_done(request, interaction_id):
    interaction = get_object_or_404(Interaction, pk=interaction_id)
    require(request, "directory.log_interaction", interaction.organisation)
    directory.complete_follow_up(interaction, by=request.user)
    messages.success(request, f"Follow-up with {interaction.organisation} marked done.")
    return redirect("directory:follow_ups")


@login_required
def link_add(request, slug):
    org = get_object_or_404(Organisation, slug=slug)
    require(request, "directory.link_organisations", org)
    form = LinkForm(request.POST or None, source=org)
    return form_page(
        request,
        form,
        "directory/form.html",
        {"title": f"Who {org} works with", "back": org},
        save=lambda: directory.link_organisations(org, by=request.user, **form.cleaned_data),
        success="Link recorded.",
        redirect_to=_organisation_url(org),
    )


# ---------------------------------------------------------------------------------------
# Services


@login_required
def service_create(request, slug):
    org = get_object_or_404(Organisation, slug=slug)
    require(request, "directory.add_service", org)
    form = ServiceForm(request.POST or None)
    return form_page(
        request,
        form,
        "directory/form.html",
        {"title": f"Add a service of {org}", "back": org},
        save=lambda: directory.create_service(org, by=request.user, **form.service_kwargs()),
        success=lambda service: f"{service} added.",
        redirect_to=_service_url,
    )


@login_required
def service_edit(request, service_id):
    service = get_object_or_404(Service.objects.select_related("organisation"), uuid=service_id)
    require(request, "directory.change_service", service)
    form = ServiceForm(request.POST or None, instance=service)
    return form_page(
        request,
        form,
        "directory/form.html",
        {"title": f"Change {service}", "back_service": service},
        save=lambda: directory.update_service(
            Service.objects.select_related("organisation").get(pk=service.pk),
            by=request.user,
            **form.service_kwargs(),
        ),
        success="Changes saved.",
        redirect_to=_service_url(service),
    )


@login_required
@require_POST
def service_verify(request, service_id):
    service = get_object_or_404(Service.objects.select_related("organisation"), uuid=service_id)
    require(request, "directory.change_service", service)
    directory.verify_service(service, by=request.user)
    messages.success(request, f"Thank you: {service} is marked as checked today.")
    return redirect(safe_next(request, "directory:review_queue"))


@login_required
def review_queue(request):
    require(request, "directory.view_review_queue")
    services = directory.review_queue(request.user)
    page = Paginator(services, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/review_queue.html",
        {
            "page": page,
            "months": getattr(settings, "DIRECTORY_STALE_MONTHS", 6),
            "editable": set(
                Service.objects.editable_by(request.user)
                .filter(pk__in=[s.pk for s in page.object_list])
                .values_list("pk", flat=True)
            ),
        },
    )


@login_required
def history(request, slug):
    org = get_object_or_404(Organisation, slug=slug)
    require(request, "directory.view_history", org)
    changes = ListingChange.objects.filter(organisation=org).select_related("service")
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    return render(request, "directory/history.html", {"org": org, "page": page})


# ---------------------------------------------------------------------------------------
# Suggestions


def _suggest(request, subject, form_class, instance, title):
    form = form_class(request.POST or None, instance=instance)
    return form_page(
        request,
        form,
        "directory/form.html",
        {"title": title, "suggesting": True},
        save=lambda: directory.suggest_change(
            subject,
            by=request.user,
            data={k: v for k, v in request.POST.lists() if k != "csrfmiddlewaretoken"},
            changes=changes_between(form),
            note=form.cleaned_data.get("suggestion_note", ""),
        ),
        success="Thank you: the organisation will look at your suggestion.",
        redirect_to=(
            _service_url(subject) if isinstance(subject, Service) else _organisation_url(subject)
        ),
    )


@login_required
def service_suggest(request, service_id):
    require(request, "directory.suggest_change")
    service = _service_for(request, service_id)
    return _suggest(request, service, ServiceSuggestForm, service, f"Suggest a change to {service}")


@login_required
def organisation_suggest(request, slug):
    require(request, "directory.suggest_change")
    org = get_object_or_404(Organisation, slug=slug)
    return _suggest(request, org, OrganisationSuggestForm, org, f"Suggest a change to {org}")


@login_required
def suggestion_list(request):
    require(request, "directory.review_suggestions")
    suggestions = directory.suggestions_for_reviewer(request.user)
    return render(request, "directory/suggestions.html", {"suggestions": suggestions})


@login_required
def suggestion_detail(request, suggestion_id):
    suggestion = get_object_or_404(
        Suggestion.objects.select_related("organisation", "service", "suggested_by"),
        pk=suggestion_id,
    )
    require(request, "directory.decide_suggestion", suggestion)
    form = DecisionForm(request.POST or None)
    apply_errors = []
    if request.method == "POST" and form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        with transaction.atomic():
            if accept:
                apply_errors = _apply_suggestion(suggestion, request.user)
            if not apply_errors:
                try:
                    directory.decide_suggestion(
                        suggestion,
                        by=request.user,
                        accept=accept,
                        reason=form.cleaned_data["reason"],
                    )
                except directory.SuggestionAlreadyDecided as exc:
                    messages.error(request, str(exc))
                    return redirect("directory:suggestions")
                messages.success(
                    request, "Suggestion accepted." if accept else "Suggestion rejected."
                )
                return redirect("directory:suggestions")
        form.add_error(
            None, "The suggestion no longer fits the listing: " + "; ".join(apply_errors)
        )
    return render(
        request,
        "directory/suggestion_detail.html",
        {"suggestion": suggestion, "form": form},
        status=form_status(form),
    )


def _apply_suggestion(suggestion: Suggestion, user) -> list[str]:
    data = MultiValueDict(suggestion.data)
    if suggestion.service_id:
        service = Service.objects.select_related("organisation").get(pk=suggestion.service_id)
        form = ServiceForm(data, instance=service)
        if not form.is_valid():
            return [f"{k}: {' '.join(v)}" for k, v in form.errors.items()]
        fresh = Service.objects.select_related("organisation").get(pk=service.pk)
        directory.update_service(
            fresh, by=user, action=ListingChange.Action.SUGGESTION, **form.service_kwargs()
        )
    else:
        org = Organisation.objects.get(pk=suggestion.organisation_id)
        form = OrganisationForm(data, instance=org)
        if not form.is_valid():
            return [f"{k}: {' '.join(v)}" for k, v in form.errors.items()]
        fresh = Organisation.objects.get(pk=org.pk)
        directory.update_organisation(
            fresh, by=user, action=ListingChange.Action.SUGGESTION, **form.cleaned_data
        )
    return []


# ---------------------------------------------------------------------------------------
# The mapping view


@login_required
def mapping(request):
    require(request, "directory.view_mapping")
    form = MappingForm(request.GET or None)
    area = form.cleaned_data.get("area") if form.is_valid() else None
    summary = directory.mapping(area)
    orgs = directory.organisations_in(area)
    return render(
        request,
        "directory/mapping.html",
        {
            "form": form,
            "summary": summary,
            "kinds_chart": _kinds_chart(summary),
            "gaps_chart": _gaps_chart(summary),
            "orgs": orgs,
            "categories": ServiceCategory.choices,
            "query": request.GET.urlencode(),
        },
        status=form_status(form),
    )


def _kinds_chart(summary) -> Chart:
    return Chart(
        title="Organisations by kind",
        categories=tuple(label for _, label, _ in summary.by_kind),
        series=(Series("Organisations", tuple(n for _, _, n in summary.by_kind)),),
        unit="organisations",
        description="How many community organisations of each kind are in the map.",
    )


def _gaps_chart(summary) -> Chart:
    """Services by area, a bar per kind of support: a gap is a missing bar."""
    return Chart(
        title="Published services by area and kind of support",
        categories=tuple(row.area.name for row in summary.rows),
        series=tuple(
            Series(str(label), tuple(row.counts[value] for row in summary.rows))
            for value, label in ServiceCategory.choices
        ),
        unit="services",
        description="How many published services each area has of each kind of support.",
    )


@login_required
def mapping_csv(request):
    require(request, "directory.view_mapping")
    form = MappingForm(request.GET or None)
    area = form.cleaned_data.get("area") if form.is_valid() else None
    out = io.StringIO()
    writer = shared_csv.Writer(out)
    categories = [c for c, _ in ServiceCategory.choices]
    writer.writerow(
        [
            "organisation",
            "kind",
            "areas served",
            "languages",
            "relationship status",
            "relationship owner",
            *[f"{c} services" for c in categories],
        ]
    )
    for org in directory.organisations_in(area):
        writer.writerow(
            [
                org.name,
                org.get_kind_display(),
                "; ".join(a.name for a in org.areas_served.all()),
                "; ".join(lang.name for lang in org.languages.all()),
                org.get_relationship_status_display(),
                str(org.relationship_owner or ""),
                *[getattr(org, f"n_{c}") for c in categories],
            ]
        )
    summary = directory.mapping(area)
    writer.writerow([])
    writer.writerow(["area", *categories])
    for row in summary.rows:
        writer.writerow([row.area.name, *[row.counts[c] for c in categories]])
    name = f"mapping-{area.slug if area else 'everywhere'}.csv"
    return _download(out.getvalue(), name, "text/csv")


def _download(text: str, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ---------------------------------------------------------------------------------------
# Import and export


def csv_template(request):
    require(request, "directory.view_directory")
    return _download(csvio.template(), "keepwell-services-template.csv", "text/csv")


@login_required
def csv_import(request, slug):
    org = get_object_or_404(Organisation, slug=slug)
    require(request, "directory.import_services", org)
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = csvio.import_services(org, form.cleaned_data["file"], by=request.user)
        if result.ok:
            messages.success(
                request,
                f"Imported {result.created} new and {result.updated} changed services.",
            )
            return redirect("directory:organisation", slug=org.slug)
        if result.header_error:
            form.add_error("file", result.header_error)
        else:
            shown = [f"Row {number}: {reason}" for number, reason in result.errors[:50]]
            if len(result.errors) > len(shown):
                shown.append(f"... and {len(result.errors) - len(shown)} more")
            form.add_error(
                "file",
                [
                    f"{len(result.errors)} problems in the file: nothing was imported. "
                    "Correct the rows below and upload it again.",
                    *shown,
                ],
            )
    return render(
        request,
        "directory/csv_import.html",
        {"form": form, "org": org, "result": result},
        status=form_status(form),
    )


def export_csv(request):
    """Every published service, in the template's columns plus the organisation."""
    require(request, "directory.view_directory")
    text = csvio.export_rows(
        Service.objects.published().order_by("organisation__name", "name", "id"),
        with_organisation=True,
    )
    return _download(text, "keepwell-directory.csv", "text/csv")


def organisation_csv(request, slug):
    org = get_object_or_404(Organisation, slug=slug)
    require(request, "directory.view_directory")
    services = org.services.order_by("name", "id")
    if not request.user.has_perm("directory.change_organisation", org):
        services = services.published()
    text = csvio.export_rows(
        services,
        show_confidential=lambda s: request.user.has_perm("directory.view_confidential_address", s),
    )
    return _download(text, f"{org.slug}-services.csv", "text/csv")


def export_oruk(request):
    """Every published service as Open Referral UK JSON, in one page (for import-oruk)."""
    require(request, "directory.view_directory")
    document = oruk.export_document(Service.objects.published().order_by("name", "id"))
    response = _download(
        json.dumps(document, ensure_ascii=False, indent=1),
        "keepwell-directory.oruk.json",
        "application/json",
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response
