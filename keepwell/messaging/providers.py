"""The providers that carry messages out of keepwell: GOV.UK Notify, and a local fake.

Each is one client class with its own exceptions, so the outbox decides what to do from the
exception's type, never from an HTTP status:

* ``RateLimited``: slow down and try again after ``retry_after`` seconds (a 429);
* ``TemporaryProblem``: try again later with backoff (5xx, timeouts). ``maybe_sent`` says
  the request may have reached the provider, so ask it by ``reference`` before re-sending;
* ``Rejected``: this message can never go this way (a bad number or address, a 400);
* ``ProviderDown``: nothing can go at all just now (a bad key, a 403, no template set up);
* ``TechnicalProblem``: keepwell could not build the request (a letter's PDF failed).

``FakeProvider`` is the default for the demo and the tests. It keeps what it would have
sent in ``FakeSend`` rows, answers like Notify's test mode (Notify's test numbers and
addresses fail as Notify documents), enforces Notify's limits itself from the database so
every worker process shares them, and later turns what it sent into delivery receipts.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from keepwell.messaging.models import PROVIDER_CHANNELS, Channel, FakeSend, Message

logger = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")


class ProviderError(Exception):
    """Base of every provider failure; ``detail`` is safe to keep on the message."""

    def __init__(self, detail: str = ""):
        super().__init__(detail)
        self.detail = detail[:300]


class RateLimited(ProviderError):
    def __init__(self, retry_after: float, detail: str = "Rate limited"):
        super().__init__(detail)
        self.retry_after = max(float(retry_after), 0.0)


class TemporaryProblem(ProviderError):
    def __init__(self, detail: str = "", *, maybe_sent: bool = False):
        super().__init__(detail)
        self.maybe_sent = maybe_sent


class Rejected(ProviderError):
    """Permanent for this message: the number or address is wrong, or the request invalid."""


class ProviderDown(ProviderError):
    """The provider cannot be used at all just now; no message is to blame."""


class TechnicalProblem(ProviderError):
    """Keepwell could not build the request; nothing was sent."""


@dataclass(frozen=True)
class Accepted:
    """The provider took the message: its id for it, and its status at that moment."""

    provider_id: str
    status: str = "created"


@dataclass(frozen=True)
class Found:
    """What the provider knows of a reference (see ``find_by_reference``)."""

    provider_id: str
    status: str


SendOutcome = Accepted | ProviderError

# Letters Notify's own templates cannot lay out go as precompiled PDFs: large print, and
# languages written in other scripts.
NON_LATIN_LANGUAGES = frozenset({"ar", "ur", "bn", "pa", "gu", "hi", "ta", "fa", "ps", "zh"})
_NON_LATIN_LETTER = re.compile(r"[^\u0000-\u024f\u1e00-\u1eff\u2000-\u20cf\u2100-\u214f]")


def needs_pdf(message: Message) -> bool:
    return message.channel == Channel.LETTER and (
        message.large_print
        or message.language in NON_LATIN_LANGUAGES
        or bool(_NON_LATIN_LETTER.search(message.body))
    )


def letter_pdf(message: Message) -> bytes:
    """The letter as a precompiled PDF, from ``keepwell.messaging.pdf`` when it is there."""
    try:
        from keepwell.messaging import pdf
    except ImportError as exc:
        raise TechnicalProblem("No PDF renderer for letters is installed") from exc
    render = getattr(pdf, "letter_pdf_for", None)
    if render is None:
        raise TechnicalProblem("No PDF renderer for letters is installed")
    try:
        return render(message)
    except Exception as exc:  # noqa: BLE001 - any failure to render is keepwell's, not theirs
        logger.exception("letter PDF for message %s failed", message.pk)
        raise TechnicalProblem(f"The letter's PDF could not be made: {exc}") from exc


def letter_address(message: Message) -> dict[str, str]:
    """Notify's ``address_line_1``..``address_line_7``: at least 3 lines, the last a postcode."""
    lines = [str(line).strip() for line in (message.address or []) if str(line).strip()]
    if len(lines) < 3:
        raise Rejected("A letter needs at least 3 address lines, the last a postcode")
    if len(lines) > 7:
        lines = [*lines[:5], ", ".join(lines[5:-1]), lines[-1]]
    return {f"address_line_{n}": line for n, line in enumerate(lines, start=1)}


class Provider:
    """What the outbox needs of a provider."""

    name = ""
    channels: tuple[str, ...] = PROVIDER_CHANNELS  # the outbox rows it claims

    def send(self, message: Message) -> Accepted:
        raise NotImplementedError

    def send_many(
        self, messages: Sequence[Message], *, now: datetime | None = None
    ) -> list[SendOutcome]:
        """One outcome per message, in order; a provider may do better than one by one.
        ``now`` is the outbox's clock (the fake keeps its window by it; Notify has its own)."""
        outcomes: list[SendOutcome] = []
        for index, message in enumerate(messages):
            try:
                outcomes.append(self.send(message))
            except (RateLimited, ProviderDown) as exc:
                # Nothing after this one would get through either.
                outcomes.extend([exc] * (len(messages) - index))
                break
            except ProviderError as exc:
                outcomes.append(exc)
        return outcomes

    def find_by_reference(self, reference: str) -> Found | None:
        raise NotImplementedError

    def find_by_references(self, references: Iterable[str]) -> dict[str, Found]:
        found = {}
        for reference in references:
            answer = self.find_by_reference(reference)
            if answer is not None:
                found[reference] = answer
        return found


# --- GOV.UK Notify ------------------------------------------------------------------------


def _connect_failed(cause: BaseException | None) -> bool:
    """The request never left: the connection was refused, or never made in time."""
    if isinstance(cause, requests.ConnectTimeout):
        return True
    if isinstance(cause, requests.ConnectionError):
        text = repr(cause)
        return "NewConnectionError" in text or "NameResolutionError" in text
    return False


def _seconds_to_midnight(now: datetime) -> float:
    local = now.astimezone(LONDON)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max((midnight - local).total_seconds(), 1.0)


def notify_error(exc: Exception) -> ProviderError:
    """Notify's client raises ``HTTPError`` for everything; say what it means for us."""
    from notifications_python_client.errors import HTTPError, InvalidResponse

    if isinstance(exc, InvalidResponse):
        return TemporaryProblem("Notify answered with something that is not JSON", maybe_sent=True)
    if not isinstance(exc, HTTPError):
        return TemporaryProblem(f"Notify could not be reached: {type(exc).__name__}")
    status = exc.status_code
    detail = f"Notify {status}: {exc.message}"
    if exc.response is None:
        # No answer at all: a timeout or a dropped connection (the client reports 503).
        cause = exc.__cause__
        return TemporaryProblem(
            f"Notify did not answer: {type(cause).__name__}", maybe_sent=not _connect_failed(cause)
        )
    if status == 429:
        header = exc.response.headers.get("Retry-After", "")
        if header.isdigit():
            retry_after = float(header)
        elif "TooManyRequests" in str(exc.message) or "for today" in str(exc.message):
            retry_after = _seconds_to_midnight(timezone.now())  # the daily limit
        else:
            retry_after = float(settings.KEEPWELL_MESSAGING_RATE_WINDOW_SECONDS)
        return RateLimited(retry_after, detail)
    if status in (401, 403):
        return ProviderDown(detail)
    if status >= 500:
        return TemporaryProblem(detail, maybe_sent=True)
    return Rejected(detail)


class NotifyProvider(Provider):
    """GOV.UK Notify: one generic template per channel, whose ((body)) keepwell fills."""

    name = "notify"

    def __init__(self, api_key: str | None = None, *, client=None, timeout: float = 15):
        if client is None:
            from notifications_python_client.notifications import NotificationsAPIClient

            client = NotificationsAPIClient(api_key or settings.NOTIFY_API_KEY, timeout=timeout)
        self.client = client

    def _template(self, channel: str) -> str:
        template_id = getattr(settings, f"KEEPWELL_NOTIFY_{channel.upper()}_TEMPLATE_ID", "")
        if not template_id:
            raise ProviderDown(f"No Notify template is set up for {channel}")
        return template_id

    def _call(self, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except ProviderError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is mapped to our exceptions
            raise notify_error(exc) from exc

    def send(self, message: Message) -> Accepted:
        reference = message.reference
        if message.channel == Channel.SMS:
            answer = self._call(
                self.client.send_sms_notification,
                phone_number=message.to,
                template_id=self._template("sms"),
                personalisation={"body": message.body},
                reference=reference,
                sms_sender_id=settings.KEEPWELL_NOTIFY_SMS_SENDER_ID or None,
            )
        elif message.channel == Channel.EMAIL:
            answer = self._call(
                self.client.send_email_notification,
                email_address=message.to,
                template_id=self._template("email"),
                personalisation={"subject": message.subject, "body": message.body},
                reference=reference,
                email_reply_to_id=settings.KEEPWELL_NOTIFY_EMAIL_REPLY_TO_ID or None,
            )
        elif message.channel == Channel.LETTER:
            if needs_pdf(message):
                content = letter_pdf(message)
                answer = self._call(
                    self.client.send_precompiled_letter_notification,
                    reference=reference,
                    pdf_file=io.BytesIO(content),
                )
            else:
                personalisation = {
                    **letter_address(message),
                    "subject": message.subject,
                    "body": message.body,
                }
                answer = self._call(
                    self.client.send_letter_notification,
                    template_id=self._template("letter"),
                    personalisation=personalisation,
                    reference=reference,
                )
        else:
            raise Rejected(f"Notify does not send {message.channel}")
        if not isinstance(answer, dict) or not answer.get("id"):
            raise TemporaryProblem("Notify's answer had no notification id", maybe_sent=True)
        return Accepted(str(answer["id"]), str(answer.get("status") or "created"))

    def find_by_reference(self, reference: str) -> Found | None:
        answer = self._call(self.client.get_all_notifications, reference=reference)
        notifications = (answer or {}).get("notifications") or []
        if not notifications:
            return None
        newest = notifications[0]
        return Found(str(newest["id"]), str(newest.get("status") or "created"))


# --- The local fake -----------------------------------------------------------------------

# Notify's test mode: these numbers and addresses fail as documented; any other valid one is
# delivered. (docs.notifications.service.gov.uk, "Testing": test API keys.)
TEMPORARY_FAILURE_NUMBER = "7700900003"
PERMANENT_FAILURE_NUMBER = "7700900002"
TEMPORARY_FAILURE_EMAIL = "temp-fail@simulator.notify"
PERMANENT_FAILURE_EMAIL = "perm-fail@simulator.notify"
_PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def fake_outcome(channel: str, to: str) -> str:
    """The status Notify's test mode would end with for this address."""
    if channel == Channel.SMS:
        digits = _digits(to)
        if digits.endswith(TEMPORARY_FAILURE_NUMBER):
            return "temporary-failure"
        if digits.endswith(PERMANENT_FAILURE_NUMBER):
            return "permanent-failure"
        return "delivered"
    if channel == Channel.EMAIL:
        address = to.strip().lower()
        if address == TEMPORARY_FAILURE_EMAIL:
            return "temporary-failure"
        if address == PERMANENT_FAILURE_EMAIL:
            return "permanent-failure"
        return "delivered"
    return "received"  # a letter: printed and posted


# Per process and API key: (midnight, sends since it, when counted), as last committed.
_SENT_TODAY: dict[str, tuple[datetime, int, datetime]] = {}


class FakeProvider(Provider):
    """Notify's behaviour without Notify, shared by every worker through the database."""

    name = "fake"

    def __init__(self, api_key: str = "fake-key", *, receipt_delay_seconds: float = 0.0):
        self.api_key = api_key
        self.receipt_delay = timedelta(seconds=receipt_delay_seconds)
        self._counted: tuple[datetime, int, datetime] | None = None

    def _check(self, message: Message) -> None:
        """Notify's validation on the way in: a 400 for what it would refuse."""
        if message.channel == Channel.SMS:
            digits = _digits(message.to)
            if not _PHONE.match(message.to or "") or not 10 <= len(digits) <= 15:
                raise Rejected("Notify 400: phone_number Not a valid phone number")
            if not message.body:
                raise Rejected("Notify 400: body is required")
        elif message.channel == Channel.EMAIL:
            if not _EMAIL.match(message.to or ""):
                raise Rejected("Notify 400: email_address Not a valid email address")
        elif message.channel == Channel.LETTER:
            if not needs_pdf(message):
                letter_address(message)
        else:
            raise Rejected(f"Notify 400: cannot send {message.channel}")

    def _lock(self) -> None:
        """Serialise the count-then-insert among processes (SQLite's writes already are)."""
        if connection.vendor == "postgresql":
            key = int.from_bytes(hashlib.sha256(self.api_key.encode()).digest()[:8], "big") >> 1
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])

    def _room(self, now: datetime) -> tuple[int, float]:
        """How many more sends the limits allow now, and how long until one more would be.

        Called under ``_lock``, so every count sees all the sends before it."""
        window = timedelta(seconds=float(settings.KEEPWELL_MESSAGING_RATE_WINDOW_SECONDS))
        sends = FakeSend.objects.filter(api_key=self.api_key)
        in_window = sends.filter(created_at__gt=now - window)
        rolling = settings.KEEPWELL_MESSAGING_RATE_LIMIT - in_window.count()
        oldest = in_window.order_by("created_at").values_list("created_at", flat=True)[:1]
        # Once the window is full, the next send may go when its oldest send leaves it (the
        # sends about to be made are the oldest if the window is empty now).
        wait = max(((oldest[0] if oldest else now) + window - now).total_seconds(), 0.01)
        daily = settings.KEEPWELL_MESSAGING_DAILY_LIMIT - self._sent_today(now)
        if daily < rolling:
            return max(daily, 0), _seconds_to_midnight(now)
        return max(rolling, 0), wait

    def _sent_today(self, now: datetime) -> int:
        """Sends since midnight. Counting them all for every batch grows with the day (100,000
        index entries late in a big broadcast), so the count committed by this process's last
        batch is kept, and only the sends stamped after it are counted. Exact, because it
        runs under the lock: any process's later send was stamped after that count."""
        midnight = now.astimezone(LONDON).replace(hour=0, minute=0, second=0, microsecond=0)
        sends = FakeSend.objects.filter(api_key=self.api_key)
        known = _SENT_TODAY.get(self.api_key)
        if known is None or known[0] != midnight or now < known[2]:
            count = sends.filter(created_at__gte=midnight).count()
        else:
            count = known[1] + sends.filter(created_at__gt=known[2]).count()
        self._counted = (midnight, count, now)
        return count

    def _remember(self, made: int) -> None:
        """Keep today's count, ours included, once the batch is committed (a batch rolled back
        must not be counted)."""
        if self._counted is None:
            return
        midnight, count, at = self._counted
        key, value = self.api_key, (midnight, count + made, at)
        transaction.on_commit(lambda: _SENT_TODAY.__setitem__(key, value))

    def send(self, message: Message) -> Accepted:
        outcome = self.send_many([message])[0]
        if isinstance(outcome, ProviderError):
            raise outcome
        return outcome

    def send_many(self, messages: Sequence[Message], *, now: datetime | None = None):
        outcomes: list[SendOutcome | None] = [None] * len(messages)
        valid = []
        for index, message in enumerate(messages):
            try:
                self._check(message)
            except ProviderError as exc:
                outcomes[index] = exc
            else:
                valid.append(index)
        with transaction.atomic():
            self._lock()
            now = now or timezone.now()
            room, wait = self._room(now)
            rows = []
            for index in valid:
                if room <= 0:
                    outcomes[index] = RateLimited(
                        wait, "Notify 429: RateLimitError: Exceeded rate limit"
                    )
                    continue
                room -= 1
                message = messages[index]
                row = FakeSend(
                    id=uuid.uuid4(),
                    api_key=self.api_key,
                    reference=message.reference,
                    channel=message.channel,
                    to=message.to,
                    address=message.address if message.channel == Channel.LETTER else [],
                    subject=message.subject,
                    body=message.body,
                    precompiled=needs_pdf(message),
                    created_at=now,
                    status="created",
                    status_at=now + self.receipt_delay,
                )
                rows.append(row)
                outcomes[index] = Accepted(str(row.id), "created")
            FakeSend.objects.bulk_create(rows)
            self._remember(len(rows))
        return outcomes

    def find_by_reference(self, reference: str) -> Found | None:
        return self.find_by_references([reference]).get(reference)

    def find_by_references(self, references: Iterable[str]) -> dict[str, Found]:
        found = {}
        rows = FakeSend.objects.filter(api_key=self.api_key, reference__in=list(references))
        for row in rows.order_by("created_at").only("id", "reference", "status"):
            found[row.reference] = Found(str(row.id), row.status)
        return found

    def deliver_receipts(self, now: datetime | None = None, *, batch: int = 1000) -> int:
        """Turn what was sent into receipts, through the path Notify's callbacks take."""
        from keepwell.messaging.outbox import ReceiptIn, record_receipts

        now = now or timezone.now()
        done = 0
        while True:
            due = list(
                FakeSend.objects.filter(
                    api_key=self.api_key, receipt_sent=False, status_at__lte=now
                )
                .order_by("status_at")
                .only("id", "reference", "channel", "to", "created_at")[:batch]
            )
            if not due:
                return done
            by_status: dict[str, list] = {}
            receipts = []
            for row in due:
                status = fake_outcome(row.channel, row.to)
                by_status.setdefault(status, []).append(row.id)
                receipts.append(
                    ReceiptIn(
                        provider_id=str(row.id),
                        reference=row.reference,
                        status=status,
                        payload={
                            "id": str(row.id),
                            "reference": row.reference,
                            "status": status,
                            "notification_type": row.channel,
                            "created_at": row.created_at.isoformat(),
                            "completed_at": now.isoformat(),
                        },
                        at=now,
                    )
                )
            record_receipts(self.name, receipts)
            for status, ids in by_status.items():
                FakeSend.objects.filter(pk__in=ids).update(
                    status=status, status_at=now, receipt_sent=True
                )
            done += len(due)
            if len(due) < batch:
                return done


def provider() -> Provider:
    """The provider settings name: Notify in production, the fake for the demo and tests."""
    if settings.KEEPWELL_MESSAGING_PROVIDER == "notify":
        return NotifyProvider()
    return FakeProvider()
