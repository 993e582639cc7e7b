"""BaRS messages in, as NHS systems send them: the published examples make referrals, the
rest of what they carry is kept and named, and a message sent twice changes nothing."""

from __future__ import annotations

import base64
import copy
import json
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from keepwell.accounts.services import create_token
from keepwell.directory.models import Service
from keepwell.messaging.models import Message
from keepwell.people.models import Consent, Person
from keepwell.referrals.fhir import service_system
from keepwell.referrals.models import BarsMessage, Referral, Urgency
from tests.factories import PersonFactory

DATA = Path(__file__).resolve().parent.parent / "data" / "bars"
URL = "/api/fhir/$process-message"
FHIR = "application/fhir+json"
EXAMPLES = ["111-to-ed-servicerequest.json", "999-to-cas-servicerequest.json"]
JULIE = "Julie"


def example(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def target_header(system: str, value: str) -> str:
    """An NHSD-Target-Identifier header, as the BaRS proxy sends it."""
    return base64.b64encode(json.dumps({"system": system, "value": value}).encode()).decode()


def target(service) -> str:
    return target_header(service_system(), str(service.uuid))


@pytest.fixture
def priya_token(world):
    return create_token(world.priya, "GP system")[1]


def post(client, token, data, *, service=None, to: str = "", content_type=FHIR):
    """POST ``data`` with ``token``; the target header names ``service``, or is ``to``."""
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    named = target(service) if service is not None else to
    if named:
        headers["HTTP_NHSD_TARGET_IDENTIFIER"] = named
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


def test_the_same_message_twice_changes_nothing_and_gets_the_same_answer(
    client, world, befriending, priya_token
):
    data = example(EXAMPLES[1])
    first = post(client, priya_token, data, service=befriending)
    again = post(client, priya_token, data, service=befriending)

    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert Referral.objects.count() == 1
    assert BarsMessage.objects.count() == 1
    assert Person.objects.filter(given_name="Julie").count() == 1


def test_a_message_id_sent_again_with_another_body_is_a_conflict(
    client, world, befriending, priya_token
):
    data = example(EXAMPLES[1])
    post(client, priya_token, data, service=befriending)
    changed = copy.deepcopy(data)
    changed["entry"][1]["resource"]["priority"] = "routine"

    response = post(client, priya_token, changed, service=befriending)

    assert response.status_code == 409
    [issue] = issues(response)
    assert issue["code"] == "duplicate"
    assert issue["details"]["coding"][0]["code"] == "REC_CONFLICT"
    assert issue["expression"] == ["Bundle.entry[0].resource.id"]
    assert Referral.objects.get().urgency == Urgency.URGENT


def with_nhs_number(data: dict, number: str) -> dict:
    data = copy.deepcopy(data)
    data["entry"][3]["resource"]["identifier"][0]["value"] = number
    return data


def test_a_known_nhs_number_refers_the_person_keepwell_holds(
    client, world, befriending, priya_token
):
    world.margaret_person.nhs_number = "9434765919"
    world.margaret_person.save(update_fields=["nhs_number"])
    data = with_nhs_number(example(EXAMPLES[1]), "943 476 5919")

    response = post(client, priya_token, data, service=befriending)

    assert Referral.objects.get().person == world.margaret_person
    assert not Person.objects.filter(given_name="Julie").exists()
    assert any("by nhs number" in i["diagnostics"] for i in issues(response, "information"))


def test_someone_held_by_a_group_the_sender_cannot_see_is_flagged_never_silently_copied(
    client, world, befriending, priya_token
):
    world.faraway_person.nhs_number = "9434765919"
    world.faraway_person.save(update_fields=["nhs_number"])

    post(
        client,
        priya_token,
        with_nhs_number(example(EXAMPLES[1]), "9434765919"),
        service=befriending,
    )

    person = Referral.objects.get().person
    assert person != world.faraway_person
    assert person.possible_duplicate_of == world.faraway_person


def julie(world, **fields) -> Person:
    person = PersonFactory(
        given_name="Julie",
        family_name="Jones",
        date_of_birth=date(1959, 5, 4),
        postcode="LS10 4YU",
        **fields,
    )
    person.organisations.add(world.practice)
    return person


def test_without_a_valid_nhs_number_name_birth_date_and_postcode_find_the_person(
    client, world, befriending, priya_token
):
    known = julie(world)

    response = post(client, priya_token, example(EXAMPLES[1]), service=befriending)

    assert Referral.objects.get().person == known
    assert Person.objects.filter(given_name="Julie").count() == 1
    assert "Bundle.entry[3].resource.identifier[0].value" in expressions(response, "warning")


def test_two_people_alike_are_never_chosen_between(client, world, befriending, priya_token):
    julie(world), julie(world)

    response = post(client, priya_token, example(EXAMPLES[1]), service=befriending)

    assert Person.objects.filter(given_name="Julie").count() == 3
    warned = [i for i in issues(response, "warning") if i["code"] == "multiple-matches"]
    assert warned and "none was chosen" in warned[0]["diagnostics"]


def test_the_service_is_found_by_its_organisation_s_ods_code(
    client, world, befriending, priya_token
):
    world.mutual_aid.ods_code = "WMA01"
    world.mutual_aid.save(update_fields=["ods_code"])
    data = example(EXAMPLES[1])
    performer = data["entry"][4]["resource"]
    performer["identifier"] = [
        {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "WMA01"}
    ]

    assert post(client, priya_token, data).status_code == 200
    assert Referral.objects.get().service == befriending


DOS = "https://fhir.nhs.uk/Id/dos-service-id"


def test_the_service_is_found_by_the_directory_of_services_id_on_its_page(
    client, world, befriending, pantry, priya_token, as_user
):
    """Sam records the befriending service's NHS Directory of Services id on its page; the
    111 system routes by that id, in the header or on the HealthcareService."""
    page = as_user(world.sam).get(reverse("directory:service_edit", args=[befriending.uuid]))
    assert "NHS Directory of Services id" in page.content.decode()
    befriending.dos_service_id = "2000123456"
    befriending.save(update_fields=["dos_service_id"])
    by_header = example(EXAMPLES[1])
    by_performer = with_id(by_header, "by-performer")
    by_performer["entry"][4]["resource"]["identifier"] = [{"system": DOS, "value": "2000123456"}]
    elsewhere = with_id(by_header, "to-a-service-nobody-lists")

    first = post(client, priya_token, by_header, to=target_header(DOS, "2000123456"))
    second = post(client, priya_token, by_performer)
    unknown = post(client, priya_token, elsewhere, to=target_header(DOS, "2000999999"))

    assert (first.status_code, second.status_code) == (200, 200), second.content
    assert [r.service for r in Referral.objects.order_by("pk")] == [befriending, befriending]
    assert unknown.status_code == 404
    assert "NHS Directory of Services id" in issues(unknown)[0]["diagnostics"]


def test_a_service_keepwell_does_not_have_is_a_404_and_none_named_a_400(
    client, world, befriending, priya_token
):
    unknown = Service(uuid=uuid.uuid4())
    response = post(client, priya_token, example(EXAMPLES[1]), service=unknown)
    assert response.status_code == 404
    assert issues(response)[0]["details"]["coding"][0]["code"] == "REC_NOT_FOUND"

    response = post(client, priya_token, example(EXAMPLES[1]))
    assert response.status_code == 400
    assert expressions(response) == {"Bundle.entry[1].resource.performer"}
    nothing_written()


def test_a_full_service_refuses_with_a_422_and_nothing_is_made(
    client, world, befriending, priya_token
):
    befriending.taking_new_people = False
    befriending.save(update_fields=["taking_new_people"])

    response = post(client, priya_token, example(EXAMPLES[0]), service=befriending)

    assert response.status_code == 422
    [issue] = issues(response)
    assert issue["code"] == "business-rule"
    assert issue["details"]["coding"][0]["code"] == "REC_UNPROCESSABLE_ENTITY"
    assert "not taking new people" in issue["diagnostics"]
    nothing_written()


def test_a_refused_consent_refuses_the_referral(client, world, befriending, priya_token):
    data = example(EXAMPLES[0])
    data["entry"][21]["resource"]["status"] = "rejected"

    response = post(client, priya_token, data, service=befriending)

    assert response.status_code == 422
    assert expressions(response) == {"Bundle.entry[21].resource.status"}
    nothing_written()


def test_without_a_token_it_is_a_401_and_without_the_role_a_403(client, world, befriending):
    data = example(EXAMPLES[1])
    response = post(client, None, data, service=befriending)
    assert response.status_code == 401
    assert issues(response)[0]["details"]["coding"][0]["code"] == "REC_UNAUTHORIZED"

    sam = create_token(world.sam, "x")[1]
    response = post(client, sam, data, service=befriending)
    assert response.status_code == 403
    assert issues(response)[0]["details"]["coding"][0]["code"] == "REC_FORBIDDEN"
    nothing_written()


def test_a_sender_over_its_rate_is_told_to_wait_and_retry(
    client, world, befriending, priya_token, settings
):
    """Three messages a minute: the fourth is a 429 BaRS senders retry after Retry-After,
    and writes nothing; another sender is not held back by it."""
    settings.KEEPWELL_BARS_RATE = "3/m"
    data = example(EXAMPLES[1])
    for _ in range(3):
        assert post(client, priya_token, data, service=befriending).status_code == 200

    response = post(client, priya_token, with_id(data, "a-fourth"), service=befriending)

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert issues(response)[0]["details"]["coding"][0]["code"] == "REC_TOO_MANY_REQUESTS"
    assert not BarsMessage.objects.filter(message_id="a-fourth").exists()
    admin = create_token(world.alex, "Admin's system")[1]
    assert post(
        client, admin, with_id(data, "another-sender"), service=befriending
    ).status_code in {
        200,
        422,
    }


def with_id(data: dict, message_id: str) -> dict:
    changed = copy.deepcopy(data)
    changed["entry"][0]["resource"]["id"] = message_id
    return changed


def test_a_message_that_is_not_json_is_a_415_or_400(client, world, befriending, priya_token):
    response = post(client, priya_token, "<Bundle/>", service=befriending, content_type="text/xml")
    assert response.status_code == 415
    response = post(client, priya_token, b'{"resourceType": "Bundle", ', service=befriending)
    assert response.status_code == 400
    assert issues(response)[0]["details"]["coding"][0]["code"] == "REC_BAD_REQUEST"
    nothing_written()
