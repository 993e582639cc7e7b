"""Which words a message goes out in: the newest approved template for the person's first
language that has one, else English.

Only approved versions send. A channel's own row (a text that says "Reply YES or NO")
beats the row for any channel in the same language. ``fallback`` tells the sender, and so
the audit, that the person did not get their first language.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from keepwell.messaging.models import Template

ENGLISH = "en"


class NoTemplate(LookupError):
    """No approved words for a kind at all, not even in English: a seed or kind is missing."""


@dataclass(frozen=True)
class Choice:
    template: Template
    language: str
    fallback: bool  # True when the first language wanted was not the one used


def normalise(language: str) -> str:
    """``"pt-BR"`` and ``"PT"`` are both Portuguese: templates are kept by primary subtag."""
    return (language or "").strip().lower().replace("_", "-").split("-", 1)[0]


def wanted(languages: Iterable[str]) -> list[str]:
    """The languages to try, in order, without repeats, English last if not before."""
    order: list[str] = []
    for language in [*languages, ENGLISH]:
        code = normalise(language)
        if code and code not in order:
            order.append(code)
    return order


# Approved words per kind, kept by each process for a short while: an event's transaction
# then spends no query on them. A save in this process forgets them at once (a signal in
# apps.py); another process picks up newly approved words within CACHE_SECONDS.
CACHE_SECONDS = 60.0
_approved: dict[str, tuple[float, list[Template]]] = {}


def forget() -> None:
    _approved.clear()


def approved_rows(kind: str) -> list[Template]:
    now = time.monotonic()
    cached = _approved.get(kind)
    if cached is None or cached[0] < now:
        rows = list(
            Template.objects.filter(key=kind, state=Template.State.APPROVED).order_by(
                "-version", "-id"
            )
        )
        cached = (now + CACHE_SECONDS, rows)
        _approved[kind] = cached
    return cached[1]


def choose(kind: str, channel: str, languages: list[str]) -> Choice:
    """The words for ``kind`` on ``channel`` for someone who reads ``languages`` in order.

    Every approved row of the kind is read at once (and kept a minute); the choice is made
    here.
    """
    order = wanted(languages)
    rows = [
        row for row in approved_rows(kind) if row.channel in (channel, "") and row.language in order
    ]
    best: dict[str, Template] = {}
    for row in rows:
        current = best.get(row.language)
        # A channel's own row beats the any-channel row; within each, the newest version.
        if current is None or (row.channel == channel and current.channel != channel):
            best[row.language] = row
    for language in order:
        if language in best:
            return Choice(best[language], language, fallback=language != order[0])
    raise NoTemplate(f"no approved template for {kind!r} on {channel or 'any channel'!r}")
