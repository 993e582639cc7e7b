"""In a browser, the round form asks for the day (issue 12, item 11): nothing is filled in, an
empty day is named in the error summary, a day picked in the date input plans the round;
and confirming the demo's round offers its deliveries to the drivers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from keepwell.help.models import TaskOffer
from keepwell.matching.models import DeliveryRound
from tests.browser.support import real_errors, serious_problems, sign_in

pytestmark = pytest.mark.browser


def test_sam_must_pick_the_day_then_confirms_the_round_as_offers(demo, page):
    made = DeliveryRound.objects.get()
    sign_in(page, demo.url, "coordinator")
    page.goto(demo.url + "/matching/")
    day = page.get_by_label("Day of the round")
    expect(day).to_have_value("")

    page.get_by_role("button", name="Choose deliveries and drivers").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter the day of the round")
    assert not serious_problems(page)

    page.get_by_label("Day of the round").fill(f"{made.day:%Y-%m-%d}")
    page.get_by_role("button", name="Choose deliveries and drivers").click()
    expect(page.locator("h1")).to_contain_text("Plan a delivery round for")

    page.goto(demo.url + f"/matching/rounds/{made.pk}/")
    routed = made.stops.filter(driver__isnull=False).count()
    page.get_by_role("button", name="Confirm: offer each delivery to its driver").click()
    expect(page.locator("main")).to_contain_text("offered to the drivers")
    assert TaskOffer.objects.filter(task__round_stops__round=made).count() >= 1
    expect(page.locator(".nhsuk-tag", has_text="Offered to")).to_have_count(
        routed - made.stops.exclude(offer_refused="").count()
    )
    assert not real_errors(page), page.console_errors
