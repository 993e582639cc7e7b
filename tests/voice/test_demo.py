"""The demo place has voice items in every status and two teams' reflections."""

from __future__ import annotations

from django.core.management import call_command

from keepwell.insights.voice.models import Reflection, Status, VoiceItem


def test_the_demo_has_an_item_in_every_status_one_removed_and_two_teams_reflecting(db):
    call_command("demo", "--load-only")
    shown = VoiceItem.objects.filter(hidden_at__isnull=True)
    assert set(shown.values_list("status", flat=True)) == set(Status.values)
    assert VoiceItem.objects.filter(hidden_at__isnull=False).count() == 1
    assert Reflection.objects.values("organisation").distinct().count() == 2
    assert VoiceItem.objects.get(status=Status.NOT_POSSIBLE).updates.last().note
