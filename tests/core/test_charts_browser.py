"""The four pages that gained a chart, in Chromium on the demo place: each chart is drawn,
fits a 390-pixel phone without sideways scrolling, and axe finds nothing serious, on a phone
and on a desktop."""

from __future__ import annotations

import pytest

from tests.browser.support import serious_problems, sign_in

pytestmark = pytest.mark.browser

PAGES = {
    "help dashboard": ("coordinator", "/help/"),
    "time bank report": ("coordinator", "/timebank/wellbrook-time-bank/report/"),
    "outcomes cohort": ("coordinator", "/outcomes/"),
    "directory mapping": ("connector", "/directory/mapping/"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_the_chart_is_drawn_fits_a_phone_and_passes_axe(demo, page, name):
    username, path = PAGES[name]
    sign_in(page, demo.url, username)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(demo.url + path)
        charts = page.locator("figure.keepwell-chart svg[role=img]")
        assert charts.count() >= 1, f"no chart on the {name}"
        for index in range(charts.count()):
            box = charts.nth(index).bounding_box()
            assert box and box["height"] > 80 and 0 < box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert serious_problems(page) == [], f"{name} at {width} pixels"
