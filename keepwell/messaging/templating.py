"""The words' life: a translator writes a version, a different person reviews it, and only
then does it send. The writes behind the template pages, each with its audit row.

Who submitted a version is read from its audit row, so the model needs no new column: the
reviewer must be someone else. Versions never change their words once written; a new one
is made instead, so every message sent still points at the words it was sent in.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from keepwell.audit.models import Action, AuditEvent
from keepwell.audit.models import Purpose as AuditPurpose
from keepwell.audit.services import record
from keepwell.messaging import kinds, sms
from keepwell.messaging.models import Template
from keepwell.messaging.render import placeholders

SUBMITTED = "Translation submitted for review"
SENT_BACK = "Translation sent back"


class TemplatingError(ValueError):
    """A step the words' life does not allow, said so a person can act on it."""


@dataclass(frozen=True)
class SmsFacts:
    encoding: str
    characters: int
    parts: int
    cost_pence: int

    @property
    def costs_more(self) -> bool:
        return self.encoding == sms.UCS2


def sms_facts(text: str) -> SmsFacts:
    """What the text costs as a text message, placeholders counted as written."""
    return SmsFacts(
        encoding=sms.encoding(text),
        characters=sms.characters(text),
        parts=sms.parts(text),
        cost_pence=sms.cost_pence(text, settings.KEEPWELL_SMS_PART_PENCE),
    )


def _names(found: set[str]) -> str:
    return ", ".join(f"(({name}))" for name in sorted(found))


def placeholder_problems(key: str, *, subject: str, body: str) -> dict[str, str]:
    """What is wrong with the placeholders, by field: unknown ones where they are written,
    missing ones on the body. Empty when subject and body use exactly the kind's."""
    wanted = set(kinds.get(key).placeholders)
    problems: dict[str, str] = {}
    allowed = f"use only {_names(wanted)}" if wanted else "this message has no placeholders"
    for field, text in (("subject", subject), ("body", body)):
        unknown = placeholders(text) - wanted
        if unknown:
            problems[field] = (
                f"{_names(unknown)} {'is' if len(unknown) == 1 else 'are'} not "
                f"{'a placeholder' if len(unknown) == 1 else 'placeholders'} for this message: "
                f"{allowed}"
            )
    missing = wanted - placeholders(subject) - placeholders(body)
    if missing and "body" not in problems:
        problems["body"] = (
            f"The message must still say {_names(missing)}: keep "
            f"{'it' if len(missing) == 1 else 'them'} exactly as written in English"
        )
    return problems


def slot(key: str, channel: str, language: str):
    """Every version of one kind's words on one channel in one language, newest first."""
    return Template.objects.filter(key=key, channel=channel, language=language).order_by("-version")


def submitter_id(template: Template) -> int | None:
    """The user who submitted this version for review, from its audit row."""
    event = (
        AuditEvent.objects.filter(
            object_type="messaging.template",
            object_id=str(template.pk),
            action=Action.CREATE,
        )
        .order_by("-at", "-id")
        .first()
    )
    return event.actor_id if event else None


def sent_back_reason(template: Template) -> AuditEvent | None:
    """The latest time a version was sent back, with its reason (in ``changes``)."""
    return (
        AuditEvent.objects.filter(
            object_type="messaging.template",
            object_id=str(template.pk),
            action=Action.UPDATE,
            summary=SENT_BACK,
        )
        .order_by("-at", "-id")
        .first()
    )


@transaction.atomic
def submit_translation(
    *, key: str, channel: str, language: str, subject: str, body: str, translator: str, by
) -> Template:
    """A new version of the words, waiting for a reviewer."""
    problems = placeholder_problems(key, subject=subject, body=body)
    if problems:
        raise TemplatingError(next(iter(problems.values())))
    versions = slot(key, channel, language).select_for_update()
    if versions.filter(state=Template.State.IN_REVIEW).exists():
        raise TemplatingError(
            "A version of these words is already waiting for review: it must be approved "
            "or sent back first"
        )
    latest = versions.aggregate(latest=Max("version"))["latest"] or 0
    english = (
        Template.objects.filter(key=key, channel=channel, language="en")
        .exclude(description="")
        .order_by("-version")
        .values_list("description", flat=True)
        .first()
    )
    now = timezone.now()
    template = Template.objects.create(
        key=key,
        channel=channel,
        language=language,
        version=latest + 1,
        description=english or kinds.get(key).description[:300],
        subject=subject,
        body=body,
        state=Template.State.IN_REVIEW,
        translated_by=translator,
        translated_at=now,
        created_at=now,
    )
    record(
        by,
        Action.CREATE,
        template,
        purpose=AuditPurpose.ADMINISTRATION,
        summary=SUBMITTED,
        changes={"translated_by": translator, "version": template.version},
    )
    return template


def in_review(version):
    """A version (of a template, or of another room's words) locked for its reviewer's
    decision, still waiting for review."""
    locked = type(version).objects.select_for_update().get(pk=version.pk)
    if locked.state != "in_review":
        raise TemplatingError("These words are no longer waiting for review")
    return locked


@transaction.atomic
def approve(template: Template, *, by) -> Template:
    """The reviewer's yes: these words send from now on, and the older approved ones retire."""
    template = in_review(template)
    if submitter_id(template) == by.pk:
        raise TemplatingError(
            "You submitted these words, so someone else must review them before they send"
        )
    now = timezone.now()
    retired = list(
        slot(template.key, template.channel, template.language)
        .filter(state=Template.State.APPROVED)
        .values_list("pk", flat=True)
    )
    Template.objects.filter(pk__in=retired).update(state=Template.State.RETIRED)
    template.state = Template.State.APPROVED
    template.reviewed_by = by
    template.reviewed_at = now
    template.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    record(
        by,
        Action.UPDATE,
        template,
        purpose=AuditPurpose.ADMINISTRATION,
        summary="Translation approved",
        changes={"state": [Template.State.IN_REVIEW, Template.State.APPROVED], "retired": retired},
    )
    return template


@transaction.atomic
def send_back(template: Template, *, reason: str, by) -> Template:
    """The reviewer's not yet: back to the translator, with what to change."""
    template = in_review(template)
    template.state = Template.State.DRAFT
    template.save(update_fields=["state"])
    record(
        by,
        Action.UPDATE,
        template,
        purpose=AuditPurpose.ADMINISTRATION,
        summary=SENT_BACK,
        changes={"state": [Template.State.IN_REVIEW, Template.State.DRAFT], "reason": reason},
    )
    return template


# --- the list of every kind's words --------------------------------------------------------

WAITING_FOR_TRANSLATOR = "Waiting for a translator"
WAITING_FOR_REVIEW = "Waiting for review"
APPROVED = "Approved"


@dataclass(frozen=True)
class Cell:
    language: str
    state: str
    sends: bool  # an approved version sends in this language


@dataclass(frozen=True)
class OverviewRow:
    kind: kinds.Kind
    channel: str
    cells: list[Cell]


def overview() -> list[OverviewRow]:
    """Every kind's words on each channel that has its own, by language: one query."""
    found: dict[tuple[str, str, str], set[str]] = {}
    channels: dict[str, set[str]] = {key: {""} for key in kinds.KINDS}
    for key, channel, language, state in Template.objects.values_list(
        "key", "channel", "language", "state"
    ).order_by():
        found.setdefault((key, channel, language), set()).add(state)
        if key in channels:
            channels[key].add(channel)
    rows = []
    for key, kind in kinds.KINDS.items():
        for channel in sorted(channels[key]):
            cells = []
            for language in kinds.LANGUAGES:
                states = found.get((key, channel, language), set())
                sends = Template.State.APPROVED in states
                if Template.State.IN_REVIEW in states:
                    state = WAITING_FOR_REVIEW
                elif sends:
                    state = APPROVED
                else:
                    state = WAITING_FOR_TRANSLATOR
                cells.append(Cell(language, state, sends))
            rows.append(OverviewRow(kind, channel, cells))
    return rows
