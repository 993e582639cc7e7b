"""Each role signs in through the browser, sees its own navigation, and every page it can
reach passes axe-core with no serious or critical violation."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.support import offline_context, real_errors, serious_problems, sign_in

# What each demo login must, and must not, find in the header navigation.
NAVIGATION = {
    "admin": ({"People", "Areas"}, set()),
    "connector": ({"People", "Areas"}, set()),
    "coordinator": ({"People", "Areas"}, set()),
    "arealead": ({"People", "Areas"}, set()),
    "deputy": ({"People", "Areas"}, set()),
    "volunteer": (set(), {"People", "Areas"}),
    "member": (set(), {"People", "Areas"}),
    "analyst": ({"Insights"}, {"People", "Areas"}),
}
# Links a crawler must not follow: they change state, leave the site, or are huge.
SKIP = re.compile(r"/(logout|admin|api|static)/|\.csv|/export|/statement|mailto:|tel:")
# Page shapes already checked by axe in this run: a page looks the same whoever opens it,
# so each is checked once (as the first role to reach it); every role still crawls.
CHECKED: set[str] = set()


def _nav_labels(page) -> set[str]:
    return {
        text.strip()
        for text in page.locator(".nhsuk-header__navigation-link").all_inner_texts()
        if text.strip()
    }


def _shape(path: str) -> str:
    """/people/12/ and /people/13/ are one page shape: check each shape once."""
    return re.sub(r"/\d+(?=/|$)", "/N", re.sub(r"/[0-9a-f-]{36}", "/U", path))


def _crawl(page, base: str, start: str, limit: int = 45) -> tuple[dict[str, list[str]], set[str]]:
    seen_shapes: set[str] = set()
    queue = [start]
    problems: dict[str, list[str]] = {}
    while queue and len(seen_shapes) < limit:
        path = queue.pop(0)
        shape = _shape(path)
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        response = page.goto(base + path)
        if response is None or response.status >= 400:
            continue
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue  # an open data download (JSON, calendar) is not a page for axe
        if shape not in CHECKED or shape == "/":
            CHECKED.add(shape)
            found = serious_problems(page)
            if found:
                problems[path] = found
        for href in page.locator("main a[href], header a[href]").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        ):
            parsed = urlparse(href)
            if parsed.netloc or not parsed.path.startswith("/") or SKIP.search(href):
                continue
            target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            if _shape(parsed.path) not in seen_shapes:
                queue.append(target)
    return problems, seen_shapes


@pytest.mark.parametrize("username", list(NAVIGATION))
def test_each_role_sees_its_navigation_and_every_page_it_reaches_is_accessible(
    demo, page, username
):
    sign_in(page, demo.url, username)
    must, must_not = NAVIGATION[username]
    labels = _nav_labels(page)
    assert must <= labels, f"{username} should see {must - labels}"
    assert not (must_not & labels), f"{username} must not see {must_not & labels}"
    problems, visited = _crawl(page, demo.url, "/")
    assert not problems, f"axe found serious problems as {username}: {problems}"
    if must:  # staff reach their lists, records, forms and the audit pages
        assert len(visited) >= 8, visited
    assert not real_errors(page), page.console_errors


def test_the_nhs_styles_and_scripts_load(demo, page):
    page.goto(demo.url + "/")
    header_blue = page.eval_on_selector(
        ".nhsuk-header", "el => getComputedStyle(el).backgroundColor"
    )
    assert header_blue == "rgb(0, 94, 184)"  # NHS blue, so the stylesheet arrived
    page.wait_for_function("document.body.classList.contains('nhsuk-frontend-supported')")
    assert not real_errors(page), page.console_errors


def test_public_pages_are_accessible_without_signing_in(demo, page):
    problems, _ = _crawl(page, demo.url, "/")
    for path in ("/accounts/sign-in/", "/this-page-does-not-exist/"):
        page.goto(demo.url + path)
        found = serious_problems(page)
        if found:
            problems[path] = found
    assert not problems, problems
    assert not real_errors(page), page.console_errors


def test_a_form_with_errors_shows_an_accessible_error_summary(demo, page):
    sign_in(page, demo.url, "coordinator")
    page.goto(demo.url + "/people/new/")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()  # waits for the page the click asked for
    expect(summary).to_contain_text("Enter their first name")
    assert not serious_problems(page)
    summary.get_by_role("link", name="Enter their first name").click()
    assert page.evaluate("document.activeElement.id") == "id_given_name"


def test_pages_work_without_javascript(browser, demo):
    context = offline_context(browser, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, demo.url, "coordinator")
    page.goto(demo.url + "/people/?q=Evans")
    assert "Evans, Margaret" in page.inner_text("main")
    page.goto(demo.url + "/people/new/")
    page.get_by_label("First name").fill("Winnie")
    page.get_by_label("Phone (optional)", exact=True).fill("01632 960555")
    page.get_by_label("Phone call").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("Winnie")
    context.close()
