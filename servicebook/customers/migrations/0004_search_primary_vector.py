"""A second full-text vector on PostgreSQL for what a representative types most: the account
number, the names and the phones (weight A of search_vector), with its own GIN index.

Search asks these columns first (customers.selectors._fts_ids, tier 1). Asking
search_vector for weight-A matches made PostgreSQL fetch and recheck every row holding the
prefix anywhere, since a GIN index does not store weights: "wads" (Wadsworth Blvd, an
address) read 1,700 rows to find no name at 1,000,000 accounts. A stored column (rather
than an expression index) keeps a sequential scan cheap, which the planner rightly picks
for a two-letter prefix that matches a tenth of the table.

SQLite needs nothing: its FTS5 table filters by column.
"""

from django.db import migrations

PG_FORWARD = [
    """
    ALTER TABLE customers_accountsearch ADD COLUMN primary_vector tsvector
    GENERATED ALWAYS AS (
        to_tsvector('simple', coalesce(number, '')) ||
        to_tsvector('simple', coalesce(names, '')) ||
        to_tsvector('simple', coalesce(phones, ''))
    ) STORED
    """,
    "CREATE INDEX customers_accountsearch_primary ON customers_accountsearch "
    "USING GIN (primary_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS customers_accountsearch_primary",
    "ALTER TABLE customers_accountsearch DROP COLUMN IF EXISTS primary_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_search_index")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD}),
            _run({"postgresql": PG_BACKWARD}),
        )
    ]
