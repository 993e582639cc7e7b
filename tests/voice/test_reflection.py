"""A team reflects on its own health-creating practice, again over time, and sees what the
report suggests where it is weakest; across the place no team is named unless it agreed."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from keepwell.audit.models import AuditEvent
from keepwell.insights.voice.forms import evidence_name, rating_name
from keepwell.insights.voice.models import Reflection
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.voice.factories import make_reflection


def _form(organisation, ratings, **extra):
    data = {"organisation": organisation.pk, "reflected_on": "2026-06-01", **extra}
    for key, (rating, evidence) in ratings.items():
        data[rating_name(key)] = str(rating)
        data[evidence_name(key)] = evidence
    return data


def test_sam_rates_his_group_with_evidence_and_sees_the_reports_enablers_for_the_weakest(
    as_user, world
):
    client = as_user(world.sam)
    ratings = {
        "feature.listening": (5, "The helpline hears everything first"),
        "barrier.funding": (1, "Grants for a year at a time"),
        "feature.power": (2, "The council decides what we do"),
    }
    response = client.post(reverse("voice:reflection_new"), _form(world.mutual_aid, ratings))
    reflection = Reflection.objects.get()
    assert response["Location"] == reverse("voice:reflection", args=[reflection.pk])
    page = client.get(response["Location"]).content.decode()
    assert "The helpline hears everything first" in page
    assert "What the report suggests for your weakest" in page
    # A weak barrier brings its own enablers; a weak feature those of its linked barriers.
    assert "Get behind community-led projects and support their bids for funding" in page
    assert "Linked barrier: Sustainability" in page
    assert "Employ a strategic-level connecting role" in page
    assert AuditEvent.objects.filter(object_type="voice.reflection", action="create").exists()


def test_a_second_reflection_shows_what_moved_and_draws_the_change(as_user, world):
    make_reflection(
        world.mutual_aid,
        by=world.sam,
        ratings={"feature.listening": (2, ""), "feature.truth": (4, "")},
        reflected_on=date(2026, 1, 10),
    )
    later = make_reflection(
        world.mutual_aid,
        by=world.sam,
        ratings={"feature.listening": (4, ""), "feature.truth": (3, "")},
        reflected_on=date(2026, 6, 10),
    )
    page = as_user(world.ana).get(reverse("voice:reflection", args=[later.pk])).content.decode()
    assert "Up 2" in page and "Down 1" in page
    assert "against the reflection of 10 January 2026" in page
    assert "<svg" in page and "How the team rated itself over time" in page


def test_evidence_without_a_rating_is_sent_back_naming_the_statement(as_user, world):
    data = _form(world.mutual_aid, {})
    data[evidence_name("feature.truth")] = "We publish our waiting times"
    response = as_user(world.sam).post(reverse("voice:reflection_new"), data)
    assert response.status_code == 400
    assert "Choose a rating for “Truth-telling”" in response.content.decode()
    assert not Reflection.objects.exists()


def test_a_reflection_with_nothing_rated_is_refused(as_user, world):
    response = as_user(world.sam).post(reverse("voice:reflection_new"), _form(world.mutual_aid, {}))
    assert response.status_code == 400
    assert "Choose a rating for at least one statement" in response.content.decode()


def test_a_team_can_only_reflect_as_itself(as_user, world):
    response = as_user(world.sam).post(
        reverse("voice:reflection_new"), _form(world.practice, {"feature.truth": (3, "")})
    )
    assert response.status_code == 400
    assert not Reflection.objects.exists()


def test_across_the_place_a_team_that_did_not_agree_is_never_named(as_user, world):
    make_reflection(world.practice, by=world.priya, may_name_team=True,
                    ratings={"feature.listening": (4, "")})  # fmt: skip
    make_reflection(world.mutual_aid, by=world.sam, may_name_team=False,
                    ratings={"feature.listening": (1, "A secret")})  # fmt: skip
    page = as_user(world.priya).get(reverse("voice:reflections_place")).content.decode()
    assert "Wellbrook Health Centre: 4" in page
    assert "Wellbrook Mutual Aid" not in page
    # With its neighbour named, the mean of two would give the unnamed team's 1 away.
    assert "2.5" not in page


def test_across_the_place_the_mean_shows_once_enough_teams_keep_each_other_company(as_user, world):
    for n, rating in enumerate((2, 3, 5)):
        team = OrganisationFactory(name=f"Team {n}")
        lead = UserFactory()
        MembershipFactory(user=lead, role="coordinator", organisation=team)
        make_reflection(team, by=lead, ratings={"feature.truth": (rating, "")})
    page = as_user(world.priya).get(reverse("voice:reflections_place")).content.decode()
    assert "3.3" in page
    assert "Team 0" not in page
