"""Time bank URLs × personas. Sam brokers the Wellbrook Time Bank (he coordinates Wellbrook
Mutual Aid, which runs it); Alex is platform admin; Margaret is an approved member."""

from __future__ import annotations

from keepwell.people.models import Strength
from keepwell.timebank import services
from keepwell.timebank.models import Account, Exchange
from tests.permissions import FORBIDDEN, OK, REDIRECT, SIGNED_IN_ONLY, Row
from tests.timebank.factories import make_bank, make_member

BROKERS = {"alex": OK, "sam": OK}
MARGARET = {**BROKERS, "margaret": OK}


def _bank(world):
    bank = make_bank(organisation=world.mutual_aid, by=world.sam)
    margaret = Account.objects.filter(bank=bank, person=world.margaret_person).first()
    if margaret is None:
        margaret = make_member(bank, person=world.margaret_person, by=world.sam)
        margaret.earn_help_hours = True
        margaret.save(update_fields=["earn_help_hours"])
    return bank, margaret


def bank(world):
    return {"slug": _bank(world)[0].slug}


def margaret_account(world):
    return {"account_id": _bank(world)[1].pk}


def pending_account(world):
    bank, _ = _bank(world)
    account = services.apply_to_join(bank, by=world.sam, person=world.riverside_person)
    return {"account_id": account.pk}


def listing(world):
    _, account = _bank(world)
    item = services.add_listing(
        account, by=world.margaret, kind="offer", category="food", title="Baking"
    )
    return {"listing_id": item.pk}


def _exchange(world, *, pending: bool) -> Exchange:
    bank, margaret = _bank(world)
    bill = make_member(bank, given_name="Bill", family_name="Stone", no_digital=True)
    if pending:
        return services.record_exchange(
            giver=margaret, receiver=bill, minutes=60, by=world.margaret, idempotency_key="p"
        )
    return services.record_exchange(
        giver=margaret,
        receiver=bill,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="c",
    )


def confirmed(world):
    return {"exchange_id": _exchange(world, pending=False).pk}


def pending(world):
    return {"exchange_id": _exchange(world, pending=True).pk}


def invitation(world):
    bank, _ = _bank(world)
    item = services.invite_to_give(bank, world.margaret_person, by=world.sam)
    return {"invitation_id": item.pk}


def invite(world):
    bank, _ = _bank(world)
    Strength.objects.create(person=world.riverside_person, kind="skill", description="Baking")
    return {"slug": bank.slug, "person_id": world.riverside_person.pk}


MATRIX = [
    Row("timebank:index", expect=SIGNED_IN_ONLY, default=OK),
    Row("timebank:bank", expect=SIGNED_IN_ONLY, default=OK, kwargs=bank),
    Row("timebank:join", expect=SIGNED_IN_ONLY, default=OK, kwargs=bank),
    Row("timebank:add_member", expect={**SIGNED_IN_ONLY, **BROKERS}, kwargs=bank),
    Row("timebank:approvals", expect={**SIGNED_IN_ONLY, **BROKERS}, kwargs=bank),
    Row(
        "timebank:decide",
        method="post",
        kwargs=pending_account,
        data=lambda w: {"decision": "approve"},
        expect={**SIGNED_IN_ONLY, "alex": REDIRECT, "sam": REDIRECT},
    ),
    Row("timebank:account", expect={**SIGNED_IN_ONLY, **MARGARET}, kwargs=margaret_account),
    Row("timebank:account_edit", expect={**SIGNED_IN_ONLY, **MARGARET}, kwargs=margaret_account),
    Row("timebank:listing_add", expect={**SIGNED_IN_ONLY, **MARGARET}, kwargs=margaret_account),
    Row("timebank:exchange_new", expect={**SIGNED_IN_ONLY, **MARGARET}, kwargs=margaret_account),
    Row("timebank:donate", expect={**SIGNED_IN_ONLY, **MARGARET}, kwargs=margaret_account),
    Row("timebank:help_hours", expect={**SIGNED_IN_ONLY, **MARGARET}, kwargs=margaret_account),
    Row("timebank:statement", expect={**SIGNED_IN_ONLY, **MARGARET}, kwargs=margaret_account),
    Row("timebank:statement_csv", expect={**SIGNED_IN_ONLY, **MARGARET}, kwargs=margaret_account),
    Row(
        "timebank:listing_withdraw",
        method="post",
        kwargs=listing,
        expect={**SIGNED_IN_ONLY, "alex": REDIRECT, "sam": REDIRECT, "margaret": REDIRECT},
    ),
    Row("timebank:exchange", expect={**SIGNED_IN_ONLY, **MARGARET}, kwargs=confirmed),
    Row(
        "timebank:exchange_confirm",
        method="post",
        kwargs=pending,
        # Margaret recorded it: the other side (or a broker) confirms, never she.
        expect={**SIGNED_IN_ONLY, "alex": REDIRECT, "sam": REDIRECT, "margaret": FORBIDDEN},
    ),
    Row(
        "timebank:exchange_cancel",
        method="post",
        kwargs=pending,
        expect={**SIGNED_IN_ONLY, "alex": REDIRECT, "sam": REDIRECT, "margaret": REDIRECT},
    ),
    Row("timebank:exchange_reverse", expect={**SIGNED_IN_ONLY, **BROKERS}, kwargs=confirmed),
    Row("timebank:invitation", expect={**SIGNED_IN_ONLY, **MARGARET}, kwargs=invitation),
    Row("timebank:find", expect={**SIGNED_IN_ONLY, **MARGARET}, kwargs=bank),
    Row("timebank:group_new", expect={**SIGNED_IN_ONLY, **MARGARET}, kwargs=bank),
    Row("timebank:grant", expect={**SIGNED_IN_ONLY, **BROKERS}, kwargs=bank),
    Row("timebank:suggestions", expect={**SIGNED_IN_ONLY, **MARGARET}, kwargs=bank),
    Row("timebank:invite_list", expect={**SIGNED_IN_ONLY, **BROKERS}, kwargs=bank),
    Row(
        "timebank:invite",
        method="post",
        kwargs=invite,
        expect={**SIGNED_IN_ONLY, "alex": REDIRECT, "sam": REDIRECT},
    ),
    Row("timebank:inactive", expect={**SIGNED_IN_ONLY, **BROKERS}, kwargs=bank),
    Row("timebank:report", expect={**SIGNED_IN_ONLY, **BROKERS}, kwargs=bank),
    Row("timebank:settings", expect={**SIGNED_IN_ONLY, **BROKERS}, kwargs=bank),
]
