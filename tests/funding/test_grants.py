"""Stories of a grant: a group applies (or a coordinator for it), a panel of residents
scores, the decision follows the stated rule, the money is paid and the report chased."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from keepwell.funding import services
from keepwell.funding.models import Application, Award
from keepwell.messaging.models import Message
from tests.funding import factories

pytestmark = pytest.mark.django_db

STATE = Application.State


def _form(**overrides):
    data = {
        "organisation": "",
        "title": "Tuesday lunch club",
        "description": "A hot lunch and company",
        "who_benefits": "Older neighbours living alone",
        "amount": "1,250.50",
        "needed_by": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }
    data.update(overrides)
    return data


def test_a_group_saves_a_draft_then_sends_it_to_the_funder(world, as_user):
    programme = factories.programme(world)
    client = as_user(world.sam)
    url = reverse("funding:apply", args=[programme.slug])
    response = client.post(url, _form(organisation=world.mutual_aid.pk, draft="1"))
    application = Application.objects.get()
    assert response.status_code == 302
    assert application.state == STATE.DRAFT
    assert application.amount_pence == 125050
    assert not application.on_behalf
    # The funder's officer does not see a draft; once sent, she does.
    assert (
        as_user(world.priya).get(reverse("funding:application", args=[application.pk])).status_code
        == 403
    )
    client = as_user(world.sam)
    client.post(reverse("funding:application_submit", args=[application.pk]))
    application.refresh_from_db()
    assert application.state == STATE.SUBMITTED
    page = as_user(world.priya).get(reverse("funding:application", args=[application.pk]))
    assert "£1,250.50" in page.content.decode()


def test_an_officer_filling_in_the_form_for_a_group_is_recorded_as_on_its_behalf(world, as_user):
    programme = factories.programme(world)
    client = as_user(world.priya)
    client.post(
        reverse("funding:apply", args=[programme.slug]),
        _form(organisation=world.mutual_aid.pk, send="1"),
    )
    application = Application.objects.get()
    assert application.filled_by == world.priya and application.on_behalf
    assert application.state == STATE.SUBMITTED
    page = as_user(world.sam).get(reverse("funding:application", args=[application.pk]))
    assert "on the group's behalf" in page.content.decode()


def test_a_group_cannot_apply_for_someone_elses_group(world, as_user):
    programme = factories.programme(world)
    response = as_user(world.olly).post(
        reverse("funding:apply", args=[programme.slug]),
        _form(organisation=world.mutual_aid.pk, send="1"),
    )
    assert response.status_code == 400
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("field", "typed", "says"),
    [
        ("amount", "lots", "Enter an amount in pounds"),
        ("amount", "6000", "must be £5,000 or less for this programme"),
        ("amount", "0", "must be more than £0"),
        ("needed_by", "2001-01-01", "must be in the future"),
        ("needed_by", "31/02/2030", "date"),
    ],
)
def test_a_bad_amount_or_date_is_refused_with_the_reason_in_the_error_summary(
    world, as_user, field, typed, says
):
    programme = factories.programme(world)
    response = as_user(world.sam).post(
        reverse("funding:apply", args=[programme.slug]),
        _form(organisation=world.mutual_aid.pk, send="1", **{field: typed}),
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "nhsuk-error-summary" in body and says in body
    assert not Application.objects.exists()


def test_a_closed_programme_takes_no_applications(world):
    programme = factories.programme(
        world,
        slug="closed",
        opens_on=timezone.localdate() - timedelta(days=9),
        closes_on=timezone.localdate() - timedelta(days=1),
    )
    draft = factories.application(world, programme=programme)
    with pytest.raises(services.FundingError, match="takes applications from"):
        services.submit_application(draft, by=world.sam)


def test_the_panels_mean_score_decides_and_the_officer_cannot_overturn_it(world):
    application = factories.application(world, state=STATE.UNDER_REVIEW)
    factories.score(world, application, 5, reason="Few people alone would come")
    with pytest.raises(services.FundingError, match="below the pass mark of 6"):
        services.decide(
            application, by=world.priya, awarded=True, reason="I like it", terms=factories.terms()
        )
    decision = services.decide(application, by=world.priya, awarded=False, reason="Panel said no")
    application.refresh_from_db()
    assert application.state == STATE.DECLINED
    assert decision.by_panel and decision.scorers == 1 and decision.mean_score == "5.0"
    assert "mean score is 6 or more" in decision.rule


def test_a_panel_member_scores_with_a_reason_and_can_change_it(world, as_user):
    application = factories.application(world, state=STATE.UNDER_REVIEW)
    client = as_user(world.margaret)
    url = reverse("funding:application_score", args=[application.pk])
    assert client.post(url, {"score": "11", "reason": "x"}).status_code == 400
    client.post(url, {"score": "4", "reason": "Not sure"})
    client.post(url, {"score": "8", "reason": "Talked to neighbours: they would go"})
    (score,) = application.scores.all()
    assert score.score == 8 and score.reason.startswith("Talked")
    # The group sees the scores only once the application is decided.
    assert (
        "Talked to neighbours"
        not in as_user(world.sam)
        .get(reverse("funding:application", args=[application.pk]))
        .content.decode()
    )


def test_an_officer_awards_through_the_decision_page(world, as_user):
    application = factories.application(world, state=STATE.UNDER_REVIEW)
    factories.score(world, application, 7)
    today = timezone.localdate()
    response = as_user(world.priya).post(
        reverse("funding:application_decide", args=[application.pk]),
        {
            "outcome": "award",
            "reason": "The panel backed it",
            "amount": "2000",
            "awarded_on": today.isoformat(),
            "starts_on": today.isoformat(),
            "ends_on": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "must end on or after the day it starts" in response.content.decode()
    response = as_user(world.priya).post(
        reverse("funding:application_decide", args=[application.pk]),
        {
            "outcome": "award",
            "reason": "The panel backed it",
            "amount": "2000",
            "awarded_on": today.isoformat(),
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=365)).isoformat(),
        },
    )
    award = Award.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/awards/{award.pk}/")
    assert award.amount_pence == 200_000


def test_awards_never_spend_more_than_the_programmes_budget(world):
    factories.award(world, amount_pence=500_000)
    factories.award(world, amount_pence=450_000)
    last = factories.application(world, state=STATE.UNDER_REVIEW, amount_pence=100_000)
    factories.score(world, last, 9)
    with pytest.raises(services.FundingError, match="£500 of its budget left"):
        services.decide(
            last, by=world.priya, awarded=True, reason="Yes", terms=factories.terms(100_000)
        )
    last.refresh_from_db()
    assert last.state == STATE.UNDER_REVIEW


def test_payments_never_add_up_to_more_than_the_award(world, as_user):
    award = factories.award(world, amount_pence=250_000)
    client = as_user(world.priya)
    url = reverse("funding:award_pay", args=[award.pk])
    today = timezone.localdate().isoformat()
    assert client.post(url, {"amount": "2000", "paid_on": today}).status_code == 302
    response = client.post(url, {"amount": "600", "paid_on": today})
    assert response.status_code == 400
    assert "£500 is left to pay" in response.content.decode()
    assert sum(d.amount_pence for d in award.disbursements.all()) == 200_000


def test_a_group_withdraws_before_the_decision_but_not_after(world, as_user):
    waiting = factories.application(world, state=STATE.SUBMITTED)
    as_user(world.sam).post(reverse("funding:application_withdraw", args=[waiting.pk]))
    waiting.refresh_from_db()
    assert waiting.state == STATE.WITHDRAWN
    decided = factories.award(world).application
    response = as_user(world.sam).post(
        reverse("funding:application_withdraw", args=[decided.pk]), follow=True
    )
    assert "A decided application cannot be withdrawn" in response.content.decode()
    decided.refresh_from_db()
    assert decided.state == STATE.AWARDED


def test_an_officer_programme_is_decided_by_the_officer_with_a_reason(world):
    award = factories.council_award(world)
    decision = award.application.decision
    assert not decision.by_panel and decision.scorers == 0
    assert decision.rule == "The funder's officers decide, and record the reason."


def test_a_group_sees_its_own_applications_and_no_one_elses(world, as_user):
    factories.application(world, state=STATE.SUBMITTED)
    page = as_user(world.ana).get(reverse("funding:mine")).content.decode()
    assert "Tuesday lunch club" in page
    page = as_user(world.olly).get(reverse("funding:mine")).content.decode()
    assert "Tuesday lunch club" not in page


def test_the_public_sees_the_award_but_not_the_application(world, client):
    award = factories.award(world, amount_pence=123_456)
    page = client.get(reverse("funding:award", args=[award.pk])).content.decode()
    assert "£1,234.56" in page and "Wellbrook Mutual Aid" in page
    response = client.get(reverse("funding:application", args=[award.application_id]))
    assert response.status_code == 302


def test_a_report_due_is_reminded_to_the_group_once(world, settings):
    award = factories.award(world)
    today = timezone.localdate()
    services.add_report_due(
        award, title="Six-month report", due_on=today + timedelta(days=30), by=world.priya
    )
    soon = services.add_report_due(
        award, title="Receipts", due_on=today + timedelta(days=5), by=world.priya
    )
    assert services.send_report_reminders() == 1
    assert services.send_report_reminders() == 0
    (message,) = Message.objects.filter(kind="grant_report_due")
    assert message.event == f"grant_report_due:{soon.pk}"
    assert "Receipts" in message.body


def test_the_council_award_matched_by_the_nhs_shows_what_each_pound_attracted(world, client):
    council = factories.council_award(world, amount_pence=400_000)
    factories.award(world, amount_pence=250_000, matches=council)
    page = client.get(reverse("funding:programme", args=[council.application.programme.slug]))
    # £2,500 ÷ £4,000 = 62.5p, rounded half up.
    assert "each £1 attracted £0.63" in page.content.decode()


def test_an_award_cannot_match_its_own_funders_award(world):
    first = factories.award(world)
    with pytest.raises(services.FundingError, match="another funder"):
        factories.award(world, matches=first)


def test_the_awards_list_costs_the_same_queries_however_many_awards(
    world, client, django_assert_max_num_queries
):
    for _ in range(3):
        factories.award(world, amount_pence=100_000)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("funding:awards")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("funding:index")).status_code == 200


def test_the_funders_dashboard_counts_each_programmes_applications_in_a_fixed_number_of_queries(
    world, as_user, django_assert_max_num_queries
):
    factories.award(world)
    factories.application(world, state=STATE.SUBMITTED)
    factories.council_award(world)
    client = as_user(world.priya)
    url = reverse("funding:dashboard", args=[factories.funder_of(world.practice).pk])
    with django_assert_max_num_queries(20):
        page = client.get(url).content.decode()
    assert "Awarded: 1" in page
    assert "Submitted: 1" in page
