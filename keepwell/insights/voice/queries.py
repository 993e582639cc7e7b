"""What the voice and reflection pages read: the public list, a team's history, and the
place-wide picture of reflections with no team named unless it agreed."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from keepwell.core.charts import Chart, Series
from keepwell.insights import disclosure
from keepwell.insights.voice import practice
from keepwell.insights.voice.models import Reflection, ReflectionRating, VoiceItem, VoiceUpdate


def public_items(*, status: str = "", area=None):
    return (
        VoiceItem.objects.search(status=status, area=area)
        .with_support()
        .select_related("area")
        .order_by("-raised_at", "-pk")
    )


def item_page(pk: int) -> VoiceItem:
    """One item with its support and public answers, each with who gave it."""
    updates = VoiceUpdate.objects.select_related("by", "organisation")
    return (
        VoiceItem.objects.with_support()
        .select_related("area")
        .prefetch_related(Prefetch("updates", queryset=updates))
        .get(pk=pk)
    )


def team_reflections(organisation) -> list[Reflection]:
    """A team's reflections, oldest first, with their ratings."""
    return list(
        Reflection.objects.filter(organisation=organisation)
        .select_related("organisation", "created_by")
        .prefetch_related("ratings")
        .order_by("reflected_on", "pk")
    )


def reflections_of(organisation_ids) -> list[Reflection]:
    return list(
        Reflection.objects.filter(organisation_id__in=organisation_ids)
        .select_related("organisation", "created_by")
        .order_by("organisation__name", "-reflected_on", "-pk")
    )


def change_chart(history: list[Reflection]) -> Chart | None:
    """The team's mean rating in each group at each reflection, as a line over time."""
    if len(history) < 2:
        return None
    means = [practice.group_means(r.ratings_by_key()) for r in history]
    return Chart(
        title="How the team rated itself over time",
        categories=tuple(f"{r.reflected_on:%d %b %Y}" for r in history),
        series=tuple(
            Series(group.title, tuple(m[group.key] for m in means)) for group in practice.GROUPS
        ),
        kind="line",
        unit="mean rating, 1 (not yet) to 5 (fully)",
        description="The mean of the team's ratings in each group, at each reflection.",
    )


@dataclass(frozen=True)
class PlaceSummary:
    teams: int
    named_teams: list[str]
    rows_by_group: list[tuple[practice.Group, list[practice.Combined]]]

    @property
    def chart(self) -> Chart:
        """The five features: what the place's teams most need to see at a glance."""
        rows = self.rows_by_group[0][1]
        means = tuple(None if row.mean == disclosure.SUPPRESSED else row.mean for row in rows)
        return Chart(
            title="Mean rating across the place's teams",
            categories=tuple(row.statement.text for row in rows),
            series=(Series("Mean rating", means),),
            unit="mean rating, 1 (not yet) to 5 (fully)",
            description="Each of the five features, as the teams' latest reflections rate it.",
        )


def place_summary() -> PlaceSummary:
    """Every team's latest reflection, combined so that no team is named unless it agreed
    (see ``practice.combine``)."""
    ratings = ReflectionRating.objects.only("reflection_id", "key", "rating")
    latest: dict[int, Reflection] = {}
    for reflection in (
        Reflection.objects.select_related("organisation")
        .prefetch_related(Prefetch("ratings", queryset=ratings))
        .order_by("organisation_id", "-reflected_on", "-pk")
    ):
        latest.setdefault(reflection.organisation_id, reflection)
    teams = [
        practice.TeamRatings(r.organisation.name, r.may_name_team, r.ratings_by_key())
        for r in sorted(latest.values(), key=lambda r: r.organisation.name)
    ]
    combined = practice.combine(teams)
    return PlaceSummary(
        teams=len(teams),
        named_teams=[t.name for t in teams if t.may_name],
        rows_by_group=[
            (group, [row for row in combined if row.statement.group == group.key])
            for group in practice.GROUPS
        ],
    )
