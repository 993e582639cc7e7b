"""A coordinator adds someone in a real browser: a phone that is not a number is named in the
error summary, the NHS number and phone are shown as people write them, and the people list
finds her by NHS number and by date of birth."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from keepwell.people.models import Person
from tests.browser.support import real_errors, serious_problems, sign_in

pytestmark = pytest.mark.browser


def test_a_coordinator_adds_ivy_and_finds_her_by_nhs_number_and_date_of_birth(demo, page):
    sign_in(page, demo.url, "coordinator")
    page.goto(f"{demo.url}/people/new/")
    page.get_by_label("First name").fill("Ivy")
    page.get_by_label("Last name").fill("Walker")
    page.get_by_label("NHS number").fill("401 023 2137")
    page.get_by_label("Date of birth").fill("2030-01-01")
    page.locator("#id_phone").fill("not a phone number at all!!")
    page.get_by_label("Postcode").fill("WB2 1AX")
    page.get_by_label("Phone call").check()
    page.get_by_role("button", name="Save").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a UK phone number, like 01632 960 001 or 07700 900 982")
    expect(summary).to_contain_text("Date of birth must be in the past")
    assert serious_problems(page) == []
    # The summary's link takes the keyboard to the phone field.
    summary.get_by_role("link", name="Enter a UK phone number").click()
    expect(page.locator("#id_phone")).to_be_focused()
    assert not Person.objects.filter(given_name="Ivy", family_name="Walker").exists()

    page.locator("#id_phone").fill("01632 960 123")
    page.get_by_label("Date of birth").fill("1948-03-12")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(lambda url: "/people/new/" not in url)
    main = page.locator("main")
    expect(main).to_contain_text("401 023 2137")
    expect(main).to_contain_text("01632 960123")
    expect(main).to_contain_text("12 March 1948")

    for typed in ("4010232137", "401 023 2137", "12/03/1948", "1948-03-12"):
        page.goto(f"{demo.url}/people/")
        page.get_by_label("Find a person").fill(typed)
        page.get_by_role("button", name="Search").click()
        expect(page.locator("main table")).to_contain_text("Walker, Ivy")
    assert real_errors(page) == []
