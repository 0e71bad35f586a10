"""The full-text index of AccountSearch, in each database's own engine.

PostgreSQL: a weighted tsvector column generated from the row (no trigger to forget) and a
GIN index on it; the 'simple' configuration keeps names and street words unstemmed.
SQLite: an FTS5 table over the row's columns (external content: the text is stored once),
kept in step by triggers, with prefix indexes for two- and three-letter prefixes so
results-as-you-type stay fast.
"""

from django.db import migrations

PG_FORWARD = [
    """
    ALTER TABLE customers_accountsearch ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(number, '')), 'A') ||
        setweight(to_tsvector('simple', coalesce(names, '')), 'A') ||
        setweight(to_tsvector('simple', coalesce(phones, '')), 'A') ||
        setweight(to_tsvector('simple', coalesce(emails, '')), 'B') ||
        setweight(to_tsvector('simple', coalesce(addresses, '')), 'C')
    ) STORED
    """,
    "CREATE INDEX customers_accountsearch_vector ON customers_accountsearch USING GIN (search_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS customers_accountsearch_vector",
    "ALTER TABLE customers_accountsearch DROP COLUMN IF EXISTS search_vector",
]

COLS = "number, names, phones, emails, addresses"
NEW = "new.number, new.names, new.phones, new.emails, new.addresses"
OLD = "old.number, old.names, old.phones, old.emails, old.addresses"
SQLITE_FORWARD = [
    f"""
    CREATE VIRTUAL TABLE customers_accountsearch_fts USING fts5(
        {COLS},
        content='customers_accountsearch', content_rowid='account_id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3'
    )
    """,
    f"""
    CREATE TRIGGER customers_accountsearch_ai AFTER INSERT ON customers_accountsearch BEGIN
        INSERT INTO customers_accountsearch_fts(rowid, {COLS}) VALUES (new.account_id, {NEW});
    END
    """,
    f"""
    CREATE TRIGGER customers_accountsearch_ad AFTER DELETE ON customers_accountsearch BEGIN
        INSERT INTO customers_accountsearch_fts(customers_accountsearch_fts, rowid, {COLS})
        VALUES ('delete', old.account_id, {OLD});
    END
    """,
    f"""
    CREATE TRIGGER customers_accountsearch_au AFTER UPDATE ON customers_accountsearch BEGIN
        INSERT INTO customers_accountsearch_fts(customers_accountsearch_fts, rowid, {COLS})
        VALUES ('delete', old.account_id, {OLD});
        INSERT INTO customers_accountsearch_fts(rowid, {COLS}) VALUES (new.account_id, {NEW});
    END
    """,
    "INSERT INTO customers_accountsearch_fts(customers_accountsearch_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS customers_accountsearch_ai",
    "DROP TRIGGER IF EXISTS customers_accountsearch_ad",
    "DROP TRIGGER IF EXISTS customers_accountsearch_au",
    "DROP TABLE IF EXISTS customers_accountsearch_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
