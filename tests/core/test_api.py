"""The API speaks JSON, even when it says no."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from keepwell.accounts.services import create_token


def _get(client, raw, path):
    return client.get(path, headers={"Authorization": f"Bearer {raw}"})


def test_an_unauthenticated_call_gets_json_not_a_login_page(client, db):
    response = client.get("/api/people/")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]


def test_a_missing_person_is_a_json_404(client, world):
    _, raw = create_token(world.priya, "GP system")
    response = _get(client, raw, "/api/people/999999")
    assert response.status_code == 404
    assert response.json() == {"message": "Not found"}


def test_a_malformed_parameter_is_a_json_error_naming_it(client, world):
    _, raw = create_token(world.priya, "GP system")
    response = _get(client, raw, "/api/people/?limit=lots")
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "The request is not valid"
    assert "limit" in str(body["errors"])


def test_the_people_api_lists_only_the_records_a_user_holds(client, world):
    _, raw = create_token(world.sam, "script")
    names = {p["family_name"] for p in _get(client, raw, "/api/people/").json()}
    assert names == {"Evans", "Smith"}
    _, raw = create_token(world.jo, "script")
    assert _get(client, raw, "/api/people/").status_code == 403


def test_a_signed_in_browser_session_can_read_the_api(as_user, world):
    client = as_user(world.sam)
    assert client.get("/api/me").json()["username"] == "sam"


def test_the_openapi_description_is_published(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "keepwell API"


def _post(client, raw, path, body):
    return client.post(
        path, body, content_type="application/json", headers={"Authorization": f"Bearer {raw}"}
    )


def test_a_body_over_the_size_limit_is_a_json_413_not_a_page(client, world, settings):
    _, raw = create_token(world.sam, "Rota tool")
    body = '{"volunteer_id": 1, "padding": "' + "x" * (5 * 1024 * 1024) + '"}'
    response = _post(client, raw, "/api/help/tasks/1/offer", body)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes" in response.json()["message"]


@pytest.mark.parametrize("body", ['{"volunteer_id": ', "[" * 100_000])
def test_a_body_that_is_not_json_is_a_json_400(client, world, body):
    _, raw = create_token(world.sam, "Rota tool")
    response = _post(client, raw, "/api/help/tasks/1/offer", body)
    assert response.status_code == 400
    assert response.json() == {"message": "Cannot parse request body"}


@pytest.mark.parametrize("search", ["\x00", "Evans\x00", "x" * 201])
def test_a_search_keepwell_cannot_run_is_refused_naming_it(client, world, search):
    _, raw = create_token(world.sam, "script")
    response = _get(client, raw, f"/api/people/?search={quote(search)}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "search"]
