"""Input and output serializers of the inventory API."""

from __future__ import annotations

from rest_framework import serializers

from servicebook.billing.models import CatalogItem
from servicebook.core.api.schema import EnumField

from ..choices import MoveKind, PriceSource, PurchaseOrderStatus, SalesOrderStatus
from ..models import (
    Item,
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    StockMove,
    Vendor,
    Warehouse,
)

QTY = {"max_digits": 12, "decimal_places": 3}
MONEY = {"max_digits": 14, "decimal_places": 2}
ID = {"min_value": 1, "max_value": 2**63 - 1}


class ItemSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="catalog_item.code", read_only=True)
    name = serializers.CharField(source="catalog_item.name", read_only=True)
    price = serializers.DecimalField(source="catalog_item.price", read_only=True, **MONEY)
    on_hand = serializers.DecimalField(source="on_hand_total", read_only=True, **QTY)
    reserved = serializers.DecimalField(source="reserved_total", read_only=True, **QTY)

    class Meta:
        model = Item
        fields = [
            "id",
            "catalog_item",
            "code",
            "name",
            "price",
            "sku",
            "vendor_part_number",
            "preferred_vendor",
            "reorder_point",
            "reorder_quantity",
            "standard_cost",
            "allow_negative",
            "on_hand",
            "reserved",
        ]


class ItemInputSerializer(serializers.Serializer):
    catalog_item = serializers.PrimaryKeyRelatedField(queryset=CatalogItem.objects.all())
    sku = serializers.CharField(max_length=40)
    vendor_part_number = serializers.CharField(max_length=60, required=False, default="")
    preferred_vendor = serializers.PrimaryKeyRelatedField(
        queryset=Vendor.objects.all(), required=False, allow_null=True, default=None
    )
    reorder_point = serializers.DecimalField(min_value=0, default=0, **QTY)
    reorder_quantity = serializers.DecimalField(min_value=0, default=0, **QTY)
    standard_cost = serializers.DecimalField(min_value=0, default=0, **MONEY)
    allow_negative = serializers.BooleanField(default=False)


class ItemUpdateSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=40, required=False)
    vendor_part_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    preferred_vendor = serializers.PrimaryKeyRelatedField(
        queryset=Vendor.objects.all(), required=False, allow_null=True
    )
    reorder_point = serializers.DecimalField(min_value=0, required=False, **QTY)
    reorder_quantity = serializers.DecimalField(min_value=0, required=False, **QTY)
    standard_cost = serializers.DecimalField(min_value=0, required=False, **MONEY)
    allow_negative = serializers.BooleanField(required=False)


class ReceiveInputSerializer(serializers.Serializer):
    warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    quantity = serializers.DecimalField(**QTY)
    unit_cost = serializers.DecimalField(required=False, allow_null=True, min_value=0, **MONEY)
    reference = serializers.CharField(max_length=80, required=False, default="")


class StockTransferInputSerializer(serializers.Serializer):
    from_warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    to_warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    quantity = serializers.DecimalField(**QTY)


class CountInputSerializer(serializers.Serializer):
    warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    counted = serializers.DecimalField(min_value=0, **QTY)
    reason = serializers.CharField(max_length=200)


class StockMoveSerializer(serializers.ModelSerializer):
    kind = EnumField(MoveKind)

    class Meta:
        model = StockMove
        fields = [
            "id",
            "kind",
            "item",
            "quantity",
            "from_warehouse",
            "to_warehouse",
            "reference",
            "unit_cost",
            "work_order",
            "purchase_order",
            "sales_order",
            "note",
            "at",
        ]


class StockLevelSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="item.sku", read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    available = serializers.DecimalField(read_only=True, **QTY)

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "item",
            "sku",
            "warehouse",
            "warehouse_code",
            "on_hand",
            "reserved",
            "available",
        ]


class PriceLookupLineSerializer(serializers.Serializer):
    catalog_item = serializers.IntegerField(**ID)
    quantity = serializers.DecimalField(default=1, **QTY)


class PriceLookupInputSerializer(serializers.Serializer):
    account = serializers.IntegerField(**ID)
    on = serializers.DateField(required=False, allow_null=True)
    items = PriceLookupLineSerializer(many=True)

    def validate_items(self, value):
        if not value:
            raise serializers.ValidationError("Price at least one item.")
        if len(value) > 500:
            raise serializers.ValidationError("At most 500 items a lookup.")
        return value


class PriceQuoteSerializer(serializers.Serializer):
    catalog_item = serializers.IntegerField(source="catalog_item_id")
    quantity = serializers.DecimalField(**QTY)
    unit_price = serializers.DecimalField(**MONEY)
    amount = serializers.DecimalField(**MONEY)
    catalog_price = serializers.DecimalField(**MONEY)
    source = EnumField(PriceSource)
    price_list = serializers.IntegerField(source="price_list_id", allow_null=True)
    price_list_name = serializers.CharField()
    explanation = serializers.CharField()


class PriceLookupSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    on = serializers.DateField()
    prices = PriceQuoteSerializer(many=True)


class SalesOrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = SalesOrderLine
        fields = [
            "id",
            "position",
            "catalog_item",
            "quantity",
            "unit_price",
            "amount",
            "price_note",
        ]


class SalesOrderSerializer(serializers.ModelSerializer):
    status = EnumField(SalesOrderStatus)
    lines = SalesOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = SalesOrder
        fields = [
            "id",
            "number",
            "account",
            "status",
            "warehouse",
            "total",
            "invoice",
            "created_at",
            "lines",
        ]


class SaleLineInputSerializer(serializers.Serializer):
    catalog_item = serializers.PrimaryKeyRelatedField(queryset=CatalogItem.objects.all())
    quantity = serializers.DecimalField(**QTY)


class SalesOrderInputSerializer(serializers.Serializer):
    account = serializers.IntegerField(**ID)
    warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    lines = SaleLineInputSerializer(many=True, required=False, default=list)


class InvoiceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    total = serializers.DecimalField(**MONEY)


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = PurchaseOrderLine
        fields = [
            "id",
            "position",
            "item",
            "description",
            "quantity",
            "unit_cost",
            "amount",
            "received",
        ]


class PurchaseOrderEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = PurchaseOrderEvent
        fields = ["action", "note", "actor", "at"]


class PurchaseOrderSerializer(serializers.ModelSerializer):
    status = EnumField(PurchaseOrderStatus)
    lines = PurchaseOrderLineSerializer(many=True, read_only=True)
    events = PurchaseOrderEventSerializer(many=True, read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "vendor",
            "status",
            "deliver_to",
            "work_order",
            "notes",
            "total",
            "approved_by",
            "approved_at",
            "sent_at",
            "bill_number",
            "bill_amount",
            "bill_flags",
            "created_at",
            "lines",
            "events",
        ]


class PurchaseLineInputSerializer(serializers.Serializer):
    item = serializers.PrimaryKeyRelatedField(
        queryset=Item.objects.all(), required=False, allow_null=True, default=None
    )
    description = serializers.CharField(max_length=200, required=False, default="")
    quantity = serializers.DecimalField(**QTY)
    unit_cost = serializers.DecimalField(
        required=False, allow_null=True, default=None, min_value=0, **MONEY
    )


class PurchaseOrderInputSerializer(serializers.Serializer):
    vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all())
    deliver_to = serializers.PrimaryKeyRelatedField(
        queryset=Warehouse.objects.all(), required=False, allow_null=True, default=None
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    lines = PurchaseLineInputSerializer(many=True, required=False, default=list)


class PurchaseApproveInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PurchaseReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class PurchaseSendInputSerializer(serializers.Serializer):
    to_email = serializers.EmailField(required=False, allow_blank=True, default="")


class ReceiptLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(**ID)
    quantity = serializers.DecimalField(**QTY)


class POReceiveInputSerializer(serializers.Serializer):
    warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    lines = ReceiptLineSerializer(many=True)


class BillInputSerializer(serializers.Serializer):
    bill_number = serializers.CharField(max_length=60)
    amount = serializers.DecimalField(min_value=0, **MONEY)


class SalesOrderStepInputSerializer(serializers.Serializer):
    """No body needed: confirm, fulfil, cancel, invoice and counter sale take none."""


class PurchaseOrderSubmitInputSerializer(serializers.Serializer):
    """No body needed to submit an order for approval."""
