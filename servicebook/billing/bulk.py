"""Set-based writes for the bill run's bulk path, one class per database vendor.

Each call writes a whole chunk's rows of one table with one statement: COPY on PostgreSQL
(psycopg 3), executemany of one prepared INSERT on SQLite. Primary keys are reserved first
(PostgreSQL: nextval of the table's own sequence, never handed out twice; SQLite: counted on
from the highest key, inside the chunk's IMMEDIATE transaction that holds the write lock),
so the rows can point at each other before they are written.

Money arithmetic in the database is rounded to cents (ledger contract: SQLite computes
decimals as binary floats).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db.models import Model

from servicebook.core.sqlite_values import sqlite_value


class PostgresBulk:
    """COPY rows in; unnest arrays for the set-based updates."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self._sequences: dict[str, str] = {}

    def ids(self, model: type[Model], count: int) -> list[int]:
        if count <= 0:
            return []
        table = model._meta.db_table
        with self.connection.cursor() as cursor:
            if table not in self._sequences:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                self._sequences[table] = cursor.fetchone()[0]
            cursor.execute(
                "SELECT nextval(%s) FROM generate_series(1, %s)", [self._sequences[table], count]
            )
            return [row[0] for row in cursor.fetchall()]

    def insert(self, model: type[Model], columns: Sequence[str], rows: list[tuple]) -> None:
        if not rows:
            return
        quoted = ", ".join(f'"{c}"' for c in columns)
        with self.connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's cursor under Django's wrapper
            with raw.copy(f'COPY "{model._meta.db_table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)

    def add_balances(self, amounts: dict[int, Decimal], now: dt.datetime) -> None:
        """Move the cached balances of many accounts by their amounts in one statement
        (creating the rows that do not exist yet)."""
        if not amounts:
            return
        ids = list(amounts)
        values = [amounts[i] for i in ids]
        with self.connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_accountbalance (account_id, balance, deposits_held, updated_at)"
                " SELECT a, 0, 0, %s FROM unnest(%s::bigint[]) AS a"
                " ON CONFLICT (account_id) DO NOTHING",
                [now, ids],
            )
            cursor.execute(
                "UPDATE ledger_accountbalance b SET balance = round(b.balance + v.amount, 2),"
                " updated_at = %s"
                " FROM unnest(%s::bigint[], %s::numeric[]) AS v(account_id, amount)"
                " WHERE b.account_id = v.account_id",
                [now, ids, values],
            )

    def advance_charges(self, advances: Iterable, now: dt.datetime) -> int:
        """Set billed_through on many charges, each only if its billed_through and end_date
        are still what the chunk read (compare-and-set). Returns the rows changed."""
        advances = list(advances)
        if not advances:
            return 0
        with self.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE billing_recurringcharge c SET billed_through = v.through, updated_at = %s"
                " FROM unnest(%s::bigint[], %s::date[], %s::date[], %s::date[])"
                " AS v(id, old, old_end, through)"
                " WHERE c.id = v.id AND c.billed_through IS NOT DISTINCT FROM v.old"
                " AND c.end_date IS NOT DISTINCT FROM v.old_end",
                [
                    now,
                    [info.id for info, _ in advances],
                    [info.billed_through for info, _ in advances],
                    [info.end_date for info, _ in advances],
                    [through for _, through in advances],
                ],
            )
            return cursor.rowcount


class SqliteBulk:
    """executemany of prepared statements inside the chunk's IMMEDIATE transaction."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self._next: dict[str, int] = {}

    def ids(self, model: type[Model], count: int) -> list[int]:
        assert self.connection.in_atomic_block, "reserve SQLite keys inside the transaction"
        if count <= 0:
            return []
        table = model._meta.db_table
        if table not in self._next:
            with self.connection.cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
                (highest,) = cursor.fetchone()
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
            self._next[table] = max(highest, row[0] if row else 0) + 1
        first = self._next[table]
        self._next[table] = first + count
        return list(range(first, first + count))

    def insert(self, model: type[Model], columns: Sequence[str], rows: list[tuple]) -> None:
        if not rows:
            return
        quoted = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        sql = f'INSERT INTO "{model._meta.db_table}" ({quoted}) VALUES ({marks})'  # noqa: S608
        with self.connection.cursor() as cursor:
            cursor.executemany(sql, [[sqlite_value(v) for v in row] for row in rows])

    def add_balances(self, amounts: dict[int, Decimal], now: dt.datetime) -> None:
        if not amounts:
            return
        stamp = sqlite_value(now)
        with self.connection.cursor() as cursor:
            cursor.executemany(
                "INSERT OR IGNORE INTO ledger_accountbalance"
                " (account_id, balance, deposits_held, updated_at) VALUES (%s, '0', '0', %s)",
                [(account_id, stamp) for account_id in amounts],
            )
            cursor.executemany(
                "UPDATE ledger_accountbalance SET balance = round(balance + %s, 2),"
                " updated_at = %s WHERE account_id = %s",
                [(str(amount), stamp, account_id) for account_id, amount in amounts.items()],
            )

    def advance_charges(self, advances: Iterable, now: dt.datetime) -> int:
        advances = list(advances)
        if not advances:
            return 0
        stamp = sqlite_value(now)
        with self.connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE billing_recurringcharge SET billed_through = %s, updated_at = %s"
                " WHERE id = %s AND billed_through IS %s AND end_date IS %s",
                [
                    (
                        sqlite_value(through),
                        stamp,
                        info.id,
                        sqlite_value(info.billed_through),
                        sqlite_value(info.end_date),
                    )
                    for info, through in advances
                ],
            )
            return cursor.rowcount


def writer_for_connection(connection):
    if connection.vendor == "postgresql":
        return PostgresBulk(connection)
    if connection.vendor == "sqlite":
        return SqliteBulk(connection)
    raise NotImplementedError(f"no bulk writer for {connection.vendor}")
