from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "keepwell.insights"
    label = "insights"
    verbose_name = "Insights"
