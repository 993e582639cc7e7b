from django.conf import settings

from keepwell.core.navigation import items_for


def keepwell(request):
    user = getattr(request, "user", None)
    return {
        "navigation": items_for(user, request.path) if user is not None else [],
        "demo_mode": settings.DEMO,
        "two_factor_off": not settings.REQUIRE_TWO_FACTOR,
        "service_name": "keepwell",
    }
