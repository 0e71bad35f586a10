"""The engine behind every CSV and Excel import and export of reference data (items, price
lists, accounts, technicians).

Reference data, so an import keeps the good rows and lists the bad ones (row number, column
and reason) rather than refusing the file; a dry run checks every row through the very same
services and then rolls everything back. Each row goes through the services in its own
savepoint, so a bad row leaves nothing half-written. The domain apps say what a row means
(their own `*_import` functions call their own services); this module only reads files,
runs rows, and writes files. It imports no domain app.

Exports are written row by row: CSV streams, XLSX goes through openpyxl's write-only mode
into a temporary file, so exporting a whole book never holds it in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

from .errors import ServiceError
from .forms import PagedForm

MAX_ROWS = 50_000
TRUE = {"1", "true", "yes", "y", "x"}
FALSE = {"", "0", "false", "no", "n"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What an apply function returns for a row that was already as the file says.
UNCHANGED = None


def is_true(value: str) -> bool:
    """A spreadsheet's yes: 1, true, yes, y or x (any case); anything else is no."""
    return (value or "").strip().lower() in TRUE


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do): rows read, created, updated, left
    unchanged, and the rows it could not use with their row number (the header is row 1)
    and column."""

    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)

    def as_text(self) -> str:
        head = "Dry run — nothing was changed. " if self.dry_run else ""
        same = f"{self.unchanged} unchanged, " if self.unchanged else ""
        lines = [
            f"{head}{self.kind}: {self.rows} rows read, {self.created} created, "
            f"{self.updated} updated, {same}{len(self.rejected)} rejected."
        ]
        lines += [f"  row {row}, {name}: {reason}" for row, name, reason in self.rejected]
        return "\n".join(lines)


class BadFile(ServiceError):
    """The file cannot be read at all (not CSV or XLSX, no header, missing columns)."""


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()  # Excel keeps every date as a midnight datetime
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(
    upload_name: str,
    content: bytes,
    columns: list[str],
    *,
    required: Iterable[str] | None = None,
    strict: bool = False,
) -> list[dict[str, str]]:
    """The file's rows as {column: text}; CSV (UTF-8, with or without BOM) or XLSX.

    The header must hold the `required` columns (by default the first two of `columns`);
    with `strict`, a column the import does not know refuses the file too, so a misspelt
    header is not silently ignored.
    """
    if upload_name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
            raw = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise BadFile("That is not a readable Excel file.", field="file") from exc
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadFile("Save the CSV file as UTF-8.", field="file") from exc
        try:
            raw = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
        except csv.Error as exc:  # NUL bytes, a field over the csv module's size limit
            raise BadFile(f"That is not a readable CSV file ({exc}).", field="file") from exc
    if not raw:
        raise BadFile("The file is empty.", field="file")
    header = [h.strip().lower() for h in raw[0]]
    wanted = list(columns[:2] if required is None else required)
    missing = [c for c in wanted if c not in header]
    if missing:
        raise BadFile(
            f"Missing column(s): {', '.join(missing)}. The columns are: {', '.join(columns)}.",
            field="file",
        )
    if strict:
        unknown = [h for h in header if h and h not in columns]
        if unknown:
            raise BadFile(
                f"Unknown column(s): {', '.join(unknown)}. The columns are: {', '.join(columns)}.",
                field="file",
            )
    if len(raw) - 1 > MAX_ROWS:
        raise BadFile(f"At most {MAX_ROWS:,} rows a file.", field="file")
    return [
        {h: (row[i] if i < len(row) else "") for i, h in enumerate(header) if h}
        for row in raw[1:]
        if any(cell for cell in row)
    ]


def run_import(
    kind: str, rows: list[dict], apply: Callable[[dict], bool | None], *, dry_run: bool
) -> ImportReport:
    """Apply each row in its own savepoint; `apply` returns True (created), False (updated)
    or UNCHANGED, and raises a ServiceError for a row it refuses. A dry run rolls all back."""
    report = ImportReport(kind=kind, dry_run=dry_run)
    with transaction.atomic():
        for number, row in enumerate(rows, start=2):
            report.rows += 1
            # PostgreSQL text cannot hold a NUL: refuse the row here, naming the column.
            nul = next((name for name, value in row.items() if "\x00" in value), None)
            if nul:
                report.rejected.append((number, nul, "Contains a NUL character."))
                continue
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
            if created is UNCHANGED:
                report.unchanged += 1
            elif created:
                report.created += 1
            else:
                report.updated += 1
        if dry_run:
            transaction.set_rollback(True)
    return report


# --- Export ---------------------------------------------------------------------------------


def cell_text(value) -> str:
    """How a value is written to CSV: decimals without trailing zeros, None as blank."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


class _Echo:
    """csv.writer's file: hands each written line back instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text line by line, as the rows arrive (for a streaming response)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([cell_text(v) for v in row])


def to_csv(header: list[str], rows: Iterable[Iterable]) -> str:
    return "".join(csv_lines(header, rows))


def xlsx_write(target, header: list[str], rows: Iterable[Iterable], title: str) -> None:
    """Write the rows to an XLSX file (a path or a binary file), in write-only mode: rows
    go to disk as they come."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Sheet")
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    book.save(target)


def to_xlsx(header: list[str], rows: Iterable[Iterable], title: str) -> bytes:
    buffer = io.BytesIO()
    xlsx_write(buffer, header, rows, title)
    return buffer.getvalue()


def export_response(fmt: str, header: list[str], rows: Iterable[Iterable], name: str):
    """A download of the rows: CSV streamed as it is written, or XLSX written to a
    temporary file first (a workbook is a zip, finished only at its end)."""
    if fmt == "xlsx":
        # FileResponse closes the file once sent, and a temporary file vanishes on close.
        spool = tempfile.TemporaryFile()  # noqa: SIM115
        xlsx_write(spool, header, rows, name)
        spool.seek(0)
        return FileResponse(
            spool, as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX_TYPE
        )
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# --- The upload form ------------------------------------------------------------------------


class ImportForm(PagedForm):
    """A file to import and whether to only try it."""

    id_prefix = "import"
    file = forms.FileField(help_text="CSV or Excel (.xlsx)")
    dry_run = forms.BooleanField(required=False, initial=True, label="Dry run (change nothing)")


def import_upload(
    form: forms.Form, columns: list[str], run: Callable[[list[dict], bool], ImportReport], **read
) -> tuple[ImportReport | None, int]:
    """Read the form's upload and run the import: (report, HTTP status). A file refused
    whole puts its reason on the form (400) and runs nothing."""
    from .forms import apply_service_error

    if not form.is_valid():
        return None, 400
    upload = form.cleaned_data["file"]
    try:
        rows = read_rows(upload.name, upload.read(), columns, **read)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return None, exc.status_code
    return run(rows, form.cleaned_data["dry_run"]), 200


# --- The pages ------------------------------------------------------------------------------


def transfer_views(
    *,
    template: str,
    name: str,
    columns: list[str],
    view_capability: str,
    edit_capability: str,
    table: Callable[[HttpRequest], Iterable[Iterable]],
    run: Callable[[HttpRequest, list[dict], bool], ImportReport],
    **read,
) -> tuple[Callable, Callable, Callable]:
    """The three views of a reference table's import/export page: the page (columns, download
    links, upload form), the export download and the import upload. The app names its
    template, its columns, the capabilities, what the export lists for the user (`table`) and
    how its rows are imported (`run`); `read` goes to `read_rows` (required columns,
    strictness). Every such page behaves the same, so it is written once."""
    from django.shortcuts import render
    from django.views.decorators.http import require_POST

    from .permissions import capability_required

    def render_page(request, *, form=None, report=None, status=200):
        context = {"columns": columns, "import_form": form or ImportForm(), "report": report}
        return render(request, template, context, status=status)

    @capability_required(view_capability)
    def page(request: HttpRequest) -> HttpResponse:
        """The page: the columns, the download links and the upload."""
        return render_page(request)

    @capability_required(view_capability)
    def export(request: HttpRequest) -> HttpResponse:
        """What the user may see, streamed as CSV (or written to XLSX)."""
        return export_response(request.GET.get("format", "csv"), columns, table(request), name)

    @require_POST
    @capability_required(edit_capability)
    def upload(request: HttpRequest) -> HttpResponse:
        """The upload: a dry run or the import, and the row-level report."""
        form = ImportForm(request.POST, request.FILES)
        report, status = import_upload(
            form, columns, lambda rows, dry: run(request, rows, dry), **read
        )
        return render_page(request, form=form, report=report, status=status)

    return page, export, upload
