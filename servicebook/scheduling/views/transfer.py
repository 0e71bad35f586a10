"""Import / export technicians: the download links, the columns, and the upload."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from servicebook.core.permissions import capability_required
from servicebook.core.transfer import ImportForm, export_response, import_upload
from servicebook.users.roles import Cap

from .. import transfer


def _page(request, *, form=None, report=None, status=200):
    context = {
        "columns": transfer.TECHNICIAN_COLUMNS,
        "import_form": form or ImportForm(),
        "report": report,
    }
    return render(request, "scheduling/technicians_transfer.html", context, status=status)


@capability_required(Cap.SCHEDULING_VIEW)
def technicians_transfer(request: HttpRequest) -> HttpResponse:
    return _page(request)


@capability_required(Cap.SCHEDULING_VIEW)
def technicians_export(request: HttpRequest) -> HttpResponse:
    """Every technician, as CSV (streamed) or XLSX."""
    return export_response(
        request.GET.get("format", "csv"),
        transfer.TECHNICIAN_COLUMNS,
        transfer.technicians_table(),
        "technicians",
    )


@require_POST
@capability_required(Cap.SCHEDULING_MANAGE)
def technicians_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    report, status = import_upload(
        form,
        transfer.TECHNICIAN_COLUMNS,
        lambda rows, dry: transfer.technicians_import(rows=rows, dry_run=dry, actor=request.user),
        required=transfer.REQUIRED,
        strict=True,
    )
    return _page(request, form=form, report=report, status=status)
