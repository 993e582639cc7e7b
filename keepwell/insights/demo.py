"""The demo place's insights: a year of help asked for across its neighbourhoods' deciles.

Places gives the demo LSOAs their IMD 2025 deciles and residents; help records the
requests (through its own service, dated across the past year, more where deprivation is
higher); then the roll-ups are counted so the pages have figures at once. Loading twice
adds nothing: places says whether the deciles were new.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from keepwell.help import services as help_services
from keepwell.help.models import NeedType
from keepwell.insights import services
from keepwell.insights.models import Refresh
from keepwell.places import demo as places_demo

NEEDS = ["shopping", "prescription", "phone_check_in", "befriending", "food_parcel"]
# Requests a month from each neighbourhood: the most deprived ask most.
PER_MONTH = {"riverside": 9, "town-centre": 5, "northgate": 3, "hillside": 1}


def load(place) -> None:
    added = places_demo.deprivation(place)
    if added:
        _history(place)
    if added or not Refresh.objects.exists():
        # Counted once; a second load adds nothing to count.
        services.refresh(everything=True)


def _history(place) -> None:
    needs = list(NeedType.objects.filter(slug__in=NEEDS).order_by("slug"))
    group = place.organisations.get("wellbrook-mutual-aid")
    coordinator = place.users.get("coordinator")
    if not needs or group is None or coordinator is None:
        return
    by_area: dict[int, list] = {}
    for person in place.people:
        if person.area_id:
            by_area.setdefault(person.area_id, []).append(person)
    rng = place.rng
    now = timezone.now()
    for slug, per_month in PER_MONTH.items():
        area = place.areas.get(slug)
        people = by_area.get(area.pk, []) if area else []
        if not people:
            continue
        for months_ago in range(1, 13):
            for _ in range(rng.randint(max(per_month - 2, 0), per_month + 2)):
                at = now - timedelta(days=30 * months_ago + rng.randint(0, 27))
                help_services.create_request(
                    rng.choice(people),
                    rng.choice(needs),
                    by=coordinator,
                    organisation=group,
                    allow_duplicate=True,
                    at=at,
                    via="command",
                )
