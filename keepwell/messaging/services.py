"""Messaging's seam: every capability speaks to people by calling ``send``.

``send`` runs inside the transaction of the event that causes it and writes one outbox row
per recipient and channel at once, so an event and its messages commit or roll back
together; nothing leaves keepwell until a worker claims the row (keepwell/messaging/outbox.py).
The same event sent twice adds nothing: the idempotency key is event, recipient and channel.

Who gets what:

* a **person** is reached on their first preferred channel they can be reached on, in the
  first of their languages with approved words (then English); "no digital" means letters
  and phone calls only; texts wait for the end of their quiet hours unless urgent. If that
  channel fails for good the next is tried, and in the end a coordinator is asked to phone
  them (a ``phone`` message: the call script and whether they got through). A person who
  said no to the purpose gets nothing, and ``Sent.unreachable`` says so.
* a **user** (staff) gets an in-app note in their keepwell inbox, or the channels asked for;
* an **organisation** gets a note in its staff's shared inbox;
* a **contact** who is not a person record (a safeguarding lead) gets email, or the channels
  asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from keepwell.audit.services import acting_user
from keepwell.core.db import PLAIN_TYPES, marks, preparing_cursor
from keepwell.core.phone import normalise_or_keep
from keepwell.messaging.models import (
    DIGITAL_CHANNELS,
    OPTED_IN_BY_DEFAULT,
    PURPOSE_BASIS,
    Channel,
    Message,
    Preference,
    Purpose,
    PurposeChoice,
    Status,
)

logger = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")
DEFAULT_QUIET = (time(21, 0), time(8, 0))
# A person's channels when they have said nothing more precise than their record does.
DEFAULT_ORDER = (Channel.SMS, Channel.EMAIL, Channel.LETTER)
_PREFERRED_ON_RECORD = {
    "sms": Channel.SMS,
    "email": Channel.EMAIL,
    "letter": Channel.LETTER,
    "phone": Channel.PHONE,
    "in_person": Channel.PHONE,
}


class MessagingError(Exception):
    """A message that cannot be written as asked (an unknown kind, a missing placeholder)."""


@dataclass(frozen=True)
class To:
    """One recipient. Exactly one of person, user, organisation, or an email/phone contact."""

    person: object | None = None
    user: object | None = None
    organisation_id: int | None = None
    email: str = ""
    phone: str = ""
    label: str = ""
    audience: str = ""

    @property
    def key(self) -> str:
        if self.person is not None:
            return f"person:{self.person.pk}"
        if self.user is not None:
            return f"user:{self.user.pk}"
        if self.organisation_id is not None:
            return f"org:{self.organisation_id}"
        return f"contact:{(self.email or self.phone).lower()}"


@dataclass
class Planned:
    """What ``send`` would do for one recipient: the channel and language, or why not."""

    to: To
    channel: str = ""
    next_channels: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    address: str = ""
    address_lines: list[str] = field(default_factory=list)
    large_print: bool = False
    not_before: datetime | None = None
    reason: str = ""  # why nobody is reached, when channel is ""
    # Staff and contacts get every channel asked for at once (an urgent concern: email and a
    # text); a person gets one, and the next only if it fails.
    all_at_once: bool = False

    @property
    def reachable(self) -> bool:
        return bool(self.channel)


@dataclass
class Sent:
    unreachable: list[tuple[To, str]] = field(default_factory=list)
    # The outbox rows, read back only when someone asks: most events never look.
    keys: list[str] = field(default_factory=list)
    _messages: list[Message] | None = None

    @property
    def messages(self) -> list[Message]:
        if self._messages is None:
            self._messages = (
                list(Message.objects.filter(idempotency_key__in=self.keys)) if self.keys else []
            )
        return self._messages

    @messages.setter
    def messages(self, value: list[Message]) -> None:
        self._messages = list(value)


# --- consent and preferences ----------------------------------------------------------------


def allowed_people(person_ids: Iterable[int], purpose: str) -> set[int]:
    """Of these people, those who may be messaged for ``purpose``: the latest choice each made
    stands; with none, the purpose's default (news is opt-in, the rest opt-out)."""
    ids = set(person_ids)
    latest: dict[int, bool] = {}
    for person_id, allowed in (
        PurposeChoice.objects.filter(person_id__in=ids, purpose=purpose)
        .order_by("person_id", "-at", "-id")
        .values_list("person_id", "allowed")
    ):
        latest.setdefault(person_id, allowed)
    default = OPTED_IN_BY_DEFAULT.get(purpose, False)
    return {pid for pid in ids if latest.get(pid, default)}


def purpose_allowed(person, purpose: str) -> bool:
    return person.pk in allowed_people([person.pk], purpose)


@transaction.atomic
def choose_purpose(person, purpose: str, allowed: bool, *, how: str, by=None, note: str = ""):
    """Record a person's yes or no to one purpose (the latest choice stands), audited."""
    from keepwell.audit import services as audit
    from keepwell.audit.models import Action
    from keepwell.audit.models import Purpose as AuditPurpose

    if purpose not in Purpose.values:
        raise MessagingError(f"Unknown purpose {purpose!r}")
    choice = PurposeChoice.objects.create(
        person=person,
        purpose=purpose,
        allowed=allowed,
        lawful_basis=PURPOSE_BASIS[purpose],
        how=how,
        by=acting_user(by),
        note=note[:300],
    )
    audit.record(
        acting_user(by),
        Action.UPDATE,
        person,
        purpose=AuditPurpose.COMMUNICATION,
        person_id=person.pk,
        summary=f"Messages {Purpose(purpose).label.lower()}: {'yes' if allowed else 'no'}",
        via="sms" if how == PurposeChoice.How.SMS else "web",
    )
    return choice


def preferences_for(person_ids: Iterable[int]) -> dict[int, Preference]:
    return {p.person_id: p for p in Preference.objects.filter(person_id__in=set(person_ids))}


def _languages(preference: Preference | None, spoken: list[str]) -> list[str]:
    """Their languages in order: as they set them, else those on their record; English last."""
    codes = list(preference.languages) if preference and preference.languages else sorted(spoken)
    if "en" not in codes:
        codes.append("en")
    return codes


def _person_languages(person, preference: Preference | None) -> list[str]:
    return _languages(preference, [language.code for language in person.languages.all()])


_FACTS_SQL: dict[tuple[str, int], str] = {}
_CONVERTERS: dict[str, list] = {}


def _facts_sql(count: int) -> str:
    """The statement for ``count`` people: on PostgreSQL one text for one person and one
    for more (their ids travel as one array), each prepared once; on SQLite, a mark per
    id."""
    from keepwell.people.models import Person

    key = (connection.vendor, min(count, 2) if connection.vendor == "postgresql" else count)
    if key not in _FACTS_SQL:
        quote = connection.ops.quote_name
        choice = quote(PurposeChoice._meta.db_table)
        preference = Preference._meta
        columns = ", ".join(f"pref.{quote(f.column)}" for f in preference.concrete_fields)
        through = quote(Person.languages.through._meta.db_table)
        language = quote(Person.languages.field.related_model._meta.db_table)
        if connection.vendor == "postgresql":
            # One person (nearly every event) by equality: PostgreSQL then keeps one plan for
            # it, where for an array of unknown length it would plan each call again.
            joined, which = "string_agg(l.code, ',')", "= %s" if count == 1 else "= ANY(%s)"
        else:
            joined, which = "group_concat(l.code)", f"IN ({', '.join(['%s'] * count)})"
        # Table and column names come from the models; every value is a parameter.
        _FACTS_SQL[key] = (
            f"SELECT {columns}, p.id, "  # noqa: S608
            f"(SELECT c.allowed FROM {choice} c WHERE c.person_id = p.id AND c.purpose = %s "
            "ORDER BY c.at DESC, c.id DESC LIMIT 1), "
            f"(SELECT {joined} FROM {through} pl JOIN {language} l ON l.id = pl.language_id "
            "WHERE pl.person_id = p.id) "
            f"FROM {quote(Person._meta.db_table)} p "
            f"LEFT JOIN {quote(preference.db_table)} pref ON pref.person_id = p.id "
            f"WHERE p.id {which}"
        )
    return _FACTS_SQL[key]


def _converters(model) -> list:
    """Per concrete field of ``model``, the conversions the ORM applies to a value read from
    this database (JSON text to lists, SQLite's text to times, 0/1 to booleans)."""
    key = f"{connection.vendor}:{model._meta.label}"
    if key not in _CONVERTERS:
        found = []
        for f in model._meta.concrete_fields:
            column = f.get_col(model._meta.db_table)
            found.append(
                (column, connection.ops.get_db_converters(column) + f.get_db_converters(connection))
            )
        _CONVERTERS[key] = found
    return _CONVERTERS[key]


def _facts(person_ids: list[int], purpose: str):
    """For these people: who may be messaged for ``purpose`` (their latest choice, else the
    purpose's default), their preferences, and the languages on their record (only for
    those whose preferences name none).

    It runs inside every event that messages someone, so it is one statement, prepared on
    PostgreSQL (``keepwell.core.db``), whose rows carry each person's preference columns
    (turned into Preference rows with the fields' own conversions), their id, their latest
    choice and their spoken languages. The ORM's equivalent cost more to build than to run."""
    ids = sorted(set(person_ids))
    if not ids:
        return set(), {}, {}
    if connection.vendor == "postgresql" and len(ids) > 1:
        params = [purpose, ids]
    else:
        params = [purpose, *ids]
    with preparing_cursor() as cursor:
        cursor.execute(_facts_sql(len(ids)), params)
        rows = cursor.fetchall()
    converters = _converters(Preference)
    names = [f.attname for f in Preference._meta.concrete_fields]
    width = len(names)
    default = OPTED_IN_BY_DEFAULT.get(purpose, False)
    allowed: set[int] = set()
    preferences: dict[int, Preference] = {}
    spoken: dict[int, list[str]] = {}
    for row in rows:
        person_id, said, languages = row[width:]
        if bool(said) if said is not None else default:
            allowed.add(person_id)
        preference = None
        if row[0] is not None:
            values = list(row[:width])
            for i, (column, functions) in enumerate(converters):
                for function in functions:
                    values[i] = function(values[i], column, connection)
            preference = preferences[person_id] = Preference.from_db(
                connection.alias, names, values
            )
        if languages and not (preference is not None and preference.languages):
            spoken[person_id] = languages.split(",")
    return allowed, preferences, spoken


def channel_order(person, preference: Preference | None) -> list[str]:
    """The channels to try for this person, best first, ending with a coordinator's call."""
    if preference is not None and preference.channels:
        wanted = [c for c in preference.channels if c in Channel.values]
    else:
        first = _PREFERRED_ON_RECORD.get(person.preferred_channel)
        wanted = [first] if first and first != Channel.PHONE else []
        wanted += [c for c in DEFAULT_ORDER if c not in wanted]
    order = []
    for channel in wanted:
        if channel in DIGITAL_CHANNELS and person.no_digital:
            continue
        if channel == Channel.SMS and not person.mobile:
            continue
        if channel == Channel.EMAIL and not person.email:
            continue
        if channel == Channel.LETTER and not (person.address_line_1 and person.postcode):
            continue
        if channel == Channel.INBOX and not person.user_id:
            continue
        if channel not in order:
            order.append(channel)
    # Nobody drops through silently: in the end a coordinator phones them (or, with no
    # number, visits or writes; the call task says so).
    if Channel.PHONE in order:
        order.remove(Channel.PHONE)
    order.append(Channel.PHONE)
    return order


def _address_lines(person) -> list[str]:
    lines = [person.full_name, person.address_line_1, person.address_line_2, person.town]
    lines = [line for line in lines if line]
    return [*lines[:6], person.postcode]


def in_quiet_hours(at: datetime, quiet: tuple[time, time]) -> datetime | None:
    """When the quiet hours around ``at`` end (London time), or None if ``at`` is not in them."""
    start, end = quiet
    local = timezone.localtime(at, LONDON)
    now = local.time()
    if start == end:
        return None
    quiet_now = (start <= now or now < end) if start > end else (start <= now < end)
    if not quiet_now:
        return None
    day = local.date() if now < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=LONDON)


def _contact_address(channel: str, to: To, person) -> str:
    if channel == Channel.SMS:
        return normalise_or_keep(person.mobile if person is not None else to.phone, mobile=True)
    if channel == Channel.EMAIL:
        if person is not None:
            return person.email
        if to.user is not None:
            return to.user.email
        return to.email
    if channel == Channel.PHONE and person is not None:
        return normalise_or_keep(person.mobile or person.phone)
    return ""


def _all_at_once(planned, usable: list[str], recipient) -> None:
    """A staff member or an organisation's contact: every usable channel at once, in
    English, the first one now."""
    planned.channel, planned.next_channels = usable[0], usable[1:]
    planned.address = _contact_address(planned.channel, recipient, None)
    planned.languages = ["en"]
    planned.all_at_once = True


def plan(
    to: Iterable[To],
    *,
    purpose: str,
    urgent: bool = False,
    channels: Sequence[str] | None = None,
    now: datetime | None = None,
) -> list[Planned]:
    """For each recipient, which channel and languages ``send`` would use, or why nobody is
    reached. Reads in a few queries whatever the number of recipients."""
    now = now or timezone.now()
    recipients = list(to)
    people = [r.person for r in recipients if r.person is not None]
    person_ids = [p.pk for p in people]
    allowed, preferences, spoken = _facts(person_ids, purpose)
    plans = []
    for recipient in recipients:
        planned = Planned(recipient)
        person = recipient.person
        if person is not None:
            preference = preferences.get(person.pk)
            if getattr(person, "merged_into_id", None):
                planned.reason = "This record was merged into another"
            elif person.pk not in allowed:
                planned.reason = (
                    "Has not agreed to news and broadcasts"
                    if purpose == Purpose.NEWS
                    else f"Said no to messages {Purpose(purpose).label.lower()}"
                )
            else:
                order = channel_order(person, preference)
                if channels:
                    limited = [c for c in order if c in channels]
                    # Staff asked for particular channels; a coordinator's call still ends it.
                    order = limited + ([Channel.PHONE] if Channel.PHONE not in limited else [])
                planned.channel, planned.next_channels = order[0], order[1:]
                planned.languages = _languages(preference, spoken.get(person.pk, []))
                planned.large_print = bool(preference and preference.large_print)
                if planned.channel == Channel.LETTER:
                    planned.address_lines = _address_lines(person)
                planned.address = _contact_address(planned.channel, recipient, person)
                if planned.channel == Channel.SMS and not urgent:
                    quiet = (
                        (preference.quiet_from, preference.quiet_until)
                        if preference
                        else DEFAULT_QUIET
                    )
                    planned.not_before = in_quiet_hours(now, quiet)
        elif recipient.user is not None or recipient.organisation_id is not None:
            wanted = list(channels or [Channel.INBOX])
            if recipient.organisation_id is not None and recipient.user is None:
                wanted = [Channel.INBOX]
            usable = [
                c
                for c in wanted
                if c == Channel.INBOX or (c == Channel.EMAIL and recipient.user.email)
            ]
            if usable:
                _all_at_once(planned, usable, recipient)
            else:
                planned.reason = "No email address on their account"
        else:
            wanted = list(channels or ([Channel.EMAIL, Channel.SMS] if urgent else [Channel.EMAIL]))
            usable = [
                c
                for c in wanted
                if (c == Channel.EMAIL and recipient.email)
                or (c == Channel.SMS and recipient.phone)
            ]
            if usable:
                _all_at_once(planned, usable, recipient)
            else:
                planned.reason = "No email address or mobile number for this contact"
        plans.append(planned)
    return plans


# --- writing the outbox ---------------------------------------------------------------------


class _Words:
    """The words for one send: templates chosen once per channel and language list."""

    def __init__(self, kind: str, wording: Mapping[str, tuple[str, str]] | None):
        self.kind = kind
        self.wording = dict(wording or {})
        self._cache: dict[tuple[str, tuple[str, ...]], tuple] = {}
        self.missing: set[str] = set()  # channels with no approved words for this kind

    def pick(self, channel: str, languages: list[str]):
        """(template or None, language, fallback, subject, body)."""
        key = (channel, tuple(languages))
        if key not in self._cache:
            if self.wording:
                language = next((code for code in languages if code in self.wording), None)
                if language is None:
                    language = "en" if "en" in self.wording else next(iter(self.wording))
                subject, body = self.wording[language]
                self._cache[key] = (None, language, language != languages[0], subject, body)
            else:
                from keepwell.messaging import wording

                try:
                    choice = wording.choose(self.kind, channel, languages)
                except wording.NoTemplate:
                    # Words retired with nothing approved in their place: the event still
                    # happens; the message is written as failed, for the outbox and the
                    # audit to show, and the error logged for whoever looks after keepwell.
                    logger.error("No approved words for %r on %s", self.kind, channel)
                    self._cache[key] = (None, "en", False, "", "")
                    self.missing.add(channel)
                    return self._cache[key]
                template = choice.template
                self._cache[key] = (
                    template,
                    choice.language,
                    choice.fallback,
                    template.subject,
                    template.body,
                )
        return self._cache[key]


def _render(text: str, context: Mapping[str, str]) -> str:
    from keepwell.messaging.render import MissingPlaceholder, render

    try:
        return render(text, context)
    except MissingPlaceholder as exc:
        raise MessagingError(str(exc)) from exc


def _sms_shape(body: str) -> tuple[str, int, int]:
    from keepwell.messaging import sms

    return (
        sms.encoding(body),
        sms.parts(body),
        sms.cost_pence(body, settings.KEEPWELL_SMS_PART_PENCE),
    )


def _message(
    planned: Planned,
    *,
    channel: str,
    words: _Words,
    event: str,
    kind: str,
    purpose: str,
    context: Mapping[str, str],
    urgent: bool,
    about: tuple[str, int] | None,
    url: str,
    by,
    sender_organisation_id: int | None,
    broadcast,
    now: datetime,
    not_before: datetime | None,
    fallback_of: Message | None = None,
) -> Message:
    to = planned.to
    person = to.person
    template, language, fallback, subject, body = words.pick(channel, planned.languages)
    values = dict(context)
    if person is not None:
        values.setdefault("name", person.known_as or person.given_name)
    if url:
        # Texts, emails and letters carry a full address; the inbox keeps the path.
        full = f"{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url
        values.setdefault("url", full)
        values.setdefault("link", full)  # a broadcast's words say ((link))
    message = Message(
        idempotency_key=f"{event}|{to.key}|{channel}"[:255],
        event=event[:120],
        kind=kind,
        purpose=purpose,
        channel=channel,
        urgent=urgent,
        person=person,
        user=to.user,
        organisation_id=to.organisation_id,
        recipient_label=(to.label or (str(person) if person is not None else ""))[:200],
        to=_contact_address(channel, to, person) if channel != planned.channel else planned.address,
        address=planned.address_lines if channel == Channel.LETTER else [],
        sender_organisation_id=sender_organisation_id,
        sent_by=acting_user(by),
        audience=to.audience[:40],
        area_id=getattr(person, "area_id", None),
        broadcast=broadcast,
        about_type=about[0] if about else "",
        about_id=about[1] if about else None,
        fallback_of=fallback_of,
        language=language,
        template=template,
        language_fallback=fallback,
        large_print=planned.large_print,
        subject=_render(subject, values)[:200],
        body=_render(body, values),
        url=url[:300],
        context=dict(context),
        next_channels=[]
        if planned.all_at_once
        else [c for c in planned.next_channels if c != channel],
        queued_at=now,
        next_attempt_at=max(filter(None, [now, not_before, planned.not_before])),
    )
    if channel == Channel.LETTER and not message.address:
        message.address = _address_lines(person) if person is not None else []
    if channel == Channel.SMS:
        message.sms_encoding, message.sms_parts, message.cost_pence = _sms_shape(message.body)
    elif channel == Channel.LETTER:
        message.cost_pence = settings.KEEPWELL_LETTER_PENCE
    if channel in words.missing:
        message.status, message.failed_at = Status.TECHNICAL_FAILURE, now
        message.status_detail = "No approved words for this kind of message"
    elif channel == Channel.INBOX:
        # Written straight into the inbox: there is nothing to send.
        message.provider = "inbox"
        message.status = Status.DELIVERED
        message.sent_at = message.delivered_at = now
    elif channel == Channel.PHONE:
        message.provider = "phone"  # waits for a coordinator to call and say how it went
    return message


def send(
    *,
    event: str,
    kind: str,
    to: Iterable[To],
    purpose: str,
    context: Mapping[str, str] | None = None,
    urgent: bool = False,
    about: tuple[str, int] | None = None,
    url: str = "",
    by=None,
    sender_organisation_id: int | None = None,
    channels: Sequence[str] | None = None,
    not_before: datetime | None = None,
    broadcast=None,
    wording: Mapping[str, tuple[str, str]] | None = None,
) -> Sent:
    """Write the messages an event causes, in the caller's transaction (see module doc)."""
    if purpose not in Purpose.values:
        raise MessagingError(f"Unknown purpose {purpose!r}")
    now = timezone.now()
    words = _Words(kind, wording)
    sent = Sent()
    rows: list[Message] = []
    for planned in plan(to, purpose=purpose, urgent=urgent, channels=channels, now=now):
        if not planned.reachable:
            sent.unreachable.append((planned.to, planned.reason))
            continue
        for channel in (
            [planned.channel, *planned.next_channels] if planned.all_at_once else [planned.channel]
        ):
            rows.append(
                _message(
                    planned,
                    channel=channel,
                    words=words,
                    event=event,
                    kind=kind,
                    purpose=purpose,
                    context=context or {},
                    urgent=urgent,
                    about=about,
                    url=url,
                    by=by,
                    sender_organisation_id=sender_organisation_id,
                    broadcast=broadcast,
                    now=now,
                    not_before=not_before,
                )
            )
    if rows:
        _insert(rows)
        sent.keys = [m.idempotency_key for m in rows]
    return sent


_INSERT: dict[str, tuple[str, list[tuple[Any, bool]]]] = {}
_PLAIN_VALUES = (str, int, bool)


def _insert(rows: list[Message]) -> None:
    """Write outbox rows, skipping any whose idempotency key is already there.

    What ``bulk_create(ignore_conflicts=True)`` does, as one statement text whatever the
    message, prepared on PostgreSQL (``keepwell.core.db``): it runs in every event that
    messages someone. Each value is prepared as the ORM prepares it for this database."""
    if connection.vendor not in _INSERT:
        from django.db.models.constants import OnConflict

        quote = connection.ops.quote_name
        fields = [f for f in Message._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(quote(f.column) for f in fields)
        values = ", ".join(marks(len(fields)))
        head = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
        tail = connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
        # Table and column names come from the model; every value is a parameter.
        sql = f"{head} {quote(Message._meta.db_table)} ({columns}) VALUES ({values}) {tail}"
        plain = [f.get_internal_type() in PLAIN_TYPES for f in fields]
        _INSERT[connection.vendor] = (sql.strip(), list(zip(fields, plain, strict=True)))
    sql, fields = _INSERT[connection.vendor]
    values = [
        [
            value
            if value is None or (plain and type(value) in _PLAIN_VALUES)
            else f.get_db_prep_save(value, connection)
            for f, plain in fields
            for value in (f.pre_save(message, True),)
        ]
        for message in rows
    ]
    with preparing_cursor(native=True) as cursor:
        if len(values) == 1:
            cursor.execute(sql, values[0])
        else:
            cursor.executemany(sql, values)


@transaction.atomic
def after_failure(message: Message) -> Message | None:
    """A message failed for good: try the person's next channel, ending with a coordinator's
    phone call, so nobody drops through silently. Returns the new message, if any."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status not in (
        Status.PERMANENT_FAILURE,
        Status.TEMPORARY_FAILURE,
        Status.TECHNICAL_FAILURE,
    ):
        return None
    if message.fallbacks.exists() or not message.next_channels:
        return None
    person = message.person
    to = To(
        person=person,
        user=message.user,
        organisation_id=message.organisation_id,
        email=message.to if "@" in message.to else "",
        phone=message.to if message.to.startswith("+") else "",
        label=message.recipient_label,
        audience=message.audience,
    )
    channel, rest = message.next_channels[0], message.next_channels[1:]
    preference = preferences_for([person.pk]).get(person.pk) if person is not None else None
    planned = Planned(
        to,
        channel=channel,
        next_channels=rest,
        languages=_person_languages(person, preference) if person is not None else ["en"],
        large_print=message.large_print,
    )
    planned.address = _contact_address(channel, to, person)
    if channel == Channel.LETTER and person is not None:
        planned.address_lines = _address_lines(person)
    wording = None
    if message.template_id is None:
        wording = {message.language: (message.subject, message.body)}
    now = timezone.now()
    fallback = _message(
        planned,
        channel=channel,
        words=_Words(message.kind, wording),
        event=message.event,
        kind=message.kind,
        purpose=message.purpose,
        context=message.context,
        urgent=message.urgent,
        about=(message.about_type, message.about_id) if message.about_type else None,
        url=message.url,
        by=message.sent_by,
        sender_organisation_id=message.sender_organisation_id,
        broadcast=message.broadcast,
        now=now,
        not_before=None,
        fallback_of=message,
    )
    if channel == Channel.SMS and not message.urgent and person is not None:
        quiet = (preference.quiet_from, preference.quiet_until) if preference else DEFAULT_QUIET
        fallback.next_attempt_at = in_quiet_hours(now, quiet) or now
    _insert([fallback])
    return Message.objects.filter(idempotency_key=fallback.idempotency_key).first()
