"""Which words a message goes out in: the newest approved template for the person's first
language that has one, else English.

Only approved versions send. A channel's own row (a text that says "Reply YES or NO")
beats the row for any channel in the same language. ``fallback`` tells the sender, and so
the audit, that the person did not get their first language.
"""

from __future__ import annotations

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


def choose(kind: str, channel: str, languages: list[str]) -> Choice:
    """The words for ``kind`` on ``channel`` for someone who reads ``languages`` in order.

    One query fetches every candidate row; the choice is made here.
    """
    order = wanted(languages)
    rows = Template.objects.filter(
        key=kind,
        state=Template.State.APPROVED,
        channel__in={channel, ""},
        language__in=order,
    ).order_by("-version", "-id")
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
