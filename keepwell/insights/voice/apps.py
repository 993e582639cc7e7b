from django.apps import AppConfig


class VoiceConfig(AppConfig):
    """Insights' second app: community voice ("you said, we did") and teams' reflections
    on health-creating practice."""

    name = "keepwell.insights.voice"
    label = "voice"
    verbose_name = "Community voice"
