"""In a browser, Jo weighs up the demo's offer before saying yes (issue 12, item 10): area,
distance from her home, urgency, when and how long are on the page, the address and phone
only after she accepts; the page passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from keepwell.help.models import Task
from tests.browser.support import real_errors, serious_problems, sign_in

pytestmark = pytest.mark.browser


def test_jo_sees_what_the_offer_involves_then_the_address_once_she_accepts(demo, page):
    task = Task.objects.select_related("request__person", "request__area").get(
        state="offered", offers__volunteer__user__username="volunteer"
    )
    person = task.request.person
    sign_in(page, demo.url, "volunteer")
    page.goto(demo.url + f"/help/my-tasks/{task.pk}/")

    details = page.locator(".nhsuk-summary-list")
    expect(details).to_contain_text("When")
    expect(details).to_contain_text("How longUp to 2 hours")
    expect(details).to_contain_text(f"Urgency{task.request.get_urgency_display()}")
    expect(details).to_contain_text(f"Area{task.request.area}")
    expect(details).to_contain_text("Distance from your home")
    expect(details).to_contain_text(" km as the crow flies")
    expect(page.locator("main")).not_to_contain_text(person.postcode)
    assert not serious_problems(page)

    page.get_by_role("button", name="Accept").click()
    expect(page.locator(".nhsuk-summary-list")).to_contain_text(person.postcode)
    assert not real_errors(page), page.console_errors
