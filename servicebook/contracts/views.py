"""Pages of the contracts app: the list (status, ending within notice), the contract page
(coverage, POs with remaining, visits used, work orders under it), create and edit, the
coverage and PO forms, activate and cancel, and billing a work order against its contract
(from the work-order page's Contract box)."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from servicebook.core.permissions import capability_required
from servicebook.core.views import button_action, form_action
from servicebook.customers.selectors import account_get
from servicebook.users.roles import Cap
from servicebook.workorders.selectors import workorder_get, workorders_visible_to

from . import selectors, services
from .coverage import contract_year, visits_used
from .forms import BillForm, CancelForm, ContractFilterForm, ContractForm, CoverageForm, POForm
from .models import ContractCoverage

PAGE_SIZE = 50


@capability_required(Cap.CONTRACTS_VIEW)
def contract_list(request: HttpRequest) -> HttpResponse:
    form = ContractFilterForm(request.GET or None)
    status, ending = "", False
    if form.is_valid():
        status, ending = form.cleaned_data["status"], form.cleaned_data["ending_soon"]
    rows = selectors.contract_list(user=request.user, status=status, ending_soon=ending)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "contracts/contract_list.html",
        {
            "page": page,
            "form": form,
            "reminders": selectors.contracts_ending_soon(user=request.user),
            "today": timezone.localdate(),
        },
    )


def _detail(request, pk: int, *, forms: dict | None = None, status: int = 200) -> HttpResponse:
    contract = selectors.contract_get(user=request.user, pk=pk)
    today = timezone.localdate()
    on = min(max(today, contract.start_date), contract.end_date)
    year = contract_year(contract, on)
    orders = (
        workorders_visible_to(request.user)
        .filter(account_id=contract.account_id, created_at__date__gte=contract.start_date)
        .order_by("-created_at")[:20]
    )
    location_ids = [loc.pk for loc in contract.locations.all()]
    if location_ids:
        orders = [o for o in orders if o.location_id in location_ids]
    context = {
        "contract": contract,
        "coverage": list(contract.coverage_lines.select_related("catalog_item")),
        "pos": selectors.contract_pos(contract),
        "visits_used": visits_used(contract, on),
        "year": year,
        "orders": orders,
        "billings": list(contract.billings.select_related("work_order", "invoice")[:20]),
        "coverage_form": CoverageForm(),
        "po_form": POForm(),
        "cancel_form": CancelForm(),
        **(forms or {}),
    }
    return render(request, "contracts/contract_detail.html", context, status=status)


@capability_required(Cap.CONTRACTS_VIEW)
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


def _contract_values(data: dict) -> dict:
    return {
        "name": data["name"],
        "start_date": data["start_date"],
        "end_date": data["end_date"],
        "auto_renew": data["auto_renew"],
        "renewal_term_months": data["renewal_term_months"],
        "notice_days": data["notice_days"],
        "response_hours": data.get("response_hours"),
        "visits_per_year": data["visits_per_year"],
        "price_list": data.get("price_list"),
        "notes": data.get("notes") or "",
    }


@capability_required(Cap.CONTRACTS_MANAGE)
def contract_new(request: HttpRequest, account_pk: int) -> HttpResponse:
    account = account_get(user=request.user, pk=account_pk)
    if request.method != "POST":
        today = timezone.localdate()
        form = ContractForm(
            account=account,
            initial={"start_date": today, "end_date": today + dt.timedelta(days=364)},
        )
        return render(request, "contracts/contract_form.html", {"form": form, "account": account})
    form = ContractForm(request.POST, account=account)
    return form_action(
        request,
        form,
        lambda d: services.contract_create(
            account=account, actor=request.user, **_contract_values(d)
        ),
        done="Draft contract written: add its coverage, then activate it.",
        success_url=lambda c: reverse("contracts:detail", args=[c.pk]),
        failed=lambda form, status: render(
            request,
            "contracts/contract_form.html",
            {"form": form, "account": account},
            status=status,
        ),
    )


@capability_required(Cap.CONTRACTS_MANAGE)
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(user=request.user, pk=pk)
    account = contract.account
    if request.method != "POST":
        form = ContractForm(
            account=account,
            initial={f: getattr(contract, f) for f in services.CONTRACT_FIELDS},
        )
        ctx = {"form": form, "account": account, "contract": contract}
        return render(request, "contracts/contract_form.html", ctx)
    form = ContractForm(request.POST, account=account)
    return form_action(
        request,
        form,
        lambda d: services.contract_update(
            contract=contract, actor=request.user, **_contract_values(d)
        ),
        done="Contract saved.",
        success_url=reverse("contracts:detail", args=[contract.pk]),
        failed=lambda form, status: render(
            request,
            "contracts/contract_form.html",
            {"form": form, "account": account, "contract": contract},
            status=status,
        ),
    )


@require_POST
@capability_required(Cap.CONTRACTS_MANAGE)
def coverage_add(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(user=request.user, pk=pk)
    form = CoverageForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: services.coverage_add(contract=contract, actor=request.user, **d),
        done="Coverage line added.",
        success_url=reverse("contracts:detail", args=[pk]),
        failed=lambda form, status: _detail(
            request, pk, forms={"coverage_form": form}, status=status
        ),
    )


@require_POST
@capability_required(Cap.CONTRACTS_MANAGE)
def coverage_remove(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    contract = selectors.contract_get(user=request.user, pk=pk)
    line = get_object_or_404(ContractCoverage, pk=line_pk, contract=contract)
    return button_action(
        request,
        lambda: services.coverage_remove(line=line, actor=request.user),
        done="Coverage line removed.",
        success_url=reverse("contracts:detail", args=[pk]),
        failed=lambda status: _detail(request, pk, status=status),
    )


@require_POST
@capability_required(Cap.CONTRACTS_MANAGE)
def po_add(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(user=request.user, pk=pk)
    form = POForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: services.po_add(
            account=contract.account, contract=contract, actor=request.user, **d
        ),
        done="Customer PO recorded.",
        success_url=reverse("contracts:detail", args=[pk]),
        failed=lambda form, status: _detail(request, pk, forms={"po_form": form}, status=status),
    )


@require_POST
@capability_required(Cap.CONTRACTS_MANAGE)
def contract_activate(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(user=request.user, pk=pk)
    return button_action(
        request,
        lambda: services.contract_activate(contract=contract, actor=request.user),
        done="Contract active.",
        success_url=reverse("contracts:detail", args=[pk]),
        failed=lambda status: _detail(request, pk, status=status),
    )


@require_POST
@capability_required(Cap.CONTRACTS_MANAGE)
def contract_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(user=request.user, pk=pk)
    form = CancelForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: services.contract_cancel(
            contract=contract, reason=d["reason"], actor=request.user
        ),
        done="Contract cancelled.",
        success_url=reverse("contracts:detail", args=[pk]),
        failed=lambda form, status: _detail(
            request, pk, forms={"cancel_form": form}, status=status
        ),
    )


@require_POST
@capability_required(Cap.BILLING_ISSUE)
def workorder_bill(request: HttpRequest, work_order_pk: int) -> HttpResponse:
    """Bill a completed work order against its contract (the work-order page's box); the
    service checks billing.edit and billing.issue."""
    order = workorder_get(user=request.user, pk=work_order_pk)
    form = BillForm(request.POST)
    back = reverse("workorders:workorder_detail", args=[order.pk])
    return form_action(
        request,
        form,
        lambda d: services.contract_work_order_invoice(
            work_order=order, allow_po_overrun=d["allow_po_overrun"], actor=request.user
        ),
        done=lambda b: (
            f"Billed against contract: invoice {b.invoice.number}."
            if b.invoice
            else "Covered in full by the contract: nothing to invoice."
        ),
        success_url=back,
        failed=lambda form, status: _bill_failed(request, form, order, status),
    )


def _bill_failed(request, form, order, status: int) -> HttpResponse:
    """The refusal on a page of its own (the work-order page is the workorders app's): the
    reason and the way back, with the refusal's status."""
    return render(
        request, "contracts/bill_refused.html", {"form": form, "order": order}, status=status
    )
