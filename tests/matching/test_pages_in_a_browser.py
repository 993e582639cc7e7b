"""The coordinator's matching pages in a real browser: no serious accessibility problem on
any of them (axe), and suggestions can be offered without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from keepwell.matching.models import DeliveryRound, MatchRun
from tests.browser.support import offline_context, serious_problems, sign_in

pytestmark = pytest.mark.browser


def test_every_matching_page_passes_axe_and_offers_work_without_javascript(
    browser,
    demo,
    page,
):
    sign_in(page, demo.url, "coordinator")
    run = MatchRun.objects.get()
    made = DeliveryRound.objects.get()
    driver = made.drivers.filter(stops__isnull=False).first()
    paths = [
        "/matching/",
        f"/matching/runs/{run.pk}/",
        "/matching/rounds/new/",
        f"/matching/rounds/new/?round-organisation={run.organisation_id}&round-area="
        f"&round-day={made.day:%Y-%m-%d}",
        f"/matching/rounds/{made.pk}/",
        f"/matching/rounds/{made.pk}/drivers/{driver.pk}/",
    ]
    problems = {}
    for path in paths:
        response = page.goto(demo.url + path)
        assert response is not None and response.status == 200, path
        found = serious_problems(page)
        if found:
            problems[path] = found
    assert not problems

    # One demo load per test (it is slow): the same story again with JavaScript off.
    # (the same session: a second sign-in within 30 seconds could not reuse the code)
    context = offline_context(browser, java_script_enabled=False, locale="en-GB")
    context.add_cookies(page.context.cookies())
    tab = context.new_page()
    try:
        tab.goto(demo.url + "/matching/")
        tab.get_by_role("button", name="Suggest matches").click()
        tab.wait_for_url("**/matching/runs/**")
        tab.get_by_role("button", name="Offer all").click()
        expect(tab.locator("main")).to_contain_text("offered to volunteers")
    finally:
        context.close()
