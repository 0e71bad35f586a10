"""Price-list lookup: `inventory.pricing.prices_for` for a 50-line quote on a random account,
against a realistic catalog: 5,000 items, 50 price lists (40 for customer classes, 10 for
single accounts: contract prices) with 100,000 lines, a third of them quantity breaks.

    .venv/bin/python benchmarks/price_lookup.py --database-url sqlite:////tmp/sb_bench_price.sqlite3
    createdb -h 127.0.0.1 -U postgres sb_bench_price
    .venv/bin/python benchmarks/price_lookup.py \
        --database-url postgres://postgres@127.0.0.1:5432/sb_bench_price

The first run migrates the database and builds the data set (set-based, a few seconds;
rows are marked with the `bench-` prefix and reused by later runs). Each round prices
--quotes quotes of 50 distinct random items with random quantities (1-60, so the breaks
matter) for a random account of the 40 (10 of them with their own account list, and 10
others with an active service contract naming one of the class lists, so the contract
level is in the lookup too), on today's date; one untimed warm-up round first. Each
figure is the median over the rounds of that round's percentile. It also reports the
queries per quote (fixed: 3).

Target (docs/benchmarks.md): p95 under 50 ms for a 50-line quote.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from common import describe_machine, fmt, median_of_rounds, parser, percentiles, setup_django

ITEMS = 5_000
LISTS_PER_CLASS = 10
ACCOUNT_LISTS = 10
LINES_TOTAL = 100_000
ACCOUNTS = 40


def build(rng: random.Random) -> None:
    """The catalog, the accounts and the price lists, unless a previous run made them."""
    from django.db import transaction

    from servicebook.billing.models import CatalogItem
    from servicebook.core.testing.factories import make_account, make_user
    from servicebook.customers.choices import CustomerClass
    from servicebook.customers.models import Account
    from servicebook.inventory.models import PriceList, PriceListLine
    from servicebook.ledger.models import LedgerAccount

    if PriceList.objects.filter(name__startswith="bench-").count() >= 50:
        return
    started = time.perf_counter()
    revenue = LedgerAccount.objects.get(code="4300")
    with transaction.atomic():
        CatalogItem.objects.bulk_create(
            [
                CatalogItem(
                    code=f"bench-{n:05d}",
                    name=f"Bench part {n}",
                    kind="part",
                    unit="each",
                    price=Decimal(rng.randint(100, 50_000)) / 100,
                    revenue_account=revenue,
                )
                for n in range(ITEMS)
            ],
            batch_size=1000,
        )
        admin = make_user("admin", username="bench-price-admin")
        accounts = [make_account(actor=admin, last_name=f"Bench{n}") for n in range(ACCOUNTS)]
        classes = list(CustomerClass.values)
        for n, account in enumerate(accounts):
            Account.objects.filter(pk=account.pk).update(customer_class=classes[n % len(classes)])
        lists = [
            PriceList(
                name=f"bench-{cls}-{k}",
                customer_class=cls,
                valid_from=dt.date(2020, 1, 1) + dt.timedelta(days=30 * k),
                priority=rng.randint(0, 3),
            )
            for cls in classes
            for k in range(LISTS_PER_CLASS)
        ] + [
            PriceList(
                name=f"bench-contract-{k}",
                account=accounts[k],
                valid_from=dt.date(2024, 1, 1),
            )
            for k in range(ACCOUNT_LISTS)
        ]
        PriceList.objects.bulk_create(lists)
        lists = list(PriceList.objects.filter(name__startswith="bench-"))
        item_ids = list(
            CatalogItem.objects.filter(code__startswith="bench-").values_list("pk", flat=True)
        )
        per_list = LINES_TOTAL // len(lists)  # 2,000 lines: 1,334 items, a third with a break
        rows = []
        for price_list in lists:
            count = 0
            for n, item_id in enumerate(rng.sample(item_ids, per_list)):
                if count >= per_list:
                    break
                pct = Decimal(rng.randint(1, 30))
                rows.append(
                    PriceListLine(price_list=price_list, catalog_item_id=item_id, percent_off=pct)
                )
                count += 1
                if n % 2 == 0 and count < per_list:  # a quantity break on every other item
                    rows.append(
                        PriceListLine(
                            price_list=price_list,
                            catalog_item_id=item_id,
                            min_quantity=Decimal(rng.choice([10, 25, 50])),
                            percent_off=min(pct + 10, Decimal(90)),
                        )
                    )
                    count += 1
        PriceListLine.objects.bulk_create(rows[:LINES_TOTAL], batch_size=2000)
    print(f"built the data set in {time.perf_counter() - started:.1f} s")


def build_contracts() -> None:
    """Ten active service contracts (on the accounts without an account list) naming a
    class list, unless a previous run made them: the contract level of prices_for."""
    from servicebook.contracts.models import ServiceContract
    from servicebook.customers.models import Account
    from servicebook.inventory.models import PriceList

    if ServiceContract.objects.filter(number__startswith="SC-BENCH-").exists():
        return
    accounts = list(Account.objects.filter(customer__last_name__startswith="Bench").order_by("pk"))[
        ACCOUNT_LISTS : 2 * ACCOUNT_LISTS
    ]
    lists = list(
        PriceList.objects.filter(name__startswith="bench-", account__isnull=True).order_by("pk")
    )
    ServiceContract.objects.bulk_create(
        ServiceContract(
            number=f"SC-BENCH-{k:03d}",
            account=account,
            name=f"bench contract {k}",
            status="active",
            start_date=dt.date(2024, 1, 1),
            end_date=dt.date(2099, 12, 31),
            price_list=lists[(7 * k) % len(lists)],
        )
        for k, account in enumerate(accounts)
    )


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--quotes", type=int, default=200, help="Quotes priced per round")
    p.add_argument("--lines", type=int, default=50, help="Lines per quote")
    args = p.parse_args()
    setup_django(args.database_url)

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from servicebook.billing.models import CatalogItem
    from servicebook.customers.models import Account
    from servicebook.inventory.models import PriceList, PriceListLine
    from servicebook.inventory.pricing import prices_for

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    build(rng)
    build_contracts()
    item_ids = list(
        CatalogItem.objects.filter(code__startswith="bench-").values_list("pk", flat=True)
    )
    account_ids = list(
        Account.objects.filter(customer__last_name__startswith="Bench").values_list("pk", flat=True)
    )
    accounts = {a.pk: a for a in Account.objects.filter(pk__in=account_ids)}
    today = timezone.localdate()

    def one_round() -> tuple[list[float], int]:
        samples, queries = [], 0
        for _ in range(args.quotes):
            account = accounts[rng.choice(account_ids)]
            quote = [(i, rng.randint(1, 60)) for i in rng.sample(item_ids, args.lines)]
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                prices = prices_for(account=account, items_with_qty=quote, on=today)
                samples.append(time.perf_counter() - t0)
            assert len(prices) == args.lines
            queries = max(queries, len(ctx.captured_queries))
        return samples, queries

    for line in describe_machine():
        print(line)
    print(
        f"data: {len(item_ids):,} items, "
        f"{PriceList.objects.filter(name__startswith='bench-').count()} price lists, "
        f"{PriceListLine.objects.filter(price_list__name__startswith='bench-').count():,} lines; "
        f"{len(account_ids)} accounts; {args.lines}-line quotes, {args.quotes} per round, "
        f"{args.rounds} rounds"
    )
    one_round()  # warm-up
    rounds, queries = [], 0
    for _ in range(args.rounds):
        samples, q = one_round()
        queries = max(queries, q)
        rounds.append(percentiles(samples))
    result = median_of_rounds(rounds)
    print(f"prices_for ({args.lines} lines): {fmt(result)}  queries/quote {queries}")
    print(f"median {result['p50']:.2f} ms, p95 {result['p95']:.2f} ms (target p95 < 50 ms)")


if __name__ == "__main__":
    main()
