"""The bill run: bill the recurring charges of a cycle's accounts for a month.

Idempotent, restartable, chunked, and shareable among workers (docs/billing.md):

* `BillRunItem` is unique per (account, period): an account is billed at most once a month,
  whatever happens (a second run, a restart, two workers on the same share);
* one `BillRun` per (cycle, period) keeps the progress; running again resumes it;
* accounts are taken in id order, in chunks; the bulk path writes a chunk in ONE transaction
  (the service path writes each account in its own), so a kill loses only the work in flight;
* `--worker K/N` takes the accounts whose block of 16 ids is K modulo N ((id // 16) % N == K).

Two paths write the same rows: `service` calls the invoice services account by account;
`bulk` (the default) computes the same lines with the same functions (billing.pricing) and
writes each table of a chunk with one set-based statement (COPY on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from servicebook.core.audit import audit_record
from servicebook.core.errors import ValidationFailed
from servicebook.core.money import ZERO
from servicebook.core.permissions import require_capability
from servicebook.core.sequences import sequence_reserve
from servicebook.ledger.models import (
    JournalEntry,
    JournalLine,
    OpenItem,
)
from servicebook.users.roles import Cap

from . import pricing
from .choices import BillRunStatus, InvoiceSource, InvoiceStatus
from .models import (
    BillCycle,
    BillingProfile,
    BillRun,
    BillRunItem,
    Invoice,
    InvoiceLine,
    RecurringCharge,
)
from .services import (
    INVOICE_SEQUENCE,
    LedgerIds,
    _issue,
    invoice_memo,
    invoice_number_for,
    tax_rates_for,
)

CHUNK_RETRIES = 5
# Consecutive account ids a worker takes together (`--worker K/N`: block (id // 16) % N == K).
SHARE_BLOCK = 16
# Chunks of pending account ids read with one query (see bill_run_execute).
PAGE_CHUNKS = 50


class ChunkConflict(Exception):
    """Something changed under a chunk (a charge, or another worker billed an account):
    roll the chunk back and do it again."""


# --- Starting and finishing -------------------------------------------------------------------


def bill_run_start(
    *, cycle: int, period: str, issued_on: dt.date | None = None, actor=None
) -> BillRun:
    """The run of a cycle for a month: created the first time, resumed afterwards (its issue
    date is kept, so every invoice of a run carries one date). `actor` None is the system
    (the command, a scheduled run); a person needs billing.run."""
    if actor is not None:
        require_capability(actor, Cap.BILLING_RUN)
    try:
        pricing.parse_period(period)
    except ValueError as exc:
        raise ValidationFailed({"period": [str(exc)]}) from exc
    bill_cycle = BillCycle.objects.filter(number=cycle).first()
    if bill_cycle is None:
        raise ValidationFailed({"cycle": [f"There is no bill cycle {cycle}."]})
    with transaction.atomic():
        run, created = BillRun.objects.get_or_create(
            cycle=bill_cycle,
            period=period,
            defaults={
                "issued_on": issued_on or timezone.localdate(),
                "started_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        BillRun.objects.filter(pk=run.pk).update(
            attempts=F("attempts") + 1,
            status=BillRunStatus.RUNNING,
            accounts_total=BillingProfile.objects.filter(cycle=bill_cycle).count(),
            progress_at=timezone.now(),
        )
        run.refresh_from_db()
        audit_record(
            actor=actor,
            action="start" if created else "resume",
            obj=run,
            message=f"Bill run cycle {cycle} {period}, attempt {run.attempts}",
        )
    return run


def pending_accounts(run: BillRun, *, worker: int = 0, workers: int = 1):
    """Account ids of the run's cycle not yet done for its period (this worker's share)."""
    done = BillRunItem.objects.filter(account_id=OuterRef("account_id"), period=run.period)
    profiles = BillingProfile.objects.filter(cycle_id=run.cycle_id).filter(~Exists(done))
    if workers > 1:
        # Blocks of SHARE_BLOCK consecutive ids, dealt round the workers. A plain id % N
        # lines up with any cycle assignment by id modulo (the demo's cycles are id % 4):
        # with two workers, one got the whole cycle and the other nothing.
        profiles = profiles.annotate(share=F("account_id") / SHARE_BLOCK % workers).filter(
            share=worker
        )
    return profiles.order_by("account_id").values_list("account_id", flat=True)


# The tables a run writes in bulk (PostgreSQL's planner statistics are refreshed after it).
BILLED_TABLES = (
    "billing_invoice",
    "billing_invoiceline",
    "billing_billrunitem",
    "ledger_openitem",
    "ledger_journalentry",
    "ledger_journalline",
)


def _finish_if_done(run: BillRun) -> BillRun:
    if not pending_accounts(run).exists():
        completed = BillRun.objects.filter(pk=run.pk, status=BillRunStatus.RUNNING).update(
            status=BillRunStatus.COMPLETED, finished_at=timezone.now()
        )
        if completed and connection.vendor == "postgresql":
            # A run writes millions of rows; until the statistics know, the planner takes
            # "issued" for a rare status and the account page's open invoices took 80 ms
            # instead of 0.1 (EXPLAIN ANALYZE at 1,000,000 accounts, autovacuum off).
            # autovacuum would get there eventually; the worker that completes the run
            # does it now (a sample per table: seconds).
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {', '.join(BILLED_TABLES)}")
    run.refresh_from_db()
    return run


@dataclass
class RunReport:
    accounts: int = 0
    invoices: int = 0
    amount: Decimal = ZERO
    chunks: int = 0
    retries: int = 0
    seconds: float = 0.0
    lines: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.accounts / self.seconds if self.seconds else 0.0


def bill_run_execute(
    run: BillRun,
    *,
    worker: int = 0,
    workers: int = 1,
    chunk_size: int | None = None,
    mode: str = "bulk",
    actor=None,
    log: Callable[[str], None] = lambda line: None,
    stop_after_chunks: int | None = None,
) -> RunReport:
    """Bill this worker's share of the run's pending accounts, chunk by chunk, logging a
    line per chunk. The run completes when no account of the cycle is left."""
    if not 0 <= worker < workers:
        raise ValidationFailed({"worker": ["Give the worker as K/N with 0 <= K < N."]})
    chunk_size = chunk_size or settings.BILL_RUN_CHUNK
    bill_chunk = _bill_chunk_bulk if mode == "bulk" else _bill_chunk_service
    report = RunReport()
    started = time.monotonic()
    after = 0
    page: list[int] = []
    context = RunContext.build(run, actor=actor)
    while stop_after_chunks is None or report.chunks < stop_after_chunks:
        if not page:
            # The pending ids a page of PAGE_CHUNKS chunks at a time: the query scans the
            # cycle's rest after `after` whatever the LIMIT (an anti-join, then the top N),
            # so one per chunk made a million-account run quadratic (480 ms a chunk at the
            # start of a cycle of 250,000, EXPLAIN ANALYZE).
            page = list(
                pending_accounts(run, worker=worker, workers=workers).filter(account_id__gt=after)[
                    : chunk_size * PAGE_CHUNKS
                ]
            )
            if not page:
                break
            after = page[-1]
        ids, page = page[:chunk_size], page[chunk_size:]
        for attempt in range(CHUNK_RETRIES + 1):
            try:
                invoices, amount = bill_chunk(context, ids)
                break
            except ChunkConflict:
                if attempt == CHUNK_RETRIES:
                    raise
                report.retries += 1
                # Someone else billed some of these accounts: take only what is left.
                ids = list(pending_accounts(run).filter(account_id__in=ids))
        report.chunks += 1
        report.accounts += len(ids)
        report.invoices += invoices
        report.amount += amount
        report.seconds = time.monotonic() - started
        line = (
            f"  chunk {report.chunks:>5}: {report.accounts:>10,} accounts "
            f"{report.invoices:>10,} invoices {report.amount:>16,.2f} "
            f"{report.rate:>8,.0f} accounts/s {report.seconds:8.1f} s"
        )
        report.lines.append(line)
        log(line)
    report.seconds = time.monotonic() - started
    _finish_if_done(run)
    return report


# --- What every chunk needs ----------------------------------------------------------------------


@dataclass
class RunContext:
    """What does not change during a run: the period, the issue date, the ledger accounts,
    tax rates per jurisdiction (loaded once each)."""

    run: BillRun
    run_month: dt.date
    ledger: LedgerIds
    actor: object
    rates: dict[str, dict[int, Decimal]] = field(default_factory=dict)

    @classmethod
    def build(cls, run: BillRun, *, actor=None) -> RunContext:
        return cls(
            run=run,
            run_month=pricing.parse_period(run.period),
            ledger=LedgerIds.current(),
            actor=actor,
        )

    def rates_for(self, jurisdiction: str) -> dict[int, Decimal]:
        if jurisdiction not in self.rates:
            self.rates[jurisdiction] = tax_rates_for(jurisdiction, self.run.issued_on)
        return self.rates[jurisdiction]


CHARGE_FIELDS = (
    "id",
    "account_id",
    "quantity",
    "price_override",
    "frequency",
    "start_date",
    "end_date",
    "agreement__end_date",
    "billed_through",
    "catalog_item_id",
    "catalog_item__name",
    "catalog_item__unit",
    "catalog_item__price",
    "catalog_item__tax_code_id",
    "catalog_item__revenue_account_id",
)


def _charges_of(account_ids: list[int], run_month: dt.date) -> dict[int, list[pricing.ChargeInfo]]:
    """The charges that may have a period to bill, by account, in one query."""
    rows = (
        RecurringCharge.objects.filter(
            account_id__in=account_ids, start_date__lte=pricing.month_end(run_month)
        )
        .filter(Q(billed_through__isnull=True) | Q(billed_through__lt=run_month))
        .values_list(*CHARGE_FIELDS)
    )
    by_account: dict[int, list[pricing.ChargeInfo]] = defaultdict(list)
    for row in rows:
        info = pricing.ChargeInfo(*row)
        by_account[info.account_id].append(info)
    return by_account


@dataclass
class AccountBill:
    """What the run bills one account: its lines and each charge's new billed_through."""

    account_id: int
    lines: list[pricing.LineSpec]
    advances: list[tuple[pricing.ChargeInfo, dt.date]]
    due_date: dt.date

    @property
    def totals(self) -> pricing.Totals:
        return pricing.totals_of(self.lines)

    @property
    def invoiced(self) -> bool:
        return bool(self.lines) and self.totals.total > 0


def _bills_for(context: RunContext, account_ids: list[int]) -> list[AccountBill]:
    charges = _charges_of(account_ids, context.run_month)
    profiles = dict(
        BillingProfile.objects.filter(account_id__in=account_ids).values_list(
            "account_id", "terms_days"
        )
    )
    jurisdictions = dict(
        BillingProfile.objects.filter(account_id__in=account_ids).values_list(
            "account_id", "account__jurisdiction"
        )
    )
    bills = []
    for account_id in account_ids:
        rates = context.rates_for(jurisdictions.get(account_id, ""))
        made = pricing.recurring_lines(
            charges.get(account_id, []),
            run_month=context.run_month,
            rate_of=lambda code_id, rates=rates: rates.get(code_id, Decimal("0")),
        )
        latest: dict[int, tuple[pricing.ChargeInfo, dt.date]] = {}
        for spec, through in made:
            info = next(c for c in charges[account_id] if c.id == spec.recurring_charge_id)
            latest[info.id] = (info, through)
        terms = profiles.get(account_id)
        terms = settings.BILLING_TERMS_DAYS if terms is None else terms
        bills.append(
            AccountBill(
                account_id=account_id,
                lines=[spec for spec, _ in made],
                advances=list(latest.values()),
                due_date=context.run.issued_on + dt.timedelta(days=terms),
            )
        )
    return bills


def _progress(context: RunContext, accounts: int, invoices: int, amount: Decimal) -> None:
    BillRun.objects.filter(pk=context.run.pk).update(
        accounts_done=F("accounts_done") + accounts,
        invoices_created=F("invoices_created") + invoices,
        amount_billed=F("amount_billed") + amount,
        progress_at=timezone.now(),
    )


# --- The service path: one account, one transaction ----------------------------------------


def _bill_chunk_service(context: RunContext, account_ids: list[int]) -> tuple[int, Decimal]:
    """Each account in its own transaction, through the invoice services."""
    invoices = 0
    amount = ZERO
    for account_id in account_ids:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    item = BillRunItem.objects.create(
                        bill_run=context.run,
                        account_id=account_id,
                        cycle=context.run.cycle.number,
                        period=context.run.period,
                    )
            except IntegrityError:
                continue  # billed already (another worker, an earlier attempt)
            (bill,) = _bills_for(context, [account_id])
            _advance_charges_service(bill)
            if bill.invoiced:
                invoice = Invoice.objects.create(
                    account_id=account_id,
                    source=InvoiceSource.BILL_RUN,
                    period=context.run.period,
                    bill_run=context.run,
                )
                InvoiceLine.objects.bulk_create(
                    _line_row(invoice.pk, position, spec)
                    for position, spec in enumerate(bill.lines, start=1)
                )
                invoice = _issue(
                    invoice=invoice,
                    actor=context.actor,
                    issued_on=context.run.issued_on,
                    ledger=context.ledger,
                )
                item.invoice = invoice
                item.save(update_fields=["invoice"])
                invoices += 1
                amount += invoice.total
            _progress(context, 1, int(bill.invoiced), bill.totals.total if bill.invoiced else ZERO)
    return invoices, amount


def _same(field_name: str, value) -> Q:
    """field = value, where None matches NULL (a compare-and-set on nullable columns)."""
    if value is None:
        return Q(**{f"{field_name}__isnull": True})
    return Q(**{field_name: value})


def _advance_charges_service(bill: AccountBill) -> None:
    """Move each billed charge's billed_through on, if nobody changed the charge since it
    was read (a stop or change meanwhile makes the account roll back and retry)."""
    for info, through in bill.advances:
        updated = (
            RecurringCharge.objects.filter(pk=info.id)
            .filter(_same("billed_through", info.billed_through), _same("end_date", info.end_date))
            .update(billed_through=through, updated_at=timezone.now())
        )
        if not updated:
            raise ChunkConflict("a recurring charge changed while it was billed")


def _line_row(invoice_id: int, position: int, spec: pricing.LineSpec) -> InvoiceLine:
    return InvoiceLine(
        invoice_id=invoice_id,
        position=position,
        kind=spec.kind,
        catalog_item_id=spec.catalog_item_id,
        description=spec.description,
        quantity=spec.quantity,
        unit=spec.unit,
        unit_price=spec.unit_price,
        amount=spec.amount,
        tax_code_id=spec.tax_code_id,
        tax_rate=spec.tax_rate,
        tax_amount=spec.tax_amount,
        revenue_account_id=spec.revenue_account_id,
        recurring_charge_id=spec.recurring_charge_id,
        period_start=spec.period_start,
        period_end=spec.period_end,
    )


# --- The bulk path: one chunk, one transaction, set-based ----------------------------------------


def _bill_chunk_bulk(context: RunContext, account_ids: list[int]) -> tuple[int, Decimal]:
    """Bill a chunk with set-based writes: the rows invoice_issue would write, for every
    account of the chunk at once."""
    bills = _bills_for(context, account_ids)
    invoiced = [b for b in bills if b.invoiced]
    # Numbers before the transaction: the sequence row is never held across a chunk, so
    # workers do not queue on it. A chunk that rolls back leaves a gap, never a duplicate.
    first_number = sequence_reserve(INVOICE_SEQUENCE, len(invoiced)) if invoiced else 0
    writer = bulk_writer()
    try:
        with transaction.atomic():
            _write_chunk(context, writer, bills, invoiced, first_number)
    except IntegrityError as exc:
        raise ChunkConflict(str(exc)) from exc
    total = sum((b.totals.total for b in invoiced), ZERO)
    return len(invoiced), total


def _write_chunk(context, writer, bills, invoiced, first_number) -> None:
    run = context.run
    now = timezone.now()
    actor_id = getattr(context.actor, "pk", None)
    n_lines = sum(len(b.lines) for b in invoiced)
    postings = {
        b.account_id: pricing.invoice_postings(
            b.lines,
            account_id=b.account_id,
            receivable_id=context.ledger.receivable,
            tax_payable_id=context.ledger.tax_payable,
        )
        for b in invoiced
    }
    n_postings = sum(len(p) for p in postings.values())
    entry_ids = writer.ids(JournalEntry, len(invoiced))
    item_ids = writer.ids(OpenItem, len(invoiced))
    invoice_ids = writer.ids(Invoice, len(invoiced))
    line_ids = iter(writer.ids(InvoiceLine, n_lines))
    posting_ids = iter(writer.ids(JournalLine, n_postings))
    run_item_ids = writer.ids(BillRunItem, len(bills))

    entries, journal_lines, open_items, invoices, lines = [], [], [], [], []
    balances: dict[int, Decimal] = {}
    invoice_of: dict[int, int] = {}
    for k, bill in enumerate(invoiced):
        number = invoice_number_for(first_number + k)
        totals = bill.totals
        entries.append(
            (
                entry_ids[k],
                now,
                run.issued_on,
                invoice_memo(number),
                "invoice",
                number,
                None,
                actor_id,
            )
        )
        for ledger_id, amount, customer in postings[bill.account_id]:
            journal_lines.append((next(posting_ids), entry_ids[k], ledger_id, customer, amount))
        open_items.append(
            (
                item_ids[k],
                bill.account_id,
                "debit",
                "invoice",
                number,
                "invoice",
                number,
                entry_ids[k],
                totals.total,
                totals.total,
                ZERO,
                run.issued_on,
                bill.due_date,
                None,
                now,
            )
        )
        invoices.append(
            (
                invoice_ids[k],
                now,
                now,
                number,
                bill.account_id,
                InvoiceStatus.ISSUED,
                InvoiceSource.BILL_RUN,
                run.issued_on,
                bill.due_date,
                run.period,
                totals.subtotal,
                totals.tax_total,
                totals.total,
                ZERO,
                "",
                entry_ids[k],
                item_ids[k],
                run.pk,
                None,
                now,
                actor_id,
            )
        )
        for position, spec in enumerate(bill.lines, start=1):
            lines.append(
                (
                    next(line_ids),
                    invoice_ids[k],
                    position,
                    spec.kind,
                    spec.catalog_item_id,
                    spec.description,
                    spec.quantity,
                    spec.unit,
                    spec.unit_price,
                    spec.amount,
                    spec.tax_code_id,
                    spec.tax_rate,
                    spec.tax_amount,
                    spec.revenue_account_id,
                    spec.recurring_charge_id,
                    spec.period_start,
                    spec.period_end,
                )
            )
        balances[bill.account_id] = totals.total
        invoice_of[bill.account_id] = invoice_ids[k]
    run_items = [
        (
            run_item_ids[k],
            run.pk,
            b.account_id,
            run.cycle.number,
            run.period,
            invoice_of.get(b.account_id),
            now,
        )
        for k, b in enumerate(bills)
    ]
    # The items first: a concurrent worker that billed one of these accounts makes this
    # insert fail on the unique key before anything else is written.
    writer.insert(BillRunItem, BULK_COLUMNS["item"], run_items)
    writer.insert(JournalEntry, BULK_COLUMNS["entry"], entries)
    writer.insert(JournalLine, BULK_COLUMNS["journal_line"], journal_lines)
    writer.insert(OpenItem, BULK_COLUMNS["open_item"], open_items)
    writer.insert(Invoice, BULK_COLUMNS["invoice"], invoices)
    writer.insert(InvoiceLine, BULK_COLUMNS["line"], lines)
    writer.add_balances(balances, now)
    advances = [(info, through) for b in bills for info, through in b.advances]
    if writer.advance_charges(advances, now) != len(advances):
        raise ChunkConflict("a recurring charge changed while the chunk was billed")
    if invoiced:
        audit_record(
            actor=context.actor,
            action="bill",
            obj=run,
            message=(
                f"Bill run {run.period} cycle {run.cycle.number}: {len(invoiced)} invoices "
                f"{invoice_number_for(first_number)}.."
                f"{invoice_number_for(first_number + len(invoiced) - 1)}"
            ),
            changes={"accounts": len(bills), "invoices": len(invoiced)},
        )
    _progress(context, len(bills), len(invoiced), sum((b.totals.total for b in invoiced), ZERO))


BULK_COLUMNS = {
    "item": ("id", "bill_run_id", "account_id", "cycle", "period", "invoice_id", "done_at"),
    "entry": (
        "id",
        "posted_at",
        "effective_date",
        "memo",
        "source_type",
        "source_id",
        "reverses_id",
        "created_by_id",
    ),
    "journal_line": ("id", "entry_id", "ledger_account_id", "account_id", "amount"),
    "open_item": (
        "id",
        "account_id",
        "kind",
        "document_type",
        "reference",
        "source_type",
        "source_id",
        "entry_id",
        "amount",
        "open_amount",
        "disputed_amount",
        "issued_on",
        "due_date",
        "closed_at",
        "created_at",
    ),
    "invoice": (
        "id",
        "created_at",
        "updated_at",
        "number",
        "account_id",
        "status",
        "source",
        "issued_on",
        "due_date",
        "period",
        "subtotal",
        "tax_total",
        "total",
        "credited_total",
        "memo",
        "entry_id",
        "open_item_id",
        "bill_run_id",
        "created_by_id",
        "issued_at",
        "issued_by_id",
    ),
    "line": (
        "id",
        "invoice_id",
        "position",
        "kind",
        "catalog_item_id",
        "description",
        "quantity",
        "unit",
        "unit_price",
        "amount",
        "tax_code_id",
        "tax_rate",
        "tax_amount",
        "revenue_account_id",
        "recurring_charge_id",
        "period_start",
        "period_end",
    ),
}


def bulk_writer():
    from .bulk import writer_for_connection

    return writer_for_connection(connection)
