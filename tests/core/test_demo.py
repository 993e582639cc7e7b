"""The Wellbrook demo place: one login per role, fictional data, and loading twice is harmless."""

from __future__ import annotations

from django.apps import apps
from django.core.management import call_command

from keepwell.accounts.models import Role, User
from keepwell.demo.place import DEMO_USERS


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label
        not in {"audit", "sessions", "contenttypes", "admin", "django_tasks_db", "auth"}
    }


def test_loading_the_demo_twice_never_duplicates_anything(db, capsys):
    call_command("demo", "--load-only")
    first = _counts()
    call_command("demo", "--load-only")
    assert _counts() == first
    assert first["people.Person"] >= 40
    out = capsys.readouterr().out
    for username, *_ in DEMO_USERS:
        assert username in out
    assert "wellbrook-demo" in out


def test_there_is_one_demo_login_per_role(db):
    call_command("demo", "--load-only")
    roles = {role for user in User.objects.all() for role in user.roles}
    assert roles >= {r.value for r in Role}
    assert User.objects.get(username="member").person.full_name == "Margaret Evans"


def test_demo_postcodes_are_marked_as_made_up(db):
    from keepwell.places.models import PostcodeLocation

    call_command("demo", "--load-only")
    assert PostcodeLocation.objects.exists()
    assert not PostcodeLocation.objects.filter(is_demo=False).exists()
    assert all(
        pc.startswith("WB") for pc in PostcodeLocation.objects.values_list("postcode", flat=True)
    )
