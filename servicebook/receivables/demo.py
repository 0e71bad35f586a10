"""Receivables' demo data (called by `servicebook seed-demo` through demo.app_seed_steps,
after billing's and payments', whose unpaid invoices make the delinquent book).

Reference data, idempotently: a default collection policy per customer class (residential
and the others with lower thresholds and letters; commercial with higher minimums), a
winter moratorium on severance in Minnesota-like jurisdiction "MN", and the standard
calendar as the protected days. Then the collections run, as the demo administrator, on
three days (twenty and ten days ago, and today), so the worklist shows accounts at the
reminder, past-due notice and disconnect notice steps. The run is set-based; the demo
policies charge no fee before the non-pay work order, which three runs do not reach, so
no per-account service call happens at any size.

Then the write-off side (issue 5): write-off approval limits for collections (500.00) and
supervisors (5,000.00) so their demo users see the write-off form, a default collection
agency, and two accounts that moved out owing money, final-billed and written off by hand
(as the demo administrator), the first one referred to the agency. Idempotent: a second
seed finds the demo write-offs and makes no others.
"""

from __future__ import annotations

import datetime as dt

from servicebook.core.models import BusinessCalendar
from servicebook.customers.choices import CustomerClass
from servicebook.demo.reference import SHOWCASE_PHONE

from .models import CollectionAgency, CollectionPolicy, Moratorium, WriteOff
from .services import StepInput, collection_policy_save, collections_run, run_user

LETTER = (
    "Dear {customer},\n\nAccount {account_number}: {amount_due} is past due as of "
    "{step_date}.\n{items}\n\nPlease pay it or call us to agree a payment arrangement."
)
NOTICE = (
    "DISCONNECT NOTICE — {customer}, account {account_number}\n\n{amount_due} is past due "
    "as of {step_date}:\n{items}\n\nService may be disconnected no sooner than {notice_days} "
    "days from this notice. To avoid it, pay the amount above, agree a payment arrangement, "
    "or tell us about a medical emergency. A reconnection fee applies after disconnection."
)


def _steps(minimum: str, notice_minimum: str) -> list[StepInput]:
    return [
        StepInput("reminder", minimum, 5, letter_template=LETTER),
        StepInput("past_due_notice", minimum, 10, letter_template=LETTER),
        StepInput("disconnect_notice", notice_minimum, 10, letter_template=NOTICE),
        StepInput("nonpay_work_order", notice_minimum, 12, fee_amount="25.00"),
        StepInput("disconnection", notice_minimum, 0),
        StepInput("final_bill", notice_minimum, 30),
        StepInput("write_off", notice_minimum, 90),
        StepInput("agency_referral", notice_minimum, 0),
    ]


def reference_ensure(actor, now: dt.datetime) -> dict[str, int]:
    made = 0
    calendar = BusinessCalendar.objects.order_by("pk").first()
    for value, label in CustomerClass.choices:
        if CollectionPolicy.objects.filter(customer_class=value, jurisdiction="").exists():
            continue
        commercial = value != CustomerClass.RESIDENTIAL
        collection_policy_save(
            name=f"{label} default",
            customer_class=value,
            steps=_steps("100.00" if commercial else "20.00", "250.00" if commercial else "50.00"),
            actor=actor,
            notice_min_days=10,
            notice_valid_days=60,
            min_temperature=None if commercial else -10,
            calendar=calendar,
        )
        made += 1
    year = now.year if now.month >= 11 else now.year - 1
    if not Moratorium.objects.filter(name="Winter moratorium (MN)").exists():
        Moratorium.objects.create(
            name="Winter moratorium (MN)",
            jurisdiction="MN",
            starts_on=dt.date(year, 11, 1),
            ends_on=dt.date(year + 1, 3, 31),
            step_kinds=["nonpay_work_order", "disconnection"],
        )
        made += 1
    return {"receivables_collectionpolicy+moratorium": made}


def seed_demo(*, seed: int, now: dt.datetime, accounts, log) -> dict[str, int]:
    actor = run_user()
    if actor is None:
        return {}
    made = reference_ensure(actor, now)
    today = now.date()
    taken = 0
    for days_ago in (20, 10, 0):
        report = collections_run(as_of=today - dt.timedelta(days=days_ago), actor=actor)
        taken += sum(report.taken.values())
        log(f"  collections run {report.summary()}")
    made["receivables_collectionaction"] = taken
    made |= write_offs_ensure(actor, accounts=accounts, log=log)
    return made


DEMO_WRITE_OFF_REASON = "Moved out, no forwarding address (demo)"
WRITE_OFF_LIMITS = {"collections": "500.00", "supervisor": "5000.00"}


def write_offs_ensure(actor, *, accounts, log) -> dict[str, int]:
    """Write-off limits, a default agency, two written-off accounts and one referral."""
    from decimal import Decimal

    from servicebook.customers.choices import AccountStatus
    from servicebook.customers.services import account_set_status
    from servicebook.ledger.models import OpenItem, OpenItemKind
    from servicebook.users.models import ApprovalKind, ApprovalLimit

    from .writeoffs import referral_place, write_off_post

    made = {"users_approvallimit": 0, "receivables_collectionagency": 0}
    for role, amount in WRITE_OFF_LIMITS.items():
        _, created = ApprovalLimit.objects.get_or_create(
            role=role, kind=ApprovalKind.WRITE_OFF, defaults={"max_amount": Decimal(amount)}
        )
        made["users_approvallimit"] += created
    agency, created = CollectionAgency.objects.get_or_create(
        code="northwind",
        defaults={
            "name": "Northwind Recovery Services",
            "commission_percent": Decimal("25.00"),
            "default": True,
        },
    )
    made["receivables_collectionagency"] += created
    if WriteOff.objects.filter(reason=DEMO_WRITE_OFF_REASON).exists():
        return made
    # Two active accounts of this seed owing undisputed money and not in collections (the
    # worklist keeps its accounts), the newest first: deterministic for the seed.
    owing = (
        OpenItem.objects.filter(
            kind=OpenItemKind.DEBIT,
            open_amount__gt=0,
            disputed_amount=0,
            account__in=accounts,
            account__status=AccountStatus.ACTIVE,
        )
        .exclude(account__phones__e164=SHOWCASE_PHONE)
        .exclude(account__collection_processes__isnull=False)
        .order_by("-account_id")
        .values_list("account_id", flat=True)
    )
    chosen: list[int] = []
    for account_id in owing[:50]:
        if account_id not in chosen:
            chosen.append(account_id)
        if len(chosen) == 2:
            break
    from servicebook.customers.models import Account

    for n, account in enumerate(Account.objects.filter(pk__in=chosen).order_by("-pk")):
        account_set_status(
            account=account,
            status=AccountStatus.FINAL_BILLED,
            reason="Moved out (demo)",
            actor=actor,
        )
        write_off = write_off_post(account=account, actor=actor, reason=DEMO_WRITE_OFF_REASON)
        made["receivables_writeoff"] = made.get("receivables_writeoff", 0) + 1
        log(f"  wrote off {write_off.amount} of account {account.number}")
        if n == 0:
            referral_place(account=account, actor=actor, agency=agency)
            made["receivables_agencyreferral"] = 1
    return made
