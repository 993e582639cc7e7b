"""What the voice and reflection pages read: the public list, a team's history, and the
place-wide picture of reflections with no team named unless it agreed."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from keepwell.core.charts import Chart, Series
from keepwell.insights import disclosure
from keepwell.insights.voice import practice, questions
from keepwell.insights.voice.models import (
    CodedAnswer,
    Priority,
    PriorityAction,
    Reflection,
    ReflectionRating,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyTheme,
    VoiceItem,
    VoiceUpdate,
)


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


# --- Survey results: every figure through disclosure ----------------------------------------

NO_AREA = "Area not known"
NO_DECILE = "Decile not known"
GROUPINGS = {"area": "neighbourhood", "decile": "IMD decile"}


@dataclass(frozen=True)
class QuestionResult:
    question: SurveyQuestion
    areas: tuple[str, ...]
    # Choice questions: (option, [(area, figure)], total) from disclosure.table.
    options: list[tuple[str, list[tuple[str, disclosure.Figure]], disclosure.Figure]]
    # Scale questions: (area, mean or "*").
    means: list[tuple[str, float | str]]
    answered: disclosure.Figure  # how many answered it, as it may be published
    # Open questions: (theme, [(area, figure)], total), from the answers people coded.
    themes: list[tuple[str, list[tuple[str, disclosure.Figure]], disclosure.Figure]] = field(
        default_factory=list
    )


def _group(response: SurveyResponse, by: str) -> str:
    if by == "decile":
        return f"Decile {response.decile}" if response.decile else NO_DECILE
    return response.area.name if response.area else NO_AREA


def _group_order(name: str):
    # Deciles in number order (1, the most deprived, first); "not known" last.
    number = name.removeprefix("Decile ")
    return (name in (NO_AREA, NO_DECILE), int(number) if number.isdigit() else 0, name)


def survey_results(
    survey: Survey, by: str = "area"
) -> tuple[disclosure.Figure, list[QuestionResult]]:
    """How many answered, and each question's results by neighbourhood or by the IMD decile
    the invitation went to, suppressed."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {sorted(GROUPINGS)}")
    responses = SurveyResponse.objects.filter(survey=survey).select_related("area")
    area_of = {r.pk: _group(r, by) for r in responses}
    areas = tuple(sorted(set(area_of.values()), key=_group_order))
    answers = SurveyAnswer.objects.filter(response__survey=survey).only(
        "response_id", "question_id", "choices", "score", "text"
    )
    by_question: dict[int, list[SurveyAnswer]] = {}
    for answer in answers:
        by_question.setdefault(answer.question_id, []).append(answer)
    results = []
    for question in survey.questions.all():
        given = by_question.get(question.pk, [])
        options: list[tuple[str, list[tuple[str, disclosure.Figure]], disclosure.Figure]] = []
        means: list[tuple[str, float | str]] = []
        if question.kind in questions.CHOICE_KINDS:
            labels = [questions.in_language(o, "en") for o in question.options]
            cells: dict[tuple[str, str], int] = {}
            for answer in given:
                for index in answer.choices:
                    if 0 <= index < len(labels):
                        key = (labels[index], area_of[answer.response_id])
                        cells[key] = cells.get(key, 0) + 1
            published = disclosure.table(cells, rows=labels, cols=areas)
            options = [
                (
                    label,
                    [(area, published.cells[(label, area)]) for area in areas],
                    published.row_totals[label],
                )
                for label in labels
            ]
        elif question.kind == "scale":
            for area in areas:
                scores = [
                    a.score for a in given if area_of[a.response_id] == area and a.score is not None
                ]
                means.append((area, disclosure.mean(scores)))
            means.append(
                ("Everyone", disclosure.mean(a.score for a in given if a.score is not None))
            )
        themes = _theme_table(question, given, area_of, areas) if question.kind == "text" else []
        results.append(
            QuestionResult(question, areas, options, means, disclosure.count(len(given)), themes)
        )
    return disclosure.count(len(area_of)), results


def _theme_table(question, given, area_of, areas):
    """How many open answers were coded to each theme, by area, suppressed as one table."""
    names = list(
        SurveyTheme.objects.filter(survey_id=question.survey_id).values_list("name", flat=True)
    )
    if not names:
        return []
    cells: dict[tuple[str, str], int] = {}
    coded = CodedAnswer.objects.filter(answer__question=question).select_related("theme")
    for row in coded.only("answer__response_id", "theme__name"):
        key = (row.theme.name, area_of[row.answer.response_id])
        cells[key] = cells.get(key, 0) + 1
    published = disclosure.table(cells, rows=names, cols=areas)
    return [
        (
            name,
            [(area, published.cells[(name, area)]) for area in areas],
            published.row_totals[name],
        )
        for name in names
    ]


@dataclass(frozen=True)
class ToCode:
    answer: SurveyAnswer
    suggested: list[int]  # theme ids the keywords suggest


def answers_to_code(
    survey: Survey, *, most: int = 20
) -> tuple[list[SurveyTheme], list[ToCode], int]:
    """The codebook, the next open answers nobody has coded yet (with suggestions), and how
    many are left in all."""
    themes = list(survey.themes.all())
    codebook = {str(t.pk): questions.keywords(t.keywords) for t in themes}
    waiting = SurveyAnswer.objects.filter(
        response__survey=survey, question__kind="text", coded_at__isnull=True
    ).order_by("pk")
    page = [
        ToCode(answer, [int(pk) for pk in questions.suggest(answer.text, codebook)])
        for answer in waiting.select_related("question")[:most]
    ]
    return themes, page, waiting.count()


def board(survey: Survey) -> list[tuple[str, list[Priority]]]:
    """The survey's priorities in three columns: to plan (no action yet), under way, done."""
    actions = PriorityAction.objects.select_related("owner")
    priorities = (
        Priority.objects.filter(survey=survey)
        .select_related("owner", "theme")
        .prefetch_related(Prefetch("actions", queryset=actions))
    )
    columns: dict[str, list[Priority]] = {"To plan": [], "Under way": [], "Done": []}
    for priority in priorities:
        steps = list(priority.actions.all())
        if not steps:
            columns["To plan"].append(priority)
        elif all(step.done_at for step in steps):
            columns["Done"].append(priority)
        else:
            columns["Under way"].append(priority)
    return list(columns.items())
