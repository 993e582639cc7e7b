"""keepwell's translation files (keepwell/locale/<lang>/LC_MESSAGES/django.po): the compiled
django.mo committed beside each is that .po compiled, so the demo needs nothing but Python;
and the Portuguese catalogue is whole, so no public page falls back to English."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

import keepwell

LOCALE = Path(keepwell.__file__).parent / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def _id(path: Path) -> str:
    return path.parent.parent.name


def _entries(catalogue) -> dict:
    return {
        (entry.msgctxt, entry.msgid): (entry.msgstr, dict(entry.msgstr_plural))
        for entry in catalogue
        if entry.msgid
    }


def test_keepwell_has_a_portuguese_catalogue():
    assert LOCALE / "pt" / "LC_MESSAGES" / "django.po" in CATALOGUES


@pytest.mark.parametrize("po_path", CATALOGUES, ids=_id)
def test_the_committed_mo_is_the_po_compiled(po_path):
    po = polib.pofile(str(po_path))
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run keepwell compilemessages"
    mo = polib.mofile(str(mo_path))
    # msgfmt leaves fuzzy and untranslated entries out of the .mo, as Django would ignore them.
    assert _entries(mo) == _entries(po.translated_entries()), (
        f"{mo_path} is stale: run keepwell compilemessages"
    )
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


def test_every_portuguese_entry_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(LOCALE / "pt" / "LC_MESSAGES" / "django.po"))
    assert not po.metadata_is_fuzzy
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []
    assert po.metadata["Language"] == "pt"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=_id)
def test_each_translation_keeps_the_placeholders_of_its_english(po_path):
    wrong = []
    for entry in polib.pofile(str(po_path)).translated_entries():
        pairs = [(entry.msgid, entry.msgstr)] if not entry.msgid_plural else []
        pairs += [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
        for english, words in pairs:
            if set(PLACEHOLDER.findall(english)) != set(PLACEHOLDER.findall(words)):
                wrong.append((english, words))
    assert wrong == []
