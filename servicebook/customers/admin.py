"""Reference data of the customers app kept in the admin: programs. Customer data itself is
edited in the console, through the services."""

from django.contrib import admin

from servicebook.core.admin import AuditedModelAdmin

from .models import Program


@admin.register(Program)
class ProgramAdmin(AuditedModelAdmin):
    list_display = ["name", "code", "active"]
    list_filter = ["active"]
    prepopulated_fields = {"code": ["name"]}
