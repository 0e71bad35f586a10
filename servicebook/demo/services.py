"""Install the reference data and the demo users, and seed the demo book of business.

`demo_reference_ensure` and `demo_users_ensure` are idempotent: they create what is missing
and leave what exists alone (a supervisor's edited SLA target survives a second run).
`demo_seed` writes the accounts and cases through the bulk writers and records the whole
load as ONE audit event: the per-row audit of the services is what a bulk path skips, so the
trail says plainly who loaded what and when.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps as django_apps
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from servicebook.cases.models import (
    CannedResponse,
    ChecklistItem,
    ChecklistTemplate,
    Queue,
    ResolutionCode,
    SlaPolicy,
)
from servicebook.cases.services import CASE_NUMBER_SEQUENCE, case_number_for
from servicebook.core.calendar import STANDARD_WEEK, schedule_for
from servicebook.core.models import AuditEvent, BusinessCalendar, Holiday
from servicebook.core.sequences import sequence_reserve
from servicebook.customers.models import Account, ContactPhone, Program
from servicebook.customers.services import account_numbers_reserve
from servicebook.users.models import User
from servicebook.users.services import user_create

from . import reference as R
from .generator import DemoGenerator, Refs
from .lifecycle import ChecklistItemRef, PolicyRef
from .writers import writer_for

DEFAULT_CHUNK = 10_000
# From this many accounts on, PostgreSQL loads with its secondary indexes and foreign keys
# set aside (rebuilt at the end, in the same transaction): see demo.writers.PostgresWriter.
BULK_MIN_ACCOUNTS = 50_000


# --- Reference data ------------------------------------------------------------------------------


@transaction.atomic
def demo_reference_ensure() -> dict[str, int]:
    """Create the standard calendar with its holidays, SLA policies for every case type and
    priority, queues, resolution codes, canned responses, diagnostics checklists and
    programs, where missing. Returns how many rows of each kind were created."""
    created: dict[str, int] = {}

    def count(kind: str, was_created: bool) -> None:
        created[kind] = created.get(kind, 0) + int(was_created)

    calendar, new = BusinessCalendar.objects.get_or_create(
        name=R.CALENDAR_NAME,
        defaults={"time_zone": R.TIME_ZONE, "weekly_hours": STANDARD_WEEK},
    )
    count("calendars", new)
    for year in R.HOLIDAY_YEARS:
        for day, name in R.federal_holidays(year):
            _, new = Holiday.objects.get_or_create(
                calendar=calendar, date=day, defaults={"name": name}
            )
            count("holidays", new)

    queues = {}
    for slug, name, description, types in R.QUEUES:
        queue, new = Queue.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "description": description, "default_for_types": types},
        )
        queues[slug] = queue
        count("queues", new)

    escalations = queues["escalations"]
    for case_type, targets in R.SLA_TARGETS.items():
        for priority, (first_response, resolution) in targets.items():
            _, new = SlaPolicy.objects.get_or_create(
                case_type=case_type,
                priority=priority,
                defaults={
                    "calendar": calendar,
                    "first_response_minutes": first_response,
                    "resolution_minutes": resolution,
                    "at_risk_percent": 75,
                    # Urgent and high escalate by themselves when at risk; normal and low
                    # show up as at risk on the queues and wait for a person.
                    "auto_escalate": priority in ("urgent", "high"),
                    "escalation_queue": escalations,
                    # A dispute waiting on the meter shop or the bank is not the desk's delay.
                    "pause_on_third_party": case_type == "billing_dispute",
                },
            )
            count("sla_policies", new)

    for code, label, types in R.RESOLUTION_CODES:
        _, new = ResolutionCode.objects.get_or_create(
            code=code, defaults={"label": label, "case_types": types}
        )
        count("resolution_codes", new)
    for title, case_type, body in R.CANNED_RESPONSES:
        _, new = CannedResponse.objects.get_or_create(
            title=title, defaults={"case_type": case_type, "body": body}
        )
        count("canned_responses", new)
    for case_type, line_of_business, name, items in R.CHECKLISTS:
        template, new = ChecklistTemplate.objects.get_or_create(
            case_type=case_type, line_of_business=line_of_business, name=name
        )
        count("checklists", new)
        for position, (prompt, kind, choices, required) in enumerate(items, start=1):
            _, new = ChecklistItem.objects.get_or_create(
                template=template,
                position=position,
                defaults={
                    "prompt": prompt,
                    "answer_kind": kind,
                    "choices": choices,
                    "required": required,
                },
            )
            count("checklist_items", new)
    for code, name, description in R.PROGRAMS:
        _, new = Program.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )
        count("programs", new)
    return created


def demo_users_ensure() -> dict[str, User]:
    """One demo user per role (password DEMO_PASSWORD), created through user_create so the
    password policy and the audit trail apply; each joins the queues of its work."""
    users = {}
    for username, role, first, last, superuser in R.DEMO_USERS:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=R.DEMO_PASSWORD,
                role=role,
                first_name=first,
                last_name=last,
                email=f"{username}@example.com",
                is_superuser=superuser,
                actor=None,
            )
        users[username] = user
    for slug, members in R.QUEUE_MEMBERS.items():
        queue = Queue.objects.filter(slug=slug).first()
        if queue is not None:
            queue.members.add(*(users[m] for m in members if m in users))
    return users


def demo_refs() -> Refs:
    """The primary keys of the reference rows, as the generator needs them."""
    calendar = BusinessCalendar.objects.prefetch_related("holidays").get(name=R.CALENDAR_NAME)
    queues_by_slug = {q.slug: q for q in Queue.objects.filter(active=True)}
    by_type = {}
    for queue in queues_by_slug.values():
        for case_type in queue.default_for_types or []:
            by_type.setdefault(case_type, (queue.pk, queue.name))
    escalations = queues_by_slug.get("escalations")
    policies = {}
    for p in SlaPolicy.objects.select_related("escalation_queue"):
        policies[(p.case_type, p.priority)] = PolicyRef(
            id=p.pk,
            first_response_minutes=p.first_response_minutes,
            resolution_minutes=p.resolution_minutes,
            at_risk_percent=p.at_risk_percent,
            auto_escalate=p.auto_escalate,
            pause_on_third_party=p.pause_on_third_party,
            escalation_queue_id=p.escalation_queue_id,
            escalation_queue_name=p.escalation_queue.name if p.escalation_queue else None,
        )
    codes = list(ResolutionCode.objects.filter(active=True))
    resolution_codes = {}
    for case_type in R.SLA_TARGETS:
        # Prefer the codes written for the type; the catch-alls (duplicate, withdrew) are
        # real but rare endings.
        specific = [(c.pk, c.code) for c in codes if case_type in (c.case_types or [])]
        resolution_codes[case_type] = specific or [(c.pk, c.code) for c in codes]
    items: dict[tuple[str, str], list[ChecklistItemRef]] = {}
    for item in ChecklistItem.objects.filter(template__active=True).select_related("template"):
        key = (item.template.case_type, item.template.line_of_business)
        items.setdefault(key, []).append(
            ChecklistItemRef(
                id=item.pk,
                prompt=item.prompt,
                answer_kind=item.answer_kind,
                choices=tuple(item.choices or ()),
                required=item.required,
            )
        )
    return Refs(
        schedule=schedule_for(calendar),
        policies=policies,
        queues=by_type,
        escalation_queue=(escalations.pk, escalations.name) if escalations else None,
        resolution_codes=resolution_codes,
        checklist_items=items,
        programs=dict(Program.objects.filter(active=True).values_list("code", "pk")),
        users={u.username: u.pk for u in User.objects.filter(username__startswith="demo.")},
    )


# --- The seed ------------------------------------------------------------------------------------


@dataclass
class Showcase:
    name: str
    number: str
    phone: str


@dataclass
class SeedResult:
    accounts: int
    rows: dict[str, int]
    case_statuses: dict[str, int]
    seconds: float
    showcase: Showcase | None
    reference_created: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def demo_data_present() -> bool:
    return Account.objects.exists()


def showcase_account() -> Showcase | None:
    """The account with the showcase phone, if there is one."""
    phone = (
        ContactPhone.objects.filter(e164=R.SHOWCASE_PHONE)
        .select_related("account__customer")
        .order_by("id")
        .first()
    )
    if phone is None:
        return None
    return Showcase(
        name=phone.account.customer.display_name,
        number=phone.account.number,
        phone=R.SHOWCASE_PHONE_DISPLAY,
    )


def _case_numbers() -> Callable[[], str]:
    """Case numbers from the case sequence, reserved in growing blocks. A block's unused
    tail at the end of the seed is a gap in the numbering, never a duplicate."""

    def numbers():
        block = 100
        while True:
            first = sequence_reserve(CASE_NUMBER_SEQUENCE, block)
            for value in range(first, first + block):
                yield case_number_for(value)
            block = min(block * 4, 20_000)

    return numbers().__next__


def demo_seed(
    *,
    accounts: int,
    seed: int,
    now: dt.datetime | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    log: Callable[[str], None] = lambda line: None,
    using: str = "default",
) -> SeedResult:
    """Install the reference data and demo users, then write `accounts` demo accounts with
    everything hanging off them, deterministically from `seed`.

    The accounts are written in one transaction (all or nothing). Account numbers come from
    the account sequence and case numbers from the case sequence, so seeded rows never
    collide with rows the services create.
    """
    if accounts < 0:
        raise ValueError("accounts must not be negative")
    started = time.monotonic()
    now = now or timezone.now()
    reference_created = demo_reference_ensure()
    demo_users_ensure()
    refs = demo_refs()
    with_showcase = accounts > 0 and showcase_account() is None
    generator = DemoGenerator(
        seed=seed, refs=refs, now=now, auto_close_days=settings.CASE_AUTO_CLOSE_DAYS
    )
    writer = writer_for(using, bulk=accounts >= BULK_MIN_ACCOUNTS, log=log)
    progress = {"accounts": 0, "rows": 0}
    load_started = time.monotonic()

    def done_callback(n_accounts: int, n_rows: int) -> Callable[[], None]:
        def done() -> None:
            progress["accounts"] += n_accounts
            progress["rows"] += n_rows
            elapsed = time.monotonic() - load_started
            rate = progress["accounts"] / elapsed if elapsed else 0.0
            log(
                f"  {progress['accounts']:>10,} / {accounts:,} accounts"
                f"  {progress['rows']:>12,} rows  {rate:>8,.0f} accounts/s  {elapsed:7.1f} s"
            )

        return done

    first_new_account = (Account.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    with writer:
        ids = writer.id_source()
        case_numbers = _case_numbers()
        for start in range(0, accounts, chunk_size):
            count = min(chunk_size, accounts - start)
            numbers = account_numbers_reserve(count)
            chunk = generator.build_chunk(
                numbers=numbers,
                ids=ids,
                case_numbers=case_numbers,
                showcase=with_showcase and start == 0,
            )
            writer.write(chunk, done_callback(count, sum(len(r) for r in chunk.values())))
        rows = {k: v for k, v in generator.counts.items() if v}
        statuses = dict(sorted(generator.status_counts.items()))
        writer.run(lambda: _audit_seed(accounts=accounts, seed=seed, rows=rows, statuses=statuses))
    new_accounts = Account.objects.filter(pk__gte=first_new_account)
    for label, step in app_seed_steps():
        step_started = time.monotonic()
        made = step(seed=seed, now=now, accounts=new_accounts, log=log) or {}
        rows.update({k: v for k, v in made.items() if v})
        log(f"  {label}: {sum(made.values()):,} rows in {time.monotonic() - step_started:.1f} s")
    if accounts >= 5_000:
        writer.analyze()
    return SeedResult(
        accounts=accounts,
        rows=rows,
        case_statuses=statuses,
        seconds=time.monotonic() - started,
        showcase=showcase_account(),
        reference_created={k: v for k, v in reference_created.items() if v},
    )


def app_seed_steps() -> list[tuple[str, Callable[..., dict[str, int]]]]:
    """The demo data of the apps above customers and cases, in INSTALLED_APPS order.

    An app adds to the demo book by having a `demo` module with
    `seed_demo(*, seed, now, accounts, log) -> {table: rows}`, where `accounts` is the
    queryset of the accounts this seed just wrote. It must be deterministic for the seed,
    create its own reference data idempotently, and use bulk writes (seed-demo loads a
    million accounts). Nothing here changes when an app joins.
    """
    steps = []
    for config in django_apps.get_app_configs():
        if not config.name.startswith("servicebook.") or config.label == "demo":
            continue
        module_name = f"{config.name}.demo"
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        steps.append((config.label, module.seed_demo))
    return steps


def _audit_seed(*, accounts: int, seed: int, rows: dict[str, int], statuses: dict) -> None:
    """The one audit row of a bulk seed (the bulk path writes no per-row audit)."""
    counts = ", ".join(f"{n:,} {name}" for name, n in rows.items())
    AuditEvent.objects.create(
        actor=None,
        actor_label="system",
        action="seed",
        object_repr="demo data",
        message=f"seed-demo: {accounts:,} accounts from seed {seed}: {counts}"[:500],
        changes={"accounts": accounts, "seed": seed, "rows": rows, "case_statuses": statuses},
    )
