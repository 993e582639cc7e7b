"""Filling in a template's ``((placeholders))``, as GOV.UK Notify writes them.

Pure: imports no Django. Values are put in as they are, in one pass, so a value that
itself looks like ``((this))`` is never filled in again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Notify's syntax: a name between double brackets; spaces round the name do not count.
_PLACEHOLDER = re.compile(r"\(\(\s*([^()]+?)\s*\)\)")


class MissingPlaceholder(KeyError):
    """A template asks for a value the caller did not give."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"no value for the placeholder (({self.name}))"


def placeholders(text: str) -> set[str]:
    """The names of the placeholders in ``text``."""
    return {match.group(1) for match in _PLACEHOLDER.finditer(text or "")}


def render(text: str, context: Mapping[str, object]) -> str:
    """``text`` with each ``((name))`` replaced by ``context[name]``.

    Raises ``MissingPlaceholder`` naming the first placeholder with no value.
    """

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in context:
            raise MissingPlaceholder(name)
        return str(context[name])

    return _PLACEHOLDER.sub(fill, text or "")
