"""Telling people, through messaging: inbox notes for staff on each side, and the person
referred told there is news, in their language and on their channel."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from keepwell.messaging import services as messaging
from keepwell.messaging.models import Channel
from keepwell.messaging.models import Purpose as MessagePurpose
from keepwell.messaging.services import To
from keepwell.referrals.models import Referral, Status

# The changes a person hears about themselves: the rest are the services' working steps.
PERSON_HEARS = (Status.ACCEPTED, Status.CONTACTED, Status.DECLINED, Status.COMPLETED)


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _detail_path(referral: Referral) -> str:
    return reverse("referrals:detail", kwargs={"referral_id": referral.pk})


def _staff_note(
    referral: Referral,
    to: To,
    *,
    event: str,
    kind: str,
    subject: str,
    note: str,
    context: dict[str, str] | None = None,
    by=None,
) -> messaging.Sent:
    """An inbox note for staff about a referral.

    Unlike the link-only words that leave keepwell, an inbox note names the person and says
    why: it is read inside keepwell, and only by those who may open the referral (messaging's
    inbox asks ``keepwell.referrals.queries``). The note is a value, never a template, so
    brackets someone typed in a reason are shown as typed.
    """
    path = _detail_path(referral)
    return messaging.send(
        event=event,
        kind=kind,
        to=[to],
        purpose=MessagePurpose.WORK,
        context={**(context or {}), "url": _site(path), "note": note[:300]},
        about=("referral", referral.pk),
        url=path,
        by=by,
        sender_organisation_id=referral.to_organisation_id,
        channels=[Channel.INBOX],
        wording={"en": (subject, "((note))")},
    )


def notify_referrer(
    referral: Referral, *, event: str, kind: str, subject: str, note: str, context=None, by=None
):
    """Tell whoever made the referral, in one note that they and their organisation share."""
    if referral.referred_by_id is None and referral.from_organisation_id is None:
        return None  # a self-referral: the person hears through ``tell_the_person``
    to = To(
        user=referral.referred_by,
        organisation_id=referral.from_organisation_id,
        label=referral.referrer_label,
        audience="referrer",
    )
    return _staff_note(
        referral, to, event=event, kind=kind, subject=subject, note=note, context=context, by=by
    )


def notify_receiver(
    referral: Referral, *, event: str, kind: str, subject: str, note: str, context=None, by=None
):
    """Tell the receiving organisation's staff, in their shared inbox."""
    to = To(
        organisation_id=referral.to_organisation_id,
        label=referral.to_organisation.name,
        audience="service",
    )
    return _staff_note(
        referral, to, event=event, kind=kind, subject=subject, note=note, context=context, by=by
    )


def tell_the_person(referral: Referral, to_status: str, *, by=None):
    """The person referred hears that there is news, in their language and on their channel
    (a letter, or a coordinator's call, for someone with no digital). The words name no
    service: the person signs in to their timeline, or is told on the phone."""
    if to_status not in PERSON_HEARS:
        return None
    path = reverse("people:timeline", kwargs={"person_id": referral.person_id})
    return messaging.send(
        event=f"referral_update:{referral.pk}:{to_status}",
        kind="referral_update",
        to=[To(person=referral.person, audience="person")],
        purpose=MessagePurpose.CARE,
        context={"url": _site(path)},
        about=("referral", referral.pk),
        url=path,
        by=by,
        sender_organisation_id=referral.to_organisation_id,
    )
