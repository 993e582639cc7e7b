"""The report's lists kept as data, its enablers suggested for the weakest, and teams'
ratings combined so that no unnamed team's rating can be read off a place's figures."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from keepwell.insights import disclosure
from keepwell.insights.voice import practice


def test_the_lists_are_the_reports_five_features_six_attributes_six_attitudes_twelve_barriers():
    assert [len(practice.in_group(g.key)) for g in practice.GROUPS] == [5, 6, 6, 12]
    assert [s.text for s in practice.in_group("feature")] == [
        "Listening and responding",
        "Truth-telling",
        "Strengths-focus",
        "Self-organising",
        "Power-shifting",
    ]
    assert all(s.enablers for s in practice.in_group("barrier"))
    assert all(g.source for g in practice.GROUPS)


def test_every_weak_statement_leads_to_some_of_the_reports_enablers():
    for statement in practice.STATEMENTS:
        (found,) = practice.suggestions({statement.key: 1})
        assert any(barrier.enablers for barrier in found.barriers), statement.key


def test_suggestions_take_the_weakest_first_and_leave_the_strong_alone():
    found = practice.suggestions(
        {"feature.truth": 2, "barrier.funding": 1, "feature.listening": 5}, most=5
    )
    assert [s.statement.key for s in found] == ["barrier.funding", "feature.truth"]


teams = st.lists(
    st.tuples(
        st.booleans(),
        st.dictionaries(
            st.sampled_from([s.key for s in practice.STATEMENTS[:4]]),
            st.integers(min_value=1, max_value=5),
        ),
    ),
    max_size=8,
)


@given(teams)
def test_a_mean_beside_named_teams_never_gives_away_one_or_two_unnamed_teams(drawn):
    given_teams = [
        practice.TeamRatings(f"Team {n}", named, ratings)
        for n, (named, ratings) in enumerate(drawn)
    ]
    for row in practice.combine(given_teams):
        rated = [t for t in given_teams if row.statement.key in t.ratings]
        unnamed = [t for t in rated if not t.may_name]
        if row.mean != disclosure.SUPPRESSED:
            assert len(rated) >= practice.MIN_TEAMS
            assert not unnamed or len(unnamed) >= practice.MIN_TEAMS
        assert {name for name, _ in row.named} == {t.name for t in rated if t.may_name}
