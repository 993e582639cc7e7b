"""GP systems and keepwell speak FHIR: a referral out as a Bundle, and one in."""

from __future__ import annotations

import copy
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from keepwell.accounts.services import create_token
from keepwell.audit.models import AuditEvent
from keepwell.messaging.models import Message
from keepwell.people.models import Person
from keepwell.referrals import fhir, services
from keepwell.referrals.models import Referral, Status
from tests.referrals.factories import refer

FHIR = "application/fhir+json"


@pytest.fixture
def priya_token(world):
    world.practice.ods_code = "W99001"
    world.practice.save()
    return create_token(world.priya, "GP system")[1]


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def resources(bundle: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def test_a_referral_exports_as_a_valid_uk_core_bundle(client, world, befriending, priya_token):
    world.margaret_person.nhs_number = "9434765919"
    world.margaret_person.save()
    referral = refer(world, befriending, themes=["loneliness", "caring"], urgency="soon")
    services.change_status(referral, Status.DECLINED, by=world.sam, decline_reason="Full")
    response = client.get(f"/api/referrals/{referral.pk}/fhir", **bearer(priya_token))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(FHIR)
    data = response.json()
    Bundle.model_validate(data)  # valid under fhir.resources (R4B = R4 for these resources)
    found = resources(data)
    [request] = found["ServiceRequest"]
    assert request["code"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "871731000000106",
        "display": "Referral to social prescribing service",
    }
    assert request["status"] == "revoked" and request["priority"] == "urgent"
    assert request["meta"]["profile"] == [
        "https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest"
    ]
    assert any(n["text"].startswith("What matters to me: Getting out") for n in request["note"])
    [patient] = found["Patient"]
    assert patient["identifier"][0]["system"] == "https://fhir.nhs.uk/Id/nhs-number"
    assert patient["identifier"][0]["value"] == "9434765919"
    assert patient["name"][0]["family"] == "Evans"
    ods = [
        ident
        for org in found["Organization"]
        for ident in org["identifier"]
        if ident["system"] == "https://fhir.nhs.uk/Id/ods-organization-code"
    ]
    assert ods == [{"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "W99001"}]
    [task] = found["Task"]
    assert task["status"] == "rejected"
    assert task["businessStatus"]["text"] == "Declined"
    assert task["statusReason"]["text"] == "Full"
    assert task["focus"]["reference"] == f"urn:uuid:{referral.uuid}"
    # Every reference points at an entry in the Bundle.
    urls = {entry["fullUrl"] for entry in data["entry"]}
    assert request["subject"]["reference"] in urls
    assert AuditEvent.objects.filter(action="export", via="api").exists()


def test_a_patient_without_an_nhs_number_has_no_identifier(client, world, befriending, priya_token):
    referral = refer(world, befriending)
    data = client.get(f"/api/referrals/{referral.pk}/fhir", **bearer(priya_token)).json()
    assert "identifier" not in resources(data)["Patient"][0]


def test_every_status_maps_to_a_task_status(world, befriending):
    referral = refer(world, befriending)
    for status in (Status.ACCEPTED, Status.CONTACTED, Status.ENGAGED, Status.COMPLETED):
        services.change_status(referral, status, by=world.sam)
        referral.refresh_from_db()
        bundle = fhir.referral_bundle(referral)
        Bundle.model_validate(bundle)
        assert resources(bundle)["Task"][0]["status"] == fhir.TASK_STATUS[status]


def test_only_an_nhs_connector_who_can_see_it_may_export(client, world, befriending):
    referral = refer(world, befriending)
    url = f"/api/referrals/{referral.pk}/fhir"
    assert client.get(url).status_code == 401
    assert client.get(url, **bearer(create_token(world.sam, "x")[1])).status_code == 403
    assert client.get(url, **bearer(create_token(world.olly, "x")[1])).status_code == 403
    assert client.get(url, **bearer(create_token(world.alex, "x")[1])).status_code == 200


def test_a_missing_or_forbidden_referral_is_an_operation_outcome(client, world, befriending):
    referral = refer(world, befriending)
    sam = bearer(create_token(world.sam, "x")[1])
    response = client.get(f"/api/referrals/{referral.pk}/fhir", **sam)
    assert response.status_code == 403
    assert problems_of(response)[0]["code"] == "forbidden"
    alex = bearer(create_token(world.alex, "x")[1])
    response = client.get(f"/api/referrals/{referral.pk + 1000}/fhir", **alex)
    assert response.status_code == 404
    assert problems_of(response)[0]["code"] == "not-found"
    assert not AuditEvent.objects.filter(action="export").exists()


def gp_bundle(world, service) -> dict:
    patient = "urn:uuid:1d5c8f8e-0000-4000-8000-000000000001"
    practice = "urn:uuid:1d5c8f8e-0000-4000-8000-000000000002"
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:1d5c8f8e-0000-4000-8000-000000000003",
                "resource": {
                    "resourceType": "ServiceRequest",
                    "identifier": [
                        {
                            "system": "urn:ietf:rfc:3986",
                            "value": "urn:uuid:1d5c8f8e-0000-4000-8000-000000000003",
                        }
                    ],
                    "status": "active",
                    "intent": "order",
                    "priority": "routine",
                    "code": {
                        "coding": [{"system": "http://snomed.info/sct", "code": "871731000000106"}]
                    },
                    "subject": {"reference": patient},
                    "requester": {"reference": practice},
                    "performer": [
                        {
                            "type": "HealthcareService",
                            "identifier": {
                                "system": fhir.service_system(),
                                "value": str(service.uuid),
                            },
                        }
                    ],
                    "reasonCode": [{"text": "Loneliness or isolation"}],
                    "note": [
                        {"text": "What matters to me: Seeing people at the allotment"},
                        {"text": "Safety: Uses a walking frame"},
                        {"text": "Preferred contact: Phone call"},
                    ],
                },
                "request": {"method": "POST", "url": "ServiceRequest"},
            },
            {
                "fullUrl": patient,
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [
                        {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}
                    ],
                    "name": [{"use": "official", "family": "Walker", "given": ["Ivy"]}],
                    "birthDate": "1941-05-02",
                    "telecom": [{"system": "phone", "value": "01632 960999"}],
                    "address": [{"line": ["3 Mill Lane"], "postalCode": "wb2 1ax"}],
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": practice,
                "resource": {
                    "resourceType": "Organization",
                    "identifier": [
                        {
                            "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                            "value": "W99001",
                        }
                    ],
                    "name": "Wellbrook Health Centre",
                },
                "request": {"method": "POST", "url": "Organization"},
            },
        ],
    }


def post(client, token, data, content_type=FHIR):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post("/api/fhir/Bundle", body, content_type=content_type, **bearer(token))


def test_a_gp_system_sends_a_referral_and_the_service_hears_of_it(
    client, world, befriending, priya_token
):
    response = post(client, priya_token, gp_bundle(world, befriending))
    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    assert response["Location"] == f"/api/referrals/{referral.pk}/fhir"
    Bundle.model_validate(response.json())
    assert referral.service == befriending
    assert referral.from_organisation == world.practice
    assert referral.referred_by == world.priya
    assert referral.what_matters == "Seeing people at the allotment"
    assert referral.safety_notes == "Uses a walking frame"
    assert referral.themes == ["loneliness"]
    assert referral.consent.recorded_by == world.priya
    ivy = referral.person
    assert (ivy.given_name, ivy.family_name, ivy.nhs_number) == ("Ivy", "Walker", "9434765919")
    assert ivy.postcode == "WB2 1AX"
    assert ivy.gp_practice == world.practice
    assert Message.objects.filter(
        organisation=world.mutual_aid, kind="referral_new", channel="inbox"
    ).exists()


def test_plain_json_is_accepted_too(client, world, befriending, priya_token):
    response = post(client, priya_token, gp_bundle(world, befriending), "application/json")
    assert response.status_code == 201


def test_a_known_nhs_number_refers_the_existing_patient(client, world, befriending, priya_token):
    world.margaret_person.nhs_number = "9434765919"
    world.margaret_person.save()
    assert post(client, priya_token, gp_bundle(world, befriending)).status_code == 201
    assert Referral.objects.get().person == world.margaret_person
    assert Person.objects.filter(nhs_number="9434765919").count() == 1


def problems_of(response) -> list[dict]:
    assert response["Content-Type"].startswith(FHIR)
    outcome = response.json()
    OperationOutcome.model_validate(outcome)
    return outcome["issue"]


def assert_nothing_created():
    assert not Referral.objects.exists()
    assert not Person.objects.filter(family_name="Walker").exists()


def test_malformed_json_gets_an_operation_outcome_and_creates_nothing(
    client, world, befriending, priya_token
):
    response = post(client, priya_token, b'{"resourceType": "Bundle", ')
    assert response.status_code == 400
    [issue] = problems_of(response)
    assert "not valid JSON" in issue["diagnostics"]
    assert_nothing_created()


def test_each_problem_in_a_malformed_bundle_is_named(client, world, befriending, priya_token):
    data = gp_bundle(world, befriending)
    patient = data["entry"][1]["resource"]
    patient["birthDate"] = "1941-13-45"
    patient["name"] = "Ivy Walker"
    response = post(client, priya_token, data)
    assert response.status_code == 400
    expressions = {issue["expression"][0] for issue in problems_of(response)}
    assert expressions == {
        "Bundle.entry[1].resource.birthDate",
        "Bundle.entry[1].resource.name",
    }
    assert_nothing_created()


def test_business_problems_are_named_too(client, world, befriending, priya_token):
    data = gp_bundle(world, befriending)
    request = data["entry"][0]["resource"]
    request["status"] = "bogus"
    request["intent"] = "wish"
    request["subject"] = {"reference": "urn:uuid:nobody"}
    request["performer"][0]["identifier"]["value"] = "00000000-0000-4000-8000-000000000000"
    response = post(client, priya_token, data)
    assert response.status_code == 400
    found = {(i["code"], i["expression"][0]) for i in problems_of(response)}
    assert found == {
        ("value", "Bundle.entry[0].resource.status"),
        ("value", "Bundle.entry[0].resource.intent"),
        ("required", "Bundle.entry[0].resource.subject"),
        ("not-found", "Bundle.entry[0].resource.performer[0]"),
    }
    assert_nothing_created()


def test_a_bad_nhs_number_and_a_missing_name_are_refused(client, world, befriending, priya_token):
    data = gp_bundle(world, befriending)
    patient = data["entry"][1]["resource"]
    patient["identifier"][0]["value"] = "1234567890"
    patient["name"] = [{"use": "official"}]
    codes = {i["diagnostics"] for i in problems_of(post(client, priya_token, data))}
    assert codes == {"The NHS number fails its check digit", "The Patient needs a name"}
    assert_nothing_created()


@pytest.mark.parametrize(
    "change, where",
    [
        (lambda d: d.update(resourceType="Patient"), "Bundle.resourceType"),
        (lambda d: d.update(entry=[]), "Bundle.entry"),
        (lambda d: d["entry"][2]["resource"].update(resourceType="Nope"), "Bundle.entry[2]"),
        (lambda d: d["entry"].append(copy.deepcopy(d["entry"][0])), "Bundle.entry"),
        (lambda d: d.update(type="searchset"), "Bundle.type"),
    ],
)
def test_bundles_of_the_wrong_shape_are_refused(
    client, world, befriending, priya_token, change, where
):
    data = gp_bundle(world, befriending)
    change(data)
    response = post(client, priya_token, data)
    assert response.status_code == 400
    assert any(issue["expression"][0].startswith(where) for issue in problems_of(response))
    assert_nothing_created()


def test_a_full_service_refuses_with_a_business_rule(client, world, befriending, priya_token):
    befriending.taking_new_people = False
    befriending.save()
    response = post(client, priya_token, gp_bundle(world, befriending))
    assert response.status_code == 422
    [issue] = problems_of(response)
    assert issue["code"] == "business-rule" and "Full" in issue["diagnostics"]
    assert_nothing_created()


def test_a_gp_cannot_send_on_behalf_of_another_practice(client, world, befriending, priya_token):
    data = gp_bundle(world, befriending)
    data["entry"][2]["resource"]["identifier"][0]["value"] = "Y00000"
    response = post(client, priya_token, data)
    assert response.status_code == 400
    assert "not an organisation you work for" in problems_of(response)[0]["diagnostics"]
    assert_nothing_created()


def test_only_nhs_connectors_may_send_and_only_as_json(client, world, befriending, priya_token):
    sam = create_token(world.sam, "x")[1]
    response = post(client, sam, gp_bundle(world, befriending))
    assert response.status_code == 403
    assert problems_of(response)[0]["code"] == "forbidden"
    response = post(client, priya_token, "<Bundle/>", "application/fhir+xml")
    assert response.status_code == 415
    assert client.post("/api/fhir/Bundle", "{}", content_type=FHIR).status_code == 401
    assert_nothing_created()


def test_what_keepwell_exports_it_can_read_back(client, world, befriending, priya_token):
    world.margaret_person.nhs_number = "9434765919"
    world.margaret_person.save()
    original = refer(world, befriending, safety_notes="Dog in the house", urgency="urgent")
    data = fhir.referral_bundle(original)
    response = post(client, priya_token, data)
    assert response.status_code == 201, response.content
    copy_ = Referral.objects.exclude(pk=original.pk).get()
    assert copy_.person == world.margaret_person
    assert copy_.safety_notes == "Dog in the house"
    assert copy_.urgency == "urgent"
    assert copy_.what_matters == original.what_matters


# --- Whatever a GP system (or an attacker) sends, the answer is an OperationOutcome ---------


def _deep_extension(depth: int) -> dict:
    extension: dict = {"url": "https://example.org/leaf", "valueString": "x"}
    for _ in range(depth):
        extension = {"url": "https://example.org/nested", "extension": [extension]}
    return extension


def _resource_is_a_string(data):
    data["entry"][1]["resource"] = "Patient/123"


def _deep_extension_on_the_patient(data):
    data["entry"][1]["resource"]["extension"] = [_deep_extension(5000)]


def _100_deep_extension_on_the_patient(data):
    data["entry"][1]["resource"]["extension"] = [_deep_extension(100)]


@pytest.mark.parametrize(
    "change, expression",
    [
        (_resource_is_a_string, "Bundle.entry[1].resource"),
        (lambda d: d["entry"].insert(0, "an entry"), "Bundle.entry[0]"),
        (_deep_extension_on_the_patient, "Bundle.entry[1].resource.extension[0].extension[0]"),
        (_100_deep_extension_on_the_patient, "Bundle.entry[1].resource.extension[0].extension"),
    ],
    ids=["resource-is-a-string", "entry-is-a-string", "5000-deep-extension", "100-deep"],
)
def test_a_bundle_of_the_wrong_shape_is_a_400_naming_the_element(
    client, world, befriending, priya_token, change, expression
):
    data = gp_bundle(world, befriending)
    change(data)
    body = _dumps_deep(data) if change is _deep_extension_on_the_patient else json.dumps(data)
    response = post(client, priya_token, body)
    assert response.status_code == 400, response.content[:300]
    [issue] = problems_of(response)
    assert issue["severity"] == "error" and issue["code"] == "structure"
    assert issue["expression"][0].startswith(expression)
    assert_nothing_created()


def _dumps_deep(data) -> str:
    """json.dumps itself recurses, so a 5,000-deep body is written by hand."""
    depth = 5000
    marker = '"DEEP"'
    data["entry"][1]["resource"]["extension"] = "DEEP"
    head = '{"url": "https://example.org/nested", "extension": ['
    leaf = '{"url": "https://example.org/leaf", "valueString": "x"}'
    deep = "[" + head * depth + leaf + "]}" * depth + "]"
    return json.dumps(data).replace(marker, deep)


@pytest.mark.parametrize(
    "body, diagnostics",
    [
        ("[]", "must be a FHIR Bundle"),
        ("[" * 100_000 + "]" * 100_000, "nested"),
        ('{"resourceType": "Bundle", "entry": ' + "[" * 100_000, "nested"),
        ("\udcff".encode("utf-8", "surrogatepass"), "not valid JSON"),
        (" ", "not valid JSON"),
        ("null", "must be a FHIR Bundle"),
    ],
    ids=["a-list", "100000-brackets", "unclosed-brackets", "not-utf8", "blank", "null"],
)
def test_a_body_that_is_not_a_bundle_is_a_400_operation_outcome(
    client, world, befriending, priya_token, body, diagnostics
):
    response = post(client, priya_token, body)
    assert response.status_code == 400, response.content[:300]
    [issue] = problems_of(response)
    assert issue["severity"] == "error"
    assert diagnostics in issue["diagnostics"]
    assert_nothing_created()


def test_a_body_over_the_size_limit_is_a_413_operation_outcome(
    client, world, befriending, priya_token, settings
):
    data = gp_bundle(world, befriending)
    data["entry"][0]["resource"]["note"].append({"text": "x" * 5 * 1024 * 1024})
    response = post(client, priya_token, data)
    assert response.status_code == 413
    [issue] = problems_of(response)
    assert issue["code"] == "too-long"
    assert f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,}" in issue["diagnostics"].replace(" ", "")
    assert_nothing_created()


def test_the_wrong_content_type_is_a_415_operation_outcome(client, world, befriending, priya_token):
    response = post(client, priya_token, gp_bundle(world, befriending), "text/plain")
    assert response.status_code == 415
    [issue] = problems_of(response)
    assert issue["code"] == "not-supported" and "text/plain" in issue["diagnostics"]
    assert_nothing_created()


def test_every_mapped_field_over_its_model_limit_is_named_and_nothing_is_stored(
    client, world, befriending, priya_token
):
    given_limit = Person._meta.get_field("given_name").max_length
    town_limit = Person._meta.get_field("town").max_length
    data = gp_bundle(world, befriending)
    patient = data["entry"][1]["resource"]
    patient["name"][0]["given"] = ["Ivy", "I" * 5000]
    patient["address"][0]["city"] = "T" * (town_limit + 1)
    patient["telecom"].append({"system": "email", "value": "e" * 300 + "@example.org"})
    response = post(client, priya_token, data)
    assert response.status_code == 400
    issues = problems_of(response)
    assert {i["expression"][0] for i in issues} == {
        "Bundle.entry[1].resource.name[0].given[1]",
        "Bundle.entry[1].resource.address[0].city",
        "Bundle.entry[1].resource.telecom[1].value",
    }
    assert all(i["code"] == "too-long" for i in issues)
    assert any(f"at most {given_limit}" in i["diagnostics"] for i in issues)
    assert_nothing_created()


def test_a_name_just_within_the_limit_is_stored_whole(client, world, befriending, priya_token):
    limit = Person._meta.get_field("family_name").max_length
    data = gp_bundle(world, befriending)
    data["entry"][1]["resource"]["name"][0]["family"] = "W" * limit
    response = post(client, priya_token, data)
    assert response.status_code == 201, response.content
    assert Referral.objects.get().person.family_name == "W" * limit


def test_a_request_identifier_too_long_to_keep_is_refused(client, world, befriending, priya_token):
    data = gp_bundle(world, befriending)
    data["entry"][0]["resource"]["identifier"][0]["value"] = "urn:uuid:" + "9" * 500
    response = post(client, priya_token, data)
    assert response.status_code == 400
    [issue] = problems_of(response)
    assert issue["expression"] == ["Bundle.entry[0].resource.identifier[0].value"]
    assert_nothing_created()


def test_the_apis_own_errors_on_fhir_routes_are_operation_outcomes_too(client, db):
    no_token = client.get("/api/referrals/1/fhir")
    assert no_token.status_code == 401
    assert no_token["Content-Type"].startswith("application/fhir+json")
    assert no_token.json()["resourceType"] == "OperationOutcome"
    assert no_token.json()["issue"][0]["code"] == "login"


def test_a_referral_id_that_is_not_a_number_gets_an_operation_outcome_naming_it(client, world):
    _, raw = create_token(world.priya, "GP system")
    response = client.get("/api/referrals/abc/fhir", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 422
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["path.referral_id"]
