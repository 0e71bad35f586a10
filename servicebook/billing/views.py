"""Billing pages: invoices (list, page, PDF, lines, issue, credit, email), an account's
billing (profile, recurring charges, statements), the catalog, and bill runs.

Views parse with a form, call a service and render; a refusal shows on the form that caused
it (400 for bad input, 409 when the invoice's state does not allow the action).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from servicebook.core.htmx import htmx_partial
from servicebook.core.permissions import capability_required
from servicebook.core.views import button_action, form_action
from servicebook.customers.selectors import account_get
from servicebook.users.roles import Cap

from . import documents, recurring, selectors, services
from .billrun import bill_run_start
from .filtersets import InvoiceFilterSet
from .forms import (
    CatalogItemForm,
    ChargeChangeForm,
    ChargeForm,
    ChargeStopForm,
    CreditForm,
    LineForm,
    ProfileForm,
    RunStartForm,
    SendForm,
)
from .models import BillingProfile, RecurringCharge

PAGE_SIZE = 50


def _pdf_response(content: bytes, filename: str, *, download: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


# --- Invoices ---------------------------------------------------------------------------------


@capability_required(Cap.BILLING_VIEW)
def invoice_list(request: HttpRequest) -> HttpResponse:
    """Invoices with filters (number, account, status, period, dates); htmx refreshes the
    results in place."""
    filterset = InvoiceFilterSet(
        request.GET or None, queryset=selectors.invoices_visible_to(request.user)
    )
    invoices = filterset.qs.order_by("-issued_on", "-id") if filterset.is_valid() else []
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filterset": filterset, "page": page, "query": query.urlencode()}
    template = "billing/invoice_list.html"
    if htmx_partial(request):
        template += "#results"
    return render(request, template, context)


def _invoice_page(request, invoice_pk: int, *, forms: dict | None = None, status: int = 200):
    invoice = selectors.invoice_detail(user=request.user, pk=invoice_pk)
    context = {
        **documents.invoice_context(invoice),
        "allocations": selectors.invoice_allocations(invoice),
        "line_form": LineForm(),
        "credit_form": CreditForm(invoice=invoice),
        "send_form": SendForm(),
        "open_form": next(iter(forms or {}), "").removesuffix("_form"),
        **(forms or {}),
    }
    return render(request, "billing/invoice_detail.html", context, status=status)


@capability_required(Cap.BILLING_VIEW)
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoice_page(request, pk)


@capability_required(Cap.BILLING_VIEW)
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.invoice_get(user=request.user, pk=pk)
    return _pdf_response(
        documents.invoice_pdf(invoice),
        f"{invoice.number or f'draft-{invoice.pk}'}.pdf",
        download=request.GET.get("download") == "1",
    )


@require_POST
@capability_required(Cap.BILLING_EDIT)
def invoice_new(request: HttpRequest, account_pk: int) -> HttpResponse:
    """Open a draft invoice for the account and go to it."""
    account = account_get(user=request.user, pk=account_pk)
    invoice = services.invoice_create_draft(account=account, actor=request.user)
    messages.success(request, "Draft invoice opened: add its lines, then issue it.")
    return redirect("billing:invoice_detail", invoice.pk)


def _invoice_form_action(request, pk, *, key, form, call, done):
    return form_action(
        request,
        form,
        call,
        done=done,
        success_url=reverse("billing:invoice_detail", args=[pk]),
        failed=lambda form, status: _invoice_page(
            request, pk, forms={f"{key}_form": form}, status=status
        ),
    )


@require_POST
@capability_required(Cap.BILLING_EDIT)
def invoice_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.invoice_get(user=request.user, pk=pk)
    return _invoice_form_action(
        request,
        pk,
        key="line",
        form=LineForm(request.POST),
        call=lambda d: services.invoice_line_add(
            invoice=invoice,
            catalog_item=d["catalog_item"],
            description=d["description"],
            quantity=d["quantity"],
            unit_price=d["unit_price"],
            kind=d["kind"] or None,
            revenue_account=d["revenue_account"],
            tax_code=d["tax_code"],
            actor=request.user,
        ),
        done="Line added.",
    )


@require_POST
@capability_required(Cap.BILLING_EDIT)
def invoice_line_remove(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    invoice = selectors.invoice_get(user=request.user, pk=pk)
    line = get_object_or_404(invoice.lines, pk=line_pk)
    return button_action(
        request,
        lambda: services.invoice_line_remove(line=line, actor=request.user),
        done="Line removed.",
        success_url=reverse("billing:invoice_detail", args=[pk]),
        failed=lambda status: _invoice_page(request, pk, status=status),
    )


@require_POST
@capability_required(Cap.BILLING_ISSUE)
def invoice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.invoice_get(user=request.user, pk=pk)
    return button_action(
        request,
        lambda: services.invoice_issue(invoice=invoice, actor=request.user),
        done="Invoice issued and posted to the account.",
        success_url=reverse("billing:invoice_detail", args=[pk]),
        failed=lambda status: _invoice_page(request, pk, status=status),
    )


@require_POST
@capability_required(Cap.BILLING_CREDIT)
def invoice_credit(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.invoice_get(user=request.user, pk=pk)

    def call(d):
        lines = None
        if not d["void"]:
            lines = [services.CreditLineInput(d["line"], d["amount"])]
        return services.credit_note_create(
            invoice=invoice, reason=d["reason"], lines=lines, void=d["void"], actor=request.user
        )

    return _invoice_form_action(
        request,
        pk,
        key="credit",
        form=CreditForm(request.POST, invoice=invoice),
        call=call,
        done="Credit note issued.",
    )


@require_POST
@capability_required(Cap.BILLING_SEND)
def invoice_send(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.invoice_get(user=request.user, pk=pk)
    return _invoice_form_action(
        request,
        pk,
        key="send",
        form=SendForm(request.POST),
        call=lambda d: documents.invoice_send(
            invoice=invoice, to_email=d["to_email"], actor=request.user
        ),
        done="The invoice is on its way by email.",
    )


# --- An account's billing ---------------------------------------------------------------------


def _account_billing_page(request, account_pk, *, forms=None, status=200):
    account = account_get(user=request.user, pk=account_pk)
    profile = BillingProfile.objects.filter(account=account).select_related("cycle").first()
    charges = RecurringCharge.objects.filter(account=account).select_related(
        "catalog_item", "agreement"
    )
    period = request.GET.get("period") or selectors.default_period()
    initial = (
        {
            "cycle": profile.cycle_id,
            "terms_days": profile.terms_days,
            "delivery": profile.delivery,
            "email": profile.email,
        }
        if profile
        else {}
    )
    context = {
        "account": account,
        "profile": profile,
        "charges": charges,
        "period": period,
        "money": selectors.account_money(account),
        "profile_form": ProfileForm(initial=initial),
        "charge_form": ChargeForm(account=account),
        "stop_form": ChargeStopForm(),
        "change_form": ChargeChangeForm(),
        "send_form": SendForm(),
        "open_form": next(iter(forms or {}), "").removesuffix("_form"),
        **(forms or {}),
    }
    return render(request, "billing/account_billing.html", context, status=status)


@capability_required(Cap.BILLING_VIEW)
def account_billing(request: HttpRequest, pk: int) -> HttpResponse:
    """The account's billing: profile, recurring charges, statements."""
    return _account_billing_page(request, pk)


def _account_form_action(request, pk, *, key, form, call, done):
    return form_action(
        request,
        form,
        call,
        done=done,
        success_url=reverse("billing:account_billing", args=[pk]),
        failed=lambda form, status: _account_billing_page(
            request, pk, forms={f"{key}_form": form}, status=status
        ),
    )


@require_POST
@capability_required(Cap.BILLING_EDIT)
def profile_set(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get(user=request.user, pk=pk)
    return _account_form_action(
        request,
        pk,
        key="profile",
        form=ProfileForm(request.POST),
        call=lambda d: services.billing_profile_set(
            account=account,
            cycle=d["cycle"],
            terms_days=d["terms_days"],
            delivery=d["delivery"],
            email=d["email"] or "",
            actor=request.user,
        ),
        done="Billing profile saved.",
    )


@require_POST
@capability_required(Cap.BILLING_EDIT)
def charge_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get(user=request.user, pk=pk)
    return _account_form_action(
        request,
        pk,
        key="charge",
        form=ChargeForm(request.POST, account=account),
        call=lambda d: recurring.recurring_charge_add(
            agreement=d["agreement"],
            catalog_item=d["catalog_item"],
            quantity=d["quantity"],
            price_override=d["price_override"],
            frequency=d["frequency"],
            start_date=d["start_date"],
            actor=request.user,
        ),
        done="Recurring charge added.",
    )


def _charge(request, charge_pk):
    charge = get_object_or_404(RecurringCharge.objects.select_related("account"), pk=charge_pk)
    account_get(user=request.user, pk=charge.account_id)  # the account must be visible
    return charge


@require_POST
@capability_required(Cap.BILLING_EDIT)
def charge_stop(request: HttpRequest, pk: int) -> HttpResponse:
    charge = _charge(request, pk)
    return _account_form_action(
        request,
        charge.account_id,
        key="stop",
        form=ChargeStopForm(request.POST),
        call=lambda d: recurring.recurring_charge_stop(
            charge=charge, end_date=d["end_date"], actor=request.user
        ),
        done="Charge stopped; days already billed past the end are credited.",
    )


@require_POST
@capability_required(Cap.BILLING_EDIT)
def charge_change(request: HttpRequest, pk: int) -> HttpResponse:
    charge = _charge(request, pk)
    return _account_form_action(
        request,
        charge.account_id,
        key="change",
        form=ChargeChangeForm(request.POST),
        call=lambda d: recurring.recurring_charge_change(
            charge=charge,
            effective_date=d["effective_date"],
            quantity=d["quantity"],
            price_override=d["price_override"],
            actor=request.user,
        ),
        done="Charge changed from that date (both parts prorated).",
    )


@capability_required(Cap.BILLING_VIEW)
def statement(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    """The account's statement for a month, as a page (PDF and email from it)."""
    account = account_get(user=request.user, pk=pk)
    try:
        result = selectors.statement_for(account, period)
    except ValueError:
        return render(
            request,
            "billing/statement.html",
            {"account": account, "bad_period": period},
            status=400,
        )
    return render(
        request,
        "billing/statement.html",
        {
            "account": account,
            "customer": account.customer,
            "location": account.locations.order_by("-is_primary", "id").first(),
            "remit_to": settings.BILLING_REMIT_TO,
            "statement": result,
            "send_form": SendForm(),
        },
    )


@capability_required(Cap.BILLING_VIEW)
def statement_pdf(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    account = account_get(user=request.user, pk=pk)
    try:
        result = selectors.statement_for(account, period)
    except ValueError:
        return HttpResponse("Write the month as YYYY-MM.", status=400)
    return _pdf_response(
        documents.statement_pdf(result),
        f"statement-{account.number}-{period}.pdf",
        download=request.GET.get("download") == "1",
    )


@require_POST
@capability_required(Cap.BILLING_SEND)
def statement_send(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    account = account_get(user=request.user, pk=pk)
    return _account_form_action(
        request,
        pk,
        key="send",
        form=SendForm(request.POST),
        call=lambda d: documents.statement_send(
            account=account, period=period, to_email=d["to_email"], actor=request.user
        ),
        done=f"The statement for {period} is on its way by email.",
    )


# --- Catalog ----------------------------------------------------------------------------------


@capability_required(Cap.BILLING_VIEW)
def catalog(request: HttpRequest) -> HttpResponse:
    items = selectors.catalog_items(user=request.user)
    return render(request, "billing/catalog.html", {"items": items, "form": CatalogItemForm()})


def _catalog_item_page(request, item, form, status=200):
    return render(request, "billing/catalog_item.html", {"item": item, "form": form}, status=status)


@require_POST
@capability_required(Cap.BILLING_CATALOG)
def catalog_add(request: HttpRequest) -> HttpResponse:
    form = CatalogItemForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: services.catalog_item_create(
            code=d["code"],
            name=d["name"],
            kind=d["kind"],
            unit=d["unit"],
            price=d["price"],
            tax_code=d["tax_code"],
            revenue_account=d["revenue_account"],
            description=d["description"],
            actor=request.user,
        ),
        done=lambda item: f"{item.name} added to the catalog.",
        success_url=reverse("billing:catalog"),
        failed=lambda form, status: _catalog_item_page(request, None, form, status),
    )


@capability_required(Cap.BILLING_CATALOG)
def catalog_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.catalog_items(user=request.user), pk=pk)
    form = CatalogItemForm(request.POST or None, instance=item)
    if request.method != "POST":
        return _catalog_item_page(request, item, form)
    fields = ["name", "unit", "price", "tax_code", "revenue_account", "description", "active"]
    # The ModelForm validates into the instance: keep the service's compare on a fresh copy.
    fresh = type(item).objects.get(pk=item.pk)
    return form_action(
        request,
        form,
        lambda d: services.catalog_item_update(
            item=fresh, actor=request.user, **{f: d[f] for f in fields}
        ),
        done="Catalog item saved.",
        success_url=reverse("billing:catalog"),
        failed=lambda form, status: _catalog_item_page(request, item, form, status),
    )


# --- Bill runs -------------------------------------------------------------------------------


def _runs_page(request, form=None, status=200):
    runs = selectors.bill_runs(user=request.user)[:100]
    return render(
        request,
        "billing/runs.html",
        {
            "runs": runs,
            "form": form or RunStartForm(initial={"period": selectors.default_period()}),
        },
        status=status,
    )


@capability_required(Cap.BILLING_VIEW)
def run_list(request: HttpRequest) -> HttpResponse:
    return _runs_page(request)


@require_POST
@capability_required(Cap.BILLING_RUN)
def run_start(request: HttpRequest) -> HttpResponse:
    """Start (or resume) a cycle's run for a month; a worker bills it in the background."""

    def call(d):
        run = bill_run_start(
            cycle=d["cycle"].number,
            period=d["period"],
            issued_on=d["issued_on"],
            actor=request.user,
        )
        from .tasks import bill_run_task

        bill_run_task.enqueue(run.pk, request.user.pk)
        return run

    return form_action(
        request,
        RunStartForm(request.POST),
        call,
        done=lambda run: f"{run} started: a worker is billing it.",
        success_url=lambda run: reverse("billing:run_detail", args=[run.pk]),
        failed=lambda form, status: _runs_page(request, form, status),
    )


@capability_required(Cap.BILLING_VIEW)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A run's progress; htmx refreshes the figures while it runs."""
    run = get_object_or_404(selectors.bill_runs(user=request.user), pk=pk)
    template = "billing/run_detail.html"
    if htmx_partial(request):
        template += "#progress"
    return render(request, template, {"run": run})
