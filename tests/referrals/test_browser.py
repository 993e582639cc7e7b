"""Every referrals and outcomes page, in the browser, with and without errors, passes axe-core
with no serious or critical problem (the crawl may not reach forms behind a person's page)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import real_errors, serious_problems, sign_in

pytestmark = pytest.mark.browser


def _check(tab, url: str, problems: dict[str, list[str]], *, submit: str | None = None):
    response = tab.goto(url)
    assert response is not None and response.status < 400, f"{url}: {response and response.status}"
    if submit:
        tab.get_by_role("button", name=submit, exact=True).click()
        # Waits for the page the click asked for: the same form, now with its errors.
        expect(tab.locator(".nhsuk-error-summary")).to_have_count(1)
    found = serious_problems(tab)
    if found:
        problems[url + (" (errors)" if submit else "")] = found


def test_the_public_self_referral_form_is_accessible_with_and_without_errors(demo, page):
    problems: dict[str, list[str]] = {}
    _check(page, f"{demo.url}/referrals/self/", problems)
    _check(page, f"{demo.url}/referrals/self/", problems, submit="Send")
    _check(page, f"{demo.url}/outcomes/measures/", problems)
    assert not problems, problems
    assert not real_errors(page), page.console_errors


def test_a_coordinators_referral_and_outcomes_pages_are_accessible(demo, page):
    from keepwell.people.models import Person
    from keepwell.referrals.models import Referral

    sent = Referral.objects.get(source="demo:sent-fresh")
    margaret = Person.objects.get(user__username="member")
    service = sent.service_id
    sign_in(page, demo.url, "coordinator")
    base = demo.url
    problems: dict[str, list[str]] = {}
    for path in (
        "/referrals/",
        "/referrals/?box=outgoing",
        "/referrals/notifications/",
        "/referrals/services/",
        f"/referrals/{sent.pk}/",
        f"/referrals/services/{service}/door/",
        f"/referrals/people/{margaret.pk}/timeline/",
        f"/referrals/people/{margaret.pk}/refer/",
        "/outcomes/",
        f"/outcomes/people/{margaret.pk}/",
    ):
        _check(page, base + path, problems)
    for path, button in (
        (f"/referrals/{sent.pk}/status/?to=declined", "Confirm"),
        (f"/referrals/people/{margaret.pk}/refer/{service}/", "Send the referral"),
        (f"/referrals/people/{margaret.pk}/ask-practice/", "Send to the practice"),
        (f"/referrals/people/{margaret.pk}/strengths/", "Save"),
        (f"/outcomes/people/{margaret.pk}/record/", "Save answers"),
    ):
        _check(page, base + path, problems, submit=button)
    assert not problems, problems
    assert not real_errors(page), page.console_errors
