"""Insights pages: the analysts' page, the public page per place, and the open exports.

Thin: the period form is read from the query string, :func:`figures.report` does the rest,
and the page, the CSV and the JSON all show that one report's (suppressed) figures.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from keepwell.core.i18n import public_language
from keepwell.core.permissions import require
from keepwell.insights import exports, figures
from keepwell.insights.forms import PeriodForm
from keepwell.places.models import Area


def _report(request, place: Area):
    """The report the query string asks for, or the form with its errors (and no report)."""
    form = PeriodForm(request.GET or None, today=timezone.localdate())
    if request.GET and not form.is_valid():
        return form, None
    period = (
        form.cleaned_data["period"]
        if request.GET
        else figures.Period.last_twelve(timezone.localdate())
    )
    by = form.cleaned_data["by"] if request.GET else "area"
    return form, figures.report(place, period, by)


def _page(request, template: str, place: Area, **context):
    form, report = _report(request, place)
    status = 400 if report is None else 200
    return render(
        request,
        template,
        {"form": form, "report": report, "place": place, "places": figures.places(), **context},
        status=status,
    )


@login_required
@require_GET
def index(request):
    require(request, "insights.view_insights")
    places = figures.places()
    slug = request.GET.get("place")
    place = next((p for p in places if p.slug == slug), places[0] if places else None)
    if place is None:
        return render(request, "insights/none.html")
    return _page(request, "insights/index.html", place, public=False)


@public_language
@require_GET
def public_index(request):
    return render(request, "insights/public_index.html", {"places": figures.places()})


@public_language
@require_GET
def public(request, slug: str):
    place = get_object_or_404(Area, slug=slug, kind=Area.Kind.PLACE)
    return _page(request, "insights/public.html", place, public=True)


@require_GET
def export_csv(request, slug: str):
    place = get_object_or_404(Area, slug=slug, kind=Area.Kind.PLACE)
    form, report = _report(request, place)
    if report is None:
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    response = HttpResponse(exports.as_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="insights-{place.slug}.csv"'
    return response


@require_GET
def export_json(request, slug: str):
    place = get_object_or_404(Area, slug=slug, kind=Area.Kind.PLACE)
    form, report = _report(request, place)
    if report is None:
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    schema_url = request.build_absolute_uri(reverse("insights:schema"))
    return JsonResponse(exports.as_json(report, schema=schema_url))


@require_GET
def schema(request):
    return JsonResponse(exports.SCHEMA, json_dumps_params={"indent": 2})
