"""Wellbrook's matching: one set of suggestions for the mutual aid group, waiting for the
coordinator to accept, and a delivery round for today shared between the group's drivers.

Loading twice changes nothing: each is made only if the group has none yet.
"""

from __future__ import annotations

from datetime import time

from django.utils import timezone

from keepwell.help.models import Transport, Volunteer, VolunteerStatus
from keepwell.matching import services
from keepwell.matching.models import DeliveryRound, MatchRun


def load(place) -> None:
    group = place.organisations["wellbrook-mutual-aid"]
    coordinator = place.users["coordinator"]
    if not MatchRun.objects.filter(organisation=group).exists():
        services.suggest(group, None, by=coordinator)
    if DeliveryRound.objects.filter(organisation=group).exists():
        return
    tasks = list(services.deliveries(group, None))
    drivers = [
        services.DriverPlan(volunteer, volunteer.home_postcode, 10, time(9), time(13))
        for volunteer in Volunteer.objects.filter(
            organisations=group, transport=Transport.CAR, status=VolunteerStatus.ACTIVE
        ).order_by("pk")[:2]
    ]
    if tasks and drivers:
        services.plan_round(
            group, None, timezone.localdate(), tasks, drivers, by=coordinator, time_limit_s=0.5
        )
