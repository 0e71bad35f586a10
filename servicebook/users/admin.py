from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from servicebook.core.admin import AuditedModelAdmin

from .models import ApprovalLimit, User


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    capability = "users.manage"
    list_display = ["username", "first_name", "last_name", "role", "is_active", "locked_until"]
    list_filter = ["role", "is_active"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Servicebook", {"fields": ("role", "failed_logins", "locked_until")}),
    )


@admin.register(ApprovalLimit)
class ApprovalLimitAdmin(AuditedModelAdmin):
    capability = "users.manage"
    list_display = ["role", "kind", "max_amount"]
    list_filter = ["role", "kind"]
