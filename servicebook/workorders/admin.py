"""Where supervisors keep the work-order reference data: skills, resolution codes and the
checklists per work-order type. Every change is audited (core.admin.AuditedModelAdmin)."""

from django.contrib import admin

from servicebook.core.admin import AuditedModelAdmin, CapabilityInline

from .models import CompletionCode, Skill, WorkChecklist, WorkChecklistItem


@admin.register(Skill)
class SkillAdmin(AuditedModelAdmin):
    list_display = ["name", "code", "active"]
    list_filter = ["active"]
    prepopulated_fields = {"code": ["name"]}
    search_fields = ["name", "code"]


@admin.register(CompletionCode)
class CompletionCodeAdmin(AuditedModelAdmin):
    list_display = ["label", "code", "active"]
    list_filter = ["active"]


class WorkChecklistItemInline(CapabilityInline):
    model = WorkChecklistItem
    extra = 1


@admin.register(WorkChecklist)
class WorkChecklistAdmin(AuditedModelAdmin):
    list_display = ["name", "work_type", "active"]
    list_filter = ["work_type", "active"]
    inlines = [WorkChecklistItemInline]
