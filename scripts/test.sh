#!/usr/bin/env bash
# make test: the suite on SQLite; under CI=true also on PostgreSQL, plus lint, migrations
# and the production deploy check. Says plainly what it skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL=${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/servicebook}
skipped=()

echo "== ruff"
$BIN/ruff check .
$BIN/ruff format --check .

echo "== migrations are up to date"
DEBUG=true DATABASE_URL= $BIN/servicebook makemigrations --check --dry-run >/dev/null

echo "== check --deploy on production settings"
DEBUG=false SECRET_KEY="$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
  ALLOWED_HOSTS=servicebook.example.com DATABASE_URL= \
  $BIN/servicebook check --deploy --fail-level WARNING

if [ "${CI:-}" = "true" ]; then
  export SERVICEBOOK_REQUIRE_BROWSER=1
  # Ask the server itself (its maintenance database): the test run creates its own database.
  if ! $BIN/python - "$PG_URL" <<'PY' 2>/dev/null
import sys
from urllib.parse import urlsplit

import psycopg

url = urlsplit(sys.argv[1])
psycopg.connect(
    host=url.hostname, port=url.port or 5432, user=url.username or "postgres",
    password=url.password, dbname="postgres", connect_timeout=5,
).close()
PY
  then
    echo "FAIL: CI=true but no PostgreSQL answers at ${PG_URL}; the suite must run on PostgreSQL in CI." >&2
    exit 1
  fi
  # The two runs side by side, one per core: each has its own database, its own ports (the
  # live server and the SMTP test server bind port 0) and no shared files, and together they
  # take the time of the longer one rather than the sum (docs/operations.md, "Tests").
  pg_log=$(mktemp)
  echo "== tests on PostgreSQL (${PG_URL}), in the background; its output follows SQLite's"
  DATABASE_URL="$PG_URL" $BIN/pytest --durations=15 "$@" >"$pg_log" 2>&1 &
  pg_pid=$!
  trap 'kill "$pg_pid" 2>/dev/null || true' EXIT
  echo "== tests on SQLite"
  sqlite_rc=0
  DATABASE_URL= $BIN/pytest --durations=15 "$@" || sqlite_rc=$?
  pg_rc=0
  wait "$pg_pid" || pg_rc=$?
  trap - EXIT
  echo "== tests on PostgreSQL (${PG_URL})"
  cat "$pg_log"
  rm -f "$pg_log"
  if [ "$sqlite_rc" -ne 0 ] || [ "$pg_rc" -ne 0 ]; then
    echo "FAIL: tests on SQLite exited ${sqlite_rc}, on PostgreSQL ${pg_rc}" >&2
    exit 1
  fi
else
  echo "== tests on SQLite"
  DATABASE_URL= $BIN/pytest "$@"
  skipped+=("the PostgreSQL run (CI=true runs it; 'make test-postgres' runs it here)")
fi

if ! command -v chromium >/dev/null 2>&1 && ! [ -x /usr/bin/chromium ]; then
  skipped+=("the browser tests: no Chromium found (install Debian's 'chromium'; .ci/run does)")
fi

if [ ${#skipped[@]} -gt 0 ]; then
  echo
  echo "Passed, but skipped:"
  for s in "${skipped[@]}"; do echo "  - $s"; done
fi
