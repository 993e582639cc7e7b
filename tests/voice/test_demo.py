"""The demo place has voice items in every status, two teams' reflections and a survey
answered in two languages."""

from __future__ import annotations

from django.core.management import call_command

from keepwell.insights.voice.models import Reflection, Status, SurveyResponse, VoiceItem


def test_the_demo_has_every_status_two_teams_reflecting_and_answers_in_two_languages(db):
    call_command("demo", "--load-only")
    shown = VoiceItem.objects.filter(hidden_at__isnull=True)
    assert set(shown.values_list("status", flat=True)) == set(Status.values)
    assert VoiceItem.objects.filter(hidden_at__isnull=False).count() == 1
    assert VoiceItem.objects.get(status=Status.NOT_POSSIBLE).updates.last().note
    assert Reflection.objects.values("organisation").distinct().count() == 2
    assert set(SurveyResponse.objects.values_list("language", flat=True)) == {"en", "pt"}
