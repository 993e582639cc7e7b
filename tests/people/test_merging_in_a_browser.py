"""The platform admin finds a possible duplicate, compares the two records side by side and
merges them in a real browser: the box not ticked is named in the error summary."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from keepwell.accounts.models import User
from keepwell.people import services
from keepwell.people.models import Person
from tests.browser.support import real_errors, serious_problems, sign_in

pytestmark = pytest.mark.browser


def test_the_admin_compares_and_merges_a_possible_duplicate(demo, page):
    kept = Person.objects.filter(is_demo=True, user__isnull=True).order_by("pk").first()
    kept.nhs_number = "4010232137"
    kept.save()
    duplicate = services.create_person(
        by=User.objects.get(username="admin"),
        given_name=kept.given_name,
        family_name=kept.family_name,
        nhs_number="401 023 2137",
        possible_duplicate=True,
    )

    # Wide enough that the admin's whole menu fits: at 1280 px the NHS.UK header's script
    # moves Time bank and Areas into its "More" list as the page loads, and axe, run
    # mid-move, sometimes reads their white text on the list's white (a header matter,
    # reported, not this page's).
    page.set_viewport_size({"width": 1600, "height": 900})
    sign_in(page, demo.url, "admin")
    page.goto(f"{demo.url}/people/")
    page.get_by_role("link", name="Possible duplicate records").click()
    expect(page.locator("main table")).to_contain_text("401 023 2137")
    assert serious_problems(page) == []
    page.get_by_role("link", name="Compare and merge").first.click()

    main = page.locator("main")
    expect(main.locator(".nhsuk-warning-callout")).to_contain_text("Merging cannot be undone")
    expect(main.locator("table")).to_contain_text("401 023 2137")
    assert serious_problems(page) == []
    page.get_by_role("button", name="Merge the records").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Tick the box to confirm you have checked these records")
    # The summary takes the focus once the page's script has run: check the page as it
    # settles, not mid-load.
    expect(summary).to_be_focused()
    assert serious_problems(page) == []
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None

    page.get_by_label("I have checked that these two records are the same person").check()
    page.get_by_role("button", name="Merge the records").click()
    page.wait_for_url(f"{demo.url}/people/{kept.pk}/")
    expect(page.locator("main")).to_contain_text("now holds everything")
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == kept.pk
    assert real_errors(page) == []
