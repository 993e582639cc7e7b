"""BaRS messages in, as NHS systems send them: the published examples make referrals, the
rest of what they carry is kept and named, and a message sent twice changes nothing."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from keepwell.accounts.services import create_token
from keepwell.messaging.models import Message
from keepwell.people.models import Consent, Person
from keepwell.referrals.fhir import service_system
from keepwell.referrals.models import BarsMessage, Referral, Urgency

DATA = Path(__file__).resolve().parent.parent / "data" / "bars"
URL = "/api/fhir/$process-message"
FHIR = "application/fhir+json"
EXAMPLES = ["111-to-ed-servicerequest.json", "999-to-cas-servicerequest.json"]
JULIE = "Julie"


def example(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def target(service) -> str:
    named = {"system": service_system(), "value": str(service.uuid)}
    return base64.b64encode(json.dumps(named).encode()).decode()


@pytest.fixture
def priya_token(world):
    return create_token(world.priya, "GP system")[1]


def post(client, token, data, *, service=None, content_type=FHIR):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if service is not None:
        headers["HTTP_NHSD_TARGET_IDENTIFIER"] = target(service)
    return client.post(URL, body, content_type=content_type, **headers)


def issues(response, severity=None) -> list[dict]:
    data = response.json()
    if data["resourceType"] == "Bundle":
        data = next(
            e["resource"]
            for e in data["entry"]
            if e["resource"]["resourceType"] == "OperationOutcome"
        )
    return [i for i in data["issue"] if severity is None or i["severity"] == severity]


def expressions(response, severity=None) -> set[str]:
    return {e for i in issues(response, severity) for e in i.get("expression", [])}


def nothing_written():
    assert not Referral.objects.exists()
    assert not BarsMessage.objects.exists()
    assert not Person.objects.filter(given_name=JULIE).exists()


@pytest.mark.parametrize("name", EXAMPLES)
def test_a_published_referral_example_makes_a_referral_the_service_hears_of(
    client, world, befriending, priya_token, name
):
    data = example(name)
    response = post(client, priya_token, data, service=befriending)

    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["resourceType"] == "Bundle" and answer["type"] == "message"
    header = answer["entry"][0]["resource"]
    assert header["response"] == {
        "identifier": data["entry"][0]["resource"]["id"],
        "code": "ok",
        "details": {"reference": answer["entry"][1]["fullUrl"]},
    }
    referral = Referral.objects.get()
    assert referral.service == befriending
    assert referral.from_organisation == world.practice
    assert referral.referrer_label == "Marcy Blake (Wellbrook Health Centre)"
    assert referral.person.nhs_number == ""  # the example's number fails its check digit
    assert referral.person.date_of_birth.isoformat() == "1959-05-04"
    assert referral.person.full_name == "Julie Jones"
    assert referral.person.postcode == "LS10 4YU"
    assert "Wanted from 2021-10-13T16:20:27+07:00" in referral.needs
    kept = BarsMessage.objects.get()
    assert kept.body == data and kept.referral == referral and kept.answer == answer
    assert kept.event == "admin-notify" and kept.reason == "new"
    assert kept.source_endpoint == "13p:54.77.23.13:0494"
    focus = header["focus"][0]["reference"]
    sent_back = {e["fullUrl"]: e["resource"] for e in answer["entry"]}
    assert sent_back[focus]["resourceType"] == "ServiceRequest"
    assert Message.objects.filter(event=f"referral_new:{referral.pk}").exists()


def test_the_111_flags_are_safety_notes_and_its_consent_the_referral_s(
    client, world, befriending, priya_token
):
    response = post(client, priya_token, example(EXAMPLES[0]), service=befriending)

    referral = Referral.objects.get()
    assert referral.safety_notes.splitlines() == [
        "Safeguarding Concern: Child at risk (until 2021-11-20)",
        "Reasonable Adjustment - Personalisation of support: Adjust for needle phobia",
        "Behavioral: Rejected Services - Patient Choice in Service Selection",
    ]
    assert referral.consent.how == Consent.How.WRITTEN
    assert referral.consent.lawful_basis == Consent.LawfulBasis.CONSENT
    assert referral.consent.given_at.date().isoformat() == "2020-01-13"
    assert "Chest and Upper Back Pain" in referral.reason
    assert response.status_code == 200


def test_what_keepwell_does_not_map_comes_back_as_warnings(client, world, befriending, priya_token):
    response = post(client, priya_token, example(EXAMPLES[0]), service=befriending)

    warned = expressions(response, "warning")
    assert "Bundle.entry[2].resource" in warned  # the Encounter
    assert "Bundle.entry[9].resource" in warned  # the MedicationStatement
    assert "Bundle.entry[1].resource.supportingInfo" in warned
    assert "Bundle.entry[0].resource.eventCoding.code" in warned  # admin-notify
    # PractitionerRole.organization names a urn:uuid the Bundle does not hold.
    assert "Bundle.entry[8].resource.organization.reference" in warned
    assert not issues(response, "error")
    assert "Bundle.entry[3].resource" not in warned  # the Patient is mapped


def test_the_999_clinical_urgency_makes_the_referral_urgent(
    client, world, befriending, priya_token
):
    post(client, priya_token, example(EXAMPLES[1]), service=befriending)

    assert Referral.objects.get().urgency == Urgency.URGENT
