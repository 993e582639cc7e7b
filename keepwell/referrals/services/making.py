"""Making a referral: to a community service (by a referrer, a GP system or the resident
themselves) or to a GP practice for a review (a coordinator, or a doorstep concern)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from keepwell.accounts.models import Role
from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.directory.models import NHS_KINDS, Organisation, OrganisationKind, Service
from keepwell.people import services as people_services
from keepwell.people.models import Consent, Person
from keepwell.referrals.models import Direction, Referral, ReferralEvent, Status, Theme, Urgency
from keepwell.referrals.services.common import (
    ReferralRefused,
    _actor,
    _label,
    accept_working_days,
    escalate_working_days,
)
from keepwell.referrals.services.door import door_for
from keepwell.referrals.services.telling import notify_receiver
from keepwell.referrals.workingdays import add_working_days


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


def _sent(sent_at: datetime, **fields) -> Referral:
    """A new referral sent at ``sent_at``, its clock started (accept by, then escalate by
    so many working days), saved."""
    referral = Referral(sent_at=sent_at, status_changed_at=sent_at, created_at=sent_at, **fields)
    referral.accept_by = add_working_days(sent_at, accept_working_days())
    referral.escalate_by = add_working_days(
        sent_at, max(escalate_working_days(), accept_working_days())
    )
    referral.save()
    return referral


def _clean_themes(themes: Iterable[str]) -> list[str]:
    valid = set(Theme.values)
    return [code for code in dict.fromkeys(themes) if code in valid]


def _record_referral_consent(
    person, *, by, how: str, to_whom: str, lawful_basis=None, given_at=None
) -> Consent:
    return people_services.record_consent(
        person,
        by=by,
        purpose=Consent.Purpose.REFERRAL,
        lawful_basis=lawful_basis or Consent.LawfulBasis.CONSENT,
        how=how,
        notes=f"To share their details with {to_whom} for this referral",
        given_at=given_at,
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
    consent_given_at: datetime | None = None,
    referrer_label: str = "",
    source: str = "web",
    via: str = "web",
    now: datetime | None = None,
) -> Referral:
    """An NHS connector (or a coordinator) refers a person to a community service.

    ``referrer_label`` names who referred when it is not the signed-in user (a BaRS message
    names the practitioner); ``consent_given_at`` is when consent was given, if not now.
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
        given_at=consent_given_at,
    )
    referral = _sent(
        now or timezone.now(),
        direction=Direction.TO_COMMUNITY,
        person=person,
        service=service,
        to_organisation=service.organisation,
        from_organisation=from_organisation,
        referred_by=_actor(by),
        referrer_label=referrer_label or _label(by),
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
    )
    # The receiving organisation now holds the record, so its coordinators may open it.
    people_services.hold_record(person, service.organisation)
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
    referral = _sent(
        now or timezone.now(),
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
    )
    _created(
        referral,
        by=by,
        via=via,
        summary=f"Asked {practice.name} for a review" + (f" ({source})" if source else ""),
    )
    # A practice whose system takes BaRS gets it there too. Imported here because the bars
    # package reaches back into these services.
    from keepwell.referrals.bars import replies

    replies.send_referral(referral, by=by, via=via)
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
        people_services.hold_record(person, service.organisation)
    consent = _record_referral_consent(
        person, by=by, how=Consent.How.ONLINE, to_whom=service.organisation.name
    )
    referral = _sent(
        now or timezone.now(),
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
    )
    _created(referral, by=by, via="web", summary=f"Referred themselves to {referral.destination}")
    return referral


def practices():
    return Organisation.objects.filter(kind=OrganisationKind.GP_PRACTICE).order_by("name")
