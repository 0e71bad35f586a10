"""Reads of the contracts app, scoped to what the user may see (staff see the whole book),
and the coverage decision (coverage.py)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from servicebook.core.permissions import has_capability
from servicebook.users.roles import Cap

from .choices import ContractStatus, POStatus
from .models import ContractBilling, CustomerPO, ServiceContract


def contracts_visible_to(user) -> QuerySet[ServiceContract]:
    if not has_capability(user, Cap.CONTRACTS_VIEW):
        return ServiceContract.objects.none()
    return ServiceContract.objects.select_related("account", "account__customer")


def contract_get(*, user, pk: int) -> ServiceContract:
    return get_object_or_404(contracts_visible_to(user), pk=pk)


def contract_list(
    *, user, status: str = "", ending_soon: bool = False, today: dt.date | None = None
) -> QuerySet[ServiceContract]:
    """Contracts by status; `ending_soon`: active ones whose end falls within their notice
    days (the renewal reminders)."""
    qs = contracts_visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if ending_soon:
        ids = [c.pk for c in contracts_ending_soon(user=user, today=today)]
        qs = qs.filter(pk__in=ids)
    return qs.order_by("end_date", "id")


def contracts_ending_soon(*, user, today: dt.date | None = None) -> list[ServiceContract]:
    """Active contracts whose end date is within their notice days from today: the list to
    call the customer about (renew, or let it run out). Notice days differ per contract, so
    the window is checked in Python on the (few) active contracts ending within a year."""
    today = today or timezone.localdate()
    rows = contracts_visible_to(user).filter(
        status=ContractStatus.ACTIVE,
        end_date__gte=today,
        end_date__lte=today + dt.timedelta(days=366),
    )
    return [c for c in rows if (c.end_date - today).days <= c.notice_days]


def contracts_pricing_in_force(*, account_id: int, on: dt.date) -> QuerySet[ServiceContract]:
    """The account's active contracts in force on `on` that name a price list: the lists
    inventory's prices_for puts above the account's and the class's (registered in
    apps.ready). Lazy and unscoped on purpose: prices_for folds it into its own query as a
    subquery, and the price of a line is the same whoever asks for it."""
    return ServiceContract.objects.filter(
        account_id=account_id,
        status=ContractStatus.ACTIVE,
        start_date__lte=on,
        end_date__gte=on,
        price_list__isnull=False,
    )


def account_contracts(account) -> list[ServiceContract]:
    """The account box: the account's contracts, newest first, in one query."""
    return list(ServiceContract.objects.filter(account=account).order_by("-start_date", "-id")[:10])


def contract_pos(contract: ServiceContract) -> list[CustomerPO]:
    return list(contract.pos.order_by("-created_at", "-id"))


def open_pos_for(*, account_id: int, contract_id: int | None, on: dt.date) -> list[CustomerPO]:
    """Open POs that may pay for work on `on`: the contract's own first, then the account's
    general ones; valid on the date."""
    qs = CustomerPO.objects.filter(account_id=account_id, status=POStatus.OPEN).exclude(
        valid_until__lt=on
    )
    rows = [p for p in qs if p.contract_id in (None, contract_id)]
    return sorted(rows, key=lambda p: (p.contract_id is None, p.created_at, p.pk))


def billing_for(work_order_id: int) -> ContractBilling | None:
    return (
        ContractBilling.objects.filter(work_order_id=work_order_id)
        .select_related("invoice", "po", "contract")
        .first()
    )
