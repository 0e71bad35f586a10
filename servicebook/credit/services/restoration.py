"""Restoration of a disconnected account: the amount to restore, itemised and explained;
opening the restoration (the fee is billed and the deposit asked for then); and raising
the reconnect work order, once, when it is paid; when that work order is completed the
account is active again (a cancelled or incomplete one is shown, and staff raise another).

Amount to restore = past-due balance (open undisputed debits due before today, net of
open credit) + restoration fee (the policy's tariff item, or its amount) + the deposit
the deposit policy requires (when the restoration policy includes it and none is held).

"Paid" means, on the restoration opened on day D: (1) no open undisputed debit due before
D is left (the past due of that day is paid: payments go to the oldest debt first), (2)
the fee invoice has nothing open, and (3) the deposit asked for is held (fully collected).
The first payment that makes all three true raises the reconnect work order (type
reconnect, the policy's priority, window from now to now + the policy's target hours) and
marks the restoration paid; a retried or later payment finds it paid and raises nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import require_capability
from servicebook.customers.choices import AccountStatus
from servicebook.customers.models import Account
from servicebook.ledger.models import OpenItem, OpenItemKind
from servicebook.payments.choices import DepositStatus
from servicebook.users.roles import Cap

from ..models import Restoration, RestorationPolicy, RestorationStatus
from ..selectors import past_due_of, policy_of
from .deposits import deposit_requirement

RESTORABLE = (AccountStatus.DISCONNECTED, AccountStatus.SUSPENDED)


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


@dataclass
class QuoteItem:
    key: str  # past_due, fee, deposit
    label: str
    amount: Decimal
    explanation: str


@dataclass
class RestorationQuote:
    """The amount to restore the account on a day, item by item."""

    account: Account
    on: dt.date
    policy: RestorationPolicy | None
    items: list[QuoteItem] = field(default_factory=list)
    restoration: Restoration | None = None

    @property
    def total(self) -> Decimal:
        return to_money(sum((i.amount for i in self.items), ZERO))

    def amount(self, key: str) -> Decimal:
        return next((i.amount for i in self.items if i.key == key), ZERO)


def restoration_fee_of(policy: RestorationPolicy | None) -> Decimal:
    if policy is None:
        return ZERO
    if policy.fee_item_id:
        return to_money(policy.fee_item.price)
    return to_money(policy.fee_amount)


def restoration_quote(account: Account, on: dt.date | None = None) -> RestorationQuote:
    """What the account must pay to be restored (see the module's rule). Once the
    restoration is opened, the fee and deposit are what was billed, less what is paid."""
    on = on or timezone.localdate()
    policy = policy_of(RestorationPolicy, account)
    quote = RestorationQuote(account=account, on=on, policy=policy)
    open_one = (
        Restoration.objects.filter(account=account, status=RestorationStatus.OPEN)
        .select_related("fee_invoice__open_item", "deposit_record")
        .first()
    )
    quote.restoration = open_one
    as_of = open_one.opened_on if open_one else on
    past_due = past_due_of(account, as_of=as_of)
    if open_one is not None:
        # The fee invoice is a debit of its own (due later): the past due is what was due
        # before the restoration opened, less the open credit already counted there.
        past_due = _past_due_left(account, as_of=as_of)
    quote.items.append(
        QuoteItem(
            "past_due",
            "Past-due balance",
            past_due,
            f"Open charges due before {as_of:%Y-%m-%d}, less disputed amounts and credit",
        )
    )
    if open_one is not None:
        invoice = open_one.fee_invoice
        fee = to_money(invoice.open_item.open_amount) if invoice and invoice.open_item else ZERO
        why = f"Invoice {invoice.number}, billed {invoice.issued_on:%Y-%m-%d}" if invoice else ""
    else:
        fee = restoration_fee_of(policy)
        why = (
            f"Tariff item {policy.fee_item.code}" if policy and policy.fee_item_id else "Policy"
        ) + (f" ({policy.name})" if policy else "")
    if fee or open_one is None or open_one.fee > 0:
        quote.items.append(QuoteItem("fee", "Restoration fee", fee, why or "No policy applies"))
    if open_one is not None and open_one.deposit_record_id:
        deposit = open_one.deposit_record
        quote.items.append(
            QuoteItem(
                "deposit",
                "Deposit",
                to_money(max(deposit.amount_required - deposit.collected_amount, ZERO)),
                f"Deposit {deposit.number} of {deposit.amount_required}",
            )
        )
    elif open_one is None and (policy is None or policy.include_deposit):
        requirement = deposit_requirement(account=account, on=on)
        if requirement.required:
            quote.items.append(
                QuoteItem("deposit", "Deposit", requirement.amount, "; ".join(requirement.reasons))
            )
    return quote


def _past_due_left(account: Account, *, as_of: dt.date) -> Decimal:
    """Open undisputed debits due before `as_of` (what the restoration still waits for)."""
    rows = OpenItem.objects.filter(
        account=account,
        kind=OpenItemKind.DEBIT,
        due_date__lt=as_of,
        open_amount__gt=F("disputed_amount"),
    ).values_list("open_amount", "disputed_amount")
    return to_money(sum((o - d for o, d in rows), ZERO))


@transaction.atomic
def restoration_open(*, account: Account, actor, on: dt.date | None = None) -> Restoration:
    """The customer accepts the amount to restore: the restoration is opened with the
    quote's amounts, the fee billed as an invoice of the policy's tariff item (billing's
    services, as the actor: billing.fees) and the deposit asked for
    (payments' deposit_bill). If the account has already paid it all, the reconnect is
    raised at once."""
    require_capability(actor, Cap.CREDIT_MANAGE)
    on = on or timezone.localdate()
    account = Account.objects.select_for_update(of=("self",)).get(pk=account.pk)
    if account.status not in RESTORABLE:
        raise ValidationFailed(
            {
                "account": [
                    f"The account is {account.get_status_display().lower()}, not disconnected."
                ]
            }
        )
    if Restoration.objects.filter(account=account, status=RestorationStatus.OPEN).exists():
        raise InvalidTransition("A restoration is already open for this account.")
    quote = restoration_quote(account, on)
    if quote.policy is None:
        raise ValidationFailed({"account": ["No restoration policy applies to this account."]})
    # The fee is an invoice and the deposit a payments deposit, each written by its own
    # app's services as this actor: check both up front so a refusal changes nothing.
    if quote.amount("fee") > 0:
        require_capability(actor, Cap.BILLING_FEES)
    if quote.amount("deposit") > 0:
        require_capability(actor, Cap.PAYMENTS_DEPOSITS)
    restoration = Restoration.objects.create(
        account=account,
        policy=quote.policy,
        opened_on=on,
        past_due=quote.amount("past_due"),
        fee=quote.amount("fee"),
        deposit=quote.amount("deposit"),
        created_by=_user(actor),
    )
    if restoration.fee > 0:
        restoration.fee_invoice = _bill_fee(account, quote.policy, actor=actor, on=on)
    if restoration.deposit > 0:
        from servicebook.payments.services import deposit_bill

        restoration.deposit_record = deposit_bill(
            account=account,
            amount=restoration.deposit,
            due_date=on,
            reason="Required to restore service",
            actor=actor,
        )
    restoration.save(update_fields=["fee_invoice", "deposit_record"])
    audit_created(
        actor=actor,
        obj=restoration,
        message=f"Restoration opened: {restoration.total} to restore "
        f"(past due {restoration.past_due}, fee {restoration.fee}, "
        f"deposit {restoration.deposit})",
    )
    restoration_check_paid(account=account, on=on, actor=actor)
    restoration.refresh_from_db()
    return restoration


def _bill_fee(account: Account, policy: RestorationPolicy, *, actor, on: dt.date):
    from servicebook.billing.services import fee_invoice_issue

    return fee_invoice_issue(
        account=account,
        memo="Restoration fee",
        catalog_item=policy.fee_item if policy.fee_item_id else None,
        amount=None if policy.fee_item_id else policy.fee_amount,
        issued_on=on,
        actor=actor,
    )


def restoration_check_paid(*, account: Account, on: dt.date, actor) -> Restoration | None:
    """If the account's open restoration is paid (see the module's rule), raise the
    reconnect work order once and mark it paid. Called by the payments hook inside the
    posting transaction, and when a restoration opens. The restoration row is locked, so
    two payments at once raise one work order."""
    restoration = (
        Restoration.objects.select_for_update(of=("self",))
        .filter(account=account, status=RestorationStatus.OPEN)
        .select_related("policy", "fee_invoice__open_item", "deposit_record")
        .first()
    )
    if restoration is None or restoration.work_order_id:
        return None
    if _past_due_left(account, as_of=restoration.opened_on) > 0:
        return None
    invoice = restoration.fee_invoice
    if invoice is not None:
        invoice.open_item.refresh_from_db(fields=["open_amount"])
        if invoice.open_item.open_amount > 0:
            return None
    deposit = restoration.deposit_record
    if deposit is not None:
        deposit.refresh_from_db(fields=["status", "collected_amount"])
        if deposit.status != DepositStatus.HELD:
            return None
    work_order = _raise_reconnect(restoration)
    before = snapshot(restoration, ["status", "work_order", "paid_on"])
    restoration.status, restoration.work_order, restoration.paid_on = (
        RestorationStatus.PAID,
        work_order,
        on,
    )
    restoration.save(update_fields=["status", "work_order", "paid_on"])
    audit_updated(
        actor=actor,
        obj=restoration,
        before=before,
        message=f"Restoration paid: reconnect work order {work_order.number} raised",
    )
    return restoration


def _raise_reconnect(restoration: Restoration):
    """The reconnect work order of a paid restoration: type reconnect, the policy's
    priority, window from now to now + its target hours."""
    from servicebook.workorders.services import workorder_create

    policy = restoration.policy
    hours = policy.reconnect_target_hours if policy else 24
    now = timezone.now()
    # The system raises it (actor None): whoever took the payment need not hold
    # workorders.create; the audit row of the restoration names them.
    return workorder_create(
        account=restoration.account,
        work_type="reconnect",
        summary=f"Reconnect: restoration {restoration.pk} paid",
        description=f"Restore service: {restoration.total} paid (past due "
        f"{restoration.past_due}, fee {restoration.fee}, deposit {restoration.deposit}). "
        f"Target within {hours} hours.",
        priority=policy.reconnect_priority if policy else "high",
        window_start=now,
        window_end=now + dt.timedelta(hours=hours),
        actor=None,
        now=now,
    )


def restoration_reconnect_completed(*, work_order, actor) -> Restoration | None:
    """The reconnect work order of a paid restoration was completed in the field: the
    account goes back to active (customers' account_set_status, as the system: the
    technician who completed it need not hold accounts.edit; the completion is the rule),
    the restoration is completed with the time, and a `restored` credit event is recorded
    when the credit policy gives that kind points. Called by the work-order listener inside
    the completion's transaction; nothing for a work order that is no restoration's."""
    restoration = (
        Restoration.objects.select_for_update(of=("self",))
        .filter(work_order=work_order, status=RestorationStatus.PAID)
        .select_related("account")
        .first()
    )
    if restoration is None:
        return None
    from servicebook.customers.services import account_set_status

    from ..models import CreditEventKind, CreditPolicy
    from .rating import credit_event_record

    now = timezone.now()
    before = snapshot(restoration, ["status", "completed_at"])
    restoration.status, restoration.completed_at = RestorationStatus.COMPLETED, now
    restoration.save(update_fields=["status", "completed_at"])
    audit_updated(
        actor=actor,
        obj=restoration,
        before=before,
        message=f"Reconnect work order {work_order.number} completed: service restored",
    )
    account = Account.objects.get(pk=restoration.account_id)
    # Only a restorable account goes back to active: one closed or in bankruptcy meanwhile
    # keeps the status someone gave it since.
    if account.status in RESTORABLE:
        account_set_status(
            account=account,
            status=AccountStatus.ACTIVE,
            reason=f"Reconnected: work order {work_order.number} completed "
            f"(restoration {restoration.pk})",
            actor=None,
        )
    policy = policy_of(CreditPolicy, account)
    if policy is not None and CreditEventKind.RESTORED in (policy.points or {}):
        credit_event_record(
            account=account,
            kind=CreditEventKind.RESTORED,
            on=timezone.localdate(now),
            actor=actor,
            source=f"restoration:{restoration.pk}",
        )
    return restoration


def restoration_reconnect_stopped(*, work_order, action: str, actor) -> Restoration | None:
    """The reconnect work order was cancelled or ended incomplete: the restoration shows
    it (status reconnect_stopped) and staff may raise a new one
    (restoration_reconnect_raise). Called by the work-order listener."""
    restoration = (
        Restoration.objects.select_for_update(of=("self",))
        .filter(work_order=work_order, status=RestorationStatus.PAID)
        .first()
    )
    if restoration is None:
        return None
    before = snapshot(restoration, ["status"])
    restoration.status = RestorationStatus.RECONNECT_STOPPED
    restoration.save(update_fields=["status"])
    what = "cancelled" if action == "cancel" else "not done (incomplete)"
    audit_updated(
        actor=actor,
        obj=restoration,
        before=before,
        message=f"Reconnect work order {work_order.number} {what}: raise a new one",
    )
    return restoration


@transaction.atomic
def restoration_reconnect_raise(*, restoration: Restoration, actor) -> Restoration:
    """Raise a new reconnect work order for a paid restoration whose reconnect was
    cancelled or not done (credit.manage). The restoration then points at the new one; the
    old one stays on the work order's own history and this audit row."""
    require_capability(actor, Cap.CREDIT_MANAGE)
    restoration = (
        Restoration.objects.select_for_update(of=("self",))
        .select_related("policy", "account", "work_order")
        .get(pk=restoration.pk)
    )
    if restoration.status != RestorationStatus.RECONNECT_STOPPED:
        raise InvalidTransition("The restoration has no cancelled or incomplete reconnect.")
    old = restoration.work_order
    before = snapshot(restoration, ["status", "work_order"])
    restoration.work_order = None
    restoration.save(update_fields=["work_order"])  # free the one-to-one first
    work_order = _raise_reconnect(restoration)
    restoration.status, restoration.work_order = RestorationStatus.PAID, work_order
    restoration.save(update_fields=["status", "work_order"])
    audit_updated(
        actor=actor,
        obj=restoration,
        before=before,
        message=f"Reconnect work order {work_order.number} raised again"
        + (f" (replaces {old.number})" if old else ""),
    )
    return restoration


@transaction.atomic
def restoration_cancel(*, restoration: Restoration, reason: str, actor) -> Restoration:
    """Close an open restoration without a reconnect (the customer moved, say). What was
    billed stays billed: take it back through billing (credit note) or payments."""
    require_capability(actor, Cap.CREDIT_MANAGE)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["Say why the restoration is cancelled."]})
    before = snapshot(restoration, ["status"])
    if not Restoration.objects.filter(pk=restoration.pk, status=RestorationStatus.OPEN).update(
        status=RestorationStatus.CANCELLED
    ):
        raise InvalidTransition("The restoration is not open.")
    restoration.refresh_from_db()
    audit_updated(actor=actor, obj=restoration, before=before, message=reason.strip())
    return restoration
