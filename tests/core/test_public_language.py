"""How a public page picks its language: a ?lang= link, else the browser's, else English;
whatever is typed into the link, the page answers."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize("asked", ["pt", "PT", "pt-PT", "pt-br"])
def test_a_link_asking_for_portuguese_gets_portuguese(client, world, asked):
    response = client.get(reverse("directory:search"), {"lang": asked})
    assert response.status_code == 200
    assert response["Content-Language"] == "pt"
    assert "Encontrar apoio na comunidade" in response.content.decode()


@pytest.mark.parametrize("asked", ["xx", "\x00", "pt\x00", "../../etc", "p" * 500, "en"])
def test_a_language_nobody_offers_gives_the_english_page_never_an_error(client, world, asked):
    response = client.get(reverse("referrals:self_refer"), {"lang": asked})
    assert response.status_code == 200
    assert "Ask a local service for help" in response.content.decode()


def test_the_browser_language_chooses_when_no_link_does_and_caches_know_it(client, world):
    url = reverse("referrals:self_refer")
    brazil = client.get(url, HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9,en;q=0.5")
    assert "Pedir ajuda a um serviço local" in brazil.content.decode()
    assert "Accept-Language" in brazil["Vary"]
    # A link wins over the browser.
    english = client.get(url, {"lang": "en-gb"}, HTTP_ACCEPT_LANGUAGE="pt-PT")
    assert "Ask a local service for help" in english.content.decode()
    assert english["Content-Language"] == "en-gb"
