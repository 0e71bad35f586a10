"""Inventory pages: items and their stock (receive, transfer, count), locations, vendors,
price lists, the to-reorder list, purchase orders and parts sales orders, and the CSV /
Excel import and export of items and price lists.

Views parse with a form, call a service and render; a refusal shows on the form that caused
it (400 for bad input, 409 when the order's state does not allow the action).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from servicebook.core.errors import ServiceError, ValidationFailed
from servicebook.core.forms import apply_service_error
from servicebook.core.permissions import capability_required
from servicebook.core.views import button_action, form_action
from servicebook.customers.models import Account
from servicebook.customers.selectors import account_get
from servicebook.users.roles import Cap

from . import forms as f
from . import purchasing, sales, selectors, services, transfer
from .pricing import prices_for

VIEW, MANAGE, SELL, PURCHASE = (
    Cap.INVENTORY_VIEW,
    Cap.INVENTORY_MANAGE,
    Cap.INVENTORY_SELL,
    Cap.INVENTORY_PURCHASE,
)


def _page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, f"inventory/{template}", context, status=status)


def _act(request, form, call, *, done, url, page):
    """form_action with the page re-rendered around the refused form."""
    return form_action(
        request,
        form,
        call,
        done=done,
        success_url=url,
        failed=lambda form, status: page(form, status),
    )


# --- Items and stock ------------------------------------------------------------------------


def _items_page(request, *, forms=None, status=200, report=None):
    items = selectors.items_visible_to(request.user).order_by("sku")
    context = {
        "items": items,
        "item_form": f.ItemForm(),
        "import_form": f.ImportForm(),
        "report": report,
        **(forms or {}),
    }
    return _page(request, "items.html", context, status)


@capability_required(VIEW)
def items(request: HttpRequest) -> HttpResponse:
    """The stock items with what is on hand and reserved across every location."""
    return _items_page(request)


@require_POST
@capability_required(MANAGE)
def item_add(request: HttpRequest) -> HttpResponse:
    form = f.ItemForm(request.POST)
    return _act(
        request,
        form,
        lambda d: services.item_create(actor=request.user, **d),
        done="Item added.",
        url=lambda item: reverse("inventory:item_detail", args=[item.pk]),
        page=lambda form, status: _items_page(request, forms={"item_form": form}, status=status),
    )


def _item_page(request, pk, *, forms=None, status=200):
    item = selectors.item_get(user=request.user, pk=pk)
    context = {
        "item": item,
        "levels": selectors.stock_levels_visible_to(request.user).filter(item=item),
        "moves": selectors.stock_moves_visible_to(request.user).filter(item=item)[:50],
        "receive_form": f.ReceiveForm(),
        "transfer_form": f.TransferForm(),
        "count_form": f.CountForm(),
        **(forms or {}),
    }
    return _page(request, "item_detail.html", context, status)


@capability_required(VIEW)
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_page(request, pk)


def _item_action(request, pk, key, form, call, done):
    return _act(
        request,
        form,
        call,
        done=done,
        url=reverse("inventory:item_detail", args=[pk]),
        page=lambda form, status: _item_page(
            request, pk, forms={f"{key}_form": form}, status=status
        ),
    )


@require_POST
@capability_required(MANAGE)
def stock_receive(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(user=request.user, pk=pk)
    return _item_action(
        request,
        pk,
        "receive",
        f.ReceiveForm(request.POST),
        lambda d: services.stock_receive(item=item, actor=request.user, **d),
        "Stock received.",
    )


@require_POST
@capability_required(MANAGE)
def stock_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(user=request.user, pk=pk)
    return _item_action(
        request,
        pk,
        "transfer",
        f.TransferForm(request.POST),
        lambda d: services.stock_transfer(item=item, actor=request.user, **d),
        "Stock transferred.",
    )


@require_POST
@capability_required(MANAGE)
def stock_count(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(user=request.user, pk=pk)
    return _item_action(
        request,
        pk,
        "count",
        f.CountForm(request.POST),
        lambda d: services.stock_adjust(item=item, actor=request.user, **d),
        "Count recorded.",
    )


# --- Import and export ----------------------------------------------------------------------


def _export(request, header, rows, name: str) -> HttpResponse:
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            transfer.to_xlsx(header, rows, name),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(transfer.to_csv(header, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@capability_required(VIEW)
def items_export(request: HttpRequest) -> HttpResponse:
    rows = transfer.items_table(selectors.items_visible_to(request.user).order_by("sku"))
    return _export(request, transfer.ITEM_COLUMNS, rows, "items")


def _import(request, form, columns, run):
    """Read the upload and run the import; the report (or the reason the file was refused)
    shows on the page."""
    if not form.is_valid():
        return None, 400
    upload = form.cleaned_data["file"]
    try:
        rows = transfer.read_rows(upload.name, upload.read(), columns)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return None, exc.status_code
    report = run(rows, form.cleaned_data["dry_run"])
    return report, 200


@require_POST
@capability_required(MANAGE)
def items_import(request: HttpRequest) -> HttpResponse:
    form = f.ImportForm(request.POST, request.FILES)
    report, status = _import(
        request,
        form,
        transfer.ITEM_COLUMNS,
        lambda rows, dry: transfer.items_import(rows=rows, dry_run=dry, actor=request.user),
    )
    return _items_page(request, forms={"import_form": form}, status=status, report=report)


# --- Locations and vendors ------------------------------------------------------------------


def _warehouses_page(request, *, forms=None, status=200):
    context = {
        "warehouses": selectors.warehouses_visible_to(request.user),
        "warehouse_form": f.WarehouseForm(),
        **(forms or {}),
    }
    return _page(request, "warehouses.html", context, status)


@capability_required(VIEW)
def warehouses(request: HttpRequest) -> HttpResponse:
    return _warehouses_page(request)


@require_POST
@capability_required(MANAGE)
def warehouse_add(request: HttpRequest) -> HttpResponse:
    return _act(
        request,
        f.WarehouseForm(request.POST),
        lambda d: services.warehouse_create(actor=request.user, **d),
        done="Location added.",
        url=reverse("inventory:warehouses"),
        page=lambda form, status: _warehouses_page(
            request, forms={"warehouse_form": form}, status=status
        ),
    )


def _vendors_page(request, *, forms=None, status=200):
    context = {
        "vendors": selectors.vendors_visible_to(request.user),
        "vendor_form": f.VendorForm(),
        **(forms or {}),
    }
    return _page(request, "vendors.html", context, status)


@capability_required(VIEW)
def vendors(request: HttpRequest) -> HttpResponse:
    return _vendors_page(request)


@require_POST
@capability_required(PURCHASE)
def vendor_add(request: HttpRequest) -> HttpResponse:
    return _act(
        request,
        f.VendorForm(request.POST),
        lambda d: services.vendor_create(actor=request.user, **d),
        done="Vendor added.",
        url=reverse("inventory:vendors"),
        page=lambda form, status: _vendors_page(
            request, forms={"vendor_form": form}, status=status
        ),
    )


# --- Price lists -----------------------------------------------------------------------------


def _price_lists_page(request, *, forms=None, status=200):
    context = {
        "price_lists": selectors.price_lists_visible_to(request.user),
        "price_list_form": f.PriceListForm(),
        **(forms or {}),
    }
    return _page(request, "price_lists.html", context, status)


@capability_required(VIEW)
def price_lists(request: HttpRequest) -> HttpResponse:
    return _price_lists_page(request)


@require_POST
@capability_required(MANAGE)
def price_list_add(request: HttpRequest) -> HttpResponse:
    def call(d):
        account = None
        number = d.pop("account_number", "").strip()
        if number:
            account = Account.objects.filter(number=number).first()
            if account is None:
                raise ValidationFailed({"account_number": ["No account with that number."]})
        return services.price_list_create(account=account, actor=request.user, **d)

    return _act(
        request,
        f.PriceListForm(request.POST),
        call,
        done="Price list added.",
        url=lambda pl: reverse("inventory:price_list_detail", args=[pl.pk]),
        page=lambda form, status: _price_lists_page(
            request, forms={"price_list_form": form}, status=status
        ),
    )


def _price_list_page(request, pk, *, forms=None, status=200, report=None):
    price_list = get_object_or_404(selectors.price_lists_visible_to(request.user), pk=pk)
    context = {
        "price_list": price_list,
        "lines": price_list.lines.select_related("catalog_item").order_by(
            "catalog_item__code", "min_quantity"
        )[:500],
        "line_count": price_list.lines.count(),
        "line_form": f.PriceLineForm(),
        "import_form": f.ImportForm(),
        "report": report,
        **(forms or {}),
    }
    return _page(request, "price_list_detail.html", context, status)


@capability_required(VIEW)
def price_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _price_list_page(request, pk)


@require_POST
@capability_required(MANAGE)
def price_list_line_set(request: HttpRequest, pk: int) -> HttpResponse:
    price_list = get_object_or_404(selectors.price_lists_visible_to(request.user), pk=pk)
    return _act(
        request,
        f.PriceLineForm(request.POST),
        lambda d: services.price_list_line_set(price_list=price_list, actor=request.user, **d),
        done="Price set.",
        url=reverse("inventory:price_list_detail", args=[pk]),
        page=lambda form, status: _price_list_page(
            request, pk, forms={"line_form": form}, status=status
        ),
    )


@capability_required(VIEW)
def price_list_export(request: HttpRequest, pk: int) -> HttpResponse:
    price_list = get_object_or_404(selectors.price_lists_visible_to(request.user), pk=pk)
    return _export(
        request,
        transfer.PRICE_COLUMNS,
        transfer.price_lines_table(price_list),
        f"price-list-{price_list.pk}",
    )


@require_POST
@capability_required(MANAGE)
def price_list_import(request: HttpRequest, pk: int) -> HttpResponse:
    price_list = get_object_or_404(selectors.price_lists_visible_to(request.user), pk=pk)
    form = f.ImportForm(request.POST, request.FILES)
    report, status = _import(
        request,
        form,
        transfer.PRICE_COLUMNS,
        lambda rows, dry: transfer.price_lines_import(
            price_list=price_list, rows=rows, dry_run=dry, actor=request.user
        ),
    )
    return _price_list_page(request, pk, forms={"import_form": form}, status=status, report=report)


# --- Reorder ---------------------------------------------------------------------------------


@capability_required(VIEW)
def reorder(request: HttpRequest) -> HttpResponse:
    """Items at or below their reorder point, by preferred vendor, with a button to draft
    a purchase order to each vendor."""
    rows = selectors.items_to_reorder()
    groups: dict = {}
    for row in rows:
        groups.setdefault(row.item.preferred_vendor, []).append(row)
    return _page(request, "reorder.html", {"groups": list(groups.items())})


@require_POST
@capability_required(PURCHASE)
def reorder_draft(request: HttpRequest, vendor_pk: int) -> HttpResponse:
    vendor = get_object_or_404(selectors.vendors_visible_to(request.user), pk=vendor_pk)
    try:
        order = purchasing.purchase_order_draft_for_reorder(vendor=vendor, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("inventory:reorder")
    messages.success(request, f"Draft {order.number} opened for {vendor.name}.")
    return redirect("inventory:po_detail", order.pk)


# --- Purchase orders -------------------------------------------------------------------------


def _po_list_page(request, *, forms=None, status=200):
    orders = selectors.purchase_orders_visible_to(request.user)
    if request.GET.get("status"):
        orders = orders.filter(status=request.GET["status"])
    context = {"orders": orders[:200], "po_form": f.PurchaseOrderForm(), **(forms or {})}
    return _page(request, "po_list.html", context, status)


@capability_required(VIEW)
def po_list(request: HttpRequest) -> HttpResponse:
    return _po_list_page(request)


@require_POST
@capability_required(PURCHASE)
def po_add(request: HttpRequest) -> HttpResponse:
    return _act(
        request,
        f.PurchaseOrderForm(request.POST),
        lambda d: purchasing.purchase_order_create(actor=request.user, **d),
        done="Draft purchase order opened.",
        url=lambda order: reverse("inventory:po_detail", args=[order.pk]),
        page=lambda form, status: _po_list_page(request, forms={"po_form": form}, status=status),
    )


def _po(request, pk):
    return get_object_or_404(selectors.purchase_orders_visible_to(request.user), pk=pk)


def _po_page(request, pk, *, forms=None, status=200):
    order = _po(request, pk)
    context = {
        "order": order,
        "doc_lines": list(order.lines.select_related("item")),
        "events": order.events.select_related("actor"),
        "line_form": f.PurchaseLineForm(),
        "approve_form": f.NoteForm(),
        "reason_form": f.ReasonForm(),
        "send_form": f.SendForm(),
        "bill_form": f.BillForm(),
        "receive_form": f.POReceiveForm(order=order, initial={"warehouse": order.deliver_to}),
        **(forms or {}),
    }
    return _page(request, "po_detail.html", context, status)


@capability_required(VIEW)
def po_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _po_page(request, pk)


@capability_required(VIEW)
def po_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    order = _po(request, pk)
    response = HttpResponse(purchasing.purchase_order_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{order.number}.pdf"'
    return response


def _po_action(request, pk, key, form, call, done):
    return _act(
        request,
        form,
        call,
        done=done,
        url=reverse("inventory:po_detail", args=[pk]),
        page=lambda form, status: _po_page(request, pk, forms={f"{key}_form": form}, status=status),
    )


@require_POST
@capability_required(PURCHASE)
def po_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    order = _po(request, pk)
    return _po_action(
        request,
        pk,
        "line",
        f.PurchaseLineForm(request.POST),
        lambda d: purchasing.purchase_order_line_add(order=order, actor=request.user, **d),
        "Line added.",
    )


def _po_button(request, pk, call, done):
    return button_action(
        request,
        call,
        done=done,
        success_url=reverse("inventory:po_detail", args=[pk]),
        failed=lambda status: _po_page(request, pk, status=status),
    )


@require_POST
@capability_required(PURCHASE)
def po_submit(request: HttpRequest, pk: int) -> HttpResponse:
    order = _po(request, pk)
    return _po_button(
        request,
        pk,
        lambda: purchasing.purchase_order_submit(order=order, actor=request.user),
        "Submitted for approval.",
    )


@require_POST
@capability_required(PURCHASE)
def po_approve(request: HttpRequest, pk: int) -> HttpResponse:
    order = _po(request, pk)

    def call(d):
        result = purchasing.purchase_order_approve(order=order, note=d["note"], actor=request.user)
        if result.status != "approved":
            messages.warning(
                request, "Above your approval limit: escalated to a role with a higher limit."
            )
        return result

    return _po_action(request, pk, "approve", f.NoteForm(request.POST), call, "Approval recorded.")


@require_POST
@capability_required(PURCHASE)
def po_reject(request: HttpRequest, pk: int) -> HttpResponse:
    order = _po(request, pk)
    return _po_action(
        request,
        pk,
        "reason",
        f.ReasonForm(request.POST),
        lambda d: purchasing.purchase_order_reject(
            order=order, reason=d["reason"], actor=request.user
        ),
        "Rejected: back to draft.",
    )


@require_POST
@capability_required(PURCHASE)
def po_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    order = _po(request, pk)
    return _po_action(
        request,
        pk,
        "reason",
        f.ReasonForm(request.POST),
        lambda d: purchasing.purchase_order_cancel(
            order=order, reason=d["reason"], actor=request.user
        ),
        "Purchase order cancelled.",
    )


@require_POST
@capability_required(PURCHASE)
def po_send(request: HttpRequest, pk: int) -> HttpResponse:
    order = _po(request, pk)
    return _po_action(
        request,
        pk,
        "send",
        f.SendForm(request.POST),
        lambda d: purchasing.purchase_order_send(
            order=order, to_email=d["to_email"], actor=request.user
        ),
        "Purchase order sent.",
    )


@require_POST
@capability_required(PURCHASE)
def po_receive(request: HttpRequest, pk: int) -> HttpResponse:
    order = _po(request, pk)
    form = f.POReceiveForm(request.POST, order=order)
    return _po_action(
        request,
        pk,
        "receive",
        form,
        lambda d: purchasing.purchase_order_receive(
            order=order, warehouse=d["warehouse"], quantities=form.quantities(), actor=request.user
        ),
        "Receipt recorded.",
    )


@require_POST
@capability_required(PURCHASE)
def po_match(request: HttpRequest, pk: int) -> HttpResponse:
    order = _po(request, pk)
    return _po_action(
        request,
        pk,
        "bill",
        f.BillForm(request.POST),
        lambda d: purchasing.purchase_order_match_bill(order=order, actor=request.user, **d),
        "Vendor's bill recorded.",
    )


# --- Sales orders ----------------------------------------------------------------------------


@require_POST
@capability_required(SELL)
def sale_new(request: HttpRequest, account_pk: int) -> HttpResponse:
    """Open a draft parts sale for the account (the account page's Sell parts box)."""
    account = account_get(user=request.user, pk=account_pk)
    form = f.SaleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the location to sell from.")
        return redirect("customers:account_detail", account.pk)
    order = sales.sales_order_create(
        account=account, warehouse=form.cleaned_data["warehouse"], actor=request.user
    )
    messages.success(request, f"Sales order {order.number} opened: add its lines.")
    return redirect("inventory:sale_detail", order.pk)


def _sale(request, pk):
    return get_object_or_404(selectors.sales_orders_visible_to(request.user), pk=pk)


def _sale_page(request, pk, *, forms=None, status=200):
    order = _sale(request, pk)
    lines = list(order.lines.select_related("catalog_item"))
    context = {
        "order": order,
        "account": order.account,
        "lines": lines,
        "line_form": f.SaleLineForm(),
        **(forms or {}),
    }
    return _page(request, "sale_detail.html", context, status)


@capability_required(VIEW)
def sale_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _sale_page(request, pk)


@require_POST
@capability_required(SELL)
def sale_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    order = _sale(request, pk)
    return _act(
        request,
        f.SaleLineForm(request.POST),
        lambda d: sales.sales_order_line_add(order=order, actor=request.user, **d),
        done="Line added.",
        url=reverse("inventory:sale_detail", args=[pk]),
        page=lambda form, status: _sale_page(request, pk, forms={"line_form": form}, status=status),
    )


def _sale_button(request, pk, call, done, url=None):
    return button_action(
        request,
        call,
        done=done,
        success_url=url or reverse("inventory:sale_detail", args=[pk]),
        failed=lambda status: _sale_page(request, pk, status=status),
    )


@require_POST
@capability_required(SELL)
def sale_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    order = _sale(request, pk)
    return _sale_button(
        request,
        pk,
        lambda: sales.sales_order_confirm(order=order, actor=request.user),
        "Confirmed: stock reserved.",
    )


@require_POST
@capability_required(SELL)
def sale_fulfil(request: HttpRequest, pk: int) -> HttpResponse:
    order = _sale(request, pk)
    return _sale_button(
        request,
        pk,
        lambda: sales.sales_order_fulfil(order=order, actor=request.user),
        "Fulfilled: stock handed over.",
    )


@require_POST
@capability_required(SELL)
def sale_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    order = _sale(request, pk)
    return _sale_button(
        request,
        pk,
        lambda: sales.sales_order_cancel(order=order, actor=request.user),
        "Sales order cancelled.",
    )


@require_POST
@capability_required(Cap.BILLING_SALES)
def sale_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    order = _sale(request, pk)
    return _sale_button(
        request,
        pk,
        lambda: sales.sales_order_invoice(order=order, actor=request.user),
        "Invoice issued.",
    )


@require_POST
@capability_required(Cap.BILLING_SALES)
def sale_counter(request: HttpRequest, pk: int) -> HttpResponse:
    """The counter sale: confirm, fulfil and invoice at once, then the invoice."""
    order = _sale(request, pk)
    try:
        invoice = sales.sales_order_counter_sale(order=order, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _sale_page(request, pk, status=exc.status_code)
    messages.success(request, f"Sold: invoice {invoice.number} issued.")
    return redirect("billing:invoice_detail", invoice.pk)


@capability_required(VIEW)
def price_check(request: HttpRequest) -> HttpResponse:
    """A quick price check: an item's price for an account and a quantity today."""
    quote = None
    error = ""
    account_number = request.GET.get("account", "").strip()
    code = request.GET.get("item", "").strip()
    qty = request.GET.get("quantity", "1").strip() or "1"
    if account_number and code:
        from servicebook.billing.models import CatalogItem

        account = Account.objects.filter(number=account_number).first()
        item = CatalogItem.objects.filter(code=code).first()
        if account is None or item is None:
            error = "No such account." if account is None else "No such item."
        else:
            try:
                quote = prices_for(
                    account=account, items_with_qty=[(item, qty)], on=timezone.localdate()
                )[item.pk]
            except ServiceError as exc:
                error = exc.message
    return _page(
        request,
        "price_check.html",
        {"quote": quote, "error": error, "account": account_number, "item": code, "qty": qty},
    )
