from django.apps import AppConfig
from django.conf import settings

from keepwell.core.navigation import NavItem


class MatchingConfig(AppConfig):
    name = "keepwell.matching"
    label = "matching"
    verbose_name = "Matching"
    # The menu entry tests roles only (cached on the user), so no page pays extra queries.
    navigation = [NavItem("Matching", "matching:index", "matching.menu", 33)]
    # Suggestions for every group with tasks waiting, ready for a coordinator to accept
    # (hourly unless MATCHING_SCHEDULE_SECONDS says otherwise).
    periodic_tasks = [
        (
            "keepwell.matching.tasks.suggest_matches",
            int(getattr(settings, "MATCHING_SCHEDULE_SECONDS", 3600)),
        )
    ]
