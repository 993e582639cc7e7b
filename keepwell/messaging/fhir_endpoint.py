"""Messages to other systems' FHIR endpoints: a BaRS message Bundle POSTed to a receiver.

``FhirEndpoint`` is the one client: it POSTs a Bundle with the headers the Booking and
Referral Standard asks for (NHSDigital/booking-and-referral-fhir-api, the ``$process-message``
operation) and raises its own exceptions, ``EndpointRefused`` (the receiver answered 4xx or
5xx) and ``EndpointUnreachable`` (no answer). ``FhirProvider`` turns those into the outbox's
failure kinds, so the outbox retries, slows down or gives up exactly as it does for GOV.UK
Notify: 429 slows the sender, 408 and 5xx retry with backoff, 401 stops every send until
the credentials are fixed, any other 4xx fails that message for good, visibly.

An endpoint is either a URL (the receiver's own ``$process-message``) or a BaRS target
identifier (what a sender's ``MessageHeader.source.endpoint`` names), which goes through the
BaRS proxy (``KEEPWELL_BARS_PROXY_URL``) with the ``NHSD-Target-Identifier`` header.

A receiver's 2xx is delivery: no receipt follows. Whether a receiver has a message whose
answer was lost cannot be asked, so it is sent again with the same ``MessageHeader`` id and
``X-Correlation-Id``; BaRS receivers take a message once per id (keepwell's own does).

``FakeFhirProvider`` is the default for the demo and the tests: it records what it would
POST in ``FakeSend`` rows, and endpoints naming ``fail-permanent``, ``fail-temporary`` or
``rate-limited`` answer 422, 503 or 429, as Notify's test numbers do for texts.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import requests
from django.conf import settings
from django.utils import timezone

from keepwell.messaging.models import SYSTEM_CHANNELS, FakeSend, Message
from keepwell.messaging.providers import (
    Accepted,
    Found,
    Provider,
    ProviderDown,
    ProviderError,
    RateLimited,
    Rejected,
    TechnicalProblem,
    TemporaryProblem,
)

FHIR_JSON = "application/fhir+json"
DOS_SERVICE_ID = "https://fhir.nhs.uk/Id/dos-service-id"
DELIVERED = "delivered"  # the outbox's word for a 2xx: see ``map_status``


def _b64(value: dict) -> str:
    return base64.b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


class EndpointError(Exception):
    """A FHIR endpoint did not take the message; ``detail`` is safe to keep and show."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail[:300]


class EndpointRefused(EndpointError):
    """The endpoint answered with an HTTP error status."""

    def __init__(self, status: int, detail: str, *, retry_after: float | None = None):
        super().__init__(detail)
        self.status = status
        self.retry_after = retry_after


class EndpointUnreachable(EndpointError):
    """No answer: ``maybe_sent`` when the request may have arrived (a read timeout)."""

    def __init__(self, detail: str, *, maybe_sent: bool):
        super().__init__(detail)
        self.maybe_sent = maybe_sent


@dataclass(frozen=True)
class Answer:
    status: int
    request_id: str


def _outcome_text(response) -> str:
    """What an OperationOutcome says, in one line: its codes and diagnostics."""
    try:
        body = response.json()
    except ValueError:
        return (response.text or "").strip()[:200]
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        return ""
    words = []
    for issue in body.get("issue") or []:
        if not isinstance(issue, dict):
            continue
        codes = [
            str(c.get("code"))
            for c in ((issue.get("details") or {}).get("coding") or [])
            if isinstance(c, dict) and c.get("code")
        ]
        text = issue.get("diagnostics") or (issue.get("details") or {}).get("text") or ""
        words.append(" ".join([*codes, str(text)]).strip())
    return "; ".join(w for w in words if w)


def _sender_headers(bundle: dict) -> dict[str, str]:
    """``NHSD-End-User-Organisation`` from the organisation the MessageHeader names as
    sender, and the correlation id from the MessageHeader's id (the same on every retry)."""
    entries = [e for e in bundle.get("entry") or [] if isinstance(e, dict)]
    resources = {e.get("fullUrl"): e.get("resource") or {} for e in entries}
    header = next((r for r in resources.values() if r.get("resourceType") == "MessageHeader"), {})
    headers = {"X-Correlation-Id": str(header.get("id") or bundle.get("id") or uuid.uuid4())}
    sender = resources.get((header.get("sender") or {}).get("reference"))
    if sender and sender.get("resourceType") == "Organization":
        headers["NHSD-End-User-Organisation"] = _b64(
            {
                "resourceType": "Organization",
                "identifier": sender.get("identifier") or [],
                "name": sender.get("name", ""),
            }
        )
    return headers


class FhirEndpoint:
    """The HTTP client for FHIR messaging endpoints (BaRS receivers, or the BaRS proxy)."""

    def __init__(
        self,
        *,
        proxy_url: str | None = None,
        token: str | None = None,
        timeout: tuple[float, float] | None = None,
        session=None,
    ):
        self.proxy_url = proxy_url if proxy_url is not None else settings.KEEPWELL_BARS_PROXY_URL
        self.token = token if token is not None else settings.KEEPWELL_BARS_TOKEN
        self.timeout = timeout or (
            settings.KEEPWELL_BARS_CONNECT_TIMEOUT,
            settings.KEEPWELL_BARS_READ_TIMEOUT,
        )
        self.session = session or requests.Session()

    def _where(self, endpoint: str) -> tuple[str, dict[str, str]]:
        if endpoint.startswith(("https://", "http://")):
            return endpoint, {}
        if not self.proxy_url:
            raise EndpointRefused(
                0, f"{endpoint} is a BaRS target identifier and no BaRS proxy is set up"
            )
        target = {
            "value": endpoint,
            "system": settings.KEEPWELL_BARS_TARGET_SYSTEM or DOS_SERVICE_ID,
        }
        url = f"{self.proxy_url.rstrip('/')}/$process-message"
        return url, {"NHSD-Target-Identifier": _b64(target)}

    def post(self, endpoint: str, body: str) -> Answer:
        """POST one message Bundle (JSON text) to ``endpoint``; raises ``EndpointError``."""
        try:
            bundle = json.loads(body)
        except ValueError:
            raise EndpointRefused(0, "The message is not JSON") from None
        url, headers = self._where(endpoint)
        request_id = str(uuid.uuid4())
        headers |= _sender_headers(bundle if isinstance(bundle, dict) else {})
        headers |= {
            "Content-Type": FHIR_JSON,
            "Accept": f"{FHIR_JSON}; version={settings.KEEPWELL_BARS_VERSION}",
            "X-Request-Id": request_id,
            "NHSD-Requesting-Software": _b64(
                {
                    "resourceType": "Device",
                    "identifier": [{"system": settings.SITE_URL, "value": "keepwell"}],
                    "deviceName": [{"name": "keepwell", "type": "manufacturer-name"}],
                }
            ),
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self.session.post(
                url, data=body.encode(), headers=headers, timeout=self.timeout
            )
        except requests.ConnectTimeout:
            raise EndpointUnreachable(f"{url} did not answer the call", maybe_sent=False) from None
        except requests.Timeout:
            raise EndpointUnreachable(f"{url} took too long to answer", maybe_sent=True) from None
        except requests.ConnectionError as exc:
            never_left = "NewConnectionError" in repr(exc) or "NameResolution" in repr(exc)
            raise EndpointUnreachable(
                f"{url} could not be reached", maybe_sent=not never_left
            ) from None
        except requests.RequestException as exc:
            raise EndpointUnreachable(f"{url}: {type(exc).__name__}", maybe_sent=False) from None
        if 200 <= response.status_code < 300:
            return Answer(response.status_code, request_id)
        said = _outcome_text(response)
        retry_after = response.headers.get("Retry-After", "")
        raise EndpointRefused(
            response.status_code,
            f"{response.status_code} from {url}" + (f": {said}" if said else ""),
            retry_after=float(retry_after) if retry_after.isdigit() else None,
        )


def failure(exc: EndpointError) -> ProviderError:
    """An endpoint's refusal in the outbox's terms: retry, slow down, stop, or give up."""
    if not isinstance(exc, EndpointRefused):
        maybe_sent = isinstance(exc, EndpointUnreachable) and exc.maybe_sent
        return TemporaryProblem(exc.detail, maybe_sent=maybe_sent)
    if exc.status == 429:
        window = float(settings.KEEPWELL_MESSAGING_RATE_WINDOW_SECONDS)
        return RateLimited(exc.retry_after or window, exc.detail)
    if exc.status == 401:
        return ProviderDown(exc.detail)  # our credentials: nothing can go until they change
    if exc.status == 408 or exc.status >= 500:
        return TemporaryProblem(exc.detail)
    return Rejected(exc.detail)


class FhirProvider(Provider):
    """Sends the outbox's FHIR messages through ``FhirEndpoint``."""

    name = "fhir"
    channels = SYSTEM_CHANNELS

    def __init__(self, endpoint: FhirEndpoint | None = None):
        self.endpoint = endpoint or FhirEndpoint()

    def send(self, message: Message) -> Accepted:
        if not message.body:
            raise TechnicalProblem("The message's words were removed: nothing to send")
        try:
            answer = self.endpoint.post(message.to, message.body)
        except EndpointError as exc:
            raise failure(exc) from exc
        return Accepted(answer.request_id, DELIVERED)

    def find_by_reference(self, reference: str) -> Found | None:
        # A receiver cannot be asked; sent again, the message keeps its id (module doc).
        return None


FAKE_KEY = "fake-fhir"
# What the fake answers for endpoints naming these, as a receiver would.
FAKE_REFUSALS = {
    "fail-permanent": EndpointRefused(422, "422: REC_UNPROCESSABLE_ENTITY (fake endpoint)"),
    "fail-temporary": EndpointRefused(503, "503: REC_UNAVAILABLE (fake endpoint)"),
    "rate-limited": EndpointRefused(429, "429: SEND_TOO_MANY_REQUESTS (fake endpoint)"),
}


class FakeFhirProvider(Provider):
    """A FHIR endpoint without the network: what would be POSTed, kept in ``FakeSend``."""

    name = "fake-fhir"
    channels = SYSTEM_CHANNELS

    def send(self, message: Message) -> Accepted:
        if not message.body:
            raise TechnicalProblem("The message's words were removed: nothing to send")
        for word, refusal in FAKE_REFUSALS.items():
            if word in message.to:
                raise failure(refusal)
        row = FakeSend.objects.create(
            api_key=FAKE_KEY,
            reference=message.reference,
            channel=message.channel,
            to=message.to,
            body=message.body,
            subject=message.subject,
            status=DELIVERED,
            status_at=timezone.now(),
            receipt_sent=True,  # a 2xx is the delivery: no receipt to write later
        )
        return Accepted(str(row.pk), DELIVERED)

    def find_by_reference(self, reference: str) -> Found | None:
        return self.find_by_references([reference]).get(reference)

    def find_by_references(self, references: Iterable[str]) -> dict[str, Found]:
        rows = FakeSend.objects.filter(api_key=FAKE_KEY, reference__in=list(references))
        return {row.reference: Found(str(row.pk), row.status) for row in rows}

    @staticmethod
    def posted(to: str = "") -> list[dict]:
        """The Bundles the fake would have POSTed (to ``to``), oldest first."""
        rows = FakeSend.objects.filter(api_key=FAKE_KEY).order_by("created_at")
        if to:
            rows = rows.filter(to=to)
        return [json.loads(row.body) for row in rows]


def systems_provider() -> Provider:
    """The sender for messages to systems: the fake unless ``KEEPWELL_BARS_SENDER`` is http."""
    if settings.KEEPWELL_BARS_SENDER == "http":
        return FhirProvider()
    return FakeFhirProvider()
