"""Referral use cases. Each runs in one transaction, writes the audit log, and closes the
loop: every change lands in the inbox of whoever made the referral, and the person hears, in
their language and channel, of the changes that matter to them (through messaging).

Other capabilities call :func:`refer_to_practice` (a doorstep concern asking a GP practice
for a review) and :func:`record_strengths` (what someone could give, at the end of help).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from keepwell.accounts.models import Role
from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.core.phone import format_phone
from keepwell.directory.models import NHS_KINDS, Organisation, OrganisationKind, Service
from keepwell.messaging import services as messaging
from keepwell.messaging.models import Channel
from keepwell.messaging.models import Purpose as MessagePurpose
from keepwell.messaging.services import To
from keepwell.people import services as people_services
from keepwell.people.models import Consent, ContactChannel, Person, Strength
from keepwell.referrals.models import (
    AcceptsFrom,
    Direction,
    Referral,
    ReferralEvent,
    ReferralPolicy,
    Status,
    Theme,
    Urgency,
)
from keepwell.referrals.workingdays import add_working_days


class ReferralRefused(Exception):
    """The service's door is shut to this referral; the message says why, for people."""


class InvalidTransition(Exception):
    pass


def accept_working_days() -> int:
    return int(getattr(settings, "KEEPWELL_REFERRAL_ACCEPT_WORKING_DAYS", 3))


def escalate_working_days() -> int:
    return int(getattr(settings, "KEEPWELL_REFERRAL_ESCALATE_WORKING_DAYS", 5))


def _label(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "public (not signed in)"
    return str(user)


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


# --- The door: who may refer, and is anyone home -------------------------------------------


@dataclass(frozen=True)
class Door:
    open: bool
    reason: str = ""


def policy_for(service: Service) -> ReferralPolicy:
    """The service's policy, or the default (anyone may refer) when none was set."""
    try:
        return service.referral_policy
    except ReferralPolicy.DoesNotExist:
        return ReferralPolicy(service=service)


def door_for(
    service: Service, from_organisation: Organisation | None = None, *, self_referral=False
) -> Door:
    """Whether this referral may be made, and if not, the words to show before anyone tries."""
    if service.status != Service.Status.PUBLISHED:
        return Door(False, "Not listed in the directory")
    if not service.accepts_referrals:
        return Door(False, "Not accepting referrals")
    if not service.taking_new_people:
        return Door(False, "Full: not taking new people now")
    policy = policy_for(service)
    if self_referral:
        if not policy.accepts_self_referrals:
            return Door(
                False, "Does not take self-referrals: ask your GP practice or a coordinator"
            )
        return Door(True)
    if policy.accepts_from == AcceptsFrom.NHS and (
        from_organisation is None or from_organisation.kind not in NHS_KINDS
    ):
        return Door(False, "Only takes referrals from the NHS")
    if policy.accepts_from == AcceptsFrom.LISTED:
        allowed = {org.pk for org in policy.organisations.all()} if policy.pk else set()
        if from_organisation is None or from_organisation.pk not in allowed:
            return Door(False, "Only takes referrals from the organisations it works with")
    return Door(True)


def doors_for(
    service_ids: Iterable[int], from_organisation: Organisation | None = None
) -> dict[int, Door]:
    """``door_for`` each of these services, in two queries whatever their number."""
    found = (
        Service.objects.filter(pk__in=list(service_ids))
        .select_related("referral_policy")
        .prefetch_related("referral_policy__organisations")
    )
    return {service.pk: door_for(service, from_organisation) for service in found}


def search_services(text: str = "", category: str = ""):
    """Published services by words in their name, description or organisation, and category:
    the short list of alternatives a service that declines can suggest. (Referrers choose
    from the directory's full search.)"""
    qs = (
        Service.objects.published()
        .select_related("organisation", "referral_policy")
        .prefetch_related("referral_policy__organisations")
        .order_by("name", "id")
    )
    for word in text.split():
        qs = qs.filter(
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(organisation__name__icontains=word)
        )
    if category:
        qs = qs.filter(category=category)
    return qs


@transaction.atomic
def set_door(
    service: Service,
    *,
    by,
    accepts_referrals: bool,
    taking_new_people: bool,
    accepts_from: str = AcceptsFrom.ANYONE,
    organisations: Iterable[Organisation] = (),
    accepts_self_referrals: bool = True,
) -> ReferralPolicy:
    """A service opens or closes its door. Touches only the two door fields of the Service."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    service.accepts_referrals = accepts_referrals
    service.taking_new_people = taking_new_people
    service.save(update_fields=["accepts_referrals", "taking_new_people", "updated_at"])
    policy, _ = ReferralPolicy.objects.get_or_create(service=service)
    policy.accepts_from = accepts_from
    policy.accepts_self_referrals = accepts_self_referrals
    policy.updated_at = timezone.now()
    policy.updated_by = _actor(by)
    policy.save(
        update_fields=["accepts_from", "accepts_self_referrals", "updated_at", "updated_by"]
    )
    policy.organisations.set(organisations if accepts_from == AcceptsFrom.LISTED else [])
    return policy


# --- Telling people, through messaging ---------------------------------------------------

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


# --- Making a referral --------------------------------------------------------------------


def referring_organisations(user, *roles: str) -> list[Organisation]:
    """The organisations this user refers for, their own first: a GP's own practice (where
    they are its NHS connector) before the PCN or ICS they also work for, then the rest."""
    roles = roles or (Role.NHS_CONNECTOR, Role.COORDINATOR, Role.AREA_LEAD)
    memberships = (
        user.memberships.filter(role__in=roles)
        .exclude(organisation=None)
        .select_related("organisation")
        .order_by("organisation_id")
    )
    found: dict[int, Organisation] = {}
    own_practices: set[int] = set()
    for membership in memberships:
        org = membership.organisation
        found[org.pk] = org
        if membership.role == Role.NHS_CONNECTOR and org.kind == OrganisationKind.GP_PRACTICE:
            own_practices.add(org.pk)
    return sorted(found.values(), key=lambda org: (org.pk not in own_practices, org.pk))


def _clock(referral: Referral) -> None:
    referral.accept_by = add_working_days(referral.sent_at, accept_working_days())
    referral.escalate_by = add_working_days(
        referral.sent_at, max(escalate_working_days(), accept_working_days())
    )


def _clean_themes(themes: Iterable[str]) -> list[str]:
    valid = set(Theme.values)
    return [code for code in dict.fromkeys(themes) if code in valid]


def _record_referral_consent(person, *, by, how: str, to_whom: str, lawful_basis=None) -> Consent:
    return people_services.record_consent(
        person,
        by=by,
        purpose=Consent.Purpose.REFERRAL,
        lawful_basis=lawful_basis or Consent.LawfulBasis.CONSENT,
        how=how,
        notes=f"To share their details with {to_whom} for this referral",
    )


def _created(referral: Referral, *, by, via: str, summary: str) -> None:
    ReferralEvent.objects.create(
        referral=referral,
        at=referral.sent_at,
        by=_actor(by),
        by_label=referral.referrer_label or _label(by),
        from_status="",
        to_status=Status.SENT,
        note=summary,
    )
    audit.record(
        by,
        Action.CREATE,
        referral,
        person_id=referral.person_id,
        purpose=Purpose.REFERRAL,
        via=via,
        summary=summary,
    )
    notify_receiver(
        referral,
        event=f"referral_new:{referral.pk}",
        kind="referral_new",
        subject="New referral",
        note=f"New referral for {referral.person.full_name} to {referral.destination}",
        by=by,
    )


@transaction.atomic
def create_referral(
    *,
    person: Person,
    service: Service,
    by,
    from_organisation: Organisation | None,
    consent_how: str,
    what_matters: str = "",
    themes: Iterable[str] = (),
    needs: str = "",
    reason: str = "",
    urgency: str = Urgency.ROUTINE,
    preferred_channel: str = "",
    language=None,
    needs_interpreter: bool | None = None,
    safety_notes: str = "",
    consent_lawful_basis: str | None = None,
    source: str = "web",
    via: str = "web",
    now: datetime | None = None,
) -> Referral:
    """An NHS connector (or a coordinator) refers a person to a community service.

    Raises ReferralRefused if the service's door is shut to the referring organisation.
    """
    service = Service.objects.select_related("organisation").get(pk=service.pk)
    door = door_for(service, from_organisation)
    if not door.open:
        raise ReferralRefused(f"{service.name}: {door.reason}")
    consent = _record_referral_consent(
        person,
        by=by,
        how=consent_how,
        to_whom=service.organisation.name,
        lawful_basis=consent_lawful_basis,
    )
    sent_at = now or timezone.now()
    referral = Referral(
        direction=Direction.TO_COMMUNITY,
        person=person,
        service=service,
        to_organisation=service.organisation,
        from_organisation=from_organisation,
        referred_by=_actor(by),
        referrer_label=_label(by),
        source=source,
        reason=reason,
        what_matters=what_matters,
        themes=_clean_themes(themes),
        needs=needs,
        urgency=urgency,
        preferred_channel=preferred_channel or person.preferred_channel,
        language=language,
        needs_interpreter=(
            person.needs_interpreter if needs_interpreter is None else needs_interpreter
        ),
        safety_notes=safety_notes,
        consent=consent,
        sent_at=sent_at,
        status_changed_at=sent_at,
        created_at=sent_at,
    )
    _clock(referral)
    referral.save()
    # The receiving organisation now holds the record, so its coordinators may open it.
    person.organisations.add(service.organisation)
    _created(referral, by=by, via=via, summary=f"Referred to {referral.destination}")
    return referral


def _community_organisation_of(user) -> Organisation | None:
    if not getattr(user, "is_authenticated", False):
        return None
    orgs = referring_organisations(
        user, Role.COORDINATOR, Role.AREA_LEAD, Role.VOLUNTEER, Role.NHS_CONNECTOR
    )
    return orgs[0] if orgs else None


@transaction.atomic
def refer_to_practice(
    person: Person,
    practice: Organisation,
    reason: str,
    by,
    source: str = "",
    *,
    from_organisation: Organisation | None = None,
    what_matters: str = "",
    urgency: str = Urgency.ROUTINE,
    safety_notes: str = "",
    consent_how: str | None = None,
    via: str = "web",
    now: datetime | None = None,
) -> Referral:
    """The community asks a GP practice to review someone, with the same loop back.

    Called by a coordinator's form and by the ``help`` capability when a doorstep concern
    needs a practice (``source="help:<id>"``). ``consent_how`` records the person's consent to
    share with their practice; without it an active "share with NHS" or "referral" consent
    is linked if there is one (a concern raised without consent is a safeguarding matter).
    """
    if practice.kind not in NHS_KINDS:
        raise ValueError(f"{practice} is not an NHS organisation")
    if not reason.strip():
        raise ValueError("Say why you are asking the practice for a review")
    if consent_how:
        consent = _record_referral_consent(person, by=by, how=consent_how, to_whom=practice.name)
    else:
        consent = person.consents.filter(
            purpose__in=[Consent.Purpose.SHARE_WITH_NHS, Consent.Purpose.REFERRAL],
            withdrawn_at__isnull=True,
        ).first()
    sent_at = now or timezone.now()
    referral = Referral(
        direction=Direction.TO_PRACTICE,
        person=person,
        service=None,
        to_organisation=practice,
        from_organisation=from_organisation or _community_organisation_of(by),
        referred_by=_actor(by),
        referrer_label=_label(by),
        source=source or "web",
        reason=reason,
        what_matters=what_matters,
        urgency=urgency,
        preferred_channel=person.preferred_channel,
        needs_interpreter=person.needs_interpreter,
        safety_notes=safety_notes,
        consent=consent,
        sent_at=sent_at,
        status_changed_at=sent_at,
        created_at=sent_at,
    )
    _clock(referral)
    referral.save()
    _created(
        referral,
        by=by,
        via=via,
        summary=f"Asked {practice.name} for a review" + (f" ({source})" if source else ""),
    )
    return referral


def concern_source(concern) -> str:
    return f"help:concern:{concern.pk}"


def referral_for_concern(concern) -> Referral | None:
    """The review already asked for this doorstep concern, if any."""
    return Referral.objects.filter(source=concern_source(concern)).first()


@transaction.atomic
def refer_concern_to_practice(
    concern,
    *,
    by,
    practice: Organisation | None = None,
    reason: str = "",
    what_matters: str = "",
    safety_notes: str = "",
    consent_how: str | None = None,
    via: str = "web",
) -> Referral:
    """A doorstep concern (``keepwell.help``'s Concern) becomes a request for a review by
    the person's GP practice, with the same loop back. Asking twice returns the first.

    ``help`` may call this directly; a coordinator reaches it from the concern through
    ``referrals:concern_to_practice``.
    """
    existing = referral_for_concern(concern)
    if existing is not None:
        return existing
    person = concern.person
    practice = practice or person.gp_practice
    if practice is None:
        raise ValueError("Choose the GP practice to ask: their record names none")
    words = reason.strip() or (f"{concern.get_kind_display()}: {concern.details}".strip())
    return refer_to_practice(
        person,
        practice,
        words,
        by,
        source=concern_source(concern),
        from_organisation=concern.organisation,
        what_matters=what_matters,
        urgency=Urgency.URGENT if concern.urgent else Urgency.SOON,
        safety_notes=safety_notes,
        consent_how=consent_how,
        via=via,
    )


@transaction.atomic
def create_self_referral(
    *,
    service: Service,
    what_matters: str,
    preferred_channel: str,
    person: Person | None = None,
    by=None,
    given_name: str = "",
    family_name: str = "",
    phone: str = "",
    email: str = "",
    postcode: str = "",
    needs: str = "",
    language=None,
    needs_interpreter: bool = False,
    safety_notes: str = "",
    now: datetime | None = None,
) -> Referral:
    """A resident refers themselves through the public form (signed in or not)."""
    by = by or AnonymousUser()
    service = Service.objects.select_related("organisation").get(pk=service.pk)
    door = door_for(service, self_referral=True)
    if not door.open:
        raise ReferralRefused(f"{service.name}: {door.reason}")
    if person is None:
        person = people_services.create_person(
            by=by,
            purpose=Purpose.REFERRAL,
            organisations=[service.organisation],
            languages=[language] if language else (),
            given_name=given_name,
            family_name=family_name,
            phone=phone if preferred_channel != "sms" else "",
            mobile=phone if preferred_channel == "sms" else "",
            email=email,
            postcode=postcode,
            preferred_channel=preferred_channel,
            needs_interpreter=needs_interpreter,
        )
    else:
        person.organisations.add(service.organisation)
    consent = _record_referral_consent(
        person, by=by, how=Consent.How.ONLINE, to_whom=service.organisation.name
    )
    sent_at = now or timezone.now()
    referral = Referral(
        direction=Direction.SELF,
        person=person,
        service=service,
        to_organisation=service.organisation,
        from_organisation=None,
        referred_by=_actor(by),
        referrer_label=f"{person.full_name} (self-referral)",
        source="self",
        what_matters=what_matters,
        needs=needs,
        preferred_channel=preferred_channel,
        language=language,
        needs_interpreter=needs_interpreter,
        safety_notes=safety_notes,
        consent=consent,
        sent_at=sent_at,
        status_changed_at=sent_at,
        created_at=sent_at,
    )
    _clock(referral)
    referral.save()
    _created(referral, by=by, via="web", summary=f"Referred themselves to {referral.destination}")
    return referral


# --- The loop: status changes --------------------------------------------------------------


_STATUS_WORDS = {
    Status.ACCEPTED: "accepted",
    Status.DECLINED: "declined",
    Status.CONTACTED: "made contact with",
    Status.ENGAGED: "is working with",
    Status.COMPLETED: "completed the referral of",
    Status.CLOSED: "closed the referral of",
}


@transaction.atomic
def change_status(
    referral: Referral,
    to_status: str,
    *,
    by,
    note: str = "",
    decline_reason: str = "",
    suggested_services: Iterable[Service] = (),
    close_reason: str = "",
    via: str = "web",
    now: datetime | None = None,
) -> Referral:
    """Move a referral on, attributed and timed, and tell the other side."""
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("person", "service", "to_organisation", "from_organisation", "referred_by")
        .get(pk=referral.pk)
    )
    if to_status not in referral.next_statuses():
        raise InvalidTransition(
            f"A {referral.get_status_display().lower()} referral cannot become {to_status}"
        )
    if to_status == Status.DECLINED and not decline_reason.strip():
        raise InvalidTransition("Say why the referral is declined")
    if to_status == Status.CLOSED and not close_reason.strip():
        raise InvalidTransition("Say why the referral is closed")
    now = now or timezone.now()
    from_status = referral.status
    referral.status = to_status
    referral.status_changed_at = now
    fields = ["status", "status_changed_at"]
    if to_status == Status.DECLINED:
        referral.decline_reason = decline_reason.strip()
        fields.append("decline_reason")
    if to_status == Status.CLOSED:
        referral.close_reason = close_reason.strip()
        fields.append("close_reason")
    referral.save(update_fields=fields)
    suggestions = list(suggested_services) if to_status == Status.DECLINED else []
    if suggestions:
        referral.suggested_services.set(suggestions)
    detail = decline_reason or close_reason or note
    ReferralEvent.objects.create(
        referral=referral,
        at=now,
        by=_actor(by),
        by_label=_label(by),
        from_status=from_status,
        to_status=to_status,
        note=detail.strip(),
    )
    audit.record(
        by,
        Action.UPDATE,
        referral,
        person_id=referral.person_id,
        purpose=Purpose.REFERRAL,
        via=via,
        summary=f"Referral {from_status} → {to_status}",
        changes={"status": [from_status, to_status]},
    )
    who = referral.to_organisation.name
    message = f"{who} {_STATUS_WORDS[to_status]} {referral.person.full_name}"
    if referral.service_id:
        message += f" ({referral.service.name})"
    if detail.strip():
        message += f": {detail.strip()}"
    if suggestions:
        message += ". Suggested instead: " + ", ".join(s.name for s in suggestions)
    # The loop: the side that did not make the change hears about it, and so does the person.
    event = f"referral_status:{referral.pk}:{to_status}"
    status_words = {"status": referral.get_status_display().lower()}
    if not _is_referrer(by, referral):
        notify_referrer(
            referral,
            event=event,
            kind="referral_status",
            subject="Status changed",
            note=message,
            context=status_words,
            by=by,
        )
    if not _acts_for(by, referral.to_organisation_id):
        notify_receiver(
            referral,
            event=event,
            kind="referral_status",
            subject="Status changed",
            note=f"{_label(by)} {_STATUS_WORDS[to_status]} {referral.person.full_name}"
            + (f": {detail.strip()}" if detail.strip() else ""),
            context=status_words,
            by=by,
        )
    tell_the_person(referral, to_status, by=by)
    return referral


def _acts_for(user, organisation_id: int) -> bool:
    return getattr(user, "is_authenticated", False) and organisation_id in user.organisation_ids(
        Role.NHS_CONNECTOR, Role.COORDINATOR, Role.AREA_LEAD
    )


def _is_referrer(user, referral: Referral) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if referral.referred_by_id == user.pk:
        return True
    return referral.from_organisation_id in user.organisation_ids()


@dataclass(frozen=True)
class HowToContact:
    """What the receiving service needs to reach the person the way they chose."""

    channel: str
    details: tuple[tuple[str, str], ...] = ()  # (what, value): ("Phone", "+441632960001")
    missing: str = ""  # said plainly when the detail the channel needs is not on record


def _address(person: Person) -> str:
    lines = [person.address_line_1, person.address_line_2, person.town, person.postcode]
    return "\n".join(line.strip() for line in lines if line and line.strip())


def how_to_contact(referral: Referral) -> HowToContact:
    """The person's contact details for the channel chosen for this referral: a phone call
    needs a phone number, a text message a mobile, an email an address, a letter or a visit
    the postal address. Shown only to those who may see the referral (its page's rule)."""
    person = referral.person
    channel = referral.preferred_channel or person.preferred_channel
    label = ContactChannel(channel).label if channel in ContactChannel.values else channel
    if channel == ContactChannel.PHONE:
        numbers = tuple(
            (what, format_phone(number))
            for what, number in (("Phone", person.phone), ("Mobile", person.mobile))
            if number
        )
        return HowToContact(label, numbers, "" if numbers else "No phone number on their record")
    if channel == ContactChannel.SMS:
        if person.mobile:
            return HowToContact(label, (("Mobile", format_phone(person.mobile)),))
        return HowToContact(label, (), "No mobile number on their record to text")
    if channel == ContactChannel.EMAIL:
        if person.email:
            return HowToContact(label, (("Email", person.email),))
        return HowToContact(label, (), "No email address on their record")
    if channel in (ContactChannel.LETTER, ContactChannel.IN_PERSON):
        address = _address(person)
        if person.address_line_1 and person.postcode:
            return HowToContact(label, (("Address", address),))
        partial = (("Address", address),) if address else ()
        return HowToContact(label, partial, "No full postal address on their record")
    return HowToContact(label)


def view_referral(referral: Referral, *, by, purpose: str = Purpose.REFERRAL, via: str = "web"):
    audit.record(
        by,
        Action.READ,
        referral,
        person_id=referral.person_id,
        purpose=purpose,
        via=via,
        summary="Opened the referral",
    )


# --- The clock: remind, then escalate ------------------------------------------------------


@dataclass
class ClockResult:
    reminded: int = 0
    escalated: int = 0


def remind_and_escalate(now: datetime | None = None) -> ClockResult:
    """Remind the service of referrals not accepted in time, then escalate the late ones.

    Each referral is claimed with a compare-and-set UPDATE before anyone is told, so two
    workers running at once never send the same reminder twice.
    """
    now = now or timezone.now()
    result = ClockResult()
    waiting = Referral.objects.filter(status=Status.SENT)
    for referral in waiting.filter(accept_by__lte=now, reminded_at__isnull=True).for_list():
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=referral.pk, status=Status.SENT, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            notify_receiver(
                referral,
                event=f"referral_reminder:{referral.pk}",
                kind="referral_reminder",
                subject="Reminder",
                note=(
                    f"Reminder: the referral of {referral.person.full_name} to "
                    f"{referral.destination} has waited {accept_working_days()} working days "
                    "for an answer. Accept or decline it."
                ),
                context={"days": str(accept_working_days())},
            )
            result.reminded += 1
    for referral in waiting.filter(escalate_by__lte=now, escalated_at__isnull=True).for_list():
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=referral.pk, status=Status.SENT, escalated_at__isnull=True
            ).update(escalated_at=now, reminded_at=Coalesce(F("reminded_at"), Value(now)))
            if not claimed:
                continue
            message = (
                f"Escalated: {referral.destination} has not answered the referral of "
                f"{referral.person.full_name} in {escalate_working_days()} working days."
            )
            days = {"days": str(escalate_working_days())}
            notify_receiver(
                referral,
                event=f"referral_escalation:{referral.pk}",
                kind="referral_escalation",
                subject="Escalation",
                note=message,
                context=days,
            )
            notify_referrer(
                referral,
                event=f"referral_escalation:{referral.pk}",
                kind="referral_escalation",
                subject="Escalation",
                note=message + " You may want to call them or refer elsewhere.",
                context=days,
            )
            result.escalated += 1
    return result


# --- Strengths: what someone could give ----------------------------------------------------


@transaction.atomic
def record_strengths(
    person: Person, strengths: Iterable[tuple[str, str]], *, by, source: str = ""
) -> list[Strength]:
    """Record what someone could give (skills, time, knowledge), ready for the time bank.

    ``strengths`` is (kind, description) pairs; blank descriptions are skipped. ``source``
    says where they were asked: "referral:12", "help:34".
    """
    made = []
    for kind, description in strengths:
        description = description.strip()
        if not description:
            continue
        if kind not in Strength.Kind.values:
            raise ValueError(f"unknown kind of strength {kind!r}")
        strength = Strength.objects.create(
            person=person,
            kind=kind,
            description=description[:300],
            recorded_by=_actor(by),
            source=source[:50],
        )
        audit.record(
            by,
            Action.CREATE,
            strength,
            person_id=person.pk,
            purpose=Purpose.TIMEBANK,
            summary=f"Recorded a strength: {strength.get_kind_display().lower()}",
        )
        made.append(strength)
    return made


def practices():
    return Organisation.objects.filter(kind=OrganisationKind.GP_PRACTICE).order_by("name")
