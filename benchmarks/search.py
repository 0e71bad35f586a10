"""Account search latency: p50 / p95 / p99 of customers.selectors.account_search over a
fixed, mixed query set drawn from the seeded data, against a primary-key lookup measured in
the same run.

    .venv/bin/python benchmarks/search.py --database-url postgres://postgres@127.0.0.1:5432/servicebook_bench

The query set (about 200 queries) is drawn deterministically (--seed) from the accounts in
the database: exact account numbers, phones in six formats, exact emails, full names in
both orders, surname prefixes, street addresses, partial words, results-as-you-type
prefixes of two to five letters, and misses. One untimed warm-up round, then --rounds timed
rounds; each figure is the median over the rounds of that round's percentile. The queries
run as demo.rep (a representative), exactly as the search box and the API call them.

Targets (docs/benchmarks.md): p95 < 100 ms at 100,000 accounts on SQLite, p95 < 50 ms at
1,000,000 accounts on PostgreSQL.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import defaultdict

from common import describe_machine, fmt, median_of_rounds, parser, percentiles, setup_django

CATEGORIES = [
    # (name, how many queries)
    ("account number", 20),
    ("phone", 30),
    ("email", 15),
    ("full name", 30),
    ("surname prefix", 20),
    ("street address", 25),
    ("partial word", 20),
    ("as you type", 25),
    ("miss", 15),
]
MISSES = [
    "zzqx", "Xylophone Quixote", "nobody.here@example.invalid", "(719) 000-0000", "9999999999",
    "qwertyuiop", "Zebulon Vandersloot", "12345 Nowhere Rd", "ffff", "@@@@", "Quokka",
    "+44 20 7946 0000", "Mxyzptlk", "0000000000", "jjjjjj",
]  # fmt: skip


def sample_accounts(rng: random.Random, count: int) -> list[int]:
    """`count` existing account ids, chosen by the seed (by position in the id range, so the
    choice costs an index lookup per pick, not a scan of a million rows)."""
    from servicebook.customers.models import Account

    lo = Account.objects.order_by("pk").values_list("pk", flat=True).first()
    hi = Account.objects.order_by("-pk").values_list("pk", flat=True).first()
    if lo is None:
        raise SystemExit("No accounts: seed the database first (servicebook seed-demo).")
    ids: list[int] = []
    while len(ids) < count:
        pk = (
            Account.objects.filter(pk__gte=rng.randint(lo, hi))
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is not None and pk not in ids:
            ids.append(pk)
    return ids


def phone_formats(e164: str) -> list[str]:
    national = e164[2:]
    a, b, c = national[:3], national[3:6], national[6:]
    return [e164, f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", national, f"1 {a} {b} {c}"]


def build_queries(seed: int) -> list[tuple[str, str, int | None]]:
    """[(category, query, account id expected first or None)]."""
    from servicebook.customers.models import (
        Account,
        ContactEmail,
        ContactPhone,
        Customer,
        ServiceLocation,
    )

    rng = random.Random(seed)
    ids = sample_accounts(rng, 120)
    queries: list[tuple[str, str, int | None]] = []
    want = dict(CATEGORIES)

    def take(category: str, items) -> None:
        for item in items:
            if sum(1 for q in queries if q[0] == category) >= want[category]:
                return
            queries.append((category, *item))

    accounts = {a.pk: a for a in Account.objects.filter(pk__in=ids).select_related("customer")}
    take("account number", [(accounts[i].number, i) for i in ids])
    phones = list(ContactPhone.objects.filter(account_id__in=ids).order_by("account_id", "id"))
    formatted = []
    for n, phone in enumerate(phones):
        formatted.append((phone_formats(phone.e164)[n % 6], phone.account_id))
    take("phone", formatted)
    emails = ContactEmail.objects.filter(account_id__in=ids).order_by("account_id", "id")
    take("email", [(e.email, e.account_id) for e in emails])
    people = [accounts[i].customer for i in ids if accounts[i].customer.kind == "person"]
    orgs = [accounts[i].customer for i in ids if accounts[i].customer.kind != "person"]
    names = []
    for n, c in enumerate(people):
        names.append((f"{c.first_name} {c.last_name}" if n % 2 else c.display_name, None))
    names += [(c.organisation_name, None) for c in orgs]
    take("full name", names)
    take("surname prefix", [(c.last_name[: 3 + n % 3].lower(), None) for n, c in enumerate(people)])
    locations = ServiceLocation.objects.filter(account_id__in=ids, is_primary=True)
    take("street address", [(loc.line1, None) for loc in locations.order_by("account_id")])
    partial = []
    for n, loc in enumerate(locations.order_by("-account_id")):
        words = [w for w in loc.line1.split() if w.isalpha() and len(w) > 4]
        if words:
            partial.append((words[0][: 4 + n % 2].lower(), None))
        if n < len(orgs):
            word = orgs[n].organisation_name.split()[-1]
            partial.append((word[:4].lower(), None))
    take("partial word", partial)
    typing = []
    for c in people[10:]:
        for k in (2, 3, 4, 5):
            typing.append((c.last_name[:k].lower(), None))
    take("as you type", typing)
    take("miss", [(m, None) for m in MISSES])
    # Every customer the set names exists: a full name that finds nothing would be a miss.
    assert Customer.objects.exists()
    return queries


def main() -> None:
    args = parser(__doc__.splitlines()[0]).parse_args()
    setup_django(args.database_url)

    from django.db import connection

    from servicebook.customers.models import Account
    from servicebook.customers.selectors import account_search
    from servicebook.users.models import User

    user = User.objects.get(username="demo.rep")
    queries = build_queries(args.seed)
    accounts = Account.objects.count()
    print("Account search benchmark")
    for line in describe_machine():
        print("  " + line)
    print(f"  accounts: {accounts:,}; queries: {len(queries)}; rounds: {args.rounds} (+1 warm-up)")

    baseline_ids = [q[2] for q in queries if q[2] is not None][:50]

    def baseline_round() -> list[float]:
        samples = []
        for pk in baseline_ids:
            t = time.perf_counter()
            Account.objects.select_related("customer").get(pk=pk)
            samples.append(time.perf_counter() - t)
        return samples

    def search_round() -> tuple[list[float], dict[str, list[float]], dict[str, int]]:
        samples, by_category = [], defaultdict(list)
        first_right: dict[str, int] = defaultdict(int)
        for category, query, expected in queries:
            t = time.perf_counter()
            hits = account_search(user=user, query=query)
            elapsed = time.perf_counter() - t
            samples.append(elapsed)
            by_category[category].append(elapsed)
            if expected is not None and hits and hits[0].account_id == expected:
                first_right[category] += 1
        return samples, by_category, first_right

    search_round()  # warm-up: caches, prepared plans, page cache
    baseline_round()
    rounds, base_rounds, category_rounds = [], [], defaultdict(list)
    for _ in range(args.rounds):
        samples, by_category, first_right = search_round()
        rounds.append(percentiles(samples))
        base_rounds.append(percentiles(baseline_round()))
        for category, values in by_category.items():
            category_rounds[category].append(percentiles(values))
    result = median_of_rounds(rounds)
    base = median_of_rounds(base_rounds)
    print(f"\n  search    {fmt(result)}")
    print(f"  baseline  {fmt(base)}   (Account by primary key, same run)")
    print(
        f"  ratio     p50 {result['p50'] / base['p50']:.1f}x   p95 "
        f"{result['p95'] / base['p95']:.1f}x the baseline"
    )
    print("\n  by category (median of rounds):")
    expected_counts = defaultdict(int)
    for category, _, expected in queries:
        expected_counts[category] += expected is not None
    for category, _ in CATEGORIES:
        if category not in category_rounds:
            continue
        values = median_of_rounds(category_rounds[category])
        right = ""
        if expected_counts[category]:
            right = f"   exact match first: {first_right[category]}/{expected_counts[category]}"
        print(f"    {category:15} p50 {values['p50']:7.2f} ms  p95 {values['p95']:7.2f} ms{right}")
    target = 50.0 if connection.vendor == "postgresql" else 100.0
    verdict = "MET" if result["p95"] < target else "MISSED"
    print(f"\n  target: p95 < {target:.0f} ms -> {verdict} (p95 {result['p95']:.2f} ms)")
    spread = statistics.pstdev(r["p95"] for r in rounds)
    print(f"  p95 across rounds: min {min(r['p95'] for r in rounds):.2f}, max "
          f"{max(r['p95'] for r in rounds):.2f}, stdev {spread:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
