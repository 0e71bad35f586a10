"""Payments' demo data (called by `servicebook seed-demo` through demo.app_seed_steps, after
billing's, whose issued invoices these payments pay).

Reference data, idempotently: approval limits per role for refunds and adjustments (records,
never constants: supervisors change them in the admin). Then, for a few hundred of the
accounts the seed just wrote that owe something (the demo seeds thousands; posting through
the services costs a few milliseconds a payment, so the set is capped at
`PAYMENTS_DEMO_ACCOUNTS`, default 300):

* most pay their balance in full, some in part, a few pay too much (unapplied credit);
  by card over the phone (test gateway numbers), bank debit, check or cash at the counter;
* a few checks come back unpaid (returned with the returned-payment fee);
* a few overpayments are refunded to the original method, and one refund waits above the
  representative's limit on the approvals page;
* a few deposits are billed and collected, a few charges disputed, a goodwill adjustment;
* a lockbox file is imported, with one credit nobody's account matches waiting in the
  exception queue.

Everything goes through the services, as a person would post it, so the ledger verifies
(`servicebook ledger-verify`) after the seed. Deterministic for the seed (the choices; card
tokens are the gateway's own random strings).
"""

from __future__ import annotations

import datetime as dt
import os
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from servicebook.core.money import to_money
from servicebook.ledger.models import OpenItem, OpenItemKind
from servicebook.users.models import ApprovalLimit, User

from . import services
from .bankfiles.services import bank_file_import
from .models import AdjustmentReason, Deposit, Dispute, Payment, Refund

# role: (refund limit, adjustment limit)
APPROVAL_LIMITS = {
    "rep1": ("50.00", "0.00"),
    "rep2": ("200.00", "0.00"),
    "billing": ("1000.00", "500.00"),
    "collections": ("500.00", "250.00"),
    "supervisor": ("10000.00", "5000.00"),
}
CARDS = ["4242 4242 4242 4242", "5555 5555 5555 4444", "6011 1111 1111 1117"]
CVC = {"4": "123", "5": "456", "6": "789"}
ROUTING = ["011000015", "021000021", "102001017"]


def reference_ensure() -> dict[str, int]:
    made = 0
    for role, (refund, adjustment) in APPROVAL_LIMITS.items():
        for kind, amount in (("refund", refund), ("adjustment", adjustment)):
            _, created = ApprovalLimit.objects.get_or_create(
                role=role, kind=kind, defaults={"max_amount": Decimal(amount)}
            )
            made += created
    return {"users_approvallimit": made}


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def seed_demo(*, seed: int, now: dt.datetime, accounts, log) -> dict[str, int]:
    # One transaction for the lot: every service's own transaction becomes a savepoint, so
    # the seed pays for one commit rather than one per payment (and is all or nothing).
    with transaction.atomic():
        return _seed(seed=seed, now=now, accounts=accounts, log=log)


def _seed(*, seed: int, now: dt.datetime, accounts, log) -> dict[str, int]:
    made = reference_ensure()
    rep = _user("demo.rep2") or _user("demo.admin")
    biller = _user("demo.billing") or _user("demo.admin")
    if rep is None or biller is None:
        log("  payments: no demo users; no payments seeded")
        return made
    limit = int(os.environ.get("PAYMENTS_DEMO_ACCOUNTS", "300"))
    owing = list(
        OpenItem.objects.filter(account__in=accounts, kind=OpenItemKind.DEBIT, open_amount__gt=0)
        .values("account_id")
        .annotate(due=Sum("open_amount"))
        .order_by("account_id")[: limit * 3]
    )
    rng = random.Random(seed * 7919 + 3)
    chosen = sorted(rng.sample(owing, min(limit, len(owing))), key=lambda r: r["account_id"])
    before = {model: model.objects.count() for model in (Payment, Refund, Deposit, Dispute)}
    today = now.date()
    payments: list[Payment] = []
    from servicebook.customers.models import Account

    by_pk = Account.objects.in_bulk([row["account_id"] for row in chosen])
    for n, row in enumerate(chosen):
        account = by_pk[row["account_id"]]
        due = to_money(row["due"])
        roll = rng.random()
        if n == 0:  # the overpayment whose refund waits for a supervisor
            amount = due + Decimal("80.00")
        elif roll < 0.62:
            amount = due
        elif roll < 0.9:
            amount = to_money(due * Decimal(rng.randint(25, 80)) / 100) or due
        else:
            amount = due + Decimal(rng.choice(["5.00", "10.00", "20.00", "37.50"]))
        payment = _pay(
            account=account,
            amount=max(amount, Decimal("1.00")),
            rng=rng,
            key=f"demo:{seed}:{account.number}:pay",
            on=today - dt.timedelta(days=rng.randint(0, 20)),
            rep=rep,
            biller=biller,
        )
        payments.append(payment)
        if n % 50 == 0:
            log(f"    payments: {n:,} of {len(chosen):,}")
    _returns(payments, rng, biller)
    _refunds(payments, seed, rep, biller)
    _deposits(chosen, seed, rng, by_pk, biller)
    _disputes(chosen, rng, by_pk, rep, biller, seed)
    _lockbox(chosen, seed, today, by_pk, biller)
    for model, count in before.items():
        made[model._meta.db_table] = model.objects.count() - count
    return made


def _pay(*, account, amount, rng, key, on, rep, biller) -> Payment:
    """One payment as the desk would take it: a card by phone, a bank debit, a check by
    mail or at the counter, or cash at the counter."""
    roll = rng.random()
    common = {
        "account": account,
        "amount": amount,
        "idempotency_key": key,
        "received_on": on,
    }
    if roll < 0.35:
        number = rng.choice(CARDS)
        card = services.card_tokenize(
            account=account,
            number=number,
            exp_month=rng.randint(1, 12),
            exp_year=on.year + rng.randint(1, 4),
            cvc=CVC[number[0]],
            actor=rep,
        )
        return services.payment_post(method="card", channel="phone", card=card, actor=rep, **common)
    if roll < 0.5:
        bank = services.bank_account_add(
            account=account,
            routing_number=rng.choice(ROUTING),
            account_number=str(rng.randint(10**7, 10**10 - 1)),
            actor=rep,
        )
        return services.payment_post(
            method="ach", channel="phone", bank_account=bank, actor=rep, **common
        )
    if roll < 0.85:
        return services.payment_post(
            method="check",
            channel=rng.choice(["counter", "phone"]),
            check_number=str(rng.randint(1001, 9899)),
            actor=biller,
            **common,
        )
    return services.payment_post(method="cash", channel="counter", actor=biller, **common)


def _returns(payments, rng, biller) -> None:
    """A few checks bounce: the charges they paid open again, with the returned-payment fee."""
    checks = [p for p in payments if p.method == "check"]
    for payment in rng.sample(checks, min(4, len(checks))):
        services.payment_reverse(
            payment=payment, reason="nsf", note="Returned by the bank: NSF", actor=biller
        )


def _refunds(payments, seed, rep, biller) -> None:
    """Three overpayments refunded to the original method by billing; the first payment's
    80.00 over is asked back by a tier-I representative, above their limit: it waits on
    the approvals page."""
    # The in-memory payments do not know what was allocated since: read the credit fresh.
    posted = [p for p in payments if p.credit_item_id]
    fresh = dict(
        OpenItem.objects.filter(
            pk__in=[p.credit_item_id for p in posted], open_amount__gt=0
        ).values_list("pk", "open_amount")
    )
    over = [p for p in posted if p.credit_item_id in fresh]
    desk = _user("demo.rep")
    for i, payment in enumerate(over[:4]):
        amount = fresh[payment.credit_item_id]
        waits = i == 0 and desk is not None and payment is payments[0]
        services.refund_request(
            payment=payment,
            amount=amount,
            reason="Paid more than the bill",
            request_approval=waits,
            idempotency_key=f"demo:{seed}:{payment.account.number}:refund",
            actor=desk if waits else biller,
        )


def _deposits(chosen, seed, rng, by_pk, biller) -> None:
    """New-service deposits: billed and collected by check (held as a liability)."""
    for row in chosen[-3:]:
        account = by_pk[row["account_id"]]
        if Deposit.objects.filter(account=account).exists():
            continue
        deposit = services.deposit_bill(
            account=account, amount="150.00", reason="New service, no credit history", actor=biller
        )
        services.deposit_collect(
            deposit=deposit,
            amount="150.00",
            method="check",
            channel="counter",
            check_number=str(rng.randint(1001, 9899)),
            idempotency_key=f"demo:{seed}:{account.number}:deposit",
            actor=biller,
        )


def _disputes(chosen, rng, by_pk, rep, biller, seed) -> None:
    """Two charges disputed (held out of collections), one goodwill credit."""
    open_items = list(
        OpenItem.objects.filter(
            account_id__in=[r["account_id"] for r in chosen],
            kind=OpenItemKind.DEBIT,
            open_amount__gt=Decimal("20.00"),
            disputed_amount=0,
            document_type="invoice",
        ).order_by("account_id", "id")[:20]
    )
    for item in open_items[:2]:
        services.dispute_open(
            item=item,
            amount=to_money(item.open_amount / 2),
            reason="Customer says the meter was misread",
            actor=rep,
        )
    reason = AdjustmentReason.objects.filter(code="goodwill").first()
    if reason is not None and len(open_items) > 2:
        item = open_items[2]
        services.adjustment_post(
            account=item.account,
            amount="10.00",
            direction="credit",
            reason=reason,
            memo="Technician arrived late",
            idempotency_key=f"demo:{seed}:{item.account.number}:goodwill",
            actor=biller,
        )


def _lockbox(chosen, seed, today, by_pk, biller) -> None:
    """The morning's lockbox file: a few checks for accounts that still owe, and one whose
    account number nobody has (it waits in the exception queue)."""
    lines = ["account_number,amount,check_number,date,invoice_reference"]
    for i, row in enumerate(chosen[:4]):
        account = by_pk[row["account_id"]]
        lines.append(f"{account.number},{Decimal('25.00') + i},{5001 + i},{today:%Y-%m-%d},")
    lines.append(f",42.17,{5101 + seed % 100},{today:%Y-%m-%d},")
    bank_file_import(
        content=("\n".join(lines) + "\n").encode(),
        name=f"lockbox-{today:%Y%m%d}.csv",
        actor=biller,
    )
