"""Factories for mutual aid: volunteers with their checks, and requests made the way the
helpline makes them (through the service, so tasks and audit rows exist too)."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import import_module

import factory
from django.apps import apps
from django.utils import timezone

from keepwell.accounts.models import Membership, Role
from keepwell.help import services
from keepwell.help.models import (
    Authorisation,
    ConcernContact,
    NeedType,
    RoutingRule,
    SafeguardingCheck,
    Volunteer,
    VolunteerStatus,
)
from tests.factories import PostcodeLocationFactory, UserFactory


def need(slug: str) -> NeedType:
    """A seeded need type; re-seeds if a transactional test emptied the table."""
    found = NeedType.objects.filter(slug=slug).first()
    if found is None:
        import_module("keepwell.help.migrations.0002_seed_need_types").seed(apps, None)
        found = NeedType.objects.get(slug=slug)
    return found


def locate(postcode: str, lat: float, lon: float):
    return PostcodeLocationFactory(postcode=postcode, latitude=lat, longitude=lon)


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    home_postcode = "WB2 1AB"
    status = VolunteerStatus.ACTIVE
    max_km = 5
    max_tasks_per_week = 3


def make_volunteer(
    organisation,
    *,
    user=None,
    username: str | None = None,
    first_name: str = "",
    checks=(),
    authorisations=(),
    skills=(),
    languages=(),
    expires_in: timedelta | None = None,
    **fields,
) -> Volunteer:
    """An active volunteer of ``organisation`` holding ``checks`` and ``authorisations``
    (valid for ``expires_in``, or without expiry) and offering ``skills`` (need slugs)."""
    if user is None:
        user = UserFactory(username=username) if username else UserFactory()
    if first_name:
        user.first_name = first_name
        user.save(update_fields=["first_name"])
    Membership.objects.get_or_create(user=user, role=Role.VOLUNTEER, organisation=organisation)
    volunteer = VolunteerFactory(user=user, **fields)
    volunteer.organisations.add(organisation)
    volunteer.skills.set([need(s) for s in skills])
    volunteer.languages.set(languages)
    expires = timezone.now() + expires_in if expires_in else None
    for kind in checks:
        SafeguardingCheck.objects.create(
            volunteer=volunteer, kind=kind, checked_on=date(2024, 1, 1), expires_at=expires
        )
    for kind in authorisations:
        Authorisation.objects.create(volunteer=volunteer, kind=kind, expires_at=expires)
    return volunteer


def make_request(person, slug: str = "shopping", *, by, organisation, **fields):
    return services.create_request(person, need(slug), by=by, organisation=organisation, **fields)


def make_routing(organisation, practice, *, gp_user=None, lead_user=None):
    """The practice's duty contact for health, the group's safeguarding lead for the rest;
    the practice contact escalates to the safeguarding lead. The group keeps both."""
    lead = ConcernContact.objects.create(
        name="Safeguarding lead",
        organisation=organisation,
        group=organisation,
        user=lead_user,
        email="lead@example.com",
    )
    duty = ConcernContact.objects.create(
        name="Duty doctor",
        organisation=practice,
        group=organisation,
        user=gp_user,
        email="duty@example.com",
        escalate_to=lead,
    )
    RoutingRule.objects.create(
        organisation=organisation, order=10, kind="safeguarding", target="contact", contact=lead
    )
    RoutingRule.objects.create(organisation=organisation, order=20, target="gp_practice")
    RoutingRule.objects.create(organisation=organisation, order=30, target="contact", contact=lead)
    return duty, lead
