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
"""

from __future__ import annotations

import datetime as dt

from servicebook.core.models import BusinessCalendar
from servicebook.customers.choices import CustomerClass

from .models import CollectionPolicy, Moratorium
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
    return made
