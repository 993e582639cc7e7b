from django.apps import AppConfig

from keepwell.core.navigation import NavItem, PublicLink


class InsightsConfig(AppConfig):
    name = "keepwell.insights"
    label = "insights"
    verbose_name = "Insights"
    navigation = [NavItem("Insights", "insights:index", "insights.view_insights", 80)]
    public_links = [
        PublicLink(
            "Need and help in numbers",
            "insights:public_index",
            "Figures for your place that anyone can use, with small numbers hidden.",
            80,
        )
    ]
    periodic_tasks = [("keepwell.insights.tasks.refresh_insights", 900)]
