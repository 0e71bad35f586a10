"""Import / export technicians: the download links, the columns, and the upload."""

from __future__ import annotations

from servicebook.core.transfer import transfer_views
from servicebook.users.roles import Cap

from .. import transfer

technicians_transfer, technicians_export, technicians_import = transfer_views(
    template="scheduling/technicians_transfer.html",
    name="technicians",
    columns=transfer.TECHNICIAN_COLUMNS,
    view_capability=Cap.SCHEDULING_VIEW,
    edit_capability=Cap.SCHEDULING_MANAGE,
    table=lambda request: transfer.technicians_table(),
    run=lambda request, rows, dry: transfer.technicians_import(
        rows=rows, dry_run=dry, actor=request.user
    ),
    required=transfer.REQUIRED,
    strict=True,
)
