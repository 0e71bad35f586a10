"""The default chart of accounts, and the database refusing to change posted journal rows.

Triggers refuse UPDATE on journal entries and lines on both databases, so not even a bug
or a hand-written query can edit the books; corrections are reversing entries. DELETE is
left to the model layer (which refuses it) because test databases are flushed by DELETE.
"""

from django.db import migrations

TABLES = ["ledger_journalentry", "ledger_journalline"]


def chart(apps, schema_editor):
    from servicebook.ledger.chart import install_default_chart

    install_default_chart(apps.get_model("ledger", "LedgerAccount"))


def triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"""
                CREATE OR REPLACE FUNCTION {table}_immutable() RETURNS trigger AS $$
                BEGIN
                    RAISE EXCEPTION '{table} rows are immutable; post a reversing entry';
                END;
                $$ LANGUAGE plpgsql
                """
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_immutable()"
            )
        elif vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are immutable; post a reversing entry'); END"
            )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_immutable()")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunPython(chart, migrations.RunPython.noop),
        migrations.RunPython(triggers, drop_triggers),
    ]
