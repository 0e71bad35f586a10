"""CDR import throughput: `servicebook import-cdr` on a generated Master.csv of --rows rows
(default 1,000,000), against a plain streaming read of the same file measured in the same
run (the floor no importer can beat).

    .venv/bin/python benchmarks/cdr_import.py --database-url sqlite:////tmp/contact/bench.sqlite3
    .venv/bin/python benchmarks/cdr_import.py --database-url postgres://postgres@127.0.0.1:5432/sb_bench_contact

The database is migrated if needed; 200 agents (extensions 3000-3199, queue members
PJSIP/3000...) are created once; the file is generated once per row count (--file), as
Asterisk's cdr-csv writes it: a month of queue calls answered by the agents (one in fifty
transferred to a second agent, one in twelve ringing an agent who did not answer), one in
ten outbound calls from an agent, caller numbers drawn from 100,000 distinct numbers (those
of the database's accounts first, so accounts are matched), and a small share of bad rows
(truncated lines, unknown extensions) the report must list.

Each round deletes the imported calls, then times a first import (everything new) and a
second import of the same file (everything already there: the re-import path), and checks
that the second one inserted nothing. Figures are medians over --rounds.

Target (docs/benchmarks.md): 1,000,000 rows in under 2 minutes, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import statistics
import time
from pathlib import Path

from common import describe_machine, parser, setup_django

AGENTS = 200
FIRST_EXTENSION = 3000


def generate(path: Path, rows: int, numbers: list[str], seed: int) -> None:
    """Write a Master.csv of about `rows` rows (cdr-csv's 18 columns, quoted as Asterisk does)."""
    rng = random.Random(seed)
    start = dt.datetime(2026, 1, 5, 8, 0, 0)
    written = 0
    call = 0
    with path.open("w", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL)
        while written < rows:
            call += 1
            day = start + dt.timedelta(days=(call * 31) // max(1, rows))
            t0 = day + dt.timedelta(seconds=rng.randint(0, 9 * 3600))
            uid = f"{int(t0.timestamp())}.{call}"
            number = rng.choice(numbers)
            ext = FIRST_EXTENSION + rng.randrange(AGENTS)
            r = rng.random()
            if r < 0.002:
                w.writerow(["", number, "5000", "from-trunk", "truncated"])
                written += 1
                continue
            if r < 0.004:
                ext = 9000 + rng.randrange(50)  # not an agent: reported, not imported
            if r < 0.10 + 0.004:
                answer = t0 + dt.timedelta(seconds=rng.randint(2, 9))
                end = answer + dt.timedelta(seconds=rng.randint(20, 900))
                w.writerow(
                    _row(
                        f"{ext}",
                        number,
                        f"PJSIP/{ext}-{call:08x}",
                        f"PJSIP/trunk-{call:08x}",
                        "Dial",
                        f"PJSIP/trunk/{number}",
                        t0,
                        answer,
                        end,
                        uid,
                    )
                )
                written += 1
                continue
            if r < 0.18:
                # Rang an agent who did not answer; the next agent took it.
                end = t0 + dt.timedelta(seconds=15)
                w.writerow(
                    _row(
                        number,
                        "5000",
                        f"PJSIP/trunk-{call:08x}",
                        f"PJSIP/{ext}-{call:08x}",
                        "Queue",
                        "support,t,,,300",
                        t0,
                        None,
                        end,
                        uid,
                    )
                )
                written += 1
                ext = FIRST_EXTENSION + (ext - FIRST_EXTENSION + 1) % AGENTS
                t0 = end
            answer = t0 + dt.timedelta(seconds=rng.randint(1, 40))
            end = answer + dt.timedelta(seconds=int(rng.lognormvariate(5.3, 0.6)))
            w.writerow(
                _row(
                    number,
                    "5000",
                    f"PJSIP/trunk-{call:08x}",
                    f"PJSIP/{ext}-{call:08x}",
                    "Queue",
                    "support,t,,,300",
                    t0,
                    answer,
                    end,
                    uid,
                )
            )
            written += 1
            if rng.random() < 0.02:
                second = FIRST_EXTENSION + (ext - FIRST_EXTENSION + 7) % AGENTS
                a2 = end + dt.timedelta(seconds=5)
                e2 = a2 + dt.timedelta(seconds=rng.randint(30, 600))
                w.writerow(
                    _row(
                        number,
                        "5000",
                        f"PJSIP/trunk-{call:08x}",
                        f"PJSIP/{second}-{call:08x}",
                        "Queue",
                        "support,t,,,300",
                        end,
                        a2,
                        e2,
                        uid,
                    )
                )
                written += 1


def _row(src, dst, channel, dstchannel, app, data, start, answer, end, uid):
    fmt = "%Y-%m-%d %H:%M:%S"
    duration = int((end - start).total_seconds())
    billsec = int((end - answer).total_seconds()) if answer else 0
    return [
        "",
        src,
        dst,
        "from-trunk",
        f'"Caller" <{src}>',
        channel,
        dstchannel,
        app,
        data,
        start.strftime(fmt),
        answer.strftime(fmt) if answer else "",
        end.strftime(fmt),
        duration,
        billsec,
        "ANSWERED" if answer else "NO ANSWER",
        "DOCUMENTATION",
        uid,
        "",
    ]


def ensure_agents() -> None:
    from django.db import transaction

    from servicebook.contact.models import AgentProfile, Team
    from servicebook.users.models import User

    if AgentProfile.objects.filter(extension=str(FIRST_EXTENSION)).exists():
        return
    with transaction.atomic():
        team, _ = Team.objects.get_or_create(
            name="Benchmark floor", defaults={"queue_names": ["support"]}
        )
        users = [
            User(
                username=f"bench.agent{n:03d}",
                role="rep1",
                first_name="Agent",
                last_name=f"{n:03d}",
            )
            for n in range(AGENTS)
        ]
        for u in users:
            u.set_unusable_password()
        User.objects.bulk_create(users, ignore_conflicts=True)
        ids = dict(
            User.objects.filter(username__startswith="bench.agent").values_list("username", "pk")
        )
        AgentProfile.objects.bulk_create(
            [
                AgentProfile(
                    user_id=ids[f"bench.agent{n:03d}"],
                    team=team,
                    extension=str(FIRST_EXTENSION + n),
                    queue_member=f"PJSIP/{FIRST_EXTENSION + n}",
                )
                for n in range(AGENTS)
            ],
            ignore_conflicts=True,
        )


def caller_numbers(count: int, seed: int) -> list[str]:
    """Account holders' numbers first (so accounts are matched), then made-up ones."""
    from servicebook.customers.models import ContactPhone

    known = [e[2:] for e in ContactPhone.objects.values_list("e164", flat=True)[: count // 2]]
    rng = random.Random(seed)
    made = [f"720{rng.randint(2000000, 9999999)}" for _ in range(count - len(known))]
    return known + made


def clear_imported() -> None:
    """Delete the imported calls before a round (not timed), and vacuum on PostgreSQL.
    Django's cascading delete loads every row first (minutes at a million rows); the few
    rows that point at interactions are dealt with here, then one DELETE."""
    from django.db import connection, transaction

    from servicebook.contact.models import Evaluation, Interaction, ScreenPop, ScriptRun

    imported = Interaction.objects.filter(source="cdr")
    with transaction.atomic():
        Evaluation.objects.filter(interaction__source="cdr").delete()
        ScriptRun.objects.filter(interaction__source="cdr").update(interaction=None)
        ScreenPop.objects.filter(interaction__source="cdr").update(interaction=None)
        imported._raw_delete(connection.alias)
    if connection.vendor == "postgresql":
        # The deleted rows stay in the table and its indexes as dead tuples until vacuumed;
        # a real first import meets a table without a million of them.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE contact_interaction")


def main() -> None:
    p = parser("CDR import throughput")
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--file", default=None, help="Where the generated Master.csv goes")
    p.set_defaults(rounds=3)
    args = p.parse_args()
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from servicebook.contact.importers import import_cdr, open_text
    from servicebook.contact.models import Interaction

    call_command("migrate", verbosity=0)
    ensure_agents()
    path = Path(args.file or f"/tmp/contact/Master-{args.rows}.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        t = time.perf_counter()
        generate(path, args.rows, caller_numbers(100_000, args.seed), args.seed)
        took = time.perf_counter() - t
        print(f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {took:.1f} s")
    for line in describe_machine():
        print(line)

    reads, firsts, seconds = [], [], []
    report = None
    for n in range(args.rounds):
        clear_imported()
        if connection.vendor == "postgresql":
            with connection.cursor() as c:
                c.execute("VACUUM ANALYZE contact_interaction")
        t = time.perf_counter()
        with open_text(str(path)) as f:
            rows = sum(1 for _ in csv.reader(f))
        reads.append(time.perf_counter() - t)
        t = time.perf_counter()
        with open_text(str(path)) as f:
            report = import_cdr(f, actor=None)
        firsts.append(time.perf_counter() - t)
        t = time.perf_counter()
        with open_text(str(path)) as f:
            again = import_cdr(f, actor=None)
        seconds.append(time.perf_counter() - t)
        assert again.inserted == 0, "the second import inserted rows"
        assert again.duplicates == report.inserted
        print(
            f"round {n + 1}: read {reads[-1]:.1f} s, import {firsts[-1]:.1f} s "
            f"({report.inserted:,} calls, {report.rejected_count:,} rows reported), "
            f"re-import {seconds[-1]:.1f} s (0 inserted)"
        )
    read, first, second = (statistics.median(x) for x in (reads, firsts, seconds))
    matched = Interaction.objects.filter(source="cdr", account__isnull=False).count()
    print(
        f"rows in file: {rows:,}; imported {report.inserted:,}; "
        f"reported {report.rejected_count:,}; accounts matched on {matched:,} calls"
    )
    print(
        f"median over {args.rounds} rounds: plain CSV read {read:.1f} s; import {first:.1f} s "
        f"({rows / first:,.0f} rows/s, {first / read:.1f}x the read); re-import {second:.1f} s"
    )
    verdict = "PASS" if first < 120 else "FAIL"
    print(f"target: {rows:,} rows in under 120 s -> {verdict} ({first:.1f} s)")


if __name__ == "__main__":
    main()
