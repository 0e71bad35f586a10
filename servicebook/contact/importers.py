"""Imports of the PBX's records: Asterisk call detail records (cdr-csv's Master.csv) and
Asterisk's queue_log.

Both stream the file (one row in memory at a time, written in batches), match the PBX's
names to agents (extension or queue member interface) and caller numbers to accounts, and
are safe to run twice over the same file: every record has a natural key (a CDR leg:
uniqueid + the agent's channel + start; a queue call: callid + queue + time entered; a
state span: agent + start) held unique by the database, and rows already there are skipped
(`INSERT ... ON CONFLICT DO NOTHING`), so nothing is counted twice. Rows that cannot be used
are listed in the report with their row number and why; the good rows are imported
(PRODUCT.md "Bad input": reference data, not money).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from servicebook.core.audit import audit_record
from servicebook.core.permissions import require_capability
from servicebook.core.phones import digits_only, normalize_phone
from servicebook.core.sqlite_values import sqlite_datetime_text
from servicebook.customers.models import ContactPhone
from servicebook.users.roles import Cap

from .choices import (
    AgentState,
    BreakReason,
    ContactChannel,
    ContactDirection,
    InteractionSource,
    InteractionState,
    QueueOutcome,
    StateSource,
)
from .models import AgentProfile, AgentStateSpan, Interaction, QueueCall, Shift, Team
from .timeutil import overlap_seconds, seconds_between, split_at_midnight

BATCH = 5_000
MAX_LISTED_REJECTS = 1_000


@dataclass
class ImportReport:
    """What an import did: rows read, inserted, already there, merged into contacts taken
    at the console, and the rows it could not use (row number, reason)."""

    kind: str
    rows: int = 0
    inserted: int = 0
    duplicates: int = 0
    merged: int = 0
    ignored: int = 0
    rejected_count: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def reject(self, row: int, reason: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_LISTED_REJECTS:
            self.rejected.append((row, reason))

    def as_text(self) -> str:
        lines = [
            f"{self.kind}: {self.rows:,} rows read, {self.inserted:,} imported, "
            f"{self.duplicates:,} already imported, {self.merged:,} merged into console "
            f"contacts, {self.ignored:,} ignored, {self.rejected_count:,} could not be used."
        ]
        lines += [f"  row {row}: {reason}" for row, reason in self.rejected]
        if self.rejected_count > len(self.rejected):
            lines.append(f"  ... and {self.rejected_count - len(self.rejected):,} more")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


# --- Who is who -------------------------------------------------------------------------------

# What Asterisk appends to an interface to name one call's channel: -0000002a, -00000001;1.
_CHANNEL_SUFFIX = re.compile(r"[0-9a-f]+(;\d)?")


class AgentDirectory:
    """PBX names -> agents: queue member interfaces (PJSIP/201, Agent/1001) and extensions
    (201), read once per import."""

    def __init__(self, members: dict[str, int], extensions: dict[str, int], teams: dict):
        self.members = members
        self.extensions = extensions
        self.teams = teams  # user id -> team id
        self._cache: dict[str, int | None] = {}

    @classmethod
    def load(cls) -> AgentDirectory:
        members, extensions, teams = {}, {}, {}
        for user_id, ext, member, team_id in AgentProfile.objects.filter(active=True).values_list(
            "user_id", "extension", "queue_member", "team_id"
        ):
            if ext:
                extensions[ext.lower()] = user_id
            if member:
                members[member.lower()] = user_id
            teams[user_id] = team_id
        return cls(members, extensions, teams)

    def user_id(self, name: str) -> int | None:
        """The agent a PBX name means, or None. Accepts an interface (SIP/201), a channel
        of it (SIP/201-0000002a, Local/201@agents-00000001;1) or a bare extension."""
        key = (name or "").strip().lower()
        if not key:
            return None
        # Channel names are unique per call (the suffix counts up), so the cache is keyed
        # by the interface: a million-row file has a few hundred of them.
        found = self.members.get(key)
        if found is not None:
            return found
        head, dash, tail = key.rpartition("-")
        interface = head if dash and _CHANNEL_SUFFIX.fullmatch(tail) else key
        if interface in self._cache:
            return self._cache[interface]
        found = self.members.get(interface)
        if found is None:
            resource = interface.split("/", 1)[-1].split("@", 1)[0]
            found = self.extensions.get(resource)
        self._cache[interface] = found
        return found


# --- Numbers ------------------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def _e164_slow(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except ValueError:
        return ""


def fast_e164(raw: str, nanp: bool | None = None) -> str:
    """E.164 of a caller number as PBXs write it. NANP numbers (the common case: ten
    digits, or eleven starting with 1) take a fast path; anything else goes through
    libphonenumber (cached: callers repeat). `nanp` (the default region is the US or
    Canada) may be given by a caller that reads the setting once for many numbers."""
    if not raw:
        return ""
    digits = digits_only(raw)
    if nanp is None:
        nanp = _nanp_region()
    if nanp and not raw.lstrip().startswith("+"):
        if len(digits) == 10 and digits[0] not in "01":
            return "+1" + digits
        if len(digits) == 11 and digits[0] == "1" and digits[1] not in "01":
            return "+" + digits
    if len(digits) < 7:
        return ""  # an extension or a short code, not a customer's number
    return _e164_slow(raw.strip())


def _nanp_region() -> bool:
    return settings.PHONE_DEFAULT_REGION in ("US", "CA")


class AccountsByNumber:
    """Caller numbers -> the one account holding that number (None when none or several:
    a shared number needs a person to choose). Looked up a batch at a time."""

    def __init__(self):
        self.cache: dict[str, int | None] = {}

    def resolve(self, numbers: Iterable[str]) -> None:
        wanted = {n for n in numbers if n and n not in self.cache}
        if not wanted:
            return
        found: dict[str, set[int]] = defaultdict(set)
        # The importer's actor may see the whole book (contact.supervise implies staff);
        # reading the phone index directly avoids a scoped join per batch.
        phones = _rows_where_in(ContactPhone, ["e164", "account_id"], "e164", wanted)
        for e164, account_id in phones:
            found[e164].add(account_id)
        for number in wanted:
            ids = found.get(number, set())
            self.cache[number] = next(iter(ids)) if len(ids) == 1 else None

    def get(self, number: str) -> int | None:
        return self.cache.get(number)


def _rows_where_in(
    model, columns: list[str], column: str, values, where: dict | None = None
) -> list[tuple]:
    """The columns of the rows whose `column` is one of `values`. On PostgreSQL one
    `= ANY(%s)` with the values as a single array parameter: Django's `__in` spells out one
    placeholder per value, and compiling thousands of them per batch was a tenth of a
    large import (py-spy). Elsewhere `__in` in chunks (SQLite's parameter limit)."""
    values = list(values)
    where = where or {}
    if not values:
        return []
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        cols = ", ".join(qn(c) for c in columns)
        extra = "".join(f" AND {qn(c)} = %s" for c in where)
        sql = (
            f"SELECT {cols} FROM {qn(model._meta.db_table)} "  # noqa: S608
            f"WHERE {qn(column)} = ANY(%s){extra}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [values, *where.values()])
            return cursor.fetchall()
    rows: list[tuple] = []
    for i in range(0, len(values), 900):
        rows += model.objects.filter(**{f"{column}__in": values[i : i + 900]}, **where).values_list(
            *columns
        )
    return rows


# --- Writing in bulk ----------------------------------------------------------------------------


class BatchWriter:
    """Writes batches of rows with INSERT ... ON CONFLICT DO NOTHING (rows whose natural
    key is stored already are skipped) and counts what was inserted (the statements' row
    counts: a skipped row is not counted). Use as a context manager; `inserted` and
    `offered` are final when it closes.

    PostgreSQL: each batch is COPYed into a temporary table of the session, then moved with
    one INSERT ... SELECT ... ON CONFLICT DO NOTHING, sent from a helper thread on the same
    connection so that the server's insert (the unique check, six indexes) runs while the
    caller parses the next batch; the caller must call `wait()` before it uses the
    connection again (`write()` does, first). Each INSERT is one statement, so a batch goes
    in whole or not at all; in autocommit each batch commits on its own. Measured on 100,000
    rows: the server's part was half of the import, spent idle in Python before the
    pipeline (docs/benchmarks.md "Contact centre"). Sending the rows as parameters of an
    executemany spent most of a large import turning Python values into query parameters;
    COPY's row format is several times cheaper.

    SQLite: executemany of the same INSERT ... ON CONFLICT DO NOTHING in the caller's
    thread, each batch in its own transaction (SQLite is in-process: nothing to overlap)."""

    def __init__(self, model, columns: list[str]):
        qn = connection.ops.quote_name
        self.table = qn(model._meta.db_table)
        self.stage = qn(f"{model._meta.db_table}_import_stage")
        self.cols = ", ".join(qn(c) for c in columns)
        self.width = len(columns)
        self.inserted = 0
        self.offered = 0
        self._pending: Future | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._staged = False

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown()
        # After a failure the temporary table is left to the session's end (or to the
        # rollback of the caller's transaction): a statement now could hide the error.
        if self._staged and exc_type is None:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.stage}")

    def wait(self) -> None:
        """Wait for the batch in flight (PostgreSQL); its errors are raised here."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.inserted += pending.result()

    def write(self, rows: list[tuple]) -> None:
        self.wait()
        if not rows:
            return
        self.offered += len(rows)
        # Table and column names come from the model, quoted; values are COPY data or
        # parameters.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if not self._staged:
                    cursor.execute(
                        f"CREATE TEMP TABLE IF NOT EXISTS {self.stage} AS "  # noqa: S608
                        f"SELECT {self.cols} FROM {self.table} WITH NO DATA"
                    )
                    self._staged = True
                cursor.execute(f"TRUNCATE {self.stage}")
                with cursor.cursor.copy(f"COPY {self.stage} ({self.cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import")
            raw = connection.connection  # psycopg's own connection: one statement at a time
            sql = (
                f"INSERT INTO {self.table} ({self.cols}) "  # noqa: S608
                f"SELECT {self.cols} FROM {self.stage} ON CONFLICT DO NOTHING"
            )
            self._pending = self._pool.submit(_execute_rowcount, raw, sql)
            return
        marks = ", ".join(["%s"] * self.width)
        sql = f"INSERT INTO {self.table} ({self.cols}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
            self.inserted += cursor.rowcount


def _execute_rowcount(raw, sql: str) -> int:
    with raw.cursor() as cursor:
        cursor.execute(sql)
        return cursor.rowcount


def value_adapters() -> tuple[Callable, Callable]:
    """(datetime adapter, date adapter) for raw inserts on this connection: what Django's
    `adapt_datetimefield_value` / `adapt_datefield_value` return, without their per-value
    settings look-ups. At a million rows Django's SQLite adapter was a quarter of the
    import (cProfile); PostgreSQL's returns the value as it is (psycopg adapts it)."""
    if connection.vendor == "postgresql":
        return _same, _same
    if connection.vendor == "sqlite" and settings.USE_TZ and connection.timezone_name == "UTC":
        return sqlite_datetime_text, _text_or_none
    ops = connection.ops
    return (
        lambda v: None if v is None else ops.adapt_datetimefield_value(v),
        ops.adapt_datefield_value,
    )


def _same(value):
    return value


def _text_or_none(value) -> str | None:
    return None if value is None else str(value)


# --- CDR: Master.csv ------------------------------------------------------------------------------

# cdr_csv's standard layout (loguniqueid and loguserfield on: the last two columns).
CDR_COLUMNS = [
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
]
CDR_DISPOSITIONS = {"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"}
_CLID_NUMBER = re.compile(r"<([^>]*)>")

INTERACTION_COLUMNS = [
    "channel",
    "direction",
    "state",
    "source",
    "agent_id",
    "account_id",
    "customer_number",
    "queue_name",
    "call_id",
    "external_key",
    "queued_at",
    "ring_at",
    "answered_at",
    "ended_at",
    "ring_seconds",
    "talk_seconds",
    "hold_seconds",
    "hold_count",
    "wrap_seconds",
    "handle_seconds",
    "counted_on",
    "handled",
    "transferred",
    "repeated",
    "summary",
    "recording_url",
    "created_at",
]


@dataclass
class _Leg:
    row: int
    key: str
    call_id: str
    agent_id: int
    direction: str
    number: str
    start: dt.datetime
    answer: dt.datetime | None
    end: dt.datetime
    billsec: int
    queue: str
    recording: str


def _parse_pbx_time(text: str, zone) -> dt.datetime | None:
    text = text.strip()
    if not text:
        return None
    naive = dt.datetime.fromisoformat(text)
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=zone)


def _cdr_leg(row_no: int, cols: list[str], agents: AgentDirectory, zone, nanp: bool) -> _Leg | str:
    """One CDR row as a call leg of an agent, or the reason it cannot be used. Runs once
    per row of files of millions: the columns are unpacked by position (CDR_COLUMNS), not
    through a dict per row."""
    if len(cols) < 16 or len(cols) > 18:
        return f"expected 16 to 18 columns (cdr-csv layout), found {len(cols)}"
    (_, src, dst, _, clid, channel, dstchannel, lastapp, lastdata, start_text, answer_text,
     end_text, duration_text, billsec_text, disposition_text, _) = cols[:16]  # fmt: skip
    disposition = disposition_text.strip().upper()
    if disposition not in CDR_DISPOSITIONS:
        return f"unknown disposition “{disposition_text[:30]}”"
    try:
        start = _parse_pbx_time(start_text, zone)
        answer = _parse_pbx_time(answer_text, zone)
        end = _parse_pbx_time(end_text, zone)
    except ValueError:
        return "a start, answer or end time is not a date and time (YYYY-MM-DD HH:MM:SS)"
    if start is None or end is None:
        return "start or end time missing"
    if end < start or (answer is not None and not start <= answer <= end):
        return "times out of order (start <= answer <= end expected)"
    try:
        billsec = int(billsec_text or 0)
        duration = int(duration_text or 0)
    except ValueError:
        return "duration or billsec is not a whole number"
    if billsec < 0 or duration < 0 or billsec > duration + 1:
        return "billsec must be between 0 and duration"
    answered = disposition == "ANSWERED"
    if answered and answer is None:
        return "an answered call without an answer time"
    callee = agents.user_id(dstchannel) if dstchannel else None
    caller = agents.user_id(channel) if channel else None
    if callee and caller:
        return "a call between two agents (internal, not a customer contact)"
    if callee:
        direction, agent_id, channel_name = ContactDirection.INBOUND, callee, dstchannel
        number = src or (_CLID_NUMBER.findall(clid) or [""])[0]
    elif caller:
        direction, agent_id, channel_name = ContactDirection.OUTBOUND, caller, channel
        number = dst
    else:
        return (
            f"no agent on either side (channel “{channel[:40]}”, dstchannel "
            f"“{dstchannel[:40]}”): map the extension or queue member to an agent"
        )
    uniqueid = cols[16].strip() if len(cols) > 16 else ""
    if uniqueid:
        key = f"{uniqueid}|{channel_name}|{start_text.strip()}"
    else:
        key = "|".join([start_text.strip(), src, dst, channel, dstchannel])
    queue = lastdata.split(",", 1)[0].strip() if lastapp.strip().lower() == "queue" else ""
    userfield = cols[17].strip() if len(cols) > 17 else ""
    return _Leg(
        row=row_no,
        key=key[:200],
        call_id=uniqueid[:80],
        agent_id=agent_id,
        direction=direction,
        number=fast_e164(number, nanp),
        start=start,
        answer=answer if answered else None,
        end=end,
        billsec=billsec if answered else 0,
        queue=queue[:80],
        recording=userfield[:500] if userfield.startswith(("http", "/")) else "",
    )


def _leg_row(leg: _Leg, account_id, transferred: bool, now, zone, adapt_dt, adapt_date) -> tuple:
    """The INTERACTION_COLUMNS of one leg. `zone` (the business zone), `now` (adapted) and
    the database's adapters are prepared once per batch by the caller, not once per row:
    at a million rows those look-ups were a measurable share of the import."""
    answered = leg.answer is not None
    talk = leg.billsec if answered else 0
    end = leg.end
    # The PBX's times carry the PBX zone; when it is the business zone (the usual case)
    # the date is read directly instead of converted.
    day = end.date() if end.tzinfo is zone else end.astimezone(zone).date()
    start = adapt_dt(leg.start)
    return (
        ContactChannel.PHONE,
        leg.direction,
        InteractionState.DONE if answered else InteractionState.MISSED,
        InteractionSource.CDR,
        leg.agent_id,
        account_id,
        leg.number,
        leg.queue,
        leg.call_id,
        leg.key,
        start,
        start,
        adapt_dt(leg.answer),
        adapt_dt(end),
        seconds_between(leg.start, leg.answer or end),
        talk,
        0,
        0,
        0,
        talk,
        adapt_date(day),
        answered,
        transferred,
        False,
        "",
        leg.recording,
        now,
    )


def _merge_console(legs: list[_Leg], report: ImportReport) -> set[str]:
    """Answered legs of calls taken at the console (same PBX call id and agent) update
    that contact's timings with the PBX's instead of adding a second contact. Returns the
    keys merged."""
    by_call = {(leg.call_id, leg.agent_id): leg for leg in legs if leg.call_id and leg.answer}
    if not by_call:
        return set()
    merged = set()
    # The condition matches the partial index on the console's call ids.
    ids = [
        pk
        for (pk,) in _rows_where_in(
            Interaction,
            ["id"],
            "call_id",
            {c for c, _ in by_call},
            where={"source": InteractionSource.CONSOLE},
        )
    ]
    console = Interaction.objects.filter(pk__in=ids) if ids else []
    for interaction in console:
        leg = by_call.get((interaction.call_id, interaction.agent_id))
        if leg is None:
            continue
        merged.add(leg.key)
        interaction.queued_at = leg.start
        interaction.answered_at = leg.answer
        interaction.ring_seconds = seconds_between(leg.start, leg.answer)
        if interaction.state == InteractionState.DONE:
            interaction.ended_at = leg.end
            interaction.talk_seconds = max(0, leg.billsec - interaction.hold_seconds)
            interaction.wrap_seconds = seconds_between(leg.end, interaction.wrap_ended_at)
            interaction.handle_seconds = (
                interaction.talk_seconds + interaction.hold_seconds + interaction.wrap_seconds
            )
        interaction.save(
            update_fields=[
                "queued_at",
                "answered_at",
                "ring_seconds",
                "ended_at",
                "talk_seconds",
                "wrap_seconds",
                "handle_seconds",
            ]
        )
    report.merged += len(merged)
    return merged


@dataclass
class _Span:
    """The accounts an import's answered calls were matched to, and the time they cover:
    what first-contact resolution is recounted over at the end."""

    account_ids: set[int] = field(default_factory=set)
    start: dt.datetime | None = None
    end: dt.datetime | None = None

    def add(self, account_id: int, leg: _Leg) -> None:
        self.account_ids.add(account_id)
        self.start = leg.start if self.start is None else min(self.start, leg.start)
        self.end = leg.end if self.end is None else max(self.end, leg.end)


def _flush_cdr(
    legs: list[_Leg],
    accounts: AccountsByNumber,
    report: ImportReport,
    now,
    span: _Span,
    writer: BatchWriter,
) -> None:
    if not legs:
        return
    writer.wait()  # the previous batch's insert, before this one's queries
    accounts.resolve(leg.number for leg in legs)
    for leg in legs:
        if leg.answer is not None:
            account_id = accounts.get(leg.number)
            if account_id is not None:
                span.add(account_id, leg)
    merged = _merge_console(legs, report)
    # A call answered by several agents in turn was transferred by all but the last.
    answered_by_call: dict[str, list[_Leg]] = defaultdict(list)
    for leg in legs:
        if leg.call_id and leg.answer is not None:
            answered_by_call[leg.call_id].append(leg)
    transferred = set()
    for call_legs in answered_by_call.values():
        if len(call_legs) > 1:
            call_legs.sort(key=lambda leg: leg.answer)
            transferred.update(leg.key for leg in call_legs[:-1])
    zone = timezone.get_current_timezone()
    adapt_dt, adapt_date = value_adapters()
    now = adapt_dt(now)
    get_account = accounts.get
    rows = [
        _leg_row(
            leg, get_account(leg.number), leg.key in transferred, now, zone, adapt_dt, adapt_date
        )
        for leg in legs
        if leg.key not in merged
    ]
    writer.write(rows)


def recount_repeats(account_ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> int:
    """Mark the handled contacts of these accounts that a later inbound contact made
    repeats (first-contact resolution, the rule of services.mark_repeats applied to a
    whole import at once): contact A is a repeat when an inbound contact B of the same
    account began after A ended and within CONTACT_FCR_DAYS of it, and A and B are about
    the same case or either has none. A contact ends when its wrap-up ends, or at hang-up
    when it had none (PBX records). [start, end] is the stretch of time the new contacts
    cover; contacts up to the window before and after it are read too, so a stored contact
    can be made a repeat by an imported one and the other way round. Only sets the flag,
    never clears it: importing the same file again changes nothing. Returns how many
    contacts it marked."""
    window = dt.timedelta(days=settings.CONTACT_FCR_DAYS)
    ids = sorted(set(account_ids))
    marked = 0
    for i in range(0, len(ids), 500):
        rows = (
            Interaction.objects.filter(
                account_id__in=ids[i : i + 500],
                handled=True,
                answered_at__gte=start - window,
                answered_at__lte=end + window,
            )
            .values_list(
                "pk",
                "account_id",
                "case_id",
                "direction",
                "answered_at",
                "ended_at",
                "wrap_ended_at",
                "repeated",
            )
            .order_by("account_id", "answered_at", "pk")
        )
        by_account: dict[int, list[tuple]] = defaultdict(list)
        for row in rows:
            by_account[row[1]].append(row)
        repeats: list[int] = []
        for contacts in by_account.values():
            for n, (pk, _, case_id, _, _, ended, wrapped, repeated) in enumerate(contacts):
                finished = wrapped or ended
                if repeated or finished is None:
                    continue
                for _, _, later_case, direction, began, _, _, _ in contacts[n + 1 :]:
                    if began > finished + window:
                        break
                    if (
                        began > finished
                        and direction == ContactDirection.INBOUND
                        and (case_id is None or later_case is None or case_id == later_case)
                    ):
                        repeats.append(pk)
                        break
        for k in range(0, len(repeats), 900):
            marked += Interaction.objects.filter(
                pk__in=repeats[k : k + 900], repeated=False
            ).update(repeated=True)
    return marked


def _check(actor) -> None:
    """A user needs contact.supervise; the command line (actor None, the operator of the
    server) imports as the system, and the audit row says so."""
    if actor is not None:
        require_capability(actor, Cap.CONTACT_SUPERVISE)


def _rows(stream: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    for row_no, cols in enumerate(csv.reader(stream), start=1):
        if not cols or (len(cols) == 1 and not cols[0].strip()):
            continue
        yield row_no, cols


def import_cdr(stream: Iterable[str], *, actor, now: dt.datetime | None = None) -> ImportReport:
    """Import Asterisk CDR rows (Master.csv) as agents' call legs.

    An inbound leg belongs to the agent on its destination channel, an outbound leg to the
    agent on its source channel; the customer's number (source or destination) finds the
    account. Answered legs are handled calls (talk = billsec, counted on the day they ended);
    unanswered legs that rang an agent are kept as missed. A leg of a call the agent took
    at the console (same call id) fills in that contact's PBX timings instead.
    """
    _check(actor)
    now = now or timezone.now()
    report = ImportReport(kind="CDR")
    agents = AgentDirectory.load()
    accounts = AccountsByNumber()
    zone = ZoneInfo(settings.CONTACT_PBX_TIME_ZONE)
    nanp = _nanp_region()
    batch: list[_Leg] = []
    span = _Span()
    with BatchWriter(Interaction, INTERACTION_COLUMNS) as writer:
        for row_no, cols in _rows(stream):
            if row_no == 1 and cols and cols[0].strip().lower() == "accountcode":
                continue  # a header line some exports add
            report.rows += 1
            leg = _cdr_leg(row_no, cols, agents, zone, nanp)
            if isinstance(leg, str):
                report.reject(row_no, leg)
                continue
            batch.append(leg)
            if len(batch) >= BATCH:
                _flush_cdr(batch, accounts, report, now, span, writer)
                batch = []
        _flush_cdr(batch, accounts, report, now, span, writer)
    report.inserted = writer.inserted
    report.duplicates = writer.offered - writer.inserted
    if span.account_ids:
        with transaction.atomic():
            repeats = recount_repeats(span.account_ids, span.start, span.end)
        if repeats:
            report.notes.append(
                f"{repeats:,} contacts marked as repeats (not resolved on first contact)"
            )
    audit_record(actor=actor, action="import", message=report.as_text().splitlines()[0])
    return report


# --- queue_log ------------------------------------------------------------------------------------

CALL_END_EVENTS = {
    "COMPLETEAGENT",
    "COMPLETECALLER",
    "TRANSFER",
    "ATTENDEDTRANSFER",
    "BLINDTRANSFER",
    "ABANDON",
    "EXITWITHTIMEOUT",
    "EXITWITHKEY",
    "EXITEMPTY",
}
LOGIN_EVENTS = {"ADDMEMBER", "AGENTLOGIN", "AGENTCALLBACKLOGIN"}
LOGOUT_EVENTS = {"REMOVEMEMBER", "AGENTLOGOFF", "AGENTCALLBACKLOGOFF"}
PAUSE_EVENTS = {"PAUSE", "PAUSEALL"}
UNPAUSE_EVENTS = {"UNPAUSE", "UNPAUSEALL"}
QUIET_EVENTS = {"QUEUESTART", "CONFIGRELOAD", "RINGNOANSWER", "RINGCANCELED", "DID", "SYSCOMPAT"}


def _int(value: str) -> int:
    try:
        return max(0, int(float(value)))
    except (TypeError, ValueError):
        return 0


@dataclass
class _QueueStay:
    row: int
    call_id: str
    queue: str
    entered_at: dt.datetime
    caller: str = ""
    agent_id: int | None = None
    wait: int = 0


@dataclass
class _AgentClock:
    """An agent's state as the queue_log replays it."""

    logged_in_at: dt.datetime | None = None
    state: str = ""
    reason: str = ""
    since: dt.datetime | None = None
    paused: bool = False
    pause_reason: str = ""
    spans: list[tuple[str, str, dt.datetime, dt.datetime]] = field(default_factory=list)

    def move(self, state: str, reason: str, at: dt.datetime) -> None:
        if self.since is not None and self.state and at > self.since:
            self.spans.append((self.state, self.reason, self.since, at))
        self.state, self.reason, self.since = state, reason, at


def _pause_reason(text: str) -> str:
    value = (text or "").strip().lower().replace(" ", "_").replace("-", "_")
    return value if value in BreakReason.values else BreakReason.SYSTEM


def _queue_teams() -> dict[str, int]:
    teams = {}
    for team_id, names in Team.objects.filter(active=True).values_list("id", "queue_names"):
        for name in names or []:
            teams[str(name).lower()] = team_id
    return teams


def import_queue_log(stream: Iterable[str], *, actor) -> ImportReport:
    """Import Asterisk's queue_log: each caller's stay in a queue (answered after what
    wait, abandoned, timed out) and the agents' log-in, pause (break, with the pause reason)
    and on-call time.

    A call's events must all be in the file (ENTERQUEUE to its end); an agent still logged
    in when the file ends has that last stretch left for the next file. State time from the
    PBX that overlaps state time recorded at the console for the same agent is skipped (the
    console is the record of its own agents).
    """
    _check(actor)
    report = ImportReport(kind="queue_log")
    agents = AgentDirectory.load()
    teams = _queue_teams()
    stays: dict[tuple[str, str], _QueueStay] = {}
    finished: list[QueueCall] = []
    clocks: dict[int, _AgentClock] = defaultdict(_AgentClock)
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None

    def flush_calls():
        if finished:
            with transaction.atomic():
                before = QueueCall.objects.count()
                QueueCall.objects.bulk_create(finished, ignore_conflicts=True, batch_size=1000)
                inserted = QueueCall.objects.count() - before
            report.inserted += inserted
            report.duplicates += len(finished) - inserted
            finished.clear()

    for row_no, line in enumerate(stream, start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        report.rows += 1
        parts = line.split("|")
        if len(parts) < 5:
            report.reject(
                row_no, f"expected time|callid|queue|agent|event|data..., found {len(parts)} fields"
            )
            continue
        stamp, call_id, queue, member, event = (p.strip() for p in parts[:5])
        data = parts[5:] + [""] * 6
        try:
            at = dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            report.reject(row_no, f"time “{stamp[:20]}” is not a Unix timestamp")
            continue
        first_at = first_at or at
        last_at = at
        event = event.upper()
        key = (call_id, queue.lower())
        if event == "ENTERQUEUE":
            stays[key] = _QueueStay(
                row=row_no, call_id=call_id, queue=queue, entered_at=at, caller=fast_e164(data[1])
            )
            continue
        if event == "CONNECT" or event in CALL_END_EVENTS:
            stay = stays.get(key)
            if stay is None:
                report.reject(
                    row_no,
                    f"{event} for call {call_id} in {queue} without its ENTERQUEUE in this file",
                )
                continue
            agent_id = agents.user_id(member) if member and member.upper() != "NONE" else None
            if event == "CONNECT":
                if agent_id is None:
                    report.reject(row_no, f"unknown queue member “{member}”: map it to an agent")
                stay.agent_id, stay.wait = agent_id, _int(data[0])
                if agent_id is not None:
                    clocks[agent_id].move(AgentState.ON_CALL, "", at)
                continue
            if event in ("ABANDON", "EXITWITHTIMEOUT"):
                outcome, wait, talk = (
                    QueueOutcome.ABANDONED if event == "ABANDON" else QueueOutcome.TIMEOUT,
                    _int(data[2]),
                    0,
                )
            elif event == "EXITWITHKEY":
                outcome, wait, talk = QueueOutcome.EXIT_KEY, _int(data[3]), 0
            elif event == "EXITEMPTY":
                outcome, wait, talk = QueueOutcome.TIMEOUT, _int(data[2]), 0
            else:
                talk_index = 3 if event in ("TRANSFER", "ATTENDEDTRANSFER", "BLINDTRANSFER") else 1
                outcome, wait, talk = QueueOutcome.ANSWERED, stay.wait, _int(data[talk_index])
                if stay.agent_id is not None:
                    clock = clocks[stay.agent_id]
                    if clock.logged_in_at is not None:
                        clock.move(
                            AgentState.BREAK if clock.paused else AgentState.AVAILABLE,
                            clock.pause_reason if clock.paused else "",
                            at,
                        )
            del stays[key]
            finished.append(
                QueueCall(
                    call_id=call_id[:80],
                    queue_name=queue[:80],
                    team_id=teams.get(queue.lower()),
                    agent_id=stay.agent_id if outcome == QueueOutcome.ANSWERED else None,
                    entered_at=stay.entered_at,
                    day=timezone.localtime(stay.entered_at).date(),
                    outcome=outcome,
                    wait_seconds=wait,
                    talk_seconds=talk,
                    caller_number=stay.caller,
                )
            )
            if len(finished) >= BATCH:
                flush_calls()
            continue
        if event in LOGIN_EVENTS | LOGOUT_EVENTS | PAUSE_EVENTS | UNPAUSE_EVENTS:
            agent_id = agents.user_id(member)
            if agent_id is None:
                report.reject(row_no, f"unknown queue member “{member}”: map it to an agent")
                continue
            clock = clocks[agent_id]
            if event in LOGIN_EVENTS:
                if clock.logged_in_at is None:
                    clock.logged_in_at = at
                    clock.paused = False
                    clock.move(AgentState.AVAILABLE, "", at)
            elif event in LOGOUT_EVENTS:
                if clock.logged_in_at is not None:
                    clock.move("", "", at)
                    clock.logged_in_at = None
            elif event in PAUSE_EVENTS:
                clock.paused, clock.pause_reason = True, _pause_reason(data[0])
                if clock.logged_in_at is not None and clock.state != AgentState.ON_CALL:
                    clock.move(AgentState.BREAK, clock.pause_reason, at)
            else:
                clock.paused, clock.pause_reason = False, ""
                if clock.logged_in_at is not None and clock.state != AgentState.ON_CALL:
                    clock.move(AgentState.AVAILABLE, "", at)
            continue
        report.ignored += 1
        if event not in QUIET_EVENTS and report.ignored <= 1:
            report.notes.append(f"events such as {event} carry nothing measured and are skipped")
    flush_calls()
    for stay in stays.values():
        report.reject(
            stay.row, f"call {stay.call_id} in {stay.queue} has no end in this file (not imported)"
        )
    for agent_id, clock in clocks.items():
        if clock.logged_in_at is not None and clock.since is not None:
            report.notes.append(
                f"agent #{agent_id} was still logged in at the end of the file: time since "
                f"{timezone.localtime(clock.since):%Y-%m-%d %H:%M} comes with the next file"
            )
    spans_inserted = _write_spans(clocks, first_at, last_at)
    if spans_inserted:
        report.notes.append(f"{spans_inserted:,} agent state spans imported")
    audit_record(actor=actor, action="import", message=report.as_text().splitlines()[0])
    return report


def _write_spans(clocks: dict[int, _AgentClock], first_at, last_at) -> int:
    """Write the replayed state spans, cut at midnight, with their in-shift seconds;
    spans overlapping the agent's console-recorded time are skipped."""
    if first_at is None:
        return 0
    total = 0
    for agent_id, clock in clocks.items():
        if not clock.spans:
            continue
        start = clock.spans[0][2]
        end = clock.spans[-1][3]
        shifts = list(
            Shift.objects.filter(
                agent_id=agent_id, starts_at__lt=end, ends_at__gt=start
            ).values_list("id", "starts_at", "ends_at")
        )
        windows = [(s_from, s_to) for _, s_from, s_to in shifts]
        console = list(
            AgentStateSpan.objects.filter(
                agent_id=agent_id,
                source=StateSource.CONSOLE,
                started_at__lt=end,
                ended_at__gt=start,
            ).values_list("started_at", "ended_at")
        )
        rows = []
        for state, reason, s_start, s_end in clock.spans:
            if console and overlap_seconds(s_start, s_end, console):
                continue
            for p_start, p_end, p_day in split_at_midnight(s_start, s_end):
                rows.append(
                    AgentStateSpan(
                        agent_id=agent_id,
                        state=state,
                        reason=reason,
                        started_at=p_start,
                        ended_at=p_end,
                        day=p_day,
                        seconds=seconds_between(p_start, p_end),
                        in_shift_seconds=overlap_seconds(p_start, p_end, windows),
                        source=StateSource.QUEUE_LOG,
                    )
                )
        with transaction.atomic():
            before = AgentStateSpan.objects.filter(agent_id=agent_id).count()
            AgentStateSpan.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
            total += AgentStateSpan.objects.filter(agent_id=agent_id).count() - before
            intervals = [(r.started_at, r.ended_at) for r in rows]
            attended = [
                pk for pk, s_from, s_to in shifts if overlap_seconds(s_from, s_to, intervals)
            ]
            if attended:
                Shift.objects.filter(pk__in=attended, attended=False).update(attended=True)
    return total


def open_text(path: str) -> io.TextIOBase:
    """A PBX file as text: UTF-8, undecodable bytes replaced (caller names in odd
    encodings must not stop an import)."""
    return open(path, encoding="utf-8", errors="replace", newline="")
