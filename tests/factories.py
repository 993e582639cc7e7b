"""Factories for the foundation's models. Capabilities keep theirs in tests/<app>/factories.py."""

from __future__ import annotations

import factory
from django.utils.text import slugify

from keepwell.accounts.models import Membership, Role, User
from keepwell.directory.models import Organisation, OrganisationKind
from keepwell.people.models import Consent, Person
from keepwell.places.models import Area, PostcodeLocation

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    # Hashing is slow by design; most stories sign in with force_login and need none.
    password = factory.PostGenerationMethodCall("set_unusable_password")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Community group {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = OrganisationKind.GRASS_ROOTS


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Neighbourhood {n}")
    slug = factory.LazyAttribute(lambda a: slugify(a.name))
    kind = Area.Kind.NEIGHBOURHOOD


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.COORDINATOR
    organisation = None
    area = None


class PostcodeLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostcodeLocation
        django_get_or_create = ("postcode",)

    postcode = "WB1 1AA"
    latitude = 53.045
    longitude = -1.48
    lsoa = "E01999999"


def lsoa_in_decile(postcode: str, lsoa: str, decile: int, *, residents: int | None = None):
    """A made-up postcode in an LSOA of the given IMD 2025 decile (1 is the most deprived),
    with its residents when given: what insights and surveys group people by."""
    from keepwell.places.models import Deprivation, Population

    PostcodeLocationFactory(postcode=postcode, lsoa=lsoa, is_demo=True)
    Deprivation.objects.create(
        lsoa=lsoa,
        edition=2025,
        lsoa_name=f"Wellbrook {lsoa}",
        imd_rank=decile * 3000,
        imd_decile=decile,
    )
    if residents is not None:
        Population.objects.create(lsoa=lsoa, residents=residents, year=2023)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    phone = "01632 960001"
    postcode = "WB2 1AB"


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    purpose = Consent.Purpose.CARE_COORDINATION
    lawful_basis = Consent.LawfulBasis.CONSENT
    how = Consent.How.PHONE
