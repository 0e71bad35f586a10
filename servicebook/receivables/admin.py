"""Admin of the collection policies and protections (receivables.policies): every save and
delete is audited by AuditedModelAdmin."""

from __future__ import annotations

from django.contrib import admin

from servicebook.core.admin import AuditedModelAdmin
from servicebook.users.roles import Cap

from .models import CollectionPolicy, CollectionStep, Moratorium, TemperatureReading


class StepInline(admin.TabularInline):
    model = CollectionStep
    extra = 0
    fields = [
        "position",
        "kind",
        "min_balance",
        "days_after",
        "fee_amount",
        "fee_item",
        "letter_template",
    ]


@admin.register(CollectionPolicy)
class CollectionPolicyAdmin(AuditedModelAdmin):
    capability = Cap.RECEIVABLES_POLICIES
    list_display = [
        "name",
        "customer_class",
        "jurisdiction",
        "active",
        "notice_min_days",
        "notice_valid_days",
        "min_temperature",
    ]
    inlines = [StepInline]


@admin.register(Moratorium)
class MoratoriumAdmin(AuditedModelAdmin):
    capability = Cap.RECEIVABLES_POLICIES
    list_display = ["name", "jurisdiction", "starts_on", "ends_on"]


@admin.register(TemperatureReading)
class TemperatureReadingAdmin(AuditedModelAdmin):
    capability = Cap.RECEIVABLES_POLICIES
    list_display = ["on", "jurisdiction", "low_temperature"]
