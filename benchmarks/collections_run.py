"""The nightly collections run (`receivables.services.collections_run`) over the whole book,
and the same day again (the idempotent rerun must change nothing).

    .venv/bin/python benchmarks/collections_run.py \
        --database-url postgres://postgres@127.0.0.1:5432/sb_bench_coll

The database is one seeded by `servicebook seed-demo` (1,000,000 accounts for the quality
bar). The run reads open debits; a seed that large bills no invoice history, so the script
adds synthetic past-due debits in one INSERT ... SELECT over the accounts: about 10% of the
accounts owe one (20.00-220.00, 10-130 days past due on --as-of), one in fifty of them
partly disputed, one in two hundred fully disputed (which must take no step). They are
marked `source_type = 'benchmark.collections'` and deleted at the end unless --keep. They
have no journal entries (a benchmark database: `ledger-verify` would say so while they are
there), and the steps of the benchmark's policies carry no fee, so the run posts nothing.

When the book has no collection policy, a default policy per customer class is created
(reminder 5 days past due, past-due notice +10 days, disconnect notice +10, non-pay work
order +12, disconnection, final bill +30, write-off +60, agency referral), with letters.

Each round empties the collections tables, then times the first run on --as-of (every
delinquent account starts a process and takes its first step: the heaviest day) and the
rerun on the same day, and checks the rerun changed nothing. The figures are medians over
--rounds. Target (issue 5): 1,000,000 accounts, about 10% delinquent, under 2 minutes on
2 cores on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time

from common import describe_machine, parser, setup_django

SOURCE = "benchmark.collections"
USERNAME = "bench.collections.admin"
LETTER = (
    "Dear {customer}, account {account_number}: {amount_due} is past due on {step_date}.\n"
    "{items}\nFee: {fee}"
)


def add_synthetic(as_of: dt.date) -> int:
    """Insert the synthetic past-due debits (see the module docstring); rows written."""
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
    sql = f"""
        INSERT INTO {items} (account_id, kind, document_type, reference, source_type,
            source_id, entry_id, amount, open_amount, disputed_amount, issued_on, due_date,
            closed_at, created_at)
        SELECT account_id, 'debit', 'invoice', 'BENCH-C-' || account_id, '{SOURCE}',
            '', NULL, amount, amount,
            CASE WHEN h %% 200 = 0 THEN amount WHEN h %% 50 = 1 THEN 10.00 ELSE 0 END,
            {issued}, {due}, NULL, %s
        FROM (
            SELECT a.id AS account_id, h, ROUND(20 + (h %% 20000) / 100.0, 2) AS amount,
                10 + h %% 121 AS days
            FROM (
                SELECT id, (CAST(id AS BIGINT) * 7919) %% 100003 AS h FROM {accounts}
            ) a
            WHERE h %% 10 = 3
        ) t
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [as_of.isoformat(), as_of.isoformat(), timezone.now()])
        written = cursor.rowcount
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {items}")
    return written


def ensure_policies(actor) -> None:
    from servicebook.customers.choices import CustomerClass
    from servicebook.receivables.models import CollectionPolicy
    from servicebook.receivables.services import StepInput, collection_policy_save

    if CollectionPolicy.objects.exists():
        return
    for value, label in CustomerClass.choices:
        collection_policy_save(
            name=f"{label} default",
            customer_class=value,
            steps=[
                StepInput("reminder", "10.00", 5, letter_template=LETTER),
                StepInput("past_due_notice", "10.00", 10, letter_template=LETTER),
                StepInput("disconnect_notice", "50.00", 10, letter_template=LETTER),
                StepInput("nonpay_work_order", "50.00", 12),
                StepInput("disconnection", "50.00", 0),
                StepInput("final_bill", "50.00", 30),
                StepInput("write_off", "50.00", 60),
                StepInput("agency_referral", "50.00", 0),
            ],
            actor=actor,
        )


def reset() -> None:
    """Empty the collections tables (one statement each, children first)."""
    from django.db import connection

    from servicebook.receivables import models as m

    tables = [
        m.CollectionLetter,
        m.CollectionAction,
        m.CollectionProcess,
        m.CollectionBalance,
    ]
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"DELETE FROM {model._meta.db_table}")


def state() -> tuple:
    """What a rerun must leave as it was: counts and a checksum of the processes."""
    from django.db.models import Count, Max, Sum

    from servicebook.receivables import models as m

    processes = m.CollectionProcess.objects.aggregate(
        n=Count("id"), pos=Sum("position"), last=Max("step_date"), held=Count("hold_reason")
    )
    return (
        tuple(sorted(processes.items())),
        m.CollectionAction.objects.count(),
        m.CollectionLetter.objects.count(),
        tuple(
            m.CollectionProcess.objects.values_list("hold_reason")
            .annotate(n=Count("id"))
            .order_by("hold_reason")
        ),
    )


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 23))
    p.add_argument("--keep", action="store_true", help="Keep the synthetic debits")
    p.add_argument("--chunk", type=int, default=2000)
    p.set_defaults(rounds=3)
    args = p.parse_args()
    setup_django(args.database_url)

    from django.db import connection

    from servicebook.customers.models import Account
    from servicebook.ledger.models import OpenItem
    from servicebook.receivables.services import collections_run
    from servicebook.users.models import User

    synthetic = OpenItem.objects.filter(source_type=SOURCE)
    if synthetic.exists():
        print(f"reusing {synthetic.count():,} synthetic past-due debits of a --keep run")
    else:
        t = time.perf_counter()
        written = add_synthetic(args.as_of)
        print(f"added {written:,} synthetic past-due debits in {time.perf_counter() - t:.1f} s")
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        user = User.objects.create(username=USERNAME, role="admin")
    ensure_policies(user)

    print("Collections run benchmark")
    for line in describe_machine():
        print("  " + line)
    print(f"  accounts: {Account.objects.count():,}; as of {args.as_of}; chunk {args.chunk}")
    first_times, rerun_times = [], []
    try:
        for n in range(args.rounds):
            reset()
            t = time.perf_counter()
            report = collections_run(as_of=args.as_of, actor=user, chunk_size=args.chunk)
            first = time.perf_counter() - t
            load_first = load()
            before = state()
            t = time.perf_counter()
            again = collections_run(as_of=args.as_of, actor=user, chunk_size=args.chunk)
            rerun = time.perf_counter() - t
            after = state()
            assert before == after, f"the rerun changed something: {before} -> {after}"
            assert sum(again.taken.values()) == 0 and again.started == 0
            first_times.append(first)
            rerun_times.append(rerun)
            print(
                f"  round {n + 1}: first run {first:6.1f} s (load {load_first}), "
                f"rerun {rerun:6.1f} s (load {load()}), nothing changed by the rerun"
            )
            print(f"    {report.summary()}")
        med_first = statistics.median(first_times)
        med_rerun = statistics.median(rerun_times)
        print(
            f"\n  median of {args.rounds}: first run {med_first:.1f} s, "
            f"same-day rerun {med_rerun:.1f} s"
        )
        verdict = "MET" if max(med_first, med_rerun) < 120 else "MISSED"
        print(f"  target: under 2 minutes -> {verdict}")
    finally:
        if not args.keep:
            reset()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {OpenItem._meta.db_table} WHERE source_type = %s",
                    [SOURCE],
                )
                print(f"  removed {cursor.rowcount:,} synthetic debits (--keep: keep them)")


if __name__ == "__main__":
    main()
