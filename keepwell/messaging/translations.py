"""Other rooms' words through messaging's translation workflow: the same rules, the same
people and the same pages as the words messaging sends.

A room whose words people read (a survey's questions) announces them in its AppConfig, as
``translatable_words = {"survey": "keepwell.insights.voice.surveys.SURVEY_WORDS"}``: an
object with

* ``title`` ("Surveys") and ``languages`` (the codes it may be translated into);
* ``documents(limit)``: at most ``limit`` ``Document`` rows for the words page, newest first;
* ``title_of(id)``: the document's name, or None if it has gone;
* ``fields(id)``: each piece of a document's words as a ``Field``, or None if it has gone;
* ``take(id, language, words, by)``: put approved words to use (the room writes its table);
* ``url(id)``: the document's own page.

The rules are those of ``keepwell.messaging.templating``: a community translator's words are
typed in whole (every field, so a page never mixes languages), a different person approves
them or sends them back with a reason, each try is a new version, one waits for review at a
time, and only approved words are used. Every step leaves an audit row.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from keepwell.audit.models import Action
from keepwell.audit.models import Purpose as AuditPurpose
from keepwell.audit.services import record
from keepwell.messaging.kinds import LANGUAGE_NAMES
from keepwell.messaging.models import TranslatedWords
from keepwell.messaging.templating import (
    APPROVED,
    SENT_BACK,
    SUBMITTED,
    WAITING_FOR_REVIEW,
    WAITING_FOR_TRANSLATOR,
    TemplatingError,
    in_review,
)

IN_USE = "In use"  # written with the document itself, never through review
LISTED = 50  # documents per source on the words page


@dataclass(frozen=True)
class Field:
    """One piece of a document's words: its key, how a translator knows it, and the words
    in use now by language (English always)."""

    key: str
    label: str
    words: Mapping[str, str]
    max_length: int = 300
    long: bool = False

    @property
    def english(self) -> str:
        return self.words.get("en", "")


@dataclass(frozen=True)
class Document:
    id: int
    title: str
    in_use: frozenset[str] = field(default_factory=frozenset)  # languages all its words have


@functools.cache
def sources() -> dict[str, object]:
    """Each room's translatable words, as their AppConfigs announce them (read once: the
    installed apps do not change while keepwell runs)."""
    found: dict[str, object] = {}
    for config in apps.get_app_configs():
        for name, path in (getattr(config, "translatable_words", {}) or {}).items():
            module, _, attr = path.rpartition(".")
            found[name] = getattr(import_module(module), attr)
    return found


def source(name: str):
    """The named source, or LookupError (a page answers 404)."""
    try:
        return sources()[name]
    except KeyError:
        raise LookupError(f"No words called {name!r}") from None


def versions(name: str, document: int, language: str):
    """Every version of one document's words in one language, newest first."""
    return TranslatedWords.objects.filter(
        source=name, document=document, language=language
    ).order_by("-version")


def fields_of(name: str, document: int) -> list[Field]:
    """The document's words to translate, or LookupError when it has gone."""
    found = source(name).fields(document)
    if found is None:
        raise LookupError(f"No {name} {document}")
    return list(found)


def written_in(fields: list[Field], language: str) -> bool:
    """Whether every field has words in ``language``: people read the document in it."""
    return all(str(f.words.get(language, "")).strip() for f in fields)


def _problems(fields: list[Field], words: Mapping[str, str]) -> str:
    missing = [f.label for f in fields if not str(words.get(f.key, "")).strip()]
    if missing:
        return "Enter the words for " + ", ".join(missing)
    too_long = [f.label for f in fields if len(str(words[f.key]).strip()) > f.max_length]
    if too_long:
        return "Shorten the words for " + ", ".join(too_long)
    return ""


@transaction.atomic
def submit(
    name: str,
    document: int,
    *,
    language: str,
    translated_by: str,
    words: Mapping[str, str],
    by,
) -> TranslatedWords:
    """A translator's words for every field of a document, as a new version waiting for
    someone else to review them."""
    if language not in source(name).languages or language == "en":
        raise TemplatingError(f"keepwell does not translate these words into {language!r}")
    if not translated_by.strip():
        raise TemplatingError("Enter the translator's name")
    fields = fields_of(name, document)
    problem = _problems(fields, words)
    if problem:
        raise TemplatingError(problem)
    existing = versions(name, document, language).select_for_update()
    if existing.filter(state=TranslatedWords.State.IN_REVIEW).exists():
        raise TemplatingError(
            "A version of these words is already waiting for review: it must be approved "
            "or sent back first"
        )
    latest = existing.aggregate(latest=Max("version"))["latest"] or 0
    made = TranslatedWords.objects.create(
        source=name,
        document=document,
        language=language,
        version=latest + 1,
        words={f.key: str(words[f.key]).strip() for f in fields},
        translated_by=translated_by.strip()[:120],
        submitted_by=by,
    )
    record(
        by,
        Action.CREATE,
        made,
        purpose=AuditPurpose.ADMINISTRATION,
        summary=SUBMITTED,
        changes={"translated_by": made.translated_by, "version": made.version},
    )
    return made


@transaction.atomic
def approve(version: TranslatedWords, *, by) -> TranslatedWords:
    """The reviewer's yes: the owning room puts the words to use, older approved ones retire."""
    version = in_review(version)
    if version.submitted_by_id == by.pk:
        raise TemplatingError(
            "You submitted these words, so someone else must review them before they are used"
        )
    fields = fields_of(version.source, version.document)
    if any(f.key not in version.words for f in fields):
        raise TemplatingError(
            "The words to translate changed after this version was written: send it back, "
            "so the translator can translate the new words too"
        )
    retired = list(
        versions(version.source, version.document, version.language)
        .filter(state=TranslatedWords.State.APPROVED)
        .values_list("pk", flat=True)
    )
    TranslatedWords.objects.filter(pk__in=retired).update(state=TranslatedWords.State.RETIRED)
    version.state = TranslatedWords.State.APPROVED
    version.reviewed_by = by
    version.reviewed_at = timezone.now()
    version.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    source(version.source).take(
        version.document,
        version.language,
        {f.key: version.words[f.key] for f in fields},
        by=by,
    )
    record(
        by,
        Action.UPDATE,
        version,
        purpose=AuditPurpose.ADMINISTRATION,
        summary="Translation approved",
        changes={"state": [TranslatedWords.State.IN_REVIEW, version.state], "retired": retired},
    )
    return version


@transaction.atomic
def send_back(version: TranslatedWords, *, reason: str, by) -> TranslatedWords:
    """The reviewer's not yet: back to the translator, with what to change."""
    version = in_review(version)
    if not reason.strip():
        raise TemplatingError("Say what should change before sending the words back")
    version.state = TranslatedWords.State.SENT_BACK
    version.reviewed_by = by
    version.reviewed_at = timezone.now()
    version.note = reason.strip()[:300]
    version.save(update_fields=["state", "reviewed_by", "reviewed_at", "note"])
    record(
        by,
        Action.UPDATE,
        version,
        purpose=AuditPurpose.ADMINISTRATION,
        summary=SENT_BACK,
        changes={"state": [TranslatedWords.State.IN_REVIEW, version.state], "reason": reason},
    )
    return version


# --- where each language stands ------------------------------------------------------------


@dataclass(frozen=True)
class LanguageState:
    code: str
    name: str
    in_use: bool  # people read the document in it now
    latest: TranslatedWords | None  # the newest version, whatever its state
    approved: bool  # a version was approved (a newer one may since have been sent back)

    @property
    def state(self) -> str:
        if self.latest is not None and self.latest.state == TranslatedWords.State.IN_REVIEW:
            return WAITING_FOR_REVIEW
        if self.in_use:
            return APPROVED if self.approved else IN_USE
        return WAITING_FOR_TRANSLATOR


@dataclass(frozen=True)
class _Versions:
    """Of some documents' versions, by (document, language): the newest, and whether any
    was approved."""

    latest: dict[tuple[int, str], TranslatedWords]
    approved: set[tuple[int, str]]


def _versions(name: str, ids: list[int]) -> _Versions:
    found = _Versions({}, set())
    rows = TranslatedWords.objects.filter(source=name, document__in=ids).order_by(
        "document", "language", "-version"
    )
    for row in rows:
        key = (row.document, row.language)
        found.latest.setdefault(key, row)
        if row.state == TranslatedWords.State.APPROVED:
            found.approved.add(key)
    return found


def _states(words, document: Document, versions: _Versions) -> list[LanguageState]:
    return [
        LanguageState(
            code,
            LANGUAGE_NAMES.get(code, code),
            code in document.in_use,
            versions.latest.get((document.id, code)),
            (document.id, code) in versions.approved,
        )
        for code in words.languages
        if code != "en"
    ]


def language_states(name: str, document: int) -> list[LanguageState]:
    """Each language one document may be translated into, and where it stands: one query
    beside the owner's own reading of its words."""
    words = source(name)
    fields = fields_of(name, document)
    in_use = frozenset(code for code in words.languages if written_in(fields, code))
    return _states(words, Document(document, "", in_use), _versions(name, [document]))


@dataclass(frozen=True)
class DocumentRow:
    document: Document
    states: list[LanguageState]


@dataclass(frozen=True)
class SourceTable:
    name: str
    title: str
    languages: list[tuple[str, str]]
    rows: list[DocumentRow]


def overview() -> list[SourceTable]:
    """Every source's newest documents by language: the owner's reading and one query."""
    tables = []
    for name, found in sorted(sources().items()):
        documents = list(found.documents(LISTED))
        versions = _versions(name, [d.id for d in documents])
        codes = [code for code in found.languages if code != "en"]
        tables.append(
            SourceTable(
                name,
                found.title,
                [(code, LANGUAGE_NAMES.get(code, code)) for code in codes],
                [DocumentRow(d, _states(found, d, versions)) for d in documents],
            )
        )
    return tables
