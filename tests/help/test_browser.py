"""The mutual aid pages in a real browser: each passes axe-core (no serious or critical
problem), errors included, and the public form works without JavaScript in Portuguese."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from keepwell.help.models import Concern, Task, Volunteer
from tests.browser.support import (
    offline_context,
    real_errors,
    serious_problems,
    serious_problems_without_javascript,
    sign_in,
)

pytestmark = pytest.mark.browser


def _check(tab, url: str, problems: dict) -> None:
    response = tab.goto(url)
    assert response is not None and response.status == 200, url
    found = serious_problems(tab)
    if found:
        problems[url] = found


def test_the_coordinators_pages_are_accessible_errors_included(demo, page):
    sign_in(page, demo.url, "coordinator")
    volunteer = Volunteer.objects.filter(user__username="vol-beatriz").get()
    task = Task.objects.filter(state="open").order_by("pk").first()
    concern = Concern.objects.order_by("pk").first()
    problems: dict[str, list[str]] = {}
    for path in (
        "/help/",
        "/help/areas/riverside/",
        "/help/requests/",
        f"/help/requests/{task.request_id}/",
        f"/help/tasks/{task.pk}/assign/",
        "/help/call/?q=Evans",
        "/help/triage/",
        "/help/nhs-lists/",
        "/help/volunteers/",
        f"/help/volunteers/{volunteer.pk}/",
        f"/help/volunteers/{volunteer.pk}/edit/",
        "/help/volunteers/expiring/",
        "/help/concerns/",
        f"/help/concerns/{concern.pk}/",
    ):
        _check(page, demo.url + path, problems)
    page.goto(demo.url + "/help/call/")
    page.get_by_role("button", name="Record the request").click()
    summary = page.locator(".nhsuk-error-summary")
    assert "Enter their first name" in summary.inner_text()
    found = serious_problems(page)
    if found:
        problems["/help/call/ (errors)"] = found
    assert not problems, problems
    assert not real_errors(page), page.console_errors


def test_jos_tasks_are_accessible(demo, page):
    sign_in(page, demo.url, "volunteer")
    problems: dict[str, list[str]] = {}
    _check(page, demo.url + "/help/my-tasks/", problems)
    held = Task.objects.filter(volunteer__user__username="volunteer", state="accepted").first()
    _check(page, demo.url + f"/help/my-tasks/{held.pk}/", problems)
    _check(page, demo.url + f"/help/tasks/{held.pk}/concern/", problems)
    assert not problems, problems


def test_the_public_form_works_without_javascript_in_portuguese(browser, demo):
    context = offline_context(browser, java_script_enabled=False, locale="pt-PT")
    tab = context.new_page()
    tab.goto(demo.url + "/help/ask/wellbrook-mutual-aid/")
    assert tab.locator("h1").inner_text() == "Pedir ajuda"
    tab.get_by_role("button", name="Enviar").click()
    expect(tab.locator(".nhsuk-error-summary")).to_contain_text("Há um problema")
    assert not serious_problems_without_javascript(tab)
    tab.get_by_label("Nome próprio", exact=True).fill("Rosa")
    tab.get_by_label("Número de telefone", exact=True).fill("01632 960222")
    tab.get_by_label("Código postal", exact=True).fill("WB2 1AB")
    tab.get_by_label("Compras").check()
    tab.get_by_label("Concordo").check()
    tab.get_by_role("button", name="Enviar").click()
    expect(tab.locator("h1")).to_contain_text("Obrigado")
    tab.goto(demo.url + "/help/ask/wellbrook-mutual-aid/?lang=en-gb")
    assert not serious_problems_without_javascript(tab)
    context.close()


def test_sam_decides_where_concerns_go_without_javascript_and_each_page_is_accessible(
    browser, demo
):
    context = offline_context(browser, java_script_enabled=False)
    tab = context.new_page()
    sign_in(tab, demo.url, "coordinator")
    problems: dict[str, list[str]] = {}

    def check(name: str) -> None:
        found = serious_problems_without_javascript(tab)
        if found:
            problems[name] = found

    tab.goto(demo.url + "/help/concerns/")
    tab.get_by_role("link", name="Where concerns go").click()
    expect(tab.locator("h1")).to_have_text("Where concerns go")
    check("the group's page")
    tab.get_by_role("link", name="Add a contact").click()
    tab.get_by_role("button", name="Add contact").click()
    expect(tab.locator(".nhsuk-error-summary")).to_contain_text(
        "Enter the name of the person or team"
    )
    check("a contact with errors")
    tab.get_by_label("Name", exact=True).fill("Housing options team")
    tab.get_by_label("The organisation they work for").select_option(
        label="Wellbrook Borough Council (Local council)"
    )
    tab.get_by_label("Email address (optional)").fill("housing@wellbrook.example")
    tab.get_by_role("button", name="Add contact").click()
    expect(tab.locator("main")).to_contain_text("Housing options team added")
    tab.get_by_role("link", name="Add a rule").click()
    # Before the demo's last rule, which sends any concern to the safeguarding lead.
    tab.get_by_label("Order").fill("15")
    tab.get_by_label("Fall risk").check()
    tab.get_by_label("A named contact").check()
    tab.get_by_role("button", name="Add rule").click()
    expect(tab.locator(".nhsuk-error-summary")).to_contain_text(
        "Choose the contact to send these concerns to"
    )
    check("a rule with errors")
    tab.get_by_label("The named contact (optional)").select_option(
        label="Housing options team, Wellbrook Borough Council"
    )
    tab.get_by_role("button", name="Add rule").click()
    expect(tab.locator("main")).to_contain_text("Rule added")
    rules = tab.locator("table").first.inner_text()
    assert "Fall risk" in rules and "Housing options team" in rules
    assert "Never used" not in rules
    context.close()
    assert not problems, problems
