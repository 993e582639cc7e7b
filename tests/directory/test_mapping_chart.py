"""Priya's mapping page draws organisations by kind, and services by area and kind of support,
beside the tables it already had: a gap is a missing bar."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from keepwell.directory import services as directory
from keepwell.directory.models import OrganisationKind, Service, ServiceCategory
from tests.directory.factories import org
from tests.factories import PostcodeLocationFactory

SVG = "{http://www.w3.org/2000/svg}"


def _svgs(body: str) -> dict[str, ET.Element]:
    found = (
        ET.fromstring(match.group(0))
        for match in re.finditer(r'<svg xmlns="http://www.w3.org/2000/svg".*?</svg>', body, re.S)
    )
    return {svg.find(f"{SVG}title").text: svg for svg in found}


def _bars(svg: ET.Element) -> set[str]:
    return {t.text for t in svg.iter(f"{SVG}title")}


def test_priya_sees_riverside_has_social_and_emotional_support_but_nothing_educational(
    world, as_user
):
    PostcodeLocationFactory(postcode="WB2 1AB", latitude=53.033, longitude=-1.462)
    world.mutual_aid.areas_served.add(world.riverside)
    directory.create_service(
        world.mutual_aid,
        by=world.sam,
        name="Riverside lunch club",
        category=ServiceCategory.SOCIAL,
        venue=directory.Venue(address_1="1 Church Street", town="Wellbrook", postcode="WB2 1AB"),
    )
    directory.create_service(
        world.mutual_aid,
        by=world.sam,
        name="Friendly phone calls",
        category=ServiceCategory.EMOTIONAL,
        delivery=Service.Delivery.PHONE,
    )
    org("Riverside Women's Aid", kind=OrganisationKind.ASSOCIATION).areas_served.add(
        world.riverside
    )
    response = as_user(world.priya).get("/directory/mapping/", {"area": world.riverside.slug})
    body = response.content.decode()
    charts = _svgs(body)

    kinds = response.context["kinds_chart"]
    assert dict(kinds.rows())["Association or membership organisation"] == ["1"]
    assert "Organisations, Association or membership organisation: 1 organisations" in _bars(
        charts["Organisations by kind"]
    )
    # The kinds table beside it: the same count for associations.
    assert re.search(
        r"kind=association\">Association or membership organisation</a></td><td[^>]*>1</td>", body
    )

    gaps = response.context["gaps_chart"]
    riverside = dict(gaps.rows())["Riverside"]
    labels = [s.name for s in gaps.series]
    assert dict(zip(labels, riverside, strict=True)) == {
        "Practical": "0",
        "Educational": "0",
        "Emotional": "1",
        "Social": "1",
    }
    drawn = _bars(charts["Published services by area and kind of support"])
    assert "Social, Riverside: 1 services" in drawn
    assert not any(
        hint.startswith("Educational, Riverside") and hint.endswith(": 1 services")
        for hint in drawn
    )
    # The gaps table below says the same: educational support is missing in Riverside.
    row = body.split("<strong>Riverside</strong>", 1)[1].split("</tr>", 1)[0]
    assert row.count("nhsuk-tag--red") == 2


def test_the_charts_cost_no_queries_however_many_organisations(world, as_user, count_queries):
    client = as_user(world.priya)
    org("First group")
    few = count_queries(lambda: client.get("/directory/mapping/"))
    for i in range(10):
        org(f"Group {i}").areas_served.add(world.riverside)
    many = count_queries(lambda: client.get("/directory/mapping/"))
    assert many == few
    assert "Organisations by kind" in _svgs(client.get("/directory/mapping/").content.decode())
