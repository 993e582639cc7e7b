"""Any sequence of time bank operations keeps the ledger whole (hypothesis, stateful).

The machine drives the service layer — record, confirm, cancel, reverse, group exchanges,
chest donations and grants, retries with a used key, and attempts that would cross a
limit — against a plain dictionary of expected balances, and after every step checks:
stored balances equal the model and the sum of confirmed movements, they sum to zero,
no exchange is lost or applied twice, and no limit is crossed except by a flagged
correction. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from keepwell.timebank import services
from keepwell.timebank.models import Account, Exchange
from tests.factories import PersonFactory, UserFactory

LOW, HIGH = -120, 300
MEMBERS = 4


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        tag = uuid.uuid4().hex[:10]
        self.broker = UserFactory(username=f"broker-{tag}")
        self.bank = services.create_bank(
            name=f"Bank {tag}",
            slug=f"bank-{tag}",
            by=self.broker,
            min_balance=LOW,
            max_balance=HIGH,
            chest_min_balance=0,
        )
        self.bank.brokers.add(self.broker)
        self.members: list[Account] = []
        for i in range(MEMBERS):
            user = UserFactory(username=f"m{i}-{tag}")
            person = PersonFactory(user=user)
            self.members.append(services.add_member(self.bank, by=self.broker, person=person))
        self.chest = services.chest_of(self.bank)
        self.expected = {a.pk: 0 for a in [*self.members, self.chest]}
        self.pending: dict[int, list[tuple[int, int]]] = {}
        self.confirmed: dict[int, list[tuple[int, int]]] = {}  # reversible ones
        self.keys: dict[str, int] = {}  # key -> exchange id
        self.flagged_accounts: set[int] = set()
        self.created: set[int] = set()

    # --- the model ----------------------------------------------------------------------

    def limits(self, account_id):
        return (0, None) if account_id == self.chest.pk else (LOW, HIGH)

    def breaches(self, legs) -> bool:
        for account_id, minutes in legs:
            low, high = self.limits(account_id)
            after = self.expected[account_id] + minutes
            if minutes < 0 and low is not None and after < low:
                return True
            if minutes > 0 and high is not None and after > high:
                return True
        return False

    def apply(self, legs) -> None:
        for account_id, minutes in legs:
            self.expected[account_id] += minutes

    def key(self) -> str:
        return uuid.uuid4().hex

    def remember(self, key, exchange):
        self.keys[key] = exchange.pk
        self.created.add(exchange.pk)

    # --- rules --------------------------------------------------------------------------

    @rule(
        giver=st.integers(0, MEMBERS - 1),
        receiver=st.integers(0, MEMBERS - 1),
        minutes=st.integers(1, 200),
        by_broker=st.booleans(),
    )
    def record(self, giver, receiver, minutes, by_broker):
        if giver == receiver:
            return
        g, r = self.members[giver], self.members[receiver]
        legs = [(g.pk, minutes), (r.pk, -minutes)]
        key = self.key()
        kwargs = dict(giver=g, receiver=r, minutes=minutes, idempotency_key=key)
        if self.breaches(legs):
            with pytest.raises(services.LimitExceeded):
                if by_broker:
                    services.record_exchange(**kwargs, by=self.broker, as_broker=True)
                else:
                    services.record_exchange(**kwargs, by=g.person.user)
            assert not Exchange.objects.filter(idempotency_key=key).exists()
            return
        if by_broker:
            exchange = services.record_exchange(**kwargs, by=self.broker, as_broker=True)
            assert exchange.is_confirmed
            self.apply(legs)
            self.confirmed[exchange.pk] = legs
        else:
            exchange = services.record_exchange(**kwargs, by=g.person.user)
            assert exchange.is_pending and exchange.awaiting_id == r.pk
            self.pending[exchange.pk] = legs
        self.remember(key, exchange)

    @rule(
        giver=st.integers(0, MEMBERS - 1),
        receivers=st.sets(st.integers(0, MEMBERS - 1), min_size=1, max_size=MEMBERS - 1),
        minutes_each=st.integers(1, 90),
    )
    def group(self, giver, receivers, minutes_each):
        receivers.discard(giver)
        if not receivers:
            return
        g = self.members[giver]
        rs = [self.members[i] for i in sorted(receivers)]
        legs = [(g.pk, minutes_each * len(rs))] + [(r.pk, -minutes_each) for r in rs]
        key = self.key()
        call = dict(
            giver=g,
            receivers=rs,
            minutes_each=minutes_each,
            by=self.broker,
            as_broker=True,
            idempotency_key=key,
        )
        if self.breaches(legs):
            with pytest.raises(services.LimitExceeded):
                services.record_group_exchange(**call)
            return
        exchange = services.record_group_exchange(**call)
        assert exchange.movements.count() == len(rs) + 1
        self.apply(legs)
        self.confirmed[exchange.pk] = legs
        self.remember(key, exchange)

    @precondition(lambda self: self.pending)
    @rule(data=st.data(), by_broker=st.booleans())
    def confirm(self, data, by_broker):
        exchange_id = data.draw(st.sampled_from(sorted(self.pending)))
        legs = self.pending[exchange_id]
        exchange = Exchange.objects.get(pk=exchange_id)
        receiver = Account.objects.get(pk=legs[1][0])
        by = self.broker if by_broker else receiver.person.user
        if self.breaches(legs):
            with pytest.raises(services.LimitExceeded):
                services.confirm_exchange(exchange, by=by, as_broker=by_broker)
            return
        services.confirm_exchange(exchange, by=by, as_broker=by_broker)
        self.apply(legs)
        self.confirmed[exchange_id] = self.pending.pop(exchange_id)

    @precondition(lambda self: self.pending)
    @rule(data=st.data())
    def cancel(self, data):
        exchange_id = data.draw(st.sampled_from(sorted(self.pending)))
        services.cancel_exchange(
            Exchange.objects.get(pk=exchange_id), by=self.broker, as_broker=True
        )
        del self.pending[exchange_id]

    @precondition(lambda self: self.confirmed)
    @rule(data=st.data())
    def reverse(self, data):
        exchange_id = data.draw(st.sampled_from(sorted(self.confirmed)))
        legs = [(account_id, -minutes) for account_id, minutes in self.confirmed.pop(exchange_id)]
        crossing = self.breaches(legs)
        reversal = services.reverse_exchange(
            Exchange.objects.get(pk=exchange_id), by=self.broker, reason="Recorded by mistake"
        )
        assert reversal.flagged == crossing
        self.created.add(reversal.pk)
        if crossing:
            self.flagged_accounts |= {account_id for account_id, _ in legs}
        self.apply(legs)

    @rule(donor=st.integers(0, MEMBERS - 1), minutes=st.integers(1, 120))
    def donate(self, donor, minutes):
        d = self.members[donor]
        legs = [(d.pk, -minutes), (self.chest.pk, minutes)]
        call = dict(donor=d, minutes=minutes, by=d.person.user, idempotency_key=self.key())
        if self.breaches(legs):
            with pytest.raises(services.LimitExceeded):
                services.donate_to_chest(**call)
            return
        exchange = services.donate_to_chest(**call)
        self.created.add(exchange.pk)
        self.apply(legs)
        self.confirmed[exchange.pk] = legs

    @rule(receiver=st.integers(0, MEMBERS - 1), minutes=st.integers(1, 120))
    def grant(self, receiver, minutes):
        r = self.members[receiver]
        legs = [(self.chest.pk, -minutes), (r.pk, minutes)]
        call = dict(
            receiver=r,
            minutes=minutes,
            by=self.broker,
            idempotency_key=self.key(),
            reason="Welcome",
        )
        if self.breaches(legs):
            with pytest.raises(services.LimitExceeded):
                services.grant_from_chest(**call)
            return
        exchange = services.grant_from_chest(**call)
        self.created.add(exchange.pk)
        self.apply(legs)
        self.confirmed[exchange.pk] = legs

    @precondition(lambda self: self.keys)
    @rule(data=st.data())
    def retry(self, data):
        """A client that lost the answer sends the same request again."""
        key = data.draw(st.sampled_from(sorted(self.keys)))
        original = Exchange.objects.get(pk=self.keys[key])
        legs = list(original.movements.order_by("account_id").values_list("account_id", "minutes"))
        accounts = {a.pk: a for a in Account.objects.filter(pk__in=[a for a, _ in legs])}
        if original.kind == Exchange.Kind.GROUP:
            giver = next(accounts[a] for a, m in legs if m > 0)
            receivers = [accounts[a] for a, m in legs if m < 0]
            again = services.record_group_exchange(
                giver=giver,
                receivers=receivers,
                minutes_each=-min(m for _, m in legs),
                by=self.broker,
                as_broker=True,
                idempotency_key=key,
            )
        else:
            giver = next(accounts[a] for a, m in legs if m > 0)
            receiver = next(accounts[a] for a, m in legs if m < 0)
            again = services.record_exchange(
                giver=giver,
                receiver=receiver,
                minutes=original.minutes,
                by=self.broker,
                as_broker=True,
                idempotency_key=key,
            )
        assert again.pk == original.pk

    # --- invariants ---------------------------------------------------------------------

    @invariant()
    def balances_match_the_model_and_sum_to_zero(self):
        stored = dict(Account.objects.filter(bank=self.bank).values_list("pk", "balance"))
        assert stored == self.expected
        assert sum(stored.values()) == 0

    @invariant()
    def the_ledger_checks_out(self):
        assert services.ledger_problems(self.bank) == []

    @invariant()
    def no_limit_is_crossed_except_by_a_flagged_correction(self):
        for account_id, balance in self.expected.items():
            low, high = self.limits(account_id)
            inside = (low is None or balance >= low) and (high is None or balance <= high)
            assert inside or account_id in self.flagged_accounts

    @invariant()
    def every_exchange_is_there_once(self):
        assert set(Exchange.objects.filter(bank=self.bank).values_list("pk", flat=True)) == (
            self.created
        )


def test_any_sequence_of_operations_keeps_the_ledger_whole(db):
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
