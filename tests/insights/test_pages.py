"""Insight pages: what an analyst, a coordinator and anyone on the public page would see."""

from __future__ import annotations

import csv
import io

import jsonschema
import pytest
from django.urls import reverse

from keepwell.insights import services
from keepwell.insights.exports import SCHEMA
from keepwell.insights.models import MonthlyCount
from keepwell.places.models import Deprivation
from tests.factories import PersonFactory, lsoa_in_decile
from tests.help.factories import make_request

RIVERSIDE_LSOA, NORTHGATE_LSOA = "E01999201", "E01999301"


@pytest.fixture
def wellbrook(world):
    """This month twelve Riverside residents asked for shopping; in Northgate nine asked for
    shopping and three for a prescription."""
    lsoa_in_decile("WB2 1AB", RIVERSIDE_LSOA, 1, residents=1600)
    lsoa_in_decile("WB3 1AB", NORTHGATE_LSOA, 9, residents=1400)
    for i in range(12):
        person = PersonFactory(area=world.riverside, postcode="WB2 1AB", given_name=f"R{i}")
        make_request(person, "shopping", by=world.sam, organisation=world.mutual_aid)
    for i in range(12):
        person = PersonFactory(area=world.northgate, postcode="WB3 1AB", given_name=f"N{i}")
        need = "prescription" if i < 3 else "shopping"
        make_request(person, need, by=world.sam, organisation=world.mutual_aid)
    services.refresh()
    return world.riverside.parent


def help_requests(data):
    return next(m for m in data["measures"] if m["measure"] == "help_requests")


def test_an_analyst_sees_need_by_neighbourhood_with_small_numbers_hidden(wellbrook, as_user, world):
    page = as_user(world.nadia).get(reverse("insights:index"))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Help requests: 25" in text
    assert "Figures counted" in text
    assert "English Indices of Deprivation 2025" in text


def test_the_public_page_and_both_exports_carry_the_same_suppressed_figures(wellbrook, client):
    page = client.get(reverse("insights:public", kwargs={"slug": wellbrook.slug}))
    data = client.get(reverse("insights:export_json", kwargs={"slug": wellbrook.slug})).json()
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    reverse("insights:export_csv", kwargs={"slug": wellbrook.slug})
                ).content.decode()
            )
        )
    )

    assert page.status_code == 200
    jsonschema.validate(data, SCHEMA)
    by_row = {r["row"]: r for r in help_requests(data)["rows"]}
    assert by_row["Riverside"]["total"] == 10  # 12, to the nearest 5
    assert (
        by_row["Northgate"]["by_key"]["Prescription collection and delivery"] == "*"
    )  # 3 is never shown
    # ... nor the 9 beside it, or 3 would be Northgate's 10 less it.
    assert by_row["Northgate"]["by_key"]["Shopping"] == "*"
    assert by_row["Riverside"]["per_1000"] == 6.2  # 10 of 1,600 residents
    shown = {(r["row"], r["key"]): r["figure"] for r in rows if r["measure"] == "Help requests"}
    assert shown[("Riverside", "total")] == "10"
    assert shown[("Northgate", "Prescription collection and delivery")] == "*"
    assert not {"3", "9", "12"} & {r["figure"] for r in rows}


def test_by_decile_the_most_deprived_neighbourhoods_need_shows_as_decile_one(wellbrook, client):
    url = reverse("insights:export_json", kwargs={"slug": wellbrook.slug})

    data = client.get(url, {"by": "decile"}).json()

    by_row = {r["row"]: r for r in help_requests(data)["rows"]}
    assert by_row["1"]["total"] == 10
    assert by_row["9"]["total"] == 10
    assert by_row["5"]["total"] == 0
    assert data["imd_editions"] == [2025]


def test_a_month_typed_wrongly_is_named_in_the_error_summary(wellbrook, client):
    page = client.get(
        reverse("insights:public", kwargs={"slug": wellbrook.slug}), {"start": "2026-13"}
    )

    assert page.status_code == 400
    assert "Enter the from month as a year and month, like 2026-01" in page.content.decode()


def test_a_period_ending_before_it_starts_is_refused_in_json_too(wellbrook, client):
    url = reverse("insights:export_json", kwargs={"slug": wellbrook.slug})

    answer = client.get(url, {"start": "2026-05", "end": "2026-01"})

    assert answer.status_code == 400
    assert "end" in answer.json()["errors"]


def test_a_volunteer_is_sent_to_the_public_page_not_the_analysts(wellbrook, as_user, world):
    assert as_user(world.jo).get(reverse("insights:index")).status_code == 403


def test_the_page_reads_a_fixed_number_of_queries(
    wellbrook, as_user, world, django_assert_max_num_queries
):
    client = as_user(world.nadia)
    with django_assert_max_num_queries(30):
        client.get(reverse("insights:index"), {"by": "decile"})


def test_refreshing_twice_changes_nothing_and_a_new_request_is_counted(wellbrook, world):
    fields = ("measure", "key", "grouping", "area", "decile", "n")
    before = sorted(MonthlyCount.objects.values_list(*fields))
    services.refresh()
    assert sorted(MonthlyCount.objects.values_list(*fields)) == before

    person = PersonFactory(area=world.riverside, postcode="WB2 1AB")
    make_request(person, "prescription", by=world.sam, organisation=world.mutual_aid)
    services.refresh()

    prescriptions = MonthlyCount.objects.filter(measure="help_requests", key="prescription")
    # Counted once by neighbourhood, and once by decile within Wellbrook.
    assert prescriptions.get(grouping="area", area=world.riverside).n == 1
    assert prescriptions.get(grouping="decile", area=wellbrook, decile=1).n == 1


def test_the_schema_is_served_for_anyone_checking_a_file(client):
    served = client.get(reverse("insights:schema")).json()

    assert served == SCHEMA
    jsonschema.Draft202012Validator.check_schema(served)


def test_after_the_periodic_refresh_the_usual_pages_are_ready_before_anyone_asks(
    wellbrook, client, monkeypatch
):
    from keepwell.insights import figures, tasks

    tasks.refresh_insights.call()

    def counted_again(*args):
        raise AssertionError("the page was counted again, not taken from the refresh")

    monkeypatch.setattr(figures, "_report", counted_again)
    for by in ("area", "decile"):
        page = client.get(reverse("insights:public", kwargs={"slug": wellbrook.slug}), {"by": by})
        assert page.status_code == 200


def test_when_new_deciles_are_imported_every_month_is_regrouped(wellbrook, client):
    """Riverside's LSOA is found less deprived in a re-read file: the next periodic refresh
    counts every month again, so its requests move from decile 1 to decile 5."""
    Deprivation.objects.filter(lsoa=RIVERSIDE_LSOA).update(imd_decile=5)

    refreshed = services.refresh()

    assert refreshed.first_month is None  # everything, not just the last two months
    url = reverse("insights:export_json", kwargs={"slug": wellbrook.slug})
    by_row = {r["row"]: r for r in help_requests(client.get(url, {"by": "decile"}).json())["rows"]}
    assert by_row["5"]["total"] == 10
    assert by_row["1"]["total"] == 0
