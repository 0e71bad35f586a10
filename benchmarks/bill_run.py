"""Bill run throughput: `servicebook bill-run` over every bill cycle for one month, as real
processes (--workers of them, `--worker K/N` each, cycles one after another), timed from the
first start to the last exit, against a plain bulk insert of the same number of invoice rows
measured in the same run.

    nice -n 5 .venv/bin/python benchmarks/bill_run.py \
        --database-url postgres://postgres@127.0.0.1:5432/sb_bench_1m --workers 2

The database is one seeded by `servicebook seed-demo` (every account has a billing profile
on cycles 1-4 and recurring charges on its agreements). --period defaults to the first month
from the current one that no bill run has touched, so the script can be run again on the
same database (each run bills a new month and leaves its invoices there: it is a benchmark
database). The baseline copies as many invoice rows as the run wrote — the values of one
real invoice with distinct ids and numbers — into a scratch copy of the invoice table with
its indexes (`CREATE TABLE ... (LIKE billing_invoice INCLUDING ALL)`; COPY on PostgreSQL,
one executemany on SQLite), then drops it. The run writes far more than invoices (lines,
journal entries and lines, open items, balances, run items), so the ratio says what the
whole bill costs per account against the floor of writing one row per invoice.

Target (docs/benchmarks.md): 1,000,000 accounts in under 10 minutes on 2 cores (PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from common import describe_machine, parser, setup_django


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=2, help="bill-run processes in parallel")
    p.add_argument("--period", default=None, help="YYYY-MM (default: first unbilled month)")
    p.add_argument("--chunk", type=int, default=None, help="accounts per transaction")
    p.add_argument(
        "--cycles", default=None, help="e.g. 1 or 1,2: bill only these cycles (default: all)"
    )
    p.add_argument("--verify", action="store_true", help="run ledger-verify afterwards")
    args = p.parse_args()
    setup_django(args.database_url)

    from django.db import connection
    from django.db.models import Sum

    from servicebook.billing.models import (
        BillCycle,
        BillingProfile,
        BillRun,
        BillRunItem,
        Invoice,
        RecurringCharge,
    )
    from servicebook.customers.models import Account

    period = args.period
    if period is None:
        month = dt.date.today().replace(day=1)
        used = set(BillRun.objects.values_list("period", flat=True))
        while month.strftime("%Y-%m") in used:
            month = (month + dt.timedelta(days=32)).replace(day=1)
        period = month.strftime("%Y-%m")
    cycles = list(BillCycle.objects.order_by("number").values_list("number", flat=True))
    if args.cycles:
        cycles = [c for c in cycles if str(c) in args.cycles.split(",")]
    profiles = BillingProfile.objects.count()
    with_charges = RecurringCharge.objects.values("account_id").distinct().count()
    print("Bill run benchmark (servicebook bill-run, real processes)")
    for line in describe_machine():
        print("  " + line)
    print(f"  accounts: {Account.objects.count():,}; with a billing profile: {profiles:,}; "
          f"with recurring charges: {with_charges:,}; cycles {cycles}; period {period}; "
          f"workers {args.workers}")  # fmt: skip
    invoices_before = Invoice.objects.count()
    last_before = Invoice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    connection.close()

    command = str(Path(sys.executable).parent / "servicebook")
    env = dict(os.environ)
    logs = []

    def worker_script(k: int) -> list[list[str]]:
        steps = []
        for cycle in cycles:
            step = [command, "bill-run", "--cycle", str(cycle), "--period", period]
            step += ["--worker", f"{k}/{args.workers}"]
            if args.chunk:
                step += ["--chunk", str(args.chunk)]
            steps.append(step)
        return steps

    # Each worker is one shell chain of bill-run commands (cycle after cycle), so the
    # workers overlap for the whole run.
    started = time.perf_counter()
    procs = []
    for k in range(args.workers):
        chain = " && ".join(" ".join(step) for step in worker_script(k))
        log = open(f"/tmp/bill_run_bench_worker{k}.log", "w")  # noqa: SIM115
        logs.append(log)
        procs.append(
            subprocess.Popen(["sh", "-c", chain], stdout=log, stderr=subprocess.STDOUT, env=env)
        )
    codes = [proc.wait() for proc in procs]
    seconds = time.perf_counter() - started
    for log in logs:
        log.close()
    if any(codes):
        raise SystemExit(f"a worker failed ({codes}); see /tmp/bill_run_bench_worker*.log")

    billed = BillRunItem.objects.filter(period=period).count()
    invoices = Invoice.objects.count() - invoices_before
    amount = Invoice.objects.filter(pk__gt=last_before).aggregate(t=Sum("total"))["t"]
    runs = list(
        BillRun.objects.filter(period=period)
        .order_by("cycle__number")
        .values_list("cycle__number", "status", "accounts_done", "accounts_total")
    )

    # The baseline: the same number of invoice rows, bulk inserted.
    base_seconds = bulk_insert_baseline(connection, invoices)

    rate = billed / seconds if seconds else 0.0
    print(f"\n  bill run     {billed:,} accounts billed, {invoices:,} invoices in {seconds:,.1f} s "
          f"-> {rate:,.0f} accounts/s")  # fmt: skip
    if amount is not None:
        print(f"  billed total {amount:,.2f}")
    for cycle, status, done, total in runs:
        print(f"    cycle {cycle}: {status}, {done:,} of {total:,} accounts")
    print(f"  baseline     {invoices:,} invoice rows bulk inserted in {base_seconds:,.1f} s "
          f"-> {invoices / base_seconds:,.0f} rows/s")  # fmt: skip
    print(f"  ratio        the bill run takes {seconds / base_seconds:.1f}x the bulk insert")
    if billed and billed < 1_000_000:
        per_million = seconds * 1_000_000 / billed
        print(f"  EXTRAPOLATION (linear, not measured): 1,000,000 accounts in about "
              f"{per_million / 60:.1f} min")  # fmt: skip
    if args.verify:
        from servicebook.ledger.verify import ledger_verify

        t = time.perf_counter()
        violations = ledger_verify()
        print(f"  ledger-verify: {violations or 'clean'} "
              f"({time.perf_counter() - t:.0f} s)")  # fmt: skip
    minutes = seconds * (1_000_000 / billed if billed else 0) / 60
    verdict = "MET" if billed >= 1_000_000 and seconds < 600 else "see above"
    print(f"\n  target: 1,000,000 accounts in under 10 min -> {verdict} "
          f"({seconds / 60:.1f} min for {billed:,}; {minutes:.1f} min per million)")  # fmt: skip


def bulk_insert_baseline(connection, count: int) -> float:
    """Seconds to bulk insert `count` invoice rows into a scratch copy of the invoice
    table (with its indexes), then drop it."""
    from servicebook.billing.models import Invoice

    if count <= 0:
        return float("nan")
    table = Invoice._meta.db_table
    sample = Invoice.objects.order_by("-pk").values().first()
    columns = [f.column for f in Invoice._meta.concrete_fields]
    template = [sample[f.attname] for f in Invoice._meta.concrete_fields]
    # One-to-one links are unique: the copies point nowhere.
    for name in ("entry_id", "open_item_id"):
        template[columns.index(name)] = None
    id_at = columns.index("id")
    number_at = columns.index("number") if "number" in columns else None
    scratch = "bench_invoice_copy"
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE {scratch} (LIKE {table} INCLUDING ALL)")
        else:
            cursor.execute(f"CREATE TABLE {scratch} AS SELECT * FROM {table} WHERE 0")
            # ... and the table's indexes (SQLite has no LIKE ... INCLUDING ALL).
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [table],
            )
            for (sql,) in cursor.fetchall():
                head, tail = sql.split(" ON ", 1)
                name = head.split()[-1].strip('"')
                cursor.execute(
                    f"{head.replace(name, 'bench_' + name)} ON "
                    + tail.replace(f'"{table}"', scratch, 1)
                )
    try:

        def rows():
            for i in range(1, count + 1):
                row = list(template)
                row[id_at] = i
                if number_at is not None:
                    row[number_at] = f"BENCH{i:012d}"
                yield row

        if connection.vendor == "postgresql":
            started = time.perf_counter()
            # Rows are made as they are sent, as a loader streaming from elsewhere would.
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {scratch} ({quoted}) FROM STDIN") as copy,
            ):
                for row in rows():
                    copy.write_row(row)
            return time.perf_counter() - started
        values = [
            tuple(v if v is None or isinstance(v, int | str) else str(v) for v in row)
            for row in rows()
        ]
        marks = ", ".join("?" for _ in columns)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.cursor.execute("BEGIN")
            cursor.cursor.executemany(f"INSERT INTO {scratch} ({quoted}) VALUES ({marks})", values)
            cursor.cursor.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {scratch}")


if __name__ == "__main__":
    main()
