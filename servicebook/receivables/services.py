"""Writes of the receivables app: collection policies, protections, promises to pay, and
the nightly collections run.

The run (`collections_run`) is set-based. Per as-of day it:

1. snapshots every delinquent account's undisputed past-due amount and oldest due date into
   `CollectionBalance` (one DELETE and one INSERT ... SELECT ... GROUP BY);
2. evaluates the promises whose day has passed (kept / broken), a few rows;
3. cancels the open processes of accounts brought current (one UPDATE per policy);
4. starts a process (position 0) for each newly delinquent account (bulk insert per policy);
5. records disconnections for the non-pay work orders completed since (few accounts);
6. per policy and step, selects the processes due for the next step with one query,
   marks the held ones with their reason (one UPDATE per protection), and takes the step
   for the rest in chunks: bulk-created actions and letters and one UPDATE of the
   processes per chunk, each chunk its own transaction. Only the steps that need another
   app's service per account (a fee invoice, a non-pay work order, an account status) call
   it, for the few accounts reaching them.

Running it twice for one day changes nothing the second time: a process that took a step
on the day (step_date = as_of) takes no other that day, and the unique key (process,
position, day) of CollectionAction refuses a double even after a kill mid-chunk (the chunk
rolled back whole).
"""

from __future__ import annotations

import datetime as dt
import string
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import CharField, DateField, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_record, audit_updated, snapshot
from servicebook.core.errors import ServiceError, ValidationFailed
from servicebook.core.models import BusinessCalendar
from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import require_capability
from servicebook.customers.choices import AccountStatus, CustomerClass
from servicebook.customers.models import Account
from servicebook.ledger.models import OpenItem, OpenItemKind
from servicebook.users.roles import Cap

from .models import (
    SEVERANCE_KINDS,
    CollectionAction,
    CollectionBalance,
    CollectionLetter,
    CollectionPolicy,
    CollectionProcess,
    CollectionStep,
    HoldReason,
    MedicalCertificate,
    Moratorium,
    ProcessStatus,
    PromiseStatus,
    PromiseToPay,
    StepKind,
    TemperatureReading,
)

CHUNK = 2000
# Steps that move the account's status when taken (through customers.account_set_status).
STATUS_OF_STEP = {
    StepKind.DISCONNECTION: AccountStatus.DISCONNECTED,
    StepKind.FINAL_BILL: AccountStatus.FINAL_BILLED,
    StepKind.WRITE_OFF: AccountStatus.WRITTEN_OFF,
}
# Accounts in these statuses start no new process.
NO_COLLECTION_STATUSES = (AccountStatus.CLOSED, AccountStatus.WRITTEN_OFF)


# --- Policies -------------------------------------------------------------------------------


@dataclass
class StepInput:
    """One step of a policy as entered."""

    kind: str
    min_balance: Decimal | str = "0.01"
    days_after: int = 0
    fee_amount: Decimal | str | None = None
    fee_item: object | None = None
    letter_template: str = ""


def _validate_steps(steps: list[StepInput]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not steps:
        return {"steps": ["A policy needs at least one step."]}
    kinds = [s.kind for s in steps]
    for n, step in enumerate(steps, start=1):
        if step.kind not in StepKind.values:
            errors.setdefault("steps", []).append(f"Step {n}: unknown kind “{step.kind}”.")
            continue
        try:
            if to_money(step.min_balance) <= 0:
                raise ArithmeticError
        except (ArithmeticError, TypeError, ValueError):
            errors.setdefault("steps", []).append(
                f"Step {n}: the minimum balance must be a positive amount."
            )
        if step.fee_amount not in (None, ""):
            try:
                if to_money(step.fee_amount) < 0:
                    raise ArithmeticError
            except (ArithmeticError, TypeError, ValueError):
                errors.setdefault("steps", []).append(f"Step {n}: the fee must be an amount.")
        if int(step.days_after) < 0:
            errors.setdefault("steps", []).append(f"Step {n}: days after cannot be negative.")
        if step.letter_template:
            problem = letter_template_problem(step.letter_template)
            if problem:
                errors.setdefault("steps", []).append(f"Step {n}: the letter template: {problem}")
        if step.kind == StepKind.DISCONNECTION and (
            n == 1 or kinds[n - 2] != StepKind.NONPAY_WORK_ORDER
        ):
            errors.setdefault("steps", []).append(
                f"Step {n}: a disconnection follows the non-pay work order step."
            )
        if step.kind == StepKind.NONPAY_WORK_ORDER and StepKind.DISCONNECTION not in kinds[n:]:
            errors.setdefault("steps", []).append(
                f"Step {n}: a non-pay work order needs a disconnection step after it."
            )
        if step.kind in SEVERANCE_KINDS and StepKind.DISCONNECT_NOTICE not in kinds[: n - 1]:
            errors.setdefault("steps", []).append(
                f"Step {n}: severance needs a disconnect notice step before it."
            )
    return errors


@transaction.atomic
def collection_policy_save(
    *,
    name: str,
    customer_class: str,
    jurisdiction: str = "",
    steps: list[StepInput],
    actor,
    policy: CollectionPolicy | None = None,
    **rules,
) -> CollectionPolicy:
    """Create a policy, or replace an existing one's rules and steps. Steps are numbered in
    the order given. A policy whose steps have been taken keeps them (the history points at
    them): change it by creating a new policy for the class and jurisdiction instead."""
    require_capability(actor, Cap.RECEIVABLES_POLICIES)
    errors = _validate_steps(steps)
    if not name.strip():
        errors["name"] = ["Name the policy."]
    if customer_class not in CustomerClass.values:
        errors["customer_class"] = ["Choose a customer class."]
    allowed = {
        "notice_min_days",
        "notice_valid_days",
        "min_temperature",
        "medical_postpone_days",
        "calendar",
        "cutoff_hour",
        "active",
    }
    unknown = set(rules) - allowed
    if unknown:
        raise ValueError(f"unknown policy fields {sorted(unknown)}")
    if rules.get("cutoff_hour") is not None and not 0 <= int(rules["cutoff_hour"]) <= 23:
        errors["cutoff_hour"] = ["An hour from 0 to 23."]
    if (
        rules.get("notice_min_days") is not None
        and rules.get("notice_valid_days") is not None
        and int(rules["notice_valid_days"]) <= int(rules["notice_min_days"])
    ):
        errors["notice_valid_days"] = ["The notice must stay valid longer than its minimum days."]
    clash = CollectionPolicy.objects.filter(
        customer_class=customer_class, jurisdiction=jurisdiction.strip()
    )
    if policy is not None:
        clash = clash.exclude(pk=policy.pk)
    if clash.exists():
        errors["jurisdiction"] = ["A policy for this class and jurisdiction exists already."]
    if policy is not None and CollectionAction.objects.filter(step__policy=policy).exists():
        errors["steps"] = [
            "Steps of this policy have been taken; create a new policy instead of editing them."
        ]
    if errors:
        raise ValidationFailed(errors)
    created = policy is None
    before = {} if created else snapshot(policy)
    policy = policy or CollectionPolicy()
    policy.name = name.strip()
    policy.customer_class = customer_class
    policy.jurisdiction = jurisdiction.strip()
    for key, value in rules.items():
        setattr(policy, key, value)
    policy.save()
    policy.steps.all().delete()
    CollectionStep.objects.bulk_create(
        CollectionStep(
            policy=policy,
            position=n,
            kind=s.kind,
            min_balance=to_money(s.min_balance),
            days_after=int(s.days_after),
            fee_amount=None if s.fee_amount in (None, "") else to_money(s.fee_amount),
            fee_item=s.fee_item,
            letter_template=s.letter_template,
        )
        for n, s in enumerate(steps, start=1)
    )
    summary = ", ".join(
        f"{n}. {s.kind} ≥{s.min_balance} +{s.days_after}d" for n, s in enumerate(steps, start=1)
    )
    if created:
        audit_created(actor=actor, obj=policy, message=f"Steps: {summary}")
    else:
        audit_updated(actor=actor, obj=policy, before=before, message=f"Steps: {summary}")
    return policy


def policy_for(account: Account) -> CollectionPolicy | None:
    """The active policy that collects an account: its class and jurisdiction's, else the
    class's default (blank jurisdiction)."""
    candidates = CollectionPolicy.objects.filter(
        active=True, customer_class=account.customer_class
    ).filter(Q(jurisdiction=account.jurisdiction) | Q(jurisdiction=""))
    return sorted(candidates, key=lambda p: p.jurisdiction == "")[0] if candidates else None


# --- Protections ----------------------------------------------------------------------------


@transaction.atomic
def medical_certificate_record(
    *,
    account: Account,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    note: str = "",
    actor,
) -> MedicalCertificate:
    """Record a medical certificate: no severance step for the account between the dates
    (by default for the policy's `medical_postpone_days` from the start)."""
    require_capability(actor, Cap.RECEIVABLES_COLLECT)
    if ends_on is None:
        policy = policy_for(account)
        ends_on = starts_on + dt.timedelta(days=policy.medical_postpone_days if policy else 30)
    if ends_on < starts_on:
        raise ValidationFailed({"ends_on": ["The certificate ends after it starts."]})
    certificate = MedicalCertificate.objects.create(
        account=account,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note.strip()[:300],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_created(actor=actor, obj=certificate, message=f"Medical certificate on {account}")
    return certificate


@transaction.atomic
def moratorium_save(
    *,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    jurisdiction: str = "",
    step_kinds: Iterable[str] = tuple(SEVERANCE_KINDS),
    actor,
) -> Moratorium:
    """A seasonal moratorium: the step kinds (severance by default) are not taken between
    the dates in the jurisdiction (blank: everywhere)."""
    require_capability(actor, Cap.RECEIVABLES_POLICIES)
    kinds = sorted(set(step_kinds))
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Name the moratorium."]
    if ends_on < starts_on:
        errors["ends_on"] = ["The moratorium ends after it starts."]
    bad = [k for k in kinds if k not in StepKind.values]
    if bad or not kinds:
        errors["step_kinds"] = [f"Choose the step kinds it blocks (unknown: {', '.join(bad)})."]
    if errors:
        raise ValidationFailed(errors)
    moratorium = Moratorium.objects.create(
        name=name.strip(),
        jurisdiction=jurisdiction.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        step_kinds=kinds,
    )
    audit_created(actor=actor, obj=moratorium)
    return moratorium


@transaction.atomic
def temperature_record(
    *, jurisdiction: str, on: dt.date, low_temperature: Decimal | str, actor
) -> TemperatureReading:
    """Enter (or correct) a jurisdiction's low for a day (°C)."""
    require_capability(actor, Cap.RECEIVABLES_POLICIES)
    try:
        value = Decimal(str(low_temperature)).quantize(Decimal("0.1"))
    except ArithmeticError as exc:
        raise ValidationFailed({"low_temperature": ["Enter a temperature."]}) from exc
    if not jurisdiction.strip():
        raise ValidationFailed({"jurisdiction": ["Name the jurisdiction."]})
    reading, _ = TemperatureReading.objects.update_or_create(
        jurisdiction=jurisdiction.strip(), on=on, defaults={"low_temperature": value}
    )
    audit_record(
        actor=actor,
        action="record",
        obj=reading,
        changes={"low_temperature": [None, str(value)]},
    )
    return reading


# --- Promises to pay ------------------------------------------------------------------------


@transaction.atomic
def promise_create(
    *,
    account: Account,
    amount: Decimal | str,
    promised_on: dt.date,
    follow_up_on: dt.date | None = None,
    note: str = "",
    actor,
    today: dt.date | None = None,
) -> PromiseToPay:
    """Record a promise to pay `amount` by `promised_on`. It holds the account's next
    collection step until that day; the run then marks it kept or broken. One open promise
    per account: a new one replaces (cancels) the open one."""
    require_capability(actor, Cap.RECEIVABLES_COLLECT)
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    try:
        value = to_money(amount)
        if value <= 0:
            raise ArithmeticError
    except (ArithmeticError, TypeError, ValueError):
        errors["amount"] = ["Enter a positive amount."]
        value = ZERO
    if promised_on < today:
        errors["promised_on"] = ["The promised day cannot be in the past."]
    if follow_up_on is not None and follow_up_on < today:
        errors["follow_up_on"] = ["The follow-up day cannot be in the past."]
    if errors:
        raise ValidationFailed(errors)
    PromiseToPay.objects.filter(account=account, status=PromiseStatus.OPEN).update(
        status=PromiseStatus.CANCELLED, evaluated_on=today
    )
    promise = PromiseToPay.objects.create(
        account=account,
        amount=value,
        promised_on=promised_on,
        follow_up_on=follow_up_on or promised_on + dt.timedelta(days=1),
        made_on=today,
        note=note.strip()[:300],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_created(actor=actor, obj=promise, message=f"Promise to pay on {account}")
    return promise


def _paid_since(promise_ref: str = "made_on", until_ref: str = "promised_on"):
    """Posted payments on the promise's account from the day it was made to its day."""
    from servicebook.payments.choices import PaymentStatus
    from servicebook.payments.models import Payment

    paid = (
        Payment.objects.filter(
            account_id=OuterRef("account_id"),
            status=PaymentStatus.POSTED,
            received_on__gte=OuterRef(promise_ref),
            received_on__lte=OuterRef(until_ref),
        )
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    from django.db.models import DecimalField, Subquery

    return Coalesce(
        Subquery(paid, output_field=DecimalField(max_digits=14, decimal_places=2)),
        Decimal("0.00"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def promises_evaluate(*, as_of: dt.date) -> tuple[int, int]:
    """Mark open promises kept (payments since made reach the amount: as soon as they do)
    or broken (their day has passed without). Returns (kept, broken). Few rows."""
    rows = list(
        PromiseToPay.objects.filter(status=PromiseStatus.OPEN, made_on__lte=as_of)
        .annotate(paid_now=_paid_since())
        .values_list("pk", "amount", "promised_on", "paid_now")
    )
    kept, broken = [], []
    for pk, amount, promised_on, paid in rows:
        paid = to_money(repr(paid) if isinstance(paid, float) else paid)
        if paid >= amount:
            kept.append((pk, paid))
        elif promised_on < as_of:
            broken.append((pk, paid))
    for status, group in ((PromiseStatus.KEPT, kept), (PromiseStatus.BROKEN, broken)):
        for pk, paid in group:
            PromiseToPay.objects.filter(pk=pk, status=PromiseStatus.OPEN).update(
                status=status, paid=paid, evaluated_on=as_of
            )
    return len(kept), len(broken)


# --- The collections run --------------------------------------------------------------------


@dataclass
class RunReport:
    """What one run did (the command prints it; the audit row keeps it)."""

    as_of: dt.date
    delinquent: int = 0
    started: int = 0
    cancelled: int = 0
    taken: Counter = field(default_factory=Counter)
    held: Counter = field(default_factory=Counter)
    promises_kept: int = 0
    promises_broken: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        taken = ", ".join(f"{k} {v:,}" for k, v in sorted(self.taken.items())) or "none"
        held = ", ".join(f"{k} {v:,}" for k, v in sorted(self.held.items())) or "none"
        return (
            f"as of {self.as_of}: {self.delinquent:,} delinquent accounts, "
            f"{self.started:,} processes started, {self.cancelled:,} cancelled; "
            f"steps taken: {taken}; held: {held}; promises kept {self.promises_kept}, "
            f"broken {self.promises_broken}; {len(self.errors)} errors; {self.seconds:.1f} s"
        )


def _snapshot_balances(as_of: dt.date) -> int:
    """Rewrite CollectionBalance: per account, the undisputed past-due amount of its open
    debits due before `as_of` and the oldest such due date. One INSERT ... SELECT in plain
    SQL both databases run (the ORM has no INSERT from a query); disputed parts are left
    out, so an account owing only disputed amounts is not delinquent."""
    qn = connection.ops.quote_name
    balance = qn(CollectionBalance._meta.db_table)
    item = qn(OpenItem._meta.db_table)
    sql = (
        f"INSERT INTO {balance} (account_id, as_of, past_due, oldest_due) "  # noqa: S608
        f"SELECT account_id, %s, ROUND(SUM(open_amount - disputed_amount), 2), "
        f"MIN(due_date) FROM {item} "
        f"WHERE kind = %s AND open_amount > disputed_amount AND due_date < %s "
        f"GROUP BY account_id"
    )
    with transaction.atomic():
        CollectionBalance.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(sql, [as_of, OpenItemKind.DEBIT, as_of])
            count = cursor.rowcount
        # A bankruptcy stay protects pre-petition debt only: an account under a stay that
        # owes past-due post-petition debt is collected for that amount alone (credit's
        # split); one owing only stayed debt keeps its row and is held (_credit_holds).
        try:
            from servicebook.credit.selectors import bankruptcy_post_petition_balances
        except ImportError:  # pragma: no cover - the app is always installed here
            return count
        for account_id, past_due, oldest_due in bankruptcy_post_petition_balances(as_of=as_of):
            CollectionBalance.objects.filter(account_id=account_id).update(
                past_due=past_due, oldest_due=oldest_due
            )
        return count


def _policies() -> list[tuple[CollectionPolicy, list[CollectionStep], Q]]:
    """The active policies with their steps and the accounts each covers (a Q on Account):
    its class in its jurisdiction, or, for a default policy, its class in every
    jurisdiction without a policy of its own."""
    policies = list(CollectionPolicy.objects.filter(active=True).prefetch_related("steps"))
    specific: dict[str, list[str]] = {}
    for p in policies:
        if p.jurisdiction:
            specific.setdefault(p.customer_class, []).append(p.jurisdiction)
    result = []
    for p in policies:
        steps = sorted(p.steps.all(), key=lambda s: s.position)
        if not steps:
            continue
        cover = Q(customer_class=p.customer_class)
        if p.jurisdiction:
            cover &= Q(jurisdiction=p.jurisdiction)
        elif specific.get(p.customer_class):
            cover &= ~Q(jurisdiction__in=specific[p.customer_class])
        result.append((p, steps, cover))
    return result


def _credit_holds(as_of: dt.date) -> list[tuple[str, QuerySet]]:
    """Account-id querysets of the credit app (bankruptcy stay, active arrangement), when
    it offers them. Receivables depends on credit, never the reverse."""
    holds = []
    try:
        from servicebook.credit import selectors as credit
    except ImportError:  # pragma: no cover - the app is always installed here
        return holds
    for reason, name in (
        # Held for a stay: only accounts whose past due is all pre-petition.
        (HoldReason.BANKRUPTCY, "bankruptcy_held_account_ids"),
        (HoldReason.ARRANGEMENT, "arrangement_protected_account_ids"),
    ):
        fn = getattr(credit, name, None)
        if fn is not None:
            holds.append((reason, fn(as_of=as_of)))
    return holds


def _credit_event(account: Account, kind: str, on: dt.date, actor) -> None:
    try:
        from servicebook.credit.services import credit_event_record
    except ImportError:
        return
    credit_event_record(account=account, kind=kind, on=on, actor=actor, source="collections")


def _credit_events_bulk(account_ids, kind: str, on: dt.date) -> None:
    try:
        from servicebook.credit.services import credit_events_record_bulk
    except ImportError:
        return
    credit_events_record_bulk(account_ids=account_ids, kind=kind, on=on, source="collections")


def is_protected_day(calendar: BusinessCalendar | None, day: dt.date) -> bool:
    """A day without working hours on the calendar (weekend) or one of its holidays."""
    if calendar is None:
        return False
    if not (calendar.weekly_hours or {}).get(str(day.weekday())):
        return True
    return calendar.holidays.filter(date=day).exists()


def _holds_for(
    *, policy: CollectionPolicy, step: CollectionStep, as_of: dt.date, credit_holds
) -> list[tuple[str, Q | None]]:
    """The protections that may hold `step` on `as_of`, most important first, each as a Q
    on CollectionProcess (None: every process of the policy is held)."""
    holds: list[tuple[str, Q | None]] = [
        (reason, Q(account_id__in=ids)) for reason, ids in credit_holds
    ]
    holds.append(
        (
            HoldReason.PROMISE,
            Q(
                account_id__in=PromiseToPay.objects.filter(
                    status__in=[PromiseStatus.OPEN, PromiseStatus.KEPT], promised_on__gte=as_of
                ).values("account_id")
            ),
        )
    )
    severance = step.kind in SEVERANCE_KINDS
    if severance:
        holds.append(
            (
                HoldReason.MEDICAL,
                Q(
                    account_id__in=MedicalCertificate.objects.filter(
                        starts_on__lte=as_of, ends_on__gte=as_of
                    ).values("account_id")
                ),
            )
        )
    moratoria = [
        m
        for m in Moratorium.objects.filter(starts_on__lte=as_of, ends_on__gte=as_of)
        if step.kind in m.step_kinds
    ]
    if moratoria:
        places = {m.jurisdiction for m in moratoria}
        holds.append(
            (HoldReason.MORATORIUM, None if "" in places else Q(account__jurisdiction__in=places))
        )
    if severance:
        if is_protected_day(policy.calendar, as_of):
            holds.append((HoldReason.PROTECTED_DAY, None))
        if policy.cutoff_hour is not None:
            now = timezone.localtime()
            if as_of == now.date() and now.hour >= policy.cutoff_hour:
                holds.append((HoldReason.CUTOFF, None))
        if policy.min_temperature is not None:
            cold = TemperatureReading.objects.filter(
                on=as_of, low_temperature__lt=policy.min_temperature
            ).values("jurisdiction")
            holds.append((HoldReason.TEMPERATURE, Q(account__jurisdiction__in=cold)))
        latest = as_of - dt.timedelta(days=policy.notice_min_days)
        holds.append((HoldReason.NO_NOTICE, Q(notice_on__isnull=True)))
        holds.append((HoldReason.NOTICE_PERIOD, Q(notice_on__gt=latest)))
    return holds


# The letter's placeholders, Python format fields ({amount_due}, {items}, ...): a letter is
# rendered for every delinquent account on a heavy night (100,000 at a million accounts),
# and str.format_map is about a hundred times faster than a Django template there.
LETTER_FIELDS = {
    "customer": "the customer's name",
    "account_number": "the account number",
    "amount_due": "the undisputed past-due amount",
    "items": "the past-due items, one line each: reference, due date, amount",
    "step": "the step's name",
    "step_date": "the step's day (YYYY-MM-DD)",
    "fee": "the step's fee (0.00 when none)",
    "policy": "the policy's name",
    "notice_days": "the policy's minimum notice days",
}


def letter_template_problem(text: str) -> str:
    """Why a letter template cannot be used, or '' (unknown field, bad braces)."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        return f"{exc} (write {{{{ and }}}} for a literal brace)"
    unknown = sorted(n for n in names if n not in LETTER_FIELDS)
    if unknown:
        return f"unknown field {{{unknown[0]}}}; known: " + ", ".join(
            f"{{{name}}}" for name in LETTER_FIELDS
        )
    return ""


def _render_letters(
    actions: list[tuple[int, int, Decimal, Decimal]],
    step: CollectionStep,
    policy: CollectionPolicy,
    as_of: dt.date,
    accounts: QuerySet | None = None,
) -> list[CollectionLetter]:
    """The step's letter for each (action id, account id, amount, fee), rendered with the
    account, its itemised past-due amounts and the step's date: two queries per chunk."""
    if not step.letter_template or not actions:
        return []
    # The chunk's accounts as a subquery when given (no list of ids in the SQL).
    account_ids = (
        accounts.values("account_id")
        if accounts is not None
        else [account_id for _, account_id, _, _ in actions]
    )
    accounts = {
        pk: (number, name)
        for pk, number, name in Account.objects.filter(pk__in=account_ids).values_list(
            "pk", "number", "customer__display_name"
        )
    }
    items: dict[int, list[str]] = {}
    for account_id, reference, due_date, open_amount, disputed in (
        OpenItem.objects.filter(
            account_id__in=account_ids,
            kind=OpenItemKind.DEBIT,
            open_amount__gt=F("disputed_amount"),
            due_date__lt=as_of,
        )
        .order_by("due_date", "id")
        .values_list("account_id", "reference", "due_date", "open_amount", "disputed_amount")
    ):
        amount = to_money(open_amount) - to_money(disputed)
        items.setdefault(account_id, []).append(f"  {reference}  due {due_date}  {amount}")
    common = {
        "step": step.get_kind_display(),
        "step_date": as_of.isoformat(),
        "policy": policy.name,
        "notice_days": policy.notice_min_days,
    }
    letters = []
    for action_id, account_id, amount, fee in actions:
        number, name = accounts[account_id]
        body = step.letter_template.format_map(
            {
                **common,
                "customer": name,
                "account_number": number,
                "amount_due": to_money(amount),
                "items": "\n".join(items.get(account_id, [])),
                "fee": to_money(fee or ZERO),
            }
        )
        letters.append(
            CollectionLetter(action_id=action_id, account_id=account_id, sent_on=as_of, body=body)
        )
    return letters


def _insert_letters(letters: list[CollectionLetter]) -> None:
    """Insert rendered letters with one executemany (no model round trip per row: a heavy
    night writes a hundred thousand)."""
    if not letters:
        return
    table = connection.ops.quote_name(CollectionLetter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (action_id, account_id, sent_on, body) "  # noqa: S608
            "VALUES (%s, %s, %s, %s)",
            [(x.action_id, x.account_id, x.sent_on, x.body) for x in letters],
        )


def _charge_fee(action: CollectionAction, step: CollectionStep, actor) -> None:
    """The step's fee on an invoice of its own, through billing (so it lands in the ledger
    as an invoice: receivable debit, fee income credit, an open item)."""
    from servicebook.billing.services import fee_invoice_issue

    amount = step.fee_amount
    if amount is None and step.fee_item is None:
        return
    invoice = fee_invoice_issue(
        account=Account.objects.get(pk=action.account_id),
        memo=f"{step.get_kind_display()} fee ({action.taken_on})",
        description=f"{step.get_kind_display()} fee",
        catalog_item=step.fee_item,
        amount=amount,
        issued_on=action.taken_on,
        actor=actor,
    )
    action.fee = invoice.total
    action.fee_invoice = invoice
    action.save(update_fields=["fee", "fee_invoice"])


def _raise_work_order(action: CollectionAction, process: CollectionProcess, actor) -> None:
    from servicebook.workorders.choices import WorkOrderType
    from servicebook.workorders.services import workorder_create

    account = Account.objects.get(pk=action.account_id)
    work_order = workorder_create(
        account=account,
        work_type=WorkOrderType.NONPAY_DISCONNECT,
        summary=f"Non-pay disconnect: {action.amount} past due",
        description=(
            f"Collections step {action.position} on {action.taken_on}; past due "
            f"{action.amount}. Check for a payment before disconnecting."
        ),
        actor=actor,
    )
    action.work_order = work_order
    action.save(update_fields=["work_order"])
    CollectionProcess.objects.filter(pk=process.pk).update(work_order=work_order)


def _written_off_owing(minimum: Decimal) -> QuerySet:
    """Account ids whose written-off debt not yet recovered is at least `minimum`."""
    from .models import WriteOff

    return (
        WriteOff.objects.values("account_id")
        .annotate(owing=Sum(F("amount") - F("recovered")))
        .filter(owing__gte=minimum)
        .values("account_id")
    )


def _write_off(action: CollectionAction, step: CollectionStep, actor) -> None:
    """The write-off step: the account's open undisputed debt written off with its ledger
    entries (receivables.writeoffs); nothing undisputed open, nothing written."""
    from .writeoffs import writable_amount, write_off_post

    account = Account.objects.get(pk=action.account_id)
    if writable_amount(account) > 0:
        write_off_post(
            account=account,
            actor=actor,
            reason=f"Collections: {step.get_kind_display()} on {action.taken_on}",
            on=action.taken_on,
            action=action,
        )


def _refer(action: CollectionAction, actor) -> None:
    """The agency-referral step: the written-off debt placed with the default agency."""
    from .models import WriteOff
    from .writeoffs import referral_place

    if WriteOff.objects.filter(account_id=action.account_id, recovered__lt=F("amount")).exists():
        referral_place(account=action.account, actor=actor, on=action.taken_on)


def _set_status(account_id: int, status: str, reason: str, actor) -> None:
    from servicebook.customers.services import account_set_status

    account = Account.objects.get(pk=account_id)
    if account.status != status:
        account_set_status(account=account, status=status, reason=reason, actor=actor)


def _insert_actions(candidates: QuerySet, step: CollectionStep, as_of: dt.date) -> int:
    """One INSERT ... SELECT: an action of `step` on `as_of` for each process of
    `candidates` (a CollectionProcess queryset), its amount the account's past-due from
    the run's snapshot."""
    try:
        inner, params = candidates.values("pk").query.sql_with_params()
    except EmptyResultSet:
        return 0
    qn = connection.ops.quote_name
    action = qn(CollectionAction._meta.db_table)
    process = qn(CollectionProcess._meta.db_table)
    balance = qn(CollectionBalance._meta.db_table)
    sql = (
        f"INSERT INTO {action} (process_id, account_id, step_id, position, kind, "  # noqa: S608
        f"taken_on, amount, fee, created_at) "
        f"SELECT p.id, p.account_id, %s, %s, %s, %s, COALESCE(b.past_due, 0), 0, %s "
        f"FROM {process} p LEFT JOIN {balance} b ON b.account_id = p.account_id "
        f"WHERE p.id IN ({inner})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [step.pk, step.position, step.kind, as_of, timezone.now(), *params])
        return cursor.rowcount


def _take_step(
    *,
    candidates: QuerySet,
    lo: int,
    hi: int,
    from_position: int,
    step: CollectionStep,
    steps: list[CollectionStep],
    policy: CollectionPolicy,
    as_of: dt.date,
    actor,
    report: RunReport,
) -> int:
    """Take `step` for the processes of `candidates` with ids from `lo` to `hi` (a chunk),
    in one transaction: one INSERT ... SELECT of the actions (the candidates re-checked in
    SQL: still open, still where the run found them, no step yet today), one UPDATE of
    the processes that got one, the letters in one batch; then the per-account services
    the step needs (fee, work order, status), each in a savepoint so one refusal is
    reported and does not undo the chunk. No id lists travel: the chunk is a range."""
    following = next((s for s in steps if s.position == step.position + 1), None)
    last = following is None
    chunk = candidates.filter(
        pk__gte=lo, pk__lte=hi, status=ProcessStatus.OPEN, position=from_position
    ).filter(Q(step_date__isnull=True) | Q(step_date__lt=as_of))
    with transaction.atomic():
        count = _insert_actions(chunk, step, as_of)
        if not count:
            return 0
        taken = CollectionAction.objects.filter(
            process_id__gte=lo, process_id__lte=hi, position=step.position, taken_on=as_of
        )
        changes = {
            "position": step.position,
            "step": step,
            "step_date": as_of,
            "next_step_on": (as_of + dt.timedelta(days=following.days_after))
            if following
            else None,
            "hold_reason": "",
            "held_on": None,
        }
        if step.kind == StepKind.DISCONNECT_NOTICE:
            changes["notice_on"] = as_of
        if last:
            changes.update(status=ProcessStatus.COMPLETED, closed_on=as_of)
        CollectionProcess.objects.filter(
            pk__gte=lo,
            pk__lte=hi,
            status=ProcessStatus.OPEN,
            position=from_position,
            pk__in=taken.values("process_id"),
        ).update(**changes)
        per_account = (
            step.fee_amount is not None
            or step.fee_item is not None
            or step.kind == StepKind.NONPAY_WORK_ORDER
            or step.kind in STATUS_OF_STEP
            or step.kind == StepKind.AGENCY_REFERRAL
        )
        if per_account:
            for action in taken.select_related("process"):
                try:
                    with transaction.atomic():
                        if step.fee_amount is not None or step.fee_item is not None:
                            _charge_fee(action, step, actor)
                        if step.kind == StepKind.NONPAY_WORK_ORDER:
                            _raise_work_order(action, action.process, actor)
                        if step.kind == StepKind.WRITE_OFF:
                            _write_off(action, step, actor)
                        if step.kind == StepKind.AGENCY_REFERRAL:
                            _refer(action, actor)
                        if step.kind in STATUS_OF_STEP:
                            _set_status(
                                action.account_id,
                                STATUS_OF_STEP[step.kind],
                                f"Collections: {step.get_kind_display()} on {as_of}",
                                actor,
                            )
                except ServiceError as exc:
                    report.errors.append(f"account {action.account_id}, {step.kind}: {exc.message}")
        rows = list(taken.values_list("pk", "account_id", "amount", "fee"))
        _insert_letters(_render_letters(rows, step, policy, as_of, accounts=taken))
        if step.position == 1:
            _credit_events_bulk(taken.values("account_id"), "late_payment", as_of)
    report.taken[step.kind] += count
    return count


def _record_disconnections(*, as_of: dt.date, actor, report: RunReport) -> None:
    """Processes whose non-pay work order has been completed take the disconnection step:
    the account's status becomes disconnected and the credit app records the event. Few
    accounts a night, so through the services, one at a time."""
    from servicebook.workorders.choices import WorkOrderStatus

    pending = CollectionProcess.objects.filter(
        status=ProcessStatus.OPEN,
        step__kind=StepKind.NONPAY_WORK_ORDER,
        work_order__status=WorkOrderStatus.COMPLETED,
    ).select_related("policy", "work_order")
    for process in pending:
        try:
            collection_disconnection_record(process=process, on=as_of, actor=actor)
            report.taken[StepKind.DISCONNECTION] += 1
        except ServiceError as exc:
            report.errors.append(f"account {process.account_id}, disconnection: {exc.message}")


@transaction.atomic
def collection_disconnection_record(
    *, process: CollectionProcess, on: dt.date, actor
) -> CollectionAction:
    """The non-pay work order of `process` was completed: take the disconnection step
    (action, account status disconnected, credit event). Idempotent: a second call for the
    same day returns the first action."""
    require_capability(actor, Cap.RECEIVABLES_COLLECT)
    process = CollectionProcess.objects.select_for_update(of=("self",)).get(pk=process.pk)
    step = (
        CollectionStep.objects.filter(
            policy_id=process.policy_id, kind=StepKind.DISCONNECTION, position__gt=process.position
        )
        .order_by("position")
        .first()
    )
    if step is None:
        raise ValidationFailed({"policy": ["The policy has no disconnection step."]})
    existing = CollectionAction.objects.filter(
        process=process, position=step.position, taken_on=on
    ).first()
    if existing is not None:
        return existing
    balance = CollectionBalance.objects.filter(account_id=process.account_id).first()
    action = CollectionAction.objects.create(
        process=process,
        account_id=process.account_id,
        step=step,
        position=step.position,
        kind=step.kind,
        taken_on=on,
        amount=balance.past_due if balance else ZERO,
        work_order=process.work_order,
    )
    following = CollectionStep.objects.filter(
        policy_id=process.policy_id, position=step.position + 1
    ).first()
    CollectionProcess.objects.filter(pk=process.pk).update(
        position=step.position,
        step=step,
        step_date=on,
        next_step_on=on + dt.timedelta(days=following.days_after) if following else None,
        hold_reason="",
        held_on=None,
        **({} if following else {"status": ProcessStatus.COMPLETED, "closed_on": on}),
    )
    _set_status(
        process.account_id,
        AccountStatus.DISCONNECTED,
        f"Collections: disconnected for non-pay (work order completed) on {on}",
        actor,
    )
    _credit_event(Account.objects.get(pk=process.account_id), "disconnection", on, actor)
    if step.letter_template:
        _insert_letters(
            _render_letters(
                [(action.pk, action.account_id, action.amount, action.fee)],
                step,
                process.policy,
                on,
            )
        )
    audit_record(
        actor=actor,
        action="disconnect",
        obj=process,
        changes={"position": [process.position, step.position]},
    )
    return action


def _insert_processes(newcomers: QuerySet, policy: CollectionPolicy, as_of: dt.date) -> int:
    """One INSERT ... SELECT: a process at position 0 for each account of `newcomers` (a
    CollectionBalance queryset). The one-open-process constraint makes a concurrent or
    repeated insert fail rather than double; the query itself skips accounts that have
    one. Position 0's next step day is worked out from the snapshot when shown (the oldest
    item changes as payments come in)."""
    select = newcomers.annotate(
        _policy=Value(policy.pk),
        _status=Value(ProcessStatus.OPEN, output_field=CharField()),
        _position=Value(0),
        _started=Value(as_of, output_field=DateField()),
        _hold=Value("", output_field=CharField()),
    ).values_list("account_id", "_policy", "_status", "_position", "_started", "_hold")
    try:
        inner, params = select.query.sql_with_params()
    except EmptyResultSet:
        return 0
    process = connection.ops.quote_name(CollectionProcess._meta.db_table)
    sql = (
        f"INSERT INTO {process} (account_id, policy_id, status, position, "
        f"started_on, hold_reason) {inner}"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _ranges(ids: list[int], size: int):
    """(first, last) id of each chunk of `size` of the sorted `ids`."""
    for start in range(0, len(ids), size):
        part = ids[start : start + size]
        yield part[0], part[-1]


def collections_run(
    *,
    as_of: dt.date,
    actor,
    chunk_size: int = CHUNK,
    log: Callable[[str], None] | None = None,
) -> RunReport:
    """Advance every delinquent account by at most one step of its policy on `as_of`
    (see the module's docstring). Idempotent for a day, restartable after a kill."""
    require_capability(actor, Cap.RECEIVABLES_COLLECT)
    started = time.monotonic()
    log = log or (lambda line: None)
    report = RunReport(as_of=as_of)
    report.delinquent = _snapshot_balances(as_of)
    log(f"snapshot: {report.delinquent:,} delinquent accounts")
    report.promises_kept, report.promises_broken = promises_evaluate(as_of=as_of)
    credit_holds = _credit_holds(as_of)
    policies = _policies()
    balances = CollectionBalance.objects.all()

    for policy, steps, cover in policies:
        first = steps[0]
        current = balances.filter(past_due__gte=first.min_balance).values("account_id")
        # Brought current: the undisputed past-due is below the first step's minimum.
        # Written-off debt that is not recovered keeps the process going (the agency
        # referral after the write-off step): the write-off itself brings nobody current.
        report.cancelled += (
            CollectionProcess.objects.filter(policy=policy, status=ProcessStatus.OPEN)
            .exclude(account_id__in=current)
            .exclude(account_id__in=_written_off_owing(first.min_balance))
            .update(
                status=ProcessStatus.CANCELLED,
                closed_on=as_of,
                hold_reason="",
                held_on=None,
                next_step_on=None,
            )
        )
        # Newly delinquent: no open process, and no completed one that already worked this
        # debt (closed on or after the oldest past-due item fell due).
        newcomers = (
            balances.filter(past_due__gte=first.min_balance)
            .filter(account__in=Account.objects.filter(cover))
            .exclude(account__status__in=NO_COLLECTION_STATUSES)
            .filter(
                ~Exists(
                    CollectionProcess.objects.filter(
                        account_id=OuterRef("account_id"), status=ProcessStatus.OPEN
                    )
                ),
                ~Exists(
                    CollectionProcess.objects.filter(
                        account_id=OuterRef("account_id"),
                        status=ProcessStatus.COMPLETED,
                        closed_on__gte=OuterRef("oldest_due"),
                    )
                ),
            )
        )
        report.started += _insert_processes(newcomers, policy, as_of)
    log(f"processes: {report.started:,} started, {report.cancelled:,} cancelled")

    # Holds are re-evaluated every day: yesterday's reasons go, today's are written below.
    CollectionProcess.objects.filter(status=ProcessStatus.OPEN, held_on__lt=as_of).update(
        hold_reason="", held_on=None
    )
    _record_disconnections(as_of=as_of, actor=actor, report=report)

    written_off_at = {
        policy.pk: step.position
        for policy, steps, _cover in policies
        for step in steps
        if step.kind == StepKind.WRITE_OFF
    }
    for policy, steps, _cover in policies:
        by_position = {s.position: s for s in steps}
        notice = next((s for s in steps if s.kind == StepKind.DISCONNECT_NOTICE), None)
        for position in [0, *by_position]:
            step = by_position.get(position + 1)
            if step is None or step.kind == StepKind.DISCONNECTION:
                continue  # the end, or waiting for the non-pay work order's completion
            due_on = as_of - dt.timedelta(days=step.days_after)
            ready = balances.filter(past_due__gte=step.min_balance)
            if position == 0:
                ready = ready.filter(oldest_due__lte=due_on)
            owing = Q(account_id__in=ready.values("account_id"))
            if position >= written_off_at.get(policy.pk, position + 1):
                # After the write-off step the written-off debt is what is owed.
                owing |= Q(account_id__in=_written_off_owing(step.min_balance))
            queue = CollectionProcess.objects.filter(
                policy=policy, status=ProcessStatus.OPEN, position=position
            ).filter(owing)
            if position:
                queue = queue.filter(step_date__lte=due_on, step_date__lt=as_of)
            if step.kind in SEVERANCE_KINDS and notice is not None:
                # A disconnect notice older than its validity needs a new one first.
                stale = as_of - dt.timedelta(days=policy.notice_valid_days)
                expired = queue.filter(notice_on__lt=stale)
                renew = list(expired.order_by("pk").values_list("pk", flat=True))
                for lo, hi in _ranges(renew, chunk_size):
                    _take_step(
                        candidates=expired,
                        lo=lo,
                        hi=hi,
                        from_position=position,
                        step=notice,
                        steps=steps,
                        policy=policy,
                        as_of=as_of,
                        actor=actor,
                        report=report,
                    )
                queue = queue.exclude(notice_on__lt=stale)
            for reason, condition in _holds_for(
                policy=policy, step=step, as_of=as_of, credit_holds=credit_holds
            ):
                held = queue if condition is None else queue.filter(condition)
                report.held[reason] += held.update(hold_reason=reason, held_on=as_of)
                if condition is None:
                    queue = queue.none()
                    break
                queue = queue.exclude(condition)
            movers = list(queue.order_by("pk").values_list("pk", flat=True))
            for lo, hi in _ranges(movers, chunk_size):
                _take_step(
                    candidates=queue,
                    lo=lo,
                    hi=hi,
                    from_position=position,
                    step=step,
                    steps=steps,
                    policy=policy,
                    as_of=as_of,
                    actor=actor,
                    report=report,
                )
            if movers:
                log(f"{policy}: {step.kind} taken for {len(movers):,}")
    report.seconds = time.monotonic() - started
    audit_record(
        actor=actor,
        action="collections_run",
        message=f"Collections run {report.summary()}",
    )
    return report


def run_user(username: str | None = None):
    """Who the nightly run acts as: the named user, else the first active administrator
    (the run raises fees, work orders and status changes, which need their capabilities)."""
    from servicebook.users.models import User
    from servicebook.users.roles import Role

    users = User.objects.filter(is_active=True)
    if username:
        return users.filter(username=username).first()
    return users.filter(role=Role.ADMIN).order_by("pk").first()
