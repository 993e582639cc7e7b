"""Community voice and practice reflection use cases. Each write runs in one transaction and
leaves an audit row: who raised, answered, hid or reflected, and when."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from keepwell.accounts.models import STAFF_ROLES
from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.core.phone import InvalidPhoneNumber, normalise_phone
from keepwell.insights.voice import practice
from keepwell.insights.voice.models import (
    NEXT,
    Kind,
    Reflection,
    ReflectionRating,
    Status,
    Via,
    VoiceItem,
    VoiceSupport,
    VoiceUpdate,
)
from keepwell.messaging import services as messaging
from keepwell.messaging.models import Purpose as MessagePurpose
from keepwell.messaging.services import To

# The public form takes this many items from one address an hour: enough for a group
# raising several things at a meeting, too few for a flood. In the shared cache, so every
# web node counts the same.
RAISE_LIMIT = 5
RAISE_WINDOW_S = 60 * 60


class VoiceRefused(Exception):
    """A change that cannot be made, in words for the person who asked."""


# --- Community voice ------------------------------------------------------------------------


def over_the_limit(address: str | None) -> bool:
    """Count one raise from ``address``; True once it has raised more than the limit."""
    if not address:
        return False
    key = f"voice:raise:{address}"
    cache.add(key, 0, RAISE_WINDOW_S)
    try:
        return cache.incr(key) > RAISE_LIMIT
    except ValueError:  # expired between add and incr: this is the first of a new window
        cache.set(key, 1, RAISE_WINDOW_S)
        return False


def new_browser_key() -> str:
    """What an anonymous browser is known by when it supports an item (kept in a signed
    cookie, so it cannot be forged to support twice under another name)."""
    return secrets.token_urlsafe(24)


@transaction.atomic
def raise_item(
    *,
    title: str,
    body: str,
    kind: str,
    by=None,
    area=None,
    name: str = "",
    contact: str = "",
    via: str = Via.WEB,
) -> VoiceItem:
    item = VoiceItem.objects.create(
        title=title.strip(),
        body=body.strip(),
        kind=kind,
        area=area,
        name=name.strip(),
        contact=contact.strip(),
        raised_by=audit.acting_user(by),
        via=via,
    )
    audit.record(
        by, Action.CREATE, item, purpose=Purpose.ADMINISTRATION, summary=f"Raised: {item.title}"
    )
    return item


IDEA_WORDS = ("idea", "ideia")


def raise_by_text(words: str, person, *, phone: str, word: str):
    """A text that starts IDEA or ISSUE (IDEIA, PROBLEMA): raised as an item, heard back
    by text as it is answered. The public page shows the words, never the number or name.
    """
    from keepwell.messaging.inbound import KeywordAnswer

    kind = Kind.IDEA if word in IDEA_WORDS else Kind.ISSUE
    first_line = words.strip().splitlines()[0]
    title = first_line if len(first_line) <= 80 else first_line[:79].rstrip() + "…"
    item = raise_item(
        title=title,
        body=words[:3000],
        kind=kind,
        area=person.area if person is not None else None,
        contact=phone,
        via=Via.TEXT,
    )
    url = settings.SITE_URL.rstrip("/") + reverse("voice:item", kwargs={"item_id": item.pk})
    return KeywordAnswer(
        about=("voice_item", item.pk),
        wording={
            "en": (
                "",
                f"Thank you: it is on the public page for everyone to see and support. "
                f"We will text you as it is answered: {url}",
            ),
            "pt": (
                "",
                f"Obrigado: já está na página pública para todos verem e apoiarem. "
                f"Vamos avisá-lo por mensagem quando houver resposta: {url}",
            ),
        },  # fmt: skip
        summary=f"Raised {kind.label.lower()} on the public page ({item.pk})",
    )


def support(item: VoiceItem, *, user=None, browser: str = "") -> bool:
    """Add one person's support; False when they had already given it (from this account,
    or from this browser signed in or not), so nobody is counted twice."""
    if item.is_hidden:
        raise VoiceRefused(_("This item was removed by moderators and cannot be supported."))
    user = audit.acting_user(user)
    if user is None and not browser:
        raise VoiceRefused(_("Support needs cookies turned on, or signing in."))
    already = Q(user=user) if user is not None else Q(pk__in=[])
    if browser:
        already |= Q(browser=browser)
    if item.supports.filter(already).exists():
        return False
    try:
        with transaction.atomic():
            VoiceSupport.objects.create(item=item, user=user, browser=browser)
    except IntegrityError:  # the same person twice at the same moment
        return False
    return True


def answering_organisation(user):
    """The organisation a staff member answers for: their first staff membership's."""
    membership = (
        user.memberships.filter(role__in=STAFF_ROLES, organisation__isnull=False)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    return membership.organisation if membership else None


@transaction.atomic
def answer(item: VoiceItem, *, status: str, note: str, by) -> VoiceUpdate:
    """Move an item on and say so publicly. "Not possible" must say honestly why."""
    item = VoiceItem.objects.select_for_update().get(pk=item.pk)
    if item.is_hidden:
        raise VoiceRefused("This item was removed by moderators: it cannot be answered.")
    if status not in NEXT[item.status]:
        raise VoiceRefused(
            f"An item that is “{item.get_status_display()}” cannot become “{Status(status).label}”."
        )
    note = note.strip()
    if status == Status.NOT_POSSIBLE and not note:
        raise VoiceRefused("Say why it is not possible: people deserve the honest reason.")
    now = timezone.now()
    update = VoiceUpdate.objects.create(
        item=item,
        status=status,
        note=note,
        by=by,
        organisation=answering_organisation(by),
        at=now,
    )
    before = item.status
    item.status, item.status_changed_at = status, now
    item.save(update_fields=["status", "status_changed_at"])
    audit.record(
        by,
        Action.UPDATE,
        item,
        purpose=Purpose.ADMINISTRATION,
        summary=f"Answered: {Status(status).label}",
        changes={"status": [before, status]},
    )
    _tell_raiser(item, update, by=by)
    return update


@transaction.atomic
def hide(item: VoiceItem, *, reason: str, by) -> VoiceItem:
    """Take an abusive item off the public page; it shows as removed by moderators."""
    reason = reason.strip()
    if not reason:
        raise VoiceRefused("Say why the item is removed.")
    item = VoiceItem.objects.select_for_update().get(pk=item.pk)
    if item.is_hidden:
        return item
    item.hidden_at, item.hidden_reason, item.hidden_by = timezone.now(), reason, by
    item.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
    audit.record(
        by, Action.UPDATE, item, purpose=Purpose.ADMINISTRATION, summary=f"Removed: {reason}"
    )
    return item


def open_contact(item: VoiceItem, *, by) -> None:
    """Record that staff saw the name and contact a resident left to hear back."""
    if item.name or item.contact:
        audit.record(
            by,
            Action.READ,
            item,
            purpose=Purpose.COMMUNICATION,
            summary="Saw who raised it and how to reply",
        )


# --- Practice reflection --------------------------------------------------------------------


@transaction.atomic
def record_reflection(
    organisation,
    *,
    by,
    ratings: Mapping[str, tuple[int, str]],
    reflected_on: date | None = None,
    may_name_team: bool = False,
    notes: str = "",
) -> Reflection:
    """A team's ratings of itself, ``{statement key: (rating 1-5, evidence)}``."""
    unknown = sorted(set(ratings) - set(practice.BY_KEY))
    if unknown:
        raise VoiceRefused(f"Unknown statements: {', '.join(unknown)}")
    if not ratings:
        raise VoiceRefused("Rate at least one statement.")
    if any(rating not in practice.SCALE for rating, _ in ratings.values()):
        raise VoiceRefused("Each rating is from 1 to 5.")
    reflection = Reflection.objects.create(
        organisation=organisation,
        reflected_on=reflected_on or timezone.localdate(),
        may_name_team=may_name_team,
        notes=notes.strip(),
        created_by=by,
    )
    ReflectionRating.objects.bulk_create(
        ReflectionRating(reflection=reflection, key=key, rating=rating, evidence=evidence.strip())
        for key, (rating, evidence) in ratings.items()
    )
    audit.record(
        by,
        Action.CREATE,
        reflection,
        purpose=Purpose.ADMINISTRATION,
        summary=f"Reflection by {organisation}",
    )
    return reflection


def _tell_raiser(item: VoiceItem, update: VoiceUpdate, *, by) -> None:
    """Whoever raised the item and left an email or mobile number hears that it moved, with
    a link to the public answer. A landline or anything else they left is for staff to
    ring: it is shown to them on the item's page."""
    contact = item.contact.strip()
    if "@" in contact:
        to = To(email=contact, label=item.name)
    else:
        try:
            to = To(phone=normalise_phone(contact, mobile=True), label=item.name)
        except InvalidPhoneNumber:
            return
    url = settings.SITE_URL.rstrip("/") + reverse("voice:item", kwargs={"item_id": item.pk})
    messaging.send(
        event=f"voice-answer:{update.pk}",
        kind="voice_answered",
        to=[to],
        purpose=MessagePurpose.CARE,
        context={
            "title": item.title[:80],
            "status": Status(update.status).label.lower(),
            "url": url,
        },
        url=url,
        by=by,
        sender_organisation_id=update.organisation_id,
    )
