"""Import of items and price lines: a dry run changes nothing, bad rows are listed with
their row number and field, good rows are kept; the export reads back in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from servicebook.inventory import services, transfer
from servicebook.inventory.models import Item


def _rows(text: str, columns):
    return transfer.read_rows("rows.csv", text.encode(), columns)


def test_items_dry_run_reports_and_changes_nothing(part, manager):
    rows = _rows(
        "catalog_code,sku,reorder_point,standard_cost\n"
        "filter,FLT-1,4,3.20\n"
        "missing,X-1,1,1\n"
        "filter,FLT-2,-3,1\n",
        transfer.ITEM_COLUMNS,
    )
    report = transfer.items_import(rows=rows, dry_run=True, actor=manager)
    assert (report.rows, report.created) == (3, 1)
    # Row 4: the part is a stock item already (row 2, in this very run) and the point is bad.
    assert [(r, f) for r, f, _ in report.rejected] == [
        (3, "catalog_code"),
        (4, "catalog_item"),
        (4, "reorder_point"),
    ]
    assert not Item.objects.exists()


def test_items_import_keeps_good_rows_and_updates_by_sku(part, manager):
    text = "catalog_code,sku,reorder_point\nfilter,FLT-1,4\nnope,X,1\n"
    report = transfer.items_import(rows=_rows(text, transfer.ITEM_COLUMNS), dry_run=False,
                                   actor=manager)  # fmt: skip
    assert (report.created, len(report.rejected)) == (1, 1)
    again = transfer.items_import(
        rows=_rows("catalog_code,sku,reorder_point\nfilter,FLT-1,9\n", transfer.ITEM_COLUMNS),
        dry_run=False,
        actor=manager,
    )
    assert again.updated == 1
    assert Item.objects.get().reorder_point == Decimal("9")


def test_price_lines_export_then_import_round_trip(part, manager):
    pl = services.price_list_create(
        name="Res", customer_class="residential", valid_from=dt.date(2026, 1, 1), actor=manager
    )
    services.price_list_line_set(price_list=pl, catalog_item=part, unit_price="18", actor=manager)
    csv_text = transfer.to_csv(transfer.PRICE_COLUMNS, transfer.price_lines_table(pl))
    xlsx = transfer.to_xlsx(transfer.PRICE_COLUMNS, transfer.price_lines_table(pl), "p")
    assert transfer.read_rows("p.xlsx", xlsx, transfer.PRICE_COLUMNS)[0]["item_code"] == "filter"
    report = transfer.price_lines_import(
        price_list=pl,
        rows=_rows(csv_text + "filter,10,,12.5\nfilter,x,1,\n", transfer.PRICE_COLUMNS),
        dry_run=False,
        actor=manager,
    )
    assert (report.updated, report.created) == (1, 1)
    assert report.rejected[0][:2] == (4, "min_quantity")
    assert pl.lines.count() == 2
