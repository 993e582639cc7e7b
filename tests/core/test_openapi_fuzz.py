"""A client generator and a fuzzer can trust /api/openapi.json: schemathesis calls every
operation with inputs drawn from the document (valid ones, and invalid ones it expects
refused) and checks that keepwell never answers with a server error, and that each answer's
status, content type and body are the ones the document lists for that operation.

It runs in the test database, in the test's transaction, so nothing a fuzzed write changes
outlives the test. Bounded and derandomized, so it is quick and the same on every run.
"""

from __future__ import annotations

import os
from collections import defaultdict

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from keepwell.accounts.services import create_token
from tests.help.factories import make_request, need
from tests.referrals.factories import ServiceFactory, refer

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
# Per operation and generation mode: enough to find a 500, quick enough for every run. Set
# KEEPWELL_FUZZ_EXAMPLES=500 (say) for a longer hunt.
FHIR = "application/fhir+json"
EXAMPLES = int(os.environ.get("KEEPWELL_FUZZ_EXAMPLES", "12"))


@pytest.fixture
def app(db):
    """keepwell as a WSGI app whose requests share the test's connection and transaction.

    A WSGI request closes connections that look stale when it starts and ends, and inside
    the test's transaction the test's own connection looks so; Django's test client avoids
    that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def things_to_find(world):
    """A task and a referral, so some fuzzed ids find something to read or change."""
    need("shopping")
    request = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    return request.tasks.get(), refer(world, ServiceFactory(organisation=world.mutual_aid))


@pytest.mark.parametrize("persona", ["sam", "alex"])
def test_every_operation_answers_as_the_openapi_document_says(
    app, world, things_to_find, persona, monkeypatch
):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    _, token = create_token(world.persona(persona), "fuzzer")
    # Notify's callbacks take their own token: the fuzzer holds that one as well.
    monkeypatch.setattr(django_settings, "KEEPWELL_NOTIFY_CALLBACK_TOKEN", token)
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    answered = defaultdict(set)
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, headers, answered[operation.label])
    # The token was taken: every operation answered something other than "sign in".
    assert all(statuses - {401} for statuses in answered.values()), dict(answered)
    assert 200 in answered["GET /api/me"]


def _fuzz(operation, mode, headers: dict, answered: set) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case):
        answered.add(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

    call()


def test_the_document_lists_the_errors_each_operation_can_answer(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    person = paths["/api/people/{person_id}"]["get"]["responses"]
    assert {"200", "401", "403", "404", "422"} <= set(person)
    error = person["404"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}
    fhir_post = paths["/api/fhir/Bundle"]["post"]
    assert {"201", "400", "401", "403", "413", "415", "422"} <= set(fhir_post["responses"])
    assert "200" not in fhir_post["responses"]
    outcome = fhir_post["responses"]["400"]["content"][FHIR]["schema"]
    assert outcome == {"$ref": "#/components/schemas/OperationOutcome"}
    # Every error of a FHIR route, the API's own included, is an OperationOutcome.
    for status in ("401", "403", "422"):
        assert set(fhir_post["responses"][status]["content"]) == {FHIR}, status
    body = fhir_post["requestBody"]["content"]
    assert set(body) == {FHIR, "application/json"}
    for operations in paths.values():
        for operation in operations.values():
            statuses = set(operation["responses"])
            assert "401" in statuses, operation["operationId"]
            if operation["parameters"] or "requestBody" in operation:
                assert "422" in statuses, operation["operationId"]
            if "requestBody" in operation:
                assert {"400", "413"} <= statuses, operation["operationId"]


@pytest.mark.parametrize(
    "path, content_type",
    [("/api/help/tasks/{task_id}/offer", "application/json"), ("/api/fhir/Bundle", FHIR)],
)
def test_a_change_without_a_valid_token_is_refused_as_the_document_says(db, path, content_type):
    client = Client(enforce_csrf_checks=True)  # as a real script or GP system meets it
    documented = client.get("/api/openapi.json").json()["paths"][path]["post"]["responses"]
    response = client.post(
        path.format(task_id=1),
        "{}",
        content_type=content_type,
        headers={"Authorization": "Bearer kw_expired"},
    )
    assert response.status_code == 401
    media_type = response["Content-Type"].split(";")[0]
    assert media_type == content_type  # FHIR routes answer an OperationOutcome, others JSON
    assert media_type in documented["401"]["content"]
    body = response.json()
    message = body["issue"][0]["diagnostics"] if media_type == FHIR else body["message"]
    assert message == "Sign in or send a valid API token"


def test_a_signed_in_browser_session_without_the_csrf_token_is_refused_as_documented(
    as_user, world
):
    client = as_user(world.sam)
    client.handler.enforce_csrf_checks = True
    documented = client.get("/api/openapi.json").json()["paths"]["/api/fhir/Bundle"]["post"]
    response = client.post("/api/fhir/Bundle", "{}", content_type=FHIR)
    assert response.status_code == 403
    assert response["Content-Type"].startswith(FHIR)
    assert response.json()["issue"][0]["diagnostics"] == "CSRF check Failed"
    assert FHIR in documented["responses"]["403"]["content"]
