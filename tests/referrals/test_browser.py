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
    from keepwell.directory.models import Location
    from keepwell.referrals.views import _self_referral_services

    service = _self_referral_services().order_by("pk").first()
    postcode = Location.objects.order_by("pk").first().postcode.replace(" ", "+")
    problems: dict[str, list[str]] = {}
    _check(page, f"{demo.url}/referrals/self/", problems)
    _check(page, f"{demo.url}/referrals/self/?q=round&postcode={postcode}", problems)
    _check(page, f"{demo.url}/referrals/self/?service={service.pk}", problems, submit="Send")
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
        "/messaging/inbox/",
        "/referrals/services/",
        f"/referrals/{sent.pk}/",
        f"/referrals/services/{service}/door/",
        f"/people/{margaret.pk}/timeline/",
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


def test_the_deputy_sees_only_referrals_of_people_in_riverside(demo, page):
    """Issue 11, item 3: Tom leads Riverside for Wellbrook Mutual Aid; the group's referrals
    of people elsewhere are not his to read, accept or list."""
    from keepwell.accounts.models import User
    from keepwell.referrals.models import Referral

    tom = User.objects.get(username="deputy")
    his = set(Referral.objects.visible_to(tom).values_list("pk", flat=True))
    # One whose "what matters" words would show if the page leaked it.
    outside = (
        Referral.objects.exclude(pk__in=his)
        .exclude(what_matters="")
        .filter(to_organisation__slug="wellbrook-mutual-aid")
    ).first()
    assert outside is not None, "the demo has a referral to the group from outside Riverside"
    sign_in(page, demo.url, "deputy")

    refused = page.goto(f"{demo.url}/referrals/{outside.pk}/")
    assert refused is not None and refused.status == 403
    assert outside.what_matters not in page.content()
    refused = page.goto(f"{demo.url}/referrals/{outside.pk}/status/?to=accepted")
    assert refused is not None and refused.status == 403

    page.goto(f"{demo.url}/referrals/")
    listed = {
        int(href.strip("/").split("/")[-1])
        for href in page.locator("table a[href^='/referrals/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    }
    assert listed, "Tom's inbox lists the Riverside referrals"
    assert listed <= his


def test_a_gp_refers_from_her_own_practice_in_plain_words_and_the_service_can_call(demo, page):
    """Issue 11, items 16 and 20: the GP's own practice is chosen for her, English is offered
    once, a form sent half-done names each field; the service sees the number to call."""
    from keepwell.accounts.models import User
    from keepwell.core.phone import format_phone
    from keepwell.people.models import Person
    from keepwell.referrals.models import Referral

    priya = User.objects.get(username="connector")
    margaret = Person.objects.get(user__username="member")
    assert priya.has_perm("referrals.make_referral", margaret)
    service = Referral.objects.get(source="demo:sent-fresh").service_id
    sign_in(page, demo.url, "connector")
    page.goto(f"{demo.url}/referrals/people/{margaret.pk}/refer/{service}/")

    expect(page.get_by_role("radio", name="Wellbrook Health Centre")).to_be_checked()
    expect(page.get_by_role("radio", name="Wellbrook Primary Care Network")).not_to_be_checked()
    languages = page.get_by_label("Language they prefer").locator("option").all_inner_texts()
    assert [name.strip() for name in languages].count("English") == 1

    page.get_by_label("What matters to them, in their own words").fill("")
    page.get_by_role("button", name="Send the referral").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter what matters to them, in their own words")
    expect(summary).to_contain_text("Choose how they agreed to this referral")
    expect(summary).not_to_contain_text("This field is required")

    # Sam, at the group, opens a referral whose person asked for a phone call.
    call = (
        Referral.objects.filter(
            to_organisation__slug="wellbrook-mutual-aid", preferred_channel="phone"
        )
        .exclude(person__phone="")
        .select_related("person")
        .first()
    )
    assert call is not None
    sign_in(page, demo.url, "coordinator")
    page.goto(f"{demo.url}/referrals/{call.pk}/")
    row = page.locator(".nhsuk-summary-list__row", has=page.get_by_text("Phone", exact=True))
    expect(row).to_contain_text(format_phone(call.person.phone))
