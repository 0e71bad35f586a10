"""Kill the bill run mid-way (a real process, SIGKILL), run it again: the ledger verifies and
nothing is billed twice. On PostgreSQL the processes use the test database itself; SQLite's
test database lives in memory, so it is copied to a file the processes share."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from servicebook.billing.models import BillCycle, CatalogItem
from servicebook.billing.recurring import recurring_charge_add
from servicebook.billing.services import billing_profile_set
from servicebook.core.testing.factories import (
    make_account,
    make_catalog_item,
    make_tax_code,
    make_user,
)
from servicebook.customers.services import agreement_add

# The chart of ledger accounts and the bill cycles a flush takes are put back by the root
# conftest (core/testing/reference.py).
pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNTS = 60
CHUNK = 6
SERVICEBOOK = str(Path(sys.executable).parent / "servicebook")


def _database_url(tmp_path: Path) -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
        return f"postgres://{auth}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    target = tmp_path / "billrun.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
    return f"sqlite:///{target}"


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DATABASE_URL=url, DEBUG="true", LOG_LEVEL="WARNING")
    return env


def _query(url: str, sql: str):
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute(sql).fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _seed():
    admin = make_user("admin")
    tax = make_tax_code("standard", "0.0800")
    item = make_catalog_item(
        "internet", kind="recurring", price="60.00", tax_code=tax, revenue_code="4200"
    )
    cycle = BillCycle.objects.get(number=1)
    for _ in range(ACCOUNTS):
        account = make_account(actor=admin, phone=None)
        billing_profile_set(account=account, cycle=cycle, actor=admin)
        agreement = agreement_add(
            account=account,
            kind="internet",
            description="Internet",
            start_date=dt.date(2026, 1, 1),
            actor=admin,
        )
        recurring_charge_add(
            agreement=agreement, catalog_item=item, start_date=dt.date(2026, 6, 1), actor=admin
        )
    assert CatalogItem.objects.count() == 1


@pytest.mark.parametrize("mode", ["bulk", "service"])
def test_a_killed_bill_run_resumes_with_nothing_billed_twice(tmp_path, settings, mode):
    settings.BILLING_MAX_BACKDATE_DAYS = 100_000
    _seed()
    url = _database_url(tmp_path)
    command = [
        SERVICEBOOK,
        "bill-run",
        "--cycle",
        "1",
        "--period",
        "2026-06",
        "--issued-on",
        "2026-06-01",
        "--chunk",
        str(CHUNK),
        "--mode",
        mode,
    ]
    process = subprocess.Popen(
        command, env=_env(url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    seen = []
    deadline = time.monotonic() + 120
    # Kill it once two chunks are committed: it is then in the middle of the third.
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if "chunk     2" in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    (done,) = _query(url, "SELECT COUNT(*) FROM billing_billrunitem")[0]
    assert CHUNK * 2 <= done < ACCOUNTS, "the kill should land mid-way"

    again = subprocess.run(command, env=_env(url), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Run is completed" in again.stdout

    verify = subprocess.run(
        [SERVICEBOOK, "ledger-verify"], env=_env(url), capture_output=True, text=True, timeout=300
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr

    assert _query(url, "SELECT COUNT(*), COUNT(DISTINCT account_id) FROM billing_billrunitem") == [
        (ACCOUNTS, ACCOUNTS)
    ]
    assert _query(url, "SELECT COUNT(*), COUNT(DISTINCT account_id) FROM billing_invoice") == [
        (ACCOUNTS, ACCOUNTS)
    ]
    assert _query(url, "SELECT COUNT(*) FROM ledger_openitem") == [(ACCOUNTS,)]
    (total,) = _query(url, "SELECT SUM(balance) FROM ledger_accountbalance")[0]
    assert Decimal(str(total)).quantize(Decimal("0.01")) == Decimal("64.80") * ACCOUNTS
    statuses = _query(url, "SELECT status, attempts FROM billing_billrun")
    assert statuses == [("completed", 2)]
