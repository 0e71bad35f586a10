"""What every payments service shares: amounts, locks, the unapplied-credit
reclassification, oldest-first plans, approval limits and the billing bridge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, F, Sum
from django.db.models.functions import Round

from servicebook.core.errors import ValidationFailed
from servicebook.core.money import ZERO, to_money
from servicebook.customers.models import Account
from servicebook.ledger.models import (
    AccountBalance,
    JournalLine,
    LedgerRole,
    OpenItem,
    OpenItemKind,
)
from servicebook.ledger.services import (
    Line,
    allocate,
    allocate_within,
    journal_post,
    open_credits,
    open_debits,
)
from servicebook.users.services import approval_limit_for


def cents(expression):
    """Arithmetic done in the database, rounded to cents (SQLite computes decimals as
    binary floats; see the ledger's services)."""
    return Round(expression, 2, output_field=DecimalField(max_digits=14, decimal_places=2))


def amount_of(value, *, field: str = "amount", maximum: Decimal | None = None) -> Decimal:
    """A positive amount in cents, or a ValidationFailed naming the field."""
    try:
        amount = to_money(value)
    except (TypeError, ValueError):
        raise ValidationFailed({field: ["Enter an amount like 125.40."]}) from None
    if amount <= 0:
        raise ValidationFailed({field: ["The amount must be more than zero."]})
    limit = maximum if maximum is not None else to_money(settings.PAYMENTS_MAX_AMOUNT)
    if amount > limit:
        raise ValidationFailed({field: [f"The amount is above the largest accepted, {limit}."]})
    return amount


def text_of(value: str | None, *, field: str, required: bool = True, max_length: int = 300) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed({field: ["This is required."]})
    if len(text) > max_length:
        raise ValidationFailed({field: [f"At most {max_length} characters."]})
    return text


def lock_balances(*accounts: Account) -> None:
    """Lock the accounts' balance rows, in id order (two services locking the same two
    accounts never deadlock). Postings, allocations and reclassifications of one account
    then happen one at a time. On SQLite the IMMEDIATE transaction already serialises."""
    ids = sorted({a.pk for a in accounts})
    for account_id in ids:
        AccountBalance.objects.get_or_create(account_id=account_id)
    list(
        AccountBalance.objects.select_for_update()
        .filter(account_id__in=ids)
        .order_by("account_id")
        .values_list("account_id", flat=True)
    )


def open_credit_total(account: Account) -> Decimal:
    total = OpenItem.objects.filter(
        account=account, kind=OpenItemKind.CREDIT, open_amount__gt=0
    ).aggregate(t=Sum("open_amount"))["t"]
    return to_money(total or ZERO)


def unapplied_in_ledger(account: Account) -> Decimal:
    total = JournalLine.objects.filter(
        account=account, ledger_account__role=LedgerRole.UNAPPLIED_CREDIT
    ).aggregate(t=Sum("amount"))["t"]
    return to_money(total or ZERO)


def unapplied_sync(*, account: Account, actor, memo: str = "") -> Decimal:
    """Keep unapplied credit equal to the account's open credit items (ledger contract: an
    unallocated credit sits in unapplied credit, not as negative receivable). Posts one
    reclassification entry for the difference — debit receivable / credit unapplied when
    credit was left over, the reverse when credit was applied — and returns it (0 when
    nothing moved). The balance (receivable + unapplied) does not change."""
    delta = -open_credit_total(account) - unapplied_in_ledger(account)
    if delta:
        journal_post(
            lines=[
                Line(LedgerRole.UNAPPLIED_CREDIT, delta, account),
                Line(LedgerRole.RECEIVABLE, -delta, account),
            ],
            memo=memo
            or ("Unapplied credit held" if delta < 0 else "Unapplied credit applied to charges"),
            source_type="reclass",
            source_id=str(account.pk),
            actor=actor,
        )
    return delta


def oldest_first_plan(
    account: Account, amount: Decimal, *, exclude: Iterable[int] = ()
) -> list[tuple[OpenItem, Decimal]]:
    """How `amount` pays the account's open debits: oldest due first, undisputed amounts
    before disputed ones (a payment should not settle a charge the customer contests while
    other debt is open; what is left after all undisputed debt goes to disputed amounts)."""
    debits = [d for d in open_debits(account) if d.pk not in set(exclude)]
    plan: dict[int, Decimal] = {}
    remaining = amount
    for pass_disputed in (False, True):
        for debit in debits:
            if remaining <= 0:
                break
            already = plan.get(debit.pk, ZERO)
            undisputed = max(debit.open_amount - debit.disputed_amount, ZERO)
            room = (debit.open_amount if pass_disputed else undisputed) - already
            if room <= 0:
                continue
            take = min(room, remaining)
            plan[debit.pk] = already + take
            remaining -= take
    by_id = {d.pk: d for d in debits}
    return [(by_id[pk], value) for pk, value in plan.items()]


def manual_plan(
    account: Account, allocations: Iterable[tuple[OpenItem | int, Decimal]], *, total: Decimal
) -> list[tuple[OpenItem, Decimal]]:
    """The user's own allocation (an override of oldest-first): each item must be an open
    debit of this account, each amount positive and within what is open, and together no
    more than `total`."""
    rows = list(allocations)
    ids = [item.pk if isinstance(item, OpenItem) else int(item) for item, _ in rows]
    items = {
        i.pk: i
        for i in OpenItem.objects.filter(pk__in=ids, account=account, kind=OpenItemKind.DEBIT)
    }
    plan: dict[int, Decimal] = {}
    errors: list[str] = []
    for item_id, (_, raw) in zip(ids, rows, strict=True):
        item = items.get(item_id)
        if item is None:
            errors.append(f"Item {item_id} is not an open charge of this account.")
            continue
        try:
            value = to_money(raw)
        except (TypeError, ValueError):
            errors.append(f"{item.reference}: enter an amount like 40.00.")
            continue
        if value <= 0:
            errors.append(f"{item.reference}: allocate more than zero.")
            continue
        plan[item_id] = plan.get(item_id, ZERO) + value
        if plan[item_id] > item.open_amount:
            errors.append(f"{item.reference} has only {item.open_amount} open.")
    if not errors and sum(plan.values(), ZERO) > total:
        errors.append(f"The allocations add up to more than {total}.")
    if errors:
        raise ValidationFailed({"allocations": errors})
    return [(items[pk], value) for pk, value in plan.items()]


def allocate_plan(credit: OpenItem, plan: list[tuple[OpenItem, Decimal]], actor) -> list[int]:
    """Allocate the credit per plan; returns the debit ids touched. Inside the posting's
    transaction: a refusal fails the whole posting."""
    for debit, value in plan:
        allocate_within(debit=debit, credit=credit, amount=value, actor=actor)
    return [debit.pk for debit, _ in plan]


def apply_open_credits(
    account: Account, *, actor, first: OpenItem | None = None, limit_to: OpenItem | None = None
) -> list[int]:
    """Apply the account's open credits to its open debits (or only to `limit_to`), oldest
    first, `first` before the others; returns the debit ids touched. The caller locked the
    balance and syncs unapplied credit afterwards."""
    credits = list(open_credits(account))
    if first is not None:
        credits.sort(key=lambda c: c.pk != first.pk)
    touched: list[int] = []
    for credit in credits:
        credit.refresh_from_db(fields=["open_amount"])
        remaining = credit.open_amount
        if remaining <= 0:
            continue
        if limit_to is not None:
            limit_to.refresh_from_db(fields=["open_amount", "disputed_amount"])
            plan = [(limit_to, min(remaining, limit_to.open_amount))]
            plan = [(d, v) for d, v in plan if v > 0]
        else:
            plan = oldest_first_plan(account, remaining)
        touched += allocate_plan(credit, plan, actor)
    return touched


def consume_credits(
    account: Account, debit: OpenItem, amount: Decimal, *, actor, first: OpenItem | None = None
) -> None:
    """Pay `debit` (a refund, a transfer out) from the account's open credits, `first`
    before the others; a Conflict if they do not cover `amount`."""
    from servicebook.core.errors import Conflict

    credits = list(open_credits(account))
    if first is not None:
        credits.sort(key=lambda c: c.pk != first.pk)
    remaining = amount
    for credit in credits:
        if remaining <= 0:
            break
        take = min(credit.open_amount, remaining)
        if take > 0:
            allocate(debit=debit, credit=credit, amount=take, actor=actor)
            remaining -= take
    if remaining > 0:
        raise Conflict(f"The account's open credit no longer covers {amount}.")


def over_limit(actor, kind: str, amount: Decimal) -> Decimal | None:
    """The actor's approval limit for `kind` when `amount` is above it, else None."""
    limit = approval_limit_for(user=actor, kind=kind)
    return limit if amount > limit else None


def limit_message(what: str, limit: Decimal) -> str:
    if limit <= 0:
        return f"Your role may not approve {what}s; send it for approval."
    return f"This is above your {what} approval limit of {limit}; send it for approval."


def refresh_invoices(debit_ids: Iterable[int]) -> None:
    """Tell billing which debits moved, so their invoices show paid / partially paid /
    issued (docs/billing.md: invoices_refresh_status)."""
    ids = sorted(set(debit_ids))
    if not ids:
        return
    from servicebook.billing.services import invoices_refresh_status

    invoices_refresh_status(open_item_ids=ids)


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def debit_ids_of_credit(credit: OpenItem) -> list[int]:
    return list(
        credit.credit_allocations.filter(reversed_at__isnull=True).values_list(
            "debit_id", flat=True
        )
    )


__all__ = [
    "F",
    "allocate_plan",
    "amount_of",
    "apply_open_credits",
    "consume_credits",
    "lock_balances",
    "manual_plan",
    "oldest_first_plan",
    "over_limit",
    "refresh_invoices",
    "text_of",
    "unapplied_sync",
]
