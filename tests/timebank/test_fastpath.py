"""A broker's entry on PostgreSQL is one statement; it keeps every rule of the ledger.

The one-statement path (``keepwell.timebank.fastpath``) must be indistinguishable from the
portable one: the same exchange, movements, balances and audit rows, the same refusals in
the same words. The stories below run on both databases (on SQLite they take the
portable path, which is what the PostgreSQL path must match); the ones that need the
statement to be its own transaction are PostgreSQL only.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from keepwell.audit import services as audit
from keepwell.audit.models import Action, AuditEvent, Purpose
from keepwell.timebank import fastpath, services
from keepwell.timebank.models import Account, Exchange, LimitPolicy, Movement
from keepwell.timebank.services import IdempotencyConflict, LedgerError, LimitExceeded

AUDIT_FIELDS = [f.attname for f in AuditEvent._meta.concrete_fields if f.name not in {"id", "at"}]


def _row(event: AuditEvent) -> dict:
    return {name: getattr(event, name) for name in AUDIT_FIELDS}


def _give(tb, world, *, giver=None, receiver=None, minutes=60, key="k", **extra):
    return services.record_exchange(
        giver=giver or tb.bill,
        receiver=receiver or tb.cath,
        minutes=minutes,
        by=world.sam,
        as_broker=True,
        idempotency_key=key,
        **extra,
    )


def test_a_brokers_entry_writes_the_audit_rows_the_audit_service_would(world, tb):
    exchange = _give(tb, world, receiver=tb.margaret, via="command")
    written = list(
        AuditEvent.objects.filter(object_type="timebank.exchange", object_id=str(exchange.pk))
    )
    assert sorted(e.person_id for e in written) == sorted(
        [tb.bill.person_id, tb.margaret.person_id]
    )
    for event in written:
        same = audit.record(
            world.sam,
            Action.CREATE,
            exchange,
            person_id=event.person_id,
            purpose=Purpose.TIMEBANK,
            summary="Exchange of 1 h recorded",
            via="command",
        )
        assert _row(event) == _row(same)
        assert exchange.recorded_at <= event.at <= same.at


def test_what_a_brokers_entry_returns_is_what_the_database_holds(world, tb):
    exchange = _give(tb, world, minutes=75, description="Lift to the surgery", category="transport")
    stored = Exchange.objects.get(pk=exchange.pk)
    for field in Exchange._meta.concrete_fields:
        assert getattr(exchange, field.attname) == getattr(stored, field.attname), field.name
    assert stored.is_confirmed and stored.confirmed_by == world.sam and not stored.flagged
    assert sorted(stored.movements.values_list("account_id", "minutes")) == sorted(
        [(tb.bill.pk, 75), (tb.cath.pk, -75)]
    )
    # The caller's objects carry the balances the exchange left.
    assert (tb.bill.balance, tb.cath.balance) == (75, -75)
    assert services.ledger_problems(tb.bank) == []


def test_a_refusal_says_who_would_cross_which_limit_and_leaves_nothing(world, tb):
    tb.bank.min_balance = -120
    tb.bank.save()
    _give(tb, world, minutes=100, key="first")
    with pytest.raises(LimitExceeded) as refused:
        _give(tb, world, minutes=21, key="second")
    assert refused.value.message == (
        "Cath Rowe would have −2 h 1 min, below the lowest balance of −2 h"
    )
    assert not Exchange.objects.filter(idempotency_key="second").exists()
    assert Account.objects.get(pk=tb.cath.pk).balance == -100
    assert services.ledger_problems(tb.bank) == []


def test_the_limit_is_checked_against_the_balance_now_not_the_callers_copy(world, tb):
    tb.bank.min_balance = -60
    tb.bank.save()
    stale_cath = Account.objects.get(pk=tb.cath.pk)
    _give(tb, world, minutes=60, key="first")
    assert stale_cath.balance == 0
    with pytest.raises(LimitExceeded):
        _give(tb, world, receiver=stale_cath, minutes=1, key="second")
    assert Account.objects.get(pk=tb.cath.pk).balance == -60


def test_a_key_used_for_another_exchange_is_refused_and_a_retry_returns_the_first(world, tb):
    first = _give(tb, world, key="once")
    assert _give(tb, world, key="once").pk == first.pk
    with pytest.raises(IdempotencyConflict):
        _give(tb, world, minutes=61, key="once")
    assert Exchange.objects.count() == 1
    assert [Account.objects.get(pk=a.pk).balance for a in (tb.bill, tb.cath)] == [60, -60]


def test_a_retry_after_the_balances_moved_on_still_returns_the_first(world, tb):
    """The broker's screen timed out after the exchange went through; by the time the
    retry arrives, the same exchange again would cross Cath's limit. The retry is still
    the first exchange, not a refusal and not a second one."""
    tb.bank.min_balance = -60
    tb.bank.save()
    first = _give(tb, world, minutes=60, key="lift-to-surgery")
    assert _give(tb, world, minutes=60, key="lift-to-surgery").pk == first.pk
    assert [Account.objects.get(pk=a.pk).balance for a in (tb.bill, tb.cath)] == [60, -60]
    assert Exchange.objects.count() == 1


def test_the_chest_has_its_own_floor_and_no_ceiling(world, tb):
    tb.bank.max_balance = 60
    tb.bank.save()
    services.donate_to_chest(
        donor=tb.bill, minutes=90, by=world.sam, as_broker=True, idempotency_key="d"
    )
    with pytest.raises(LimitExceeded, match="Community chest would have −1 min"):
        services.grant_from_chest(
            receiver=tb.cath, minutes=91, by=world.sam, idempotency_key="g1", reason="Welcome"
        )
    services.grant_from_chest(
        receiver=tb.cath, minutes=60, by=world.sam, idempotency_key="g2", reason="Welcome"
    )
    assert [Account.objects.get(pk=a.pk).balance for a in (tb.bill, tb.chest, tb.cath)] == [
        -90,
        30,
        60,
    ]
    assert services.ledger_problems(tb.bank) == []


def test_an_account_of_another_bank_cannot_be_on_the_other_side(world, tb):
    from tests.timebank.factories import make_bank, make_member

    other = make_member(make_bank(name="Other Time Bank", by=world.sam))
    with pytest.raises(LedgerError, match="is not in"):
        _give(tb, world, receiver=other)
    assert not Exchange.objects.exists()


# --- PostgreSQL: the statement is the whole transaction ---------------------------------


def test_the_statements_audit_rows_fill_every_column_of_the_audit_log():
    columns, _values = audit.insert_sql(fastpath._AUDIT_VALUES, connection.ops.quote_name)
    assert sorted(columns.split(", ")) == sorted(
        connection.ops.quote_name(f.column)
        for f in AuditEvent._meta.concrete_fields
        if not f.primary_key
    )


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_brokers_entry_is_one_statement(world, tb, django_assert_num_queries):
    assert fastpath.outside_transaction()
    with django_assert_num_queries(1):
        exchange = _give(tb, world, receiver=tb.margaret)
    assert exchange.is_confirmed
    assert Movement.objects.filter(exchange=exchange).count() == 2
    assert AuditEvent.objects.filter(object_id=str(exchange.pk)).count() == 2
    assert services.ledger_problems(tb.bank) == []
    # A retry is the statement (which writes nothing), the key looked up, and the exchange
    # that holds it read.
    with django_assert_num_queries(3):
        assert _give(tb, world, receiver=tb.margaret).pk == exchange.pk


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_refusal_writes_nothing(world, tb):
    tb.bank.min_balance = -30
    tb.bank.save()
    with pytest.raises(LimitExceeded, match="below the lowest balance"):
        _give(tb, world, minutes=31)
    assert not Exchange.objects.exists() and not Movement.objects.exists()
    assert not AuditEvent.objects.filter(object_type="timebank.exchange").exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_bank_that_flags_still_flags(world, tb):
    tb.bank.min_balance = -60
    tb.bank.limit_policy = LimitPolicy.FLAG
    tb.bank.save()
    exchange = _give(tb, world, minutes=90)
    assert exchange.is_confirmed and exchange.flagged
    assert "Cath Rowe would have −1 h 30 min" in exchange.flag_note
    assert services.ledger_problems(tb.bank) == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_pending_member_still_cannot_trade(world, tb):
    newcomer = services.apply_to_join(tb.bank, by=world.jo, person=world.riverside_person)
    with pytest.raises(LedgerError, match="not an approved member"):
        _give(tb, world, giver=newcomer)
    assert not Exchange.objects.exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_inside_a_callers_transaction_it_rolls_back_with_it(world, tb):
    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        _give(tb, world)
        assert connection.in_atomic_block
        raise Abandon
    assert not Exchange.objects.exists()
    assert [Account.objects.get(pk=a.pk).balance for a in (tb.bill, tb.cath)] == [0, 0]
    _give(tb, world)
    assert services.ledger_problems(tb.bank) == []
