"""Browser test support, loaded for the whole suite (``pytest_plugins`` in tests/conftest.py):
Playwright driving Debian's Chromium against a live keepwell.

One Chromium serves the whole run (``browser`` is session-scoped), whichever app's folder a
browser test lives in; such a test marks itself ``pytest.mark.browser``. Nothing downloads
a browser; without /usr/bin/chromium the tests skip (CI requires it).
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

CHROMIUM = Path(os.environ.get("KEEPWELL_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()


# Anything not served by the live server: the NHS.UK fonts on assets.nhs.uk, map tiles.
# The sandbox has no internet, and a DNS lookup that times out would stall each page load
# for seconds; the pages fall back to Arial and a grey map, as they would offline.
OFFSITE = re.compile(r"^https?://(?!(localhost|127\.0\.0\.1)[:/])")


def offline_context(browser, **options):
    """A browser context whose requests to other sites fail at once, as if offline."""
    context = browser.new_context(**options)
    context.route(OFFSITE, lambda route: route.abort("internetdisconnected"))
    return context


@pytest.fixture(scope="session")
def seeded_contents(django_db_setup, django_db_blocker):
    """What the data migrations seeded, as serialized when the test database was made."""
    from django.db import connections

    with django_db_blocker.unblock():
        return getattr(connections["default"], "_test_serialized_contents", None)


@pytest.fixture
def demo(seeded_contents, transactional_db, django_db_serialized_rollback, live_server):
    # Serialized rollback puts back what data migrations seeded (languages, need types,
    # outcome measures, taxonomy) after each test flushes the tables. It keeps that data on
    # the connection object, and after some Playwright tests this thread is handed a new
    # one without it: the tables stay empty (a Portuguese request loses its language). Put
    # the seeds back from the session's copy then, and keep the copy on the new connection.
    from django.db import connection

    if seeded_contents and not hasattr(connection, "_test_serialized_contents"):
        connection._test_serialized_contents = seeded_contents
        connection.creation.deserialize_db_from_string(seeded_contents)
    if not _restore_demo(connection):
        call_command("demo", "--load-only", verbosity=0)
        _keep_demo(connection)
    return live_server


# The demo place is loaded once per run: then the whole in-memory SQLite database is copied
# aside with SQLite's backup API, and each later test gets that copy back in milliseconds
# instead of loading the place again (seconds). Every test still starts from the same
# freshly loaded place; on any other database each test loads it.
_DEMO_COPY: list[sqlite3.Connection] = []


def _in_memory_sqlite(connection) -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


def _keep_demo(connection) -> None:
    if _in_memory_sqlite(connection) and not _DEMO_COPY:
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        _DEMO_COPY.append(copy)


def _restore_demo(connection) -> bool:
    if not (_DEMO_COPY and _in_memory_sqlite(connection)):
        return False
    connection.ensure_connection()
    _DEMO_COPY[0].backup(connection.connection)
    return True


@pytest.fixture
def page(browser):
    context = offline_context(browser, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.console_errors = []
    page.on(
        "console",
        lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    yield page
    context.close()


def sign_in(page, base_url: str, username: str, password: str = "wellbrook-demo") -> None:
    """Sign in through the real form, passing two-factor with the user's own device."""
    from keepwell.accounts.models import User

    page.goto(f"{base_url}/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # A click starts the navigation; wait until the browser has left the form (or timed out).
    page.wait_for_url(lambda url: "/accounts/sign-in/" not in url)
    if "/accounts/two-factor/" in page.url:
        user = User.objects.get(username=username)
        device = TOTPDevice.objects.filter(user=user).order_by("-confirmed").first()
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        page.get_by_label("Security code").fill(f"{code:06d}")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(lambda url: "/accounts/two-factor/" not in url)
    assert "/accounts/sign-in/" not in page.url, f"{username} could not sign in"


def real_errors(page) -> list[str]:
    # Fonts and map tiles come from the internet, which the tests do not reach.
    return [e for e in page.console_errors if not re.search(r"Failed to load resource", e)]


_axe = Axe()


def settled(page) -> None:
    """Waits until the page has loaded, its fonts are settled and two frames have drawn.

    The NHS.UK header watches its own size and, a frame after any change, moves the menu
    items that do not fit into "More": axe-core run in between sees them overflowing the
    header, white on white, and reports a contrast problem no user would ever see."""
    page.wait_for_load_state("load")
    page.evaluate(
        "() => document.fonts.ready.then(() => new Promise(done =>"
        " requestAnimationFrame(() => requestAnimationFrame(done))))"
    )


def serious_problems(page) -> list[str]:
    """axe-core's serious and critical violations on the page once it has settled."""
    settled(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in _axe.run(page).response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def serious_problems_without_javascript(tab) -> list[str]:
    """The same check for a tab opened with JavaScript off, where axe-core cannot run (its
    timers never fire): the tab's page as rendered, scripts removed, is served again at its
    own address to a page with JavaScript on, and checked there."""
    html = re.sub(r"<script\b.*?</script>", "", tab.content(), flags=re.S | re.I)
    url = tab.url
    context = offline_context(tab.context.browser, locale="en-GB")
    try:
        checker = context.new_page()
        checker.route(
            lambda address: address == url,
            lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"),
        )
        checker.goto(url)
        return serious_problems(checker)
    finally:
        context.close()
