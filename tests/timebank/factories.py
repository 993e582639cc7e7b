"""Factories for the time bank. Balances only ever change through the services."""

from __future__ import annotations

import factory

from keepwell.timebank import services
from keepwell.timebank.models import Account, Category, Listing, TimeBank
from tests.factories import PersonFactory


def make_bank(*, name: str = "Wellbrook Time Bank", by=None, **fields) -> TimeBank:
    from django.utils.text import slugify

    existing = TimeBank.objects.filter(slug=slugify(name)).first()
    if existing is not None:
        return existing
    return services.create_bank(name=name, slug=slugify(name), by=by, **fields)


def make_member(bank: TimeBank, *, person=None, organisation=None, by=None, **person_fields):
    """An approved member: a person (made up if not given) or an organisation."""
    if person is None and organisation is None:
        person = PersonFactory(**person_fields)
    account = services.apply_to_join(bank, by=by, person=person, organisation=organisation)
    account.status = Account.Status.APPROVED
    account.decided_by = by
    account.save(update_fields=["status", "decided_by"])
    return account


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    kind = Listing.Kind.OFFER
    category = Category.PRACTICAL
    title = factory.Sequence(lambda n: f"Odd job {n}")
