"""CSV and Excel import and export of stock items and of a price list's lines.

Reference data, so an import keeps the good rows and lists the bad ones (row number, field
and reason) rather than refusing the file; a dry run checks every row through the very same
services and then rolls everything back. Each row goes through the services in its own
savepoint, so a bad row leaves nothing half-written. The export writes the columns the
import reads: export, edit, import back.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from servicebook.billing.models import CatalogItem
from servicebook.core.errors import ServiceError

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
MAX_ROWS = 50_000
TRUE = {"1", "true", "yes", "y", "x"}


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do): rows read, created, updated, and
    the rows it could not use with their row number (the header is row 1) and field."""

    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)

    def as_text(self) -> str:
        head = "Dry run — nothing was changed. " if self.dry_run else ""
        lines = [
            f"{head}{self.kind}: {self.rows} rows read, {self.created} created, "
            f"{self.updated} updated, {len(self.rejected)} rejected."
        ]
        lines += [f"  row {row}, {name}: {reason}" for row, name, reason in self.rejected]
        return "\n".join(lines)


class BadFile(ServiceError):
    """The file cannot be read at all (not CSV or XLSX, no header, missing columns)."""


def read_rows(upload_name: str, content: bytes, columns: list[str]) -> list[dict[str, str]]:
    """The file's rows as {column: text}; CSV (UTF-8, with or without BOM) or XLSX."""
    if upload_name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise BadFile("That is not a readable Excel file.", field="file") from exc
        raw = [
            ["" if v is None else str(v).strip() for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadFile("Save the CSV file as UTF-8.", field="file") from exc
        raw = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    if not raw:
        raise BadFile("The file is empty.", field="file")
    header = [h.lower() for h in raw[0]]
    missing = [c for c in columns[:2] if c not in header]
    if missing:
        raise BadFile(f"Missing column(s): {', '.join(missing)}.", field="file")
    if len(raw) - 1 > MAX_ROWS:
        raise BadFile(f"At most {MAX_ROWS:,} rows a file.", field="file")
    return [
        {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
        for row in raw[1:]
        if any(cell for cell in row)
    ]


def _run(kind: str, rows: list[dict], apply, *, dry_run: bool) -> ImportReport:
    report = ImportReport(kind=kind, dry_run=dry_run)
    with transaction.atomic():
        for number, row in enumerate(rows, start=2):
            report.rows += 1
            try:
                with transaction.atomic():
                    created = apply(row)
            except ServiceError as exc:
                errors = getattr(exc, "errors", None) or {exc.field or "row": [exc.message]}
                for name, messages in errors.items():
                    report.rejected.append((number, name, "; ".join(map(str, messages))))
                continue
            except Exception as exc:  # PermissionDenied and the like: report, keep going
                report.rejected.append((number, "row", str(exc)))
                continue
            if created:
                report.created += 1
            else:
                report.updated += 1
        if dry_run:
            transaction.set_rollback(True)
    return report


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

    return _run("Items", rows, apply, dry_run=dry_run)


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

    return _run(f"Price list {price_list.name}", rows, apply, dry_run=dry_run)


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


def _text(value) -> str:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def to_csv(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(v) for v in row])
    return buffer.getvalue()


def to_xlsx(header: list[str], rows: list[list], title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
