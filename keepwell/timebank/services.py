"""Time bank use cases. Each runs in one transaction and writes the audit log.

The ledger's rules, all kept here (the only writer):

* An exchange's movements sum to zero; the giver of time is credited, the receiver debited.
* A pending exchange moves no balance. Confirming it locks the accounts it touches with
  ``SELECT … FOR UPDATE`` in id order (one order for every transaction, so two exchanges
  between the same accounts queue rather than deadlock), checks the bank's limits under
  the lock, and updates the stored balances in the same transaction as the state change.
* Every exchange carries an idempotency key (unique in the database): recording again with
  the same key, e.g. a retry after a dropped connection, returns the first exchange.
* Serialization failures, deadlocks and a duplicate key from a concurrent retry are
  retried a bounded number of times when the service owns the transaction (not when a
  caller's transaction encloses it; there a savepoint catches the duplicate key).
* Nothing is edited or deleted: a confirmed mistake is reversed by a compensating exchange.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.help import queries as help_queries
from keepwell.people.models import Consent, Person, Strength
from keepwell.places.geo import haversine_km
from keepwell.places.models import PostcodeLocation
from keepwell.timebank import fastpath, messages
from keepwell.timebank.minutes import Minutes, format_minutes
from keepwell.timebank.models import (
    Account,
    Category,
    Exchange,
    GiveInvitation,
    LimitPolicy,
    Listing,
    Movement,
    TimeBank,
)

# One exchange moves at most this much time per account: a typo guard (a day is 1,440).
MAX_MINUTES = 100 * 60
# A class or group session has at most this many receivers.
MAX_GROUP_RECEIVERS = 100


class LedgerError(ValidationError):
    """The use case cannot go ahead; the message says why, for the person at the screen."""


class LimitExceeded(LedgerError):
    pass


class IdempotencyConflict(LedgerError):
    """The idempotency key was already used for a different exchange."""


T = TypeVar("T")


def _retry_count() -> int:
    return int(getattr(settings, "KEEPWELL_TIMEBANK_RETRIES", 5))


_owner = threading.local()


def _owns_transaction() -> bool:
    """Whether the running use case opened the transaction itself (so it may be retried)."""
    return getattr(_owner, "active", False)


def _is_retryable(exc: BaseException) -> bool:
    """A serialization failure or deadlock (PostgreSQL), a duplicate idempotency key
    inserted by a concurrent retry (PostgreSQL: the retry finds it), or a busy database
    (SQLite)."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in {"40001", "40P01", "23505"}:
        return True
    return "database is locked" in str(exc)


def ledger_transaction(fn: Callable[..., T]) -> Callable[..., T]:
    """Run ``fn`` in its own transaction, retrying transient conflicts a few times.

    Inside a caller's transaction it simply runs once: a retry would need to replay the
    caller's work too, which only the caller can do.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                return fn(*args, **kwargs)
        attempts = _retry_count()
        for attempt in range(1, attempts + 1):
            try:
                _owner.active = True
                with transaction.atomic():
                    return fn(*args, **kwargs)
            except DatabaseError as exc:
                if attempt == attempts or not _is_retryable(exc):
                    raise
            finally:
                _owner.active = False
            # Back off a little, with jitter, so the same transactions don't collide again
            # (only before a retry: a call that succeeded has returned above).
            time.sleep(random.uniform(0, 0.005 * 2**attempt))  # noqa: S311 - jitter
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


def new_key() -> str:
    return uuid.uuid4().hex


# --- who acts for an account -------------------------------------------------------------


def acts_for(user, account: Account | None) -> bool:
    """Whether ``user`` speaks for this account: it is theirs, or their organisation's."""
    from keepwell.accounts.models import Role

    if account is None or not getattr(user, "is_authenticated", False):
        return False
    if account.kind == Account.Kind.PERSON:
        return account.person.user_id == user.pk
    if account.kind == Account.Kind.ORGANISATION:
        return account.organisation_id in user.organisation_ids(
            Role.COORDINATOR, Role.NHS_CONNECTOR
        )
    return False


def is_broker(user, bank: TimeBank) -> bool:
    from keepwell.accounts.models import Role

    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_platform_admin:
        return True
    if bank.organisation_id and bank.organisation_id in user.organisation_ids(Role.COORDINATOR):
        return True
    return bank.brokers.filter(pk=user.pk).exists()


# --- banks and membership ----------------------------------------------------------------


def chest_of(bank: TimeBank) -> Account:
    return Account.objects.get(bank=bank, kind=Account.Kind.CHEST)


@transaction.atomic
def create_bank(*, name: str, slug: str, by, organisation=None, brokers=(), **fields) -> TimeBank:
    bank = TimeBank.objects.create(name=name, slug=slug, organisation=organisation, **fields)
    if brokers:
        bank.brokers.set(brokers)
    Account.objects.create(
        bank=bank,
        kind=Account.Kind.CHEST,
        status=Account.Status.APPROVED,
        applied_by=by if getattr(by, "is_authenticated", False) else None,
        decided_by=by if getattr(by, "is_authenticated", False) else None,
        decided_at=timezone.now(),
    )
    return bank


SETTINGS = ("min_balance", "max_balance", "chest_min_balance", "limit_policy", "backdate_days")


@transaction.atomic
def update_settings(bank: TimeBank, *, by, **fields) -> TimeBank:
    """Change a bank's rules (its balance limits, what happens at a limit, how far back an
    exchange may be dated). They apply to exchanges recorded from now on."""
    unknown = set(fields) - set(SETTINGS)
    if unknown:
        raise ValueError(f"Not a time bank setting: {', '.join(sorted(unknown))}")
    locked = TimeBank.objects.select_for_update().get(pk=bank.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    # The model's own checks (limits on the right side of zero) before the database's.
    locked.full_clean(validate_unique=False)
    locked.save(update_fields=list(fields))
    for name in fields:
        setattr(bank, name, getattr(locked, name))
    return bank


def _audit_account(by, action: str, account: Account, summary: str, via: str = "web") -> None:
    if account.person_id:
        audit.record(
            by,
            action,
            account,
            person_id=account.person_id,
            purpose=Purpose.TIMEBANK,
            summary=summary,
            via=via,
        )


@transaction.atomic
def apply_to_join(
    bank: TimeBank,
    *,
    by,
    person: Person | None = None,
    organisation=None,
    postcode: str = "",
    about: str = "",
    via: str = "web",
) -> Account:
    """Ask to join. A broker approves (or declines); asking twice returns the same account."""
    if (person is None) == (organisation is None):
        raise LedgerError("Choose a person or an organisation to join")
    owner = {"person": person} if person else {"organisation": organisation}
    account = Account.objects.filter(bank=bank, **owner).first()
    if account is not None:
        if account.status == Account.Status.DECLINED:
            account.status = Account.Status.PENDING
            account.applied_at = timezone.now()
            account.applied_by = by
            account.save(update_fields=["status", "applied_at", "applied_by"])
            _audit_account(by, Action.UPDATE, account, f"Asked again to join {bank}", via)
        return account
    account = Account.objects.create(
        bank=bank,
        kind=Account.Kind.PERSON if person else Account.Kind.ORGANISATION,
        status=Account.Status.PENDING,
        applied_by=by,
        postcode=postcode or (person.postcode if person else ""),
        about=about,
        **owner,
    )
    _audit_account(by, Action.CREATE, account, f"Asked to join {bank}", via)
    return account


@transaction.atomic
def decide_membership(
    account: Account, *, by, approve: bool, note: str = "", via: str = "web"
) -> Account:
    """A broker approves or declines; who decided, when and why is kept on the account."""
    account = (
        Account.objects.select_for_update(of=("self",)).select_related("person").get(pk=account.pk)
    )
    if account.kind == Account.Kind.CHEST:
        raise LedgerError("The community chest is not a member")
    wanted = Account.Status.APPROVED if approve else Account.Status.DECLINED
    if account.status == wanted:
        return account
    if account.status == Account.Status.APPROVED and not approve:
        raise LedgerError("This member is already approved")
    account.status = wanted
    account.decided_at = timezone.now()
    account.decided_by = by
    account.decision_note = note
    account.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    verb = "Approved" if approve else "Declined"
    _audit_account(by, Action.UPDATE, account, f"{verb} membership of {account.bank}", via)
    return account


@transaction.atomic
def add_member(
    bank: TimeBank,
    *,
    by,
    person: Person | None = None,
    organisation=None,
    postcode: str = "",
    about: str = "",
    consent_how: str = "",
    via: str = "web",
) -> Account:
    """A broker adds a member (often one without a computer) and approves them at once."""
    account = apply_to_join(
        bank,
        by=by,
        person=person,
        organisation=organisation,
        postcode=postcode,
        about=about,
        via=via,
    )
    if person is not None and consent_how:
        from keepwell.people.services import has_consent, record_consent

        if not has_consent(person, Consent.Purpose.TIMEBANK):
            record_consent(
                person,
                by=by,
                purpose=Consent.Purpose.TIMEBANK,
                lawful_basis=Consent.LawfulBasis.CONSENT,
                how=consent_how,
                notes=f"Joining {bank}",
            )
    return decide_membership(account, by=by, approve=True, via=via)


@transaction.atomic
def update_profile(
    account: Account, *, by, postcode: str, about: str, earn_help_hours: bool, via: str = "web"
) -> Account:
    account = Account.objects.select_for_update().get(pk=account.pk)
    if earn_help_hours and account.kind != Account.Kind.PERSON:
        raise LedgerError("Only a person's account can earn hours for help tasks")
    if earn_help_hours:
        # One account per person earns them, so a task is credited in one place.
        Account.objects.filter(person_id=account.person_id, earn_help_hours=True).exclude(
            pk=account.pk
        ).update(earn_help_hours=False)
    before = {"postcode": account.postcode, "about": account.about, "help": account.earn_help_hours}
    account.postcode, account.about, account.earn_help_hours = postcode, about, earn_help_hours
    account.save(update_fields=["postcode", "about", "earn_help_hours"])
    after = {"postcode": postcode, "about": about, "help": earn_help_hours}
    changes = audit.diff(before, after)
    if changes and account.person_id:
        audit.record(
            by,
            Action.UPDATE,
            account,
            person_id=account.person_id,
            purpose=Purpose.TIMEBANK,
            summary="Changed time bank profile: " + ", ".join(changes),
            changes=changes,
            via=via,
        )
    return account


@transaction.atomic
def add_listing(
    account: Account,
    *,
    by,
    kind: str,
    category: str,
    title: str,
    description: str = "",
    strength: Strength | None = None,
    via: str = "web",
) -> Listing:
    if account.kind == Account.Kind.CHEST:
        raise LedgerError("The community chest cannot list offers or needs")
    listing = Listing.objects.create(
        account=account,
        kind=kind,
        category=category,
        title=title,
        description=description,
        strength=strength,
        created_by=by,
    )
    _audit_account(by, Action.CREATE, account, f"Listed {listing}", via)
    return listing


@transaction.atomic
def withdraw_listing(listing: Listing, *, by, via: str = "web") -> Listing:
    if listing.withdrawn_at is None:
        listing.withdrawn_at = timezone.now()
        listing.save(update_fields=["withdrawn_at"])
        _audit_account(by, Action.UPDATE, listing.account, f"Withdrew {listing}", via)
    return listing


# --- the ledger --------------------------------------------------------------------------


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
    exchange.confirmed_by = by if getattr(by, "is_authenticated", False) else None
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
    actor = by if getattr(by, "is_authenticated", False) else None
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
    actor = by if getattr(by, "is_authenticated", False) else None
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
    chest = chest_of(donor.bank)
    return _record(
        donor.bank,
        kind=Exchange.Kind.DONATION,
        legs=[Leg(donor, -minutes), Leg(chest, minutes)],
        by=by,
        idempotency_key=idempotency_key,
        confirm=True,
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
    chest = chest_of(receiver.bank)
    return _record(
        receiver.bank,
        kind=Exchange.Kind.GRANT,
        legs=[Leg(chest, -minutes), Leg(receiver, minutes)],
        by=by,
        idempotency_key=idempotency_key,
        confirm=True,
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


# --- reciprocity: help tasks, invitations, suggestions ----------------------------------


@ledger_transaction
def credit_help_task(
    *,
    volunteer_user,
    receiver_person: Person | None = None,
    minutes: int,
    task_ref: str,
    by,
    via: str = "system",
) -> Exchange | None:
    """Credit a volunteer's time bank account for a help task they completed.

    For the help capability to call when a task is done. Idempotent by ``task_ref``: the
    same task is credited once however often this is called. Returns None when the
    volunteer has not opted in ("Earn hours for help tasks" on an approved account).

    The hours come from the bank's community chest; the person helped is never charged
    (they are invited to give instead, see :func:`people_to_invite`). If the chest cannot
    cover them under an enforced limit, the credit waits, pending, for a broker.
    """
    _check_minutes(minutes)
    key = help_queries.task_key(task_ref)
    if len(key) > 100:
        raise LedgerError("task_ref is too long")
    found = Exchange.objects.filter(idempotency_key=key).first()
    if found is not None:
        return found
    account = (
        Account.objects.approved()
        .filter(person__user=volunteer_user, earn_help_hours=True)
        .select_related("bank", "person")
        .first()
    )
    if account is None:
        return None
    chest = chest_of(account.bank)
    who = f" for {receiver_person.full_name}" if receiver_person else ""
    return _record(
        account.bank,
        kind=Exchange.Kind.HELP_TASK,
        legs=[Leg(chest, -minutes), Leg(account, minutes)],
        by=by,
        idempotency_key=key,
        confirm=True,
        on_breach="pending",
        by_broker=False,
        description=f"Help task {task_ref}{who}",
        source_ref=key,
        beneficiary=receiver_person,
        via=via,
    )


def help_tasks_to_claim(account: Account) -> list:
    """Done help tasks of the account's volunteer not yet credited, newest first."""
    user_id = account.person.user_id if account.person_id else None
    if user_id is None:
        return []
    done = list(help_queries.done_tasks_for(user_id))
    refs = [help_queries.task_key(task.pk) for task in done]
    taken = set(
        Exchange.objects.exclude(source_ref="")
        .filter(source_ref__in=refs)
        .values_list("source_ref", flat=True)
    )
    return [task for task in done if help_queries.task_key(task.pk) not in taken]


def people_to_invite(bank: TimeBank, user):
    """People who received help, have strengths on their record, and give nothing here yet.

    A strength is recorded at the end of a referral or of help (``Strength.source``), so a
    strength on the record is the sign that someone received help and said what they could
    give. Only records ``user`` may open are included.
    """
    giving = Listing.objects.active().offers().filter(account__bank=bank).values("account__person")
    invited = GiveInvitation.objects.filter(bank=bank, response=GiveInvitation.Response.WAITING)
    return (
        Person.objects.visible_to(user)
        .filter(strengths__isnull=False)
        .exclude(pk__in=giving)
        .exclude(pk__in=invited.values("person"))
        .distinct()
        .prefetch_related("strengths")
        .order_by("family_name", "given_name", "id")
    )


@transaction.atomic
def invite_to_give(bank: TimeBank, person: Person, *, by, note: str = "", via: str = "web"):
    invitation = GiveInvitation.objects.filter(
        bank=bank, person=person, response=GiveInvitation.Response.WAITING
    ).first()
    if invitation is None:
        invitation = GiveInvitation.objects.create(
            bank=bank, person=person, invited_by=by, note=note
        )
        audit.record(
            by,
            Action.CREATE,
            invitation,
            person_id=person.pk,
            purpose=Purpose.TIMEBANK,
            summary=f"Invited to give through {bank}",
            via=via,
        )
    return invitation


_STRENGTH_CATEGORY = {
    Strength.Kind.SKILL: Category.PRACTICAL,
    Strength.Kind.TIME: Category.COMPANY,
    Strength.Kind.KNOWLEDGE: Category.LEARNING,
}


def category_for_strength(strength: Strength) -> str:
    return _STRENGTH_CATEGORY.get(strength.kind, Category.COMMUNITY)


@transaction.atomic
def answer_invitation(
    invitation: GiveInvitation,
    *,
    by,
    accept: bool,
    strengths: Iterable[Strength] = (),
    as_broker: bool = False,
    via: str = "web",
) -> GiveInvitation:
    """Yes: join (approved at once if a broker records it) and offer the chosen strengths."""
    invitation = GiveInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.response != GiveInvitation.Response.WAITING:
        return invitation
    if accept:
        person = invitation.person
        account = (
            add_member(invitation.bank, by=by, person=person, via=via)
            if as_broker
            else apply_to_join(invitation.bank, by=by, person=person, via=via)
        )
        for strength in strengths:
            if strength.person_id != person.pk:
                raise LedgerError("That strength is on someone else's record")
            if not account.listings.filter(strength=strength, withdrawn_at__isnull=True).exists():
                add_listing(
                    account,
                    by=by,
                    kind=Listing.Kind.OFFER,
                    category=category_for_strength(strength),
                    title=strength.description[:120],
                    strength=strength,
                    via=via,
                )
    invitation.response = (
        GiveInvitation.Response.ACCEPTED if accept else GiveInvitation.Response.DECLINED
    )
    invitation.responded_at = timezone.now()
    invitation.responded_by = by
    invitation.save(update_fields=["response", "responded_at", "responded_by"])
    audit.record(
        by,
        Action.UPDATE,
        invitation,
        person_id=invitation.person_id,
        purpose=Purpose.TIMEBANK,
        summary=f"Invitation to give: {invitation.get_response_display()}",
        via=via,
    )
    return invitation


@dataclass(frozen=True)
class Suggestion:
    need: Listing
    offer: Listing
    km: float | None

    @property
    def distance(self) -> str:
        return "distance not known" if self.km is None else f"{self.km:.1f} km"


def _locations(postcodes: Iterable[str]) -> dict[str, tuple[float, float]]:
    rows = PostcodeLocation.objects.filter(postcode__in=set(p for p in postcodes if p))
    return {row.postcode: (row.latitude, row.longitude) for row in rows}


def _km(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float | None:
    if a is None or b is None:
        return None
    return float(haversine_km(a[0], a[1], b[0], b[1]))


def suggestions(bank: TimeBank, *, account: Account | None = None, limit: int = 50):
    """Offers paired with needs in the same category, nearest first (two members each)."""
    listings = (
        Listing.objects.active()
        .filter(account__bank=bank)
        .select_related("account__person", "account__organisation")
    )
    needs = [item for item in listings if item.kind == Listing.Kind.NEED]
    offers = [item for item in listings if item.kind == Listing.Kind.OFFER]
    if account is not None:
        needs_mine = [n for n in needs if n.account_id == account.pk]
        offers_mine = [o for o in offers if o.account_id == account.pk]
        pairs = [(n, o) for n in needs_mine for o in offers if o.account_id != account.pk]
        pairs += [(n, o) for o in offers_mine for n in needs if n.account_id != account.pk]
    else:
        pairs = [(n, o) for n in needs for o in offers if n.account_id != o.account_id]
    pairs = [(n, o) for n, o in pairs if n.category == o.category]
    where = _locations(item.account.postcode for pair in pairs for item in pair)
    found = [
        Suggestion(n, o, _km(where.get(n.account.postcode), where.get(o.account.postcode)))
        for n, o in pairs
    ]
    found.sort(key=lambda s: (s.km is None, s.km or 0.0, -s.need.pk, -s.offer.pk))
    return found[:limit]


def listings_near(
    bank: TimeBank, *, postcode: str | None, km: float, kind: str = "", category: str = ""
) -> list[tuple[Listing, float | None]]:
    """Active offers and needs, nearest first within ``km`` of ``postcode`` (all if none)."""
    listings = (
        Listing.objects.active()
        .filter(account__bank=bank)
        .in_category(category)
        .select_related("account__person", "account__organisation")
    )
    if kind:
        listings = listings.filter(kind=kind)
    origin = _locations([postcode]).get(postcode) if postcode else None
    if origin is None:
        return [(item, None) for item in listings.order_by("-created_at", "-id")[:200]]
    nearby = PostcodeLocation.objects.near(origin[0], origin[1], km)
    where = {row.postcode: (row.latitude, row.longitude) for row in nearby}
    found = []
    for item in listings.near_postcodes(list(where)):
        distance = _km(origin, where.get(item.account.postcode))
        if distance is not None and distance <= km:
            found.append((item, distance))
    found.sort(key=lambda pair: (pair[1], -pair[0].pk))
    return found[:200]


# --- broker tools: statements, inactivity, reports, integrity ----------------------------


@dataclass(frozen=True)
class StatementLine:
    movement: Movement
    balance: int

    @property
    def balance_display(self) -> Minutes:
        return Minutes(self.balance)


def statement(account: Account, *, since: date | None = None, until: date | None = None):
    """(opening balance, lines with a running balance, closing balance).

    Lines are in the order the time was given (the exchange's date), then the order they
    were recorded: an exchange recorded late for last month sits in last month, and
    ``since``/``until`` choose by that date too."""
    movements = (
        Movement.objects.filter(account=account, exchange__state=Exchange.State.CONFIRMED)
        .select_related("exchange")
        .order_by("exchange__occurred_on", "exchange__recorded_at", "exchange_id")
    )
    opening = 0
    if since is not None:
        opening = (
            movements.filter(exchange__occurred_on__lt=since).aggregate(total=Sum("minutes"))[
                "total"
            ]
            or 0
        )
        movements = movements.filter(exchange__occurred_on__gte=since)
    if until is not None:
        movements = movements.filter(exchange__occurred_on__lte=until)
    movements = list(movements)
    # The other side of each line, fetched in one query.
    others: dict[int, list[str]] = defaultdict(list)
    for other in (
        Movement.objects.filter(exchange_id__in=[m.exchange_id for m in movements])
        .exclude(account=account)
        .select_related("account__person", "account__organisation")
    ):
        others[other.exchange_id].append(other.account.name)
    lines = []
    running = opening
    for movement in movements:
        running += movement.minutes
        movement.others = ", ".join(sorted(others[movement.exchange_id]))
        lines.append(StatementLine(movement, running))
    return opening, lines, running


def inactive_members(bank: TimeBank, *, months: int):
    since = timezone.now() - timedelta(days=round(months * 30.44))
    return (
        Account.objects.filter(bank=bank)
        .inactive_since(since)
        .select_related("person", "organisation")
        .order_by(F("last_exchange_at").asc(nulls_first=True), "id")
    )


@dataclass
class Report:
    since: date
    by_month: list[dict]
    by_category: list[dict]
    total_minutes: int
    members: int
    active_members: int
    gave_and_received: int

    @property
    def share_both(self) -> str:
        return _percent(self.gave_and_received, self.members)

    @property
    def share_both_of_active(self) -> str:
        return _percent(self.gave_and_received, self.active_members)

    @property
    def total_display(self) -> Minutes:
        return Minutes(self.total_minutes)


def _percent(part: int, whole: int) -> str:
    if not whole:
        return "none yet"
    return f"{(100 * part + whole // 2) // whole}%"


def report(bank: TimeBank, *, months: int = 12) -> Report:
    """Hours given by month and category, active members, and who both gave and received.

    Time given counts confirmed exchanges, group exchanges and help tasks that were not
    reversed; chest donations and grants move hours without anyone giving time.
    """
    today = timezone.localdate()
    since = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    given = Exchange.objects.filter(bank=bank, occurred_on__gte=since).time_given()
    rows = list(
        given.annotate(month=TruncMonth("occurred_on"))
        .values("month", "category")
        .annotate(minutes=Sum("minutes"), exchanges=Count("id"))
        .order_by("month", "category")
    )
    labels = dict(Category.choices)
    by_month: dict[Any, dict] = {}
    by_category: dict[str, dict] = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime):
            month = month.date()
        entry = by_month.setdefault(
            month, {"month": month, "minutes": 0, "exchanges": 0, "rows": []}
        )
        entry["minutes"] += row["minutes"]
        entry["exchanges"] += row["exchanges"]
        label = labels.get(row["category"], "Not given")
        entry["rows"].append({"category": label, "minutes": Minutes(row["minutes"])})
        cat = by_category.setdefault(label, {"category": label, "minutes": 0, "exchanges": 0})
        cat["minutes"] += row["minutes"]
        cat["exchanges"] += row["exchanges"]
    for entry in list(by_month.values()) + list(by_category.values()):
        entry["minutes"] = Minutes(entry["minutes"])
    legs = Movement.objects.filter(exchange__in=given, account__kind__in=["person", "organisation"])
    gave = set(legs.filter(minutes__gt=0).values_list("account_id", flat=True))
    received = set(legs.filter(minutes__lt=0).values_list("account_id", flat=True))
    members = Account.objects.filter(bank=bank).approved().members().count()
    return Report(
        since=since,
        by_month=list(by_month.values()),
        by_category=sorted(by_category.values(), key=lambda c: -int(c["minutes"])),
        total_minutes=sum(row["minutes"] for row in rows),
        members=members,
        active_members=len(gave | received),
        gave_and_received=len(gave & received),
    )


def ledger_problems(bank: TimeBank | None = None) -> list[str]:
    """Every way the ledger could be wrong, checked from the movements up. Empty is healthy.

    A handful of queries per bank, whatever its size, so it can run after every step of a
    test and after a benchmark.
    """
    problems = []
    banks = [bank] if bank is not None else list(TimeBank.objects.all())
    for item in banks:
        accounts = list(Account.objects.filter(bank=item).with_derived_balance())
        total = sum(account.balance for account in accounts)
        if total != 0:
            problems.append(f"{item}: balances sum to {total} minutes, not 0")
        over = []
        for account in accounts:
            if account.balance != account.derived_balance:
                problems.append(
                    f"{item}: account {account.pk} stores {account.balance} but its confirmed "
                    f"movements sum to {account.derived_balance}"
                )
            low, high = item.limits_for(account)
            if (low is not None and account.balance < low) or (
                high is not None and account.balance > high
            ):
                over.append(account)
        unbalanced = (
            Movement.objects.filter(exchange__bank=item)
            .values("exchange_id", "exchange__minutes")
            .annotate(
                net=Sum("minutes"),
                credits=Sum("minutes", filter=Q(minutes__gt=0), default=0),
                legs=Count("id"),
            )
            .filter(~Q(net=0) | ~Q(credits=F("exchange__minutes")) | Q(legs__lt=2))
            .order_by("exchange_id")
        )
        for row in unbalanced:
            problems.append(
                f"{item}: exchange {row['exchange_id']} has {row['legs']} movements summing to "
                f"{row['net']}, crediting {row['credits']} of {row['exchange__minutes']}"
            )
        for exchange_id in Exchange.objects.filter(bank=item, movements__isnull=True).values_list(
            "pk", flat=True
        ):
            problems.append(f"{item}: exchange {exchange_id} has no movements")
        foreign = Movement.objects.filter(exchange__bank=item).exclude(account__bank=item)
        for movement_id in foreign.values_list("pk", flat=True):
            problems.append(f"{item}: movement {movement_id} is on another bank's account")
        if over:
            explained = set(
                Movement.objects.filter(
                    account__in=over,
                    exchange__flagged=True,
                    exchange__state=Exchange.State.CONFIRMED,
                ).values_list("account_id", flat=True)
            )
            for account in over:
                if account.pk not in explained:
                    problems.append(
                        f"{item}: account {account.pk} is at {account.balance} minutes, past a "
                        "limit, with no flagged exchange to explain it"
                    )
    return problems
