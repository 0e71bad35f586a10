"""Webhook delivery: 10,000 events to local receivers that fail 20% of requests end with
every event delivered exactly once per endpoint (by event id); the delivery rate.

    .venv/bin/python benchmarks/webhooks.py                      # a fresh SQLite file
    .venv/bin/python benchmarks/webhooks.py --database-url postgres://postgres@127.0.0.1:5432/sb_bench_webhooks

Two receivers (http.server in a thread each, 127.0.0.1, random ports) verify every
signature, answer 500 to a random 20% of requests *before* recording anything, and record
each accepted event id. One partner has one endpoint on each, subscribed to everything.
The events are published through `integrations.events.publish` (500 per transaction, as
a busy afternoon of work-order moves would), then --workers threads run the real sender
(`integrations.delivery.deliver_due`, the function the worker's task calls) until every
delivery is delivered or dead. Each thread has its own database connection, as separate
worker processes would; claims are the production compare-and-set.

Settings passed for the run (so retries happen within it, and say so in the report):
WEBHOOK_BACKOFF_BASE_SECONDS=0.05, WEBHOOK_BACKOFF_MAX_SECONDS=1, WEBHOOK_MAX_ATTEMPTS=25
(20 consecutive failures has a probability of 0.2**20), WEBHOOK_BATCH_SIZE=50.

Without --database-url the run migrates a new SQLite file in a temporary directory. With
one, the database must be migrated; the run's partner, events and deliveries are deleted
at the end. Figures: medians over --rounds.

Target (docs/benchmarks.md): delivered == events per endpoint, duplicates 0, dead 0.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import describe_machine, parser, setup_django


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=10_000)
    p.add_argument("--endpoints", type=int, default=2, choices=[1, 2])
    p.add_argument("--workers", type=int, default=4, help="Sender threads")
    p.add_argument("--fail-rate", type=float, default=0.2)
    p.set_defaults(rounds=1)
    args = p.parse_args()

    os.environ.update(
        WEBHOOK_BACKOFF_BASE_SECONDS="0.05",
        WEBHOOK_BACKOFF_MAX_SECONDS="1",
        WEBHOOK_MAX_ATTEMPTS="25",
        WEBHOOK_BATCH_SIZE="50",
        TASKS_BACKEND="django_tasks.backends.dummy.DummyBackend",
    )
    fresh = args.database_url is None
    if fresh:
        path = os.path.join(tempfile.mkdtemp(prefix="sb-bench-webhooks-"), "bench.sqlite3")
        args.database_url = f"sqlite:///{path}"
    setup_django(args.database_url)

    from django.core.management import call_command
    from django.db import connection

    if fresh:
        call_command("migrate", verbosity=0)

    for line in describe_machine():
        print(line)
    print(
        f"events {args.events}, endpoints {args.endpoints}, workers {args.workers}, "
        f"fail rate {args.fail_rate:.0%}, backoff base 0.05 s / max 1 s, max attempts 25"
    )
    results = [run_round(args, n) for n in range(args.rounds)]
    print()
    keys = ["publish_s", "deliver_s", "rate", "attempts", "dead", "duplicates"]
    for key in keys:
        values = [r[key] for r in results]
        print(f"median {key:<11} {statistics.median(values):12.2f}   (rounds: {values})")
    ok = all(r["dead"] == 0 and r["duplicates"] == 0 and r["complete"] for r in results)
    print("exactly once per endpoint:", "yes" if ok else "NO")
    connection.close()
    if not ok:
        raise SystemExit(1)


def run_round(args, n: int) -> dict:
    from django.db import connection, transaction

    from servicebook.integrations import delivery as sender
    from servicebook.integrations.events import publish
    from servicebook.integrations.models import (
        Delivery,
        DeliveryAttempt,
        OutboundEvent,
        Partner,
        WebhookEndpoint,
    )
    from servicebook.integrations.receiver import Receiver

    receivers = [
        Receiver(secret=f"whsec_bench_{i}", fail_rate=args.fail_rate, seed=args.seed + i)
        for i in range(args.endpoints)
    ]
    for r in receivers:
        r.__enter__()
    partner = Partner.objects.create(
        name=f"Benchmark partner {time.time_ns()}", kind="other", connector="webhook"
    )
    endpoints = [
        WebhookEndpoint.objects.create(
            partner=partner,
            url=r.url,
            secret=r.secret,
            event_types=["workorder.status_changed"],
            scope="all",
        )
        for r in receivers
    ]
    try:
        started = time.perf_counter()
        event_ids = []
        for chunk in range(0, args.events, 500):
            with transaction.atomic():
                for i in range(chunk, min(chunk + 500, args.events)):
                    event = publish(
                        "workorder.status_changed",
                        {"work_order": f"B{i:07d}", "from_status": "new", "to_status": "closed"},
                    )
                    event_ids.append(event.pk)
        published = time.perf_counter() - started

        done = threading.Event()
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                while not done.is_set():
                    counts = sender.deliver_due()
                    if not counts["claimed"]:
                        time.sleep(0.01)
            except BaseException as exc:  # report, do not hang the run
                errors.append(exc)
                done.set()
            finally:
                connection.close()

        mine = Delivery.objects.filter(endpoint__partner=partner)
        threads = [threading.Thread(target=worker) for _ in range(args.workers)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        while not done.is_set():
            time.sleep(0.25)
            if not mine.exclude(status__in=["delivered", "dead"]).exists():
                done.set()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        if errors:
            raise errors[0]

        delivered = mine.filter(status="delivered").count()
        dead = mine.filter(status="dead").count()
        attempts = DeliveryAttempt.objects.filter(delivery__endpoint__partner=partner).count()
        duplicates = sum(r.duplicates for r in receivers)
        complete = all(len(r.accepted) == args.events for r in receivers)
        print(f"\nround {n + 1}: published {args.events} events in {published:.1f} s")
        for e, r in zip(endpoints, receivers, strict=True):
            print(
                f"  endpoint {e.url}: accepted {len(r.accepted)} distinct events, "
                f"duplicates {r.duplicates}, requests {r.requests}, "
                f"bad signatures {r.bad_signatures}"
            )
        print(
            f"  deliveries {delivered + dead}: delivered {delivered}, dead {dead}, "
            f"attempts {attempts}; wall {wall:.1f} s, {delivered / wall:.0f} deliveries/s, "
            f"{args.events / wall:.0f} events/s to every endpoint"
        )
        return {
            "publish_s": round(published, 2),
            "deliver_s": round(wall, 2),
            "rate": round(args.events / wall, 1),
            "attempts": attempts,
            "dead": dead,
            "duplicates": duplicates,
            "complete": complete,
        }
    finally:
        for r in receivers:
            r.__exit__(None, None, None)
        # Leave the database as it was.
        OutboundEvent.objects.filter(deliveries__endpoint__partner=partner).delete()
        partner.delete()


if __name__ == "__main__":
    main()
