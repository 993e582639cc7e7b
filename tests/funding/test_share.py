"""The share of an NHS body's budget awarded to community organisations, per financial year
against its target; and what an award paid for, with small numbers kept private."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from keepwell.directory.models import OrganisationKind
from keepwell.funding import money, queries, services
from keepwell.funding.models import Application
from keepwell.referrals.models import Referral, Status
from tests.factories import OrganisationFactory, PersonFactory
from tests.funding import factories
from tests.referrals.factories import ServiceFactory, refer

pytestmark = pytest.mark.django_db


def test_the_share_counts_community_awards_in_each_april_to_march_year(world, client):
    funder = factories.funder_of(world.practice)
    services.set_investment(
        funder, year=2025, budget_pence=1_000_000_00, target_basis_points=100, by=world.priya
    )
    # Awarded on the last day of 2025/26 and on the first of 2026/27.
    factories.award(world, amount_pence=400_000, awarded_on=date(2026, 3, 31))
    factories.award(world, amount_pence=300_000, awarded_on=date(2026, 4, 1))
    (share,) = queries.shares()
    (year,) = share.years
    assert (year.label, year.awarded_pence, year.share, year.met) == (
        "2025/26",
        400_000,
        "0.4%",
        False,
    )
    page = client.get(reverse("funding:share")).content.decode()
    assert "2025/26" in page and "0.4%" in page and "<svg" in page


def test_awards_to_statutory_bodies_are_not_community_investment(world):
    funder = factories.funder_of(world.practice)
    services.set_investment(
        funder, year=money.financial_year(timezone.localdate()), budget_pence=100_000_00,
        target_basis_points=100, by=world.priya,
    )  # fmt: skip
    factories.award(world, amount_pence=100_000)
    council = OrganisationFactory(name="Othertown Council", kind=OrganisationKind.COUNCIL)
    app = factories.application(world, state=Application.State.UNDER_REVIEW, amount_pence=90_000)
    Application.objects.filter(pk=app.pk).update(organisation=council)
    factories.score(world, app, 9)
    services.decide(app, by=world.priya, awarded=True, reason="ok", terms=factories.terms(90_000))
    (year,) = queries.shares()[0].years
    assert year.awarded_pence == 100_000
    assert year.met  # £1,000 of £100,000 is the 1% target


def test_the_budget_form_takes_a_percentage_and_refuses_nonsense(world, as_user):
    funder = factories.funder_of(world.practice)
    client = as_user(world.priya)
    url = reverse("funding:investment", args=[funder.pk])
    bad = client.post(url, {"year": "2025", "budget": "1,000,000", "target": "0"})
    assert bad.status_code == 400 and "more than 0%" in bad.content.decode()
    client.post(url, {"year": "2025", "budget": "1,000,000", "target": "1.5"})
    (investment,) = funder.investments.all()
    assert investment.target_basis_points == 150 and investment.budget_pence == 100_000_000


def test_an_awards_page_shows_its_services_referrals_with_small_numbers_hidden(world, client):
    pantry = ServiceFactory(organisation=world.mutual_aid, name="Food pantry")
    calls = ServiceFactory(organisation=world.mutual_aid, name="Phone calls")
    award = factories.award(world, services=(pantry, calls))
    made = [refer(world, pantry, person=PersonFactory()).pk for _ in range(12)]
    Referral.objects.filter(pk__in=made[:3]).update(status=Status.ENGAGED)
    early = [refer(world, calls, person=PersonFactory()).pk for _ in range(2)]
    Referral.objects.filter(pk__in=early).update(created_at=timezone.now() - timedelta(days=900))
    figures = client.get(reverse("funding:award", args=[award.pk])).context["figures"]
    rows = {row.name: (row.referrals, row.took_part) for row in figures.services}
    # 12 referrals round to 10; 3 took part is hidden; calls' referrals were before the award.
    assert rows == {"Food pantry": (10, "*"), "Phone calls": (0, 0)}


def test_an_awards_page_shows_the_3cs_change_only_where_enough_people_answered(world, client):
    """Twelve people on the funded pantry answered at the start and eight weeks on, each
    better; only four did for the phone calls: their change is held back."""
    from tests.outcomes.factories import BETTER_LATER, answer

    pantry = ServiceFactory(organisation=world.mutual_aid, name="Food pantry")
    calls = ServiceFactory(organisation=world.mutual_aid, name="Phone calls")
    award = factories.award(world, services=(pantry, calls))
    for service, people in ((pantry, 12), (calls, 4)):
        for _ in range(people):
            person = PersonFactory()
            [start, *_] = answer(person, world.sam, referral=refer(world, service, person=person))
            answer(person, world.sam, BETTER_LATER, plan=start.plan, weeks=8)

    page = client.get(reverse("funding:award", args=[award.pk]))

    change = {row.name: dict(row.change) for row in page.context["figures"].services}
    assert change["Food pantry"] and all(
        isinstance(v, float) and v > 0 for v in change["Food pantry"].values()
    )
    assert set(change["Phone calls"].values()) == {"*"}
    text = page.content.decode()
    assert "Change in control, contact and confidence at 8 weeks: Food pantry" in text
