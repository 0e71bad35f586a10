"""The aging report as a table for CSV and Excel: the same figures as the page and the API,
amounts as numbers with two decimals (in Excel real numbers, in CSV "1234.50")."""

from __future__ import annotations

import csv
import io

from .selectors import BASES, BookAging

HEADER = ["group", "bucket", "amount", "accounts"]


def _block(name: str, aging: BookAging) -> list[list]:
    rows = [[name, r["label"], r["amount"], r["accounts"]] for r in aging.rows()]
    rows.append([name, "total", aging.total, aging.account_total])
    rows.append([name, "disputed", aging.disputed, aging.disputed_accounts])
    return rows


def table(aging: BookAging) -> list[list]:
    """HEADER's rows: each group's buckets, total and disputed (with a breakdown), then the
    whole selection's as group "all"."""
    rows: list[list] = []
    for _, label, part in aging.groups:
        rows += _block(label, part)
    return rows + _block("all", aging)


def filename(aging: BookAging, extension: str) -> str:
    name = f"receivables-aging-{aging.as_of:%Y%m%d}-{aging.basis}"
    if aging.group_by:
        name += f"-by-{aging.group_by}"
    return f"{name}.{extension}"


def to_csv(aging: BookAging) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in table(aging):
        writer.writerow([f"{v:.2f}" if i == 2 else v for i, v in enumerate(row)])
    return buffer.getvalue()


def to_xlsx(aging: BookAging, filters: dict[str, str]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Aging"
    sheet.append(HEADER)
    for row in table(aging):
        sheet.append(row)
        sheet.cell(row=sheet.max_row, column=3).number_format = "#,##0.00"
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["C"].width = 16
    about = book.create_sheet("Parameters")
    about.append(["as of", aging.as_of])
    about.cell(row=1, column=2).number_format = "yyyy-mm-dd"
    about.append(["aged by", BASES[aging.basis]])
    for key, value in filters.items():
        about.append([key.replace("_", " "), value])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
