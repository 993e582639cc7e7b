from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from keepwell.places.models import Area


@login_required
def area_list(request):
    if not request.user.has_perm("places.view_area"):
        raise PermissionDenied
    areas = (
        Area.objects.select_related("parent", "lead", "deputy")
        .annotate(people_count=Count("people"))
        .order_by("kind", "name")
    )
    return render(request, "places/area_list.html", {"areas": areas})


@login_required
def area_detail(request, slug: str):
    area = get_object_or_404(Area.objects.select_related("parent", "lead", "deputy"), slug=slug)
    if not request.user.has_perm("places.view_area", area):
        raise PermissionDenied
    return render(
        request,
        "places/area_detail.html",
        {
            "area": area,
            "children": area.children.select_related("lead", "deputy"),
        },
    )
