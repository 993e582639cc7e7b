"""Texts people send us: matched to their person, joined to their conversation, and handled.

``receive_text`` is called by the Notify callback (keepwell/messaging/api.py) and by the fake
provider. It is idempotent by (provider, provider_id): Notify repeats a callback it thinks
failed, and a repeat changes nothing. What a text does:

* **YES / NO** (Y, N, "yes please", Portuguese SIM / NÃO; case, accents and spaces ignored)
  answers the latest task offer we texted that person. Messaging knows nothing of tasks:
  the room that sent the offer says, in its AppConfig, who answers it
  (``message_answers = {"task_offer": "dotted.path"}``); the answer function takes
  ``(about_id, person, yes, phone=...)`` (``person`` is None for someone we know only by
  the number we texted) and returns what happened in words, or raises
  :class:`AnswerRefused` with words we text back kindly ("someone else took it").
* **STOP / START** change consent (see :func:`stop` for what STOP means).
* A text whose **first word** a room announced (``message_keywords`` in its AppConfig, as
  community voice does for IDEA and ISSUE) goes to that room's function with the rest of
  the words: ``(words, person, phone=...)`` returns a :class:`KeywordAnswer`.
* A text from a **number we do not know** is a plea for help: a request in mutual aid's
  triage (``help.services.request_from_text``), and an acknowledgement.
* **Anything else** waits for the coordinators at ``/messaging/replies/``, who answer from
  the person's conversation page.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

import phonenumbers
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from keepwell.audit import services as audit
from keepwell.audit.models import Action
from keepwell.audit.models import Purpose as AuditPurpose
from keepwell.core.phone import REGION, normalise_or_keep
from keepwell.messaging.models import Channel, InboundMessage, Message, Preference, Purpose
from keepwell.messaging.models import PurposeChoice as Choice
from keepwell.people.models import Person

log = logging.getLogger(__name__)
Handling = InboundMessage.Handling


class AnswerRefused(Exception):
    """An answer that came too late or cannot stand; ``str(exc)`` is texted back to them."""


# --- what the words mean (pure) -------------------------------------------------------------

YES = {"yes", "y", "yes please", "yeah", "yep", "sim", "sim obrigado", "sim obrigada",
       "sim por favor"}  # fmt: skip
NO = {"no", "n", "no thanks", "no thank you", "nope", "nao", "nao obrigado", "nao obrigada"}
STOP = {"stop", "stop all", "stopall", "unsubscribe", "parar", "pare"}
START = {"start", "unstop", "comecar"}


def keyword(body: str) -> str:
    """The text as one plain word or phrase: lower case, no accents, no punctuation at the
    ends, single spaces. "  NÃO! " is "nao"; "Yes  please." is "yes please"."""
    text = unicodedata.normalize("NFKD", body.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def meaning(body: str) -> str:
    """ "yes", "no", "stop", "start" or "" (words for a person to read)."""
    word = keyword(body)
    for name, words in (("yes", YES), ("no", NO), ("stop", STOP), ("start", START)):
        if word in words:
            return name
    return ""


def first_word(body: str) -> tuple[str, str]:
    """A first word written as a keyword (in capitals, or followed by a colon) as
    :func:`keyword` reads it, and the rest of the text as written: "Idea: a bench by the
    bus stop" is ("idea", "a bench by the bus stop"), and so is "IDEA a bench by the bus
    stop"; "Issue with my mum's shopping" is no keyword ("", the whole text), so a plea
    for help is never taken for something else."""
    match = re.match(r"\s*([^\W\d_]+)(\s*:)?[\s,.!-]*(.*)", body, re.S)
    if match is None or not (match.group(1).isupper() or match.group(2)):
        return "", body.strip()
    return keyword(match.group(1)), match.group(3).strip()


def e164(raw: str) -> str:
    """Notify sends numbers as digits with the country code ("447700900123"): as E.164."""
    text = (raw or "").strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits and not text.startswith(("+", "0")) and not digits.startswith("0"):
        text = "+" + digits
    return normalise_or_keep(text)


def digits_to_match(number: str) -> set[str]:
    """How a stored number may have been written, as ``Person.*_digits`` keeps it."""
    found = {"".join(ch for ch in number if ch.isdigit())}
    try:
        parsed = phonenumbers.parse(number, REGION)
    except phonenumbers.NumberParseException:
        return found - {""}
    national = str(parsed.national_number)
    found |= {f"{parsed.country_code}{national}"}
    if parsed.country_code == 44:
        found |= {f"0{national}"}
    return found - {""}


# --- receiving ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    inbound: InboundMessage
    repeated: bool  # the same text again: nothing was changed
    said: str = ""  # what happened, in words (for the log)


def person_for_number(number: str) -> Person | None:
    """The current (never a merged) record with this mobile, else this phone; of several
    (a household sharing a phone), the one we last texted at it."""
    digits = digits_to_match(number)
    if not digits:
        return None
    candidates = list(
        Person.objects.current()
        .filter(Q(mobile_digits__in=digits) | Q(phone_digits__in=digits))
        .order_by("id")
    )
    if not candidates:
        return None
    last = (
        Message.objects.filter(channel=Channel.SMS, to=number, person__in=candidates)
        .order_by("-queued_at", "-id")
        .values_list("person_id", flat=True)
        .first()
    )
    by_mobile = [p for p in candidates if p.mobile_digits in digits]
    return next((p for p in candidates if p.pk == last), None) or (by_mobile or candidates)[0]


def receive_text(
    *,
    provider: str,
    provider_id: str,
    from_number: str,
    to_number: str = "",
    body: str,
    received_at: datetime | None = None,
) -> Received:
    """Keep a text we received and act on it, once (see the module's doc)."""
    provider, provider_id = provider[:20], provider_id[:64]
    existing = InboundMessage.objects.filter(provider=provider, provider_id=provider_id).first()
    if existing is not None:
        return Received(existing, repeated=True)
    number = e164(from_number)
    try:
        with transaction.atomic():
            inbound = _keep(provider, provider_id, number, to_number, body, received_at)
            said = _handle(inbound)
    except IntegrityError:
        # Two deliveries of the same callback at once: the other one kept it.
        existing = InboundMessage.objects.filter(provider=provider, provider_id=provider_id)
        found = existing.first()
        if found is None:
            raise
        return Received(found, repeated=True)
    log.info("Text %s from %s handled: %s", inbound.pk, provider, said)
    return Received(inbound, repeated=False, said=said)


def _keep(provider, provider_id, number, to_number, body, received_at) -> InboundMessage:
    person = person_for_number(number)
    sms = Message.objects.filter(channel=Channel.SMS).order_by("-queued_at", "-id")
    last = (
        sms.filter(person=person).first() if person is not None else sms.filter(to=number).first()
    )
    inbound = InboundMessage.objects.create(
        provider=provider,
        provider_id=provider_id,
        from_number=number[:30],
        to_number=(to_number or "")[:30],
        body=body,
        received_at=received_at or timezone.now(),
        person=person,
        in_reply_to=last,
    )
    if last is not None and last.replied_at is None:
        Message.objects.filter(pk=last.pk).update(replied_at=inbound.received_at)
    if person is not None:
        audit.record(
            None,
            Action.CREATE,
            inbound,
            person_id=person.pk,
            purpose=AuditPurpose.COMMUNICATION,
            summary="Texted us",
            via="sms",
        )
    return inbound


def _handle(inbound: InboundMessage) -> str:
    said = meaning(inbound.body)
    person = inbound.person
    if said in ("yes", "no"):
        offer = _latest_offer(person, inbound.from_number)
        if offer is not None:
            return _answer(inbound, offer, yes=said == "yes")
    if person is not None and said == "stop":
        return stop(inbound, person)
    if person is not None and said == "start":
        return start(inbound, person)
    if not said:
        word, rest = first_word(inbound.body)
        handler = keyword_handlers().get(word)
        if handler is not None and rest:
            return _by_keyword(inbound, handler, word, rest)
    if person is None and not said:
        return _help_request(inbound)
    _mark(inbound, Handling.COORDINATORS)
    return "Left for the coordinators"


def _mark(inbound: InboundMessage, handling: str, about: tuple[str, int] | None = None) -> None:
    inbound.handled_as = handling
    fields = ["handled_as"]
    if about is not None:
        inbound.about_type, inbound.about_id = about
        fields += ["about_type", "about_id"]
    inbound.save(update_fields=fields)


# --- first words other rooms answer ---------------------------------------------------------


@dataclass(frozen=True)
class KeywordAnswer:
    """What a room made of a text it was given by its first word, and what to text back."""

    about: tuple[str, int]  # ("voice_item", 12): what the text became
    wording: dict[str, tuple[str, str]]  # the reply, by language: (subject, body)
    summary: str  # for the conversation page: "Raised an idea (12)"


def keyword_handlers() -> dict[str, str]:
    """Each room's first-word functions, as their AppConfigs announce them."""
    found: dict[str, str] = {}
    for config in apps.get_app_configs():
        found.update(getattr(config, "message_keywords", {}) or {})
    return found


def _by_keyword(inbound: InboundMessage, handler: str, word: str, rest: str) -> str:
    answer: KeywordAnswer = _resolve(handler)(
        rest, inbound.person, phone=inbound.from_number, word=word
    )
    _mark(inbound, Handling.KEYWORD, answer.about)
    _text_back(inbound, kind="reply", wording=answer.wording)
    return answer.summary


# --- answers to offers ----------------------------------------------------------------------


def answer_handlers() -> dict[str, str]:
    """Each room's answer functions by message kind, as their AppConfigs announce them."""
    found: dict[str, str] = {}
    for config in apps.get_app_configs():
        found.update(getattr(config, "message_answers", {}) or {})
    return found


def _resolve(path: str):
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)


def _offers_to(person: Person | None, number: str):
    """Messages to this person, or (someone with no record, like a volunteer known only by
    their mobile) to this number."""
    if person is not None:
        return Message.objects.filter(person=person)
    return Message.objects.filter(person=None, to=number)


def _latest_offer(person: Person | None, number: str) -> Message | None:
    kinds = list(answer_handlers())
    if not kinds:
        return None
    return (
        _offers_to(person, number)
        .filter(kind__in=kinds)
        .exclude(about_id=None)
        .order_by("-queued_at", "-id")
        .first()
    )


def _answer(inbound: InboundMessage, offer: Message, *, yes: bool) -> str:
    person = inbound.person
    answer = _resolve(answer_handlers()[offer.kind])
    _mark(
        inbound,
        Handling.OFFER_YES if yes else Handling.OFFER_NO,
        (offer.about_type, offer.about_id),
    )
    now = inbound.received_at
    try:
        with transaction.atomic():
            said = answer(offer.about_id, person, yes, phone=inbound.from_number)
    except AnswerRefused as refused:
        Message.objects.filter(pk=offer.pk, replied_at=None).update(replied_at=now)
        _text_back(
            inbound,
            kind="offer_taken",
            wording={
                "en": ("", f"{refused} Thank you for offering. We will text you about "
                       "the next one."),
                "pt": ("", "Obrigado por se oferecer. Esta tarefa já não está disponível; "
                       "enviaremos uma mensagem sobre a próxima."),
            },
        )  # fmt: skip
        return str(refused)
    # Every row of that offer (its text, and any fallback) was answered; a YES acted on.
    rows = _offers_to(person, inbound.from_number).filter(event=offer.event)
    rows.filter(replied_at=None).update(replied_at=now)
    if yes:
        rows.filter(acted_at=None).update(acted_at=now)
    return said


# --- STOP and START -------------------------------------------------------------------------

# What STOP ends: every purpose a person may refuse outright. Messages about their own
# care are not ended by a text word (they are sent on a public task, and a person who stops
# hearing that their prescription is on its way can come to harm); STOP records their
# objection to texts for them and moves them to their next channel (email, letter, or a
# coordinator's call), and the confirmation says so.
STOPPED_BY_STOP = (Purpose.NEWS, Purpose.VOLUNTEERING, Purpose.WORK)


def _channels_wanted(person: Person, preference: Preference | None) -> list[str]:
    from keepwell.messaging.services import _PREFERRED_ON_RECORD, DEFAULT_ORDER

    if preference is not None and preference.channels:
        return list(preference.channels)
    first = _PREFERRED_ON_RECORD.get(person.preferred_channel)
    wanted = [first] if first and first != Channel.PHONE else []
    return wanted + [c for c in DEFAULT_ORDER if c not in wanted]


def stop(inbound: InboundMessage, person: Person) -> str:
    """STOP: news, volunteering and work messages end on every channel (a ``PurposeChoice``
    "no", by SMS, for each purpose they were getting); messages about their own care carry
    on but never by text (SMS leaves their channels, so the next one is used). One text
    confirms it, sent before the change so it still reaches them. START undoes exactly
    this."""
    from keepwell.messaging import services

    _mark(inbound, Handling.STOP)
    _text_back(
        inbound,
        kind="stop_confirmed",
        wording={
            "en": ("", "You will get no more texts from us. If we need to tell you about "
                   "your own care, we will write or phone. Text START to get texts again."),
            "pt": ("", "Não receberá mais mensagens nossas. Se precisarmos de lhe falar sobre "
                   "os seus cuidados, escrevemos ou telefonamos. Envie START para voltar a "
                   "receber mensagens."),
        },
    )  # fmt: skip
    for purpose in STOPPED_BY_STOP:
        if services.purpose_allowed(person, purpose):
            services.choose_purpose(person, purpose, False, how=Choice.How.SMS, note="Texted STOP")
    preference, _ = Preference.objects.get_or_create(person=person)
    wanted = _channels_wanted(person, preference)
    if Channel.SMS in wanted or not preference.channels:
        preference.channels = [c for c in wanted if c != Channel.SMS] or [Channel.LETTER]
        preference.save(update_fields=["channels", "updated_at"])
    return "Stopped texts, news and volunteering messages"


def start(inbound: InboundMessage, person: Person) -> str:
    """START: every purpose STOP ended (its latest choice is a "no" given by text) is a "yes"
    again, and texts come first among their channels."""
    from keepwell.messaging import services

    _mark(inbound, Handling.START)
    for purpose in STOPPED_BY_STOP:
        latest = Choice.objects.filter(person=person, purpose=purpose).first()
        if latest is not None and not latest.allowed and latest.how == Choice.How.SMS:
            services.choose_purpose(person, purpose, True, how=Choice.How.SMS, note="Texted START")
    preference = Preference.objects.filter(person=person).first()
    if preference is not None and Channel.SMS not in preference.channels:
        preference.channels = [Channel.SMS, *preference.channels]
        preference.save(update_fields=["channels", "updated_at"])
    _text_back(
        inbound,
        kind="start_confirmed",
        wording={
            "en": ("", "Thank you. You will get texts from us again. Text STOP at any time "
                   "to stop them."),
            "pt": ("", "Obrigado. Voltará a receber mensagens nossas. Envie STOP a qualquer "
                   "momento para deixar de as receber."),
        },
    )  # fmt: skip
    return "Started texts again"


# --- a plea from a number we do not know ----------------------------------------------------


def intake_organisation_id(number: str) -> int | None:
    """Who a stranger's plea goes to: the organisation that last texted that number, else the
    one ``KEEPWELL_SMS_INTAKE_ORGANISATION`` names (by slug or id), else nobody."""
    last = (
        Message.objects.filter(to=number)
        .exclude(sender_organisation=None)
        .order_by("-queued_at", "-id")
        .values_list("sender_organisation_id", flat=True)
        .first()
    )
    if last is not None:
        return last
    configured = str(getattr(settings, "KEEPWELL_SMS_INTAKE_ORGANISATION", "") or "").strip()
    if not configured:
        return None
    from keepwell.directory.models import Organisation

    by = {"pk": int(configured)} if configured.isdigit() else {"slug": configured}
    return Organisation.objects.filter(**by).values_list("pk", flat=True).first()


def _help_request(inbound: InboundMessage) -> str:
    from keepwell.help import services as help_services

    organisation_id = intake_organisation_id(inbound.from_number)
    if organisation_id is None:
        _mark(inbound, Handling.COORDINATORS)
        return "A stranger's text, and no group to send it to: left for the coordinators"
    public = help_services.request_from_text(
        phone=inbound.from_number, words=inbound.body, organisation_id=organisation_id
    )
    _mark(inbound, Handling.HELP_REQUEST, ("public_request", public.pk))
    _text_back(
        inbound,
        kind="help_request_received",
        organisation_id=organisation_id,
        wording={
            "en": ("", "Thank you for your message. A volunteer coordinator will phone you "
                   "soon. If it is an emergency, call 999."),
            "pt": ("", "Obrigado pela sua mensagem. Um coordenador de voluntários vai "
                   "telefonar-lhe em breve. Em caso de emergência, ligue 999."),
        },
    )  # fmt: skip
    return f"A new request in triage ({public.pk})"


# --- texting back ---------------------------------------------------------------------------


def _text_back(
    inbound: InboundMessage,
    *,
    kind: str,
    wording: dict[str, tuple[str, str]],
    organisation_id: int | None = None,
) -> list[Message]:
    """One text in answer, to the number it came from, at once (they have just written to
    us, so quiet hours do not hold it back). To a known person when texts reach them, so it
    joins their conversation; otherwise to the number as a contact."""
    from keepwell.messaging.services import To, plan, send

    person = inbound.person
    recipient = To(phone=inbound.from_number, label="Sender of a text", audience="contact")
    if person is not None:
        as_person = To(person=person, audience="person")
        planned = plan([as_person], purpose=Purpose.CARE, channels=[Channel.SMS])[0]
        if planned.channel == Channel.SMS:
            recipient = as_person
    sent = send(
        event=f"inbound:{inbound.pk}:{kind}",
        kind=kind,
        to=[recipient],
        purpose=Purpose.CARE,
        urgent=True,
        channels=[Channel.SMS],
        sender_organisation_id=organisation_id,
        wording=wording,
    )
    return sent.messages
