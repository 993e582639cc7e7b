"""Factories for directory listings: organisations of every kind, services, venues."""

from __future__ import annotations

import factory
from django.utils import timezone

from keepwell.directory.models import (
    Interaction,
    Location,
    Organisation,
    OrganisationKind,
    Service,
    ServiceAtLocation,
    ServiceCategory,
)
from keepwell.directory.services import refresh_search_text
from tests.factories import OrganisationFactory, PostcodeLocationFactory

__all__ = [
    "GroupFactory",
    "InteractionFactory",
    "LocationFactory",
    "ServiceFactory",
    "listed",
]


class GroupFactory(OrganisationFactory):
    kind = OrganisationKind.GRASS_ROOTS
    description = factory.LazyAttribute(lambda o: f"{o.name} helps its neighbours")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    organisation = factory.SubFactory(GroupFactory)
    name = factory.Sequence(lambda n: f"Activity {n}")
    description = "Friendly and free"
    category = ServiceCategory.SOCIAL
    last_verified_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def indexed(obj, create, extracted, **kwargs):
        if create:
            refresh_search_text([obj.pk])
            obj.refresh_from_db(fields=["search_text"])


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    organisation = factory.SubFactory(GroupFactory)
    address_1 = factory.Sequence(lambda n: f"{n} Mill Lane")
    town = "Wellbrook"
    postcode = "WB1 1AA"
    latitude = 53.045
    longitude = -1.48


def listed(service: Service, postcode: str, lat: float, lon: float, *, confidential=False):
    """Put a service at a venue at this postcode (made known to the postcode lookup)."""
    PostcodeLocationFactory(postcode=postcode, latitude=lat, longitude=lon)
    location = LocationFactory(
        organisation=service.organisation,
        postcode=postcode,
        latitude=lat,
        longitude=lon,
        confidential=confidential,
    )
    sal = ServiceAtLocation.objects.create(
        service=service,
        location=location,
        latitude=lat,
        longitude=lon,
        confidential=confidential,
    )
    refresh_search_text([service.pk])
    sal.refresh_from_db()
    return sal


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    organisation = factory.SubFactory(GroupFactory)
    happened_on = factory.LazyFunction(timezone.localdate)
    kind = Interaction.Kind.CALL
    notes = "Talked about what they do"


def org(name: str, kind=OrganisationKind.GRASS_ROOTS, **kwargs) -> Organisation:
    return GroupFactory(name=name, kind=kind, **kwargs)


def generated_directory(n_services: int, *, seed: int = 7, by=None) -> list[Service]:
    """A directory of ``n_services`` listings of every kind of organisation, with activities,
    languages, opening times, costs and venues (a few confidential), made through the service
    layer as a coordinator would make them."""
    import random
    from datetime import time

    from keepwell.directory import services as directory
    from keepwell.directory.models import COMMUNITY_KINDS, TaxonomyTerm
    from keepwell.directory.schedules import Slot
    from keepwell.people.models import Language
    from keepwell.places.models import PostcodeLocation

    rng = random.Random(seed)
    terms = list(TaxonomyTerm.objects.exclude(parent=None))
    languages = list(Language.objects.filter(code__in=["en", "pl", "pt", "ur", "bn", "bfi"]))
    units = "ABDEFGHJLNPQRSTUWXYZ"
    orgs = []
    for i, kind in enumerate(COMMUNITY_KINDS * 2):
        orgs.append(
            GroupFactory(
                name=f"{kind.label} {i}",
                kind=kind,
                charity_number=f"11{i:05d}" if i % 3 == 0 else "",
                company_number=f"0{i:07d}" if i % 4 == 0 else "",
                is_cic=i % 8 == 0,
                email=f"hello{i}@example.org" if i % 2 else "",
                website=f"https://group{i}.example.org" if i % 3 else "",
            )
        )
    made = []
    for i in range(n_services):
        term = rng.choice(terms)
        postcode = f"WB{1 + i % 4} {1 + i % 2}{units[i % 20]}{units[(i // 20) % 20]}"
        PostcodeLocation.objects.get_or_create(
            postcode=postcode,
            defaults={
                "latitude": 53.045 + rng.uniform(-0.04, 0.04),
                "longitude": -1.48 + rng.uniform(-0.06, 0.06),
            },
        )
        in_person = i % 7 != 0
        free = i % 3 != 0
        made.append(
            directory.create_service(
                orgs[i % len(orgs)],
                by=by,
                name=f"{term.name} {i}",
                description=f"Run by neighbours for neighbours ({i})",
                category=term.category,
                taxonomy_terms=[term],
                languages=rng.sample(languages, k=rng.randint(0, 2)),
                slots=[Slot(rng.randint(0, 6), time(10), time(12), rng.choice([None, None, 1, -1]))]
                if i % 5
                else [],
                venue=directory.Venue(
                    address_1=f"{i} Church Street",
                    town="Wellbrook",
                    postcode=postcode,
                    confidential=i % 23 == 0,
                )
                if in_person
                else None,
                delivery=Service.Delivery.IN_PERSON if in_person else Service.Delivery.PHONE,
                min_age=18 if i % 4 == 0 else None,
                max_age=99 if i % 8 == 0 else None,
                eligibility="Carers and the people they care for" if i % 6 == 0 else "",
                is_free=free,
                cost_pence=None if free else 250,
                cost_description="" if free else "a session",
                phone="01632 960000" if i % 2 else "",
                accessibility="Step-free access" if i % 3 == 0 else "",
            )
        )
    return made
