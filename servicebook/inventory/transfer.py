"""CSV and Excel import and export of stock items and of a price list's lines.

Reference data, so an import keeps the good rows and lists the bad ones (row number, field
and reason) rather than refusing the file; a dry run checks every row through the very same
services and then rolls everything back. Each row goes through the services in its own
savepoint, so a bad row leaves nothing half-written. The export writes the columns the
import reads: export, edit, import back. The engine (reading files, running rows, writing
CSV and XLSX) is servicebook.core.transfer; this module says what an item row means.
"""

from __future__ import annotations

from servicebook.billing.models import CatalogItem
from servicebook.core.transfer import (  # noqa: F401  (the engine, re-exported for callers)
    MAX_ROWS,
    TRUE,
    BadFile,
    ImportReport,
    read_rows,
    run_import,
    to_csv,
    to_xlsx,
)

from . import services
from .models import Item, PriceList, Vendor

ITEM_COLUMNS = [
    "catalog_code",
    "sku",
    "vendor_part_number",
    "preferred_vendor",
    "reorder_point",
    "reorder_quantity",
    "standard_cost",
    "allow_negative",
]
PRICE_COLUMNS = ["item_code", "min_quantity", "unit_price", "percent_off"]


def items_import(*, rows: list[dict], dry_run: bool, actor) -> ImportReport:
    """Create or update stock items by SKU (the catalog part by its code, the preferred
    vendor by its code)."""
    from servicebook.core.errors import ValidationFailed

    catalog = {c.code: c for c in CatalogItem.objects.filter(code__in={r.get("catalog_code", "")
                                                                       for r in rows})}  # fmt: skip
    vendors = {v.code: v for v in Vendor.objects.all()}

    def apply(row: dict) -> bool:
        values = {
            "vendor_part_number": row.get("vendor_part_number", ""),
            "reorder_point": row.get("reorder_point") or "0",
            "reorder_quantity": row.get("reorder_quantity") or "0",
            "standard_cost": row.get("standard_cost") or "0",
            "allow_negative": (row.get("allow_negative") or "").lower() in TRUE,
        }
        code = row.get("preferred_vendor", "")
        if code and code not in vendors:
            raise ValidationFailed({"preferred_vendor": [f"No vendor with code “{code}”."]})
        values["preferred_vendor"] = vendors.get(code)
        existing = Item.objects.filter(sku=row.get("sku", "")).first()
        if existing:
            services.item_update(item=existing, actor=actor, **values)
            return False
        part = catalog.get(row.get("catalog_code", ""))
        if part is None:
            raise ValidationFailed(
                {"catalog_code": [f"No catalog item “{row.get('catalog_code', '')}”."]}
            )
        services.item_create(catalog_item=part, sku=row.get("sku", ""), actor=actor, **values)
        return True

    return run_import("Items", rows, apply, dry_run=dry_run)


def price_lines_import(*, price_list: PriceList, rows: list[dict], dry_run: bool, actor):
    """Set the prices of a list from rows (item code, minimum quantity, unit price or
    percent off); a row for a price already there replaces it."""
    from servicebook.core.errors import ValidationFailed

    catalog = {c.code: c for c in CatalogItem.objects.filter(code__in={r.get("item_code", "")
                                                                       for r in rows})}  # fmt: skip
    existing = set(price_list.lines.values_list("catalog_item__code", "min_quantity"))

    def apply(row: dict) -> bool:
        item = catalog.get(row.get("item_code", ""))
        if item is None:
            raise ValidationFailed({"item_code": [f"No catalog item “{row.get('item_code')}”."]})
        line = services.price_list_line_set(
            price_list=price_list,
            catalog_item=item,
            unit_price=row.get("unit_price") or None,
            percent_off=row.get("percent_off") or None,
            min_quantity=row.get("min_quantity") or "1",
            actor=actor,
        )
        return (item.code, line.min_quantity) not in existing

    return run_import(f"Price list {price_list.name}", rows, apply, dry_run=dry_run)


# --- Export -------------------------------------------------------------------------------------


def items_table(items) -> list[list]:
    return [
        [
            i.catalog_item.code,
            i.sku,
            i.vendor_part_number,
            i.preferred_vendor.code if i.preferred_vendor else "",
            i.reorder_point,
            i.reorder_quantity,
            i.standard_cost,
            "yes" if i.allow_negative else "no",
        ]
        for i in items
    ]


def price_lines_table(price_list: PriceList) -> list[list]:
    return [
        [ln.catalog_item.code, ln.min_quantity, ln.unit_price or "", ln.percent_off or ""]
        for ln in price_list.lines.select_related("catalog_item").order_by(
            "catalog_item__code", "min_quantity"
        )
    ]
