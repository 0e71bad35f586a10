"""Admin plumbing: every change made in the admin is audited and gated by a capability.

The admin is where supervisors and administrators keep policy records (SLA policies,
calendars, queues, canned responses); it is not a back door around the audit trail.
"""

from __future__ import annotations

from django.contrib import admin

from .audit import audit_created, audit_record, snapshot
from .models import AuditEvent, BusinessCalendar, Holiday
from .permissions import has_capability


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves and deletes write audit rows, open only to a capability."""

    capability = "policies.manage"

    def has_module_permission(self, request):
        return has_capability(request.user, self.capability)

    def has_view_permission(self, request, obj=None):
        return has_capability(request.user, self.capability)

    has_add_permission = has_view_permission
    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        if before is None:
            audit_created(actor=request.user, obj=obj, message="via admin")
        else:
            after = snapshot(obj)
            changes = {
                k: [before.get(k), v]
                for k, v in after.items()
                if before.get(k) != v and k not in {"updated_at", "password", "last_login"}
            }
            if "password" in after and before.get("password") != after["password"]:
                changes["password"] = ["(hidden)", "(changed)"]
            audit_record(
                actor=request.user, action="update", obj=obj, changes=changes, message="via admin"
            )

    def save_formset(self, request, form, formset, change):
        """Inline rows (holidays, checklist items) are audited one by one like the parent."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit_record(actor=request.user, action="delete", obj=obj, message="via admin")
            obj.delete()
        for obj in instances:
            before = snapshot(type(obj).objects.get(pk=obj.pk)) if obj.pk else None
            obj.save()
            if before is None:
                audit_created(actor=request.user, obj=obj, message="via admin")
            else:
                changes = {
                    k: [before.get(k), v] for k, v in snapshot(obj).items() if before.get(k) != v
                }
                audit_record(
                    actor=request.user,
                    action="update",
                    obj=obj,
                    changes=changes,
                    message="via admin",
                )
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        """Many-to-many fields (a queue's members) are not in the row snapshot: audit them."""
        obj = form.instance
        m2m = [f.name for f in obj._meta.many_to_many if f.name in form.cleaned_data]
        before = (
            {name: sorted(getattr(obj, name).values_list("pk", flat=True)) for name in m2m}
            if change
            else {}
        )
        super().save_related(request, form, formsets, change)
        after = {name: sorted(getattr(obj, name).values_list("pk", flat=True)) for name in m2m}
        changes = {k: [before.get(k, []), v] for k, v in after.items() if before.get(k, []) != v}
        if changes:
            audit_record(
                actor=request.user, action="update", obj=obj, changes=changes, message="via admin"
            )

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="delete", obj=obj, changes={}, message="via admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class CapabilityInline(admin.TabularInline):
    """An inline open to the same capability as its parent admin (Django's model permissions
    are not used here; roles are)."""

    capability = "policies.manage"

    def has_view_permission(self, request, obj=None):
        return has_capability(request.user, self.capability)

    has_add_permission = has_view_permission
    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission


class HolidayInline(CapabilityInline):
    model = Holiday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(AuditedModelAdmin):
    list_display = ["name", "time_zone"]
    inlines = [HolidayInline]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only view of the audit trail."""

    list_display = ["at", "actor_label", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["actor_label", "object_repr", "object_id"]
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return has_capability(request.user, "audit.view")

    def has_view_permission(self, request, obj=None):
        return has_capability(request.user, "audit.view")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
