"""Choice sets of the inventory app and the lifecycles they walk."""

from __future__ import annotations

from django.db import models


class WarehouseKind(models.TextChoices):
    SITE = "site", "Site"
    VAN = "van", "Van"


class MoveKind(models.TextChoices):
    """What moved stock. Every change of a stock level is one of these rows."""

    RECEIPT = "receipt", "Receipt"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    TRANSFER_IN = "transfer_in", "Transfer in"
    WORK_ORDER = "work_order", "Used on a work order"
    SALE = "sale", "Sale"
    ADJUSTMENT = "adjustment", "Adjustment / count"


class VendorKind(models.TextChoices):
    VENDOR = "vendor", "Vendor"
    SUBCONTRACTOR = "subcontractor", "Subcontractor"


class PurchaseOrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    SENT = "sent", "Sent"
    PARTLY_RECEIVED = "partly_received", "Partly received"
    RECEIVED = "received", "Received"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class SalesOrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CONFIRMED = "confirmed", "Confirmed"
    FULFILLED = "fulfilled", "Fulfilled"
    INVOICED = "invoiced", "Invoiced"
    CANCELLED = "cancelled", "Cancelled"


class PriceSource(models.TextChoices):
    CATALOG = "catalog", "Catalog"
    CONTRACT = "contract", "Service contract's price list"
    ACCOUNT = "account", "Account price list"
    CUSTOMER_CLASS = "customer_class", "Customer-class price list"


PO_RECEIVABLE = {
    PurchaseOrderStatus.SENT,
    PurchaseOrderStatus.APPROVED,
    PurchaseOrderStatus.PARTLY_RECEIVED,
}
PO_CANCELLABLE = {
    PurchaseOrderStatus.DRAFT,
    PurchaseOrderStatus.AWAITING_APPROVAL,
    PurchaseOrderStatus.APPROVED,
    PurchaseOrderStatus.SENT,
}
