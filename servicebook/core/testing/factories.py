"""Test factories for the whole project. They build rows through the services, so test
set-up follows the same rules as the product (STYLE rule 1)."""

from __future__ import annotations

import itertools

from servicebook.core.calendar import STANDARD_WEEK
from servicebook.core.models import BusinessCalendar

PASSWORD = "correct-horse-battery-staple-42"
_seq = itertools.count(1)


def make_user(role: str = "rep1", username: str | None = None, **extra):
    from servicebook.users.services import user_create

    n = next(_seq)
    return user_create(
        username=username or f"{role}{n}",
        password=PASSWORD,
        role=role,
        first_name=extra.pop("first_name", role.title()),
        last_name=extra.pop("last_name", f"User{n}"),
        actor=None,
        **extra,
    )


def make_account(
    *,
    actor=None,
    first_name: str = "Jane",
    last_name: str | None = None,
    phone: str | None = "(303) 555-0147",
    email: str | None = None,
    line1: str = "1420 Larimer St",
    city: str = "Denver",
    region: str = "CO",
    postal_code: str = "80202",
    line_of_business: str = "utility",
    organisation_name: str = "",
):
    """A person's account with a primary location and contact."""
    from servicebook.customers.services import ContactInput, LocationInput, account_open

    actor = actor or make_user("admin")
    n = next(_seq)
    last = last_name or f"Doe{n}"
    return account_open(
        kind="organisation" if organisation_name else "person",
        first_name=first_name,
        last_name=last,
        organisation_name=organisation_name,
        line_of_business=line_of_business,
        location=LocationInput(
            line1=line1,
            city=city,
            region=region,
            postal_code=postal_code,
            latitude="39.750000",
            longitude="-104.999000",
        ),
        contact=ContactInput(
            name=organisation_name or f"{first_name} {last}",
            phones=[(phone, "mobile")] if phone else [],
            emails=[email or f"{first_name.lower()}.{last.lower()}@example.com"],
        ),
        actor=actor,
    )


def make_calendar(
    name: str = "Standard", time_zone: str = "America/Denver", weekly=None, holidays=()
):
    cal = BusinessCalendar.objects.create(
        name=name, time_zone=time_zone, weekly_hours=weekly or STANDARD_WEEK
    )
    for day, label in holidays:
        cal.holidays.create(date=day, name=label)
    return cal


def make_policy(
    case_type="trouble_ticket",
    priority="normal",
    calendar=None,
    first_response=60,
    resolution=480,
    **extra,
):
    from servicebook.cases.models import SlaPolicy

    return SlaPolicy.objects.create(
        case_type=case_type,
        priority=priority,
        calendar=calendar or make_calendar(f"cal-{next(_seq)}"),
        first_response_minutes=first_response,
        resolution_minutes=resolution,
        **extra,
    )


def make_case(
    *,
    account=None,
    actor=None,
    case_type="trouble_ticket",
    priority="normal",
    subject="No dial tone",
    **extra,
):
    from servicebook.cases.services import case_open

    actor = actor or make_user("rep2")
    account = account or make_account(actor=actor)
    return case_open(
        account=account,
        case_type=case_type,
        priority=priority,
        subject=subject,
        actor=actor,
        **extra,
    )


# --- Work orders (servicebook.workorders) --------------------------------------------------------


def make_skill(code: str = "hvac", name: str | None = None):
    from servicebook.workorders.models import Skill

    skill, _ = Skill.objects.get_or_create(code=code, defaults={"name": name or code.upper()})
    return skill


def make_completion_code(code: str = "repaired", label: str = "Repaired", work_types=()):
    from servicebook.workorders.models import CompletionCode

    row, _ = CompletionCode.objects.get_or_create(
        code=code, defaults={"label": label, "work_types": list(work_types)}
    )
    return row


def make_work_order(
    *,
    account=None,
    actor=None,
    work_type: str = "repair",
    summary: str = "Furnace not heating",
    status: str = "new",
    now=None,
    **extra,
):
    """A work order through the services, moved on to `status` (scheduled tomorrow 09:00-10:00
    on the way there; completed with a generic resolution code)."""
    import datetime as dt

    from django.utils import timezone

    from servicebook.workorders import services as s

    actor = actor or make_user("admin")
    account = account or make_account(actor=actor)
    now = now or timezone.now()
    order = s.workorder_create(
        account=account, work_type=work_type, summary=summary, actor=actor, now=now, **extra
    )
    path = ["scheduled", "dispatched", "en_route", "on_site"]
    if status == "new":
        return order
    if status == "cancelled":
        return s.workorder_cancel(work_order=order, reason="test", actor=actor, now=now)
    start = order.window_start or (now + dt.timedelta(days=1)).replace(microsecond=0)
    order = s.workorder_schedule(
        work_order=order,
        planned_start=start,
        planned_end=start + dt.timedelta(minutes=order.estimated_minutes),
        actor=actor,
        now=now,
    )
    steps = {
        "dispatched": s.workorder_dispatch,
        "en_route": s.workorder_start_travel,
        "on_site": s.workorder_arrive,
    }
    target = "on_site" if status in ("completed", "incomplete", "closed") else status
    for step in path[1 : path.index(target) + 1]:
        order = steps[step](work_order=order, actor=actor, now=now)
    if status in ("completed", "closed"):
        order = s.workorder_complete(
            work_order=order,
            notes="Done",
            completion_code=make_completion_code(),
            signer_name="Jane Doe",
            actor=actor,
            now=now,
        )
    elif status == "incomplete":
        order = s.workorder_incomplete(
            work_order=order, reason="parts_needed", actor=actor, now=now
        )
    if status == "closed":
        order = s.workorder_close(work_order=order, actor=actor, now=now)
    return order


# --- Contact centre --------------------------------------------------------------------------


def make_agent(role: str = "rep1", *, extension: str | None = None, team=None, **extra):
    """A user who takes calls, with their PBX extension (and queue member PJSIP/<ext>)."""
    from servicebook.contact.services import agent_profile_set

    user = make_user(role, **extra)
    extension = extension or f"2{next(_seq):03d}"
    agent_profile_set(
        user=user,
        team=team,
        extension=extension,
        queue_member=f"PJSIP/{extension}",
        actor=make_user("supervisor"),
    )
    return user


def make_disposition(code: str = "answered", label: str = "Question answered", **extra):
    from servicebook.contact.models import Disposition

    return Disposition.objects.get_or_create(code=code, defaults={"label": label, **extra})[0]


# --- Billing -----------------------------------------------------------------------------------


def make_tax_code(code: str = "standard", rate: str = "0.0800", jurisdiction: str = ""):
    """A tax code with one rate in force since 2000 (blank jurisdiction: everywhere)."""
    import datetime as dt
    from decimal import Decimal

    from servicebook.billing.models import TaxCode, TaxRate

    tax_code, _ = TaxCode.objects.get_or_create(code=code, defaults={"name": code.title()})
    TaxRate.objects.get_or_create(
        tax_code=tax_code,
        jurisdiction=jurisdiction,
        valid_from=dt.date(2000, 1, 1),
        defaults={"rate": Decimal(rate)},
    )
    return tax_code


def make_catalog_item(
    code: str | None = None,
    *,
    kind: str = "labour",
    price: str = "100.00",
    unit: str = "hour",
    tax_code=None,
    revenue_code: str = "4100",
):
    """A catalog item crediting a revenue account of the default chart (by code)."""
    from decimal import Decimal

    from servicebook.billing.models import CatalogItem
    from servicebook.ledger.models import LedgerAccount

    return CatalogItem.objects.create(
        code=code or f"item-{next(_seq)}",
        name=(code or kind).replace("-", " ").title(),
        kind=kind,
        unit=unit,
        price=Decimal(price),
        tax_code=tax_code,
        revenue_account=LedgerAccount.objects.get(code=revenue_code),
    )


def make_invoice(*, account, lines, actor=None, issue: bool = True, issued_on=None):
    """An invoice with lines [(catalog item, quantity), ...] (or (item, qty, unit price)),
    issued through invoice_issue unless issue=False. Posts to the ledger and opens the
    debit item like any issued invoice (the payments tests allocate against it)."""
    from servicebook.billing.services import invoice_create_draft, invoice_issue, invoice_line_add

    actor = actor or make_user("billing")
    invoice = invoice_create_draft(account=account, actor=actor)
    for spec in lines:
        item, quantity, *price = spec
        invoice_line_add(
            invoice=invoice,
            catalog_item=item,
            quantity=quantity,
            unit_price=price[0] if price else None,
            actor=actor,
        )
    if issue:
        invoice = invoice_issue(invoice=invoice, actor=actor, issued_on=issued_on)
    return invoice


# --- Scheduling and dispatch (servicebook.scheduling) -------------------------------------------

# Monday to Friday 08:00-17:00 with lunch at 12:00 for 30 minutes, as scheduling services take it.
WORK_WEEK = {day: ("08:00", "17:00", "12:00", 30) if day < 5 else None for day in range(7)}


def make_technician(
    *,
    first_name: str = "Alex",
    last_name: str | None = None,
    kind: str = "employee",
    subcontractor=None,
    skills=(),
    week=WORK_WEEK,
    home=(39.7392, -104.9903),
    user=None,
    actor=None,
    **extra,
):
    """A technician through the services: a weekly pattern (see WORK_WEEK; None for none),
    a home base in Denver, and the given skills (Skill rows or codes)."""
    import datetime as dt

    from servicebook.scheduling import services as s

    actor = actor or make_user("admin")
    n = next(_seq)
    technician = s.technician_create(
        first_name=first_name,
        last_name=last_name or f"Tech{n}",
        kind=kind,
        subcontractor=subcontractor,
        home_latitude=home[0] if home else None,
        home_longitude=home[1] if home else None,
        user=user,
        actor=actor,
        **extra,
    )
    if skills:
        s.technician_set_skills(
            technician=technician,
            skills=[make_skill(k) if isinstance(k, str) else k for k in skills],
            actor=actor,
        )
    if week:

        def t(value):
            return dt.time.fromisoformat(value) if value else None

        s.shifts_set_week(
            technician=technician,
            week={day: (t(h[0]), t(h[1]), t(h[2]), h[3]) if h else None for day, h in week.items()},
            actor=actor,
        )
    return technician


def make_subcontractor(*, name: str = "Acme Mechanical", documents_until=None, actor=None, **extra):
    """A subcontractor company; with `documents_until` (a date), an insurance certificate and
    a license good through that date."""
    from servicebook.scheduling import services as s

    actor = actor or make_user("admin")
    n = next(_seq)
    company = s.subcontractor_create(code=f"sub{n}", name=name, actor=actor, **extra)
    if documents_until is not None:
        for kind in ("insurance", "license"):
            s.document_add(
                subcontractor=company,
                kind=kind,
                reference=f"{kind[:3].upper()}-{n}",
                expires_on=documents_until,
                actor=actor,
            )
    return company


def make_located_work_order(
    *,
    latitude: str = "39.750000",
    longitude: str = "-104.999000",
    postal_code: str = "80202",
    skills=(),
    actor=None,
    **extra,
):
    """A new work order at an account whose location has the given coordinates."""
    actor = actor or make_user("admin")
    account = make_account(actor=actor, postal_code=postal_code)
    from decimal import Decimal

    from servicebook.customers.services import location_update

    location_update(
        location=account.locations.get(),
        latitude=Decimal(latitude),
        longitude=Decimal(longitude),
        actor=actor,
    )
    if skills:
        extra["skills"] = [make_skill(k) if isinstance(k, str) else k for k in skills]
    return make_work_order(account=account, actor=actor, **extra)
