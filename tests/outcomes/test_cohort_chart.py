"""The cohort page draws each measure's mean change by group beside its table: a rise above
the zero line, a fall below it, and a group too small to show as "*"."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from django.urls import reverse

from tests.factories import PersonFactory
from tests.outcomes.factories import BETTER_LATER, answer
from tests.referrals.factories import ServiceFactory, refer

SVG = "{http://www.w3.org/2000/svg}"
WORSE_LATER = {"3cs": {"control": 1, "contact": 1, "confidence": 1}}


def _cohort_of(world, service, count, later):
    for _ in range(count):
        person = PersonFactory(area=world.riverside)
        referral = refer(world, service, person=person)
        [start, *_] = answer(person, world.sam, referral=referral)
        answer(person, world.sam, later, plan=start.plan, weeks=8)


def _svgs(body: str) -> list[ET.Element]:
    return [
        ET.fromstring(match.group(0))
        for match in re.finditer(r'<svg xmlns="http://www.w3.org/2000/svg".*?</svg>', body, re.S)
    ]


def _changes_in_table(body: str, caption: str) -> dict[tuple[str, str], str]:
    """(group, question) → the "Mean change" cell of the table under the chart."""
    table = body.split(f'<caption class="nhsuk-table__caption">{caption}</caption>', 1)[1]
    table = table.split("</table>", 1)[0]
    found = {}
    for row in table.split('<tr class="nhsuk-table__row" role="row">')[2:]:
        cells = re.findall(r'aria-hidden="true">[^<]*</span>(.*?)</td>', row, re.S)
        group, question = cells[0].strip(), cells[1].split("<", 1)[0].strip()
        change = re.search(r"Mean change </span>([^<]*)</td>", row)
        found[(group, question)] = change.group(1) if change else "*"
    return found


def test_ana_sees_walking_rise_choir_fall_and_a_small_group_starred(as_user, world):
    _cohort_of(
        world, ServiceFactory(organisation=world.mutual_aid, name="Walking group"), 5, BETTER_LATER
    )
    _cohort_of(world, ServiceFactory(organisation=world.mutual_aid, name="Choir"), 5, WORSE_LATER)
    _cohort_of(
        world, ServiceFactory(organisation=world.mutual_aid, name="Book club"), 2, BETTER_LATER
    )
    response = as_user(world.ana).get(
        reverse("outcomes:cohort"), {"weeks": 8, "group_by": "service"}
    )
    body = response.content.decode()
    name, _, rows, chart = next(t for t in response.context["tables"] if t[1] == "3cs")
    assert chart.categories == ("Book club", "Choir", "Walking group")
    assert [s.name for s in chart.series] == ["Control", "Contact", "Confidence"]
    figures = dict(chart.rows())
    assert figures["Book club"] == ["*", "*", "*"]
    assert all(value.startswith("\u2212") for value in figures["Choir"])
    assert not any(value.startswith("\u2212") for value in figures["Walking group"])

    # The SVG on the page names each bar's figure, and the table says the same.
    svg = next(s for s in _svgs(body) if s.find(f"{SVG}title").text == f"{name}: mean change")
    hints = {t.text for t in svg.iter(f"{SVG}title")}
    table = _changes_in_table(body, name)
    for group, values in figures.items():
        for series, value in zip(chart.series, values, strict=True):
            assert f"{series.name}, {group}: {value} points" in hints
            cell = table[(group, series.name)]
            if value == "*":
                assert cell == "*"
            else:
                assert float(cell) == float(value.replace("\u2212", "-"))
    assert "* means the figure is not shown" in body


def test_the_charts_cost_no_queries_however_many_people(
    as_user, world, count_queries, django_assert_max_num_queries
):
    walking = ServiceFactory(organisation=world.mutual_aid, name="Walking group")
    _cohort_of(world, walking, 5, BETTER_LATER)
    client = as_user(world.ana)
    url = reverse("outcomes:cohort")
    few = count_queries(lambda: client.get(url, {"weeks": 8}))
    _cohort_of(world, ServiceFactory(organisation=world.mutual_aid, name="Choir"), 6, WORSE_LATER)
    with django_assert_max_num_queries(few):
        body = client.get(url, {"weeks": 8}).content.decode()
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg"') == len(
        re.findall(r'<table class="nhsuk-table-responsive">', body)
    )
