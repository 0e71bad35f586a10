"""The default adjustment reason codes (supervisors add and retire them in the admin)."""

from django.db import migrations

# (code, label, direction)
REASONS = [
    ("billing_error", "Billing error", "both"),
    ("meter_read_error", "Meter read error", "both"),
    ("goodwill", "Goodwill credit", "credit"),
    ("late_fee_waiver", "Late fee waived", "credit"),
    ("service_outage", "Service outage credit", "credit"),
    ("dispute_upheld", "Dispute resolved for the customer", "credit"),
    ("small_balance", "Small balance adjustment", "both"),
    ("missed_charge", "Charge missed on a bill", "debit"),
    ("back_billing", "Back-billing", "debit"),
]


def install(apps, schema_editor):
    reason = apps.get_model("payments", "AdjustmentReason")
    for code, label, direction in REASONS:
        reason.objects.get_or_create(code=code, defaults={"label": label, "direction": direction})


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
