"""keepwell as a BaRS sender: replies as a referral moves, and referrals to a practice.

* **Replies.** A referral that came by BaRS (``source`` "bars:...") tells its sender each
  step it takes (accepted, declined and why, contacted, engaged, completed, closed): a
  ``servicerequest-response`` message whose MessageHeader answers the sender's request
  (``response.identifier`` is the request's MessageHeader id, ``code`` ok), goes to the
  endpoint the request named as its ``source.endpoint``, and has as its focus the
  ServiceRequest as keepwell now holds it: its status, and the sender's own identifier so
  they can match it, with keepwell's Task carrying the step and a decline's reason.
  Published BaRS examples: NHSDigital/booking-and-referral-fhir-api,
  ``specification/examples/process_message/request/ValidationResponse (POST) .json``.
* **Referrals out.** A community-to-practice referral to a practice whose directory entry
  has a BaRS endpoint goes there too, as a ``servicerequest-request`` (reason new) whose
  ``source.endpoint`` is keepwell's own ``$process-message``.

Each is written in the transaction of the change that causes it: one outbox row through
``keepwell.messaging.systems`` (delivered with retries, never lost nor doubled) and the
message kept whole as an outgoing ``BarsMessage``. Both are idempotent: the MessageHeader id
is made from the event, so the same step never writes a second message.
"""

from __future__ import annotations

import copy
import uuid

from django.conf import settings
from django.utils import timezone

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.directory.models import Organisation
from keepwell.messaging.systems import send_to_system
from keepwell.referrals.bars.answers import BUNDLE_PROFILE
from keepwell.referrals.bars.receiving import PATH
from keepwell.referrals.fhir import referral_bundle
from keepwell.referrals.fhir.codes import _id, _instant, _urn
from keepwell.referrals.models import BarsMessage, Direction, Referral, Status

EVENT_SYSTEM = "https://fhir.nhs.uk/CodeSystem/message-event-servicerequest"
REASON_SYSTEM = "https://fhir.nhs.uk/CodeSystem/message-reason-servicerequest"
REQUEST_EVENT = "servicerequest-request"
RESPONSE_EVENT = "servicerequest-response"
REQUEST_PROFILE = "https://fhir.nhs.uk/StructureDefinition/BARSMessageHeader-servicerequest-request"
RESPONSE_PROFILE = (
    "https://fhir.nhs.uk/StructureDefinition/BARSMessageHeader-servicerequest-response"
)
# The steps a BaRS sender hears of: every one after it was sent.
REPLY_STATUSES = frozenset(Status) - {Status.SENT}


def own_endpoint() -> str:
    """Where replies to keepwell's messages go: its own ``$process-message``."""
    return settings.SITE_URL.rstrip("/") + PATH


def request_of(referral: Referral) -> BarsMessage | None:
    """The BaRS message that made this referral (None if it did not come by BaRS)."""
    if not referral.source.startswith("bars:"):
        return None
    return (
        BarsMessage.objects.filter(referral=referral, direction=BarsMessage.Direction.IN)
        .exclude(source_endpoint="")
        .order_by("at", "id")
        .first()
    )


def _focus_of(body: dict) -> dict:
    """The resource a message's header has as its focus (the sender's ServiceRequest)."""
    entries = [e for e in body.get("entry") or [] if isinstance(e, dict)]
    if not entries:
        return {}
    header = entries[0].get("resource") or {}
    focus = (header.get("focus") or [{}])[0]
    reference = focus.get("reference") if isinstance(focus, dict) else None
    for entry in entries:
        resource = entry.get("resource") or {}
        if reference in (
            entry.get("fullUrl"),
            f"{resource.get('resourceType')}/{resource.get('id')}",
        ):
            return resource
    return {}


def _header(
    *,
    header_id: str,
    event: str,
    profile: str,
    endpoint: str,
    sender_url: str | None,
    receiver_url: str | None,
    focus_url: str,
    event_system: str = EVENT_SYSTEM,
) -> dict:
    destination: dict = {"endpoint": endpoint}
    if receiver_url:
        destination["receiver"] = {"reference": receiver_url}
    header: dict = {
        "resourceType": "MessageHeader",
        "id": header_id,
        "meta": {"profile": [profile]},
        "eventCoding": {"system": event_system, "code": event},
        "destination": [destination],
        "source": {"name": "keepwell", "software": "keepwell", "endpoint": own_endpoint()},
        # A response is a new message in BaRS too: its reason is "new".
        "reason": {"coding": [{"system": REASON_SYSTEM, "code": "new"}]},
        "focus": [{"reference": focus_url}],
    }
    if sender_url:
        header["sender"] = {"reference": sender_url}
    return header


def _message(header: dict, entries: list[dict]) -> dict:
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [BUNDLE_PROFILE]},
        "type": "message",
        "timestamp": _instant(timezone.now()),
        "entry": [{"fullUrl": _urn(header["id"]), "resource": header}, *entries],
    }


def _org_url(organisation_id: int | None) -> str | None:
    return _urn(_id("organisation", organisation_id)) if organisation_id else None


def response_message(referral: Referral, request: BarsMessage, *, header_id: str) -> dict:
    """The ``servicerequest-response`` Bundle telling ``request``'s sender where
    ``referral`` stands (module doc)."""
    entries = copy.deepcopy(referral_bundle(referral)["entry"])
    service_request = entries[0]["resource"]
    theirs = [i for i in _focus_of(request.body).get("identifier") or [] if isinstance(i, dict)]
    ours = service_request.get("identifier") or []
    service_request["identifier"] = theirs + [i for i in ours if i not in theirs]
    request_header = (request.body.get("entry") or [{}])[0].get("resource") or {}
    header = _header(
        header_id=header_id,
        event=RESPONSE_EVENT,
        profile=RESPONSE_PROFILE,
        endpoint=request.source_endpoint,
        sender_url=_org_url(referral.to_organisation_id),
        receiver_url=_org_url(referral.from_organisation_id),
        focus_url=entries[0]["fullUrl"],
        event_system=(request_header.get("eventCoding") or {}).get("system") or EVENT_SYSTEM,
    )
    # FHIR's MessageHeader.response.identifier: the id of the MessageHeader answered.
    header["response"] = {"identifier": request.message_id, "code": "ok"}
    return _message(header, entries)


def request_message(referral: Referral, *, header_id: str) -> dict:
    """The ``servicerequest-request`` Bundle sending ``referral`` to its practice's endpoint."""
    entries = referral_bundle(referral)["entry"]
    header = _header(
        header_id=header_id,
        event=REQUEST_EVENT,
        profile=REQUEST_PROFILE,
        endpoint=referral.to_organisation.bars_endpoint,
        sender_url=_org_url(referral.from_organisation_id),
        receiver_url=_org_url(referral.to_organisation_id),
        focus_url=entries[0]["fullUrl"],
    )
    return _message(header, entries)


def _send(
    referral: Referral,
    *,
    speaker: Organisation | None,
    event: str,
    kind: str,
    bundle: dict,
    endpoint: str,
    label: str,
    summary: str,
    by,
    via: str,
) -> BarsMessage:
    """Queue ``bundle`` in the outbox and keep it as an outgoing ``BarsMessage``, once."""
    header = bundle["entry"][0]["resource"]
    send_to_system(
        event=event,
        kind=kind,
        endpoint=endpoint,
        bundle=bundle,
        about=("referral", referral.pk),
        label=label,
        subject=summary,
        by=by,
        sender_organisation_id=speaker.pk if speaker else None,
    )
    kept, created = BarsMessage.objects.get_or_create(
        direction=BarsMessage.Direction.OUT,
        message_id=header["id"],
        defaults={
            "event": header["eventCoding"]["code"],
            "reason": "new",
            "referral": referral,
            "service_request_id": _urn(str(referral.uuid)),
            "sender_ods": speaker.ods_code[:20] if speaker else "",
            "source_endpoint": own_endpoint(),
            "destination_endpoint": endpoint[:500],
            "body": bundle,
            "by": audit.acting_user(by),
        },
    )
    if created:
        # The person's details leave keepwell: recorded as an export of their record.
        audit.record(
            by,
            Action.EXPORT,
            referral,
            person_id=referral.person_id,
            purpose=Purpose.REFERRAL,
            via=via,
            summary=summary,
        )
    return kept


def reply(referral: Referral, to_status: str, *, by, via: str = "web") -> BarsMessage | None:
    """Tell a BaRS sender that their referral moved to ``to_status``; None when it did not
    come by BaRS. Runs in the caller's transaction (``services.change_status``)."""
    if to_status not in REPLY_STATUSES:
        return None
    request = request_of(referral)
    if request is None:
        return None
    header_id = _id("bars-response", f"{referral.pk}/{to_status}")
    return _send(
        referral,
        speaker=referral.to_organisation,
        event=f"bars_response:{referral.pk}:{to_status}",
        kind="bars_response",
        bundle=response_message(referral, request, header_id=header_id),
        endpoint=request.source_endpoint,
        label=referral.from_organisation.name if referral.from_organisation else "BaRS sender",
        summary=f"BaRS reply: {Status(to_status).label.lower()}",
        by=by,
        via=via,
    )


def send_referral(referral: Referral, *, by, via: str = "web") -> BarsMessage | None:
    """Send a referral to a practice by BaRS when the practice has an endpoint; None when
    it has none (the referral waits in its keepwell inbox, as ever)."""
    practice = referral.to_organisation
    if referral.direction != Direction.TO_PRACTICE or not practice.bars_endpoint:
        return None
    header_id = _id("bars-request", referral.pk)
    return _send(
        referral,
        speaker=referral.from_organisation,
        event=f"bars_request:{referral.pk}",
        kind="bars_request",
        bundle=request_message(referral, header_id=header_id),
        endpoint=practice.bars_endpoint,
        label=practice.name,
        summary=f"Sent by BaRS to {practice.name}",
        by=by,
        via=via,
    )
