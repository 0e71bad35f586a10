"""The coverage decision: does a contract cover this job, how much of each line, and what
is left for the customer to pay (and can their PO pay it).

`coverage_decision(work_order=...)` or `coverage_decision(account=, work_type=, lines=, on=)`
returns a `Decision`; it reads, never writes. Rules (docs/contracts.md):

* The contract is the account's active contract in force on the day (start <= day <= end)
  covering the job's location (a contract without locations covers all of them); the most
  specific (with locations) first. An expired or cancelled one covers nothing and says so.
* Each line is decided by the most specific coverage line that matches it: catalog item
  (+4), work type (+2), labour/parts (+1); on a tie an exclusion wins. No match: not
  covered. The covered share is amount x percent, half-up to the cent; the customer pays
  the rest.
* Included visits: when the contract counts them (visits_per_year > 0), completed work
  orders under it in the current contract year are the visits used; once they reach the
  number included, the job is not covered ("visits used up: 4 of 4").
* Work the contract does not cover is flagged for a quote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from servicebook.core.money import to_money
from servicebook.workorders.choices import WorkOrderStatus, WorkOrderType
from servicebook.workorders.models import WorkOrder

from .choices import AppliesTo, ContractStatus, Coverage, percent_label
from .models import ContractCoverage, CustomerPO, ServiceContract
from .selectors import open_pos_for

ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class JobLine:
    """A line of a job to decide on: labour or part, its amount, optionally its item."""

    kind: str
    description: str
    amount: Decimal
    catalog_item_id: int | None = None


@dataclass
class LineDecision:
    line: JobLine
    covered_percent: Decimal
    covered: Decimal
    customer: Decimal
    reason: str


@dataclass
class Decision:
    """What the contract does for a job (see the module docstring)."""

    coverage: str
    contract: ServiceContract | None = None
    lines: list[LineDecision] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    visits_included: int = 0
    visits_used: int = 0
    response_hours: int | None = None
    response_due: dt.datetime | None = None
    po: CustomerPO | None = None
    po_remaining: Decimal | None = None
    flag_for_quote: bool = False

    @property
    def covered_total(self) -> Decimal:
        return sum((d.covered for d in self.lines), ZERO)

    @property
    def customer_total(self) -> Decimal:
        return sum((d.customer for d in self.lines), ZERO)

    @property
    def po_short(self) -> bool:
        return self.po_remaining is not None and self.po_remaining < self.customer_total

    @property
    def label(self) -> str:
        return Coverage(self.coverage).label


def _work_type_label(work_type: str) -> str:
    try:
        return WorkOrderType(work_type).label.lower()
    except ValueError:
        return work_type


def contract_for(*, account_id: int, location_id: int | None, on: dt.date):
    """(the contract in force, the latest that no longer is) for an account's job."""
    rows = list(
        ServiceContract.objects.filter(account_id=account_id, start_date__lte=on)
        .exclude(status=ContractStatus.DRAFT)
        .prefetch_related("locations")
        .order_by("-end_date", "-id")
    )

    def fits(c: ServiceContract) -> bool:
        ids = {loc.pk for loc in c.locations.all()}
        return not ids or location_id in ids

    live = [c for c in rows if c.status == ContractStatus.ACTIVE and c.end_date >= on and fits(c)]
    live.sort(key=lambda c: (not c.locations.all(), c.pk))
    lapsed = next((c for c in rows if c not in live and fits(c)), None)
    return (live[0] if live else None), lapsed


def contract_year(contract: ServiceContract, on: dt.date) -> tuple[dt.date, dt.date]:
    """The contract year containing `on`: from an anniversary of the start date."""
    start = contract.start_date
    years = on.year - start.year
    if (on.month, on.day) < (start.month, start.day):
        years -= 1
    begin = _add_years(start, max(years, 0))
    return begin, _add_years(begin, 1) - dt.timedelta(days=1)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def visits_used(contract: ServiceContract, on: dt.date, *, work_order=None) -> int:
    """Completed (or closed) work orders under the contract in its year containing `on`;
    for a completed job, only those completed before it, so a later visit never turns an
    earlier, included one into an extra one."""
    begin, end = contract_year(contract, on)
    qs = WorkOrder.objects.filter(
        account_id=contract.account_id,
        status__in=[WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED],
        completed_at__date__gte=begin,
        completed_at__date__lte=end,
    )
    location_ids = [loc.pk for loc in contract.locations.all()]
    if location_ids:
        qs = qs.filter(location_id__in=location_ids)
    if work_order is not None:
        qs = qs.exclude(pk=work_order.pk)
        if work_order.completed_at is not None:
            at = work_order.completed_at
            qs = qs.filter(Q(completed_at__lt=at) | Q(completed_at=at, pk__lt=work_order.pk))
    return qs.count()


def _score(rule: ContractCoverage) -> tuple[int, bool]:
    score = (4 if rule.catalog_item_id else 0) + (2 if rule.work_type else 0)
    score += 1 if rule.applies_to != AppliesTo.BOTH else 0
    return score, rule.excluded


def _matches(rule: ContractCoverage, *, work_type: str, kind: str, item_id: int | None) -> bool:
    if rule.catalog_item_id and rule.catalog_item_id != item_id:
        return False
    if rule.work_type and rule.work_type != work_type:
        return False
    return rule.applies_to == AppliesTo.BOTH or rule.applies_to == kind


def _decide_line(rules, *, work_type: str, line: JobLine) -> LineDecision:
    candidates = [
        r
        for r in rules
        if _matches(r, work_type=work_type, kind=line.kind, item_id=line.catalog_item_id)
    ]
    what = f"{_work_type_label(work_type)} {'labour' if line.kind == 'labour' else 'parts'}"
    if not candidates:
        return LineDecision(line, ZERO, ZERO, line.amount, f"not covered: {what} not included")
    rule = max(candidates, key=_score)
    if rule.excluded:
        return LineDecision(line, ZERO, ZERO, line.amount, f"not covered: {what} is excluded")
    covered = to_money(line.amount * rule.covered_percent / HUNDRED)
    return LineDecision(
        line,
        rule.covered_percent,
        covered,
        line.amount - covered,
        f"{what}: {percent_label(rule.covered_percent)}% covered",
    )


def _type_rule(rules, work_type: str) -> ContractCoverage | None:
    """The best rule for the job as a whole (no item, any line kind): what an estimate
    without lines is decided by."""
    candidates = [r for r in rules if not r.catalog_item_id and r.work_type in ("", work_type)]
    candidates = [r for r in candidates if r.applies_to == AppliesTo.BOTH] or candidates
    return max(candidates, key=_score) if candidates else None


def work_order_lines(work_order: WorkOrder) -> list[JobLine]:
    return [
        JobLine(kind=x.kind, description=x.description, amount=x.amount)
        for x in work_order.lines.all()
    ]


def coverage_decision(
    *,
    work_order: WorkOrder | None = None,
    account=None,
    work_type: str = "",
    lines: list[JobLine] | None = None,
    location_id: int | None = None,
    on: dt.date | None = None,
    created_at: dt.datetime | None = None,
) -> Decision:
    """Decide a job's coverage (the module docstring has the rules)."""
    if work_order is not None:
        account_id = work_order.account_id
        work_type = work_order.work_type
        location_id = work_order.location_id
        lines = work_order_lines(work_order) if lines is None else lines
        when = work_order.completed_at or work_order.planned_start or work_order.created_at
        on = on or timezone.localdate(when)
        created_at = work_order.created_at
    else:
        account_id = account.pk if hasattr(account, "pk") else int(account)
        on = on or timezone.localdate()
        lines = lines or []
    contract, lapsed = contract_for(account_id=account_id, location_id=location_id, on=on)
    if contract is None:
        decision = Decision(coverage=Coverage.NO_CONTRACT)
        if lapsed is not None:
            state = "was cancelled" if lapsed.status == ContractStatus.CANCELLED else "expired"
            decision.reasons.append(
                f"not covered: contract {lapsed.number} {state}"
                + (f" on {lapsed.end_date:%b %d, %Y}" if state == "expired" else "")
            )
            decision.contract = None
        else:
            decision.reasons.append("no service contract covers this job")
        decision.lines = [
            LineDecision(line, ZERO, ZERO, line.amount, "no contract") for line in lines
        ]
        return decision

    rules = list(contract.coverage_lines.all())
    decision = Decision(coverage=Coverage.NOT_COVERED, contract=contract)
    decision.response_hours = contract.response_hours
    if contract.response_hours and created_at is not None:
        decision.response_due = created_at + dt.timedelta(hours=contract.response_hours)
    decision.visits_included = contract.visits_per_year
    used_up = False
    if contract.visits_per_year:
        decision.visits_used = visits_used(contract, on, work_order=work_order)
        used_up = decision.visits_used >= contract.visits_per_year
    if used_up:
        decision.reasons.append(
            f"visits used up: {decision.visits_used} of {contract.visits_per_year}"
        )
        decision.lines = [
            LineDecision(line, ZERO, ZERO, line.amount, "not covered: visits used up")
            for line in lines
        ]
    elif lines:
        decision.lines = [_decide_line(rules, work_type=work_type, line=line) for line in lines]
    if not used_up:
        if decision.lines:
            covered = [d for d in decision.lines if d.covered > 0]
            if covered and all(d.customer == 0 for d in decision.lines):
                decision.coverage = Coverage.COVERED
            elif covered:
                decision.coverage = Coverage.PARTLY
            reasons = []
            for d in decision.lines:
                if d.reason not in reasons:
                    reasons.append(d.reason)
            decision.reasons.extend(reasons)
        else:
            rule = _type_rule(rules, work_type)
            label = _work_type_label(work_type)
            if rule is None:
                decision.reasons.append(f"not covered: {label} not included")
            elif rule.excluded:
                decision.reasons.append(f"not covered: {label} is excluded")
            elif rule.covered_percent >= HUNDRED:
                decision.coverage = Coverage.COVERED
                decision.reasons.append(f"{label}: covered")
            elif rule.covered_percent > 0:
                decision.coverage = Coverage.PARTLY
                decision.reasons.append(f"{label}: {percent_label(rule.covered_percent)}% covered")
            else:
                decision.reasons.append(f"not covered: {label} at 0%")
    decision.flag_for_quote = decision.coverage == Coverage.NOT_COVERED
    pos = open_pos_for(account_id=account_id, contract_id=contract.pk, on=on)
    if pos:
        decision.po = pos[0]
        decision.po_remaining = pos[0].remaining
        if decision.customer_total > 0 and decision.po_short:
            decision.reasons.append(
                f"PO {decision.po.number}: {decision.po_remaining} remaining, "
                f"short of {decision.customer_total}"
            )
    elif decision.customer_total > 0:
        decision.reasons.append("no open customer PO for the customer's share")
    return decision
