"""The time bank pages in a real browser: each passes axe-core (no serious or critical
problem), a form's error summary included, for the broker and for Margaret."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from keepwell.timebank.models import Account, Exchange, GiveInvitation
from tests.browser.support import real_errors, serious_problems, sign_in

pytestmark = pytest.mark.browser
BANK = "/timebank/wellbrook-time-bank"


def _check(tab, url: str, problems: dict) -> None:
    response = tab.goto(url)
    assert response is not None and response.status == 200, url
    found = serious_problems(tab)
    if found:
        problems[url] = found


def test_the_brokers_and_margarets_pages_are_accessible_errors_included(demo, page):
    sign_in(page, demo.url, "coordinator")
    margaret = Account.objects.get(person__user__username="member")
    exchange = Exchange.objects.filter(bank=margaret.bank, kind="exchange").first()
    problems: dict[str, list[str]] = {}
    for path in (
        "/timebank/",
        f"{BANK}/",
        f"{BANK}/approvals/",
        f"{BANK}/members/add/",
        f"{BANK}/find/?postcode=&km=3",
        f"{BANK}/suggestions/",
        f"{BANK}/group/",
        f"{BANK}/chest/grant/",
        f"{BANK}/inactive/?months=3",
        f"{BANK}/invite/",
        f"{BANK}/report/",
        f"{BANK}/settings/",
        f"/timebank/account/{margaret.pk}/",
        f"/timebank/account/{margaret.pk}/statement/",
        f"/timebank/account/{margaret.pk}/exchange/new/",
        f"/timebank/exchange/{exchange.pk}/",
        f"/timebank/exchange/{exchange.pk}/reverse/",
    ):
        _check(page, demo.url + path, problems)
    page.goto(demo.url + f"/timebank/account/{margaret.pk}/exchange/new/")
    page.get_by_label("How long").fill("1.33 h")
    page.get_by_role("button", name="Record exchange").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter whole minutes")
    found = serious_problems(page)
    if found:
        problems["exchange/new (errors)"] = found
    # A date typed in the wrong year is refused, in words that say which dates it takes.
    page.locator("#id_occurred_on").fill("2019-06-01")
    page.get_by_role("button", name="Record exchange").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("The date must be on or after")
    assert not problems, problems
    assert not real_errors(page), page.console_errors

    # Margaret's own pages (one demo load serves both: loading it is slow).
    page.context.clear_cookies()
    sign_in(page, demo.url, "member")
    invitation = GiveInvitation.objects.create(bank=margaret.bank, person=margaret.person)
    problems: dict[str, list[str]] = {}
    for path in (
        "/timebank/",
        f"/timebank/account/{margaret.pk}/",
        f"/timebank/account/{margaret.pk}/edit/",
        f"/timebank/account/{margaret.pk}/listings/new/?kind=offer",
        f"/timebank/account/{margaret.pk}/donate/",
        f"{BANK}/join/",
        f"/timebank/invitation/{invitation.pk}/",
    ):
        _check(page, demo.url + path, problems)
    assert not problems, problems
