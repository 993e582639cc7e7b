"""A Portuguese-speaking resident walks every public page in Chromium set to pt-PT: the
directory's search and a service, the request-help form and its thank-you page, self-referral
and its confirmation. No English label, hint, button, heading or error is left, the header,
footer, skip link and error summary included; and the self-referral form is found with the
directory's own search and sent without JavaScript."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from playwright.sync_api import expect

import keepwell
from keepwell.referrals.models import Referral
from tests.browser.support import offline_context

pytestmark = pytest.mark.browser

CATALOGUE = Path(keepwell.__file__).parent / "locale" / "pt" / "LC_MESSAGES" / "django.po"
# Django's own words that would come through untranslated if a page missed its language.
STOCK = ["This field is required", "Enter a valid", "Select a valid choice", "Ensure this value"]
# Everything the page says: its text (hidden text and options included, scripts and the
# link to the English page left out), its title and its labels for assistive technology.
PAGE_WORDS = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('script, [lang]:not([lang^="pt"])').forEach(e => e.remove());
  const labels = [...document.querySelectorAll('[aria-label], [title], [placeholder]')]
    .map(e => ['aria-label', 'title', 'placeholder'].map(name => e.getAttribute(name)))
    .flat().filter(Boolean);
  return [document.title, body.textContent, ...labels];
}"""


def _english_words() -> list[str]:
    """Every English phrase keepwell translates: its msgids, placeholders split off."""
    words = set(STOCK)
    for entry in polib.pofile(str(CATALOGUE)).translated_entries():
        for msgid, msgstr in [(entry.msgid, entry.msgstr), (entry.msgid_plural, None)]:
            if not msgid or msgid == msgstr:
                continue  # "API", "Social", "Urdu": the same word in both
            for part in re.split(r"%\(\w+\)s|%s|\{\w+\}|<[^>]+>", msgid):
                part = part.strip(" .,:;")
                if len(part) >= 4:
                    words.add(part)
    return sorted(words, key=len, reverse=True)


ENGLISH = _english_words()


def _listings() -> list[str]:
    """What organisations wrote about themselves (names, descriptions, addresses): theirs,
    in their words, so not the page's to translate."""
    from keepwell.directory.models import Location, Organisation, Service, TaxonomyTerm
    from keepwell.places.models import Area

    found: set[str] = set()
    for model, fields in (
        (Service, ["name", "description", "eligibility", "accessibility", "cost_description",
                   "schedule_notes"]),
        (Organisation, ["name", "description"]),
        (Location, ["name", "address_1", "address_2", "town", "postcode"]),
        (TaxonomyTerm, ["name"]),
        (Area, ["name"]),
    ):  # fmt: skip
        for row in model.objects.values_list(*fields):
            found.update(value.strip() for value in row if value and value.strip())
    return sorted(found, key=len, reverse=True)


def english_left(tab, listings: list[str]) -> list[str]:
    """The English phrases on the page as it is now, the listings' own words aside."""
    found = set()
    for text in tab.evaluate(PAGE_WORDS):
        for data in listings:
            text = text.replace(data, " ")
        text = " ".join(text.split())
        for phrase in ENGLISH:
            # Whole words only, so "Social" in "Socialmente" does not count.
            if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text):
                found.add(phrase)
    return sorted(found)


def _expect_portuguese(tab, where: str, problems: dict) -> None:
    assert tab.locator("html").get_attribute("lang") == "pt", where
    left = english_left(tab, _listings())
    if left:
        problems[where] = left


@pytest.fixture
def resident(browser):
    """A resident whose browser asks for Portuguese, with JavaScript off: every public page
    must work without it."""
    context = offline_context(browser, locale="pt-PT", java_script_enabled=False)
    tab = context.new_page()
    tab.set_default_timeout(15000)
    yield tab
    context.close()


def test_a_portuguese_speaker_finds_every_public_page_in_portuguese(demo, resident):
    from keepwell.referrals.views import _self_referral_services

    tab = resident
    problems: dict[str, list[str]] = {}

    tab.goto(demo.url + "/directory/")
    expect(tab.locator("h1")).to_have_text("Encontrar apoio na comunidade")
    _expect_portuguese(tab, "directory search", problems)
    tab.get_by_label("Perto do código postal").fill("ZZ")
    tab.get_by_role("button", name="Pesquisar", exact=True).click()
    expect(tab.locator(".nhsuk-error-summary")).to_contain_text("Há um problema")
    expect(tab.locator(".nhsuk-error-summary")).to_contain_text("Escreva o código postal")
    _expect_portuguese(tab, "directory search with an error", problems)
    tab.get_by_label("Perto do código postal").fill("")
    tab.get_by_role("button", name="Pesquisar", exact=True).click()
    tab.locator(".directory-results a").first.click()
    expect(tab.locator("dt").first).to_have_text("Tipo de apoio")
    _expect_portuguese(tab, "a service", problems)

    tab.goto(demo.url + "/help/ask/wellbrook-mutual-aid/")
    expect(tab.locator("h1")).to_have_text("Pedir ajuda")
    _expect_portuguese(tab, "ask for help", problems)
    tab.get_by_role("button", name="Enviar").click()
    expect(tab.locator(".nhsuk-error-summary")).to_contain_text("Há um problema")
    _expect_portuguese(tab, "ask for help with errors", problems)
    tab.get_by_label("Nome próprio", exact=True).fill("Rosa")
    tab.get_by_label("Número de telefone", exact=True).fill("01632 960222")
    tab.get_by_label("Código postal", exact=True).fill("WB2 1AB")
    tab.get_by_label("Compras").check()
    tab.get_by_label("Concordo").check()
    tab.get_by_role("button", name="Enviar").click()
    expect(tab.locator("h1")).to_have_text("Obrigado: recebemos o seu pedido")
    _expect_portuguese(tab, "thank you for asking", problems)

    service = _self_referral_services().order_by("pk").first()
    word = max(re.findall(r"\w+", service.name), key=len)
    tab.goto(demo.url + "/referrals/self/")
    expect(tab.locator("h1")).to_have_text("Pedir ajuda a um serviço local")
    _expect_portuguese(tab, "self-referral: find a service", problems)
    tab.get_by_label("O que procura?").fill(word)
    tab.get_by_role("button", name="Pesquisar", exact=True).click()
    tab.wait_for_url(re.compile(r"[?&]q="))
    # The visually hidden part of the name may come after a space, as its own block.
    ask = re.compile(rf"^Pedir-lhes ajuda\s?: {re.escape(service.name)}$")
    tab.get_by_role("link", name=ask).click()
    expect(tab.locator(".nhsuk-card__heading")).to_have_text(service.name)
    _expect_portuguese(tab, "self-referral form", problems)
    tab.get_by_role("button", name="Enviar").click()
    expect(tab.locator(".nhsuk-error-summary")).to_contain_text("Há um problema")
    expect(tab.locator(".nhsuk-error-summary")).to_contain_text("Escreva o seu nome próprio")
    _expect_portuguese(tab, "self-referral form with errors", problems)
    tab.get_by_label("Nome próprio", exact=True).fill("Rosa")
    tab.get_by_label("Número de telefone (opcional)", exact=True).fill("01632 960222")
    tab.get_by_label("Telefonema").check()
    tab.get_by_label("O que é importante para si?").fill("Ter companhia")
    tab.get_by_label("Concordo").check()
    tab.get_by_role("button", name="Enviar").click()
    expect(tab.locator("h1")).to_have_text("O seu pedido foi enviado")
    _expect_portuguese(tab, "self-referral sent", problems)

    assert not problems, problems
    assert Referral.objects.filter(service=service, person__given_name="Rosa").exists()


def test_the_english_pages_would_fail_the_same_check(demo, browser):
    """The check above can fail: the English self-referral page is full of English words."""
    context = offline_context(browser, locale="en-GB", java_script_enabled=False)
    tab = context.new_page()
    tab.goto(demo.url + "/referrals/self/")
    left = english_left(tab, _listings())
    context.close()
    assert "Skip to main content" in left and "Ask a local service for help" in left
