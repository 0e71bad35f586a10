"""Models of the inventory app: the stock-keeping side of the billing catalog's parts, price
lists, warehouses and vans with their stock levels and immutable stock moves, vendors and
purchase orders, and parts sales orders (docs/inventory.md).

There is no second catalog: what we sell is a billing CatalogItem; an inventory Item adds
what a store room needs to know about a part (SKU, reorder point, preferred vendor, cost).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from servicebook.billing.models import CatalogItem, Invoice
from servicebook.core.models import TimeStampedModel
from servicebook.customers.choices import CustomerClass
from servicebook.customers.models import Account

from .choices import (
    MoveKind,
    PurchaseOrderStatus,
    SalesOrderStatus,
    VendorKind,
    WarehouseKind,
)

MONEY = {"max_digits": 14, "decimal_places": 2}
QTY = {"max_digits": 12, "decimal_places": 3}
ZERO_QTY = Decimal("0")


class ImmutableError(Exception):
    """A stock move is history: it is never edited or deleted; a correction is a new move."""


class Vendor(TimeStampedModel):
    """A company we buy from: a parts vendor, or a subcontractor company (then it may name
    the scheduling app's Subcontractor whose crews we dispatch)."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=VendorKind.choices, default=VendorKind.VENDOR)
    email = models.EmailField(blank=True, help_text="Purchase orders are emailed here")
    phone = models.CharField(max_length=30, blank=True)
    address = models.TextField(blank=True)
    subcontractor = models.OneToOneField(
        "scheduling.Subcontractor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vendor",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Item(TimeStampedModel):
    """The stock-keeping side of a catalog part: SKU, the vendor's part number, reorder
    point and quantity, preferred vendor, standard cost, and whether stock may go below
    zero (for parts the field uses before the paperwork catches up)."""

    catalog_item = models.OneToOneField(
        CatalogItem, on_delete=models.PROTECT, related_name="stock_item"
    )
    sku = models.CharField(max_length=40, unique=True)
    vendor_part_number = models.CharField(max_length=60, blank=True)
    preferred_vendor = models.ForeignKey(
        Vendor, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    reorder_point = models.DecimalField(default=ZERO_QTY, validators=[MinValueValidator(0)], **QTY)
    reorder_quantity = models.DecimalField(
        default=ZERO_QTY, validators=[MinValueValidator(0)], **QTY
    )
    standard_cost = models.DecimalField(
        default=Decimal("0.00"), validators=[MinValueValidator(0)], **MONEY
    )
    allow_negative = models.BooleanField(
        default=False, help_text="Stock of this item may go below zero"
    )

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.sku} {self.catalog_item.name}"


class PriceList(TimeStampedModel):
    """Prices for one customer class, or for one account (its service contract's prices),
    valid between two dates. The most specific list wins (account > customer class >
    catalog); within a level the highest priority, then the latest valid-from
    (pricing.prices_for)."""

    name = models.CharField(max_length=120)
    customer_class = models.CharField(max_length=20, choices=CustomerClass.choices, blank=True)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="price_lists"
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    priority = models.IntegerField(default=0, help_text="Higher wins within a level")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-priority", "-valid_from", "name"]
        indexes = [
            models.Index(fields=["customer_class", "active"]),
            models.Index(fields=["account", "active"]),
        ]
        constraints = [
            # Exactly one target: a customer class or an account.
            models.CheckConstraint(
                condition=(Q(account__isnull=True) & ~Q(customer_class=""))
                | (Q(account__isnull=False) & Q(customer_class="")),
                name="inventory_pricelist_one_target",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="inventory_pricelist_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def target_label(self) -> str:
        if self.account_id:
            return f"Account {self.account.number}"
        return self.get_customer_class_display()


class PriceListLine(models.Model):
    """One price of a list: a unit price, or a percent off the catalog price, from a
    minimum quantity (several lines of one item are its quantity breaks)."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="lines")
    catalog_item = models.ForeignKey(
        CatalogItem, on_delete=models.PROTECT, related_name="price_list_lines"
    )
    min_quantity = models.DecimalField(
        default=Decimal("1"), validators=[MinValueValidator(0)], **QTY
    )
    unit_price = models.DecimalField(null=True, blank=True, **MONEY)
    percent_off = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["catalog_item", "min_quantity"]
        indexes = [models.Index(fields=["catalog_item", "price_list"])]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "catalog_item", "min_quantity"],
                name="inventory_pricelistline_once",
            ),
            models.CheckConstraint(
                condition=(Q(unit_price__isnull=False) & Q(percent_off__isnull=True))
                | (Q(unit_price__isnull=True) & Q(percent_off__isnull=False)),
                name="inventory_pricelistline_price_or_percent",
            ),
            models.CheckConstraint(
                condition=Q(percent_off__isnull=True)
                | (Q(percent_off__gte=0) & Q(percent_off__lte=100)),
                name="inventory_pricelistline_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__isnull=True) | Q(unit_price__gte=0),
                name="inventory_pricelistline_price_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        rule = f"{self.unit_price}" if self.unit_price is not None else f"-{self.percent_off}%"
        return f"{self.catalog_item_id} from {self.min_quantity}: {rule}"


class Warehouse(TimeStampedModel):
    """A place stock is kept: a site (store room, branch) or a technician's van."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(
        max_length=10, choices=WarehouseKind.choices, default=WarehouseKind.SITE
    )
    technician = models.OneToOneField(
        "scheduling.Technician",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="van",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            # A van belongs to a technician; a site to nobody.
            models.CheckConstraint(
                condition=Q(kind=WarehouseKind.VAN, technician__isnull=False)
                | Q(kind=WarehouseKind.SITE, technician__isnull=True),
                name="inventory_warehouse_van_has_technician",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StockLevel(models.Model):
    """How much of an item a location holds, and how much of that confirmed sales orders
    have reserved. Only the stock services change it, with F() updates guarded in the
    UPDATE's WHERE (never read-then-write), each next to the StockMove that explains it."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="levels")
    on_hand = models.DecimalField(default=ZERO_QTY, **QTY)
    reserved = models.DecimalField(default=ZERO_QTY, **QTY)

    class Meta:
        ordering = ["warehouse", "item"]
        constraints = [
            models.UniqueConstraint(fields=["item", "warehouse"], name="inventory_stock_once"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="inventory_stock_reserved_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.warehouse_id}: {self.on_hand} ({self.reserved} reserved)"

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


class StockMove(models.Model):
    """One movement of stock, immutable: a receipt, a transfer (an out row and an in row),
    a use on a work order, a sale, an adjustment or count. Quantity is always positive;
    the direction is from -> to (a receipt has no `from`, a use or sale no `to`)."""

    kind = models.CharField(max_length=20, choices=MoveKind.choices)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="moves")
    quantity = models.DecimalField(validators=[MinValueValidator(0)], **QTY)
    from_warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="moves_out"
    )
    to_warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="moves_in"
    )
    reference = models.CharField(max_length=80, blank=True)
    unit_cost = models.DecimalField(null=True, blank=True, **MONEY)
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_moves",
    )
    purchase_order = models.ForeignKey(
        "PurchaseOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="moves"
    )
    sales_order = models.ForeignKey(
        "SalesOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="moves"
    )
    note = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["item", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="inventory_move_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(from_warehouse__isnull=False) | Q(to_warehouse__isnull=False),
                name="inventory_move_has_a_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} of {self.item_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableError("Stock moves are immutable; record a new move.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("Stock moves are immutable; record a new move.")


class PurchasingPolicy(models.Model):
    """The purchasing thresholds, one row (kept in the admin): how far a vendor's bill may
    differ from what was ordered and received before the three-way match flags it."""

    key = models.CharField(max_length=20, unique=True, default="default")
    price_tolerance_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("2.00")
    )
    price_tolerance_amount = models.DecimalField(default=Decimal("5.00"), **MONEY)
    quantity_tolerance_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        verbose_name_plural = "purchasing policies"

    def __str__(self) -> str:
        return f"Purchasing policy {self.key}"


class PurchaseOrder(TimeStampedModel):
    """An order to a vendor or subcontractor: draft -> awaiting approval -> approved ->
    sent -> partly received -> received -> closed (or cancelled). Approved within the
    approver's ApprovalLimit(kind=purchase_order); sent as a PDF by email; received into a
    warehouse; closed when the vendor's bill matches (three-way match)."""

    number = models.CharField(max_length=20, unique=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="purchase_orders")
    status = models.CharField(
        max_length=20,
        choices=PurchaseOrderStatus.choices,
        default=PurchaseOrderStatus.DRAFT,
        db_index=True,
    )
    deliver_to = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="purchase_orders",
    )
    notes = models.TextField(blank=True)
    total = models.DecimalField(default=Decimal("0.00"), **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    bill_number = models.CharField(max_length=60, blank=True)
    bill_amount = models.DecimalField(null=True, blank=True, **MONEY)
    bill_flags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class PurchaseOrderLine(models.Model):
    """What a purchase order asks for: a stock item, or free text (a subcontractor's work),
    a quantity and a unit cost; `received` counts what has arrived so far."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=1)
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="po_lines"
    )
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(**QTY)
    unit_cost = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)
    received = models.DecimalField(default=ZERO_QTY, **QTY)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="inventory_poline_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(received__gte=0) & Q(received__lte=models.F("quantity")),
                name="inventory_poline_received_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description}"

    @property
    def outstanding(self) -> Decimal:
        return self.quantity - self.received


class PurchaseOrderEvent(models.Model):
    """A step of a purchase order with its reason: submitted, approved, escalated (above
    the approver's limit), rejected, sent, received, bill matched, cancelled."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


class SalesOrder(TimeStampedModel):
    """A parts sale to an account: draft -> confirmed (reserves stock at its warehouse) ->
    fulfilled (stock moves out) -> invoiced (a billing invoice with its lines, issued), or
    cancelled (releases the reservation). A counter sale walks all steps at once."""

    number = models.CharField(max_length=20, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="sales_orders")
    status = models.CharField(
        max_length=20,
        choices=SalesOrderStatus.choices,
        default=SalesOrderStatus.DRAFT,
        db_index=True,
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField(default=Decimal("0.00"), **MONEY)
    invoice = models.OneToOneField(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="sales_order"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class SalesOrderLine(models.Model):
    """A catalog item sold, at the price prices_for gave when the line was added (with the
    explanation of where that price came from)."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=1)
    catalog_item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QTY)
    unit_price = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)
    price_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="inventory_soline_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.catalog_item_id}"
