"""Writes of the contracts app: contracts and their coverage, customer POs, renewal, and
billing a work order against its contract (docs/contracts.md)."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Round
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_record, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import to_money
from servicebook.core.permissions import require_capability
from servicebook.core.sequences import sequence_reserve
from servicebook.users.roles import Cap
from servicebook.workorders.choices import WorkOrderStatus, WorkOrderType

from .choices import AppliesTo, ContractStatus, POStatus, percent_label
from .coverage import coverage_decision
from .models import (
    ContractBilling,
    ContractCoverage,
    CustomerPO,
    POConsumption,
    ServiceContract,
)

CONTRACT_SEQUENCE = "contract_number"
MAX_MONEY = Decimal("999999999999.99")
CONTRACT_FIELDS = [
    "name",
    "start_date",
    "end_date",
    "auto_renew",
    "renewal_term_months",
    "notice_days",
    "price_list",
    "response_hours",
    "visits_per_year",
    "notes",
    "agreement",
]


def _validate_contract(*, account, values: dict, locations) -> None:
    errors: dict[str, list[str]] = {}
    if not str(values.get("name") or "").strip():
        errors["name"] = ["Name the contract."]
    start, end = values.get("start_date"), values.get("end_date")
    if start is None:
        errors["start_date"] = ["Enter the start date."]
    if end is None:
        errors["end_date"] = ["Enter the end date."]
    if start and end and end < start:
        errors["end_date"] = ["The contract ends on or after it starts."]
    if not 1 <= int(values.get("renewal_term_months") or 0) <= 120:
        errors["renewal_term_months"] = ["A renewal term is 1 to 120 months."]
    if not 0 <= int(values.get("notice_days") or 0) <= 365:
        errors["notice_days"] = ["Notice is 0 to 365 days."]
    hours = values.get("response_hours")
    if hours is not None and not 1 <= int(hours) <= 720:
        errors["response_hours"] = ["A response time is 1 to 720 hours."]
    if not 0 <= int(values.get("visits_per_year") or 0) <= 366:
        errors["visits_per_year"] = ["Visits per year: 0 (not counted) to 366."]
    agreement = values.get("agreement")
    if agreement is not None and agreement.account_id != account.pk:
        errors["agreement"] = ["That agreement belongs to another account."]
    if any(loc.account_id != account.pk for loc in locations or []):
        errors["locations"] = ["Choose locations of this account."]
    price_list = values.get("price_list")
    if price_list is not None and price_list.account_id not in (None, account.pk):
        errors["price_list"] = ["That price list is another account's."]
    if len(str(values.get("notes") or "")) > 5000:
        errors["notes"] = ["Keep the notes under 5000 characters."]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def contract_create(
    *,
    account,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    locations=(),
    agreement=None,
    auto_renew: bool = False,
    renewal_term_months: int = 12,
    notice_days: int = 30,
    price_list=None,
    response_hours: int | None = None,
    visits_per_year: int = 0,
    notes: str = "",
    actor,
) -> ServiceContract:
    """Write a draft contract on an account; it covers nothing until activated."""
    require_capability(actor, Cap.CONTRACTS_MANAGE)
    values = {
        "name": name,
        "start_date": start_date,
        "end_date": end_date,
        "auto_renew": bool(auto_renew),
        "renewal_term_months": renewal_term_months,
        "notice_days": notice_days,
        "price_list": price_list,
        "response_hours": response_hours,
        "visits_per_year": visits_per_year or 0,
        "notes": notes or "",
        "agreement": agreement,
    }
    _validate_contract(account=account, values=values, locations=list(locations))
    values["name"] = name.strip()[:150]
    contract = ServiceContract.objects.create(
        number=f"SC-{sequence_reserve(CONTRACT_SEQUENCE):08d}",
        account=account,
        created_by=actor if getattr(actor, "pk", None) else None,
        **values,
    )
    if locations:
        contract.locations.set(locations)
    audit_created(actor=actor, obj=contract)
    return contract


def _locked(contract: ServiceContract) -> ServiceContract:
    return ServiceContract.objects.select_for_update(of=("self",)).get(pk=contract.pk)


@transaction.atomic
def contract_update(
    *, contract: ServiceContract, actor, locations=None, **changes
) -> ServiceContract:
    """Change a draft or active contract's terms (not a cancelled or expired one)."""
    require_capability(actor, Cap.CONTRACTS_MANAGE)
    contract = _locked(contract)
    if contract.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
        raise InvalidTransition(f"Contract {contract.number} is {contract.status}: not edited.")
    unknown = set(changes) - set(CONTRACT_FIELDS)
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: ["Not a contract field."]})
    values = {f: getattr(contract, f) for f in CONTRACT_FIELDS} | changes
    _validate_contract(
        account=contract.account,
        values=values,
        locations=list(locations) if locations is not None else [],
    )
    before = snapshot(contract, list(changes))
    for name, value in changes.items():
        setattr(contract, name, value.strip() if isinstance(value, str) else value)
    contract.save(update_fields=[*changes, "updated_at"])
    if locations is not None:
        contract.locations.set(locations)
    audit_updated(actor=actor, obj=contract, before=before)
    return contract


def _move(contract, *, to: str, allowed: tuple[str, ...], actor, reason: str = ""):
    contract = _locked(contract)
    if contract.status not in allowed:
        raise InvalidTransition(
            f"Contract {contract.number} is {contract.get_status_display().lower()}: "
            f"it cannot become {ContractStatus(to).label.lower()}."
        )
    before = contract.status
    contract.status = to
    contract.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=to,
        obj=contract,
        changes={"status": [before, to]},
        message=reason,
    )
    return contract


@transaction.atomic
def contract_activate(*, contract: ServiceContract, actor) -> ServiceContract:
    """A draft contract comes into force (it covers jobs from its start date)."""
    require_capability(actor, Cap.CONTRACTS_MANAGE)
    return _move(contract, to=ContractStatus.ACTIVE, allowed=(ContractStatus.DRAFT,), actor=actor)


@transaction.atomic
def contract_cancel(*, contract: ServiceContract, reason: str, actor) -> ServiceContract:
    """End a draft or active contract early; it covers nothing from then on."""
    require_capability(actor, Cap.CONTRACTS_MANAGE)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["Say why the contract is cancelled."]})
    return _move(
        contract,
        to=ContractStatus.CANCELLED,
        allowed=(ContractStatus.DRAFT, ContractStatus.ACTIVE),
        actor=actor,
        reason=reason.strip()[:300],
    )


@transaction.atomic
def coverage_add(
    *,
    contract: ServiceContract,
    work_type: str = "",
    catalog_item=None,
    applies_to: str = AppliesTo.BOTH,
    covered_percent: Decimal | str | int = 100,
    excluded: bool = False,
    note: str = "",
    actor,
) -> ContractCoverage:
    """Add a line of what the contract includes (or excludes)."""
    require_capability(actor, Cap.CONTRACTS_MANAGE)
    contract = _locked(contract)
    errors: dict[str, list[str]] = {}
    if work_type and work_type not in WorkOrderType.values:
        errors["work_type"] = ["Choose a work type."]
    if applies_to not in AppliesTo.values:
        errors["applies_to"] = ["Choose labour, parts or both."]
    try:
        percent = Decimal(str(covered_percent)).quantize(Decimal("0.01"))
        if not Decimal("0") <= percent <= Decimal("100"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["covered_percent"] = ["A covered percent is 0 to 100."]
        percent = Decimal("0")
    if contract.status in (ContractStatus.CANCELLED, ContractStatus.EXPIRED):
        raise InvalidTransition(f"Contract {contract.number} is {contract.status}.")
    if errors:
        raise ValidationFailed(errors)
    line = ContractCoverage.objects.create(
        contract=contract,
        work_type=work_type or "",
        catalog_item=catalog_item,
        applies_to=applies_to,
        covered_percent=Decimal("0") if excluded else percent,
        excluded=bool(excluded),
        note=(note or "").strip()[:200],
    )
    audit_record(
        actor=actor, action="coverage_add", obj=contract, changes={"coverage": [None, str(line)]}
    )
    return line


@transaction.atomic
def coverage_remove(*, line: ContractCoverage, actor) -> None:
    """Take a coverage line off a contract."""
    require_capability(actor, Cap.CONTRACTS_MANAGE)
    contract = _locked(line.contract)
    text = str(line)
    line.delete()
    audit_record(
        actor=actor, action="coverage_remove", obj=contract, changes={"coverage": [text, None]}
    )


def _money(value, field: str) -> Decimal:
    try:
        amount = to_money(str(value))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed({field: ["Enter an amount."]}) from exc
    if amount <= 0 or amount > MAX_MONEY:
        raise ValidationFailed({field: ["Enter an amount above zero."]})
    return amount


@transaction.atomic
def po_add(
    *,
    account,
    number: str,
    amount_authorised: Decimal | str,
    contract: ServiceContract | None = None,
    valid_until: dt.date | None = None,
    actor,
) -> CustomerPO:
    """Record a customer's purchase order, for a contract of theirs or the whole account."""
    require_capability(actor, Cap.CONTRACTS_MANAGE)
    number = (number or "").strip()
    if not number or len(number) > 40:
        raise ValidationFailed({"number": ["Enter the PO number (up to 40 characters)."]})
    amount = _money(amount_authorised, "amount_authorised")
    if contract is not None and contract.account_id != account.pk:
        raise ValidationFailed({"contract": ["That contract is another account's."]})
    if CustomerPO.objects.filter(account=account, number=number).exists():
        raise ValidationFailed({"number": [f"PO {number} is already recorded on this account."]})
    try:
        with transaction.atomic():
            po = CustomerPO.objects.create(
                account=account,
                contract=contract,
                number=number,
                amount_authorised=amount,
                valid_until=valid_until,
            )
    except IntegrityError as exc:  # the same number recorded at the same moment
        raise ValidationFailed({"number": [f"PO {number} is already recorded."]}) from exc
    audit_created(actor=actor, obj=po)
    return po


def po_consume(*, po: CustomerPO, amount: Decimal, invoice, work_order=None) -> POConsumption:
    """Take an amount from a PO, never past what it authorises: a guarded UPDATE (the
    remaining is checked in the same statement that moves it), so two invoices charging
    one PO at once cannot overdraw it whatever the interleaving. Raises ValidationFailed
    when the remaining is too small. No capability: the billing service checks its own."""
    amount = to_money(amount)
    moved = CustomerPO.objects.filter(
        pk=po.pk,
        status=POStatus.OPEN,
        amount_authorised__gte=Round(F("consumed") + amount, 2),
    ).update(consumed=Round(F("consumed") + amount, 2), updated_at=timezone.now())
    if moved != 1:
        po.refresh_from_db(fields=["consumed", "status"])
        raise ValidationFailed(
            {"po": [f"PO {po.number} has {po.remaining} remaining; this invoice charges {amount}."]}
        )
    return POConsumption.objects.create(
        po=po, invoice=invoice, work_order=work_order, amount=amount
    )


@transaction.atomic
def contract_work_order_invoice(
    *,
    work_order,
    actor,
    po: CustomerPO | None = None,
    allow_po_overrun: bool = False,
    issued_on: dt.date | None = None,
):
    """Bill a completed work order against its contract, once.

    The invoice charges each line in full and gives back the covered share as a credit line
    naming the contract ("Covered by contract SC-..."), so the customer sees what the
    contract paid; the customer's part is charged to their PO (the contract's open PO, or
    the one given). A PO whose remaining is too small refuses the invoice unless
    `allow_po_overrun`: then the PO pays what it has left and the rest is owed directly
    (the memo says so). Nothing to pay (all covered): no invoice, the billing row records
    the covered amount. A second call returns the first billing row unchanged."""
    from servicebook.billing.services import invoice_create_draft, invoice_issue, invoice_line_add
    from servicebook.ledger.models import LedgerRole
    from servicebook.ledger.services import ledger_account_for

    require_capability(actor, Cap.CONTRACTS_VIEW)
    require_capability(actor, Cap.BILLING_EDIT)
    require_capability(actor, Cap.BILLING_ISSUE)
    existing = ContractBilling.objects.filter(work_order_id=work_order.pk).first()
    if existing is not None:
        return existing
    if work_order.status not in (WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED):
        raise InvalidTransition(
            f"Work order {work_order.number} is {work_order.get_status_display().lower()}: "
            "bill it against the contract once the work is completed."
        )
    decision = coverage_decision(work_order=work_order)
    contract = decision.contract
    if contract is None:
        raise ValidationFailed(
            {"work_order": [f"No contract covers {work_order.number}: bill it as usual."]}
        )
    if not decision.lines:
        raise ValidationFailed({"work_order": [f"{work_order.number} has no lines to bill."]})
    if po is not None and (
        po.account_id != work_order.account_id or po.contract_id not in (None, contract.pk)
    ):
        raise ValidationFailed({"po": ["That PO is not this contract's or account's."]})
    po = po or decision.po
    customer = decision.customer_total
    # The claim comes first: a concurrent second call stops at the unique work order.
    try:
        with transaction.atomic():
            billing = ContractBilling.objects.create(
                work_order=work_order,
                contract=contract,
                covered_amount=decision.covered_total,
                customer_amount=customer,
                by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        return ContractBilling.objects.get(work_order_id=work_order.pk)
    if customer > 0:
        take = customer
        note = ""
        if po is not None:
            po = CustomerPO.objects.select_for_update(of=("self",)).get(pk=po.pk)
            if po.remaining < customer:
                if not allow_po_overrun:
                    raise ValidationFailed(
                        {
                            "po": [
                                f"PO {po.number} has {po.remaining} remaining; the customer's "
                                f"share is {customer}. Ask for a new PO or bill anyway."
                            ]
                        }
                    )
                take = po.remaining
                note = f"; {customer - take} beyond the PO"
        memo = f"Contract {contract.number}, work order {work_order.number}"
        if po is not None:
            memo += f", PO {po.number}{note}"
        invoice = invoice_create_draft(account=work_order.account, memo=memo, actor=actor)
        revenue = ledger_account_for(LedgerRole.REVENUE)
        for d in decision.lines:
            invoice_line_add(
                invoice=invoice,
                kind=d.line.kind,
                description=d.line.description,
                quantity=1,
                unit_price=d.line.amount,
                revenue_account=revenue,
                actor=actor,
            )
            if d.covered > 0:
                invoice_line_add(
                    invoice=invoice,
                    kind=d.line.kind,
                    description=(
                        f"Covered by contract {contract.number} "
                        f"({percent_label(d.covered_percent)}%): {d.line.description}"
                    )[:300],
                    quantity=1,
                    unit_price=-d.covered,
                    revenue_account=revenue,
                    actor=actor,
                )
        invoice = invoice_issue(invoice=invoice, actor=actor, issued_on=issued_on)
        billing.invoice = invoice
        if po is not None and take > 0:
            po_consume(po=po, amount=take, invoice=invoice, work_order=work_order)
            billing.po = po
        billing.save(update_fields=["invoice", "po"])
    audit_record(
        actor=actor,
        action="bill_work_order",
        obj=contract,
        changes={
            "work_order": [None, work_order.number],
            "invoice": [None, billing.invoice.number if billing.invoice else None],
            "covered": [None, str(decision.covered_total)],
            "customer": [None, str(customer)],
        },
    )
    return billing


def _add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@transaction.atomic
def contract_renew(*, contract: ServiceContract, actor=None) -> ServiceContract:
    """Renew an active contract for another term: its end moves on by the renewal term
    (compare-and-set on the old end, so two runs renew once)."""
    if actor is not None:
        require_capability(actor, Cap.CONTRACTS_MANAGE)
    old_end = contract.end_date
    new_end = _add_months(old_end, contract.renewal_term_months)
    moved = ServiceContract.objects.filter(
        pk=contract.pk, status=ContractStatus.ACTIVE, end_date=old_end
    ).update(end_date=new_end, renewals=F("renewals") + 1, updated_at=timezone.now())
    if moved != 1:
        raise InvalidTransition(f"Contract {contract.number} was already renewed or ended.")
    contract.refresh_from_db()
    audit_record(
        actor=actor,
        action="renew",
        obj=contract,
        changes={"end_date": [old_end.isoformat(), new_end.isoformat()]},
    )
    return contract


def contracts_renew(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily run: active contracts whose end date has passed renew when they auto-renew
    (as many terms as it takes to cover today) and expire otherwise. Idempotent: a second
    run the same day finds nothing to do."""
    today = today or timezone.localdate()
    renewed = expired = 0
    due = ServiceContract.objects.filter(status=ContractStatus.ACTIVE, end_date__lt=today)
    for contract in due.order_by("id"):
        with transaction.atomic():
            if contract.auto_renew:
                while contract.end_date < today:
                    contract = contract_renew(contract=contract)
                renewed += 1
            else:
                moved = ServiceContract.objects.filter(
                    pk=contract.pk, status=ContractStatus.ACTIVE
                ).update(status=ContractStatus.EXPIRED, updated_at=timezone.now())
                if moved:
                    audit_record(
                        actor=None,
                        action="expire",
                        obj=contract,
                        changes={"status": [ContractStatus.ACTIVE, ContractStatus.EXPIRED]},
                    )
                    expired += 1
    return {"renewed": renewed, "expired": expired}
