#!/usr/bin/env bash
# make run: migrate the embedded SQLite database, load the demo data once, start the worker
# and the web server, and print a login.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${1:-127.0.0.1}
PORT=${2:-8000}
SB=.venv/bin/servicebook
export DEBUG=${DEBUG:-true}
mkdir -p var

$SB migrate --noinput -v 0
$SB seed-demo --if-empty --accounts "${DEMO_ACCOUNTS:-2000}" --seed 7

$SB worker -v 0 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM

cat <<TXT

  Servicebook is running at http://$HOST:$PORT/
  Log in as  demo.rep / servicebook-demo-2026   (representative, tier I)
         or  demo.supervisor / servicebook-demo-2026   (supervisor: SLA policies, audit)
         or  demo.dispatcher / servicebook-demo-2026   (dispatcher: /scheduling/board/, plan tomorrow)
         or  demo.tech / servicebook-demo-2026   (technician Jordan Reyes: /scheduling/my-day/, phone-sized)
         or  demo.admin / servicebook-demo-2026   (administrator)
  API docs:  http://$HOST:$PORT/api/docs/
  Stop with Ctrl+C.

TXT
$SB runserver "$HOST:$PORT"
