"""Settings come from the environment and fail loudly, naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "KEEPWELL_SECRET_KEY": "x" * 60 + "production-like-secret-with-enough-entropy",
    "KEEPWELL_ALLOWED_HOSTS": "keepwell.example.org",
    "KEEPWELL_CSRF_TRUSTED_ORIGINS": "https://keepwell.example.org",
}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KEEPWELL_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KEEPWELL_DEBUG", "perhaps"),
        ("KEEPWELL_LOGIN_FAILURE_LIMIT", "five"),
        ("KEEPWELL_DIRECTORY_STALE_MONTHS", "0"),
        ("KEEPWELL_OUTCOME_FOLLOWUP_WEEKS", "8,six months"),
        ("KEEPWELL_REFERRAL_ACCEPT_WORKING_DAYS", "0"),
        ("KEEPWELL_MATCHING_ROUTING_SECONDS", "0"),
        ("KEEPWELL_DB_CONN_MAX_AGE", "-1"),
        ("DATABASE_URL", "mysql://root@localhost/keepwell"),
        ("KEEPWELL_TASKS_BACKEND", "celery"),
    ],
)
def test_a_bad_value_stops_start_up_with_a_message_naming_the_variable(name, value):
    result = _run(["-c", "import keepwell.settings"], {**PRODUCTION, name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr


def test_production_without_a_secret_key_refuses_to_start():
    result = _run(["-c", "import keepwell.settings"], {"KEEPWELL_ALLOWED_HOSTS": "x.org"})
    assert result.returncode != 0
    assert "KEEPWELL_SECRET_KEY" in result.stderr


def test_a_secret_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-" + "y" * 50 + "\n")
    code = (
        "from django.conf import settings; import django; django.setup(); "
        "print(settings.SECRET_KEY)"
    )
    result = _run(
        ["-c", code],
        {"KEEPWELL_SECRET_KEY_FILE": str(secret), "DJANGO_SETTINGS_MODULE": "keepwell.settings"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from-a-file-" + "y" * 50


def test_check_deploy_prints_no_warnings_with_the_production_variables(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**PRODUCTION, "KEEPWELL_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_passwords_are_hashed_with_argon2_in_production():
    from keepwell import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_two_factor_is_on_unless_debug_or_demo():
    code = "import keepwell.settings as s; print(s.REQUIRE_TWO_FACTOR)"
    assert _run(["-c", code], PRODUCTION).stdout.strip() == "True"
    assert _run(["-c", code], {**PRODUCTION, "KEEPWELL_DEMO": "true"}).stdout.strip() == "False"


def test_postgresql_keeps_connections_for_a_minute_and_sqlite_does_not():
    code = (
        "from keepwell.settings import DATABASES; db = DATABASES['default']; "
        "print(db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'])"
    )
    on_postgres = _run(["-c", code], {**PRODUCTION, "DATABASE_URL": "postgres://u@db:5432/kw"})
    on_sqlite = _run(["-c", code], PRODUCTION)
    tuned = _run(
        ["-c", code],
        {**PRODUCTION, "DATABASE_URL": "postgres://u@db/kw", "KEEPWELL_DB_CONN_MAX_AGE": "0"},
    )

    assert on_postgres.stdout.split() == ["60", "True"], on_postgres.stderr
    assert on_sqlite.stdout.split()[0] == "0", on_sqlite.stderr
    assert tuned.stdout.split()[0] == "0", tuned.stderr
