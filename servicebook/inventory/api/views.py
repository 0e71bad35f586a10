"""The inventory API: items and their stock moves, stock levels, the price lookup
(`prices_for` for a whole quote), parts sales orders and purchase orders.

Each action parses with an input serializer, calls one service with `actor=request.user`
and renders the result; what an order's state does not allow is a 409 and changes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action

from servicebook.core.api.schema import responses
from servicebook.core.api.viewsets import ServiceViewSet
from servicebook.core.errors import ValidationFailed
from servicebook.customers.selectors import account_get
from servicebook.users.roles import Cap

from .. import purchasing, sales, selectors, services
from ..pricing import prices_for
from . import serializers as s

# A POST that needs nothing but the object in its path: documented as an empty JSON object;
# the action parses it with an empty serializer, so a stray field is refused.
EMPTY_BODY = OpenApiTypes.OBJECT

VIEW, MANAGE, SELL, PURCHASE = (
    Cap.INVENTORY_VIEW,
    Cap.INVENTORY_MANAGE,
    Cap.INVENTORY_SELL,
    Cap.INVENTORY_PURCHASE,
)


def _account(request, pk: int):
    try:
        return account_get(user=request.user, pk=pk)
    except Exception as exc:  # Http404: an account the caller cannot see
        raise ValidationFailed({"account": ["No such account."]}) from exc


class ItemViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Stock items (the stock-keeping side of catalog parts) and their stock moves."""

    serializer_class = s.ItemSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": MANAGE,
        "partial_update": MANAGE,
        "receive": MANAGE,
        "transfer": MANAGE,
        "count": MANAGE,
    }

    def get_queryset(self):
        return selectors.items_visible_to(self.request.user).order_by("sku")

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        return self.render(
            selectors.item_get(user=self.request.user, pk=pk), status_code=status_code
        )

    @extend_schema(summary="A stock item", responses=responses({200: s.ItemSerializer}, 404))
    def retrieve(self, request, pk):
        return self._detail(pk)

    @extend_schema(
        summary="Keep a catalog part in stock",
        request=s.ItemInputSerializer,
        responses=responses({201: s.ItemSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.ItemInputSerializer)
        item = services.item_create(actor=request.user, **data)
        return self._detail(item.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an item's SKU, reorder point and quantity, vendor, cost or flag",
        request=s.ItemUpdateSerializer,
        responses=responses({200: s.ItemSerializer}, 400, 404),
    )
    def partial_update(self, request, pk):
        item = self.get_object()
        services.item_update(item=item, actor=request.user, **self.parse(s.ItemUpdateSerializer))
        return self._detail(item.pk)

    @extend_schema(
        summary="Receive stock into a location",
        request=s.ReceiveInputSerializer,
        responses=responses({201: s.StockMoveSerializer}, 400, 404),
    )
    @action(detail=True, methods=["post"])
    def receive(self, request, pk):
        item = self.get_object()
        move = services.stock_receive(
            item=item, actor=request.user, **self.parse(s.ReceiveInputSerializer)
        )
        return self.render(move, s.StockMoveSerializer, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move stock between locations (never below zero unless the item allows it)",
        request=s.StockTransferInputSerializer,
        responses=responses({201: s.StockMoveSerializer(many=True)}, 400, 404),
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk):
        item = self.get_object()
        moves = services.stock_transfer(
            item=item, actor=request.user, **self.parse(s.StockTransferInputSerializer)
        )
        return self.render(
            list(moves), s.StockMoveSerializer, many=True, status_code=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Record a count: the difference becomes an adjustment move",
        request=s.CountInputSerializer,
        responses=responses({201: s.StockMoveSerializer}, 400, 404),
    )
    @action(detail=True, methods=["post"])
    def count(self, request, pk):
        item = self.get_object()
        move = services.stock_adjust(
            item=item, actor=request.user, **self.parse(s.CountInputSerializer)
        )
        return self.render(move, s.StockMoveSerializer, status_code=status.HTTP_201_CREATED)


class StockLevelViewSet(mixins.ListModelMixin, ServiceViewSet):
    """What each location holds of each item (filter with ?item= and ?warehouse=)."""

    serializer_class = s.StockLevelSerializer
    capabilities = {"list": VIEW}

    def get_queryset(self):
        rows = selectors.stock_levels_visible_to(self.request.user).order_by("item", "warehouse")
        for name in ("item", "warehouse"):
            value = self.request.query_params.get(name, "")
            if value.isdigit():
                rows = rows.filter(**{f"{name}_id": int(value)})
        return rows


class PriceLookupViewSet(ServiceViewSet):
    """Prices for a whole quote or order: `prices_for` (docs/inventory.md has the rule)."""

    serializer_class = s.PriceLookupSerializer
    capabilities = {"create": VIEW}

    @extend_schema(
        summary="Price items and quantities for an account on a date",
        request=s.PriceLookupInputSerializer,
        responses=responses({200: s.PriceLookupSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.PriceLookupInputSerializer)
        account = _account(request, data["account"])
        on = data.get("on") or timezone.localdate()
        quotes = prices_for(
            account=account,
            items_with_qty=[(x["catalog_item"], x["quantity"]) for x in data["items"]],
            on=on,
        )
        return self.render({"account": account.pk, "on": on, "prices": list(quotes.values())})


class SalesOrderViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Parts sales orders: draft with lines, confirm (reserve), fulfil, invoice, cancel, or
    the one-step counter sale."""

    serializer_class = s.SalesOrderSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": SELL,
        "confirm": SELL,
        "fulfil": SELL,
        "cancel": SELL,
        "invoice": Cap.BILLING_SALES,
        "counter_sale": Cap.BILLING_SALES,
    }

    def get_queryset(self):
        return selectors.sales_orders_visible_to(self.request.user).prefetch_related("lines")

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        order = selectors.sales_orders_visible_to(self.request.user).get(pk=pk)
        return self.render(order, status_code=status_code)

    @extend_schema(summary="A sales order", responses=responses({200: s.SalesOrderSerializer}, 404))
    def retrieve(self, request, pk):
        return self.render(self.get_object())

    @extend_schema(
        summary="Open a sales order with its lines (priced by prices_for)",
        request=s.SalesOrderInputSerializer,
        responses=responses({201: s.SalesOrderSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.SalesOrderInputSerializer)
        account = _account(request, data["account"])
        with transaction.atomic():
            order = sales.sales_order_create(
                account=account, warehouse=data["warehouse"], actor=request.user
            )
            for line in data["lines"]:
                sales.sales_order_line_add(order=order, actor=request.user, **line)
        return self._detail(order.pk, status.HTTP_201_CREATED)

    def _step(self, service, summary):
        order = self.get_object()
        self.parse(s.SalesOrderStepInputSerializer)
        service(order=order, actor=self.request.user)
        return self._detail(order.pk)

    @extend_schema(
        summary="Confirm: reserve the stock",
        request=EMPTY_BODY,
        responses=responses({200: s.SalesOrderSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk):
        return self._step(sales.sales_order_confirm, "confirm")

    @extend_schema(
        summary="Fulfil: the stock moves out",
        request=EMPTY_BODY,
        responses=responses({200: s.SalesOrderSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def fulfil(self, request, pk):
        return self._step(sales.sales_order_fulfil, "fulfil")

    @extend_schema(
        summary="Cancel (releases a reservation)",
        request=EMPTY_BODY,
        responses=responses({200: s.SalesOrderSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk):
        return self._step(sales.sales_order_cancel, "cancel")

    @extend_schema(
        summary="Invoice a fulfilled order (issued through billing)",
        request=EMPTY_BODY,
        responses=responses({200: s.SalesOrderSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def invoice(self, request, pk):
        return self._step(sales.sales_order_invoice, "invoice")

    @extend_schema(
        summary="Counter sale: confirm, fulfil and invoice a draft at once",
        request=EMPTY_BODY,
        responses=responses({200: s.SalesOrderSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"], url_path="counter-sale")
    def counter_sale(self, request, pk):
        return self._step(sales.sales_order_counter_sale, "counter sale")


class PurchaseOrderViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Purchase orders: draft with lines, submit, approve within the limit (escalates above
    it), reject, send (PDF by email), receive in part or whole, match the vendor's bill."""

    serializer_class = s.PurchaseOrderSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "pdf": VIEW,
        "create": PURCHASE,
        "submit": PURCHASE,
        "approve": PURCHASE,
        "reject": PURCHASE,
        "cancel": PURCHASE,
        "send": PURCHASE,
        "receive": PURCHASE,
        "bill": PURCHASE,
    }

    def get_queryset(self):
        return selectors.purchase_orders_visible_to(self.request.user).prefetch_related(
            "lines", "events"
        )

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        return self.render(self.get_queryset().get(pk=pk), status_code=status_code)

    @extend_schema(
        summary="A purchase order with its lines and steps",
        responses=responses({200: s.PurchaseOrderSerializer}, 404),
    )
    def retrieve(self, request, pk):
        return self.render(self.get_object())

    @extend_schema(
        summary="Open a draft purchase order with its lines",
        request=s.PurchaseOrderInputSerializer,
        responses=responses({201: s.PurchaseOrderSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.PurchaseOrderInputSerializer)
        lines = data.pop("lines")
        with transaction.atomic():
            order = purchasing.purchase_order_create(actor=request.user, **data)
            for line in lines:
                purchasing.purchase_order_line_add(order=order, actor=request.user, **line)
        return self._detail(order.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Submit for approval",
        request=EMPTY_BODY,
        responses=responses({200: s.PurchaseOrderSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk):
        order = self.get_object()
        self.parse(s.PurchaseOrderSubmitInputSerializer)
        purchasing.purchase_order_submit(order=order, actor=request.user)
        return self._detail(order.pk)

    @extend_schema(
        summary="Approve within your limit (above it the order stays awaiting approval, "
        "escalated with the reason)",
        request=s.PurchaseApproveInputSerializer,
        responses=responses({200: s.PurchaseOrderSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk):
        order = self.get_object()
        data = self.parse(s.PurchaseApproveInputSerializer)
        purchasing.purchase_order_approve(order=order, note=data["note"], actor=request.user)
        return self._detail(order.pk)

    @extend_schema(
        summary="Reject back to draft, with the reason",
        request=s.PurchaseReasonInputSerializer,
        responses=responses({200: s.PurchaseOrderSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk):
        order = self.get_object()
        data = self.parse(s.PurchaseReasonInputSerializer)
        purchasing.purchase_order_reject(order=order, reason=data["reason"], actor=request.user)
        return self._detail(order.pk)

    @extend_schema(
        summary="Cancel, with the reason",
        request=s.PurchaseReasonInputSerializer,
        responses=responses({200: s.PurchaseOrderSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk):
        order = self.get_object()
        data = self.parse(s.PurchaseReasonInputSerializer)
        purchasing.purchase_order_cancel(order=order, reason=data["reason"], actor=request.user)
        return self._detail(order.pk)

    @extend_schema(
        summary="Email the PDF to the vendor (after commit)",
        request=s.PurchaseSendInputSerializer,
        responses=responses({200: s.PurchaseOrderSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def send(self, request, pk):
        order = self.get_object()
        data = self.parse(s.PurchaseSendInputSerializer)
        purchasing.purchase_order_send(order=order, to_email=data["to_email"], actor=request.user)
        return self._detail(order.pk)

    @extend_schema(
        summary="Receive some or all of the outstanding lines into a location",
        request=s.POReceiveInputSerializer,
        responses=responses({200: s.PurchaseOrderSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def receive(self, request, pk):
        order = self.get_object()
        data = self.parse(s.POReceiveInputSerializer)
        purchasing.purchase_order_receive(
            order=order,
            warehouse=data["warehouse"],
            quantities={x["line"]: x["quantity"] for x in data["lines"]},
            actor=request.user,
        )
        return self._detail(order.pk)

    @extend_schema(
        summary="Record the vendor's bill and match it three ways",
        request=s.BillInputSerializer,
        responses=responses({200: s.PurchaseOrderSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def bill(self, request, pk):
        order = self.get_object()
        data = self.parse(s.BillInputSerializer)
        purchasing.purchase_order_match_bill(order=order, actor=request.user, **data)
        return self._detail(order.pk)

    @extend_schema(
        summary="The purchase order as PDF",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **responses({}, 404),
        },
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk):
        order = self.get_object()
        response = HttpResponse(
            purchasing.purchase_order_pdf(order), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="{order.number}.pdf"'
        return response
