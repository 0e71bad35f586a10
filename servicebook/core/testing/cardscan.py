"""The end-of-suite card-data scan (issue 3: "after the whole suite, scan the database and
the logs for any card-number-shaped digits and any security code: none").

servicebook/conftest.py wires it in; this module holds the rule and the scanners so a
self-test (payments/tests/test_card_scan.py) can prove they find what they should.

What counts as card data (the rule, precisely):

* A card number: 13 to 19 digits that pass the Luhn check, written either as one unbroken
  run, or in groups separated by single spaces or dashes the way cards are printed
  ("4242 4242 4242 4242", "3782 822463 10005", "6011-1111-1111-1117"). The run must not
  be part of a longer run of digits or of a word (a hex digest, a token, "x1234..."), nor
  follow a "+".
  Not card data, by that rule: account numbers (10 digits with their own Luhn digit),
  phones in any format (E.164 is "+" and at most 15 digits; national numbers are 10;
  "303-555-0147 720-555-0100" starts with a 3-digit group), routing numbers (9), a bank
  account number of up to 12 digits, BAI2 and lockbox lines (fields are separated by
  commas), amounts, dates and sequence numbers. Grouped digits count only in a card's own
  grouping — fours with a shorter last group (4-4-4-4, 4-4-4-4-3, 4-4-4-1) or 4-6-5 and
  4-6-4 — so a list of phones written "303 555 0147 720 555 0100" is not a card; a grouped
  run that holds such a grouping inside ("Ref 12 4242 4242 4242 4242") is. A full bank
  account number of 13 to 17 digits that happens to pass Luhn *is* reported: the system
  keeps only its last four, so finding the whole number stored is a finding too.
* A security code: 3 or 4 digits labelled as one — cvc, cvv, cvv2, cvn, csc, cid,
  security code, card verification code/value — followed by ":" or "=" (JSON, a form body,
  a repr, a log line: `"cvc": "737"`, `cvc=737`). And any value at all in a database
  column whose name says it holds one (cvc, cvv, csc, security_code): no such column may
  exist with data in it.

Where it looks:

* every text column (char, varchar, text, json) of every table of the test database,
  just before pytest-django destroys it;
* every parameter of every INSERT and UPDATE the suite sent through Django's cursors
  (most tests roll back, so the final tables alone would show little); bulk COPY writes of
  the bill run bypass the cursor wrapper and are covered by the final table scan only;
* every log record that passed its logger's level during the session, before any handler
  or filter (so a card number the payments log filter would have masked still counts:
  the code that logged it is the defect).

Findings never print the number: only its length and last four. A test that plants card
data on purpose (to prove a mask or this scan) takes its findings back from WATCH.findings
before it ends, as payments/tests/test_card_scan.py does.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

# A maximal run of digits with single spaces or dashes inside, not glued to a word, a
# decimal point or a "+" (E.164).
_RUN = re.compile(r"(?<![\w.+])\d(?:[ -]?\d)*(?![\w])")
_GROUPS = re.compile(r"[ -]")
_CODE = re.compile(
    r"(?i)(?<![a-z])(?:cvc2?|cvv2?|cvn|csc|cid|security[ _-]?code|"
    r"card[ _-]?(?:verification|security)[ _-]?(?:code|value|number)?)"
    r"[\"']?\s*[:=]\s*[\"']?(\d{3,4})(?!\d)"
)
CODE_COLUMN = re.compile(r"(?i)(cvc|cvv|csc|security_?code)")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_shaped(run: str) -> bool:
    groups = _GROUPS.split(run)
    digits = "".join(groups)
    if not 13 <= len(digits) <= 19 or not luhn_ok(digits):
        return False
    if len(groups) == 1:
        return True
    sizes = [len(g) for g in groups]
    # As cards are printed: fours with a shorter last group (4-4-4-4, 4-4-4-1, 4-4-4-4-3),
    # or the 4-6-5 / 4-6-4 of American Express and Diners Club.
    return (all(n == 4 for n in sizes[:-1]) and 1 <= sizes[-1] <= 4) or sizes in (
        [4, 6, 5],
        [4, 6, 4],
    )


def find_card_data(text: str) -> list[str]:
    """What in `text` is card data by the rule above, each described safely (length and
    last four, never the number)."""
    if not text or not any(c.isdigit() for c in text):
        return []
    found = []
    for match in _RUN.finditer(text):
        run = match.group(0)
        if _card_shaped(run):
            digits = _GROUPS.sub("", run)
            found.append(f"card-number-shaped digits ({len(digits)} digits, ending {digits[-4:]})")
            continue
        # A longer grouped run may hold a card-shaped tail or head ("Ref 12 4242 4242 4242
        # 4242"): try every sub-run that starts and ends on a group boundary.
        groups = _GROUPS.split(run)
        if len(groups) > 2:
            for i in range(len(groups)):
                for j in range(i + 2, len(groups) + 1):
                    if (i, j) != (0, len(groups)) and _card_shaped(" ".join(groups[i:j])):
                        digits = "".join(groups[i:j])
                        found.append(
                            f"card-number-shaped digits ({len(digits)} digits, "
                            f"ending {digits[-4:]})"
                        )
    for match in _CODE.finditer(text):
        found.append(f"a labelled security code ({len(match.group(1))} digits)")
    return found


@dataclass
class Finding:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


# --- The database -------------------------------------------------------------------------


def _text_columns(connection) -> list[tuple[str, str, str | None]]:
    """(table, column, primary key column) for every text-like column."""
    out = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
                "JOIN information_schema.tables t ON t.table_name = c.table_name "
                "AND t.table_schema = c.table_schema AND t.table_type = 'BASE TABLE' "
                "WHERE c.table_schema = current_schema() "
                "AND c.data_type IN ('character varying', 'character', 'text', 'json', 'jsonb') "
                "ORDER BY c.table_name, c.ordinal_position"
            )
            rows = cursor.fetchall()
            for table, column, _ in rows:
                out.append((table, column, None))
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
            tables = cursor.fetchall()
            virtual = [n for n, sql in tables if (sql or "").upper().startswith("CREATE VIRTUAL")]
            for table, _ in tables:
                # FTS5 tables and their shadow tables hold copies (external content) or
                # binary index pages: the content tables themselves are scanned.
                if any(table == v or table.startswith(v + "_") for v in virtual):
                    continue
                cursor.execute(f'PRAGMA table_info("{table}")')
                for _, column, declared, *_ in cursor.fetchall():
                    kind = (declared or "").upper()
                    if not kind or any(k in kind for k in ("CHAR", "TEXT", "CLOB", "JSON")):
                        out.append((table, column, None))
    with connection.cursor() as cursor:
        keys: dict[str, str | None] = {}
        for i, (table, column, _) in enumerate(out):
            if table not in keys:
                keys[table] = connection.introspection.get_primary_key_column(cursor, table)
            out[i] = (table, column, keys[table])
    return out


def scan_database(connection=None) -> list[Finding]:
    """Every text column of every table: card data, or any value in a security-code
    column."""
    from django.db import connection as default

    connection = connection or default
    qn = connection.ops.quote_name
    findings: list[Finding] = []
    for table, column, pk in _text_columns(connection):
        key = qn(pk) if pk else ("rowid" if connection.vendor == "sqlite" else "NULL")
        value = qn(column) + ("::text" if connection.vendor == "postgresql" else "")
        with connection.cursor() as cursor:
            # Names from the database's own catalogue, quoted.
            sql = f"SELECT {key}, {value} FROM {qn(table)} WHERE {qn(column)} IS NOT NULL"  # noqa: S608
            cursor.execute(sql)
            for row_key, text in cursor.fetchall():
                text = text if isinstance(text, str) else str(text)
                where = f"table {table}, column {column}, row {pk or 'rowid'}={row_key}"
                if CODE_COLUMN.search(column) and text.strip() not in ("", '""', "null"):
                    findings.append(Finding(where, "a value in a security-code column"))
                for what in find_card_data(text):
                    findings.append(Finding(where, what))
    return findings


# --- Writes and logs during the session ---------------------------------------------------


class SessionWatch:
    """Collects card data seen in the parameters of INSERT/UPDATE statements and in log
    records while installed. Thread-safe (live-server tests write from another thread)."""

    MAX = 50

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self._lock = threading.Lock()
        self._undo: list = []

    def add(self, where: str, what: list[str]) -> None:
        with self._lock:
            for item in what:
                if len(self.findings) < self.MAX:
                    self.findings.append(Finding(where, item))

    def check_write(self, sql: str, params) -> None:
        if not params:
            return
        head = sql.lstrip()[:6].upper()
        if head not in ("INSERT", "UPDATE"):
            return
        flat = params
        if params and isinstance(params[0], list | tuple):  # executemany
            flat = [p for row in params for p in row]
        for i, value in enumerate(flat):
            if isinstance(value, str) and value:
                found = find_card_data(value)
                if found:
                    self.add(f"write {sql.split('(')[0].strip()[:80]!r}, parameter {i}", found)

    def check_record(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + repr(record.exc_info[1])
        if record.exc_text:
            text += "\n" + record.exc_text
        found = find_card_data(text)
        if found:
            self.add(f"log record of {record.name!r} ({record.levelname})", found)

    def install(self) -> None:
        from django.db.backends import utils

        watch = self
        wrapper = utils.CursorWrapper
        execute, executemany = wrapper.execute, wrapper.executemany

        def watched_execute(self, sql, params=None):
            watch.check_write(sql, params)
            return execute(self, sql, params)

        def watched_executemany(self, sql, param_list):
            param_list = list(param_list)
            watch.check_write(sql, param_list)
            return executemany(self, sql, param_list)

        wrapper.execute, wrapper.executemany = watched_execute, watched_executemany
        # Every record that passed its logger's level, whatever handlers, filters or
        # propagation a test or the settings configure.
        call_handlers = logging.Logger.callHandlers

        def watched_call_handlers(self, record):
            watch.check_record(record)
            return call_handlers(self, record)

        logging.Logger.callHandlers = watched_call_handlers
        self._undo = [
            lambda: setattr(wrapper, "execute", execute),
            lambda: setattr(wrapper, "executemany", executemany),
            lambda: setattr(logging.Logger, "callHandlers", call_handlers),
        ]

    def uninstall(self) -> None:
        for undo in self._undo:
            undo()
        self._undo = []


WATCH = SessionWatch()


def report(findings: list[Finding]) -> str:
    lines = [f"Card data found ({len(findings)}; docs: servicebook/core/testing/cardscan.py):"]
    lines += [f"  - {f}" for f in findings]
    return "\n".join(lines)
