"""Exchanges between members, group sessions, the chest's donations and grants, and
confirming, cancelling or reversing an exchange."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import DatabaseError
from django.utils import timezone

from keepwell.audit.models import Action
from keepwell.timebank import fastpath, messages
from keepwell.timebank.minutes import format_minutes
from keepwell.timebank.models import Account, Exchange, Listing
from keepwell.timebank.services.common import (
    MAX_GROUP_RECEIVERS,
    MAX_MINUTES,
    LedgerError,
    _is_retryable,
    ledger_transaction,
)
from keepwell.timebank.services.ledger import (
    Leg,
    _apply,
    _audit_legs,
    _check_minutes,
    _not_the_chest,
    _record,
)
from keepwell.timebank.services.membership import acts_for, chest_of


def record_exchange(
    *,
    giver: Account,
    receiver: Account,
    minutes: int,
    by,
    idempotency_key: str,
    as_broker: bool = False,
    description: str = "",
    category: str = "",
    occurred_on: date | None = None,
    listing: Listing | None = None,
    via: str = "web",
) -> Exchange:
    """``giver`` gave ``minutes`` of time to ``receiver``.

    Recorded by one side, it waits for the other side to confirm. Recorded by a broker
    (for a member without a computer, or for both), it is confirmed at once: on
    PostgreSQL, outside a caller's transaction, by one statement that is its own
    transaction (see ``fastpath``).
    """
    call = dict(
        giver=giver,
        receiver=receiver,
        minutes=minutes,
        by=by,
        idempotency_key=idempotency_key,
        as_broker=as_broker,
        description=description,
        category=category,
        occurred_on=occurred_on,
        listing=listing,
        via=via,
    )
    if as_broker and fastpath.outside_transaction():
        _check_minutes(minutes)
        _not_the_chest(giver, receiver)
        try:
            exchange = _record(
                giver.bank,
                kind=Exchange.Kind.EXCHANGE,
                legs=[Leg(giver, minutes), Leg(receiver, -minutes)],
                by=by,
                idempotency_key=idempotency_key,
                confirm=True,
                by_broker=True,
                description=description,
                category=category,
                occurred_on=occurred_on,
                listing=listing,
                via=via,
                fast_only=True,
            )
        except DatabaseError as exc:
            if not _is_retryable(exc):
                raise
            exchange = None
        if exchange is not None:
            return exchange
    return _record_exchange(**call)


@ledger_transaction
def _record_exchange(
    *,
    giver: Account,
    receiver: Account,
    minutes: int,
    by,
    idempotency_key: str,
    as_broker: bool,
    description: str,
    category: str,
    occurred_on: date | None,
    listing: Listing | None,
    via: str,
) -> Exchange:
    _check_minutes(minutes)
    _not_the_chest(giver, receiver)
    bank = giver.bank
    legs = [Leg(giver, minutes), Leg(receiver, -minutes)]
    awaiting = None
    if not as_broker:
        if acts_for(by, giver):
            awaiting = receiver
        elif acts_for(by, receiver):
            awaiting = giver
        else:
            raise LedgerError("Only the two members or a broker can record this exchange")
    return _record(
        bank,
        kind=Exchange.Kind.EXCHANGE,
        legs=legs,
        by=by,
        idempotency_key=idempotency_key,
        confirm=as_broker,
        awaiting=awaiting,
        by_broker=as_broker,
        description=description,
        category=category,
        occurred_on=occurred_on,
        listing=listing,
        via=via,
    )


@ledger_transaction
def record_group_exchange(
    *,
    giver: Account,
    receivers: Sequence[Account],
    minutes_each: int,
    by,
    idempotency_key: str,
    as_broker: bool = False,
    description: str = "",
    category: str = "",
    occurred_on: date | None = None,
    via: str = "web",
) -> Exchange:
    """One giver to many receivers (a class): one exchange, N+1 movements summing to zero.

    The giver earns ``minutes_each`` from every receiver. Recorded by the giver, a broker
    confirms it; recorded by a broker, it is confirmed at once.
    """
    _check_minutes(minutes_each)
    receivers = list(receivers)
    if not receivers:
        raise LedgerError("Choose who took part")
    if len(receivers) > MAX_GROUP_RECEIVERS:
        raise LedgerError(f"A group exchange can have at most {MAX_GROUP_RECEIVERS} people")
    total = minutes_each * len(receivers)
    if total > MAX_MINUTES:
        raise LedgerError(f"One exchange can be at most {format_minutes(MAX_MINUTES)}")
    _not_the_chest(giver, *receivers)
    if not as_broker and not acts_for(by, giver):
        raise LedgerError("Only the giver or a broker can record a group exchange")
    legs = [Leg(giver, total)] + [Leg(receiver, -minutes_each) for receiver in receivers]
    return _record(
        giver.bank,
        kind=Exchange.Kind.GROUP,
        legs=legs,
        by=by,
        idempotency_key=idempotency_key,
        confirm=as_broker,
        awaiting=None,
        by_broker=as_broker,
        description=description,
        category=category,
        occurred_on=occurred_on,
        via=via,
    )


def _with_chest(account: Account, minutes: int, *, kind: str, **record) -> Exchange | None:
    """``minutes`` from the bank's community chest to ``account`` (from ``account`` to the
    chest when negative), confirmed at once, the giving leg first; ``record`` is the rest of
    what :func:`_record` takes. Runs in the caller's ledger transaction."""
    chest = chest_of(account.bank)
    legs = [Leg(chest, -minutes), Leg(account, minutes)]
    if minutes < 0:
        legs.reverse()
    return _record(account.bank, kind=kind, legs=legs, confirm=True, **record)


@ledger_transaction
def donate_to_chest(
    *,
    donor: Account,
    minutes: int,
    by,
    idempotency_key: str,
    as_broker: bool = False,
    description: str = "",
    via: str = "web",
) -> Exchange:
    """A member or organisation gives hours to the community chest; it takes effect at once."""
    _check_minutes(minutes)
    if not as_broker and not acts_for(by, donor):
        raise LedgerError("Only the member or a broker can donate their hours")
    return _with_chest(
        donor,
        -minutes,
        kind=Exchange.Kind.DONATION,
        by=by,
        idempotency_key=idempotency_key,
        by_broker=as_broker,
        description=description or "Donation to the community chest",
        via=via,
    )


@ledger_transaction
def grant_from_chest(
    *,
    receiver: Account,
    minutes: int,
    by,
    idempotency_key: str,
    reason: str,
    via: str = "web",
) -> Exchange:
    """A broker grants hours from the community chest to a member (callers check brokerage)."""
    _check_minutes(minutes)
    if not reason.strip():
        raise LedgerError("Say why the hours are granted")
    return _with_chest(
        receiver,
        minutes,
        kind=Exchange.Kind.GRANT,
        by=by,
        idempotency_key=idempotency_key,
        by_broker=True,
        description=reason.strip(),
        via=via,
    )


def _legs_of(exchange: Exchange) -> list[Leg]:
    return [
        Leg(movement.account, movement.minutes)
        for movement in exchange.movements.select_related("account__person").order_by("account_id")
    ]


@ledger_transaction
def confirm_exchange(exchange: Exchange, *, by, as_broker: bool = False, via: str = "web"):
    """The other side (or a broker) confirms. Confirming twice changes nothing."""
    exchange = (
        Exchange.objects.select_for_update(of=("self",)).select_related("bank").get(pk=exchange.pk)
    )
    if exchange.state == Exchange.State.CONFIRMED:
        return exchange
    if exchange.state == Exchange.State.CANCELLED:
        raise LedgerError("This exchange was cancelled")
    if not as_broker:
        awaiting = exchange.awaiting
        if awaiting is None or not acts_for(by, awaiting):
            raise LedgerError("Only the other member or a broker can confirm this exchange")
    legs = _legs_of(exchange)
    _apply(exchange, legs, by=by, on_breach="raise")
    _audit_legs(by, exchange, legs, Action.UPDATE, f"Confirmed {exchange.minutes_display}", via)
    messages.tell_exchange_confirmed(
        exchange, [leg.account for leg in legs if not acts_for(by, leg.account)], by=by
    )
    return exchange


@ledger_transaction
def cancel_exchange(
    exchange: Exchange, *, by, as_broker: bool = False, reason: str = "", via: str = "web"
) -> Exchange:
    """Either side (or a broker) cancels an exchange that is still waiting."""
    exchange = Exchange.objects.select_for_update().get(pk=exchange.pk)
    if exchange.state == Exchange.State.CANCELLED:
        return exchange
    if exchange.state == Exchange.State.CONFIRMED:
        raise LedgerError("A confirmed exchange cannot be cancelled: reverse it instead")
    legs = _legs_of(exchange)
    if not as_broker and not any(acts_for(by, leg.account) for leg in legs):
        raise LedgerError("Only the members involved or a broker can cancel this exchange")
    exchange.state = Exchange.State.CANCELLED
    exchange.cancelled_at = timezone.now()
    exchange.cancelled_by = by
    if reason:
        exchange.reason = reason[:300]
    exchange.save(update_fields=["state", "cancelled_at", "cancelled_by", "reason"])
    _audit_legs(by, exchange, legs, Action.UPDATE, "Cancelled before confirmation", via)
    return exchange


@ledger_transaction
def reverse_exchange(
    exchange: Exchange,
    *,
    by,
    reason: str,
    idempotency_key: str | None = None,
    via: str = "web",
) -> Exchange:
    """Undo a confirmed exchange with a compensating one (a broker's correction).

    A correction is never refused for a limit, or a mistake could not be put right; if it
    takes a balance past one, it is flagged for the brokers instead.
    """
    if not reason.strip():
        raise LedgerError("Say why the exchange is reversed")
    original = (
        Exchange.objects.select_for_update(of=("self",)).select_related("bank").get(pk=exchange.pk)
    )
    if original.kind == Exchange.Kind.REVERSAL:
        raise LedgerError("A reversal cannot itself be reversed: record the exchange again")
    if original.state != Exchange.State.CONFIRMED:
        raise LedgerError("Only a confirmed exchange can be reversed; cancel a waiting one")
    already = Exchange.objects.filter(reverses=original).first()
    if already is not None:
        return already
    legs = [Leg(leg.account, -leg.minutes) for leg in _legs_of(original)]
    return _record(
        original.bank,
        kind=Exchange.Kind.REVERSAL,
        legs=legs,
        by=by,
        idempotency_key=idempotency_key or f"reversal:{original.pk}",
        confirm=True,
        on_breach="flag",
        by_broker=True,
        description=f"Reverses exchange {original.pk}",
        category=original.category,
        reverses=original,
        reason=reason.strip()[:300],
        via=via,
    )
