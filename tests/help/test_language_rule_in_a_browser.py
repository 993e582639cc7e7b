"""In a browser, the coordinator assigning the demo's Portuguese phone check-in to a volunteer
who does not speak Portuguese is refused in the error summary until she writes why
(issue 12, item 9); the page passes axe with the error shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from keepwell.audit.models import AuditEvent
from keepwell.help.models import Task
from tests.browser.support import real_errors, serious_problems, sign_in

pytestmark = pytest.mark.browser


def test_assigning_without_the_language_needs_a_reason_which_is_audited(demo, page):
    task = Task.objects.get(state="open", request__language__code="pt")
    sign_in(page, demo.url, "coordinator")
    page.goto(demo.url + f"/help/tasks/{task.pk}/assign/")
    card = page.locator(".nhsuk-card", has=page.get_by_label("can take it without Portuguese"))
    card = card.first
    expect(card).to_be_visible()

    card.get_by_role("button", name="Assign").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("does not speak Portuguese")
    assert not serious_problems(page)
    assert Task.objects.get(pk=task.pk).state == "open"

    card = page.locator(".nhsuk-card", has=page.get_by_label("can take it without Portuguese"))
    card.first.get_by_label("can take it without Portuguese").fill("Her daughter interprets")
    card.first.get_by_role("button", name="Assign").click()
    expect(page.locator("main")).to_contain_text("Assigned to")
    assert Task.objects.get(pk=task.pk).state == "accepted"
    assert AuditEvent.objects.filter(summary__endswith="because: Her daughter interprets").exists()
    assert not real_errors(page), page.console_errors
