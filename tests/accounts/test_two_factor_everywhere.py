"""A password alone opens nothing that shows a record: not the pages, not the API, not the
admin. A staff session counts as signed in only once the one-time code has passed."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from keepwell.accounts.models import LoginFailure
from keepwell.accounts.services import create_token
from keepwell.help.models import TaskState
from tests.help.factories import make_request, make_volunteer

PASSWORD = "a long enough passphrase 2026"


@pytest.fixture
def sam(world):
    """Sam the coordinator, with a password and an authenticator app set up."""
    world.sam.set_password(PASSWORD)
    world.sam.save()
    TOTPDevice.objects.create(user=world.sam, name="phone", confirmed=True)
    return world.sam


@pytest.fixture
def alex(world):
    world.alex.set_password(PASSWORD)
    world.alex.save()
    TOTPDevice.objects.create(user=world.alex, name="phone", confirmed=True)
    return world.alex


def _password_only(client, username):
    response = client.post("/accounts/sign-in/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session  # signed in with the password, no code yet
    return client


def _pass_the_code(client, user):
    device = TOTPDevice.objects.get(user=user)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post("/accounts/two-factor/", {"token": code, "next": "/"})
    assert response.status_code == 302


def test_a_password_alone_reads_no_one_through_the_api(client, sam, world):
    _password_only(client, "sam")
    listing = client.get("/api/people/")
    assert listing.status_code == 401
    assert listing.json() == {"message": "Sign in or send a valid API token"}
    assert "Smith" not in listing.content.decode()
    record = client.get(f"/api/people/{world.riverside_person.pk}")
    assert record.status_code == 401
    assert "John" not in record.content.decode()
    assert client.get("/api/me").status_code == 401


def test_a_password_alone_changes_nothing_through_the_api(client, sam, world):
    task = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    ).tasks.get()
    volunteer = make_volunteer(world.mutual_aid, user=world.jo)
    _password_only(client, "sam")
    response = client.post(
        f"/api/help/tasks/{task.pk}/offer",
        {"volunteer_id": volunteer.pk},
        content_type="application/json",
    )
    assert response.status_code == 401
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def test_after_the_one_time_code_the_same_session_may_use_the_api(client, sam, world):
    _password_only(client, "sam")
    assert client.get("/api/people/").status_code == 401
    _pass_the_code(client, sam)
    response = client.get("/api/people/")
    assert response.status_code == 200
    assert "Smith" in response.content.decode()


def test_a_token_still_works_without_a_session(client, sam, world):
    _, raw = create_token(sam, "clinical system")
    response = client.get("/api/people/", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200


def test_a_volunteer_needs_no_code_for_the_api(client, world):
    world.jo.set_password(PASSWORD)
    world.jo.save()
    _password_only(client, "jo")
    assert client.get("/api/me").json()["username"] == "jo"


@override_settings(REQUIRE_TWO_FACTOR=False)
def test_with_two_factor_switched_off_a_password_session_uses_the_api(client, sam):
    _password_only(client, "sam")
    assert client.get("/api/people/").status_code == 200


def test_the_admin_sign_in_page_takes_no_password_and_sends_staff_to_keepwells(client, alex):
    response = client.post("/admin/login/?next=/admin/", {"username": "alex", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=%2Fadmin%2F"
    assert "_auth_user_id" not in client.session
    assert client.get("/api/people/").status_code == 401


def test_the_admin_sign_in_never_redirects_to_another_site(client):
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/sign-in/?next=%2Fadmin%2F"


def test_wrong_passwords_at_the_admin_are_throttled_like_anywhere_else(client, alex):
    # The admin's form no longer takes passwords, so guesses go to keepwell's sign-in,
    # which counts them: the sixth try is locked even with the right password.
    for _ in range(6):
        client.post("/admin/login/", {"username": "alex", "password": "guess"})
        client.post("/accounts/sign-in/", {"username": "alex", "password": "guess"})
    assert LoginFailure.objects.filter(username="alex").count() >= 5
    locked = client.post("/accounts/sign-in/", {"username": "alex", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_admin_opens_only_after_the_one_time_code(client, alex):
    _password_only(client, "alex")
    before = client.get("/admin/")
    assert before.status_code == 302
    assert before["Location"].startswith("/accounts/two-factor/")
    _pass_the_code(client, alex)
    assert client.get("/admin/").status_code == 200
    assert "keepwell administration" in client.get("/admin/").content.decode()


def test_the_admin_refuses_a_session_that_is_not_verified_even_past_the_middleware(rf, alex):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = alex
    alex.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    alex.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_the_admin_never_shows_a_second_factors_secret(client, alex):
    """An admin who could read Sam's device key or QR code could copy his second factor:
    the admin shows neither, for a device that exists or one made up."""
    from keepwell.accounts.services import confirm_totp_device, start_totp_device
    from tests.factories import UserFactory

    sam = UserFactory(username="sam-device")
    device = start_totp_device(sam)
    confirm_totp_device(device)
    _password_only(client, "alex")
    _pass_the_code(client, alex)
    change = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")

    assert change.status_code == 200 and "Change TOTP device" in change.content.decode()
    assert device.key not in change.content.decode()
    for pk in (device.pk, 99999999999999999999999):
        for view in ("config", "qrcode"):
            assert client.get(f"/admin/otp_totp/totpdevice/{pk}/{view}/").status_code == 403
