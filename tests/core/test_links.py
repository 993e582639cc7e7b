"""A link shows only where it leads somewhere the user may go.

Every persona opens the home page and each page of their menu, and follows every link on
them (menu and page links): none may answer 403, send a signed-in user to sign in again,
or send a visitor to the sign-in page from a public link. The Django test client keeps it
quick; the browser crawl in tests/browser checks the pages' accessibility.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest

from keepwell.core.navigation import items_for
from tests.conftest import PERSONAS
from tests.directory.factories import ServiceFactory
from tests.help.factories import make_request
from tests.timebank.factories import make_bank, make_member

# Links a crawler must not follow: they change state, leave the site, or are files/APIs.
SKIP = re.compile(r"^/(accounts/sign-out|admin|api|static)/|\.(csv|json)$|/export")
SIGN_IN = "/accounts/sign-in/"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def _internal_links(page_url: str, html: str) -> set[str]:
    parser = _Links()
    parser.feed(html)
    found = set()
    for href in parser.hrefs:
        parsed = urlparse(urljoin(page_url, href))
        if parsed.scheme not in {"", "http"} or parsed.netloc not in {"", "testserver"}:
            continue
        if SKIP.search(parsed.path) or href.startswith("#"):
            continue
        found.add(parsed.path + (f"?{parsed.query}" if parsed.query else ""))
    return found


def _section_pages(client, user) -> list[str]:
    """The home page and each page of the user's menu."""
    if user is None:
        return ["/"]
    return ["/"] + [item["url"] for item in items_for(user)]


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_link_on_the_home_or_section_pages_leads_to_a_refusal(world, as_user, persona):
    # Something on every section page: a listing, a request for help, a time bank.
    ServiceFactory(organisation=world.mutual_aid, name="Wellbrook lunch club")
    make_request(world.margaret_person, by=world.sam, organisation=world.mutual_aid)
    bank = make_bank(organisation=world.mutual_aid, by=world.sam)
    make_member(bank, person=world.margaret_person, by=world.sam)
    user = world.persona(persona)
    client = as_user(user)
    refused: dict[str, str] = {}
    visited: set[str] = set()
    for page in _section_pages(client, user):
        response = client.get(page)
        assert response.status_code == 200, f"{persona} cannot open their own menu page {page}"
        for link in sorted(_internal_links(page, response.content.decode())):
            if link in visited:
                continue
            visited.add(link)
            answer = client.get(link)
            location = answer.get("Location", "") if answer.status_code in {301, 302} else ""
            if answer.status_code >= 400 or location.startswith(SIGN_IN):
                refused[link] = f"{answer.status_code} {location} (linked from {page})".strip()
    assert visited, f"{persona} found no links at all"
    assert not refused, f"{persona} is shown links they may not follow: {refused}"
