"""Bad BaRS messages: each problem named by FHIRPath, answered 400 (or 404, 422), nothing
written; and no shape of JSON makes keepwell fail."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwell.accounts.services import create_token
from keepwell.referrals.bars.message import read
from tests.referrals.test_bars_receiving import (
    EXAMPLES,
    example,
    expressions,
    issues,
    nothing_written,
    post,
)

SERVICE_REQUEST = 1  # the entry of the ServiceRequest in the 999 example


@pytest.fixture
def priya_token(world):
    return create_token(world.priya, "GP system")[1]


def _drop_header(data):
    del data["entry"][0]


def _focus_elsewhere(data):
    data["entry"][0]["resource"]["focus"][0]["reference"] = "urn:uuid:not-in-the-bundle"


def _subject_and_requester_elsewhere(data):
    request = data["entry"][SERVICE_REQUEST]["resource"]
    request["subject"]["reference"] = "urn:uuid:nobody"
    request["requester"]["reference"] = "Practitioner/nobody"


def _a_collection(data):
    data["type"] = "collection"


def _an_entry_is_a_string(data):
    data["entry"][3] = "Patient"


def _reason_delete(data):
    data["entry"][0]["resource"]["reason"]["coding"][0]["code"] = "delete"


def _nul_in_a_name(data):
    data["entry"][3]["resource"]["name"][0]["family"] = "Jo\x00nes"


def _a_long_message_id(data):
    data["entry"][0]["resource"]["id"] = "x" * 101


def _no_patient_name(data):
    del data["entry"][3]["resource"]["name"]


def _a_bad_postcode(data):
    data["entry"][3]["resource"]["address"][0]["postalCode"] = "NOT A POSTCODE"


def _a_bad_birth_date(data):
    data["entry"][3]["resource"]["birthDate"] = "1959-02-31"


def _no_event(data):
    del data["entry"][0]["resource"]["eventCoding"]


@pytest.mark.parametrize(
    ("change", "where", "code"),
    [
        (_drop_header, {"Bundle.entry[0].resource.resourceType"}, "required"),
        (_focus_elsewhere, {"Bundle.entry[0].resource.focus[0].reference"}, "not-found"),
        (
            _subject_and_requester_elsewhere,
            {
                "Bundle.entry[1].resource.subject.reference",
                "Bundle.entry[1].resource.requester.reference",
            },
            "required",
        ),
        (_a_collection, {"Bundle.type"}, "invalid"),
        (_an_entry_is_a_string, {"Bundle.entry[3]"}, "invalid"),
        (_reason_delete, {"Bundle.entry[0].resource.reason.coding[0].code"}, "not-supported"),
        (_nul_in_a_name, {"Bundle.entry[3].resource.name[0].family"}, "invalid"),
        (_a_long_message_id, {"Bundle.entry[0].resource.id"}, "too-long"),
        (_no_patient_name, {"Bundle.entry[3].resource.name"}, "required"),
        (_a_bad_postcode, {"Bundle.entry[3].resource.address[0].postalCode"}, "value"),
        (_a_bad_birth_date, {"Bundle.entry[3].resource.birthDate"}, "value"),
        (_no_event, {"Bundle.entry[0].resource.eventCoding"}, "required"),
    ],
)
def test_each_problem_is_named_and_nothing_is_written(
    client, world, befriending, priya_token, change, where, code
):
    data = copy.deepcopy(example(EXAMPLES[1]))
    change(data)

    response = post(client, priya_token, data, service=befriending)

    assert response.status_code == 400, response.content
    assert expressions(response, "error") == where
    assert issues(response)[0]["code"] == code
    assert {i["details"]["coding"][0]["code"] for i in issues(response)} == {"REC_BAD_REQUEST"}
    nothing_written()


def test_a_booking_is_an_event_keepwell_does_not_handle(client, world, befriending, priya_token):
    response = post(client, priya_token, example("booking-appointment.json"), service=befriending)

    assert response.status_code == 400
    named = {i["expression"][0]: i for i in issues(response)}
    assert set(named) == {
        "Bundle.entry[0].resource.id",  # no id: a repeat could not be known
        "Bundle.entry[0].resource.eventCoding.code",
        "Bundle.entry[0].resource.reason.coding[0].code",
        "Bundle.entry[0].resource.focus[0].reference",
    }
    issue = named["Bundle.entry[0].resource.eventCoding.code"]
    assert issue["code"] == "not-supported"
    assert "not 371528001" in issue["diagnostics"]
    nothing_written()


def test_a_target_header_that_is_not_base64_json_is_a_400(client, world, befriending, priya_token):
    body = json.dumps(example(EXAMPLES[1]))
    response = client.post(
        "/api/fhir/$process-message",
        body,
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {priya_token}",
        HTTP_NHSD_TARGET_IDENTIFIER="not base64!",
    )

    assert response.status_code == 400
    assert "NHSD-Target-Identifier" in issues(response)[0]["diagnostics"]
    nothing_written()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
resource_types = st.sampled_from(
    ["MessageHeader", "ServiceRequest", "Patient", "Flag", "Consent", "Organization"]
)
bundles = st.fixed_dictionaries(
    {
        "resourceType": st.just("Bundle"),
        "type": st.sampled_from(["message", "collection"]),
        "entry": st.lists(
            st.fixed_dictionaries(
                {"resource": st.dictionaries(st.text(max_size=8), json_values, max_size=5)},
                optional={"fullUrl": st.text(max_size=12)},
            ).map(lambda e: {**e, "resource": e["resource"]}),
            max_size=4,
        ),
    }
)


def _typed(draw_types, bundle):
    for entry, kind in zip(bundle["entry"], draw_types, strict=False):
        entry["resource"]["resourceType"] = kind
    return bundle


@settings(max_examples=300, deadline=None)
@given(data=json_values | st.builds(_typed, st.lists(resource_types, max_size=4), bundles))
def test_the_reader_never_fails_on_any_json(data):
    message = read(data, service_system="https://keepwell.example/fhir/Id/service")
    assert all(issue.severity == "error" for issue in message.problems)
    assert message.problems or message.patient is not None


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*path, key))
    elif isinstance(value, list):
        for n, child in enumerate(value):
            yield from _paths(child, (*path, n))


EXAMPLE_PATHS = [p for p in _paths(example(EXAMPLES[1])) if p]


def _mutated(path, replacement, drop):
    data = copy.deepcopy(example(EXAMPLES[1]))
    *parent_path, last = path
    parent = data
    for step in parent_path:
        parent = parent[step]
    if drop and isinstance(parent, dict):
        del parent[last]
    else:
        parent[last] = replacement
    return data


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(EXAMPLE_PATHS),
    replacement=json_values,
    drop=st.booleans(),
)
def test_a_mutated_example_is_answered_never_a_server_error(
    client, world, befriending, priya_token, path, replacement, drop
):
    data = _mutated(path, replacement, drop)

    response = post(client, priya_token, data, service=befriending)

    assert response.status_code in {200, 400, 404, 409, 422}, response.content
    body = response.json()
    assert body["resourceType"] in {"Bundle", "OperationOutcome"}
    if response.status_code != 200:
        assert body["resourceType"] == "OperationOutcome"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=json_values)
def test_any_json_at_the_endpoint_is_a_400_never_a_server_error(
    client, world, befriending, priya_token, data
):
    response = post(client, priya_token, json.dumps(data), service=befriending)

    assert response.status_code == 400, response.content
    assert response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    ("number", "where"),
    [
        ("Infinity", {"Bundle.entry[1].resource.priority"}),
        ("NaN", {"Bundle.entry[1].resource.priority"}),
        ("9" * 5000, set()),
    ],
)
def test_numbers_no_database_keeps_are_a_400(
    client, world, befriending, priya_token, number, where
):
    data = example(EXAMPLES[1])
    data["entry"][SERVICE_REQUEST]["resource"]["priority"] = "PLACEHOLDER"
    body = json.dumps(data).replace('"PLACEHOLDER"', number)

    response = post(client, priya_token, body, service=befriending)

    assert response.status_code == 400, response.content
    assert expressions(response) >= where
    nothing_written()


def test_consent_given_in_the_future_is_a_400(client, world, befriending, priya_token):
    data = example(EXAMPLES[0])
    data["entry"][21]["resource"]["dateTime"] = "9999-12-31"

    response = post(client, priya_token, data, service=befriending)

    assert response.status_code == 400
    assert expressions(response) == {"Bundle.entry[21].resource.dateTime"}
    nothing_written()
