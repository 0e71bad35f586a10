"""The import/export engine on its own: files it refuses whole, rows it refuses alone, and
what comes back from an XLSX it wrote."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from servicebook.core.errors import ValidationFailed
from servicebook.core.transfer import (
    UNCHANGED,
    BadFile,
    csv_lines,
    read_rows,
    run_import,
    to_xlsx,
)

COLS = ["code", "name", "size"]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("a.csv", b"", "empty"),
        ("a.csv", b"\xff\xfecode", "UTF-8"),
        ("a.csv", b'code,name\n"' + b"x" * 200_000 + b'"\n', "readable CSV"),
        ("a.xlsx", b"PK nonsense", "Excel"),
        ("a.csv", b"code,title\n1,2\n", "Missing column"),
    ],
)
def test_files_refused_whole(name, content, message):
    with pytest.raises(BadFile, match=message):
        read_rows(name, content, COLS)


def test_xlsx_cells_read_back_as_text():
    data = to_xlsx(COLS, [["a", dt.datetime(2027, 3, 31), Decimal("12.50")], ["b", 7, None]], "x")
    assert read_rows("a.xlsx", data, COLS) == [
        {"code": "a", "name": "2027-03-31", "size": "12.5"},
        {"code": "b", "name": "7", "size": ""},
    ]


def test_rows_refused_alone_and_counted(db):
    def apply(row):
        if row["code"] == "bad":
            raise ValidationFailed({"size": ["Too big."]})
        if row["code"] == "boom":
            raise RuntimeError("unexpected")
        return {"new": True, "old": False}.get(row["code"], UNCHANGED)

    rows = [{"code": c, "size": ""} for c in ("new", "old", "same", "bad", "boom")]
    rows.append({"code": "nul\x00", "size": ""})
    report = run_import("Things", rows, apply, dry_run=False)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert report.rejected == [
        (5, "size", "Too big."),
        (6, "row", "unexpected"),
        (7, "code", "Contains a NUL character."),
    ]
    assert "1 unchanged, 3 rejected" in report.as_text()


def test_csv_is_written_line_by_line():
    lines = csv_lines(["a", "b"], iter([[Decimal("1.50"), None], ["x,y", 2]]))
    assert next(lines) == "a,b\r\n"
    assert list(lines) == ["1.5,\r\n", '"x,y",2\r\n']
