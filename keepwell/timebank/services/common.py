"""What every time bank use case shares: its errors, the size limits, and the
ledger's transaction (retried on a transient conflict when it owns it)."""

from __future__ import annotations

import functools
import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

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
    caller's work too, which only the caller can do. Its own transaction is durable: the
    retry loop is outermost, so nothing can wrap it once the loop has begun.
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
                with transaction.atomic(durable=True):
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
