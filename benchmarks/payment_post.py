"""Payment posting latency: `POST /api/payments/` with an Idempotency-Key, as demo.rep,
through Django's test client (in process: URL routing, every middleware, token-less session
authentication, DRF parsing and validation, the idempotency claim, payment_post with its
journal entry, open item, allocations and audit row, and the JSON reply; no network and no
WSGI server), against a baseline measured in the same run.

    nice -n 5 .venv/bin/python benchmarks/payment_post.py \
        --database-url postgres://postgres@127.0.0.1:5432/sb_bench_1m

The accounts are drawn deterministically (--seed) across the id range. Before timing, each
sampled account gets a card from the test gateway (a token; untimed). Each round posts
--posts payments, one per request, each with a fresh key, cycling through the methods
(check, cash at the counter, card by token) over the sampled accounts; one untimed warm-up
round first. Each figure is the median over the rounds of that round's percentile. On a
shared machine wall-clock latency includes waiting for a core, so the script also reports
the CPU time this process spent per post (time.process_time: Django, DRF, the services and,
on SQLite, the database engine; on PostgreSQL the server's own work is in another process).

Baselines in the same run: `GET /api/payments/{id}/` of a payment just posted (the same
stack, a read instead of a write) and an Account by primary key through the ORM. Then
--replays retries of keys already used (the replay path: the stored reply, nothing posted).

The payments it posts stay in the database (it is a benchmark database: never run it on
one that matters). Target (docs/benchmarks.md): p95 < 50 ms on PostgreSQL at 1,000,000
accounts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import time
import uuid

from common import describe_machine, fmt, median_of_rounds, parser, percentiles, setup_django


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--accounts", type=int, default=200, help="How many accounts are paid")
    p.add_argument("--posts", type=int, default=500, help="Payments posted per round")
    p.add_argument("--replays", type=int, default=300, help="Retries of used keys (timed)")
    p.set_defaults(rounds=5)
    args = p.parse_args()
    setup_django(args.database_url)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from servicebook.customers.models import Account
    from servicebook.ledger.verify import ledger_verify
    from servicebook.payments.models import Payment
    from servicebook.payments.services import card_tokenize
    from servicebook.users.models import User

    rng = random.Random(args.seed)
    lo = Account.objects.order_by("pk").values_list("pk", flat=True).first()
    hi = Account.objects.order_by("-pk").values_list("pk", flat=True).first()
    if lo is None:
        raise SystemExit("No accounts: seed the database first (servicebook seed-demo).")
    ids: list[int] = []
    while len(ids) < args.accounts:
        pk = (
            Account.objects.filter(pk__gte=rng.randint(lo, hi))
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is not None and pk not in ids:
            ids.append(pk)
    rep = User.objects.get(username="demo.rep")
    year = dt.date.today().year + 3
    cards = {}
    for account in Account.objects.filter(pk__in=ids):
        # The test gateway's approving Visa; only its token, brand and last four are kept.
        cards[account.pk] = card_tokenize(
            account=account, number="4242424242424242", exp_month=12, exp_year=year,
            cvc="737", actor=rep,
        ).pk  # fmt: skip

    client = Client()
    client.force_login(rep)
    run_tag = uuid.uuid4().hex[:8]
    counter = itertools.count(1)
    methods = itertools.cycle(["check", "cash", "card"])
    accounts = itertools.cycle(ids)
    used: list[tuple[str, str]] = []

    def body() -> dict:
        account, method = next(accounts), next(methods)
        amount = f"{rng.randint(500, 25000) / 100:.2f}"
        data = {"account": account, "amount": amount, "method": method}
        if method == "check":
            data["check_number"] = str(rng.randint(1000, 99999))
            data["channel"] = "phone"
        elif method == "cash":
            data["channel"] = "counter"
        else:
            data["card"] = cards[account]
            data["channel"] = "phone"
        return data

    def post(data: dict, key: str):
        return client.post(
            "/api/payments/",
            data=json.dumps(data),
            content_type="application/json",
            headers={"Idempotency-Key": key},
        )

    cpu: list[float] = []

    def post_round(timed: bool) -> tuple[list[float], list[int]]:
        samples, made = [], []
        for _ in range(args.posts):
            data, key = body(), f"bench-{run_tag}-{next(counter)}"
            t, c = time.perf_counter(), time.process_time()
            response = post(data, key)
            samples.append(time.perf_counter() - t)
            if timed:
                cpu.append(time.process_time() - c)
            if response.status_code != 201:
                raise SystemExit(f"POST answered {response.status_code}: {response.content!r}")
            made.append(response.json()["id"])
            if timed and len(used) < args.replays:
                used.append((json.dumps(data), key))
        return samples, made

    def get_round(payment_ids: list[int]) -> list[float]:
        samples = []
        for pk in payment_ids:
            t = time.perf_counter()
            response = client.get(f"/api/payments/{pk}/")
            samples.append(time.perf_counter() - t)
            assert response.status_code == 200, response.status_code
        return samples

    def orm_round() -> list[float]:
        samples = []
        for pk in ids:
            t = time.perf_counter()
            Account.objects.select_related("customer").get(pk=pk)
            samples.append(time.perf_counter() - t)
        return samples

    total = Account.objects.count()
    payments_before = Payment.objects.count()
    print("Payment posting benchmark (POST /api/payments/, Django test client, in process)")
    for line in describe_machine():
        print("  " + line)
    print(f"  accounts in the book: {total:,}; accounts paid: {len(ids)}; posts per round: "
          f"{args.posts}; rounds: {args.rounds} (+1 warm-up); payments before: "
          f"{payments_before:,}")  # fmt: skip

    # Warm-up, and the query count of one post.
    _, made = post_round(timed=False)
    get_round(made[:20])
    with CaptureQueriesContext(connection) as captured:
        post(body(), f"bench-{run_tag}-q")
    queries = len(captured)

    rounds, get_rounds, orm_rounds, all_samples = [], [], [], []
    started = time.perf_counter()
    for _ in range(args.rounds):
        samples, made = post_round(timed=True)
        all_samples += samples
        rounds.append(percentiles(samples))
        get_rounds.append(percentiles(get_round(made[: len(ids)])))
        orm_rounds.append(percentiles(orm_round()))
    elapsed = time.perf_counter() - started

    replays = []
    for data, key in used:
        t = time.perf_counter()
        response = client.post(
            "/api/payments/", data=data, content_type="application/json",
            headers={"Idempotency-Key": key},
        )  # fmt: skip
        replays.append(time.perf_counter() - t)
        assert response.status_code == 201, response.status_code
    posted = Payment.objects.count() - payments_before
    expected = args.posts * (args.rounds + 1) + 1

    result, get_base, orm_base = (
        median_of_rounds(rounds),
        median_of_rounds(get_rounds),
        median_of_rounds(orm_rounds),
    )
    print(f"\n  POST payment   {fmt(result)}")
    print(f"  GET payment    {fmt(get_base)}   (baseline: GET /api/payments/{{id}}/, same run)")
    print(f"  ORM account    {fmt(orm_base)}   (baseline: Account by primary key, same run)")
    print(f"  replayed POST  {fmt(percentiles(replays))}   ({len(replays)} retries of used keys)")
    print(f"  ratio          p95 {result['p95'] / get_base['p95']:.1f}x the GET baseline")
    spread = sorted(r["p95"] for r in rounds)
    print(f"  p95 across rounds: {', '.join(f'{v:.1f}' for v in spread)} ms; all "
          f"{len(all_samples):,} timed posts pooled: {fmt(percentiles(all_samples))}")  # fmt: skip
    print(f"  CPU of this process per post (SQLite's work included, PostgreSQL's not): "
          f"{fmt(percentiles(cpu))}")  # fmt: skip
    print(f"  throughput (one client): {len(all_samples) / elapsed:,.0f} posts/s incl. baselines")
    print(f"  queries per post: {queries}")
    print(f"  payments posted: {posted:,} (expected {expected:,}; replays posted nothing: "
          f"{'yes' if posted == expected else 'NO'})")  # fmt: skip
    if total <= 200_000:
        report = ledger_verify()
        print(f"  ledger-verify after the run: {report or 'clean'}")
    verdict = "MET" if result["p95"] < 50 else "MISSED"
    print(f"\n  target: p95 < 50 ms -> {verdict} (p95 {result['p95']:.2f} ms)")


if __name__ == "__main__":
    main()
