"""Messages to other systems go through the same outbox as people's: one row per event,
delivered with a lease, retried with backoff, slowed by a 429, failed visibly for good,
never lost and never doubled; and they stay out of the communication audit's figures."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from keepwell.messaging import outbox
from keepwell.messaging.fhir_endpoint import (
    FakeFhirProvider,
    FhirEndpoint,
    FhirProvider,
)
from keepwell.messaging.models import Channel, FakeSend, Message, ProviderState, Status
from keepwell.messaging.report import communication_audit, local_today
from keepwell.messaging.systems import SystemMessageError, send_to_system

GP_SYSTEM = "https://gp-system.example.nhs.uk/fhir/$process-message"


def bundle(header_id: str = "0b1e5c33-8d8e-4a4e-9f59-3f7c2c8b6a11") -> dict:
    """A message Bundle as keepwell sends one: the header first, naming its sender."""
    return {
        "resourceType": "Bundle",
        "id": "4a5e0a3e-5d3b-4e0e-8f0a-1c1c1c1c1c1c",
        "type": "message",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{header_id}",
                "resource": {
                    "resourceType": "MessageHeader",
                    "id": header_id,
                    "eventCoding": {"code": "servicerequest-response"},
                    "sender": {"reference": "urn:uuid:org-1"},
                    "source": {"endpoint": "https://keepwell.example/api/fhir/$process-message"},
                },
            },
            {
                "fullUrl": "urn:uuid:org-1",
                "resource": {
                    "resourceType": "Organization",
                    "id": "org-1",
                    "identifier": [
                        {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "Y0001"}
                    ],
                    "name": "Wellbrook Mutual Aid",
                },
            },
        ],
    }


def system_message(endpoint: str = GP_SYSTEM, event: str = "bars_response:1:accepted"):
    return send_to_system(
        event=event,
        kind="bars_response",
        endpoint=endpoint,
        bundle=bundle(),
        about=("referral", 1),
        label="Wellbrook Health Centre",
        subject="BaRS reply: accepted",
    )


class Answer:
    def __init__(self, status: int, body: dict | None = None, headers: dict | None = None):
        self.status_code = status
        self.headers = headers or {}
        self._body = body
        self.text = json.dumps(body) if body is not None else ""

    def json(self):
        if self._body is None:
            raise ValueError("no JSON")
        return self._body


class ScriptedEndpoint:
    """A receiving system that answers each POST as scripted (an answer or an exception),
    then 200; it keeps every request it was sent."""

    def __init__(self, *script):
        self.script = list(script)
        self.requests: list[dict] = []

    def post(self, url, *, data, headers, timeout):
        self.requests.append({"url": url, "body": json.loads(data), "headers": headers})
        step = self.script.pop(0) if self.script else Answer(200, {"resourceType": "Bundle"})
        if isinstance(step, Exception):
            raise step
        return step


def provider_for(endpoint: ScriptedEndpoint, **kwargs) -> FhirProvider:
    return FhirProvider(FhirEndpoint(session=endpoint, token="t0ken", **kwargs))


def outcome(status: int, code: str, diagnostics: str) -> dict:
    """An OperationOutcome as BaRS receivers answer (specification/examples/Operation
    Outcomes/*.json)."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": str(status),
                "details": {"coding": [{"code": code}]},
                "diagnostics": diagnostics,
            }
        ],
    }


def test_one_event_writes_one_message_to_a_system_however_often_it_is_sent(db):
    first = system_message()
    again = system_message()

    assert first.pk == again.pk
    assert Message.objects.filter(channel=Channel.FHIR).count() == 1
    assert first.to == GP_SYSTEM and first.status == Status.QUEUED
    assert first.person_id is None, "a system is nobody's conversation"
    assert (
        json.loads(first.body)["entry"][0]["resource"]["id"]
        == bundle()["entry"][0]["resource"]["id"]
    )
    system_message(event="bars_response:1:contacted")
    assert Message.objects.filter(channel=Channel.FHIR).count() == 2


def test_a_message_with_nowhere_to_go_is_refused_before_it_is_written(db):
    with pytest.raises(SystemMessageError):
        system_message(endpoint="   ")
    assert not Message.objects.exists()


def test_the_worker_delivers_to_the_fake_endpoint_once(db):
    message = system_message()

    counts = outbox.send_due(FakeFhirProvider())

    assert counts["sent"] == 1
    message.refresh_from_db()
    assert message.status == Status.DELIVERED, "a 2xx from a system is its delivery"
    assert message.delivered_at is not None and message.provider == "fake-fhir"
    assert FakeFhirProvider.posted(GP_SYSTEM) == [bundle()]
    assert outbox.send_due(FakeFhirProvider()) == {}, "nothing is sent twice"


def test_the_people_sender_never_claims_a_message_to_a_system(db):
    system_message()
    from keepwell.messaging.providers import FakeProvider

    assert outbox.send_due(FakeProvider()) == {}
    assert Message.objects.get().status == Status.QUEUED


def test_the_client_sends_the_headers_bars_asks_for(db):
    endpoint = ScriptedEndpoint()
    message = system_message(endpoint="2000011147")  # a BaRS target identifier, not a URL

    outbox.send_due(provider_for(endpoint, proxy_url="https://int.api.service.nhs.uk/bars/R4"))

    (sent,) = endpoint.requests
    assert sent["url"] == "https://int.api.service.nhs.uk/bars/R4/$process-message"
    headers = sent["headers"]
    target = json.loads(base64.b64decode(headers["NHSD-Target-Identifier"]))
    assert target == {"value": "2000011147", "system": "https://fhir.nhs.uk/Id/dos-service-id"}
    organisation = json.loads(base64.b64decode(headers["NHSD-End-User-Organisation"]))
    assert organisation["identifier"][0]["value"] == "Y0001"
    assert headers["X-Correlation-Id"] == "0b1e5c33-8d8e-4a4e-9f59-3f7c2c8b6a11"
    assert headers["Authorization"] == "Bearer t0ken"
    assert headers["Content-Type"] == "application/fhir+json"
    assert sent["body"] == json.loads(Message.objects.get(pk=message.pk).body)


def test_a_target_identifier_with_no_proxy_set_up_fails_and_says_why(db):
    message = system_message(endpoint="2000011147")

    outbox.send_due(provider_for(ScriptedEndpoint(), proxy_url=""))

    message.refresh_from_db()
    assert message.status == Status.PERMANENT_FAILURE
    assert "no BaRS proxy" in message.status_detail


def test_a_temporary_failure_is_tried_again_later_and_then_delivered(db):
    endpoint = ScriptedEndpoint(Answer(503, outcome(503, "REC_UNAVAILABLE", "Down for upkeep")))
    message = system_message()
    now = timezone.now()

    outbox.deliver(provider_for(endpoint), outbox.claim("fhir", channels=[Channel.FHIR], now=now))

    message.refresh_from_db()
    assert message.status == Status.QUEUED and message.attempts == 1
    assert "503" in message.status_detail and "REC_UNAVAILABLE" in message.status_detail
    assert message.next_attempt_at > now, "backs off before trying again"
    assert outbox.claim("fhir", channels=[Channel.FHIR], now=now).messages == []

    later = message.next_attempt_at + timedelta(seconds=1)
    outbox.deliver(provider_for(endpoint), outbox.claim("fhir", channels=[Channel.FHIR], now=later))

    message.refresh_from_db()
    assert message.status == Status.DELIVERED and message.attempts == 2
    assert len(endpoint.requests) == 2
    assert endpoint.requests[0]["body"] == endpoint.requests[1]["body"], "the same message id"


def test_a_429_slows_the_sender_without_spending_an_attempt(db, settings):
    settings.KEEPWELL_MESSAGING_RATE_WINDOW_SECONDS = 60
    endpoint = ScriptedEndpoint(
        Answer(429, outcome(429, "SEND_TOO_MANY_REQUESTS", "Slow down"), {"Retry-After": "20"})
    )
    first, second = system_message(), system_message(event="bars_response:2:accepted")
    now = timezone.now()

    counts = outbox.deliver(
        provider_for(endpoint), outbox.claim("fhir", channels=[Channel.FHIR], now=now), now=now
    )

    assert counts["rate_limited"] == 2, "nothing after a 429 is sent in that batch"
    assert len(endpoint.requests) == 1
    state = ProviderState.objects.get(provider="fhir")
    assert state.rate_limited == 2 and state.paused_until == now + timedelta(seconds=20)
    for message in (first, second):
        message.refresh_from_db()
        assert message.status == Status.QUEUED and message.attempts == 0
    soon = now + timedelta(seconds=5)
    assert outbox.claim("fhir", channels=[Channel.FHIR], now=soon).messages == [], "paused"

    after = now + timedelta(seconds=21)
    outbox.deliver(provider_for(endpoint), outbox.claim("fhir", channels=[Channel.FHIR], now=after))
    assert set(Message.objects.values_list("status", flat=True)) == {Status.DELIVERED}


def test_a_refusal_fails_the_message_for_good_saying_what_the_receiver_said(db):
    endpoint = ScriptedEndpoint(
        Answer(422, outcome(422, "REC_UNPROCESSABLE_ENTITY", "Unknown ServiceRequest"))
    )
    message = system_message()

    outbox.send_due(provider_for(endpoint))

    message.refresh_from_db()
    assert message.status == Status.PERMANENT_FAILURE and message.failed_at is not None
    assert "422" in message.status_detail
    assert "REC_UNPROCESSABLE_ENTITY Unknown ServiceRequest" in message.status_detail
    assert outbox.send_due(provider_for(endpoint)) == {}, "never tried again"


def test_our_refused_credentials_stop_every_send_until_they_are_fixed(db):
    endpoint = ScriptedEndpoint(Answer(401, outcome(401, "REC_UNAUTHORIZED", "Bad token")))
    message = system_message()

    outbox.send_due(provider_for(endpoint))

    message.refresh_from_db()
    assert message.status == Status.QUEUED and message.attempts == 0
    assert ProviderState.objects.get(provider="fhir").paused_until > timezone.now()


def test_a_timeout_after_sending_is_sent_again_only_once_the_lease_is_reaped(db):
    endpoint = ScriptedEndpoint(requests.ReadTimeout("read timed out"))
    message = system_message()
    now = timezone.now()

    outbox.deliver(provider_for(endpoint), outbox.claim("fhir", channels=[Channel.FHIR], now=now))

    message.refresh_from_db()
    assert message.status == Status.SENDING, "its fate is unknown: not sent again at once"
    assert outbox.reap(provider_for(endpoint), now=now) == {}
    later = now + timedelta(seconds=outbox.UNKNOWN_FATE_SECONDS + 1)
    assert outbox.reap(provider_for(endpoint), now=later) == {
        "sent": 0,
        "requeued": 1,
        "failed": 0,
    }
    message.refresh_from_db()
    retry_at = message.next_attempt_at + timedelta(seconds=1)
    outbox.deliver(
        provider_for(endpoint), outbox.claim("fhir", channels=[Channel.FHIR], now=retry_at)
    )
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    ids = {r["headers"]["X-Correlation-Id"] for r in endpoint.requests}
    assert len(endpoint.requests) == 2 and len(ids) == 1, "the same message, known by its id"


class DiesAfterPosting(FakeFhirProvider):
    """The worker is killed once the endpoint has the message, before it writes a thing."""

    def send_many(self, messages, **kwargs):
        super().send_many(messages, **kwargs)
        raise KeyboardInterrupt


def test_a_killed_workers_lease_is_taken_back_without_posting_twice(db):
    message = system_message()
    now = timezone.now()
    with pytest.raises(KeyboardInterrupt):
        outbox.deliver(
            DiesAfterPosting(),
            outbox.claim("fake-fhir", channels=[Channel.FHIR], now=now, worker_id="w1"),
            now=now,
        )
    assert Message.objects.get(pk=message.pk).status == Status.SENDING

    assert outbox.reap(FakeFhirProvider(), worker_id="w1") == {
        "sent": 1,
        "requeued": 0,
        "failed": 0,
    }

    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert FakeSend.objects.filter(reference=message.reference).count() == 1
    assert outbox.send_due(FakeFhirProvider()) == {}


def test_the_fake_endpoint_answers_as_a_failing_receiver_would(db):
    permanent = system_message(endpoint="https://fail-permanent.example/$process-message")
    temporary = system_message(
        endpoint="https://fail-temporary.example/$process-message", event="e2"
    )

    outbox.send_due(FakeFhirProvider())

    permanent.refresh_from_db()
    temporary.refresh_from_db()
    assert permanent.status == Status.PERMANENT_FAILURE
    assert temporary.status == Status.QUEUED and temporary.attempts == 1
    assert not FakeSend.objects.exists()


def test_messages_to_systems_are_not_counted_in_the_communication_audit(db):
    system_message()
    outbox.send_due(FakeFhirProvider())

    audit = communication_audit(start=local_today(), end=local_today())

    assert audit.total.messages == 0
    assert audit.by_channel == []
