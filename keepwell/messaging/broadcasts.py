"""Broadcasts: one message to an audience the sender may reach, in several languages.

A coordinator or NHS connector writes a draft (English, and any of the other languages),
previews who it reaches on which channel and in which language (and who it cannot reach,
and why), then schedules it. ``release_due`` (a periodic task) writes its messages through
``services.send`` in batches, each in its own transaction, so a broadcast to 100,000 people
never runs in a web request; the outbox sends them at its own rate. Cancelling stops every
message still queued.

Consent is ``services.plan``'s: whoever said no to the purpose (news is opt-in) gets nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from keepwell.audit import services as audit
from keepwell.audit.models import Action
from keepwell.audit.models import Purpose as AuditPurpose
from keepwell.messaging import audiences
from keepwell.messaging.models import (
    Broadcast,
    BroadcastText,
    Channel,
    Message,
    Status,
)
from keepwell.messaging.services import Planned, To, plan, send

# The languages a broadcast can be written in; English is always there.
LANGUAGES = {
    "en": "English",
    "pt": "Portuguese (Português)",
    "cy": "Welsh (Cymraeg)",
    "pl": "Polish (Polski)",
    "ur": "Urdu (اردو)",
    "bn": "Bengali (বাংলা)",
    "ar": "Arabic (العربية)",
}
# Channels a broadcast may use; a coordinator's phone call is never one of them by choice.
BROADCAST_CHANNELS = (Channel.SMS, Channel.EMAIL, Channel.LETTER, Channel.INBOX)
# Placeholders a sender may write: filled in for each recipient.
PLACEHOLDERS = frozenset({"name", "link"})
BATCH = 1_000
# A release that stopped (a worker killed) is picked up again after this long.
RELEASE_LEASE = timedelta(minutes=10)
EDITABLE = (Broadcast.State.DRAFT,)


class BroadcastError(Exception):
    """What the sender asked cannot be done; the message says why, in plain words."""


# --- writing a draft ------------------------------------------------------------------------


def _audit(by, action: str, broadcast: Broadcast, summary: str) -> None:
    audit.record(by, action, broadcast, purpose=AuditPurpose.COMMUNICATION, summary=summary)


@transaction.atomic
def save_draft(
    *,
    by,
    title: str,
    audience_kind: str,
    audience_params: dict,
    texts: dict[str, tuple[str, str]],
    purpose: str = "",
    link: str = "",
    channels: list[str] | None = None,
    broadcast: Broadcast | None = None,
) -> Broadcast:
    """Create a draft, or change one. ``texts`` is {language: (subject, body)}; English is
    required. The audience must be one ``by`` may reach."""
    if not audiences.may_reach(by, audience_kind, audience_params):
        raise BroadcastError("You cannot send a broadcast to that audience")
    purpose = purpose or audiences.default_purpose(audience_kind)
    if purpose not in audiences.KINDS[audience_kind].purposes:
        raise BroadcastError("Choose what the broadcast is about from the list")
    if not (texts.get("en") and texts["en"][1].strip()):
        raise BroadcastError("Enter the message in English")
    unknown = set(texts) - set(LANGUAGES)
    if unknown:
        raise BroadcastError(f"keepwell cannot send in {', '.join(sorted(unknown))}")
    params = dict(audience_params)
    params["channels"] = [c for c in (channels or BROADCAST_CHANNELS) if c in BROADCAST_CHANNELS]
    if broadcast is None:
        broadcast = Broadcast.objects.create(
            title=title,
            purpose=purpose,
            audience_kind=audience_kind,
            audience_params=params,
            link=link,
            organisation_id=audiences.sender_organisation(by, audience_kind, params),
            created_by=by,
        )
        action, summary = Action.CREATE, f"Wrote the broadcast “{title}”"
    else:
        broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if broadcast.state not in EDITABLE:
            raise BroadcastError(
                "Only a draft can be changed: this broadcast is already on its way"
            )
        broadcast.title, broadcast.purpose, broadcast.link = title, purpose, link
        broadcast.audience_kind, broadcast.audience_params = audience_kind, params
        broadcast.organisation_id = audiences.sender_organisation(by, audience_kind, params)
        broadcast.save(
            update_fields=[
                "title",
                "purpose",
                "link",
                "audience_kind",
                "audience_params",
                "organisation",
            ]
        )
        action, summary = Action.UPDATE, f"Changed the broadcast “{title}”"
    broadcast.texts.exclude(language__in=list(texts)).delete()
    for language, (subject, body) in texts.items():
        BroadcastText.objects.update_or_create(
            broadcast=broadcast,
            language=language,
            defaults={"subject": subject[:200], "body": body},
        )
    _audit(by, action, broadcast, summary)
    return broadcast


def channels_of(broadcast: Broadcast) -> list[str]:
    return list(broadcast.audience_params.get("channels") or BROADCAST_CHANNELS)


def _channels_for(broadcast: Broadcast, to: To) -> list[str]:
    """The channels ``send`` may use for one recipient. A volunteer with no person record is
    reached once, on the first the sender allows of their inbox and their account's email
    (``send`` would otherwise write to a staff user on every channel at once)."""
    allowed = channels_of(broadcast)
    if to.person is not None:
        return allowed
    return [c for c in (Channel.INBOX, Channel.EMAIL) if c in allowed][:1]


_PLACEHOLDER = re.compile(r"\(\(\s*([^()]+?)\s*\)\)")


def _only_ours(text: str, link: str) -> str:
    """``text`` with ((name)) and ((link)) as ``send`` fills them, and nothing else in double
    brackets: any other placeholder (the form refuses them) would stop a release half way.
    With no link, ((link)) is left out."""

    def keep(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "link":
            return "((link))" if link else ""
        return "((name))" if name == "name" else name

    return _PLACEHOLDER.sub(keep, text)


def wording_of(broadcast: Broadcast) -> dict[str, tuple[str, str]]:
    """{language: (subject, body)} as ``send`` takes it: the link goes at the end of each
    text that does not place it itself."""
    wording = {}
    for text in broadcast.texts.all():
        body = _only_ours(text.body.replace("\r\n", "\n"), broadcast.link).strip()
        if broadcast.link and "((link))" not in body:
            body += "\n\n((link))"
        subject = _only_ours(text.subject or broadcast.title, broadcast.link)
        wording[text.language] = (subject, body)
    return wording


def _language_for(languages: list[str], wording) -> str:
    """The language ``send`` will pick: the person's first with a text, else English."""
    return next((code for code in languages if code in wording), "en")


def _recipient_batches(broadcast: Broadcast, size: int = BATCH, after: int = 0):
    """The audience as lists of ``To``, people first (by id) then volunteers with no record."""
    kind, params = broadcast.audience_kind, broadcast.audience_params
    label = "volunteer" if kind == "volunteers" else "member" if "members" in kind else "person"
    people = audiences.people(kind, params).prefetch_related("languages")
    last = after
    while True:
        batch = list(people.filter(pk__gt=last)[:size])
        if not batch:
            break
        last = batch[-1].pk
        yield [To(person=p, audience=label) for p in batch]
    users = audiences.users_without_record(kind, params)
    last = 0
    while True:
        batch = list(users.filter(pk__gt=last)[:size])
        if not batch:
            break
        last = batch[-1].pk
        yield [To(user=u, label=str(u), audience=label) for u in batch]


# --- the preview ----------------------------------------------------------------------------


def money(pence: int) -> str:
    """Pence as the page says them: "£1,234.56"."""
    return f"£{pence // 100:,}.{pence % 100:02d}"


@dataclass
class SmsCost:
    language: str
    encoding: str
    parts: int
    pence_each: int
    count: int

    @property
    def pence(self) -> int:
        return self.pence_each * self.count

    @property
    def name(self) -> str:
        return LANGUAGES.get(self.language, self.language)

    @property
    def cost(self) -> str:
        return money(self.pence)


@dataclass
class Preview:
    audience: str
    people: int = 0
    reached: int = 0
    # (channel, language) -> recipients
    counts: Counter = field(default_factory=Counter)
    unreachable: list[tuple[str, str]] = field(default_factory=list)
    unreachable_count: int = 0
    reasons: Counter = field(default_factory=Counter)
    sms: list[SmsCost] = field(default_factory=list)
    letters: int = 0
    letter_pence: int = 0
    shown_people: list = field(default_factory=list)  # the person records listed, to audit

    @property
    def channels(self) -> list[str]:
        return [c for c in Channel.values if any(k[0] == c for k in self.counts)]

    @property
    def languages(self) -> list[str]:
        return sorted({k[1] for k in self.counts}, key=lambda c: list(LANGUAGES).index(c))

    def table(self) -> list[dict]:
        """Rows by channel: its label, the count per language, and the total."""
        return [
            {
                "channel": Channel(c).label,
                "cells": [self.counts.get((c, lang), 0) for lang in self.languages],
                "total": sum(n for (ch, _), n in self.counts.items() if ch == c),
            }
            for c in self.channels
        ]

    @property
    def pence(self) -> int:
        return sum(s.pence for s in self.sms) + self.letter_pence

    @property
    def cost(self) -> str:
        return money(self.pence)

    @property
    def letter_cost(self) -> str:
        return money(self.letter_pence)

    @property
    def language_names(self) -> list[str]:
        return [LANGUAGES.get(c, c) for c in self.languages]

    @property
    def reasons_list(self) -> list[tuple[str, int]]:
        return self.reasons.most_common()


UNREACHABLE_SHOWN = 100
NO_RECORD_NO_CHANNEL = "No person record: only their keepwell inbox or email would reach them"


def preview(broadcast: Broadcast, by) -> Preview:
    """Who the broadcast would reach, on which channel and in which language, who it cannot
    reach and why, and what its texts and letters would cost. Writes nothing but the audit
    of the people it names."""
    from keepwell.messaging import sms
    from keepwell.messaging.render import render

    wording = wording_of(broadcast)
    result = Preview(
        audience=audiences.describe(broadcast.audience_kind, broadcast.audience_params)
    )
    for batch in _recipient_batches(broadcast, size=2_000):
        channels = _channels_for(broadcast, batch[0])  # a batch is all people, or all users
        if channels:
            planned_batch = plan(batch, purpose=broadcast.purpose, channels=channels)
        else:
            planned_batch = [Planned(t, reason=NO_RECORD_NO_CHANNEL) for t in batch]
        for planned in planned_batch:
            result.people += 1
            if not planned.reachable:
                result.unreachable_count += 1
                result.reasons[planned.reason] += 1
                if len(result.unreachable) < UNREACHABLE_SHOWN:
                    who = planned.to.person or planned.to.user
                    result.unreachable.append((str(who), planned.reason))
                    if planned.to.person is not None:
                        result.shown_people.append(planned.to.person)
                continue
            result.reached += 1
            language = _language_for(planned.languages, wording)
            result.counts[(planned.channel, language)] += 1
    for language, (_subject, body) in sorted(wording.items()):
        count = result.counts.get((Channel.SMS, language), 0)
        # A typical name and the link stand in for each person's own.
        text = render(body, {"name": "Alexandra", "link": broadcast.link})
        result.sms.append(
            SmsCost(
                language=language,
                encoding=sms.encoding(text),
                parts=sms.parts(text),
                pence_each=sms.cost_pence(text, settings.KEEPWELL_SMS_PART_PENCE),
                count=count,
            )
        )
    result.letters = sum(n for (c, _), n in result.counts.items() if c == Channel.LETTER)
    result.letter_pence = result.letters * settings.KEEPWELL_LETTER_PENCE
    if result.shown_people:
        audit.record_many(
            by,
            Action.READ,
            result.shown_people,
            purpose=AuditPurpose.COMMUNICATION,
            summary=f"Listed as not reached by the broadcast “{broadcast.title}”"[:300],
        )
    return result


# --- scheduling, cancelling, releasing ------------------------------------------------------


@transaction.atomic
def schedule(broadcast: Broadcast, when: datetime, by) -> Broadcast:
    """Send it at ``when`` (now or later). Its messages are written when it is due."""
    broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    if broadcast.state != Broadcast.State.DRAFT:
        raise BroadcastError("This broadcast is already scheduled, sent or cancelled")
    if not audiences.may_reach(by, broadcast.audience_kind, broadcast.audience_params):
        raise BroadcastError("You cannot send a broadcast to that audience")
    broadcast.state = Broadcast.State.SCHEDULED
    broadcast.scheduled_for = max(when, timezone.now())
    broadcast.save(update_fields=["state", "scheduled_for"])
    local = timezone.localtime(broadcast.scheduled_for)
    _audit(by, Action.UPDATE, broadcast, f"Scheduled the broadcast for {local:%d/%m/%Y %H:%M}")
    return broadcast


@transaction.atomic
def cancel(broadcast: Broadcast, by) -> int:
    """Stop the broadcast: nothing more is written, and every message still queued is
    cancelled. Returns how many messages were stopped."""
    broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    if broadcast.state in (Broadcast.State.SENT, Broadcast.State.CANCELLED) and not (
        broadcast.messages.filter(status=Status.QUEUED).exists()
    ):
        raise BroadcastError("This broadcast has already gone out or been cancelled")
    now = timezone.now()
    stopped = broadcast.messages.filter(status=Status.QUEUED).update(
        status=Status.CANCELLED, cancelled_at=now, status_detail="The broadcast was cancelled"
    )
    broadcast.state = Broadcast.State.CANCELLED
    broadcast.cancelled_at, broadcast.cancelled_by = now, by
    broadcast.save(update_fields=["state", "cancelled_at", "cancelled_by"])
    _audit(by, Action.UPDATE, broadcast, f"Cancelled the broadcast: {stopped} messages stopped")
    return stopped


def _claim(broadcast_id: int, now: datetime) -> bool:
    """Take the broadcast to release, once: scheduled and due, or a release that stopped
    (``started_at`` is its heartbeat, renewed each batch)."""
    from django.db.models import Q

    return bool(
        Broadcast.objects.filter(pk=broadcast_id)
        .filter(
            Q(state=Broadcast.State.SCHEDULED, scheduled_for__lte=now)
            | Q(state=Broadcast.State.SENDING, started_at__lt=now - RELEASE_LEASE)
        )
        .update(state=Broadcast.State.SENDING, started_at=now)
    )


def release(broadcast: Broadcast, now: datetime | None = None) -> int:
    """Write the messages of one due broadcast, a batch per transaction; returns how many
    were written. Safe to run twice or after a crash: each person gets one message."""
    now = now or timezone.now()
    if not _claim(broadcast.pk, now):
        return 0
    written = 0
    for batch in _recipient_batches(broadcast):
        with transaction.atomic():
            current = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
            if current.state != Broadcast.State.SENDING:
                return written  # cancelled while it was going out
            people = [t.person.pk for t in batch if t.person is not None]
            users = [t.user.pk for t in batch if t.user is not None]
            done = Message.objects.filter(broadcast=current, fallback_of=None)
            had_person = set(done.filter(person_id__in=people).values_list("person_id", flat=True))
            had_user = set(done.filter(user_id__in=users).values_list("user_id", flat=True))
            to = [
                t
                for t in batch
                if (t.person is not None and t.person.pk not in had_person)
                or (t.user is not None and t.user.pk not in had_user)
            ]
            wording = wording_of(current)
            people_to = [t for t in to if t.person is not None]
            # A volunteer with no person record has no name ``send`` knows: each is sent
            # with their own (they are few; people go in one call).
            calls = [(people_to, {})] if people_to else []
            calls += [
                ([t], {"name": t.user.first_name or str(t.user)})
                for t in to
                if t.user is not None and _channels_for(current, t)
            ]
            for recipients, context in calls:
                sent = send(
                    event=f"broadcast:{current.pk}",
                    kind="broadcast",
                    to=recipients,
                    purpose=current.purpose,
                    context=context,
                    url=current.link,
                    by=current.created_by,
                    sender_organisation_id=current.organisation_id,
                    channels=_channels_for(current, recipients[0]),
                    broadcast=current,
                    wording=wording,
                )
                written += len(sent.messages)
            Broadcast.objects.filter(pk=current.pk).update(started_at=timezone.now())
    with transaction.atomic():
        current = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if current.state == Broadcast.State.SENDING:
            current.state = Broadcast.State.SENT
            current.finished_at = timezone.now()
            current.recipients = current.messages.filter(fallback_of=None).count()
            current.save(update_fields=["state", "finished_at", "recipients"])
            audit.record(
                None,
                Action.CREATE,
                current,
                purpose=AuditPurpose.COMMUNICATION,
                summary=f"Broadcast released: {current.recipients} messages written",
                via="system",
            )
    return written


def release_due(now: datetime | None = None) -> int:
    """The periodic task's work: release every broadcast that is due; returns messages
    written."""
    now = now or timezone.now()
    due = Broadcast.objects.filter(
        state=Broadcast.State.SCHEDULED, scheduled_for__lte=now
    ) | Broadcast.objects.filter(state=Broadcast.State.SENDING, started_at__lt=now - RELEASE_LEASE)
    return sum(release(b, now) for b in due.order_by("scheduled_for", "pk"))


def progress(broadcast: Broadcast) -> dict[str, int]:
    """How its messages stand: {status: count}, in one query."""
    from django.db.models import Count

    rows = broadcast.messages.values_list("status").annotate(n=Count("pk")).order_by()
    return dict(rows)


# --- lists and the share kit ----------------------------------------------------------------


def visible_to(user):
    """The broadcasts ``user`` may see: their own, their organisations', or any (admin)."""
    from django.db.models import Q

    from keepwell.accounts.models import Role

    qs = Broadcast.objects.select_related("organisation", "created_by")
    if not user.is_authenticated:
        return qs.none()
    if user.is_platform_admin:
        return qs
    org_ids = user.organisation_ids(Role.COORDINATOR, Role.NHS_CONNECTOR, Role.AREA_LEAD)
    return qs.filter(Q(created_by=user) | Q(organisation_id__in=org_ids))


def leaflets_for(user, limit: int = 20):
    """Broadcasts ``user`` may print a leaflet of (a run sheet offers them): newest first."""
    return (
        visible_to(user)
        .select_related(None)
        .exclude(state=Broadcast.State.CANCELLED)
        .only("id", "title", "created_at")
        .order_by("-created_at", "-id")[:limit]
    )


def leaflet(broadcast: Broadcast, *, language: str = "", large_print: bool = False) -> bytes:
    """A printable leaflet or poster: every language's text, or one language's."""
    from keepwell.messaging.pdf import leaflet_pdf

    texts = [
        (
            t.language,
            _unfilled(t.subject or broadcast.title),
            t.body.replace("((link))", broadcast.link),
        )
        for t in broadcast.texts.all()
        if not language or t.language == language
    ]
    return leaflet_pdf(
        [(lang, title, _unfilled(body)) for lang, title, body in texts],
        link=broadcast.link,
        title=broadcast.title,
        large_print=large_print,
    )


def _unfilled(body: str) -> str:
    """A text for everyone (a group post, a leaflet): no one's name to fill in, so
    "Can you help, ((name))?" reads "Can you help?"."""
    body = re.sub(r",?[ \t]*\(\(\s*name\s*\)\)", "", body)
    return _only_ours(body, "").strip()


def share_text(broadcast: Broadcast, language: str = "en") -> str:
    """The words and link ready to paste into a WhatsApp or Facebook group."""
    text = next((t for t in broadcast.texts.all() if t.language == language), None)
    if text is None:
        return ""
    body = _unfilled(text.body.replace("((link))", broadcast.link or ""))
    if broadcast.link and broadcast.link not in body:
        body += f"\n\n{broadcast.link}"
    return f"{_unfilled(text.subject or broadcast.title)}\n\n{body}".strip()


@task()
def release_due_task() -> int:
    """Periodic: write the messages of every broadcast that is due (see ``release_due``)."""
    return release_due()
