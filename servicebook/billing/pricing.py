"""The arithmetic of billing, in one place and without side effects: line amounts, taxes,
proration of recurring charges, and the journal lines of an invoice or credit note.

Both the services (one invoice at a time) and the bill run's bulk path call these, so the
two produce the same amounts and the same postings by construction; a test checks it.

Rounding (PRODUCT.md): half-up to cents AT THE LINE. A line's amount is
quantity x unit price rounded once; its tax is amount x rate rounded once; totals are sums
of rounded lines, never rounded again.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from servicebook.core.money import ZERO, to_money

from .choices import FREQUENCY_MONTHS, ItemKind

UNIT_PRICE = Decimal("0.0001")


def unit_price(value: Decimal) -> Decimal:
    """A unit price to four places, half-up (prorated prices are not whole cents)."""
    return Decimal(value).quantize(UNIT_PRICE, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, price: Decimal) -> Decimal:
    return to_money(Decimal(quantity) * Decimal(price))


def line_tax(amount: Decimal, rate: Decimal) -> Decimal:
    return to_money(Decimal(amount) * Decimal(rate))


# --- Periods and proration -------------------------------------------------------------------


def parse_period(text: str) -> dt.date:
    """ "2026-05" -> date(2026, 5, 1); ValueError for anything else."""
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        return dt.date(int(year), int(month), 1)
    except ValueError as exc:
        raise ValueError(f"“{text}” is not a month written YYYY-MM") from exc


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` after day's month (day must be a first)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class BillablePeriod:
    """One service period of a charge to bill: the whole period and the days of it the
    charge was active (fewer on the first and last period: proration)."""

    start: dt.date
    end: dt.date
    active_start: dt.date
    active_end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def active_days(self) -> int:
        return (self.active_end - self.active_start).days + 1

    @property
    def prorated(self) -> bool:
        return self.active_days != self.days


def billable_periods(
    *,
    start: dt.date,
    end: dt.date | None,
    billed_through: dt.date | None,
    frequency: str,
    run_month: dt.date,
) -> list[BillablePeriod]:
    """The periods of a recurring charge that the run for `run_month` bills.

    Convention (docs/billing.md): periods are anchored on the first of the month the charge
    starts and last 1, 3 or 12 months; a period is billed in advance, by the run of the
    month it starts in (or a later run, if that one missed it: catch-up); only days from
    the charge's start to its end (inclusive) are billed, prorated by days in the period.
    Periods ending on or before `billed_through` were billed already.
    """
    months = FREQUENCY_MONTHS[frequency]
    anchor = start.replace(day=1)
    periods = []
    k = 0
    if billed_through is not None:
        # Start at the first period that ends after billed_through instead of walking
        # there from the anchor: a charge started years ago walked a period per month on
        # every run (a third of a million-account bill run's time, cProfile). Period k ends
        # the day before add_months(anchor, (k + 1) * months), so the periods with
        # (k + 1) * months <= (months from the anchor to the day after billed_through) are
        # done.
        after = billed_through + dt.timedelta(days=1)
        elapsed = (after.year - anchor.year) * 12 + after.month - anchor.month
        k = max(0, elapsed // months)
    while True:
        p_start = add_months(anchor, k * months)
        if p_start > run_month:
            break
        p_end = add_months(anchor, (k + 1) * months) - dt.timedelta(days=1)
        k += 1
        if billed_through is not None and p_end <= billed_through:
            continue
        if end is not None and p_start > end:
            break
        active_start = max(p_start, start)
        if billed_through is not None:
            active_start = max(active_start, billed_through + dt.timedelta(days=1))
        active_end = min(p_end, end) if end is not None else p_end
        if active_end < active_start:
            continue
        periods.append(BillablePeriod(p_start, p_end, active_start, active_end))
    return periods


@dataclass(frozen=True)
class ChargeInfo:
    """What the bill run needs to know about a recurring charge (plain values, so the bulk
    path can load them with values_list)."""

    id: int
    account_id: int
    quantity: Decimal
    price_override: Decimal | None
    frequency: str
    start_date: dt.date
    end_date: dt.date | None
    agreement_end: dt.date | None
    billed_through: dt.date | None
    item_id: int
    item_name: str
    item_unit: str
    item_price: Decimal
    tax_code_id: int | None
    revenue_account_id: int

    @property
    def effective_end(self) -> dt.date | None:
        ends = [d for d in (self.end_date, self.agreement_end) if d is not None]
        return min(ends) if ends else None

    @property
    def price_per_period(self) -> Decimal:
        if self.price_override is not None:
            return self.price_override
        return self.item_price * FREQUENCY_MONTHS[self.frequency]


@dataclass(frozen=True)
class LineSpec:
    """An invoice line to write, with its amounts already rounded."""

    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    tax_code_id: int | None
    tax_rate: Decimal
    tax_amount: Decimal
    revenue_account_id: int
    catalog_item_id: int | None = None
    recurring_charge_id: int | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None


def _period_text(period: BillablePeriod) -> str:
    text = f"{period.active_start:%b} {period.active_start.day} to {period.active_end:%b} "
    text += f"{period.active_end.day}, {period.active_end.year}"
    if period.prorated:
        text += f" (prorated {period.active_days}/{period.days} days)"
    return text


def recurring_lines(
    charges: Iterable[ChargeInfo], *, run_month: dt.date, rate_of
) -> list[tuple[LineSpec, dt.date]]:
    """The invoice lines of an account's charges for a run, each with the charge's new
    `billed_through`. `rate_of(tax_code_id)` gives the tax rate that applies."""
    result = []
    for charge in sorted(charges, key=lambda c: (c.start_date, c.id)):
        periods = billable_periods(
            start=charge.start_date,
            end=charge.effective_end,
            billed_through=charge.billed_through,
            frequency=charge.frequency,
            run_month=run_month,
        )
        for period in periods:
            price = charge.price_per_period
            if period.prorated:
                price = unit_price(price * period.active_days / period.days)
            amount = line_amount(charge.quantity, price)
            rate = rate_of(charge.tax_code_id) if charge.tax_code_id else Decimal("0")
            spec = LineSpec(
                kind=ItemKind.RECURRING,
                description=f"{charge.item_name}, {_period_text(period)}",
                quantity=charge.quantity,
                unit=charge.item_unit,
                unit_price=unit_price(price),
                amount=amount,
                tax_code_id=charge.tax_code_id,
                tax_rate=rate,
                tax_amount=line_tax(amount, rate),
                revenue_account_id=charge.revenue_account_id,
                catalog_item_id=charge.item_id,
                recurring_charge_id=charge.id,
                period_start=period.active_start,
                period_end=period.active_end,
            )
            result.append((spec, period.active_end))
    return result


# --- Postings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    tax_total: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax_total


def totals_of(lines: Iterable) -> Totals:
    """Sums of the rounded lines (objects or LineSpecs with amount and tax_amount)."""
    subtotal = ZERO
    tax = ZERO
    for line in lines:
        subtotal += line.amount
        tax += line.tax_amount
    return Totals(subtotal, tax)


def invoice_postings(
    lines: Iterable, *, account_id: int, receivable_id: int, tax_payable_id: int, sign: int = 1
) -> list[tuple[int, Decimal, int | None]]:
    """The journal lines (ledger account id, signed amount, customer account id) of an
    invoice (sign=1) or of a credit note taking those lines back (sign=-1):

    receivable debited with the total (customer line), then each revenue account credited
    with its lines' amounts (in ledger account order), then tax payable with the tax.
    Groups that sum to zero are left out (a discount can cancel a charge)."""
    revenue: dict[int, Decimal] = defaultdict(lambda: ZERO)
    tax = ZERO
    for line in lines:
        revenue[line.revenue_account_id] += line.amount
        tax += line.tax_amount
    total = sum(revenue.values(), ZERO) + tax
    postings: list[tuple[int, Decimal, int | None]] = [(receivable_id, sign * total, account_id)]
    for ledger_id in sorted(revenue):
        if revenue[ledger_id]:
            postings.append((ledger_id, -sign * revenue[ledger_id], None))
    if tax:
        postings.append((tax_payable_id, -sign * tax, None))
    return postings
