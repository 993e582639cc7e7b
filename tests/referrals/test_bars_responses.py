"""Sam asks Margaret's practice to review her, and the practice's own system answers by
BaRS as the referral moves: keepwell's referral moves with it, step by step, and only the
practice it went to may move it."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keepwell.accounts.models import Role
from keepwell.accounts.services import create_token
from keepwell.directory.models import OrganisationKind
from keepwell.referrals.bars.response import read_response
from keepwell.referrals.fhir import status_system
from keepwell.referrals.models import BarsMessage, Status
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.referrals.test_bars_bad_input import json_values
from tests.referrals.test_bars_receiving import DATA, issues, post
from tests.referrals.test_bars_sender import ask_for_review, with_endpoint

ANSWERS = "Bundle.entry[0].resource.response.identifier"


@pytest.fixture
def sent(world):
    """The review request keepwell sent to the practice's system."""
    with_endpoint(world.practice)
    referral = ask_for_review(world)
    request = BarsMessage.objects.get(direction=BarsMessage.Direction.OUT, referral=referral)
    return referral, request


@pytest.fixture
def practice_system(world):
    """The practice's GP system, signed in with Priya's token (its NHS connector)."""
    return create_token(world.priya, "Wellbrook Health Centre GP system")[1]


def response(answers: str, *resources: dict, code: str = "ok", message_id: str = "") -> dict:
    """A servicerequest-response as the BaRS guide shapes it: the header answers the
    request and has the practice's Encounter as its focus."""
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]
    header = {
        "resourceType": "MessageHeader",
        "id": message_id or str(uuid.uuid4()),
        "eventCoding": {
            "system": "https://fhir.nhs.uk/CodeSystem/message-events-bars",
            "code": "servicerequest-response",
        },
        "source": {"endpoint": "https://wellbrook-hc.example.nhs.uk/fhir/$process-message"},
        "reason": {"coding": [{"code": "new"}]},
        "response": {"identifier": answers, "code": code},
        "focus": [{"reference": entries[0]["fullUrl"]}] if entries else [],
    }
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "message",
        "entry": [{"fullUrl": f"urn:uuid:{header['id']}", "resource": header}, *entries],
    }


def encounter(status: str, reason: str = "") -> dict:
    found = {"resourceType": "Encounter", "id": str(uuid.uuid4()), "status": status}
    if reason:
        found["reasonCode"] = [{"text": reason}]
    return found


def task(status: str, reason: str = "") -> dict:
    found = {"resourceType": "Task", "id": str(uuid.uuid4()), "status": status, "intent": "order"}
    if reason:
        found["statusReason"] = {"text": reason}
    return found


def history(referral) -> list[str]:
    return list(referral.events.order_by("at", "pk").values_list("to_status", flat=True))


def test_the_practice_sees_margaret_and_the_referral_follows_step_by_step(
    client, world, sent, practice_system
):
    referral, request = sent

    seen = post(client, practice_system, response(request.message_id, encounter("in-progress")))

    assert seen.status_code == 200, seen.content
    referral.refresh_from_db()
    assert referral.status == Status.ENGAGED
    # Accepted first, then engaged: the referral's own steps, each attributed to Priya.
    assert history(referral)[-2:] == [Status.ACCEPTED, Status.ENGAGED]
    last = referral.events.order_by("-at", "-pk").first()
    assert last.by == world.priya and "Wellbrook Health Centre's system (BaRS)" in last.note
    assert any("now engaged" in i["diagnostics"] for i in issues(seen, "information"))

    # The guide names the request by its Bundle id: that finds it too.
    done = post(client, practice_system, response(request.body["id"], encounter("finished")))

    assert done.status_code == 200, done.content
    referral.refresh_from_db()
    assert referral.status == Status.COMPLETED


def test_a_refusal_declines_the_referral_with_the_practice_s_reason(
    client, world, sent, practice_system
):
    referral, request = sent
    body = response(request.message_id, task("rejected", "Already under the memory clinic"))

    answer = post(client, practice_system, body)

    assert answer.status_code == 200, answer.content
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED
    assert referral.decline_reason == "Already under the memory clinic"


def test_the_same_response_twice_moves_the_referral_once(client, world, sent, practice_system):
    referral, request = sent
    body = response(request.message_id, encounter("planned"), message_id="answer-1")

    first = post(client, practice_system, body)
    again = post(client, practice_system, body)

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert history(referral).count(Status.ACCEPTED) == 1


def test_another_practice_cannot_answer_for_margaret_s(client, world, sent):
    referral, request = sent
    elsewhere = OrganisationFactory(name="Northgate Surgery", kind=OrganisationKind.GP_PRACTICE)
    doctor = UserFactory(username="dr-north")
    MembershipFactory(user=doctor, organisation=elsewhere, role=Role.NHS_CONNECTOR)
    their_system = create_token(doctor, "Northgate GP system")[1]

    answer = post(client, their_system, response(request.message_id, encounter("finished")))

    assert answer.status_code == 403
    assert ANSWERS in {e for i in issues(answer) for e in i.get("expression", [])}
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    assert not BarsMessage.objects.filter(direction=BarsMessage.Direction.IN).exists()


def test_an_answer_to_nothing_keepwell_sent_is_a_404(client, world, sent, practice_system):
    answer = post(client, practice_system, response("no-such-request", encounter("finished")))

    assert answer.status_code == 404
    assert answer.json()["resourceType"] == "OperationOutcome"


def test_a_step_the_referral_has_passed_is_a_conflict(client, world, sent, practice_system):
    referral, request = sent
    post(client, practice_system, response(request.message_id, task("rejected", "Not ours")))

    answer = post(client, practice_system, response(request.message_id, encounter("finished")))

    assert answer.status_code == 409
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED


def test_a_transient_error_leaves_the_referral_as_it_was(client, world, sent, practice_system):
    referral, request = sent
    body = response(request.message_id, code="transient-error")

    answer = post(client, practice_system, body)

    assert answer.status_code == 200
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_a_response_without_the_request_it_answers_is_a_400(client, world, sent, practice_system):
    body = response("", encounter("finished"))

    answer = post(client, practice_system, body)

    assert answer.status_code == 400
    assert ANSWERS in {e for i in issues(answer) for e in i.get("expression", [])}


def test_keepwell_reads_its_own_answers_by_their_business_status():
    body = response(
        "request-1",
        {
            "resourceType": "Task",
            "id": "t1",
            "status": "in-progress",
            "businessStatus": {"coding": [{"system": status_system(), "code": "contacted"}]},
        },
    )

    found = read_response(body, status_system=status_system())

    assert (found.status, found.status_at) == (
        "contacted",
        "Bundle.entry[1].resource.businessStatus",
    )


@settings(max_examples=200, deadline=None)
@given(
    data=json_values,
    header=st.dictionaries(st.sampled_from(["id", "response", "focus", "source"]), json_values),
)
def test_the_response_reader_never_fails_on_any_json(data, header):
    body = {
        "resourceType": "Bundle",
        "type": "message",
        "entry": [
            {"resource": {"resourceType": "MessageHeader", **header}},
            {"resource": data if isinstance(data, dict) else {"resourceType": "Encounter"}},
        ],
    }

    found = read_response(body, status_system=status_system())

    assert all(issue.severity == "error" for issue in found.problems)
    assert found.status in {"", *Status.values}


def test_the_published_validation_response_moves_nothing(client, world, sent, practice_system):
    """BaRS's published ValidationResponse (trimmed: tests/data/bars/README.md), answering
    a referral keepwell sent: a validation answer is a warning, never a step."""
    referral, request = sent
    body = json.loads((DATA / "validation-response-trimmed.json").read_text())
    body["entry"][0]["resource"]["response"]["identifier"] = request.message_id

    answer = post(client, practice_system, body)

    assert answer.status_code == 200, answer.content
    assert any("validation response" in i["diagnostics"] for i in issues(answer, "warning"))
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    # As published, it answers a request keepwell never sent.
    unknown = json.loads((DATA / "validation-response-trimmed.json").read_text())
    unknown["entry"][0]["resource"]["id"] = "another-answer"
    assert post(client, practice_system, unknown).status_code == 404


def test_a_response_id_longer_than_keepwell_keeps_is_named_not_cut():
    found = read_response(
        response("request-1", message_id="x" * 101), status_system=status_system()
    )

    assert [(p.expression, p.code) for p in found.problems] == [
        ("Bundle.entry[0].resource.id", "too-long")
    ]
