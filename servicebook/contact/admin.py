"""Where supervisors keep the contact centre's records: teams and agents' PBX names,
shifts, dispositions, call scripts, quality forms and the PBXs allowed to pop screens.
Every change is audited (core.admin.AuditedModelAdmin) and needs contact.supervise."""

from django.contrib import admin

from servicebook.core.admin import AuditedModelAdmin, CapabilityInline

from .models import (
    AgentProfile,
    Disposition,
    EvaluationCriterion,
    EvaluationForm,
    Pbx,
    Script,
    ScriptNode,
    ScriptOption,
    Shift,
    Team,
)

CAP = "contact.supervise"


class SupervisedAdmin(AuditedModelAdmin):
    capability = CAP


class SupervisedInline(CapabilityInline):
    capability = CAP


@admin.register(Team)
class TeamAdmin(SupervisedAdmin):
    list_display = ["name", "supervisor", "active"]


@admin.register(AgentProfile)
class AgentProfileAdmin(SupervisedAdmin):
    list_display = ["user", "team", "extension", "queue_member", "active"]
    list_filter = ["team", "active"]
    search_fields = ["user__username", "extension", "queue_member"]
    raw_id_fields = ["user"]


@admin.register(Shift)
class ShiftAdmin(SupervisedAdmin):
    list_display = ["agent", "day", "starts_at", "ends_at", "break_minutes", "attended"]
    list_filter = ["day", "attended"]
    readonly_fields = ["day", "scheduled_seconds", "attended"]
    raw_id_fields = ["agent"]

    def save_model(self, request, obj, form, change):
        # The service computes the day and length and recounts adherence around the shift.
        from servicebook.contact.services import recompute_shift_overlap
        from servicebook.contact.timeutil import business_day, seconds_between

        obj.day = business_day(obj.starts_at)
        obj.scheduled_seconds = seconds_between(obj.starts_at, obj.ends_at)
        super().save_model(request, obj, form, change)
        recompute_shift_overlap(obj.agent_id, obj.starts_at, obj.ends_at)


@admin.register(Disposition)
class DispositionAdmin(SupervisedAdmin):
    list_display = ["label", "code", "resolves", "active", "position"]
    list_filter = ["active", "resolves"]


class ScriptNodeInline(SupervisedInline):
    model = ScriptNode
    extra = 1
    fk_name = "script"
    fields = ["position", "key", "kind", "text", "required", "next_node"]


@admin.register(Script)
class ScriptAdmin(SupervisedAdmin):
    list_display = ["name", "call_type", "active"]
    list_filter = ["call_type", "active"]
    inlines = [ScriptNodeInline]


class ScriptOptionInline(SupervisedInline):
    model = ScriptOption
    fk_name = "node"
    extra = 2


@admin.register(ScriptNode)
class ScriptNodeAdmin(SupervisedAdmin):
    """Branches of a question (its answers and where each leads)."""

    list_display = ["script", "position", "key", "kind", "required"]
    list_filter = ["script", "kind"]
    inlines = [ScriptOptionInline]


class CriterionInline(SupervisedInline):
    model = EvaluationCriterion
    extra = 1


@admin.register(EvaluationForm)
class EvaluationFormAdmin(SupervisedAdmin):
    list_display = ["name", "active"]
    inlines = [CriterionInline]


@admin.register(Pbx)
class PbxAdmin(SupervisedAdmin):
    """Tokens are issued by `servicebook pbx-token NAME`; here a PBX can be switched off."""

    list_display = ["name", "active", "last_seen_at"]
    readonly_fields = ["token_hash", "last_seen_at"]
