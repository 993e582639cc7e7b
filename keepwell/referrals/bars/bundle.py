"""A FHIR Bundle as JSON of any shape: values read without trusting their type, resources
found by every way a reference may name them, and what no database can keep.

Pure: imports no Django (a helper of the BaRS message reader).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from keepwell.referrals.bars.issues import Issue, error


def dict_of(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def list_of(value: object) -> list:
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []


def text_of(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def codings(concept: object) -> list[dict]:
    return [c for c in list_of(dict_of(concept).get("coding")) if isinstance(c, dict)]


def concept_words(concept: object) -> str:
    """A CodeableConcept in words: its text, else its codings' displays (or codes)."""
    text = text_of(dict_of(concept).get("text"))
    shown = [text_of(c.get("display")) or text_of(c.get("code")) for c in codings(concept)]
    shown = [s for s in shown if s and s.lower() not in text.lower()]
    if text and shown:
        return f"{text}: {'; '.join(shown)}"
    return text or "; ".join(shown)


def identifiers(resource: dict, system: str) -> list[tuple[int, str]]:
    found = []
    for n, ident in enumerate(list_of(resource.get("identifier"))):
        ident = dict_of(ident)
        if text_of(ident.get("system")).lower() == system.lower() and text_of(ident.get("value")):
            found.append((n, text_of(ident["value"])))
    return found


class Index:
    """The Bundle's resources by every way a reference may name one: the entry's fullUrl,
    ``Type/id``, and a bare id or uuid (as some published BaRS examples write them)."""

    def __init__(self, entries: list[tuple[int, dict, str]]):
        self.by_key: dict[str, int] = {}
        self.resources: dict[int, dict] = {}
        for i, resource, full_url in entries:
            self.resources[i] = resource
            keys = []
            if full_url:
                keys += [full_url, full_url.removeprefix("urn:uuid:")]
            rid = text_of(resource.get("id"))
            if rid:
                keys += [f"{resource.get('resourceType')}/{rid}", rid]
            for key in keys:
                self.by_key.setdefault(key, i)

    def find(self, reference: object) -> int | None:
        ref = text_of(dict_of(reference).get("reference"))
        if not ref:
            return None
        for key in (ref, ref.removeprefix("urn:uuid:")):
            if key in self.by_key:
                return self.by_key[key]
        return None


def references(value: object, path: str) -> Iterator[tuple[str, str]]:
    """Every ``reference`` string under ``value`` with its FHIRPath, walked without
    recursion (the body's depth is bounded before it gets here, but a walk costs nothing)."""
    stack: list[tuple[object, str]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            ref = node.get("reference")
            if isinstance(ref, str):
                yield ref, f"{where}.reference"
            for key, child in node.items():
                if isinstance(child, (dict, list)):
                    stack.append((child, f"{where}.{key}"))
        elif isinstance(node, list):
            for n, child in enumerate(node):
                stack.append((child, f"{where}[{n}]"))


def unstorable(data: object) -> Iterator[Issue]:
    """What no database keeps: text with a NUL character (PostgreSQL refuses it) or a lone
    surrogate (valid JSON, ``"\\ud800"``, but no text), and the Infinity and NaN that
    Python's JSON reader lets through. Named where found, keys included."""
    stack: list[tuple[object, str]] = [(data, "Bundle")]
    while stack:
        node, where = stack.pop()
        items: list[tuple[object, object, str]] = []
        if isinstance(node, dict):
            items = [(key, child, f"{where}.{key}") for key, child in node.items()]
        elif isinstance(node, list):
            items = [(None, child, f"{where}[{n}]") for n, child in enumerate(node)]
        for key, child, path in items:
            for text in (key, child):
                if isinstance(text, str) and not storable(text):
                    yield error("Text may not hold NUL characters or lone surrogates", path)
            if isinstance(child, float) and not math.isfinite(child):
                yield error("A number must be finite (JSON has no Infinity or NaN)", path)
            if isinstance(child, (dict, list)):
                stack.append((child, path))


def storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
