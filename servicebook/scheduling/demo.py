"""Field service demo data (called by `servicebook seed-demo` through demo.app_seed_steps).

Everything goes through the services (technicians, shifts, documents, work orders, offers
and bookings, field moves), so the board, the offers page, the phone view and "plan
tomorrow" show a real day after `make run`:

* reference data, idempotently: skills and resolution codes;
* the field force, once (skipped when technicians exist): three branches (North, Central,
  South) with their territories drawn from the demo ZIP codes, ten employees with skills,
  shifts (Monday to Friday, and a weekend rota when today or tomorrow is a weekend day) and a
  home base near the demo accounts; a subcontractor in good standing (Peak Electric) and one
  whose insurance expired (Front Range Mechanical: blocked from dispatch); a vacation
  tomorrow, certificates (one expired); the `demo.tech` login linked to Jordan Reyes so the
  phone view shows his day;
* work for the accounts this seed just wrote: today's jobs booked from offers and worked
  as far as the clock says (completed, on site, dispatched), tomorrow's half booked from
  offers and half waiting on the unassigned list (morning, afternoon and all-day windows,
  an emergency), and a quarterly maintenance plan whose visits the PM generator raises.

Deterministic for a seed and a `now`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from decimal import Decimal

from servicebook.core.errors import ServiceError
from servicebook.customers.models import ServiceAgreement, ServiceLocation
from servicebook.users.models import User
from servicebook.workorders import maintenance
from servicebook.workorders import services as wo_services
from servicebook.workorders.models import CompletionCode, Skill, WorkOrder

from . import selectors, services
from .choices import AppointmentStatus
from .models import Appointment, Technician
from .offers import find_offers, request_for_work_order

TECH_USERNAME = "demo.tech"

SKILLS = [
    ("hvac", "HVAC"),
    ("gas", "Gas fitting"),
    ("electrical", "Electrical"),
    ("plumbing", "Plumbing"),
    ("solar", "Solar PV"),
    ("meter", "Meter work"),
    ("fibre", "Fibre splicing"),
]
COMPLETION_CODES = [
    ("repaired", "Repaired", []),
    ("replaced", "Part replaced", []),
    ("no-fault", "No fault found", []),
    ("installed", "Installed and tested", ["install"]),
    ("inspected", "Inspected, passed", ["inspection", "preventive_maintenance"]),
    ("made-safe", "Made safe, follow-up needed", ["emergency"]),
]
# code, name, ZIP of the office, (lat, lng), territory latitude test
BRANCHES = [
    ("north", "North (Thornton)", "80229", (39.8530, -104.9570)),
    ("central", "Central (Denver)", "80204", (39.7340, -105.0200)),
    ("south", "South (Englewood)", "80222", (39.6720, -104.9270)),
]
# first, last, branch, skills, home (lat, lng), starts at, the demo login
EMPLOYEES = [
    ("Jordan", "Reyes", "central", ["hvac", "gas"], (39.7400, -105.0100), 8, True),
    ("Maria", "Lopez", "central", ["hvac", "electrical"], (39.7600, -104.9800), 8, False),
    ("Kevin", "O'Brien", "central", ["plumbing", "gas"], (39.7300, -104.9500), 8, False),
    ("Omar", "Haddad", "central", ["fibre", "electrical"], (39.7500, -105.0400), 8, False),
    ("Aisha", "Patel", "north", ["electrical", "solar"], (39.8600, -104.9700), 7, False),
    ("Tom", "Becker", "north", ["hvac"], (39.9000, -104.9500), 7, False),
    ("Luis", "Hernandez", "north", ["plumbing"], (39.8200, -105.0100), 7, False),
    ("Grace", "Kim", "south", ["hvac", "gas", "electrical"], (39.6800, -104.9200), 8, False),
    ("Derek", "Walsh", "south", ["plumbing", "hvac"], (39.6600, -105.0300), 8, False),
    ("Nina", "Sorensen", "south", ["meter", "electrical"], (39.6900, -104.8900), 8, False),
]
# (summary, type, skills, minutes)
JOBS = [
    ("Furnace not heating", "repair", ["hvac"], 90),
    ("AC blowing warm air", "repair", ["hvac"], 90),
    ("Thermostat install", "install", ["hvac"], 60),
    ("Water heater leaking", "repair", ["plumbing"], 120),
    ("Kitchen drain blocked", "repair", ["plumbing"], 60),
    ("Breaker keeps tripping", "repair", ["electrical"], 60),
    ("EV charger install", "install", ["electrical"], 120),
    ("Solar inverter fault", "repair", ["solar"], 90),
    ("Gas range hookup", "install", ["gas"], 60),
    ("Meter exchange", "inspection", ["meter"], 45),
    ("Annual furnace inspection", "inspection", ["hvac"], 60),
    ("Fibre drop repair", "repair", ["fibre"], 90),
    ("Outlet not working", "repair", ["electrical"], 45),
    ("Boiler pressure low", "repair", ["hvac", "gas"], 90),
]
WINDOWS = [(8, 12), (12, 17), (8, 17), None]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute)).replace(tzinfo=selectors.zone())


def _reference() -> tuple[dict[str, Skill], dict[str, int]]:
    made = {"workorders_skill": 0, "workorders_completioncode": 0}
    skills = {}
    for code, name in SKILLS:
        skills[code], new = Skill.objects.get_or_create(code=code, defaults={"name": name})
        made["workorders_skill"] += int(new)
    for code, label, types in COMPLETION_CODES:
        _, new = CompletionCode.objects.get_or_create(
            code=code, defaults={"label": label, "work_types": types}
        )
        made["workorders_completioncode"] += int(new)
    return skills, made


def _territory_zips() -> dict[str, list[str]]:
    from servicebook.demo import reference as R

    zips: dict[str, list[str]] = {"north": [], "central": [], "south": []}
    for postal, _city, lat, _lng, _weight in R.ZIP_AREAS:
        key = "north" if lat >= 39.775 else "south" if lat < 39.71 else "central"
        zips[key].append(postal)
    return zips


def _week(start: int) -> dict:
    hours = (
        dt.time(start),
        dt.time(start + 9),
        dt.time(12 if start >= 8 else 11, 30 if start < 8 else 0),
        30,
    )
    return {day: hours if day < 5 else None for day in range(7)}


def _field_force(*, admin, skills, now, log) -> dict[str, int]:
    """Branches, territories, technicians, subcontractors, documents, shifts, time off."""
    today = selectors.local_date(now)
    made = {"scheduling_technician": 0}
    branches = {}
    for code, name, postal, (lat, lng) in BRANCHES:
        branches[code] = services.branch_create(
            code=code,
            name=name,
            latitude=lat,
            longitude=lng,
            postal_code=postal,
            city=name.split("(")[1].rstrip(")"),
            region="CO",
            actor=admin,
        )
    tech_user = User.objects.filter(username=TECH_USERNAME).first()
    if tech_user is None:
        from servicebook.demo import reference as R
        from servicebook.users.services import user_create

        tech_user = user_create(
            username=TECH_USERNAME,
            password=R.DEMO_PASSWORD,
            role="technician",
            first_name="Jordan",
            last_name="Reyes",
            email=f"{TECH_USERNAME}@example.com",
            actor=None,
        )
    people = []
    for n, (first, last, branch, codes, home, start, linked) in enumerate(EMPLOYEES, 1):
        tech = services.technician_create(
            first_name=first,
            last_name=last,
            branch=branches[branch],
            employee_number=f"E{100 + n}",
            phone=f"+1303555{2100 + n:04d}",
            home_latitude=Decimal(str(home[0])),
            home_longitude=Decimal(str(home[1])),
            hired_on=today - dt.timedelta(days=200 * n),
            user=tech_user if linked else None,
            actor=admin,
        )
        services.technician_set_skills(
            technician=tech, skills=[skills[c] for c in codes], actor=admin
        )
        services.shifts_set_week(technician=tech, week=_week(start), actor=admin)
        people.append(tech)
    peak = services.subcontractor_create(
        code="peak",
        name="Peak Electric",
        contact_name="Sam Ortiz",
        phone="+13035559100",
        cost_per_hour=Decimal("85.00"),
        cost_per_day=Decimal("150.00"),
        actor=admin,
    )
    front = services.subcontractor_create(
        code="frontrange",
        name="Front Range Mechanical",
        contact_name="Rick Dunn",
        phone="+13035559200",
        cost_per_hour=Decimal("78.00"),
        cost_per_day=Decimal("120.00"),
        actor=admin,
    )
    for company, insurance_until in (
        (peak, today + dt.timedelta(days=240)),
        (front, today - dt.timedelta(days=12)),  # expired: the crew cannot be dispatched
    ):
        services.document_add(
            subcontractor=company,
            kind="insurance",
            reference=f"GL-{company.code.upper()}-2026",
            issuer="Mountain States Mutual",
            expires_on=insurance_until,
            actor=admin,
        )
        services.document_add(
            subcontractor=company,
            kind="license",
            reference=f"EC-{company.code.upper()}",
            issuer="Colorado DORA",
            expires_on=today + dt.timedelta(days=400),
            actor=admin,
        )
    for company, first, last, codes, home in (
        (peak, "Sam", "Ortiz", ["electrical", "solar"], (39.7000, -105.0800)),
        (front, "Rick", "Dunn", ["hvac", "plumbing"], (39.7800, -104.9000)),
    ):
        tech = services.technician_create(
            first_name=first,
            last_name=last,
            kind="subcontractor",
            subcontractor=company,
            home_latitude=Decimal(str(home[0])),
            home_longitude=Decimal(str(home[1])),
            actor=admin,
        )
        services.technician_set_skills(
            technician=tech, skills=[skills[c] for c in codes], actor=admin
        )
        services.shifts_set_week(technician=tech, week=_week(8), actor=admin)
        people.append(tech)
    made["scheduling_technician"] = len(people)
    zips = _territory_zips()
    for code, name, _postal, _ in BRANCHES:
        services.territory_save(
            code=code,
            name=name.split(" (")[0],
            postal_codes=zips[code],
            branches=[branches[code]],
            technicians=[t for t in people if t.subcontractor_id] if code == "central" else [],
            actor=admin,
        )
    by_name = {t.first_name: t for t in people}
    # Certificates behind skills: Grace's gas ticket runs out soon; Kevin's has expired, so
    # gas no longer counts for him (offers and the optimizer skip him for gas work).
    services.certification_add(
        technician=by_name["Grace"],
        skill=skills["gas"],
        name="Gas fitter licence",
        number="GF-22817",
        issuer="Colorado Plumbing Board",
        expires_on=today + dt.timedelta(days=20),
        actor=admin,
    )
    services.certification_add(
        technician=by_name["Kevin"],
        skill=skills["gas"],
        name="Gas fitter licence",
        number="GF-19044",
        issuer="Colorado Plumbing Board",
        expires_on=today - dt.timedelta(days=30),
        actor=admin,
    )
    services.certification_add(
        technician=by_name["Tom"],
        skill=skills["hvac"],
        name="EPA 608 Universal",
        number="608-55120",
        issuer="EPA",
        actor=admin,
    )
    # A weekend rota when the demo's today or tomorrow falls on one, so the board is never
    # empty on a Saturday demo.
    for day in (today, today + dt.timedelta(days=1)):
        if day.weekday() >= 5:
            for tech in people:
                services.shift_override_set(
                    technician=tech,
                    date=day,
                    working=True,
                    start=dt.time(8),
                    end=dt.time(17),
                    break_start=dt.time(12),
                    break_minutes=30,
                    reason="Weekend rota",
                    actor=admin,
                )
    tomorrow = today + dt.timedelta(days=1)
    services.time_off_add(
        technician=by_name["Luis"],
        starts_at=_at(tomorrow, 0),
        ends_at=_at(tomorrow + dt.timedelta(days=1), 0),
        kind="vacation",
        reason="Family trip",
        actor=admin,
    )
    log(f"  scheduling: {len(people)} technicians, 3 branches, 3 territories")
    return made


def _new_work(rng, *, admin, skills, locations, day, now, emergency=False) -> WorkOrder:
    location = locations.pop()
    if emergency:
        summary, work_type, codes, minutes = "Gas smell near the meter", "emergency", ["gas"], 60
    else:
        summary, work_type, codes, minutes = rng.choice(JOBS)
    window = None if emergency else rng.choice(WINDOWS)
    return wo_services.workorder_create(
        account=location.account,
        location=location,
        work_type=work_type,
        summary=summary,
        skills=[skills[c] for c in codes],
        estimated_minutes=minutes,
        window_start=_at(day, window[0]) if window else None,
        window_end=_at(day, window[1]) if window else None,
        actor=admin,
        now=now,
    )


def _book_from_offers(work_order, *, actor, day, now) -> Appointment | None:
    """Book the best offer for the day, as a representative does from a call."""
    request = request_for_work_order(work_order, start_date=day, end_date=day, now=now)
    for offer in find_offers(request, now=now).offers[:3]:
        try:
            return services.appointment_book(
                work_order=work_order,
                technician=Technician.objects.get(pk=offer.technician_id),
                starts_at=offer.starts_at,
                window_start=offer.window_start,
                window_end=offer.window_end,
                travel_minutes=offer.travel_minutes,
                actor=actor,
                now=now,
            )
        except ServiceError:
            continue
    return None


def _work_today(appointments, *, admin, now, rng) -> int:
    """Dispatch today's bookings at 07:00 and move each as far as the clock says."""
    code = CompletionCode.objects.get(code="repaired")
    moved = 0
    for appt in sorted(appointments, key=lambda a: a.starts_at):
        morning = _at(selectors.local_date(appt.starts_at), 7)
        services.appointment_dispatch(appointment=appt, actor=admin, now=morning)
        if appt.starts_at > now:
            continue
        services.appointment_start_travel(
            appointment=appt, actor=admin, now=appt.starts_at - dt.timedelta(minutes=20)
        )
        services.appointment_arrive(appointment=appt, actor=admin, now=appt.starts_at)
        if appt.ends_at <= now:
            services.appointment_complete(
                appointment=appt,
                notes=rng.choice(
                    ["Replaced the failed part and tested.", "Cleaned and adjusted; running."]
                ),
                signer_name="Customer",
                completion_code=code,
                actor=admin,
                now=appt.ends_at,
            )
        moved += 1
    return moved


def seed_demo(*, seed: int, now: dt.datetime, accounts, log) -> dict[str, int]:
    """Field force once, then today's and tomorrow's work on the new accounts."""
    admin = User.objects.filter(username="demo.admin").first()
    rng = random.Random(seed * 7919 + 4)
    skills, made = _reference()
    if admin is None:
        return made
    if not Technician.objects.exists():
        made.update(_field_force(admin=admin, skills=skills, now=now, log=log))
    dispatcher = User.objects.filter(username="demo.dispatcher").first() or admin
    rep = User.objects.filter(username="demo.rep").first() or admin
    locations = list(
        ServiceLocation.objects.filter(
            account__in=accounts, account__status="active", latitude__isnull=False
        )
        .select_related("account")
        .order_by("pk")[:2000]
    )
    if len(locations) < 60:
        log("  scheduling: fewer than 60 active accounts with a location; no demo work orders")
        return made
    rng.shuffle(locations)
    today = selectors.local_date(now)
    tomorrow = today + dt.timedelta(days=1)
    morning = min(now, _at(today, 6))
    counts = {"workorders_workorder": 0, "scheduling_appointment": 0}

    # Today: booked early in the morning, worked as far as the clock says.
    booked_today = []
    jordan = Technician.objects.filter(user__username=TECH_USERNAME).first()
    # Jordan's (the demo login's) day has work whatever the offers chose.
    if jordan is not None:
        for hour, (summary, minutes) in zip(
            (8, 10, 14),
            (("Furnace not heating", 90), ("Boiler pressure low", 90), ("Thermostat install", 60)),
            strict=True,
        ):
            location = locations.pop()
            wo = wo_services.workorder_create(
                account=location.account,
                location=location,
                work_type="repair" if "install" not in summary.lower() else "install",
                summary=summary,
                skills=[skills["hvac"]],
                estimated_minutes=minutes,
                actor=admin,
                now=morning,
            )
            counts["workorders_workorder"] += 1
            with contextlib.suppress(ServiceError):
                booked_today.append(
                    services.appointment_book(
                        work_order=wo,
                        technician=jordan,
                        starts_at=_at(today, hour),
                        source="board",
                        allow_overtime=True,
                        actor=dispatcher,
                        now=morning,
                    )
                )
    for _ in range(16):
        wo = _new_work(rng, admin=admin, skills=skills, locations=locations, day=today, now=morning)
        counts["workorders_workorder"] += 1
        appt = _book_from_offers(wo, actor=rep, day=today, now=morning)
        if appt is not None:
            booked_today.append(appt)
    counts["scheduling_appointment"] += len(booked_today)
    _work_today(booked_today, admin=admin, now=now, rng=rng)
    # An emergency that came in today and waits on the board.
    _new_work(
        rng, admin=admin, skills=skills, locations=locations, day=today, now=now, emergency=True
    )
    counts["workorders_workorder"] += 1

    # Tomorrow: half booked from calls (offers), half on the unassigned list.
    for n in range(30):
        wo = _new_work(rng, admin=admin, skills=skills, locations=locations, day=tomorrow, now=now)
        counts["workorders_workorder"] += 1
        if n % 2 == 0 and _book_from_offers(wo, actor=rep, day=tomorrow, now=now):
            counts["scheduling_appointment"] += 1
    _new_work(
        rng, admin=admin, skills=skills, locations=locations, day=tomorrow, now=now, emergency=True
    )
    counts["workorders_workorder"] += 1

    # A quarterly maintenance plan on a maintenance agreement (its first visit is due
    # within the horizon, so the generator raises it at once).
    agreement = (
        ServiceAgreement.objects.filter(
            account__in=accounts,
            kind="maintenance",
            end_date__isnull=True,
            account__status="active",
        )
        .order_by("pk")
        .first()
    )
    if agreement is not None:
        try:
            maintenance.pm_plan_create(
                account=agreement.account,
                agreement=agreement,
                name="Quarterly HVAC maintenance",
                frequency="quarterly",
                start_date=tomorrow + dt.timedelta(days=6),
                summary="Quarterly HVAC maintenance visit",
                skills=[skills["hvac"]],
                estimated_minutes=60,
                tasks=["Replace the filter", "Check the refrigerant charge", "Test the safeties"],
                window_start_time=dt.time(8),
                window_end_time=dt.time(12),
                actor=admin,
                now=now,
            )
            counts["workorders_maintenanceplan"] = 1
        except ServiceError as exc:
            log(f"  scheduling: no maintenance plan ({exc.message})")
    live = Appointment.objects.exclude(status=AppointmentStatus.CANCELLED).count()
    log(
        f"  scheduling: {counts['workorders_workorder']} work orders, {live} appointments "
        f"(tomorrow {tomorrow}: see the board and plan it with the optimizer)"
    )
    made.update(counts)
    return made


__all__ = ["TECH_USERNAME", "seed_demo"]
