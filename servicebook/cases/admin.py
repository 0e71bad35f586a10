"""Where supervisors keep the case policies: SLA targets, queues, resolution codes, canned
responses and diagnostics. Every change is audited (core.admin.AuditedModelAdmin)."""

from django.contrib import admin

from servicebook.core.admin import AuditedModelAdmin, CapabilityInline

from .models import (
    CannedResponse,
    ChecklistItem,
    ChecklistTemplate,
    Queue,
    ResolutionCode,
    SlaPolicy,
)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedModelAdmin):
    list_display = [
        "case_type",
        "priority",
        "first_response_minutes",
        "resolution_minutes",
        "at_risk_percent",
        "auto_escalate",
        "calendar",
    ]
    list_filter = ["case_type", "priority", "calendar"]


@admin.register(Queue)
class QueueAdmin(AuditedModelAdmin):
    list_display = ["name", "slug", "active"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]


@admin.register(ResolutionCode)
class ResolutionCodeAdmin(AuditedModelAdmin):
    list_display = ["label", "code", "active"]
    list_filter = ["active"]


@admin.register(CannedResponse)
class CannedResponseAdmin(AuditedModelAdmin):
    list_display = ["title", "case_type", "active"]
    list_filter = ["case_type", "active"]
    search_fields = ["title", "body"]


class ChecklistItemInline(CapabilityInline):
    model = ChecklistItem
    extra = 1


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(AuditedModelAdmin):
    list_display = ["name", "case_type", "line_of_business", "active"]
    list_filter = ["case_type", "line_of_business", "active"]
    inlines = [ChecklistItemInline]
