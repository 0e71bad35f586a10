"""Credit's demo data (called by `servicebook seed-demo` through demo.app_seed_steps, after
payments').

Reference data, idempotently: one default policy of each kind (rating points and the
cash-only threshold, arrangements, deposits, restoration with billing's "restoration-fee"
tariff item) — records supervisors change in the admin, never constants.

Then, over the accounts the seed just wrote:

* a late-payment credit event on every account with a past-due charge, in one set-based
  call (credit_events_record_bulk), so scores and a few cash-only flags show at any scale;
* a few payment arrangements set up through the services (CREDIT_DEMO_ARRANGEMENTS,
  default 5), on accounts whose arrears the policy accepts;
* one account disconnected for non-payment (disconnection event), whose account page
  shows the amount to restore;
* one bankruptcy petition (chapter 13) with its pre/post-petition split and the
  adequate-assurance deposit billed.

Deterministic for the seed; the ledger verifies after it (deposits are billed, not
collected; nothing else moves money)."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from servicebook.customers.models import Account
from servicebook.ledger.models import OpenItem, OpenItemKind
from servicebook.users.models import User

from .models import (
    ArrangementPolicy,
    Bankruptcy,
    CreditPolicy,
    DepositPolicy,
    PaymentArrangement,
    RestorationPolicy,
)

POINTS = {
    "late_payment": 10,
    "returned_payment": 25,
    "disconnect_notice": 15,
    "disconnection": 40,
    "arrangement_broken": 30,
    "arrangement_kept": -20,
    "paid_on_time": -5,
    "write_off": 60,
    "bankruptcy": 50,
}


def reference_ensure() -> dict[str, int]:
    """The default policies, created when missing (an existing one is left as it is)."""
    from servicebook.billing.models import CatalogItem

    made = {}
    _, created = CreditPolicy.objects.get_or_create(
        name="Default rating",
        customer_class="",
        jurisdiction="",
        defaults={"points": POINTS, "starting_score": 0, "cash_only_threshold": 60},
    )
    made["credit_creditpolicy"] = int(created)
    _, created = ArrangementPolicy.objects.get_or_create(
        name="Default arrangements",
        customer_class="",
        jurisdiction="",
        defaults={
            "min_arrears": Decimal("50.00"),
            "broken_lookback_months": 12,
            "down_payment_kind": "percent",
            "down_payment_value": Decimal("25.00"),
            "down_payment_cap_percent": Decimal("50.00"),
            "max_installments": 6,
            "installment_day": 15,
            "grace_days": 5,
        },
    )
    made["credit_arrangementpolicy"] = int(created)
    _, created = DepositPolicy.objects.get_or_create(
        name="Default deposits",
        customer_class="",
        jurisdiction="",
        defaults={
            "score_threshold": 40,
            "months_of_billing": Decimal("2"),
            "minimum": Decimal("50.00"),
            "cap": Decimal("600.00"),
        },
    )
    made["credit_depositpolicy"] = int(created)
    _, created = RestorationPolicy.objects.get_or_create(
        name="Default restoration",
        customer_class="",
        jurisdiction="",
        defaults={
            "fee_item": CatalogItem.objects.filter(code="restoration-fee").first(),
            "fee_amount": Decimal("50.00"),
            "reconnect_target_hours": 24,
        },
    )
    made["credit_restorationpolicy"] = int(created)
    return made


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def seed_demo(*, seed: int, now: dt.datetime, accounts, log) -> dict[str, int]:
    with transaction.atomic():
        return _seed(seed=seed, now=now, accounts=accounts, log=log)


def _seed(*, seed: int, now: dt.datetime, accounts, log) -> dict[str, int]:
    from .services import (
        arrangement_create,
        arrangement_proposal,
        bankruptcy_file,
        credit_event_record,
        credit_events_record_bulk,
    )

    made = reference_ensure()
    today = now.date()
    late = (
        OpenItem.objects.filter(
            account__in=accounts,
            kind=OpenItemKind.DEBIT,
            open_amount__gt=0,
            due_date__lt=today,
        )
        .values("account_id")
        .distinct()
    )
    made["credit_creditevent"] = credit_events_record_bulk(
        account_ids=late, kind="late_payment", on=today, source=f"demo:{seed}"
    )
    log(f"  credit: {made['credit_creditevent']:,} late-payment events")
    rep = _user("demo.rep") or _user("demo.admin")
    collector = _user("demo.collections") or _user("demo.admin")
    admin = _user("demo.admin")
    if rep is None or collector is None or admin is None:
        log("  credit: no demo users; no arrangements or cases seeded")
        return made
    # The most-owing accounts first: they are the ones a collector would call.
    owing = list(
        OpenItem.objects.filter(
            account__in=accounts,
            account__status="active",
            kind=OpenItemKind.DEBIT,
            open_amount__gt=0,
            due_date__lt=today,
        )
        .values("account_id")
        .annotate(due=Sum("open_amount"))
        .order_by("-due", "account_id")[:200]
    )
    candidates = [row["account_id"] for row in owing]
    by_pk = Account.objects.in_bulk(candidates)
    wanted = int(os.environ.get("CREDIT_DEMO_ARRANGEMENTS", "5"))
    arranged = 0
    used: set[int] = set()
    for pk in candidates:
        if arranged >= wanted:
            break
        account = by_pk[pk]
        if not arrangement_proposal(account=account, on=today).eligible:
            continue
        arrangement_create(account=account, actor=rep, on=today, installments=3 + (pk + seed) % 4)
        used.add(pk)
        arranged += 1
    made["credit_paymentarrangement"] = PaymentArrangement.objects.filter(
        account_id__in=used
    ).count()
    rest = [pk for pk in candidates if pk not in used]
    if rest:
        from servicebook.customers.services import account_set_status

        account = by_pk[rest[0]]
        account_set_status(
            account=account,
            status="disconnected",
            reason="Disconnected for non-payment (demo)",
            actor=admin,
        )
        credit_event_record(
            account=account, kind="disconnection", on=today, actor=admin, source="demo"
        )
        log(f"  credit: account {account.number} disconnected, restoration quoted")
    if len(rest) > 1:
        account = by_pk[rest[1]]
        bankruptcy_file(
            account=account,
            petition_date=today - dt.timedelta(days=3),
            chapter="13",
            court="U.S. Bankruptcy Court, District of Colorado",
            case_number=f"26-{10000 + seed % 9000}",
            actor=collector,
        )
        made["credit_bankruptcy"] = Bankruptcy.objects.filter(account=account).count()
        log(f"  credit: account {account.number} in bankruptcy (chapter 13)")
    return made
