"""Sam's dashboard draws the open requests by area and urgency beside its table, at no cost
in queries."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PersonFactory
from tests.help.factories import make_request

SVG = "{http://www.w3.org/2000/svg}"


def _ask(world, area, urgency: int, n: int = 1) -> None:
    for _ in range(n):
        person = PersonFactory(postcode="WB2 1AB", area=area)
        person.organisations.add(world.mutual_aid)
        make_request(
            person, "shopping", by=world.sam, organisation=world.mutual_aid, urgency=urgency
        )


def _svg(body: str) -> ET.Element:
    start = body.index("<svg xmlns=")
    return ET.fromstring(body[start : body.index("</svg>", start) + len("</svg>")])


def test_sam_sees_each_areas_open_requests_as_bars_by_urgency(world, as_user):
    _ask(world, world.riverside, urgency=3, n=2)
    _ask(world, world.riverside, urgency=1)
    _ask(world, world.northgate, urgency=2, n=3)
    response = as_user(world.sam).get(reverse("help:dashboard"))
    body = response.content.decode()
    chart = response.context["open_chart"]
    assert [s.name for s in chart.series] == ["Urgent (today)", "Within a day", "Routine"]
    assert chart.rows() == [("Northgate", ["0", "3", "0"]), ("Riverside", ["2", "0", "1"])]

    svg = _svg(body)
    assert svg.find(f"{SVG}title").text == "Open requests by area and urgency"
    bars = {t.text for t in svg.iter(f"{SVG}title")}
    assert "Urgent (today), Riverside: 2 open requests" in bars
    assert "Within a day, Northgate: 3 open requests" in bars
    # The table under the chart has the same figures.
    table = body.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    for area, figures in chart.rows():
        row = table.split(f">{area}<", 1)[1].split("</tr>", 1)[0]
        cells = re.findall(r'--numeric"><span[^>]*>[^<]*</span>(\d+)</td>', row)
        assert cells[:3] == figures


def test_the_chart_costs_no_queries(world, as_user):
    client = as_user(world.sam)
    _ask(world, world.riverside, urgency=3)
    with CaptureQueriesContext(connection) as one_area:
        client.get(reverse("help:dashboard"))
    _ask(world, world.northgate, urgency=1, n=4)
    with CaptureQueriesContext(connection) as two_areas:
        body = client.get(reverse("help:dashboard")).content.decode()
    assert body.count("<svg xmlns=") == 1
    assert len(two_areas.captured_queries) == len(one_area.captured_queries)


def test_with_nothing_open_there_is_no_chart(world, as_user):
    body = as_user(world.sam).get(reverse("help:dashboard")).content.decode()
    assert "No open requests." in body and "<svg xmlns=" not in body
