"""Bulk writers for the demo generator's rows, one per database vendor.

Both write the whole seed in ONE transaction: a seed that fails half-way leaves nothing
behind (and `seed-demo --if-empty` would otherwise see a half-seeded book as "present").

* PostgreSQL: COPY ... FROM STDIN through psycopg 3, the fastest way in. When the caller
  holds no transaction, the COPY runs in a writer thread on its own connection while the
  main thread builds the next chunk, so the server indexes one chunk while Python generates
  the next (the machine has two cores; this uses both). Primary keys come from the tables'
  own sequences in blocks (nextval is never rolled back, so keys are never handed out twice).
* SQLite: executemany of prepared INSERTs inside one IMMEDIATE transaction. SQLite has one
  writer at a time, so primary keys are counted on from the highest rowid (and the
  AUTOINCREMENT high-water mark) read inside that transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.apps import apps
from django.db import connections, transaction

from .tables import TABLES, Chunk, IdSource

UTC = dt.UTC


def _model(name: str):
    return apps.get_model(TABLES[name][0])


def _quoted_columns(name: str) -> str:
    return ", ".join(f'"{c}"' for c in TABLES[name][1])


class _Abort(Exception):
    """Raised in the writer thread to roll its transaction back."""


class PostgresWriter:
    """COPY each chunk's tables, all in one transaction.

    With `bulk`, the secondary indexes and the foreign keys of the loaded tables are
    dropped at the start of the transaction and recreated (from their own definitions, by
    name) before it commits, the way pg_restore loads data. One sorted index build and one
    join per foreign key at the end cost a fraction of maintaining 60 indexes and checking
    36 foreign keys row by row for 15 million rows. The tables are locked (ACCESS EXCLUSIVE)
    until the seed commits, so this is for large loads into a database nobody is using yet;
    since DDL is transactional in PostgreSQL, a failed seed gives everything back.
    """

    vendor = "postgresql"

    def __init__(
        self, using: str = "default", *, bulk: bool = False, log: Callable[[str], None] = print
    ) -> None:
        self.using = using
        self.connection = connections[using]
        self.bulk = bulk
        self.log = log
        # A caller already inside a transaction (a test) keeps everything in it.
        self.threaded = not self.connection.in_atomic_block
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._atomic = None
        self._dropped_indexes: list[tuple[str, str]] = []
        self._dropped_fks: list[tuple[str, str, str]] = []

    # --- keys -----------------------------------------------------------------------------------

    def id_source(self) -> IdSource:
        """Keys from each table's identity sequence, fetched in growing blocks."""
        factories = {}
        with self.connection.cursor() as cursor:
            for name in TABLES:
                model = _model(name)
                if model._meta.pk.column != "id":
                    continue  # AccountSearch: its key is the account's
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
                (sequence,) = cursor.fetchone()
                factories[name] = self._keys(sequence).__next__
        return IdSource(factories)

    def _keys(self, sequence: str) -> Iterator[int]:
        block = 1000
        while True:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, block])
                keys = [row[0] for row in cursor.fetchall()]
            yield from keys
            block = min(block * 4, 64_000)

    # --- the transaction ------------------------------------------------------------------------

    def __enter__(self) -> PostgresWriter:
        if self.threaded:
            self._thread = threading.Thread(target=self._run, name="seed-writer", daemon=True)
            self._thread.start()
        else:
            self._atomic = transaction.atomic(using=self.using)
            self._atomic.__enter__()
            self._prepare(self.connection)
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if not self.threaded:
            if exc_type is None:
                try:
                    self._restore(self.connection)
                except BaseException as error:
                    self._atomic.__exit__(type(error), error, error.__traceback__)
                    raise
            return bool(self._atomic.__exit__(exc_type, exc, tb))
        self._queue.put(_Abort if exc_type else None)
        self._thread.join()
        if self._error is not None and exc_type is None:
            raise self._error
        return False

    def write(self, chunk: Chunk, done: Callable[[], None] | None = None) -> None:
        """Queue a chunk (threaded) or write it now; `done` runs once it is written."""
        if self.threaded:
            self._check()
            self._put((chunk, done))
        else:
            self._copy(self.connection, chunk)
            if done:
                done()

    def run(self, fn: Callable[[], None]) -> None:
        """Run `fn` inside the writing transaction, after the chunks written so far."""
        if self.threaded:
            self._check()
            self._put(fn)
        else:
            fn()

    def _put(self, item) -> None:
        while True:
            try:
                self._queue.put(item, timeout=1)
                return
            except queue.Full:
                self._check()

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        connection = connections[self.using]  # this thread's own connection
        try:
            with transaction.atomic(using=self.using):
                self._prepare(connection)
                while True:
                    item = self._queue.get()
                    if item is None:
                        self._restore(connection)
                        break
                    if item is _Abort:
                        raise _Abort
                    if callable(item):
                        item()
                        continue
                    chunk, done = item
                    self._copy(connection, chunk)
                    if done:
                        done()
        except _Abort:
            pass
        except BaseException as exc:
            self._error = exc
            # Drain so that the producer never blocks on a dead consumer.
            while True:
                try:
                    if self._queue.get(timeout=5) in (None, _Abort):
                        break
                except queue.Empty:
                    break
        finally:
            connection.close()

    def _prepare(self, connection) -> None:
        """Bulk mode: note and drop the secondary indexes (not primary keys, not those
        backing a unique constraint) and the foreign keys of the loaded tables."""
        if not self.bulk:
            return
        tables = [_model(name)._meta.db_table for name in TABLES]
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT ic.relname, pg_get_indexdef(i.indexrelid)
                FROM pg_index i
                JOIN pg_class ic ON ic.oid = i.indexrelid
                JOIN pg_class t ON t.oid = i.indrelid
                WHERE t.relname = ANY(%s) AND t.relkind = 'r'
                  AND pg_table_is_visible(t.oid) AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                ORDER BY ic.relname
                """,
                [tables],
            )
            self._dropped_indexes = cursor.fetchall()
            cursor.execute(
                """
                SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
                FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                WHERE c.contype = 'f' AND t.relname = ANY(%s) AND pg_table_is_visible(t.oid)
                ORDER BY t.relname, c.conname
                """,
                [tables],
            )
            self._dropped_fks = cursor.fetchall()
            for table, name, _ in self._dropped_fks:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _ in self._dropped_indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        self.log(
            f"  bulk load: {len(self._dropped_indexes)} secondary indexes and "
            f"{len(self._dropped_fks)} foreign keys set aside until the end"
        )

    def _restore(self, connection) -> None:
        """Bulk mode: rebuild the indexes and re-add (and so re-check) the foreign keys."""
        if not self.bulk:
            return
        started = time.monotonic()
        with connection.cursor() as cursor:
            # Session-local: sorted index builds in memory, on both cores.
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for _, definition in self._dropped_indexes:
                cursor.execute(definition)
            built = time.monotonic()
            self.log(f"  rebuilt {len(self._dropped_indexes)} indexes in {built - started:.1f} s")
            for table, name, definition in self._dropped_fks:
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        checked = time.monotonic() - built
        self.log(f"  re-checked {len(self._dropped_fks)} foreign keys in {checked:.1f} s")

    @staticmethod
    def _copy(connection, chunk: Chunk) -> None:
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            for name, rows in chunk.items():
                if not rows:
                    continue
                table = _model(name)._meta.db_table
                with raw.copy(f'COPY "{table}" ({_quoted_columns(name)}) FROM STDIN') as copy:
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row)

    def analyze(self) -> None:
        """Fresh planner statistics for the tables just loaded."""
        with self.connection.cursor() as cursor:
            for name in TABLES:
                cursor.execute(f'ANALYZE "{_model(name)._meta.db_table}"')


def _sqlite_value(kind: str) -> Callable | None:
    """How Django's SQLite backend stores a value of this field type (naive UTC text for
    datetimes, ISO text for dates, text for decimals)."""
    if kind == "DateTimeField":
        return lambda v: None if v is None else str(v.astimezone(UTC).replace(tzinfo=None))
    if kind == "DateField":
        return lambda v: None if v is None else v.isoformat()
    if kind == "DecimalField":
        return lambda v: None if v is None else str(Decimal(v))
    return None


class SqliteWriter:
    """executemany each chunk's tables, all in one IMMEDIATE transaction."""

    vendor = "sqlite"
    threaded = False

    def __init__(self, using: str = "default") -> None:
        self.using = using
        self.connection = connections[using]
        self._atomic = None
        self._statements: dict[str, tuple[str, list[tuple[int, Callable]]]] = {}
        for name, (_, columns) in TABLES.items():
            model = _model(name)
            by_column = {f.column: f for f in model._meta.concrete_fields}
            converters = []
            for i, column in enumerate(columns):
                convert = _sqlite_value(by_column[column].get_internal_type())
                if convert is not None:
                    converters.append((i, convert))
            marks = ", ".join(["%s"] * len(columns))
            sql = f'INSERT INTO "{model._meta.db_table}" ({_quoted_columns(name)}) VALUES ({marks})'  # noqa: S608
            self._statements[name] = (sql, converters)

    def id_source(self) -> IdSource:
        """Counters past the highest key of each table. Must be called inside the
        transaction, which holds SQLite's write lock: nobody else can take a key meanwhile."""
        assert self.connection.in_atomic_block, "id_source() needs the seeding transaction"
        factories = {}
        with self.connection.cursor() as cursor:
            for name in TABLES:
                model = _model(name)
                if model._meta.pk.column != "id":
                    continue
                table = model._meta.db_table
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
                (highest,) = cursor.fetchone()
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                start = max(highest, row[0] if row else 0) + 1
                factories[name] = itertools.count(start).__next__
        return IdSource(factories)

    def __enter__(self) -> SqliteWriter:
        self._atomic = transaction.atomic(using=self.using)
        self._atomic.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        return bool(self._atomic.__exit__(exc_type, exc, tb))

    def write(self, chunk: Chunk, done: Callable[[], None] | None = None) -> None:
        with self.connection.cursor() as cursor:
            for name, rows in chunk.items():
                if not rows:
                    continue
                sql, converters = self._statements[name]
                if converters:
                    rows = [self._convert(row, converters) for row in rows]
                cursor.executemany(sql, rows)
        if done:
            done()

    @staticmethod
    def _convert(row: tuple, converters: list[tuple[int, Callable]]) -> list:
        values = list(row)
        for i, convert in converters:
            values[i] = convert(values[i])
        return values

    def run(self, fn: Callable[[], None]) -> None:
        fn()

    def analyze(self) -> None:
        """Fresh planner statistics (sqlite_stat1) for the tables just loaded."""
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def writer_for(using: str = "default", *, bulk: bool = False, log: Callable[[str], None] = print):
    """The writer for the database behind `using`; `bulk` lets PostgreSQL set indexes and
    foreign keys aside during the load (see PostgresWriter)."""
    vendor = connections[using].vendor
    if vendor == "postgresql":
        return PostgresWriter(using, bulk=bulk, log=log)
    if vendor == "sqlite":
        return SqliteWriter(using)
    raise NotImplementedError(f"seed-demo writes to PostgreSQL or SQLite, not {vendor}")
