"""The book's aging report: receivables.selectors.book_aging (one set-based query over every
open debit) and `GET /api/receivables/aging?as_of=...` through Django's test client
(authentication, serialisation, JSON), against a baseline measured in the same run: a plain
`SELECT count(*)` over the same open debits (the floor of any query that reads them all).

    .venv/bin/python benchmarks/aging.py \
        --database-url postgres://postgres@127.0.0.1:5432/sb_bench_1m

The database is one seeded by `servicebook seed-demo`. Its open debits are aged as they are
(bill runs of benchmarks/bill_run.py leave invoices there). When it has none, or with
--synthetic yes, the script adds synthetic open debits in one INSERT ... SELECT over the
accounts, spread over every bucket relative to --as-of: every account a current bill, 30%
a past-due one (10-59 days, one in fifty of them partly disputed), 10% older debt (60-359
days). They are marked `source_type = 'benchmark.aging'` and deleted at the end unless
--keep (then the next run reuses them). They have no journal entries: this is a benchmark
database, and `servicebook ledger-verify` would say so while they are there.

Each round times the baseline, the selector (whole book, by due date), the selector broken
down by customer class, and the API call; figures are medians over --rounds, after one
untimed warm-up round.

Target (docs/benchmarks.md, issue 5): the whole book at 1,000,000 accounts in under 5 s on
PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from common import describe_machine, parser, setup_django

SOURCE = "benchmark.aging"
USERNAME = "bench.aging.supervisor"


def add_synthetic(as_of: dt.date) -> int:
    """Insert the synthetic open debits (see the module docstring); returns rows written."""
    from django.db import connection, transaction
    from django.utils import timezone

    from servicebook.customers.models import Account
    from servicebook.ledger.models import OpenItem

    items = OpenItem._meta.db_table
    accounts = Account._meta.db_table
    if connection.vendor == "postgresql":
        due = "CAST(%s AS date) - CAST(days AS integer)"
        issued = "CAST(%s AS date) - CAST(days + 21 AS integer)"
    else:
        due = "date(%s, (-days) || ' days')"
        issued = "date(%s, (-(days + 21)) || ' days')"
    # h: a deterministic pseudo-random number per (account, k); days: how late on as_of.
    # `%%` is SQL's modulo (a lone % would be a parameter placeholder).
    sql = f"""
        INSERT INTO {items} (account_id, kind, document_type, reference, source_type,
            source_id, entry_id, amount, open_amount, disputed_amount, issued_on, due_date,
            closed_at, created_at)
        SELECT account_id, 'debit', 'invoice', 'BENCH-' || account_id || '-' || k, '{SOURCE}',
            '', NULL, amount, amount,
            CASE WHEN k = 2 AND h %% 50 = 0 THEN 10.00 ELSE 0 END,
            {issued}, {due}, NULL, %s
        FROM (
            SELECT account_id, k, h, ROUND(20 + (h %% 20000) / 100.0, 2) AS amount,
                CASE k WHEN 1 THEN (h %% 25) - 20 WHEN 2 THEN 10 + h %% 50
                    ELSE 60 + h %% 300 END AS days
            FROM (
                SELECT a.id AS account_id, s.k AS k,
                    (CAST(a.id AS BIGINT) * 7919 + s.k * 104729) %% 100003 AS h
                FROM {accounts} a
                CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3) s
            ) raw
            WHERE k = 1 OR (k = 2 AND h %% 100 < 30) OR (k = 3 AND h %% 100 < 10)
        ) t
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [as_of.isoformat(), as_of.isoformat(), timezone.now()])
        written = cursor.rowcount
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {items}")
    return written


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="Default: today")
    p.add_argument(
        "--synthetic",
        choices=["auto", "yes", "no"],
        default="auto",
        help="Add synthetic open debits: auto = only when the book has none (default)",
    )
    p.add_argument("--keep", action="store_true", help="Keep the synthetic open debits")
    p.set_defaults(rounds=5)
    args = p.parse_args()
    setup_django(args.database_url)

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from servicebook.customers.models import Account
    from servicebook.ledger.models import OpenItem
    from servicebook.receivables.selectors import book_aging
    from servicebook.users.models import User

    as_of = args.as_of or timezone.localdate()
    open_debits = OpenItem.objects.filter(kind="debit", open_amount__gt=0)
    synthetic = OpenItem.objects.filter(source_type=SOURCE)
    if synthetic.exists():
        print(f"reusing {synthetic.count():,} synthetic open debits of an earlier --keep run")
    elif args.synthetic == "yes" or (args.synthetic == "auto" and not open_debits.exists()):
        t = time.perf_counter()
        written = add_synthetic(as_of)
        print(f"added {written:,} synthetic open debits in {time.perf_counter() - t:.1f} s")

    print("Aging report benchmark")
    for line in describe_machine():
        print("  " + line)
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        user = User.objects.create(username=USERNAME, role="supervisor")
    client = Client()
    client.force_login(user)
    url = f"/api/receivables/aging?as_of={as_of:%Y-%m-%d}"
    table = OpenItem._meta.db_table

    def baseline() -> int:
        # The floor: one pass over the same open debits, nothing computed.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE kind = %s AND open_amount > 0", ["debit"]
            )
            return cursor.fetchone()[0]

    def api() -> dict:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return response.json()

    steps = {
        "baseline count(*)": baseline,
        "selector": lambda: book_aging(user=user, as_of=as_of),
        "selector by class": lambda: book_aging(user=user, as_of=as_of, group_by="customer_class"),
        "API": api,
    }
    try:
        for step in steps.values():  # warm-up: caches, the page cache, prepared plans
            step()
        timings: dict[str, list[float]] = {name: [] for name in steps}
        for _ in range(args.rounds):
            for name, step in steps.items():
                t = time.perf_counter()
                step()
                timings[name].append(time.perf_counter() - t)
        rows = baseline()
        result = book_aging(user=user, as_of=as_of)
        body = api()
        assert body["total"] == f"{result.total:.2f}", "the API and the selector disagree"
        print(
            f"  accounts: {Account.objects.count():,}; open debits: {rows:,}; "
            f"rounds: {args.rounds} (+1 warm-up)"
        )
        print(
            f"  as of {as_of}, by due date: total {result.total:,.2f}, disputed "
            f"{result.disputed:,.2f}, {result.account_total:,} accounts owing"
        )
        for bucket in result.rows():
            print(
                f"    {bucket['label']:>8}  {bucket['amount']:>16,.2f}  "
                f"{bucket['accounts']:>9,} accounts"
            )
        print()
        base = statistics.median(timings["baseline count(*)"])
        for name, samples in timings.items():
            med = statistics.median(samples)
            ratio = "" if name.startswith("baseline") else f"  {med / base:5.1f}x the baseline"
            print(
                f"  {name:18s} median {med * 1000:9.1f} ms  (min {min(samples) * 1000:.1f}, "
                f"max {max(samples) * 1000:.1f}){ratio}"
            )
        worst = max(statistics.median(timings["selector"]), statistics.median(timings["API"]))
        verdict = "MET" if worst < 5.0 else "MISSED"
        print(f"\n  target: the whole book under 5 s -> {verdict} ({worst:.2f} s)")
    finally:
        if not args.keep:
            # One statement: the ORM's delete() would first load every row's id.
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE source_type = %s", [SOURCE])
                if cursor.rowcount:
                    print(f"  removed {cursor.rowcount:,} synthetic open debits (--keep: keep)")


if __name__ == "__main__":
    main()
