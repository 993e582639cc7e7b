from django.apps import AppConfig

from keepwell.core.navigation import NavItem, PublicLink


class VoiceConfig(AppConfig):
    """Insights' second app: community voice ("you said, we did") and teams' reflections
    on health-creating practice."""

    name = "keepwell.insights.voice"
    label = "voice"
    verbose_name = "Community voice"
    navigation = [
        NavItem("You said, we did", "voice:index", "voice.use_voice", 75),
        NavItem("Practice reflection", "voice:reflections", "voice.view_reflections", 76),
        NavItem("Surveys", "voice:surveys", "voice.run_surveys", 77),
    ]
    # Texts that start IDEA or ISSUE (Portuguese IDEIA, PROBLEMA) are raised as items.
    message_keywords = {
        word: "keepwell.insights.voice.services.raise_by_text"
        for word in ("idea", "ideia", "issue", "problem", "problema")
    }
    # A survey's questions are translated through messaging's workflow and pages.
    translatable_words = {"survey": "keepwell.insights.voice.surveys.SURVEY_WORDS"}
    public_links = [
        PublicLink(
            "You said, we did",
            "voice:index",
            "Raise an issue or an idea for your area, support others', and see what the NHS "
            "and local partners did about each.",
            40,
        )
    ]
