from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from keepwell.core.navigation import own_record_links, public_links


def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "core/landing.html", {"public_links": public_links()})
    return render(
        request,
        "core/home.html",
        {
            "memberships": user.memberships.select_related("organisation", "area"),
            "own_record": own_record_links(user),
        },
    )


def health(request):
    """For load balancers: the app answers and the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def accessibility(request):
    return render(request, "core/accessibility.html")


def privacy(request):
    return render(request, "core/privacy.html")


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_500(request):
    return render(request, "500.html", status=500)
