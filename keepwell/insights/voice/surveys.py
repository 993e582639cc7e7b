""" "What matters to you" surveys: questions as data, one-time codes, answers kept anonymous.

The writes of the survey use cases (services for the survey pages, as ``services`` is for
voice and reflection): each in one transaction, each leaving an audit row for what staff did.
An answer carries no name: only the area its invitation went to and the language used.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.insights.voice import questions
from keepwell.insights.voice.models import (
    CodedAnswer,
    Priority,
    PriorityAction,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyTheme,
)
from keepwell.messaging import audiences as message_audiences
from keepwell.messaging import services as messaging
from keepwell.messaging import translations as message_translations
from keepwell.messaging.models import Message
from keepwell.messaging.models import Purpose as MessagePurpose
from keepwell.messaging.services import To
from keepwell.places import queries as places_queries

# Codes are typed from a letter: no 0/O, 1/I/L, and long enough that guessing one that was
# sent is hopeless (31^10, about 8 * 10^14).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
MAX_INVITATIONS = 500


class SurveyRefused(Exception):
    """An answer or change that cannot be taken, in words for the person."""


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())[: CODE_LENGTH * 2]


@transaction.atomic
def create_survey(*, title: str, intro: str, questions_text: str, by) -> Survey:
    """Raises ``questions.QuestionsProblem`` naming each bad line; nothing is kept then."""
    specs = questions.parse(questions_text)
    survey = Survey.objects.create(title=title.strip(), intro=intro.strip(), created_by=by)
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(
            survey=survey,
            position=position,
            kind=spec.kind,
            wording=spec.wording,
            options=spec.options,
        )
        for position, spec in enumerate(specs, start=1)
    )
    audit.record(by, Action.CREATE, survey, purpose=Purpose.ADMINISTRATION, summary=title[:200])
    return survey


@transaction.atomic
def invite(survey: Survey, *, how_many: int, area=None, by) -> list[str]:
    """``how_many`` new one-time codes for people in ``area``: to print on letters, or to
    send as links."""
    if not 1 <= how_many <= MAX_INVITATIONS:
        raise SurveyRefused(f"Make from 1 to {MAX_INVITATIONS} invitations at a time.")
    codes = [
        _new_invitation(survey, area_id=area.pk if area else None).code for _ in range(how_many)
    ]
    audit.record(
        by,
        Action.CREATE,
        survey,
        purpose=Purpose.ADMINISTRATION,
        summary=f"{how_many} invitations{f' for {area}' if area else ''}",
    )
    return codes


def _new_invitation(survey: Survey, *, area_id: int | None, decile: int | None = None):
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            with transaction.atomic():
                return SurveyInvitation.objects.create(
                    survey=survey, code=code, area_id=area_id, decile=decile
                )
        except IntegrityError:  # the same code twice: vanishingly rare; draw again
            continue


def spaced(code: str) -> str:
    """A code as printed, in groups easy to read out and type: "K7PX 3MQA 9R"."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


@dataclass(frozen=True)
class Sending:
    sent: int  # people sent an invitation now
    already: int  # people this survey had already been sent to
    unreachable: int  # people no channel reaches: nothing was sent, no code made


MAX_SENT = 5000


@transaction.atomic
def send_invitations(survey: Survey, *, area, by) -> Sending:
    """Send the survey to every resident of ``area`` who said yes to news, each with their
    own one-time link, in their language and channel (a letter carries the code to type).

    The invitation keeps the area and IMD decile where it went, never the person; the
    message (which must name the person to reach them) has its words, and so the code,
    blanked as soon as it is final. Sending again reaches only people not sent it before.
    """
    if not message_audiences.may_reach(by, "residents", {"area": area.pk}):
        raise SurveyRefused(
            f"You may send surveys only to residents of your own areas, not {area}."
        )
    people = list(message_audiences.people("residents", {"area": area.pk})[: MAX_SENT + 1])
    if len(people) > MAX_SENT:
        raise SurveyRefused(
            f"{area} has more than {MAX_SENT:,} residents who want news: send to a smaller "
            "neighbourhood at a time."
        )
    events = {p.pk: f"survey:{survey.pk}:person:{p.pk}" for p in people}
    done = set(Message.objects.filter(event__in=events.values()).values_list("event", flat=True))
    lsoa_of = places_queries.lsoas_of(p.postcode for p in people)
    facts = places_queries.lsoa_facts(set(lsoa_of.values()))
    start = settings.SITE_URL.rstrip("/") + reverse("voice:survey_start")
    speaking_for = message_audiences.sender_organisation(by, "residents", {"area": area.pk})
    sent = unreachable = 0
    for person in people:
        if events[person.pk] in done:
            continue
        lsoa = lsoa_of.get(person.postcode, "")
        invitation = _new_invitation(
            survey,
            area_id=person.area_id,
            decile=facts[lsoa].decile if lsoa in facts else None,
        )
        url = settings.SITE_URL.rstrip("/") + reverse(
            "voice:survey_answer", kwargs={"code": invitation.code}
        )
        result = messaging.send(
            event=events[person.pk],
            kind="survey_invitation",
            to=[To(person=person, audience="residents")],
            purpose=MessagePurpose.NEWS,
            # Its coordinators get the call when nothing else reaches someone.
            sender_organisation_id=speaking_for,
            context={
                "survey": survey.title[:80],
                "url": url,
                "code": spaced(invitation.code),
                "start": start,
            },
            by=by,
        )
        if result.unreachable:
            invitation.delete()  # nothing went: no code is left waiting
            unreachable += 1
        else:
            sent += 1
    audit.record(
        by,
        Action.CREATE,
        survey,
        purpose=Purpose.ADMINISTRATION,
        summary=f"Sent to {sent} residents of {area} ({unreachable} not reachable)",
    )
    return Sending(sent=sent, already=len(done), unreachable=unreachable)


# --- translations: a survey's words in messaging's translation workflow --------------------


class SurveyWords:
    """A survey's questions and options as messaging's translation workflow reads them (the
    ``translatable_words`` of this app): a translator's words go in through messaging's
    pages and rules, and once someone else approves them this room asks its questions in
    them. Each field's key names its question by id ("q12", "q12.o0" for its first option),
    so approved words land where they were written even if questions move."""

    title = "Surveys"
    languages = questions.TRANSLATED

    def documents(self, limit: int):
        found = Survey.objects.prefetch_related("questions").order_by("-created_at", "-pk")
        return [
            message_translations.Document(
                survey.pk,
                survey.title,
                frozenset(languages_in_use(survey.questions.all())),
            )
            for survey in found[:limit]
        ]

    def title_of(self, survey_id: int) -> str | None:
        return Survey.objects.filter(pk=survey_id).values_list("title", flat=True).first()

    def fields(self, survey_id: int):
        # The survey first: a made-up id too large for the database finds nothing there.
        if not Survey.objects.filter(pk=survey_id).exists():
            return None
        asked = SurveyQuestion.objects.filter(survey_id=survey_id).order_by("position")
        found = []
        for question in asked:
            label = f"Question {question.position}"
            found.append(
                message_translations.Field(f"q{question.pk}", label, question.wording, long=True)
            )
            for i, option in enumerate(question.options):
                found.append(
                    message_translations.Field(
                        f"q{question.pk}.o{i}", f"{label}, option {i + 1}", option
                    )
                )
        return found

    def take(self, survey_id: int, language: str, words: Mapping[str, str], *, by) -> None:
        """Approved words: the questions are asked in them from now on."""
        for asked in SurveyQuestion.objects.filter(survey_id=survey_id).select_for_update():
            asked.wording = {**asked.wording, language: words[f"q{asked.pk}"]}
            asked.options = [
                {**option, language: words[f"q{asked.pk}.o{i}"]}
                for i, option in enumerate(asked.options)
            ]
            asked.save(update_fields=["wording", "options"])
        audit.record(
            by,
            Action.UPDATE,
            Survey.objects.get(pk=survey_id),
            purpose=Purpose.ADMINISTRATION,
            summary=f"Questions now asked in {language}, as approved",
        )

    def url(self, survey_id: int) -> str:
        return reverse("voice:survey", args=[survey_id])


SURVEY_WORDS = SurveyWords()


def languages_in_use(asked) -> list[str]:
    """The languages every question and option of a survey has words in."""
    wordings = [q.wording for q in asked] + [option for q in asked for option in q.options]
    return questions.languages_of(wordings)


def languages(survey: Survey):
    """Each language a survey may be translated into, and where its translation stands."""
    return message_translations.language_states("survey", survey.pk)


def named_responses(survey: Survey, *, by) -> list[SurveyResponse]:
    """The answers whose people agreed to be known, with their name and contact: reading
    them is logged, as for any record about a person."""
    found = list(
        SurveyResponse.objects.filter(survey=survey, named_at__isnull=False)
        .select_related("area")
        .order_by("-named_at")
    )
    audit.record(
        by,
        Action.READ,
        survey,
        purpose=Purpose.ADMINISTRATION,
        summary=f"Read the {len(found)} people who agreed to be known",
    )
    return found


def open_invitation(code: str) -> SurveyInvitation:
    found = (
        SurveyInvitation.objects.select_related("survey").filter(code=normalise_code(code)).first()
    )
    if found is None:
        raise SurveyRefused(_("That code is not one we sent. Check it and type it again."))
    if found.used_at is not None:
        raise SurveyRefused(_("That code has been used: each code answers once."))
    return found


@transaction.atomic
def record_answers(
    code: str,
    answers: Mapping[int, str | list[int] | int | None],
    *,
    language: str = "en",
    named: Mapping[str, str] | None = None,
) -> SurveyResponse:
    """Keep one person's answers (``{question id: text, option indexes or score}``) and use
    up their code, so it cannot answer twice. ``named`` (name and contact) only when they
    agreed to be known; otherwise nothing ties the answers to anyone."""
    invitation = open_invitation(code)
    invitation = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise SurveyRefused(_("That code has been used: each code answers once."))
    response = SurveyResponse.objects.create(
        survey_id=invitation.survey_id,
        invitation=invitation,
        area_id=invitation.area_id,
        decile=invitation.decile,
        language=language if language in ("en", *questions.TRANSLATED) else "en",
        named_at=timezone.now() if named else None,
        named_name=(named or {}).get("name", "").strip()[:100],
        named_contact=(named or {}).get("contact", "").strip()[:200],
    )
    rows = []
    for question in invitation.survey.questions.all():
        value = answers.get(question.pk)
        if value in (None, "", []):
            continue
        row = SurveyAnswer(response=response, question=question)
        if question.kind == "text":
            row.text = str(value).strip()
        elif question.kind == "scale":
            row.score = int(value)  # type: ignore[arg-type]
        else:
            row.choices = sorted(value) if isinstance(value, list) else [value]
        rows.append(row)
    SurveyAnswer.objects.bulk_create(rows)
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    return response


@transaction.atomic
def add_theme(survey: Survey, *, name: str, keywords: str, by) -> SurveyTheme:
    name = name.strip()
    if survey.themes.filter(name__iexact=name).exists():
        raise SurveyRefused(f"The codebook already has a theme called “{name}”.")
    theme = SurveyTheme.objects.create(
        survey=survey, name=name, keywords=", ".join(questions.keywords(keywords)), created_by=by
    )
    audit.record(by, Action.CREATE, theme, purpose=Purpose.ADMINISTRATION, summary=name)
    return theme


@transaction.atomic
def code_answers(survey: Survey, decisions: Mapping[int, list[int]], *, by) -> int:
    """Record what a person decided for each open answer on the page (``{answer id: theme
    ids}``, an empty list meaning "no theme"): their decision replaces any before."""
    answers = SurveyAnswer.objects.filter(
        pk__in=list(decisions), response__survey=survey, question__kind="text"
    )
    themes = set(survey.themes.values_list("pk", flat=True))
    now = timezone.now()
    found = list(answers)
    CodedAnswer.objects.filter(answer__in=found).delete()
    CodedAnswer.objects.bulk_create(
        CodedAnswer(answer=answer, theme_id=theme, coded_by=by, coded_at=now)
        for answer in found
        for theme in decisions[answer.pk]
        if theme in themes
    )
    SurveyAnswer.objects.filter(pk__in=[a.pk for a in found]).update(coded_at=now)
    audit.record(
        by,
        Action.UPDATE,
        survey,
        purpose=Purpose.ADMINISTRATION,
        summary=f"Coded {len(found)} open answers",
    )
    return len(found)


# --- The planning board ---------------------------------------------------------------------


@transaction.atomic
def make_priority(survey: Survey, *, title: str, owner, by, theme=None) -> Priority:
    if theme is not None and theme.survey_id != survey.pk:
        raise SurveyRefused("That theme is from another survey.")
    priority = Priority.objects.create(
        survey=survey, theme=theme, title=title.strip(), owner=owner, created_by=by
    )
    audit.record(by, Action.CREATE, priority, purpose=Purpose.ADMINISTRATION, summary=title)
    return priority


@transaction.atomic
def add_action(priority: Priority, *, text: str, owner, by, due_on=None) -> PriorityAction:
    action = PriorityAction.objects.create(
        priority=priority, text=text.strip(), owner=owner, due_on=due_on
    )
    audit.record(by, Action.CREATE, action, purpose=Purpose.ADMINISTRATION, summary=text)
    return action


@transaction.atomic
def finish_action(action: PriorityAction, *, by) -> PriorityAction:
    if action.done_at is None:
        action.done_at = timezone.now()
        action.save(update_fields=["done_at"])
        audit.record(
            by, Action.UPDATE, action, purpose=Purpose.ADMINISTRATION, summary="Action done"
        )
    return action
