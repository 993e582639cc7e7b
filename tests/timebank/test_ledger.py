"""The ledger never loses a minute: stories of exchanges, limits, reversals and the chest."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from keepwell.audit.models import AuditEvent
from keepwell.timebank import services
from keepwell.timebank.models import Account, Exchange, LimitPolicy, Movement
from keepwell.timebank.services import IdempotencyConflict, LedgerError, LimitExceeded


def balances(*accounts):
    return [Account.objects.get(pk=a.pk).balance for a in accounts]


def test_an_exchange_margaret_records_waits_for_cath_and_then_moves_both_balances(world, tb):
    exchange = services.record_exchange(
        giver=tb.margaret,
        receiver=tb.cath,
        minutes=90,
        by=world.margaret,
        idempotency_key="k1",
        description="Fixed a shelf",
    )
    assert exchange.state == Exchange.State.PENDING
    assert exchange.awaiting == tb.cath
    # Written, but nothing moves until Cath confirms.
    assert balances(tb.margaret, tb.cath) == [0, 0]
    assert sorted(exchange.movements.values_list("minutes", flat=True)) == [-90, 90]

    # Cath has no sign-in of her own here, so a broker confirms for her.
    services.confirm_exchange(exchange, by=world.sam, as_broker=True)
    assert balances(tb.margaret, tb.cath) == [90, -90]
    exchange.refresh_from_db()
    assert exchange.confirmed_by == world.sam and exchange.confirmed_at is not None
    assert services.ledger_problems(tb.bank) == []


def test_confirming_twice_moves_the_time_once(world, tb):
    exchange = services.record_exchange(
        giver=tb.cath, receiver=tb.margaret, minutes=60, by=world.margaret, idempotency_key="k"
    )
    assert exchange.awaiting == tb.cath
    services.confirm_exchange(exchange, by=world.sam, as_broker=True)
    services.confirm_exchange(exchange, by=world.sam, as_broker=True)
    assert balances(tb.cath, tb.margaret) == [60, -60]


def test_the_member_who_recorded_cannot_confirm_their_own_claim(world, tb):
    exchange = services.record_exchange(
        giver=tb.margaret, receiver=tb.cath, minutes=30, by=world.margaret, idempotency_key="k"
    )
    with pytest.raises(LedgerError):
        services.confirm_exchange(exchange, by=world.margaret)
    assert balances(tb.margaret) == [0]


def test_a_broker_records_for_bill_who_has_no_computer_and_it_counts_at_once(world, tb):
    exchange = services.record_exchange(
        giver=tb.bill,
        receiver=tb.margaret,
        minutes=45,
        by=world.sam,
        as_broker=True,
        idempotency_key="phone-call-1",
    )
    assert exchange.is_confirmed and exchange.by_broker
    assert tb.bill.is_offline
    assert balances(tb.bill, tb.margaret) == [45, -45]


def test_an_outsider_cannot_record_an_exchange_between_two_members(world, tb):
    with pytest.raises(LedgerError):
        services.record_exchange(
            giver=tb.bill, receiver=tb.cath, minutes=45, by=world.olly, idempotency_key="k"
        )
    assert not Exchange.objects.exists()


def test_a_retry_with_the_same_key_returns_the_first_exchange(world, tb):
    first = services.record_exchange(
        giver=tb.bill,
        receiver=tb.cath,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="retry-me",
    )
    again = services.record_exchange(
        giver=tb.bill,
        receiver=tb.cath,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="retry-me",
    )
    assert again.pk == first.pk
    assert Exchange.objects.count() == 1
    assert balances(tb.bill, tb.cath) == [60, -60]


def test_reusing_a_key_for_a_different_exchange_is_refused(world, tb):
    services.record_exchange(
        giver=tb.bill,
        receiver=tb.cath,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="once",
    )
    with pytest.raises(IdempotencyConflict):
        services.record_exchange(
            giver=tb.bill,
            receiver=tb.cath,
            minutes=61,
            by=world.sam,
            as_broker=True,
            idempotency_key="once",
        )
    assert balances(tb.bill, tb.cath) == [60, -60]


def test_time_is_whole_minutes_never_a_float(world, tb):
    for bad in (1.5, 0, -10, "60", True, services.MAX_MINUTES + 1):
        with pytest.raises(LedgerError):
            services.record_exchange(
                giver=tb.bill,
                receiver=tb.cath,
                minutes=bad,
                by=world.sam,
                as_broker=True,
                idempotency_key=f"bad-{bad}",
            )
    assert not Exchange.objects.exists()


def test_nobody_goes_further_below_zero_than_the_bank_allows(world, tb):
    tb.bank.min_balance = -120
    tb.bank.save()
    services.record_exchange(
        giver=tb.bill,
        receiver=tb.cath,
        minutes=120,
        by=world.sam,
        as_broker=True,
        idempotency_key="a",
    )
    with pytest.raises(LimitExceeded, match="below the lowest balance"):
        services.record_exchange(
            giver=tb.margaret,
            receiver=tb.cath,
            minutes=1,
            by=world.sam,
            as_broker=True,
            idempotency_key="b",
        )
    assert balances(tb.bill, tb.cath, tb.margaret) == [120, -120, 0]
    # The refused exchange left nothing behind, so the key can be used once the limit allows.
    assert not Exchange.objects.filter(idempotency_key="b").exists()


def test_nobody_holds_more_than_the_ceiling(world, tb):
    tb.bank.max_balance = 60
    tb.bank.save()
    with pytest.raises(LimitExceeded, match="above the highest balance"):
        services.record_exchange(
            giver=tb.bill,
            receiver=tb.cath,
            minutes=61,
            by=world.sam,
            as_broker=True,
            idempotency_key="a",
        )
    assert balances(tb.bill, tb.cath) == [0, 0]


def test_a_pending_exchange_is_checked_again_when_confirmed(world, tb):
    tb.bank.min_balance = -60
    tb.bank.save()
    pending = services.record_exchange(
        giver=tb.margaret, receiver=tb.cath, minutes=60, by=world.margaret, idempotency_key="p"
    )
    services.record_exchange(
        giver=tb.bill,
        receiver=tb.cath,
        minutes=30,
        by=world.sam,
        as_broker=True,
        idempotency_key="q",
    )
    with pytest.raises(LimitExceeded):
        services.confirm_exchange(pending, by=world.sam, as_broker=True)
    pending.refresh_from_db()
    assert pending.is_pending
    assert balances(tb.cath) == [-30]


def test_a_bank_that_chooses_to_flag_lets_it_through_and_tells_the_broker(world, tb):
    tb.bank.min_balance = -60
    tb.bank.limit_policy = LimitPolicy.FLAG
    tb.bank.save()
    exchange = services.record_exchange(
        giver=tb.bill,
        receiver=tb.cath,
        minutes=90,
        by=world.sam,
        as_broker=True,
        idempotency_key="a",
    )
    assert exchange.is_confirmed and exchange.flagged
    assert "Cath Rowe would have −1 h 30 min" in exchange.flag_note
    assert balances(tb.cath) == [-90]
    assert services.ledger_problems(tb.bank) == []


def test_a_mistake_is_reversed_by_a_compensating_exchange_never_edited(world, tb):
    original = services.record_exchange(
        giver=tb.bill,
        receiver=tb.cath,
        minutes=600,
        by=world.sam,
        as_broker=True,
        idempotency_key="typo",
    )
    with pytest.raises(LedgerError):
        services.reverse_exchange(original, by=world.sam, reason="  ")
    reversal = services.reverse_exchange(original, by=world.sam, reason="Meant 60 minutes")
    assert reversal.kind == Exchange.Kind.REVERSAL and reversal.reverses == original
    assert balances(tb.bill, tb.cath) == [0, 0]
    # The original stays on the ledger as it was.
    original.refresh_from_db()
    assert original.is_confirmed and original.minutes == 600
    assert Movement.objects.count() == 4
    # Reversing again returns the same reversal; a reversal cannot be reversed.
    assert services.reverse_exchange(original, by=world.sam, reason="again").pk == reversal.pk
    with pytest.raises(LedgerError):
        services.reverse_exchange(reversal, by=world.sam, reason="undo")
    assert services.ledger_problems(tb.bank) == []


def test_a_reversal_is_never_refused_for_a_limit_but_is_flagged(world, tb):
    tb.bank.min_balance = -60
    tb.bank.save()
    earned = services.record_exchange(
        giver=tb.bill,
        receiver=tb.cath,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="a",
    )
    services.record_exchange(
        giver=tb.margaret,
        receiver=tb.bill,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="b",
    )
    services.record_exchange(
        giver=tb.cath,
        receiver=tb.bill,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="c",
    )
    assert balances(tb.bill) == [-60]
    reversal = services.reverse_exchange(earned, by=world.sam, reason="Never happened")
    assert reversal.flagged
    assert balances(tb.bill) == [-120]
    assert services.ledger_problems(tb.bank) == []


def test_a_waiting_exchange_can_be_cancelled_but_a_confirmed_one_cannot(world, tb):
    waiting = services.record_exchange(
        giver=tb.margaret, receiver=tb.cath, minutes=60, by=world.margaret, idempotency_key="w"
    )
    services.cancel_exchange(waiting, by=world.margaret)
    waiting.refresh_from_db()
    assert waiting.state == Exchange.State.CANCELLED
    with pytest.raises(LedgerError):
        services.confirm_exchange(waiting, by=world.sam, as_broker=True)
    confirmed = services.record_exchange(
        giver=tb.bill,
        receiver=tb.cath,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="c",
    )
    with pytest.raises(LedgerError, match="reverse it instead"):
        services.cancel_exchange(confirmed, by=world.sam, as_broker=True)
    assert balances(tb.margaret, tb.cath) == [0, -60]


def test_a_class_is_one_exchange_from_one_giver_to_many(world, tb):
    exchange = services.record_group_exchange(
        giver=tb.margaret,
        receivers=[tb.bill, tb.cath],
        minutes_each=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="knitting-class",
        description="Knitting class",
    )
    assert exchange.kind == Exchange.Kind.GROUP
    assert exchange.minutes == 120
    assert exchange.movements.count() == 3
    assert exchange.movements.aggregate(total=Sum("minutes"))["total"] == 0
    assert balances(tb.margaret, tb.bill, tb.cath) == [120, -60, -60]


def test_a_group_exchange_recorded_by_the_giver_waits_for_a_broker(world, tb):
    exchange = services.record_group_exchange(
        giver=tb.margaret,
        receivers=[tb.bill, tb.cath],
        minutes_each=30,
        by=world.margaret,
        idempotency_key="g",
    )
    assert exchange.is_pending and exchange.awaiting is None
    with pytest.raises(LedgerError):
        services.confirm_exchange(exchange, by=world.margaret)
    services.confirm_exchange(exchange, by=world.sam, as_broker=True)
    assert balances(tb.margaret) == [60]


def test_the_giver_cannot_also_be_a_receiver(world, tb):
    with pytest.raises(LedgerError):
        services.record_group_exchange(
            giver=tb.margaret,
            receivers=[tb.margaret, tb.cath],
            minutes_each=30,
            by=world.sam,
            as_broker=True,
            idempotency_key="g",
        )


def test_members_donate_to_the_chest_and_brokers_grant_from_it(world, tb):
    services.record_exchange(
        giver=tb.margaret,
        receiver=tb.cath,
        minutes=180,
        by=world.sam,
        as_broker=True,
        idempotency_key="earn",
    )
    services.donate_to_chest(donor=tb.margaret, minutes=120, by=world.margaret, idempotency_key="d")
    assert balances(tb.margaret, tb.chest) == [60, 120]
    services.grant_from_chest(
        receiver=tb.bill, minutes=90, by=world.sam, idempotency_key="g", reason="Welcome hours"
    )
    assert balances(tb.chest, tb.bill) == [30, 90]
    # The chest cannot give what it has not been given.
    with pytest.raises(LimitExceeded):
        services.grant_from_chest(
            receiver=tb.bill, minutes=31, by=world.sam, idempotency_key="g2", reason="More"
        )
    with pytest.raises(LedgerError):
        services.grant_from_chest(
            receiver=tb.bill, minutes=5, by=world.sam, idempotency_key="g3", reason=""
        )
    assert services.ledger_problems(tb.bank) == []


def test_an_organisation_donates_hours_to_the_chest(world, tb):
    practice = services.add_member(tb.bank, by=world.sam, organisation=world.practice)
    services.record_exchange(
        giver=practice,
        receiver=tb.cath,
        minutes=60,
        by=world.priya,
        idempotency_key="talk",
    )
    exchange = Exchange.objects.get(idempotency_key="talk")
    services.confirm_exchange(exchange, by=world.sam, as_broker=True)
    services.donate_to_chest(donor=practice, minutes=60, by=world.priya, idempotency_key="d")
    assert balances(practice, tb.chest) == [0, 60]


def test_a_pending_member_cannot_trade_yet(world, tb):
    newcomer = services.apply_to_join(tb.bank, by=world.jo, person=world.riverside_person)
    assert newcomer.status == Account.Status.PENDING
    with pytest.raises(LedgerError, match="not an approved member"):
        services.record_exchange(
            giver=newcomer,
            receiver=tb.cath,
            minutes=60,
            by=world.sam,
            as_broker=True,
            idempotency_key="k",
        )


def test_the_ledger_check_finds_a_balance_changed_behind_its_back(world, tb):
    services.record_exchange(
        giver=tb.bill,
        receiver=tb.cath,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="k",
    )
    Account.objects.filter(pk=tb.bill.pk).update(balance=61)
    problems = services.ledger_problems(tb.bank)
    assert any("sum to 1 minutes" in p for p in problems)
    assert any(f"account {tb.bill.pk} stores 61" in p for p in problems)


def test_the_database_refuses_a_zero_movement_and_a_zero_exchange(world, tb):
    exchange = services.record_exchange(
        giver=tb.bill,
        receiver=tb.cath,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="k",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Movement.objects.create(exchange=exchange, account=tb.margaret, minutes=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Exchange.objects.create(
            bank=tb.bank, idempotency_key="zero", kind="exchange", minutes=0, fingerprint="x"
        )


def test_every_exchange_is_in_the_audit_log_of_each_person(world, tb):
    exchange = services.record_exchange(
        giver=tb.bill,
        receiver=tb.margaret,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="k",
    )
    events = AuditEvent.objects.filter(object_type="timebank.exchange", object_id=str(exchange.pk))
    assert set(events.values_list("person_id", flat=True)) == {
        tb.bill.person_id,
        tb.margaret.person_id,
    }


def test_a_waiting_claim_is_checked_against_the_balance_now_not_a_stale_copy(world, tb):
    """Found by the state machine: the early limit check read the caller's old object."""
    tb.bank.min_balance = -60
    tb.bank.save()
    stale_cath = Account.objects.get(pk=tb.cath.pk)
    services.record_exchange(
        giver=tb.bill,
        receiver=tb.cath,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="first",
    )
    assert stale_cath.balance == 0  # the copy a page loaded before the broker's entry
    with pytest.raises(LimitExceeded, match="below the lowest balance"):
        services.record_exchange(
            giver=tb.margaret,
            receiver=stale_cath,
            minutes=30,
            by=world.margaret,
            idempotency_key="second",
        )
    assert not Exchange.objects.filter(idempotency_key="second").exists()


def test_the_ledger_check_finds_an_exchange_whose_movements_do_not_balance(world, tb):
    exchange = services.record_exchange(
        giver=tb.bill,
        receiver=tb.cath,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="k",
    )
    Movement.objects.filter(exchange=exchange, minutes__lt=0).update(minutes=-59)
    problems = services.ledger_problems(tb.bank)
    assert any(f"exchange {exchange.pk} has 2 movements summing to 1" in p for p in problems)


def test_the_chest_moves_only_by_donations_grants_and_help_tasks(world, tb):
    with pytest.raises(LedgerError, match="community chest"):
        services.record_exchange(
            giver=tb.chest,
            receiver=tb.cath,
            minutes=60,
            by=world.sam,
            as_broker=True,
            idempotency_key="k",
        )
    with pytest.raises(LedgerError, match="community chest"):
        services.record_group_exchange(
            giver=tb.margaret,
            receivers=[tb.chest, tb.cath],
            minutes_each=30,
            by=world.sam,
            as_broker=True,
            idempotency_key="g",
        )
    assert not Exchange.objects.exists()
