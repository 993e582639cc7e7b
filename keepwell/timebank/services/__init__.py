"""Time bank use cases. Each runs in one transaction and writes the audit log.

A package along the use cases: ``membership`` (banks, joining, profiles, listings),
``ledger`` (the writer every exchange goes through), ``exchanges``, ``reciprocity`` (help
tasks, invitations, suggestions) and ``reports`` (broker tools), on ``common`` (errors and
the ledger's transaction). Callers import from here.

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

from keepwell.timebank.services.common import (
    MAX_GROUP_RECEIVERS,
    MAX_MINUTES,
    IdempotencyConflict,
    LedgerError,
    LimitExceeded,
    ledger_transaction,
    new_key,
)
from keepwell.timebank.services.exchanges import (
    cancel_exchange,
    confirm_exchange,
    donate_to_chest,
    grant_from_chest,
    record_exchange,
    record_group_exchange,
    reverse_exchange,
)
from keepwell.timebank.services.ledger import Leg, sorted_legs
from keepwell.timebank.services.membership import (
    SETTINGS,
    acts_for,
    add_listing,
    add_member,
    apply_to_join,
    chest_of,
    create_bank,
    decide_membership,
    is_broker,
    update_profile,
    update_settings,
    withdraw_listing,
)
from keepwell.timebank.services.reads import record_listed, record_read
from keepwell.timebank.services.reciprocity import (
    Suggestion,
    answer_invitation,
    category_for_strength,
    credit_help_task,
    help_tasks_to_claim,
    invite_to_give,
    listings_near,
    people_to_invite,
    suggestions,
)
from keepwell.timebank.services.reports import (
    Report,
    StatementLine,
    inactive_members,
    ledger_problems,
    report,
    statement,
)

__all__ = [
    "IdempotencyConflict",
    "LedgerError",
    "Leg",
    "LimitExceeded",
    "MAX_GROUP_RECEIVERS",
    "MAX_MINUTES",
    "Report",
    "SETTINGS",
    "StatementLine",
    "Suggestion",
    "acts_for",
    "add_listing",
    "add_member",
    "answer_invitation",
    "apply_to_join",
    "cancel_exchange",
    "category_for_strength",
    "chest_of",
    "confirm_exchange",
    "create_bank",
    "credit_help_task",
    "decide_membership",
    "donate_to_chest",
    "grant_from_chest",
    "help_tasks_to_claim",
    "inactive_members",
    "invite_to_give",
    "is_broker",
    "ledger_problems",
    "ledger_transaction",
    "listings_near",
    "new_key",
    "people_to_invite",
    "record_exchange",
    "record_group_exchange",
    "report",
    "record_listed",
    "record_read",
    "reverse_exchange",
    "sorted_legs",
    "statement",
    "suggestions",
    "update_profile",
    "update_settings",
    "withdraw_listing",
]
