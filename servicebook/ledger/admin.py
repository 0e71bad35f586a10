"""The chart of ledger accounts in the admin (administrators only, audited). Journal rows
are not editable anywhere: they are shown read-only."""

from django.contrib import admin

from servicebook.core.admin import AuditedModelAdmin

from .models import LedgerAccount


@admin.register(LedgerAccount)
class LedgerAccountAdmin(AuditedModelAdmin):
    capability = "ledger.manage"
    list_display = ["code", "name", "kind", "role", "payment_method", "active"]
    list_filter = ["kind", "role", "active"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None):
        return False  # lines refer to it; deactivate instead
