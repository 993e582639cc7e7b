"""Outcomes through the pages: a coordinator on the phone, Margaret on her own, the cohort."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from keepwell.outcomes.models import Answer, Response
from tests.factories import PersonFactory
from tests.outcomes.factories import BETTER_LATER, answer
from tests.referrals.factories import ServiceFactory, refer


def _form(answers: dict[str, dict[str, int]], **extra) -> dict:
    data = {
        f"{code}__{item}": value for code, items in answers.items() for item, value in items.items()
    }
    return {**data, **extra}


THREE_CS = {"3cs": {"control": 4, "contact": 3, "confidence": 5}}


def test_sam_records_answers_margaret_gave_on_the_phone(as_user, world):
    url = reverse("outcomes:record", kwargs={"person_id": world.margaret_person.pk})
    client = as_user(world.sam)
    page = client.get(url).content.decode()
    assert "How did they agree to answer these questions?" in page
    response = client.post(url, _form(THREE_CS, weeks=0, how="phone", consent_how="phone"))
    assert response.status_code == 302
    saved = Response.objects.get()
    assert (saved.how, saved.recorded_by, saved.weeks) == ("phone", world.sam, 0)
    assert dict(Answer.objects.values_list("item", "value")) == {
        "control": 4,
        "contact": 3,
        "confidence": 5,
    }


def test_half_answered_or_unconsented_answers_show_the_error_summary(as_user, world):
    url = reverse("outcomes:record", kwargs={"person_id": world.margaret_person.pk})
    half = _form({"3cs": {"control": 4}}, weeks=0, how="phone")
    response = as_user(world.sam).post(url, half)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Answer this question too" in html
    assert "Record how they agreed to answer" in html
    nothing = as_user(world.sam).post(url, {"weeks": 0, "how": "phone", "consent_how": "phone"})
    assert "Answer at least one set of questions" in nothing.content.decode()
    assert not Response.objects.exists()


def test_margaret_answers_for_herself_and_sees_her_trend(as_user, world):
    client = as_user(world.margaret)
    url = reverse("outcomes:record", kwargs={"person_id": world.margaret_person.pk})
    page = client.get(url).content.decode()
    assert "How were they answered?" not in page
    done = client.post(url, _form(THREE_CS, weeks=0, consent_given="on"))
    assert done.status_code == 302
    assert Response.objects.get().how == "online"
    plan = Response.objects.get().plan
    answer(world.margaret_person, world.sam, BETTER_LATER, plan=plan, weeks=8)
    trend = client.get(reverse("outcomes:person", kwargs={"person_id": world.margaret_person.pk}))
    html = trend.content.decode()
    assert "Wellbeing over time" in html
    assert "<svg" in html and "Control" in html


def _cohort_of(world, service, count):
    for _ in range(count):
        person = PersonFactory(area=world.riverside)
        referral = refer(world, service, person=person)
        [start, *_] = answer(person, world.sam, referral=referral)
        answer(person, world.sam, BETTER_LATER, plan=start.plan, weeks=8)


def test_the_cohort_page_and_its_csv_show_change_per_service_and_area(
    as_user, world, count_queries, django_assert_max_num_queries
):
    walking = ServiceFactory(organisation=world.mutual_aid, name="Walking group")
    _cohort_of(world, walking, 5)
    client = as_user(world.ana)
    url = reverse("outcomes:cohort")
    html = client.get(url, {"weeks": 8, "group_by": "service"}).content.decode()
    assert "Walking group" in html
    assert "+3.0" in html
    by_area = client.get(url, {"weeks": 8, "group_by": "area"}).content.decode()
    assert "Riverside" in by_area
    few = count_queries(lambda: client.get(url, {"weeks": 8}))
    _cohort_of(world, walking, 10)
    with django_assert_max_num_queries(few):
        client.get(url, {"weeks": 8})

    exported = client.get(reverse("outcomes:cohort_csv"), {"weeks": 8, "group_by": "service"})
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    control = next(r for r in rows if r["question"] == "Control")
    assert (control["service"], control["n"], control["mean_change"]) == (
        "Walking group",
        "15",
        "3.0",
    )
    assert control["share_improved"] == "1.000"


def test_a_bad_cohort_filter_shows_the_error_summary(as_user, world):
    html = as_user(world.sam).get(reverse("outcomes:cohort"), {"weeks": "99"}).content.decode()
    assert "There is a problem" in html


def test_the_measures_page_shows_the_wording_to_anyone(client, db):
    html = client.get(reverse("outcomes:measures")).content.decode()
    assert "Control" in html and "UCLA" in html
