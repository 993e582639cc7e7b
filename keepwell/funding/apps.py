from django.apps import AppConfig

from keepwell.core.navigation import NavItem, PublicLink


class FundingConfig(AppConfig):
    name = "keepwell.funding"
    label = "funding"
    verbose_name = "Funding"
    navigation = [NavItem("Funding", "funding:index", "funding.use_funding", 75)]
    public_links = [
        PublicLink(
            "Community funding",
            "funding:index",
            "Grants open to community groups, and what has been awarded",
            70,
        )
    ]
    # Groups hear once, a fortnight before, that a report they owe a funder is due.
    periodic_tasks = [("keepwell.funding.tasks.report_reminders_task", 3600)]
