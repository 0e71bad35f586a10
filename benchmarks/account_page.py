"""Account page latency: the full HTTP request of the account page (URL customers:account_detail)
as demo.rep, through Django's test client (in process: URL routing, every middleware, the
session, the view, its queries and the template; no network and no WSGI server), over a
fixed set of accounts, plus the number of SQL queries per page.

    .venv/bin/python benchmarks/account_page.py --database-url postgres://postgres@127.0.0.1:5432/servicebook_bench

The accounts are chosen deterministically (--seed) across the id range, plus the showcase
account (the one with a case in every state). One untimed warm-up pass, then --rounds timed
rounds over the same accounts; each figure is the median over the rounds of that round's
percentile. DEBUG is off (cached templates, no query log); static files are collected once
into a temporary STATIC_ROOT, as in production.

Target (docs/benchmarks.md): p95 < 150 ms at 1,000,000 accounts.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time

from common import describe_machine, fmt, median_of_rounds, parser, percentiles, setup_django


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--accounts", type=int, default=60, help="How many accounts per round")
    args = p.parse_args()
    os.environ.setdefault("STATIC_ROOT", os.path.join(tempfile.gettempdir(), "sb-bench-static"))
    setup_django(args.database_url)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from servicebook.customers.models import Account, ContactPhone
    from servicebook.demo.reference import SHOWCASE_PHONE
    from servicebook.users.models import User

    call_command("collectstatic", interactive=False, verbosity=0)
    rng = random.Random(args.seed)
    lo = Account.objects.order_by("pk").values_list("pk", flat=True).first()
    hi = Account.objects.order_by("-pk").values_list("pk", flat=True).first()
    if lo is None:
        raise SystemExit("No accounts: seed the database first (servicebook seed-demo).")
    ids: list[int] = []
    showcase = ContactPhone.objects.filter(e164=SHOWCASE_PHONE).values_list("account_id", flat=True)
    ids += list(showcase[:1])
    while len(ids) < args.accounts:
        pk = (
            Account.objects.filter(pk__gte=rng.randint(lo, hi))
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is not None and pk not in ids:
            ids.append(pk)
    urls = [reverse("customers:account_detail", kwargs={"pk": pk}) for pk in ids]

    client = Client()
    client.force_login(User.objects.get(username="demo.rep"))
    total = Account.objects.count()
    print("Account page benchmark (Django test client, in process)")
    for line in describe_machine():
        print("  " + line)
    print(f"  accounts in the book: {total:,}; pages per round: {len(urls)}; rounds: "
          f"{args.rounds} (+1 warm-up)")  # fmt: skip

    # Untimed pass: warm caches, check every page renders, count queries and bytes.
    queries, sizes = [], []
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        queries.append(len(captured))
        sizes.append(len(response.content))

    def baseline_round() -> list[float]:
        samples = []
        for pk in ids:
            t = time.perf_counter()
            Account.objects.select_related("customer").get(pk=pk)
            samples.append(time.perf_counter() - t)
        return samples

    rounds, base_rounds = [], []
    for _ in range(args.rounds):
        samples = []
        for url in urls:
            t = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - t)
            assert response.status_code == 200
        rounds.append(percentiles(samples))
        base_rounds.append(percentiles(baseline_round()))
    result = median_of_rounds(rounds)
    base = median_of_rounds(base_rounds)
    print(f"\n  page      {fmt(result)}")
    print(f"  baseline  {fmt(base)}   (Account by primary key, same run)")
    print(f"  ratio     p50 {result['p50'] / base['p50']:.0f}x   p95 "
          f"{result['p95'] / base['p95']:.0f}x the baseline")  # fmt: skip
    print(f"  queries per page: min {min(queries)}, median {statistics.median(queries):.0f}, "
          f"max {max(queries)}")  # fmt: skip
    print(f"  page size: median {statistics.median(sizes) / 1024:.0f} KiB")
    verdict = "MET" if result["p95"] < 150 else "MISSED"
    print(f"\n  target: p95 < 150 ms -> {verdict} (p95 {result['p95']:.2f} ms)")


if __name__ == "__main__":
    main()
