"""Intake: a helpline call, the public form, and a text from a number keepwell does not know."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.help.models import (
    HelpRequest,
    NeedType,
    PublicRequest,
    PublicRequestStatus,
    PublicRequestThrottle,
)
from keepwell.help.services.errors import InvalidTransition, TooManyRequests
from keepwell.help.services.requests import create_request
from keepwell.people import services as people
from keepwell.people.models import Consent, Household, Person
from keepwell.places.postcodes import Postcode
from keepwell.places.services import area_for_postcode


@dataclass
class CallDetails:
    """What a helpline call records, beyond the request itself."""

    person: Person | None = None
    new_person: dict = field(default_factory=dict)
    languages: list = field(default_factory=list)
    household: Household | None = None
    household_name: str = ""
    consent_coordination: bool = False
    consent_share_with_nhs: bool = False
    on_behalf: bool = False


@transaction.atomic
def take_call(
    call: CallDetails,
    need_type: NeedType,
    *,
    by,
    organisation,
    public_request=None,
    **request_fields,
) -> HelpRequest:
    """The helpline screen in one transaction: the person (found or new), their household,
    consent, and the request."""
    person = call.person
    if person is None:
        person = people.create_person(
            by=by,
            languages=call.languages,
            organisations=[organisation.pk],
            purpose=Purpose.HELP_REQUEST,
            **call.new_person,
        )
    else:
        people.hold_record(person, organisation)
    household = call.household
    if household is None and call.household_name:
        household = people.add_to_household(person, by=by, household_name=call.household_name)
    how = Consent.How.ON_BEHALF if call.on_behalf else Consent.How.PHONE
    for wanted, purpose in (
        (call.consent_coordination, Consent.Purpose.CARE_COORDINATION),
        (call.consent_share_with_nhs, Consent.Purpose.SHARE_WITH_NHS),
    ):
        if wanted and not people.has_consent(person, purpose):
            people.record_consent(
                person, by=by, purpose=purpose, lawful_basis=Consent.LawfulBasis.CONSENT, how=how
            )
    request = create_request(
        person, need_type, by=by, organisation=organisation, household=household, **request_fields
    )
    if public_request is not None:
        _mark_triaged(public_request, request, by=by)
    return request


def client_hash(ip: str | None) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, (ip or "unknown").encode(), hashlib.sha256).hexdigest()


def public_limit_per_hour() -> int:
    return int(getattr(settings, "KEEPWELL_HELP_PUBLIC_REQUESTS_PER_HOUR", 5))


# Durable: a caller rolling back must not take back the count, or the limit could be evaded.
@transaction.atomic(durable=True)
def note_public_attempt(ip: str | None) -> str:
    """Count one submission from this address; raise TooManyRequests over the hourly limit."""
    key = client_hash(ip)
    since = timezone.now() - timedelta(hours=1)
    recent = PublicRequestThrottle.objects.filter(client_hash=key, at__gte=since).count()
    if recent >= public_limit_per_hour():
        raise TooManyRequests("Too many requests from this connection. Try again in an hour.")
    PublicRequestThrottle.objects.create(client_hash=key)
    # Old rows are no use: keep the table small.
    PublicRequestThrottle.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()
    return key


@transaction.atomic
def submit_public_request(*, client_key: str, form_language: str, **fields) -> PublicRequest:
    postcode = Postcode(fields.pop("postcode")).value
    request = PublicRequest.objects.create(
        postcode=postcode,
        area=area_for_postcode(postcode),
        client_hash=client_key,
        form_language=form_language,
        **fields,
    )
    audit.record(
        None,
        Action.CREATE,
        request,
        purpose=Purpose.HELP_REQUEST,
        summary="Asked for help on the public form",
    )
    return request


def _mark_triaged(public_request: PublicRequest, request: HelpRequest, *, by) -> None:
    PublicRequest.objects.filter(pk=public_request.pk).update(
        status=PublicRequestStatus.ACCEPTED,
        help_request=request,
        triaged_by=by,
        triaged_at=timezone.now(),
    )


@transaction.atomic
def dismiss_public_request(public_request: PublicRequest, *, by, reason: str) -> None:
    if public_request.status != PublicRequestStatus.NEEDS_TRIAGE:
        raise InvalidTransition("This request has already been dealt with")
    PublicRequest.objects.filter(pk=public_request.pk).update(
        status=PublicRequestStatus.DISMISSED, triaged_by=by, triaged_at=timezone.now()
    )
    audit.record(
        by,
        Action.UPDATE,
        public_request,
        purpose=Purpose.HELP_REQUEST,
        summary=f"Dismissed: {reason}"[:300],
    )


def view_public_request(public_request: PublicRequest, *, by) -> None:
    audit.record(
        by, Action.READ, public_request, purpose=Purpose.HELP_REQUEST, summary="Opened for triage"
    )


@transaction.atomic
def request_from_text(*, phone: str, words: str, organisation_id: int) -> PublicRequest:
    """The SMS intake: a text from a number keepwell does not know becomes a request in the
    group's triage, like the public form's (no name or postcode yet: the coordinator who
    phones back asks). Called by messaging when such a text arrives."""
    request = PublicRequest.objects.create(
        organisation_id=organisation_id,
        given_name="Text message",
        phone=phone[:30],
        postcode="",
        need_type=NeedType.objects.get(slug="other"),
        details=words[:5000],
        client_hash=client_hash(phone),
    )
    audit.record(
        None,
        Action.CREATE,
        request,
        purpose=Purpose.HELP_REQUEST,
        summary="Asked for help by text message",
        via="sms",
    )
    return request
