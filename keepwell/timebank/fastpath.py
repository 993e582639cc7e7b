"""The ledger's hot path on PostgreSQL: a confirmed exchange in one SQL statement.

``services.ledger._record`` is the portable writer (the ORM, on any database). On
PostgreSQL an exchange confirmed at once (a broker's entry, a donation, a grant, a class, a
reversal, a help task) is written instead by one statement, :data:`_SQL`, whose parts run
in this order because each reads the one before:

1. ``l``: the legs' accounts with their bank's limits, locked ``FOR UPDATE`` in id order
   (the order every ledger transaction takes them in, so two exchanges between the same
   accounts queue rather than deadlock). Under READ COMMITTED a row another transaction
   changed is read as that transaction committed it: the current balance;
2. ``c``: every account exists, is approved and is in the bank, none is on both sides,
   and no leg moves a balance further past a limit (the same rule as
   ``services.ledger._breaches``);
3. ``x``: only then the exchange, already confirmed; ``ON CONFLICT`` on the idempotency
   key does nothing if the key is already on the ledger (a retry, or a concurrent request
   with the same key, which it waits for), and then nothing below happens either;
   ``m``: its movements; ``u``: the balances moved; ``w``: one audit row per person
   involved, the same row ``keepwell.audit.services.record`` writes.

The key is looked up only through its unique index, as the conflict's arbiter, never by a
query of its own: a connection keeps the plan it made first, and one made while the ledger
was empty (a new database) would read the exchanges table from end to end on every later
call, as it grows. The caller asks which exchange holds the key when the statement wrote
none (a retry is rare).

So the lock, the limit check and every write happen in one round trip, and outside a
caller's transaction (``autocommit``) the statement is its own transaction: the locks are
released the moment it ends, not a round trip later. Anything else (a key already used, a
limit crossed, an account that cannot trade) writes nothing and the caller takes the
portable path, which decides it under the lock and says why in words
(:func:`record_confirmed` returns ``None``).

The statement's text never changes (legs travel as two arrays), so psycopg prepares it
on the server after a few uses: no parsing or planning per exchange.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import CharField, TextField

from keepwell.audit.models import Action, AuditEvent, Purpose
from keepwell.audit.services import acting_user
from keepwell.audit.services import actor_label as audit_label
from keepwell.audit.services import insert_sql as audit_insert_sql
from keepwell.core.db import PLAIN_TYPES, preparing_cursor
from keepwell.timebank.models import Account, Exchange, Movement, TimeBank

_SQL: str | None = None
_COLUMNS: list[tuple[str, Any]] = []
# Where each audit row's values come from (``w`` below): the person from the locked
# account, the object from the exchange written, the rest parameters, in this order.
_AUDIT_VALUES = {
    "at": "%s::timestamptz",
    "actor": "%s::bigint",
    "actor_label": "%s::text",
    "via": "%s::text",
    "action": "%s::text",
    "purpose": "%s::text",
    "person_id": "l.person_id",
    "object_type": "%s::text",
    "object_id": "x.id::text",
    "summary": "%s::text",
    "changes": "'{}'::jsonb",
}


def available() -> bool:
    """Whether the one-statement path can be used here (PostgreSQL with psycopg 3)."""
    return connection.vendor == "postgresql"


def outside_transaction() -> bool:
    """PostgreSQL, in autocommit and in no caller's transaction: the statement is the
    whole transaction."""
    return available() and connection.get_autocommit() and not connection.in_atomic_block


def _cast(field) -> str:
    if isinstance(field, CharField | TextField):
        return "text"
    return field.db_type(connection)


def _q(value: str) -> str:
    """A constant from the models' choices, quoted for SQL (letters and underscores)."""
    if not value.replace("_", "").isalnum():  # pragma: no cover - the choices are plain words
        raise ValueError(value)
    return f"'{value}'"


def _build() -> str:
    global _SQL, _COLUMNS
    qn = connection.ops.quote_name
    fields = [f for f in Exchange._meta.concrete_fields if not f.primary_key]
    # (attribute, the field where its value needs Django's preparation, else None)
    _COLUMNS = [(f.attname, None if f.get_internal_type() in PLAIN_TYPES else f) for f in fields]
    account, bank = qn(Account._meta.db_table), qn(TimeBank._meta.db_table)
    exchange, movement = qn(Exchange._meta.db_table), qn(Movement._meta.db_table)
    audit = qn(AuditEvent._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    values = ", ".join(f"%s::{_cast(f)}" for f in fields)
    approved, chest = _q(Account.Status.APPROVED), _q(Account.Kind.CHEST)
    audit_columns, audit_values = audit_insert_sql(_AUDIT_VALUES, qn)
    _SQL = f"""
WITH d AS (
    SELECT leg.account_id, leg.minutes, leg.ord
    FROM unnest(%s::bigint[], %s::integer[]) WITH ORDINALITY AS leg(account_id, minutes, ord)
), l AS (
    SELECT a.id, a.balance, a.person_id, a.kind, a.status, a.bank_id,
           b.min_balance, b.max_balance, b.chest_min_balance, b.limit_policy
    FROM {account} a JOIN {bank} b ON b.id = a.bank_id
    WHERE a.id = ANY(ARRAY(SELECT account_id FROM d))
    ORDER BY a.id
    FOR UPDATE OF a
), c AS (
    SELECT
        count(DISTINCT l.id) = %s::integer
        AND coalesce(bool_and(l.bank_id = %s::bigint AND l.status = {approved}), false) AS valid,
        coalesce(bool_and(CASE
            WHEN d.minutes < 0 THEN
                (CASE WHEN l.kind = {chest} THEN l.chest_min_balance ELSE l.min_balance END)
                IS NULL
                OR l.balance + d.minutes
                >= (CASE WHEN l.kind = {chest} THEN l.chest_min_balance ELSE l.min_balance END)
            ELSE
                l.kind = {chest} OR l.max_balance IS NULL OR l.balance + d.minutes <= l.max_balance
        END), false) AS within,
        array_agg(ARRAY[l.id, l.balance::bigint]) AS balances,
        min(l.min_balance) AS min_balance,
        min(l.max_balance) AS max_balance,
        min(l.chest_min_balance) AS chest_min_balance,
        min(l.limit_policy) AS limit_policy
    FROM l JOIN d ON d.account_id = l.id
), x AS (
    INSERT INTO {exchange} ({columns})
    SELECT {values} FROM c WHERE c.valid AND c.within
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
), m AS (
    INSERT INTO {movement} (exchange_id, account_id, minutes)
    SELECT x.id, d.account_id, d.minutes FROM x CROSS JOIN d ORDER BY d.ord
), u AS (
    UPDATE {account} a SET balance = a.balance + d.minutes
    FROM x CROSS JOIN d
    WHERE a.id = d.account_id AND a.id = ANY(ARRAY(SELECT account_id FROM d))
    RETURNING a.id, a.balance
), w AS (
    INSERT INTO {audit} ({audit_columns})
    SELECT {audit_values}
    FROM x CROSS JOIN d JOIN l ON l.id = d.account_id
    WHERE l.person_id IS NOT NULL
    ORDER BY d.ord
)
SELECT (SELECT id FROM x), (SELECT array_agg(ARRAY[u.id, u.balance::bigint]) FROM u),
       c.valid, c.within, c.balances,
       c.min_balance, c.max_balance, c.chest_min_balance, c.limit_policy
FROM c
"""  # noqa: S608 - table names and constants from the models; every value is a parameter
    return _SQL


class Outcome:
    """What the statement did: ``exchange_id`` written (and the ``balances`` after it), or
    none: then ``valid`` (the accounts can trade), ``within`` (no limit crossed; if both,
    the key was already on the ledger), the locked balances ``before`` and the bank's
    limits, as read under the lock."""

    __slots__ = (
        "balances",
        "before",
        "chest_min_balance",
        "exchange_id",
        "limit_policy",
        "max_balance",
        "min_balance",
        "valid",
        "within",
    )

    def __init__(self, row) -> None:
        self.exchange_id, after, self.valid, self.within, before = row[:5]
        self.min_balance, self.max_balance, self.chest_min_balance, self.limit_policy = row[5:]
        self.balances = dict(after or ())
        self.before = dict(before or ())


def record_confirmed(
    exchange: Exchange,
    legs: Sequence[tuple[int, int]],
    *,
    by,
    summary: str,
    via: str,
) -> Outcome:
    """Write ``exchange`` (unsaved, already marked confirmed) with its ``legs`` of
    (account id, signed minutes), move the balances and write the audit rows, if the
    accounts can trade and no limit is crossed; one statement. See :class:`Outcome`."""
    sql = _SQL or _build()
    db = connections[DEFAULT_DB_ALIAS]
    params: list[Any] = [
        [account_id for account_id, _minutes in legs],
        [minutes for _account_id, minutes in legs],
        len(legs),
        exchange.bank_id,
    ]
    # The values as the model holds them where Django's preparation for PostgreSQL is the
    # identity (text, integers, booleans, ids); dates and times are prepared as usual.
    params += [
        getattr(exchange, attname)
        if field is None
        else field.get_db_prep_save(getattr(exchange, attname), db)
        for attname, field in _COLUMNS
    ]
    actor = acting_user(by)
    params += [
        exchange.recorded_at,
        actor.pk if actor is not None else None,
        audit_label(by),
        via,
        Action.CREATE.value,
        Purpose.TIMEBANK.value,
        Exchange._meta.label_lower,
        summary[:300],
    ]
    with preparing_cursor() as cursor:
        cursor.execute(sql, params)
        return Outcome(cursor.fetchone())
