"""Factories and helpers for referral stories. Services are the directory's, indexed for its
search as the directory's own service layer would."""

from __future__ import annotations

import factory

from keepwell.directory.models import Service
from keepwell.people.models import Consent
from keepwell.referrals import services
from tests.directory.factories import ServiceFactory as ListingFactory
from tests.factories import OrganisationFactory


class ServiceFactory(ListingFactory):
    organisation = factory.SubFactory(OrganisationFactory)
    status = Service.Status.PUBLISHED
    accepts_referrals = True
    taking_new_people = True


def refer(world, service, *, person=None, by=None, **kwargs):
    """Priya (the GP) refers someone (Margaret by default) to a community service."""
    by = by or world.priya
    fields = {
        "what_matters": "Getting out of the house and talking to people again",
        "themes": ["loneliness"],
        "needs": "Someone to go with her the first time",
        "consent_how": Consent.How.IN_PERSON,
        "from_organisation": world.practice,
    }
    fields.update(kwargs)
    return services.create_referral(
        person=person or world.margaret_person, service=service, by=by, **fields
    )
