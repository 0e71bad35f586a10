"""Four bill cycles, so a new installation can put accounts on cycles and run them; billing
staff rename them, change their usual run day or add more in the admin."""

from django.db import migrations

CYCLES = [(1, "Cycle 1", 1), (2, "Cycle 2", 8), (3, "Cycle 3", 15), (4, "Cycle 4", 22)]


def cycles(apps, schema_editor):
    BillCycle = apps.get_model("billing", "BillCycle")
    for number, name, day in CYCLES:
        BillCycle.objects.get_or_create(number=number, defaults={"name": name, "bill_day": day})


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(cycles, migrations.RunPython.noop)]
