#!/usr/bin/env bash
# Everything CI checks, in order; stops at the first failure.
# With CI=true, PostgreSQL (127.0.0.1:5432, user postgres) and Chromium are required;
# elsewhere the steps that need them are skipped with a message saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export KEEPWELL_SECRET_KEY="${KEEPWELL_SECRET_KEY:-test-only-secret-key-not-for-production-0123456789abcdef}"
export KEEPWELL_HTTPS=false
CI="${CI:-false}"
PG_URL="${KEEPWELL_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/keepwell}"
CHROMIUM="${KEEPWELL_CHROMIUM:-/usr/bin/chromium}"
# pytest-xdist workers for the suites without a browser (each gets its own test database).
WORKERS="${KEEPWELL_TEST_WORKERS:-auto}"

step() { printf '\n== %s\n' "$*"; }

step "ruff format --check and ruff check"
$BIN/ruff format --check keepwell tests bench
$BIN/ruff check keepwell tests bench

step "mypy on the pure cores (the files listed under [tool.mypy] in pyproject.toml)"
$BIN/mypy

step "architecture contract (tests/test_architecture.py; the suite runs it again)"
$BIN/python -m pytest -q -p no:xdist tests/test_architecture.py

step "manage.py check and makemigrations --check"
mkdir -p var  # the default SQLite database lives here; makemigrations looks at its history
$BIN/keepwell check --fail-level WARNING
$BIN/keepwell makemigrations --check --dry-run

step "suite on SQLite"
env -u DATABASE_URL $BIN/python -m pytest -m "not browser" -q -n "$WORKERS"

pg_answers() {
  $BIN/python - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
except Exception as exc:
    print(exc, file=sys.stderr); sys.exit(1)
PY
}

if pg_answers; then
  step "suite on PostgreSQL"
  DATABASE_URL="$PG_URL" $BIN/python -m pytest -m "not browser" -q -n "$WORKERS"
elif [ "$CI" = "true" ]; then
  echo "PostgreSQL does not answer at $PG_URL and CI=true requires it" >&2; exit 1
else
  step "PostgreSQL skipped: nothing answers at $PG_URL"
fi

if [ -x "$CHROMIUM" ]; then
  step "browser tests in Chromium ($CHROMIUM)"
  # Two workers, each with its own Chromium, live server and in-memory copy of the demo.
  DJANGO_ALLOW_ASYNC_UNSAFE=true env -u DATABASE_URL $BIN/python -m pytest -m browser -q -n 2
elif [ "$CI" = "true" ]; then
  echo "Chromium is missing at $CHROMIUM and CI=true requires it" >&2; exit 1
else
  step "browser tests skipped: no Chromium at $CHROMIUM (apt-get install chromium)"
fi
