"""The outbox's delivery half: from a queued ``Message`` row to the provider, and back.

A worker **claims** a batch of due rows with a lease (a fresh ``lease_token`` and
``lease_expires_at``): on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED``, on SQLite a
compare-and-set ``UPDATE … WHERE status='queued'`` (SQLite's writes are serialised, and
keepwell opens its transactions IMMEDIATE). Claims take the ``ProviderState`` row's lock
first, so every worker on every node shares one rate budget: what is in flight plus what
was sent in the rolling window never passes the provider's limit, and after a 429 nobody
claims until ``paused_until``.

It **sends outside any transaction**, then writes each result with compare-and-set on the
lease token, so a worker that lost its lease cannot overwrite what came after.

A worker killed mid-send leaves rows ``sending`` with a lease that expires. The **reaper**
asks the provider by ``reference`` (Notify has no idempotency key): if it has the message
it is marked sent, otherwise it goes back in the queue. Nothing stuck, nothing sent twice.

**Receipts** (Notify's callbacks, or the fake's) go through ``record_receipts``: one
``Receipt`` row per provider, provider id and status, so a repeat changes nothing, and a
message only ever moves forward.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from keepwell.messaging.models import (
    FAILED,
    FINAL,
    PROVIDER_CHANNELS,
    Message,
    ProviderState,
    Receipt,
    Status,
)
from keepwell.messaging.providers import (
    Accepted,
    FakeProvider,
    Provider,
    ProviderDown,
    ProviderError,
    RateLimited,
    Rejected,
    TemporaryProblem,
)
from keepwell.messaging.providers import provider as configured_provider

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60
# A temporary failure is tried this many times in all, then it is a temporary-failure.
MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
# A request that may have reached the provider (a timeout): ask it after this long.
UNKNOWN_FATE_SECONDS = 30
UNKNOWN_FATE = "Fate unknown: the provider will be asked before it is sent again"
# A provider that refuses everyone (a bad key) is left alone this long.
DOWN_PAUSE_SECONDS = 60

# Notify's statuses (and letters') in keepwell's terms.
NOTIFY_STATUS = {
    "created": Status.SENT,
    "sending": Status.SENT,
    "pending": Status.SENT,
    "sent": Status.SENT,  # sent abroad: no receipt will follow
    "accepted": Status.SENT,
    "pending-virus-check": Status.SENT,
    "delivered": Status.DELIVERED,
    "received": Status.DELIVERED,  # a letter printed and posted
    "permanent-failure": Status.PERMANENT_FAILURE,
    "temporary-failure": Status.TEMPORARY_FAILURE,
    "technical-failure": Status.TECHNICAL_FAILURE,
    "validation-failed": Status.TECHNICAL_FAILURE,  # our PDF broke Notify's letter rules
    "virus-scan-failed": Status.TECHNICAL_FAILURE,
    "cancelled": Status.CANCELLED,
}
_RANK = {Status.QUEUED: 0, Status.SENDING: 1, Status.SENT: 2, **{s: 3 for s in FINAL}}
_TIMED = {
    Status.SENT: "sent_at",
    Status.DELIVERED: "delivered_at",
    Status.PERMANENT_FAILURE: "failed_at",
    Status.TEMPORARY_FAILURE: "failed_at",
    Status.TECHNICAL_FAILURE: "failed_at",
    Status.CANCELLED: "cancelled_at",
}
_RELEASED = {"lease_token": "", "lease_expires_at": None}


def map_status(provider_status: str) -> Status | None:
    return NOTIFY_STATUS.get((provider_status or "").strip().lower())


def backoff(attempts: int) -> timedelta:
    """Exponential, capped, with jitter so retries of one outage do not arrive together."""
    delay = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)
    return timedelta(seconds=delay * random.uniform(0.5, 1.0))  # noqa: S311 - not security


def _after_failure(message_ids: Iterable[int]) -> None:
    """A message failed for good: the next channel, or a coordinator's call."""
    from keepwell.messaging import services

    message_ids = list(message_ids)
    hook = getattr(services, "after_failure", None)
    if hook is None or not message_ids:
        return
    for message in Message.objects.filter(pk__in=list(message_ids)):
        try:
            hook(message)
        except Exception:  # noqa: BLE001 - one fallback failing must not stop the others
            logger.exception("after_failure for message %s failed", message.pk)


# --- Claiming -----------------------------------------------------------------------------


@dataclass
class Claim:
    token: str
    messages: list[Message] = field(default_factory=list)
    claimed_at: datetime | None = None
    # Nothing claimed because of the limits or a pause: how long to wait, in seconds.
    wait: float = 0.0


def _lock_state(name: str) -> ProviderState:
    try:
        return ProviderState.objects.select_for_update().get(provider=name)
    except ProviderState.DoesNotExist:
        ProviderState.objects.bulk_create([ProviderState(provider=name)], ignore_conflicts=True)
        return ProviderState.objects.select_for_update().get(provider=name)


def room(name: str, now: datetime) -> tuple[int, float]:
    """How many more messages may go now; if none, how long until one may.

    In flight (``sending``) plus sent within the rolling window. A row's ``sent_at`` is
    written after the provider answered, so it is never earlier than the provider's own
    clock for it: the provider's window never holds more than this count says.
    """
    window = timedelta(seconds=float(settings.KEEPWELL_MESSAGING_RATE_WINDOW_SECONDS))
    ours = Message.objects.filter(provider=name)
    in_flight = ours.filter(status=Status.SENDING).count()
    recent = ours.filter(sent_at__gt=now - window)
    left = settings.KEEPWELL_MESSAGING_RATE_LIMIT - in_flight - recent.count()
    if left > 0:
        return left, 0.0
    oldest = recent.order_by("sent_at").values_list("sent_at", flat=True)[:1]
    wait = ((oldest[0] + window) - now).total_seconds() if oldest else 0.2
    return 0, max(wait, 0.01)


def claim(
    name: str,
    *,
    channels: Sequence[str] = PROVIDER_CHANNELS,
    batch: int = 100,
    now: datetime | None = None,
    lease_seconds: float = LEASE_SECONDS,
    worker_id: str = "",
) -> Claim:
    """Lease up to ``batch`` due messages on ``channels`` for provider ``name``, within its
    rate budget.
    With a ``worker_id`` the lease names the worker, so that worker restarted can take its
    own leases back at once (see ``reap``) instead of waiting for them to expire."""
    now = now or timezone.now()
    token = lease_token_for(worker_id)
    with transaction.atomic():
        state = _lock_state(name)
        if state.paused_until and state.paused_until > now:
            return Claim(token, wait=(state.paused_until - now).total_seconds())
        left, wait = room(name, now)
        size = min(batch, left)
        if size <= 0:
            return Claim(token, wait=wait)
        due = Message.objects.filter(
            status=Status.QUEUED, next_attempt_at__lte=now, channel__in=list(channels)
        ).order_by("next_attempt_at")
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:size])
        if not ids:
            return Claim(token)
        # Compare-and-set: only rows still queued become ours.
        Message.objects.filter(pk__in=ids, status=Status.QUEUED).update(
            status=Status.SENDING,
            sending_at=now,
            lease_token=token,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=F("attempts") + 1,
            provider=name,
            status_detail="",
        )
    # Read back by token through its index; any ORDER BY would walk the whole table.
    leased = Message.objects.filter(lease_token=token).order_by()
    # What no provider reads stays in the database: decoding it costs more than the send.
    leased = leased.defer("context", "next_channels", "call_notes")
    messages = sorted(leased, key=lambda m: m.pk)
    return Claim(token, messages, claimed_at=now)


# --- Sending and writing what happened ----------------------------------------------------


def _leased(token: str, ids: Iterable[int]):
    return Message.objects.filter(pk__in=list(ids), lease_token=token, status=Status.SENDING)


def _pause(name: str, until: datetime, *, rate_limited: int = 0, at: datetime) -> None:
    state = ProviderState.objects.filter(provider=name)
    state.filter(Q(paused_until__isnull=True) | Q(paused_until__lt=until)).update(
        paused_until=until
    )
    if rate_limited:
        state.update(rate_limited=F("rate_limited") + rate_limited, last_rate_limited_at=at)


def _requeue(token: str, messages: Sequence[Message], at: datetime, detail: str) -> int:
    """Back in the queue without spending an attempt: the provider said not now."""
    return _leased(token, [m.pk for m in messages]).update(
        status=Status.QUEUED,
        next_attempt_at=at,
        attempts=F("attempts") - 1,
        status_detail=detail[:300],
        **_RELEASED,
    )


def _mark_sent(token: str, sent: Sequence[tuple[int, str]], now: datetime) -> int:
    """One statement for the batch, each row its own provider id: ``UPDATE … FROM (VALUES
    …)`` (PostgreSQL, and SQLite since 3.33), where a ``CASE`` of a hundred arms is slow."""
    table = connection.ops.quote_name(Message._meta.db_table)
    rows = ", ".join(["(CAST(%s AS BIGINT), CAST(%s AS TEXT))"] * len(sent))
    # Only the table's name and placeholders are formatted in; every value is a parameter.
    sql = (
        f"UPDATE {table} SET status = %s, sent_at = %s, provider_id = v.column2, "  # noqa: S608
        f"lease_token = '', lease_expires_at = NULL "
        f"FROM (VALUES {rows}) AS v "
        f"WHERE {table}.id = v.column1 AND {table}.lease_token = %s AND {table}.status = %s"
    )
    params = [
        Status.SENT.value,
        connection.ops.adapt_datetimefield_value(now),
        *[value for pk, provider_id in sent for value in (pk, provider_id[:64])],
        token,
        Status.SENDING.value,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def record_outcomes(
    name: str, claim_: Claim, outcomes: Sequence[Accepted | ProviderError], now: datetime
) -> dict[str, int]:
    """Write each message's result, by compare-and-set on the claim's lease token."""
    token = claim_.token
    groups: dict[type, list[tuple[Message, Accepted | ProviderError]]] = defaultdict(list)
    for message, outcome in zip(claim_.messages, outcomes, strict=True):
        kind = type(outcome)
        if isinstance(outcome, ProviderError):
            kind = next(
                k
                for k in (RateLimited, ProviderDown, TemporaryProblem, Rejected, ProviderError)
                if isinstance(outcome, k)
            )
        groups[kind].append((message, outcome))
    counts = {"sent": 0, "rate_limited": 0, "retrying": 0, "failed": 0, "unknown": 0}

    accepted = groups.pop(Accepted, [])
    if accepted:
        counts["sent"] = _mark_sent(token, [(m.pk, o.provider_id) for m, o in accepted], now)
        if counts["sent"] < len(accepted):
            # A receipt or the reaper got there first: what they wrote stands.
            logger.warning("lease %s lost on %d sent", token, len(accepted) - counts["sent"])
        # A system's endpoint that answered 2xx has the message: no receipt will follow.
        delivered = [m.pk for m, o in accepted if map_status(o.status) == Status.DELIVERED]
        if delivered:
            Message.objects.filter(pk__in=delivered, status=Status.SENT).update(
                status=Status.DELIVERED, delivered_at=now
            )

    limited = groups.pop(RateLimited, [])
    if limited:
        retry_after = max(o.retry_after for _, o in limited)
        until = now + timedelta(seconds=retry_after)
        counts["rate_limited"] = _requeue(token, [m for m, _ in limited], until, "Rate limited")
        _pause(name, until, rate_limited=len(limited), at=now)
        logger.warning("%s rate limited %d messages; paused until %s", name, len(limited), until)

    down = groups.pop(ProviderDown, [])
    if down:
        until = now + timedelta(seconds=DOWN_PAUSE_SECONDS)
        _requeue(token, [m for m, _ in down], until, down[0][1].detail or "Provider down")
        _pause(name, until, at=now)
        logger.error("%s cannot be used: %s", name, down[0][1].detail)

    failed: list[int] = []
    for message, outcome in groups.pop(TemporaryProblem, []):
        if outcome.maybe_sent:
            # It may be with the provider already: the reaper asks before sending again.
            counts["unknown"] += _leased(token, [message.pk]).update(
                lease_expires_at=now + timedelta(seconds=UNKNOWN_FATE_SECONDS),
                status_detail=UNKNOWN_FATE,
            )
        elif message.attempts >= MAX_ATTEMPTS:
            if _leased(token, [message.pk]).update(
                status=Status.TEMPORARY_FAILURE,
                failed_at=now,
                status_detail=outcome.detail,
                **_RELEASED,
            ):
                failed.append(message.pk)
        else:
            counts["retrying"] += _leased(token, [message.pk]).update(
                status=Status.QUEUED,
                next_attempt_at=now + backoff(message.attempts),
                status_detail=outcome.detail,
                **_RELEASED,
            )
    for kind, status in ((Rejected, Status.PERMANENT_FAILURE), (ProviderError, None)):
        for message, outcome in groups.pop(kind, []):
            if _leased(token, [message.pk]).update(
                status=status or Status.TECHNICAL_FAILURE,
                failed_at=now,
                status_detail=outcome.detail,
                **_RELEASED,
            ):
                failed.append(message.pk)
    counts["failed"] = len(failed)
    _after_failure(failed)
    return counts


def deliver(provider: Provider, claim_: Claim, *, now: datetime | None = None) -> dict[str, int]:
    """Send what was claimed (outside any transaction), then write what happened."""
    if not claim_.messages:
        return {}
    started = now or timezone.now()
    if claim_.claimed_at and started - claim_.claimed_at > timedelta(seconds=LEASE_SECONDS / 2):
        # Too late to be sure the lease outlives the sending: give the batch back.
        _requeue(claim_.token, claim_.messages, started, "Lease too old to send on")
        return {"released": len(claim_.messages)}
    try:
        outcomes = provider.send_many(claim_.messages, now=now)
    except ProviderError as exc:
        outcomes = [exc] * len(claim_.messages)
    except Exception as exc:  # noqa: BLE001 - a bug must not leave the batch in limbo
        logger.exception("sending a batch to %s failed", provider.name)
        outcomes = [TemporaryProblem(f"Sending failed: {exc}", maybe_sent=True)] * len(
            claim_.messages
        )
    return record_outcomes(provider.name, claim_, outcomes, now or timezone.now())


def send_due(
    provider: Provider | None = None,
    *,
    batch: int = 100,
    max_batches: int | None = None,
    now_fn: Callable[[], datetime] = timezone.now,
) -> dict[str, int]:
    """Claim and send until nothing is due or the limits say wait; returns the tallies."""
    provider = provider or configured_provider()
    totals: dict[str, int] = defaultdict(int)
    done = 0
    while max_batches is None or done < max_batches:
        claimed = claim(provider.name, channels=provider.channels, batch=batch, now=now_fn())
        if not claimed.messages:
            break
        for key, value in deliver(provider, claimed, now=now_fn()).items():
            totals[key] += value
        done += 1
    return dict(totals)


# --- The reaper ---------------------------------------------------------------------------


def _move(message_id: int, token: str, status: Status, at: datetime, **extra) -> bool:
    return bool(
        Message.objects.filter(pk=message_id, lease_token=token, status=Status.SENDING).update(
            status=status, **{_TIMED[status]: at}, **extra, **_RELEASED
        )
    )


def lease_token_for(worker_id: str = "") -> str:
    """A fresh lease token (36 characters at most), led by the worker's name if it has one."""
    if not worker_id:
        return str(uuid.uuid4())
    return f"{worker_id[:12]}:{uuid.uuid4().hex[:23]}"


def reap(
    provider: Provider | None = None,
    *,
    now: datetime | None = None,
    batch: int = 500,
    worker_id: str = "",
) -> dict[str, int]:
    """Rows left ``sending`` past their lease: the provider has them (sent) or not (queued).

    With ``worker_id``, that worker has just started: whatever it held when it last ran
    (killed mid-send) is taken back at once, lease expired or not. Worker names must be
    unique among running workers (``keepwell messaging_worker --worker-id``)."""
    provider = provider or configured_provider()
    now = now or timezone.now()
    token = str(uuid.uuid4())
    if worker_id:
        expired = Message.objects.filter(
            status=Status.SENDING,
            lease_token__startswith=f"{worker_id[:12]}:",
            provider=provider.name,
        )
    else:
        expired = Message.objects.filter(
            status=Status.SENDING, lease_expires_at__lt=now, provider=provider.name
        )
    ids = list(expired.order_by().values_list("pk", flat=True)[:batch])
    if not ids:
        return {}
    # Take the rows over, so a worker that wakes up late cannot write over the answer.
    expired.filter(pk__in=ids).update(
        lease_token=token, lease_expires_at=now + timedelta(seconds=LEASE_SECONDS)
    )
    rows = list(
        Message.objects.filter(lease_token=token).order_by().only("id", "attempts", "status_detail")
    )
    try:
        found = provider.find_by_references([m.reference for m in rows])
    except ProviderError as exc:
        logger.warning("%s could not be asked about %d messages: %s", provider.name, len(ids), exc)
        return {"unanswered": len(rows)}
    counts = {"sent": 0, "requeued": 0, "failed": 0}
    failed = []
    for message in rows:
        known = found.get(message.reference)
        if known is not None:
            status = map_status(known.status) or Status.SENT
            extra = {"provider_id": known.provider_id, "status_detail": ""}
            if status != Status.SENT:
                extra["sent_at"] = now
            if _move(message.pk, token, status, now, **extra):
                counts["sent"] += 1
                if status in FAILED:
                    failed.append(message.pk)
        elif message.attempts >= MAX_ATTEMPTS:
            if _move(
                message.pk,
                token,
                Status.TEMPORARY_FAILURE,
                now,
                status_detail=f"Not sent after {message.attempts} attempts",
            ):
                counts["failed"] += 1
                failed.append(message.pk)
        else:
            # A worker died before the provider had it (or its request never arrived).
            retry_at = now + backoff(message.attempts) if message.status_detail else now
            counts["requeued"] += Message.objects.filter(
                pk=message.pk, lease_token=token, status=Status.SENDING
            ).update(
                status=Status.QUEUED,
                next_attempt_at=retry_at,
                status_detail="Requeued: the provider never had it",
                **_RELEASED,
            )
    _after_failure(failed)
    return counts


# --- Receipts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptIn:
    provider_id: str
    reference: str
    status: str
    payload: dict
    at: datetime | str | None = None


def _when(at: datetime | str | None, default: datetime) -> datetime:
    if isinstance(at, str):
        at = parse_datetime(at)
    if at is None:
        return default
    if timezone.is_naive(at):
        at = timezone.make_aware(at, timezone.UTC)
    return at


def record_receipt(
    *,
    provider: str,
    provider_id: str,
    reference: str,
    status: str,
    payload: dict,
    at: datetime | str | None = None,
) -> Message | None:
    """One delivery receipt (Notify's callback, or the fake's). Idempotent; returns the
    message it is about, or None when keepwell never sent it (logged)."""
    return record_receipts(
        provider,
        [ReceiptIn(str(provider_id), str(reference or ""), str(status or ""), payload, at)],
    )[0]


def record_receipts(provider: str, receipts: Sequence[ReceiptIn]) -> list[Message | None]:
    """Many receipts at once: one ``Receipt`` row per provider id and status; a message only
    moves forward (a delivered message never goes back); failures trigger the fallback."""
    now = timezone.now()
    seen_before = set(
        Receipt.objects.filter(
            provider=provider, provider_id__in={r.provider_id for r in receipts}
        ).values_list("provider_id", "status")
    )
    refs = {int(r.reference) for r in receipts if _is_outbox_id(r.reference)}
    fields = ("id", "status", "provider", "provider_id", "sent_at")
    messages = {m.pk: m for m in Message.objects.filter(pk__in=refs).only(*fields)}
    by_provider_id = {}
    unmatched = [r.provider_id for r in receipts if not _matches(r, messages)]
    if unmatched:
        by_provider_id = {
            m.provider_id: m
            for m in Message.objects.filter(provider=provider, provider_id__in=unmatched).only(
                *fields
            )
        }

    answers: list[Message | None] = []
    new_rows: list[Receipt] = []
    moves: dict[tuple[Status, datetime], list[int]] = defaultdict(list)
    singles: list[tuple[Message, Status, datetime, str]] = []
    for receipt in receipts:
        message = _matches(receipt, messages) or by_provider_id.get(receipt.provider_id)
        answers.append(message)
        if message is None:
            logger.info(
                "%s receipt %s (%s) for no message of ours",
                provider,
                receipt.provider_id,
                receipt.reference,
            )
        key = (receipt.provider_id, receipt.status)
        if key in seen_before:
            continue  # a repeat changes nothing
        seen_before.add(key)
        at = _when(receipt.at, now)
        new_rows.append(
            Receipt(
                provider=provider,
                provider_id=receipt.provider_id[:64],
                reference=receipt.reference[:64],
                status=receipt.status[:30],
                message=message,
                payload=receipt.payload,
                received_at=now,
            )
        )
        target = map_status(receipt.status)
        if message is None:
            continue
        if target is None:
            logger.warning("%s receipt with unknown status %r", provider, receipt.status)
            continue
        if message.status in FINAL or _RANK[target] <= _RANK[message.status]:
            continue
        if message.status == Status.SENT and target not in FAILED:
            moves[(target, at)].append(message.pk)
        else:
            singles.append((message, target, at, receipt.provider_id))
        message.status = target

    failed = []
    with transaction.atomic():
        Receipt.objects.bulk_create(new_rows, ignore_conflicts=True)
        for (target, at), ids in moves.items():
            # The common case: a sent message is delivered.
            Message.objects.filter(pk__in=ids, status=Status.SENT).update(
                status=target, **{_TIMED[target]: at}
            )
        for message, target, at, provider_id in singles:
            changes = {"status": target, _TIMED[target]: at, **_RELEASED}
            if not message.provider_id:
                changes["provider_id"] = provider_id[:64]
            if target != Status.SENT and message.sent_at is None:
                changes["sent_at"] = at
            if (
                Message.objects.filter(pk=message.pk).exclude(status__in=FINAL).update(**changes)
                and target in FAILED
            ):
                failed.append(message.pk)
    _after_failure(failed)
    return answers


def _is_outbox_id(reference: str) -> bool:
    return reference.isascii() and reference.isdigit() and len(reference) <= 18


def _matches(receipt: ReceiptIn, messages: dict[int, Message]) -> Message | None:
    if not _is_outbox_id(receipt.reference):
        return None
    return messages.get(int(receipt.reference))


# --- The worker loop ----------------------------------------------------------------------


@dataclass
class Totals:
    batches: int = 0
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def work(
    provider: Provider | None = None,
    *,
    batch: int = 100,
    once: bool = False,
    stop: Callable[[], bool] = lambda: False,
    idle_sleep: float = 0.5,
    reap_every: float = 5.0,
    receipts_every: float = 1.0,
    log: Callable[[str], None] | None = None,
    worker_id: str = "",
) -> Totals:
    """Claim, send, record, until ``stop()`` (checked between batches) or, with ``once``,
    until nothing more may go now. Reaps expired leases and, with the fake, writes its
    receipts as it goes. A named worker first takes back what it held when it last ran."""
    provider = provider or configured_provider()
    totals = Totals()
    last_reap = last_receipts = float("-inf")
    if worker_id:
        while found := reap(provider, worker_id=worker_id):
            for key, value in found.items():
                totals.counts[key] += value
            if "unanswered" in found:
                break

    def housekeeping(tick: float, *, now: bool = False) -> None:
        nonlocal last_reap, last_receipts
        if now or tick - last_reap >= reap_every:
            for key, value in reap(provider).items():
                totals.counts[key] += value
            last_reap = tick
        if isinstance(provider, FakeProvider) and (now or tick - last_receipts >= receipts_every):
            totals.counts["receipts"] += provider.deliver_receipts()
            last_receipts = tick

    while not stop():
        claimed = claim(provider.name, channels=provider.channels, batch=batch, worker_id=worker_id)
        if claimed.messages:
            totals.batches += 1
            for key, value in deliver(provider, claimed).items():
                totals.counts[key] += value
        housekeeping(time.monotonic())
        if claimed.messages:
            continue
        if once:
            break
        # Idle, or the limits say wait: never long, so a SIGTERM is answered quickly.
        pause = min(claimed.wait, 1.0) if claimed.wait else idle_sleep
        if log and claimed.wait:
            log(f"waiting {pause:.2f} s for the rate limit")
        time.sleep(max(pause, 0.01))
    if once:
        housekeeping(time.monotonic(), now=True)
    return totals
