"""The ledger's writer: legs checked, accounts locked in id order, limits decided,
balances moved and audited, on the portable path or the one-statement fast path."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.people.models import Person
from keepwell.timebank import fastpath, messages
from keepwell.timebank.minutes import Minutes, format_minutes
from keepwell.timebank.models import Account, Exchange, LimitPolicy, Listing, Movement, TimeBank
from keepwell.timebank.services.common import (
    MAX_MINUTES,
    IdempotencyConflict,
    LedgerError,
    LimitExceeded,
    _owns_transaction,
)


@dataclass(frozen=True)
class Leg:
    account: Account
    minutes: int  # signed: + credit (gave time, or received a donation), − debit


def _fingerprint(kind: str, legs: Sequence[Leg]) -> str:
    text = kind + "|" + ",".join(f"{leg.account.pk}:{leg.minutes}" for leg in sorted_legs(legs))
    return hashlib.sha256(text.encode()).hexdigest()


def sorted_legs(legs: Sequence[Leg]) -> list[Leg]:
    return sorted(legs, key=lambda leg: leg.account.pk)


def _not_the_chest(*accounts: Account) -> None:
    """Time given between members: the chest only moves by donations, grants and help tasks."""
    if any(account.kind == Account.Kind.CHEST for account in accounts):
        raise LedgerError("Give to the community chest as a donation; a broker grants from it")


def _check_minutes(minutes: int) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise LedgerError("Time is whole minutes")
    if minutes <= 0:
        raise LedgerError("Enter a time of at least 1 minute")
    if minutes > MAX_MINUTES:
        raise LedgerError(f"One exchange can be at most {format_minutes(MAX_MINUTES)}")
    return minutes


def _check_accounts(bank: TimeBank, legs: Sequence[Leg], current: dict[int, Account]) -> None:
    seen = set()
    for leg in legs:
        account = current[leg.account.pk]
        if account.bank_id != bank.pk:
            raise LedgerError(f"{account} is not in {bank}")
        if account.status != Account.Status.APPROVED:
            raise LedgerError(f"{account} is not an approved member yet")
        if account.pk in seen:
            raise LedgerError(f"{account} cannot be on both sides of an exchange")
        seen.add(account.pk)
    if sum(leg.minutes for leg in legs) != 0:  # pragma: no cover - built by this module
        raise AssertionError("an exchange's movements must sum to zero")


def _breaches(bank: TimeBank, accounts: dict[int, Account], legs: Sequence[Leg]) -> list[str]:
    """The limits these legs would cross, given the locked accounts' current balances.

    A leg only breaches by moving a balance further past a limit: a credit that brings a
    flagged account back towards its limit is always allowed.
    """
    found = []
    for leg in legs:
        account = accounts[leg.account.pk]
        low, high = bank.limits_for(account)
        after = account.balance + leg.minutes
        if leg.minutes < 0 and low is not None and after < low:
            found.append(
                f"{account} would have {format_minutes(after)}, below the lowest balance of "
                f"{format_minutes(low)}"
            )
        if leg.minutes > 0 and high is not None and after > high:
            found.append(
                f"{account} would have {format_minutes(after)}, above the highest balance of "
                f"{format_minutes(high)}"
            )
    return found


def _lock(account_ids: Iterable[int]) -> dict[int, Account]:
    """Lock the accounts in id order: every transaction takes them in the same order."""
    rows = (
        Account.objects.select_for_update(of=("self",))
        .select_related("person", "organisation")
        .filter(pk__in=sorted(set(account_ids)))
        .order_by("pk")
    )
    return {account.pk: account for account in rows}


def _decide(bank: TimeBank, accounts: dict[int, Account], legs: Sequence[Leg], on_breach: str):
    """(confirm now?, flag note) for legs about to move, given the locked accounts.

    ``on_breach``: "raise" (refuse), "flag" (confirm and flag), "pending" (leave it for a
    broker); the bank's "flag" policy turns "raise" and "pending" into "flag".
    """
    for account in accounts.values():
        if account.status != Account.Status.APPROVED:
            raise LedgerError(f"{account} is not an approved member")
    breaches = _breaches(bank, accounts, legs)
    if not breaches:
        return True, ""
    if bank.limit_policy == LimitPolicy.FLAG:
        on_breach = "flag"
    if on_breach == "raise":
        raise LimitExceeded("; ".join(breaches))
    return on_breach == "flag", "; ".join(breaches)[:300]


def _move(accounts: dict[int, Account], legs: Sequence[Leg]) -> None:
    """Move the balances of the (locked) accounts in one statement."""
    Account.objects.filter(pk__in=[leg.account.pk for leg in legs]).update(
        balance=F("balance")
        + Case(
            *[When(pk=leg.account.pk, then=Value(leg.minutes)) for leg in legs],
            output_field=IntegerField(),
        )
    )
    for leg in legs:
        accounts[leg.account.pk].balance += leg.minutes
        leg.account.balance = accounts[leg.account.pk].balance


def _apply(exchange: Exchange, legs: Sequence[Leg], *, by, on_breach: str) -> bool:
    """Confirm a pending ``exchange``: lock, check limits, move balances. False if left
    pending (``on_breach="pending"``)."""
    accounts = _lock(leg.account.pk for leg in legs)
    confirm, note = _decide(exchange.bank, accounts, legs, on_breach)
    if not confirm:
        if exchange.flag_note != note:
            exchange.flag_note = note
            exchange.save(update_fields=["flag_note"])
        return False
    _move(accounts, legs)
    exchange.flagged = bool(note)
    exchange.flag_note = note
    exchange.state = Exchange.State.CONFIRMED
    exchange.confirmed_at = timezone.now()
    exchange.confirmed_by = audit.acting_user(by)
    exchange.save(update_fields=["state", "confirmed_at", "confirmed_by", "flagged", "flag_note"])
    return True


def _audit_legs(by, exchange: Exchange, legs: Sequence[Leg], action: str, summary: str, via):
    """One audit row per person whose time bank record the exchange touches, in one INSERT."""
    rows = []
    for leg in legs:
        if leg.account.person_id:
            row = copy.copy(exchange)
            row.audit_person_id = leg.account.person_id
            rows.append(row)
    audit.record_many(
        by,
        action,
        rows,
        purpose=Purpose.TIMEBANK,
        person_id_attr="audit_person_id",
        summary=summary,
        via=via,
    )


def _existing(key: str, fingerprint: str) -> Exchange | None:
    """The exchange already recorded under ``key``, if any (a retry); refused if the key
    was used for a different exchange. Usually there is none, so the question is asked
    first in its cheapest form (an exchange refused at a limit asks it too)."""
    held = Exchange.objects.filter(idempotency_key=key).order_by().values_list("pk", "fingerprint")
    found = held[:1]
    if not found:
        return None
    pk, used_for = found[0]
    if used_for != fingerprint:
        raise IdempotencyConflict("This idempotency key was already used for another exchange")
    return Exchange.objects.get(pk=pk)


def _check_date(bank: TimeBank, occurred_on: date | None) -> None:
    """An exchange is dated today or in the past, but no further back than the bank allows
    (a date typed in the wrong year is refused rather than sorted to the start of a
    statement)."""
    if occurred_on is None:
        return
    if occurred_on > timezone.localdate():
        raise LedgerError("The date cannot be in the future")
    if occurred_on < bank.earliest_exchange_date():
        raise LedgerError(
            f"The date cannot be more than {bank.backdate_days} days ago in this time bank"
        )


def _record(
    bank: TimeBank,
    *,
    kind: str,
    legs: Sequence[Leg],
    by,
    idempotency_key: str,
    confirm: bool,
    on_breach: str = "raise",
    awaiting: Account | None = None,
    by_broker: bool = False,
    description: str = "",
    category: str = "",
    occurred_on: date | None = None,
    listing: Listing | None = None,
    reverses: Exchange | None = None,
    reason: str = "",
    source_ref: str = "",
    beneficiary: Person | None = None,
    via: str = "web",
    fast_only: bool = False,
) -> Exchange | None:
    """Write one exchange and its movements; confirm it now if ``confirm``.

    Runs inside the caller's transaction (each public service is a ``ledger_transaction``).
    To confirm at once on PostgreSQL, one statement does it all (see ``fastpath``); what
    that statement leaves undecided (a limit crossed, an account that cannot trade) comes
    here. Here, the accounts are locked first (in id order) and the exchange is written
    already confirmed, its balances moved in one statement: the fewest round trips while
    the locks are held.

    ``fast_only``: return None rather than take the portable path (the caller is outside
    a transaction and will run this again inside one).
    """
    if not idempotency_key or len(idempotency_key) > 100:
        raise LedgerError("Every exchange needs an idempotency key of at most 100 characters")
    fingerprint = _fingerprint(kind, legs)
    fast = confirm and fastpath.available()
    if fast:
        done = _record_fast(
            bank,
            kind=kind,
            legs=legs,
            by=by,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            by_broker=by_broker,
            description=description,
            category=category,
            occurred_on=occurred_on,
            listing=listing,
            reverses=reverses,
            reason=reason,
            source_ref=source_ref,
            beneficiary=beneficiary,
            on_breach=on_breach,
            via=via,
        )
        if done is not None or fast_only:
            return done
    else:
        # (The fast path has already asked, when it wrote nothing.)
        existing = _existing(idempotency_key, fingerprint)
        if existing is not None:
            return existing
    _check_date(bank, occurred_on)
    # The balances are read afresh (a caller's objects may be stale), and the accounts locked
    # in id order as every ledger transaction takes them: a pending exchange too, whose
    # foreign keys would otherwise lock them at commit in leg order, and could deadlock
    # with a transaction holding them in id order.
    current = _lock(leg.account.pk for leg in legs)
    if len(current) != len({leg.account.pk for leg in legs}):
        raise LedgerError("One of these accounts is not a time bank account")
    _check_accounts(bank, legs, current)
    note = ""
    if confirm:
        confirm, note = _decide(bank, current, legs, on_breach)
    elif on_breach == "raise" and bank.limit_policy == LimitPolicy.ENFORCE:
        # Say so now rather than when the other side confirms; confirming checks again.
        found = _breaches(bank, current, legs)
        if found:
            raise LimitExceeded("; ".join(found))
    now = timezone.now()
    actor = audit.acting_user(by)
    exchange = Exchange(
        bank=bank,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        kind=kind,
        state=Exchange.State.CONFIRMED if confirm else Exchange.State.PENDING,
        minutes=sum(leg.minutes for leg in legs if leg.minutes > 0),
        category=category,
        description=description,
        occurred_on=occurred_on or timezone.localdate(),
        listing=listing,
        recorded_by=actor,
        recorded_at=now,
        by_broker=by_broker,
        awaiting=None if confirm else awaiting,
        confirmed_by=actor if confirm else None,
        confirmed_at=now if confirm else None,
        reverses=reverses,
        reason=reason,
        flagged=bool(confirm and note),
        flag_note=note,
        source_ref=source_ref,
        beneficiary=beneficiary,
    )
    if _owns_transaction() and transaction.get_connection().vendor == "postgresql":
        # A concurrent insert of the same key aborts this transaction; the use case is
        # retried whole (see ``ledger_transaction``) and then finds the first exchange.
        # No savepoint: two fewer round trips while the accounts are locked.
        exchange.save(force_insert=True)
    else:
        try:
            # A savepoint, so a concurrent insert of the same key leaves the caller's
            # transaction usable.
            with transaction.atomic():
                exchange.save(force_insert=True)
        except IntegrityError:
            existing = _existing(idempotency_key, fingerprint)
            if existing is None:
                raise
            return existing
    Movement.objects.bulk_create(
        [Movement(exchange=exchange, account=leg.account, minutes=leg.minutes) for leg in legs]
    )
    if confirm:
        _move(current, legs)
    summary = f"{exchange.get_kind_display()} of {exchange.minutes_display} recorded" + (
        "" if exchange.is_confirmed else ", waiting for confirmation"
    )
    _audit_legs(by, exchange, legs, Action.CREATE, summary, via)
    if not exchange.is_confirmed:
        # The member whose yes it waits for hears, in this transaction.
        messages.tell_exchange_awaiting(exchange, by=by)
    return exchange


_KIND_LABELS = dict(Exchange.Kind.choices)


def _record_fast(
    bank: TimeBank,
    *,
    kind: str,
    legs: Sequence[Leg],
    by,
    idempotency_key: str,
    fingerprint: str,
    by_broker: bool,
    description: str,
    category: str,
    occurred_on: date | None,
    listing: Listing | None,
    reverses: Exchange | None,
    reason: str,
    source_ref: str,
    beneficiary: Person | None,
    on_breach: str,
    via: str,
) -> Exchange | None:
    """A confirmed exchange in one statement (PostgreSQL): the exchange written, or the
    one already recorded under this key, or :class:`LimitExceeded`, or None when the
    portable path must decide (an account that cannot trade; a limit crossed where the
    exchange would be flagged or left pending)."""
    _check_date(bank, occurred_on)
    now = timezone.now()
    actor = audit.acting_user(by)
    actor_id = actor.pk if actor is not None else None
    # Ids rather than objects (cheaper to build); the objects at hand are cached below.
    exchange = Exchange(
        bank_id=bank.pk,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        kind=kind,
        state=Exchange.State.CONFIRMED,
        minutes=sum(leg.minutes for leg in legs if leg.minutes > 0),
        category=category,
        description=description,
        occurred_on=occurred_on or timezone.localdate(),
        listing_id=listing.pk if listing is not None else None,
        recorded_by_id=actor_id,
        recorded_at=now,
        by_broker=by_broker,
        confirmed_by_id=actor_id,
        confirmed_at=now,
        reverses_id=reverses.pk if reverses is not None else None,
        reason=reason,
        source_ref=source_ref,
        beneficiary_id=beneficiary.pk if beneficiary is not None else None,
    )
    cache = exchange._state.fields_cache
    cache["bank"] = bank
    for name, value in (
        ("recorded_by", actor),
        ("confirmed_by", actor),
        ("listing", listing),
        ("reverses", reverses),
        ("beneficiary", beneficiary),
    ):
        if value is not None:
            cache[name] = value
    outcome = fastpath.record_confirmed(
        exchange,
        [(leg.account.pk, leg.minutes) for leg in legs],
        by=by,
        summary=f"{_KIND_LABELS[kind]} of {Minutes(exchange.minutes)} recorded",
        via=via,
    )
    if outcome.exchange_id is not None:
        exchange.pk = outcome.exchange_id
        exchange._state.adding = False
        exchange._state.db = transaction.get_connection().alias
        for leg in legs:
            leg.account.balance = outcome.balances[leg.account.pk]
        return exchange
    # Nothing written: the key may already be on the ledger (a retry, perhaps after the
    # balances moved on or an account stopped trading), which the statement leaves to
    # this question, asked once here for the portable path too.
    existing = _existing(idempotency_key, fingerprint)
    if existing is not None:
        return existing
    if not outcome.valid:
        return None  # the portable path says which account cannot trade, and why
    if outcome.within:
        return None  # not expected (a conflict means the key is held): the portable path decides
    if on_breach == "raise" and outcome.limit_policy == LimitPolicy.ENFORCE:
        # Refused under the lock: say why, from the balances and limits read there.
        limits = TimeBank(
            pk=bank.pk,
            min_balance=outcome.min_balance,
            max_balance=outcome.max_balance,
            chest_min_balance=outcome.chest_min_balance,
        )
        locked = {}
        for leg in legs:
            locked[leg.account.pk] = copy.copy(leg.account)
            locked[leg.account.pk].balance = outcome.before[leg.account.pk]
        found = _breaches(limits, locked, legs)
        if found:
            raise LimitExceeded("; ".join(found))
    return None  # flag it, or leave it pending: the portable path decides
