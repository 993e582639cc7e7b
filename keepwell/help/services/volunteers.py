"""Volunteers: their profile and account, status, checks, authorisations and availability."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from keepwell.accounts import services as accounts
from keepwell.accounts.models import Role
from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.core.phone import normalise_or_keep
from keepwell.help.models import (
    VOLUNTEER_TRANSITIONS,
    Authorisation,
    Availability,
    OfferStatus,
    SafeguardingCheck,
    Volunteer,
    VolunteerStatus,
)
from keepwell.help.services.errors import HelpError, InvalidTransition
from keepwell.help.services.tasks import decline_offer
from keepwell.places.postcodes import Postcode
from keepwell.places.services import area_for_postcode


def _volunteer_audit(by, action, obj, summary: str, via: str = "web") -> None:
    audit.record(by, action, obj, purpose=Purpose.ADMINISTRATION, summary=summary, via=via)


@transaction.atomic
def create_volunteer(
    *,
    by,
    organisation,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    home_postcode: str,
    skills=(),
    languages=(),
    availability=None,
    **fields,
) -> Volunteer:
    """A volunteer's profile, and their account if they have none (it signs in once they
    have set a password). ``availability``: weekly (weekday, start, end) slots."""
    user = accounts.ensure_user(username, email=email, first_name=first_name, last_name=last_name)
    if Volunteer.objects.filter(user=user).exists():
        raise HelpError(f"{user} is already a volunteer")
    accounts.add_membership(user, Role.VOLUNTEER, organisation)
    postcode = Postcode(home_postcode).value
    if fields.get("phone"):
        # Stored as E.164, so a text they send back is matched to them.
        fields["phone"] = normalise_or_keep(fields["phone"])
    volunteer = Volunteer.objects.create(
        user=user, home_postcode=postcode, area=area_for_postcode(postcode), **fields
    )
    volunteer.organisations.add(organisation)
    volunteer.skills.set(skills)
    volunteer.languages.set(languages)
    if availability:
        _replace_availability(volunteer, availability)
    _volunteer_audit(by, Action.CREATE, volunteer, "Volunteer added")
    return volunteer


USER_FIELDS = ("first_name", "last_name", "email")


@transaction.atomic
def update_volunteer(
    volunteer: Volunteer, *, by, skills=None, languages=None, availability=None, **fields
) -> Volunteer:
    """Change a profile. ``first_name``, ``last_name`` and ``email`` go to their account;
    ``availability`` (weekly slots) replaces the old slots when given."""
    account = {name: fields.pop(name) for name in USER_FIELDS if name in fields}
    if account:
        accounts.change_account_details(volunteer.user, **account)
    if "home_postcode" in fields:
        fields["home_postcode"] = Postcode(fields["home_postcode"]).value
        fields["area"] = area_for_postcode(fields["home_postcode"])
    if fields.get("phone"):
        fields["phone"] = normalise_or_keep(fields["phone"])
    for name, value in fields.items():
        setattr(volunteer, name, value)
    volunteer.save(update_fields=list(fields))
    if skills is not None:
        volunteer.skills.set(skills)
    if languages is not None:
        volunteer.languages.set(languages)
    if availability is not None:
        _replace_availability(volunteer, availability)
    _volunteer_audit(by, Action.UPDATE, volunteer, "Volunteer details changed")
    return volunteer


@transaction.atomic
def change_volunteer_status(volunteer: Volunteer, status: str, *, by) -> Volunteer:
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if status not in VOLUNTEER_TRANSITIONS[volunteer.status]:
        raise InvalidTransition(
            f"A volunteer who is {volunteer.get_status_display().lower()} cannot become "
            f"{VolunteerStatus(status).label.lower()}"
        )
    previous = volunteer.get_status_display()
    volunteer.status, volunteer.status_changed_at = status, timezone.now()
    volunteer.save(update_fields=["status", "status_changed_at"])
    if status in (VolunteerStatus.PAUSED, VolunteerStatus.LEFT):
        # Offers they have not answered go back to the queue.
        for offer in volunteer.offers.filter(status=OfferStatus.PENDING).select_related("task"):
            decline_offer(offer.task, volunteer, by=by)
    _volunteer_audit(
        by, Action.UPDATE, volunteer, f"Status {previous} -> {volunteer.get_status_display()}"
    )
    return volunteer


def expiry_from_date(day: date | None) -> datetime | None:
    """A check 'expiring on 3 May' stops counting at the start of 3 May, London time."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


@transaction.atomic
def record_check(
    volunteer: Volunteer, *, by, kind: str, checked_on: date, expires_on: date | None, reference=""
) -> SafeguardingCheck:
    check = SafeguardingCheck.objects.create(
        volunteer=volunteer,
        kind=kind,
        checked_on=checked_on,
        expires_at=expiry_from_date(expires_on),
        reference=reference,
        recorded_by=by,
    )
    _volunteer_audit(by, Action.CREATE, check, f"Recorded {check.get_kind_display()}")
    return check


@transaction.atomic
def grant_authorisation(
    volunteer: Volunteer, *, by, kind: str, authorised_by: str = "", expires_on=None
) -> Authorisation:
    auth = Authorisation.objects.create(
        volunteer=volunteer,
        kind=kind,
        authorised_by=authorised_by,
        expires_at=expiry_from_date(expires_on),
        recorded_by=by,
    )
    _volunteer_audit(by, Action.CREATE, auth, f"Authorised: {auth.get_kind_display()}")
    return auth


@transaction.atomic
def revoke_authorisation(auth: Authorisation, *, by) -> Authorisation:
    if auth.revoked_at is None:
        auth.revoked_at = timezone.now()
        auth.save(update_fields=["revoked_at"])
        _volunteer_audit(by, Action.UPDATE, auth, f"Revoked: {auth.get_kind_display()}")
    return auth


def _replace_availability(volunteer: Volunteer, slots) -> None:
    volunteer.availability.all().delete()
    Availability.objects.bulk_create(
        Availability(volunteer=volunteer, weekday=d, start_minute=s, end_minute=e)
        for d, s, e in sorted(set(slots))
    )


def view_volunteer(volunteer: Volunteer, *, by, via: str = "web") -> None:
    """A volunteer's own details are personal data too: record who opened them."""
    _volunteer_audit(by, Action.READ, volunteer, "Opened the volunteer's record", via=via)


@transaction.atomic
def set_availability(volunteer: Volunteer, slots, *, by) -> None:
    """Replace the weekly slots: ``slots`` is (weekday, start_minute, end_minute) tuples."""
    _replace_availability(volunteer, slots)
    _volunteer_audit(by, Action.UPDATE, volunteer, "Availability changed")
