"""A date shows its year whenever it is not this year, so a typed 2020 is seen as 2020."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import timezone

LONDON = ZoneInfo("Europe/London")


def _render(value, fmt: str) -> str:
    template = Template('{% load dates %}{{ value|date_with_year:"' + fmt + '" }}')
    return template.render(Context({"value": value}))


def test_this_year_goes_without_saying():
    today = timezone.localdate()
    assert _render(today, "j M") == f"{today.day} {today:%b}"


def test_another_year_is_shown_after_the_month():
    assert _render(date(2020, 1, 1), "l j F") == "Wednesday 1 January 2020"
    assert _render(datetime(2020, 1, 1, 9, tzinfo=LONDON), "D j M H:i") == "Wed 1 Jan 2020 09:00"
    next_year = timezone.localdate().replace(day=1) + timedelta(days=400)
    assert _render(next_year, "j M").endswith(str(next_year.year))


def test_the_year_is_the_one_in_london():
    # 23:30 UTC on 31 December 2019 is still 2019 in London (GMT in winter).
    late = datetime(2019, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert _render(late, "j M H:i") == "31 Dec 2019 23:30"
    this_year = timezone.localtime().replace(month=6, day=15, hour=12, minute=0)
    assert _render(this_year.astimezone(LONDON), "j M H:i") == "15 Jun 12:00"


def test_nothing_shows_nothing():
    assert _render(None, "j M") == ""
