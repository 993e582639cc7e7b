"""The demo place's time bank: members, offers and needs, a history, and no duplicates."""

from __future__ import annotations

from keepwell.demo.place import load_demo
from keepwell.timebank import demo, services
from keepwell.timebank.models import Account, Exchange, Listing, Movement, TimeBank


def _counts():
    return (
        TimeBank.objects.count(),
        Account.objects.count(),
        Listing.objects.count(),
        Exchange.objects.count(),
        Movement.objects.count(),
    )


def test_the_demo_time_bank_has_members_offers_needs_and_a_history_once(db):
    place = load_demo(verbosity=0)
    first = _counts()
    demo.load(place)
    assert _counts() == first

    bank = TimeBank.objects.get(slug=demo.SLUG)
    assert bank.is_demo and services.ledger_problems(bank) == []
    members = Account.objects.filter(bank=bank).approved().members()
    assert members.count() >= 10
    assert Account.objects.filter(bank=bank).pending().exists()
    assert Listing.objects.filter(account__bank=bank).offers().count() >= 10
    assert Listing.objects.filter(account__bank=bank).needs().count() >= 10
    given = Exchange.objects.filter(bank=bank).time_given()
    months = {day.replace(day=1) for day in given.values_list("occurred_on", flat=True)}
    assert given.count() > 50 and len(months) >= 6
    kinds = set(Exchange.objects.filter(bank=bank).values_list("kind", flat=True))
    assert kinds >= {"exchange", "group", "donation", "grant", "reversal"}
    margaret = Account.objects.get(bank=bank, person__user__username="member")
    assert Exchange.objects.filter(bank=bank, state="pending").involving(margaret).exists()
    # Some members have gone quiet: the broker has people to phone.
    assert services.inactive_members(bank, months=3).exists()
    report = services.report(bank)
    assert 0 < report.gave_and_received <= report.active_members <= report.members
