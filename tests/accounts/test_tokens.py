"""API tokens: made by a user, shown once, stored hashed, revocable, no stronger than the user."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from keepwell.accounts.models import ApiToken, hash_token
from keepwell.accounts.services import create_token, revoke_token
from keepwell.audit.models import AuditEvent


def _bearer(client, raw, path):
    return client.get(path, headers={"Authorization": f"Bearer {raw}"})


def test_a_token_made_on_the_account_page_is_shown_once_and_stored_hashed(as_user, world):
    client = as_user(world.priya)
    response = client.post("/accounts/tokens/", {"name": "Practice clinical system"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=world.priya)
    html = response.content.decode()
    raw = html.split('id="token-value" class="keepwell-token">')[1].split("<")[0]
    assert raw.startswith("kw_")
    assert token.key_hash == hash_token(raw)
    assert raw not in ApiToken.objects.values_list("key_hash", flat=True)
    account = client.get("/accounts/").content.decode()
    assert raw not in account
    assert "Practice clinical system" in account


def test_a_token_needs_a_name(as_user, world):
    response = as_user(world.priya).post("/accounts/tokens/", {"name": ""})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_token_acts_as_its_user_and_no_more(client, world):
    _, priya_raw = create_token(world.priya, "GP system")
    _, jo_raw = create_token(world.jo, "my script")
    me = _bearer(client, priya_raw, "/api/me").json()
    assert me["username"] == "priya"
    assert me["roles"] == ["nhs_connector"]
    margaret = world.margaret_person.pk
    assert _bearer(client, priya_raw, f"/api/people/{margaret}").status_code == 200
    assert _bearer(client, jo_raw, f"/api/people/{margaret}").status_code == 403
    far = world.faraway_person.pk
    assert _bearer(client, priya_raw, f"/api/people/{far}").status_code == 403


def test_reading_a_person_through_the_api_is_audited(client, world):
    _, raw = create_token(world.priya, "GP system")
    _bearer(client, raw, f"/api/people/{world.margaret_person.pk}")
    event = AuditEvent.objects.get(person_id=world.margaret_person.pk, action="read")
    assert event.actor == world.priya
    assert event.via == "api"


def test_a_revoked_token_stops_working(client, world):
    token, raw = create_token(world.priya, "GP system")
    assert _bearer(client, raw, "/api/me").status_code == 200
    revoke_token(token)
    response = _bearer(client, raw, "/api/me")
    assert response.status_code == 401
    assert response.json() == {"message": "Sign in or send a valid API token"}


def test_an_unknown_token_gets_a_json_401(client, world):
    response = _bearer(client, "kw_not-a-real-token", "/api/me")
    assert response.status_code == 401
    assert "message" in response.json()


def test_nobody_can_revoke_someone_elses_token(as_user, world):
    token, _ = create_token(world.priya, "GP system")
    response = as_user(world.sam).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_the_token_command_creates_lists_and_revokes(world, capsys):
    call_command("token", "create", "sam", "--name", "weekly report")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(user=world.sam)
    assert token.key_hash == hash_token(raw)
    call_command("token", "list", "sam")
    assert "weekly report" in capsys.readouterr().out
    call_command("token", "revoke", "sam", token.hint)
    token.refresh_from_db()
    assert not token.is_active


def test_the_token_command_names_an_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nobody"):
        call_command("token", "create", "nobody")
