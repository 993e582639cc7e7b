"""Stories about measuring what changes: the 3Cs, ONS4 and loneliness, for one person and many."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from keepwell.audit.models import AuditEvent
from keepwell.messaging.models import Message
from keepwell.outcomes import services
from keepwell.outcomes.models import Answer, FollowUp, Measure, Question, Response
from keepwell.people.models import Consent
from keepwell.referrals.workingdays import LONDON
from tests.factories import PersonFactory
from tests.outcomes.factories import BETTER_LATER, GOOD_START, answer
from tests.referrals.factories import ServiceFactory, refer


def test_the_three_measures_are_seeded_as_data_with_versioned_wording(db):
    measures = {m.code: m for m in services.measures_with_questions()}
    assert list(measures) == ["3cs", "ons4", "ucla3"]
    threecs = measures["3cs"]
    assert [q.item for q in threecs.current_questions] == ["control", "contact", "confidence"]
    assert all(
        (q.min_value, q.max_value, q.version) == (0, 10, 1) for q in threecs.current_questions
    )
    ons4 = {q.item: q for q in measures["ons4"].current_questions}
    assert [item for item, q in ons4.items() if q.lower_is_better] == ["anxiety"]
    ucla = measures["ucla3"]
    assert (ucla.total_min, ucla.total_max, ucla.total_lower_is_better) == (3, 9, True)
    assert ucla.current_questions[0].answer_choices() == [
        (1, "Hardly ever"),
        (2, "Some of the time"),
        (3, "Often"),
    ]


def test_sam_records_margarets_answers_given_by_phone(world):
    responses = answer(world.margaret_person, world.sam)
    assert len(responses) == 3
    assert Consent.objects.get(person=world.margaret_person, purpose="outcomes").how == "phone"
    ucla = Response.objects.get(measure__code="ucla3")
    assert ucla.total == 9
    assert ucla.how == "phone" and ucla.recorded_by == world.sam
    assert ucla.area == world.riverside
    plan = ucla.plan
    assert list(plan.follow_ups.values_list("weeks", flat=True)) == [8, 26]
    assert plan.organisation == world.mutual_aid
    assert Answer.objects.count() == 10
    assert (
        AuditEvent.objects.filter(
            person_id=world.margaret_person.pk, purpose="outcomes", action="create"
        ).count()
        == 3
    )


def test_no_answers_are_kept_without_consent(world):
    with pytest.raises(services.InvalidAnswers) as caught:
        services.record_answers(world.margaret_person, GOOD_START, by=world.sam, how="phone")
    assert "consent" in caught.value.errors
    assert not Response.objects.exists()


def test_answers_out_of_range_or_missing_are_refused_and_nothing_is_written(world):
    bad = {"3cs": {"control": 11, "contact": 2}, "ucla3": {"lack_companionship": 0}}
    with pytest.raises(services.InvalidAnswers) as caught:
        answer(world.margaret_person, world.sam, bad)
    assert set(caught.value.errors) >= {"control", "confidence"}
    assert not Response.objects.exists()
    assert not Answer.objects.exists()


def test_the_same_time_point_cannot_be_answered_twice(world):
    [first, *_] = answer(world.margaret_person, world.sam)
    with pytest.raises(services.InvalidAnswers, match="already answered"):
        answer(world.margaret_person, world.sam, {"3cs": GOOD_START["3cs"]}, plan=first.plan)


def test_follow_ups_follow_the_setting(world, settings):
    settings.KEEPWELL_OUTCOME_FOLLOWUP_WEEKS = "4, 12,52"
    [response, *_] = answer(world.margaret_person, world.sam)
    assert list(response.plan.follow_ups.values_list("weeks", flat=True)) == [4, 12, 52]
    assert [label for _, label in services.timepoints_for(response.plan)] == [
        "Start",
        "4 weeks",
        "12 weeks",
        "1 year",
    ]
    settings.KEEPWELL_OUTCOME_FOLLOWUP_WEEKS = "eight"
    with pytest.raises(ImproperlyConfigured):
        services.followup_weeks()


def test_new_wording_is_a_new_version_and_change_still_compares_the_same_question(world):
    [start, *_] = answer(world.margaret_person, world.sam, {"3cs": GOOD_START["3cs"]})
    measure = Measure.objects.get(code="3cs")
    for question in Question.objects.filter(measure=measure, version=1):
        question.pk = None
        question.version = 2
        question.wording = question.wording.replace("Over the last two weeks", "Lately")
        question.save()
    measure.version = 2
    measure.save()
    answer(world.margaret_person, world.sam, {"3cs": BETTER_LATER["3cs"]}, plan=start.plan, weeks=8)
    versions = sorted(Response.objects.values_list("weeks", "version"))
    assert versions == [(0, 1), (8, 2)]
    later = Answer.objects.get(weeks=8, item="control")
    assert later.question.version == 2
    assert later.question.wording.startswith("Lately")
    rows = services.cohort(8, "all", ["3cs"])
    control = next(r for r in rows if r.item == "control")
    assert control.n == 1


def _cohort_of(world, service, count, *, better=True, area=None):
    for _ in range(count):
        person = PersonFactory(area=area or world.riverside)
        referral = refer(world, service, person=person)
        [start, *_] = answer(person, world.sam, referral=referral)
        answer(person, world.sam, BETTER_LATER if better else GOOD_START, plan=start.plan, weeks=8)


def test_cohort_change_per_service_counts_lower_anxiety_and_loneliness_as_better(world):
    walking = ServiceFactory(organisation=world.mutual_aid, name="Walking group")
    _cohort_of(world, walking, 5)
    rows = {(r.measure, r.item): r for r in services.cohort(8, "service")}
    control = rows[("3cs", "control")]
    assert control.group == "Walking group"
    assert (control.n, control.mean_before, control.mean_after, control.mean_change) == (
        5,
        3.0,
        6.0,
        3.0,
    )
    assert control.share_improved == 1.0
    anxiety = rows[("ons4", "anxiety")]
    assert anxiety.mean_change == -3.0
    assert anxiety.lower_is_better and anxiety.share_improved == 1.0
    loneliness = rows[("ucla3", "total")]
    assert (loneliness.mean_before, loneliness.mean_after) == (9.0, 5.0)
    assert loneliness.share_improved == 1.0


def test_no_change_is_not_counted_as_improvement(world):
    walking = ServiceFactory(organisation=world.mutual_aid, name="Walking group")
    _cohort_of(world, walking, 5, better=False)
    rows = services.cohort(8, "service")
    assert {r.share_improved for r in rows} == {0.0}
    assert {r.mean_change for r in rows} == {0.0}


def test_small_groups_show_their_size_but_not_their_change(world):
    walking = ServiceFactory(organisation=world.mutual_aid, name="Walking group")
    _cohort_of(world, walking, 2)
    [control, *_] = services.cohort(8, "service", ["3cs"])
    assert control.n == 2 and control.suppressed
    assert control.mean_change is None and control.share_improved is None


def test_cohort_change_per_area_and_for_everyone(world, settings):
    settings.KEEPWELL_OUTCOMES_MIN_COHORT = 1
    walking = ServiceFactory(organisation=world.mutual_aid, name="Walking group")
    _cohort_of(world, walking, 2)
    _cohort_of(world, walking, 1, better=False, area=world.northgate)
    by_area = {(r.group, r.item): r for r in services.cohort(8, "area", ["3cs"])}
    assert by_area[("Riverside", "control")].mean_change == 3.0
    assert by_area[("Northgate", "control")].mean_change == 0.0
    everyone = {r.item: r for r in services.cohort(8, "all", ["3cs"])}
    assert everyone["control"].n == 3
    assert everyone["control"].mean_change == 2.0
    assert everyone["control"].improved == 2


def test_the_cohort_needs_the_same_queries_for_five_people_or_fifty(
    world, django_assert_num_queries
):
    walking = ServiceFactory(organisation=world.mutual_aid, name="Walking group")
    _cohort_of(world, walking, 5)
    with django_assert_num_queries(5):
        services.cohort(8, "service")
    _cohort_of(world, walking, 20)
    with django_assert_num_queries(5):
        services.cohort(8, "service")


def test_cohort_csv_has_a_row_per_group_and_question(world):
    walking = ServiceFactory(organisation=world.mutual_aid, name="Walking group")
    _cohort_of(world, walking, 5)
    text = services.cohort_csv(services.cohort(8, "service"), weeks=8, group_by="service")
    lines = text.strip().splitlines()
    assert lines[0].startswith("service,measure,question,timepoint,n,")
    assert len(lines) == 1 + 3 + 4 + 1
    assert "Walking group,3cs,Control,8 weeks,5,3.0,6.0,3.0,5,1.000,no" in text


def test_a_follow_up_reminder_goes_to_the_service_once_when_due(world):
    walking = ServiceFactory(organisation=world.mutual_aid, name="Walking group")
    referral = refer(world, walking)
    start = datetime(2025, 3, 3, 10, 0, tzinfo=LONDON)
    answer(world.margaret_person, world.sam, referral=referral, at=start)
    plan = referral.outcome_plan
    FollowUp.objects.filter(plan=plan).update(due_on=start.date())
    plan.follow_ups.filter(weeks=8).update(due_on=start.date() + timedelta(weeks=8))
    plan.follow_ups.filter(weeks=26).update(due_on=start.date() + timedelta(weeks=26))
    assert services.send_followup_reminders(start + timedelta(weeks=7)) == 0
    assert services.send_followup_reminders(start + timedelta(weeks=8)) == 1
    assert services.send_followup_reminders(start + timedelta(weeks=8, days=1)) == 0
    item = Message.objects.get(kind="follow_up_due", channel="inbox")
    assert item.organisation == world.mutual_aid
    assert f"plan={plan.pk}&weeks=8" in item.url
    # Answered before it falls due: no reminder at 26 weeks.
    answer(world.margaret_person, world.sam, BETTER_LATER, plan=plan, weeks=26)
    assert services.send_followup_reminders(start + timedelta(weeks=30)) == 0


def test_one_persons_trend_shows_each_question_over_time(world):
    [start, *_] = answer(world.margaret_person, world.sam)
    answer(world.margaret_person, world.sam, BETTER_LATER, plan=start.plan, weeks=8)
    trends = {t.measure.code: t for t in services.person_trend(world.margaret_person, by=world.sam)}
    control = trends["3cs"].rows[0]
    assert (control.label, control.values) == ("Control", [3, 6])
    assert trends["3cs"].columns[0].startswith("Start (")
    assert trends["ucla3"].rows[0].values == [9, 5]
    assert control.points.count(",") == 2
    assert AuditEvent.objects.filter(action="read", purpose="outcomes").exists()


def test_answers_keep_the_time_they_were_given(world):
    at = timezone.now() - timedelta(days=3)
    [response, *_] = answer(world.margaret_person, world.sam, at=at)
    assert response.answered_at == at


def test_a_start_entered_after_the_follow_up_still_counts_in_the_cohort(world, settings):
    settings.KEEPWELL_OUTCOMES_MIN_COHORT = 1
    walking = ServiceFactory(organisation=world.mutual_aid, name="Walking group")
    referral = refer(world, walking)
    [later, *_] = answer(world.margaret_person, world.sam, BETTER_LATER, referral=referral, weeks=8)
    assert services.cohort(8, "service", ["3cs"]) == []
    answer(world.margaret_person, world.sam, GOOD_START, plan=later.plan, weeks=0)
    rows = {r.item: r for r in services.cohort(8, "service")}
    assert rows["control"].mean_change == 3.0
    assert rows["total"].mean_before == 9.0 and rows["total"].mean_after == 5.0
