"""The signed-out home page says what keepwell offers a resident and leads to each public
journey: find local help, ask a group for help, refer yourself."""

from __future__ import annotations

import re
from html import unescape

from django.urls import reverse


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_a_resident_arriving_signed_out_finds_every_public_journey(client, world):
    html = client.get("/").content.decode()
    text = _text(html)
    for label, url in [
        ("Find local help", reverse("directory:search")),
        ("Ask for help", reverse("help:ask_index")),
        ("Refer yourself to a service", reverse("referrals:self_refer")),
    ]:
        assert f'href="{url}"' in html, label
        assert label in text
        assert client.get(url).status_code == 200, url
    assert "You do not need an account" in text


def test_ask_for_help_lists_each_group_that_takes_requests_and_links_its_form(client, world):
    page = client.get(reverse("help:ask_index"))
    html = page.content.decode()
    assert page.status_code == 200
    for group in (world.mutual_aid, world.other_group):  # each has a coordinator
        url = reverse("help:ask", kwargs={"slug": group.slug})
        assert f'href="{url}"' in html
        assert f"Ask {group.name} for help" in _text(html)
        assert client.get(url).status_code == 200
    # The practice has no coordinator to answer a request: its form does not exist.
    assert world.practice.name not in _text(html)


def test_the_ask_for_help_page_keeps_the_visitors_language_on_to_the_form(client, world):
    html = client.get(reverse("help:ask_index") + "?lang=pt").content.decode()
    assert f'href="{reverse("help:ask", kwargs={"slug": world.mutual_aid.slug})}?lang=pt"' in html


def test_signed_in_staff_home_keeps_its_own_page(as_user, world):
    text = _text(as_user(world.sam).get("/").content.decode())
    assert "Hello, Sam Okafor" in text
    assert "What you can do here" not in text
