"""Billing's demo data (called by `servicebook seed-demo` through demo.app_seed_steps).

Reference data, idempotently: tax codes and rates, the catalog (a recurring service per
kind of agreement, labour, parts and fees). Then, for the accounts the seed just wrote:

* a billing profile on cycle 1-4 (by account id), paper or email (two in five, with the
  account's primary email);
* a recurring charge on every agreement that is not ended, with the price of its kind
  (maintenance contracts bill annually, everything else monthly);
* a few months of issued invoices, billed by the bill run's own bulk path (the same rows
  invoice_issue writes: journal entries, open items, cached balances), so `ledger-verify`
  holds after seeding. `BILLING_DEMO_MONTHS` months before the seed's month (default 3;
  one from 100,000 accounts; none from 500,000, where bill runs with several workers after
  the seed do it faster than the seed's one transaction); the seed's own month is left for
  a person to run (`servicebook bill-run --cycle 1 --period YYYY-MM`).

Profiles and charges are written with INSERT ... SELECT over the new accounts (set-based,
both databases); invoices chunk by chunk like any bill run.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max, Min

from servicebook.ledger.models import LedgerAccount

from . import pricing
from .billrun import bill_run_execute, bill_run_start
from .models import BillCycle, CatalogItem, TaxCode, TaxRate

TAX_CODES = [
    # code, name, [(jurisdiction, rate)]
    ("standard", "Sales tax", [("", "0.0800"), ("CO-Denver", "0.0881")]),
    ("utility", "Utility users' tax", [("", "0.0350")]),
    ("telecom", "Telecommunications tax", [("", "0.0625")]),
    ("exempt", "Exempt", [("", "0.0000")]),
]
# code, name, kind, unit, price, tax code, revenue ledger account code
CATALOG = [
    ("electric-basic", "Electric basic charge", "recurring", "month", "12.50", "utility", "4200"),
    ("gas-basic", "Gas basic service charge", "recurring", "month", "10.00", "utility", "4200"),
    ("water-basic", "Water service charge", "recurring", "month", "15.75", "utility", "4200"),
    ("internet-plan", "Internet service", "recurring", "month", "65.00", "telecom", "4200"),
    ("phone-line", "Phone line", "recurring", "month", "29.99", "telecom", "4200"),
    ("maintenance-plan", "Maintenance plan", "recurring", "month", "19.99", "standard", "4200"),
    ("monitoring", "Alarm monitoring", "recurring", "month", "24.99", "standard", "4200"),
    ("labour-hour", "Technician labour", "labour", "hour", "95.00", "exempt", "4400"),
    ("labour-overtime", "Labour, after hours", "labour", "hour", "142.50", "exempt", "4400"),
    ("trip-charge", "Trip charge", "fee", "visit", "79.00", "exempt", "4500"),
    ("air-filter", "Air filter, 16x25x1 MERV 11", "part", "each", "18.49", "standard", "4300"),
    ("capacitor", "Run capacitor 45/5 MFD", "part", "each", "38.00", "standard", "4300"),
    ("thermostat", "Programmable thermostat", "part", "each", "129.00", "standard", "4300"),
    ("modem", "Cable modem", "part", "each", "89.00", "standard", "4300"),
    ("late-fee", "Late payment fee", "fee", "each", "15.00", "exempt", "4500"),
    ("restoration-fee", "Service restoration fee", "fee", "each", "50.00", "exempt", "4500"),
    ("returned-payment-fee", "Returned payment fee", "fee", "each", "25.00", "exempt", "4500"),
]  # fmt: skip
# Agreement kind -> (catalog item, frequency)
CHARGE_FOR_KIND = {
    "electric": ("electric-basic", "monthly"),
    "gas": ("gas-basic", "monthly"),
    "water": ("water-basic", "monthly"),
    "internet": ("internet-plan", "monthly"),
    "phone_line": ("phone-line", "monthly"),
    "maintenance": ("maintenance-plan", "annual"),
    "monitoring": ("monitoring", "monthly"),
}
BULK_FROM = 100_000


def reference_ensure() -> dict[str, int]:
    """Tax codes, rates and the catalog, where missing (an edited price survives)."""
    made = {"billing_taxcode": 0, "billing_taxrate": 0, "billing_catalogitem": 0}
    codes = {}
    for code, name, rates in TAX_CODES:
        tax_code, new = TaxCode.objects.get_or_create(code=code, defaults={"name": name})
        codes[code] = tax_code
        made["billing_taxcode"] += new
        for jurisdiction, rate in rates:
            _, new = TaxRate.objects.get_or_create(
                tax_code=tax_code,
                jurisdiction=jurisdiction,
                valid_from=dt.date(2020, 1, 1),
                defaults={"rate": Decimal(rate)},
            )
            made["billing_taxrate"] += new
    ledger = {a.code: a for a in LedgerAccount.objects.all()}
    for code, name, kind, unit, price, tax, revenue in CATALOG:
        _, new = CatalogItem.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "unit": unit,
                "price": Decimal(price),
                "tax_code": codes[tax],
                "revenue_account": ledger[revenue],
            },
        )
        made["billing_catalogitem"] += new
    return made


# From this many accounts the seed bills no history unless BILLING_DEMO_MONTHS says so: a
# month of a million accounts took 537 s of a 953 s seed, billed in the seed's one
# transaction by one process, where `servicebook bill-run --worker K/N` afterwards bills it
# in parallel (docs/benchmarks.md).
HISTORY_UP_TO = 500_000


def _history_months(now: dt.datetime, accounts: int) -> list[dt.date]:
    default = 3 if accounts < BULK_FROM else 1 if accounts < HISTORY_UP_TO else 0
    count = int(os.environ.get("BILLING_DEMO_MONTHS", default))
    this_month = now.date().replace(day=1)
    return [pricing.add_months(this_month, -k) for k in range(count, 0, -1)]


def seed_demo(*, seed: int, now: dt.datetime, accounts, log) -> dict[str, int]:
    made = reference_ensure()
    bounds = accounts.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return made
    low, high = bounds["low"], bounds["high"]
    n_accounts = accounts.count()
    months = _history_months(now, n_accounts)
    first_month = months[0] if months else now.date().replace(day=1)
    cycles = dict(BillCycle.objects.values_list("number", "pk"))
    stamp = now
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # At 1,000,000 accounts the profile INSERT below ran 13 minutes without
            # finishing (2026-11-23). The tables it reads and writes are filled in this
            # same transaction, never analysed, so the planner takes them for tiny: a
            # per-account scan of the e-mails for the MIN() subquery, or a nested loop for
            # the NOT EXISTS that rescans the growing table being inserted into, is
            # quadratic. Hash joins read each table once.
            cursor.execute("SET LOCAL enable_nestloop = off")
            # The same reason: seed-demo analyses the tables it loaded only after the apps'
            # steps, so give the planner the real sizes of what these inserts read.
            cursor.execute(
                "ANALYZE customers_account, customers_contactemail, customers_serviceagreement"
            )
        # Profiles: cycle 1-4 by account id; two in five by email where there is one.
        cycle_case = " ".join(
            f"WHEN {n - 1} THEN {pk}" for n, pk in sorted(cycles.items()) if n <= 4
        )
        cursor.execute(
            f"""
            INSERT INTO billing_billingprofile
                (account_id, cycle_id, terms_days, delivery, email, created_at, updated_at)
            SELECT a.id, CASE a.id %% 4 {cycle_case} END, NULL,
                   CASE WHEN a.id %% 5 < 2 AND e.email IS NOT NULL THEN 'email' ELSE 'paper' END,
                   CASE WHEN a.id %% 5 < 2 AND e.email IS NOT NULL THEN e.email ELSE '' END,
                   %s, %s
            FROM customers_account a
            LEFT JOIN customers_contactemail e ON e.id = (
                SELECT MIN(e2.id) FROM customers_contactemail e2 WHERE e2.account_id = a.id)
            WHERE a.id BETWEEN %s AND %s
              AND NOT EXISTS (SELECT 1 FROM billing_billingprofile p WHERE p.account_id = a.id)
            """,  # noqa: S608 - the CASE is built from integer keys
            [stamp, stamp, low, high],
        )
        made["billing_billingprofile"] = cursor.rowcount
        # Charges: one per agreement still running, billed through the month before the
        # history so the runs below bill the history months and nothing older.
        items = dict(CatalogItem.objects.values_list("code", "pk"))
        item_case = " ".join(
            f"WHEN '{kind}' THEN {items[code]}" for kind, (code, _) in CHARGE_FOR_KIND.items()
        )
        frequency_case = " ".join(
            f"WHEN '{kind}' THEN '{frequency}'" for kind, (_, frequency) in CHARGE_FOR_KIND.items()
        )
        before_history = first_month - dt.timedelta(days=1)
        cursor.execute(
            f"""
            INSERT INTO billing_recurringcharge
                (agreement_id, account_id, catalog_item_id, quantity, price_override, frequency,
                 start_date, end_date, billed_through, replaces_id, created_at, updated_at)
            SELECT g.id, g.account_id, CASE g.kind {item_case} END, 1, NULL,
                   CASE g.kind {frequency_case} END, g.start_date, g.end_date,
                   CASE WHEN g.start_date <= %s THEN %s ELSE NULL END, NULL, %s, %s
            FROM customers_serviceagreement g
            WHERE g.account_id BETWEEN %s AND %s AND g.status <> 'ended'
              AND g.kind IN ({", ".join(f"'{k}'" for k in CHARGE_FOR_KIND)})
              AND NOT EXISTS (SELECT 1 FROM billing_recurringcharge c WHERE c.agreement_id = g.id)
            """,  # noqa: S608 - built from the constants above
            [before_history, before_history, stamp, stamp, low, high],
        )
        made["billing_recurringcharge"] = cursor.rowcount
        if connection.vendor == "postgresql":
            cursor.execute("RESET enable_nestloop")  # the bill runs below plan as usual
    if connection.vendor == "postgresql" and n_accounts >= BULK_FROM:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE billing_billingprofile")
            cursor.execute("ANALYZE billing_recurringcharge")
    invoices = 0
    if not months:
        log(
            "  billing: no invoice history at this size (BILLING_DEMO_MONTHS=1 bills a month "
            "in the seed; or afterwards, per cycle C: servicebook bill-run --cycle C "
            "--period YYYY-MM --worker K/N)"
        )
    for month in months:
        for number in sorted(n for n in cycles if n <= 4):
            run = bill_run_start(cycle=number, period=f"{month:%Y-%m}", issued_on=month)
            report = bill_run_execute(run, chunk_size=5000)
            invoices += report.invoices
            log(
                f"  billing: cycle {number} {month:%Y-%m}: {report.invoices:,} invoices, "
                f"{report.rate:,.0f} accounts/s"
            )
    made["billing_invoice"] = invoices
    return made
