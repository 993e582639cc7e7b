"""The time bank report draws the hours given each month beside its table."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from django.utils import timezone
from django.utils.formats import date_format

from keepwell.timebank import services

SVG = "{http://www.w3.org/2000/svg}"


def _svg(body: str) -> ET.Element:
    start = body.index("<svg xmlns=")
    return ET.fromstring(body[start : body.index("</svg>", start) + len("</svg>")])


def test_sam_sees_this_months_hour_and_a_half_as_a_bar_and_in_the_table(world, as_user, tb):
    for key, giver, receiver, minutes in (
        ("a", tb.bill, tb.margaret, 60),
        ("b", tb.margaret, tb.bill, 30),
    ):
        services.record_exchange(
            giver=giver,
            receiver=receiver,
            minutes=minutes,
            by=world.sam,
            as_broker=True,
            idempotency_key=key,
            category="company",
        )
    response = as_user(world.sam).get(f"/timebank/{tb.bank.slug}/report/")
    body = response.content.decode()
    chart = response.context["hours_chart"]
    this_month = date_format(timezone.localdate(), "M Y")
    last_month = date_format(timezone.localdate().replace(day=1) - timedelta(days=1), "M Y")
    since = response.context["report"].since
    assert chart.categories[0] == date_format(since, "M Y")
    assert chart.categories[-1] == this_month
    assert dict(chart.rows())[this_month] == ["1.5"]
    assert dict(chart.rows())[last_month] == ["0"], "a month with nothing given is a zero"

    svg = _svg(body)
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Hours given by month"
    bars = [t.text for t in svg.iter(f"{SVG}title") if t.text.startswith("Hours, ")]
    assert f"Hours, {this_month}: 1.5 hours" in bars
    # The table beside it says the same: an hour and a half this month.
    assert f'<td class="nhsuk-table__cell">{timezone.localdate():%B %Y}</td>' in body
    assert "1 h 30 min" in body


def test_a_bank_with_nothing_given_shows_no_chart(world, as_user, tb):
    body = as_user(world.sam).get(f"/timebank/{tb.bank.slug}/report/").content.decode()
    assert "No time given yet." in body and "<svg xmlns=" not in body
