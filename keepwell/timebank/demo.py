"""The Wellbrook Time Bank: run by Wellbrook Mutual Aid (Sam brokers it), with Margaret and
a dozen neighbours (some without a computer, whom Sam records for), the health centre's
"time bank of purpose" account, offers and needs in every category, and nine months of
exchanges, classes, chest donations and grants, one reversal, one claim waiting for
Margaret to confirm and one person waiting for approval.

Loading twice changes nothing: the bank is found by its slug, members by person, listings
by title, and every exchange has a fixed idempotency key.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from keepwell.timebank import services
from keepwell.timebank.models import Account, Exchange, Listing, TimeBank

SLUG = "wellbrook-time-bank"

# (offers, needs) per member, in order of the demo people; (category, title).
LISTINGS = [
    (
        [("food", "Baking: bread and cakes"), ("company", "A cup of tea and a chat")],
        [("digital", "Help with video calls to my grandchildren")],
    ),
    ([("practical", "Small DIY jobs and shelves")], [("transport", "A lift to the hospital")]),
    ([("learning", "Portuguese conversation")], [("admin", "Help filling in forms")]),
    ([("digital", "Setting up phones and tablets")], [("practical", "Gardening help")]),
    ([("care", "Dog walking")], [("food", "Batch cooking lessons")]),
    ([("arts", "Knitting class on Thursdays")], [("shopping", "Collecting a prescription")]),
    ([("transport", "Lifts to appointments")], [("company", "Someone to go walking with")]),
    ([("admin", "Letters and forms")], [("digital", "Learning online banking")]),
    ([("practical", "Gardening and hedges")], [("arts", "Learning to knit")]),
    ([("wellbeing", "Chair exercises")], [("practical", "Fixing a dripping tap")]),
    ([("shopping", "Weekly shop for a neighbour")], [("learning", "English conversation")]),
    ([("company", "Phone calls for a chat")], [("care", "Someone to feed the cat")]),
]

CATEGORIES = [
    "practical", "shopping", "transport", "company", "food", "learning",
    "digital", "arts", "wellbeing", "admin", "care",
]  # fmt: skip


def _backdate(exchange: Exchange, day) -> None:
    """Give a demo exchange its place in the history (the services stamp "now")."""
    at = timezone.make_aware(datetime.combine(day, time(11, 0)))
    fields = {"occurred_on": day, "recorded_at": at}
    if exchange.confirmed_at is not None:
        fields["confirmed_at"] = at + timedelta(hours=3)
    Exchange.objects.filter(pk=exchange.pk).update(**fields)


def load(place) -> None:
    broker = place.users["coordinator"]
    member_user = place.users["member"]
    bank = TimeBank.objects.filter(slug=SLUG).first()
    if bank is None:
        bank = services.create_bank(
            name="Wellbrook Time Bank",
            slug=SLUG,
            by=broker,
            organisation=place.organisations["wellbrook-mutual-aid"],
            brokers=[broker],
            description=(
                "For every hour you give, you can receive an hour. Everyone's time is worth "
                "the same, whatever it is spent on."
            ),
            chest_min_balance=-600,
        )
        TimeBank.objects.filter(pk=bank.pk).update(is_demo=True)
    people = place.people[: len(LISTINGS)]
    members: list[Account] = []
    for person, (offers, needs) in zip(people, LISTINGS, strict=False):
        account = services.add_member(
            bank, by=broker, person=person, consent_how="Agreed on the phone", via="demo"
        )
        members.append(account)
        by = member_user if person.user_id == member_user.pk else broker
        have = set(account.listings.values_list("title", flat=True))
        for kind, items in ((Listing.Kind.OFFER, offers), (Listing.Kind.NEED, needs)):
            for category, title in items:
                if title not in have:
                    services.add_listing(
                        account, by=by, kind=kind, category=category, title=title, via="demo"
                    )
    practice = place.organisations["wellbrook-health-centre"]
    surgery = services.add_member(bank, by=broker, organisation=practice, via="demo")
    if not surgery.listings.exists():
        services.add_listing(
            surgery,
            by=broker,
            kind=Listing.Kind.OFFER,
            category="wellbeing",
            title="Health walks from the surgery",
            via="demo",
        )
    # Someone who asked to join last week and is waiting for Sam.
    if len(place.people) > len(LISTINGS):
        services.apply_to_join(bank, by=broker, person=place.people[len(LISTINGS)], via="demo")

    rng = random.Random(2021)  # noqa: S311 - deterministic demo data
    today = timezone.localdate()
    history: list[tuple[Exchange, object]] = []
    # Margaret (members[0]) and the first neighbours trade most; the last three have gone quiet.
    active = members[:-3]
    for n in range(90):
        day = today - timedelta(days=270 - n * 3)
        giver, receiver = rng.sample(active, 2)
        minutes = rng.choice([30, 45, 60, 60, 90, 120])
        try:
            exchange = services.record_exchange(
                giver=giver,
                receiver=receiver,
                minutes=minutes,
                by=broker,
                as_broker=True,
                idempotency_key=f"demo-tb-{n}",
                category=rng.choice(CATEGORIES),
                description="Recorded by phone" if n % 4 == 0 else "",
                via="demo",
            )
        except services.LimitExceeded:
            continue
        history.append((exchange, day))
    for month in range(3):
        day = today - timedelta(days=200 - month * 60)
        exchange = services.record_group_exchange(
            giver=members[5],
            receivers=[members[i] for i in (0, 2, 8)],
            minutes_each=60,
            by=broker,
            as_broker=True,
            idempotency_key=f"demo-tb-class-{month}",
            description="Knitting class",
            category="arts",
            via="demo",
        )
        history.append((exchange, day))
    donation = services.donate_to_chest(
        donor=surgery,
        minutes=300,
        by=broker,
        as_broker=True,
        idempotency_key="demo-tb-gift",
        via="demo",
    )
    history.append((donation, today - timedelta(days=120)))
    grant = services.grant_from_chest(
        receiver=members[9],
        minutes=120,
        by=broker,
        idempotency_key="demo-tb-grant",
        reason="Welcome hours while recovering from an operation",
        via="demo",
    )
    history.append((grant, today - timedelta(days=100)))
    for exchange, day in history:
        _backdate(exchange, day)
    typo = services.record_exchange(
        giver=members[1],
        receiver=members[3],
        minutes=600,
        by=broker,
        as_broker=True,
        idempotency_key="demo-tb-typo",
        description="Shelves (typed 10 h for 1 h)",
        category="practical",
        via="demo",
    )
    services.reverse_exchange(
        typo, by=broker, reason="Typed 10 hours instead of 1 hour", via="demo"
    )
    # Margaret's own claim, waiting for her neighbour (no computer) or Sam to confirm.
    if members[0].person.user_id == member_user.pk:
        services.record_exchange(
            giver=members[0],
            receiver=members[2],
            minutes=45,
            by=member_user,
            idempotency_key="demo-tb-claim",
            description="Helped with a letter from the council",
            category="admin",
            via="demo",
        )
