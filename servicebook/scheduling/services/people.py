"""Writes to the field force: subcontractors and their documents, technicians, skills,
certifications, onboarding, training, shifts, overrides, time off and territories.

All need `scheduling.manage` (coordinators onboard technicians and keep their papers).
Each service validates, writes and audits in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, transaction
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_record, audit_updated, snapshot
from servicebook.core.errors import Conflict, ValidationFailed
from servicebook.core.permissions import require_capability
from servicebook.core.validation import clean_or_fail
from servicebook.users.roles import Cap, Role
from servicebook.workorders.models import Skill

from .. import geo
from ..choices import ACTIVE_STATUSES, DocumentKind, TechnicianKind
from ..models import (
    Appointment,
    Branch,
    Certification,
    ComplianceDocument,
    OnboardingRecord,
    OnboardingStep,
    ShiftOverride,
    Subcontractor,
    Technician,
    TechnicianSkill,
    Territory,
    TimeOff,
    TrainingRecord,
    WeeklyShift,
)

MANAGE = Cap.SCHEDULING_MANAGE


def _locked_technician(technician: Technician) -> Technician:
    """The technician row, locked: every change to someone's time goes through this lock,
    so a booking and a time-off entry for the same person never interleave."""
    return Technician.objects.select_for_update(of=("self",)).get(pk=technician.pk)


def _check_zone(name: str, field: str = "time_zone") -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:
        raise ValidationFailed(
            {field: [f"“{name}” is not a time zone (e.g. America/Denver)."]}
        ) from exc
    return name


def _coordinates(lat, lng, *, lat_field: str, lng_field: str) -> tuple:
    if (lat is None) != (lng is None):
        raise ValidationFailed({lng_field if lng is None else lat_field: ["Give both or neither."]})
    if lat is None:
        return None, None
    try:
        lat, lng = Decimal(str(lat)), Decimal(str(lng))
    except ArithmeticError as exc:
        raise ValidationFailed({lat_field: ["Coordinates are numbers in degrees."]}) from exc
    if not lat.is_finite() or not -90 <= lat <= 90:
        raise ValidationFailed({lat_field: ["Latitude is between -90 and 90."]})
    if not lng.is_finite() or not -180 <= lng <= 180:
        raise ValidationFailed({lng_field: ["Longitude is between -180 and 180."]})
    return lat.quantize(Decimal("0.000001")), lng.quantize(Decimal("0.000001"))


# --- Subcontractors and documents ---------------------------------------------------------------


SUBCONTRACTOR_FIELDS = (
    "name",
    "contact_name",
    "phone",
    "email",
    "cost_per_hour",
    "cost_per_day",
    "active",
    "notes",
)


BRANCH_FIELDS = ("line1", "city", "region", "postal_code", "phone", "time_zone", "active")


@transaction.atomic
def branch_create(
    *, code: str, name: str, latitude=None, longitude=None, actor, **fields
) -> Branch:
    """An office technicians work from (their home base when they have none of their own)."""
    require_capability(actor, MANAGE)
    unknown = set(fields) - set(BRANCH_FIELDS)
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: ["Unknown field."]})
    branch = Branch(code=(code or "").strip().lower(), name=(name or "").strip(), **fields)
    _check_zone(branch.time_zone)
    branch.latitude, branch.longitude = _coordinates(
        latitude, longitude, lat_field="latitude", lng_field="longitude"
    )
    clean_or_fail(branch, exclude=["code"])
    if Branch.objects.filter(code=branch.code).exists():
        raise ValidationFailed({"code": ["Another branch has this code."]})
    branch.save()
    audit_created(actor=actor, obj=branch)
    return branch


@transaction.atomic
def subcontractor_create(*, code: str, name: str, actor, **fields) -> Subcontractor:
    """A subcontractor company we dispatch crews from."""
    require_capability(actor, MANAGE)
    unknown = set(fields) - set(SUBCONTRACTOR_FIELDS)
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: ["Unknown field."]})
    company = Subcontractor(code=(code or "").strip().lower(), name=(name or "").strip(), **fields)
    clean_or_fail(company)
    if Subcontractor.objects.filter(code=company.code).exists():
        raise ValidationFailed({"code": ["Another subcontractor has this code."]})
    company.save()
    audit_created(actor=actor, obj=company)
    return company


@transaction.atomic
def subcontractor_update(*, subcontractor: Subcontractor, actor, **fields) -> Subcontractor:
    """Change a company's details (name, contact, costs, active)."""
    require_capability(actor, MANAGE)
    unknown = set(fields) - set(SUBCONTRACTOR_FIELDS)
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: ["Unknown field."]})
    company = Subcontractor.objects.select_for_update(of=("self",)).get(pk=subcontractor.pk)
    before = snapshot(company)
    for name, value in fields.items():
        setattr(company, name, value)
    clean_or_fail(company, exclude=["code"])
    company.save()
    audit_updated(actor=actor, obj=company, before=before)
    return company


@transaction.atomic
def subcontractor_set_users(*, subcontractor: Subcontractor, users: Iterable, actor) -> None:
    """The logins that act for the company (subcontractor role): they see its jobs only."""
    require_capability(actor, MANAGE)
    users = list(users)
    wrong = [u.username for u in users if u.role != Role.SUBCONTRACTOR]
    if wrong:
        raise ValidationFailed(
            {"users": [f"Only subcontractor logins can act for a company: {', '.join(wrong)}."]}
        )
    before = sorted(subcontractor.users.values_list("username", flat=True))
    subcontractor.users.set(users)
    after = sorted(u.username for u in users)
    if before != after:
        audit_record(
            actor=actor, action="users", obj=subcontractor, changes={"users": [before, after]}
        )


@transaction.atomic
def document_add(
    *,
    kind: str,
    reference: str,
    expires_on: dt.date | None,
    subcontractor: Subcontractor | None = None,
    technician: Technician | None = None,
    issuer: str = "",
    valid_from: dt.date | None = None,
    notes: str = "",
    actor,
) -> ComplianceDocument:
    """Record an insurance certificate or a license for a company or a technician. A
    renewal is a new document: the one with the latest expiry is in force."""
    require_capability(actor, MANAGE)
    if (subcontractor is None) == (technician is None):
        raise ValidationFailed({"holder": ["A document belongs to a company or a technician."]})
    if kind not in DocumentKind.values:
        raise ValidationFailed({"kind": [f"Unknown document kind “{kind}”."]})
    if valid_from and expires_on and expires_on < valid_from:
        raise ValidationFailed({"expires_on": ["The document expires before it starts."]})
    doc = ComplianceDocument(
        kind=kind,
        reference=(reference or "").strip(),
        issuer=(issuer or "").strip(),
        valid_from=valid_from,
        expires_on=expires_on,
        notes=(notes or "").strip(),
        subcontractor=subcontractor,
        technician=technician,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    if not doc.reference:
        raise ValidationFailed({"reference": ["Give the policy or license number."]})
    clean_or_fail(doc, exclude=["subcontractor", "technician", "recorded_by"])
    doc.save()
    audit_created(actor=actor, obj=doc)
    return doc


@transaction.atomic
def document_remove(*, document: ComplianceDocument, reason: str, actor) -> None:
    """Remove a document recorded by mistake (the audit trail keeps what it said)."""
    require_capability(actor, MANAGE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["Say why the document is removed."]})
    audit_record(
        actor=actor,
        action="delete",
        obj=document,
        changes={k: [v, None] for k, v in snapshot(document).items() if v not in (None, "")},
        message=reason,
    )
    document.delete()


# --- Technicians ----------------------------------------------------------------------------


TECHNICIAN_FIELDS = (
    "first_name",
    "last_name",
    "employee_number",
    "branch",
    "phone",
    "email",
    "home_address",
    "home_latitude",
    "home_longitude",
    "time_zone",
    "cost_per_hour",
    "max_overtime_minutes",
    "hired_on",
    "active",
    "user",
)


def _check_user(user, technician: Technician | None) -> None:
    if user is None:
        return
    if user.role not in (Role.TECHNICIAN, Role.SUBCONTRACTOR):
        raise ValidationFailed(
            {"user": [f"{user.username} is not a technician login (role {user.role})."]}
        )
    taken = Technician.objects.filter(user=user)
    if technician is not None:
        taken = taken.exclude(pk=technician.pk)
    if taken.exists():
        raise ValidationFailed({"user": [f"{user.username} is linked to another technician."]})


def _clean_technician(tech: Technician) -> None:
    _check_zone(tech.time_zone)
    tech.home_latitude, tech.home_longitude = _coordinates(
        tech.home_latitude,
        tech.home_longitude,
        lat_field="home_latitude",
        lng_field="home_longitude",
    )
    tech.first_name = (tech.first_name or "").strip()
    tech.last_name = (tech.last_name or "").strip()
    if not tech.first_name:
        raise ValidationFailed({"first_name": ["Give the technician's first name."]})
    if not tech.last_name:
        raise ValidationFailed({"last_name": ["Give the technician's last name."]})
    clean_or_fail(tech, exclude=["user", "branch", "subcontractor", "calendar_token"])


@transaction.atomic
def technician_create(
    *,
    first_name: str,
    last_name: str,
    kind: str = TechnicianKind.EMPLOYEE,
    subcontractor: Subcontractor | None = None,
    actor,
    **fields,
) -> Technician:
    """A new technician: an employee (optionally of a branch) or a subcontractor's crew
    member (naming the company)."""
    require_capability(actor, MANAGE)
    unknown = set(fields) - set(TECHNICIAN_FIELDS)
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: ["Unknown field."]})
    if kind not in TechnicianKind.values:
        raise ValidationFailed({"kind": [f"Unknown kind “{kind}”."]})
    if kind == TechnicianKind.SUBCONTRACTOR and subcontractor is None:
        raise ValidationFailed({"subcontractor": ["Name the subcontractor company."]})
    if kind == TechnicianKind.EMPLOYEE and subcontractor is not None:
        raise ValidationFailed({"subcontractor": ["An employee does not work for a company."]})
    _check_user(fields.get("user"), None)
    tech = Technician(
        first_name=first_name,
        last_name=last_name,
        kind=kind,
        subcontractor=subcontractor,
        **fields,
    )
    _clean_technician(tech)
    tech.save()
    audit_created(actor=actor, obj=tech)
    return tech


@transaction.atomic
def technician_update(*, technician: Technician, actor, **fields) -> Technician:
    """Change a technician's details, home base, zone, costs, link to a login, or active."""
    require_capability(actor, MANAGE)
    unknown = set(fields) - set(TECHNICIAN_FIELDS)
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: ["Unknown field."]})
    tech = _locked_technician(technician)
    if "user" in fields:
        _check_user(fields["user"], tech)
    before = snapshot(tech)
    for name, value in fields.items():
        setattr(tech, name, value)
    _clean_technician(tech)
    tech.save()
    audit_updated(actor=actor, obj=tech, before=before)
    return tech


@transaction.atomic
def technician_calendar_reset(*, technician: Technician, actor) -> Technician:
    """A new secret for the calendar-feed URL: the old link stops working at once (a phone
    was lost, a link was shared)."""
    from ..models.people import new_calendar_token

    require_capability(actor, MANAGE)
    tech = _locked_technician(technician)
    tech.calendar_token = new_calendar_token()
    tech.save(update_fields=["calendar_token", "updated_at"])
    audit_record(actor=actor, action="calendar_reset", obj=tech, message="calendar link renewed")
    return tech


@transaction.atomic
def technician_set_skills(*, technician: Technician, skills: Iterable[Skill], actor) -> None:
    """The skills the technician holds (replaces the set)."""
    require_capability(actor, MANAGE)
    wanted = {s.pk: s for s in skills}
    inactive = [s.name for s in wanted.values() if not s.active]
    if inactive:
        raise ValidationFailed({"skills": [f"No longer in use: {', '.join(sorted(inactive))}."]})
    current = dict(
        TechnicianSkill.objects.filter(technician=technician).values_list("skill_id", "pk")
    )
    before = sorted(Skill.objects.filter(pk__in=current).values_list("code", flat=True))
    TechnicianSkill.objects.filter(technician=technician).exclude(skill_id__in=wanted).delete()
    today = timezone.localdate()
    TechnicianSkill.objects.bulk_create(
        [
            TechnicianSkill(technician=technician, skill=s, since=today)
            for pk, s in wanted.items()
            if pk not in current
        ]
    )
    after = sorted(s.code for s in wanted.values())
    if before != after:
        audit_record(
            actor=actor, action="skills", obj=technician, changes={"skills": [before, after]}
        )


@transaction.atomic
def certification_add(
    *,
    technician: Technician,
    name: str,
    skill: Skill | None = None,
    number: str = "",
    issuer: str = "",
    issued_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    actor,
) -> Certification:
    """Record a certificate. Naming a skill makes it back that skill: once every
    certificate for the skill has expired, the skill no longer counts."""
    require_capability(actor, MANAGE)
    if issued_on and expires_on and expires_on < issued_on:
        raise ValidationFailed({"expires_on": ["The certificate expires before it was issued."]})
    cert = Certification(
        technician=technician,
        skill=skill,
        name=(name or "").strip(),
        number=(number or "").strip(),
        issuer=(issuer or "").strip(),
        issued_on=issued_on,
        expires_on=expires_on,
    )
    if not cert.name:
        raise ValidationFailed({"name": ["Name the certificate."]})
    clean_or_fail(cert, exclude=["technician", "skill"])
    cert.save()
    audit_created(actor=actor, obj=cert)
    return cert


@transaction.atomic
def onboarding_complete(
    *,
    technician: Technician,
    step: OnboardingStep,
    completed_on: dt.date | None = None,
    note: str = "",
    actor,
) -> OnboardingRecord:
    """Tick an onboarding item for a technician (once)."""
    require_capability(actor, MANAGE)
    if not step.active or not step.applies_to(technician):
        raise ValidationFailed({"step": ["That step is not on this technician's checklist."]})
    record = OnboardingRecord(
        technician=technician,
        step=step,
        completed_on=completed_on or timezone.localdate(),
        completed_by=actor if getattr(actor, "pk", None) else None,
        note=(note or "").strip(),
    )
    clean_or_fail(record, exclude=["technician", "step", "completed_by"])
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:
        raise Conflict("That step is already done.", field="step") from exc
    audit_created(actor=actor, obj=record)
    return record


@transaction.atomic
def training_add(
    *,
    technician: Technician,
    course: str,
    completed_on: dt.date,
    provider: str = "",
    hours: Decimal | int | str = 0,
    expires_on: dt.date | None = None,
    notes: str = "",
    actor,
) -> TrainingRecord:
    """Record a course the technician completed."""
    require_capability(actor, MANAGE)
    try:
        hours = Decimal(str(hours))
    except ArithmeticError as exc:
        raise ValidationFailed({"hours": ["Give the hours as a number."]}) from exc
    record = TrainingRecord(
        technician=technician,
        course=(course or "").strip(),
        provider=(provider or "").strip(),
        completed_on=completed_on,
        hours=hours,
        expires_on=expires_on,
        notes=(notes or "").strip(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    if not record.course:
        raise ValidationFailed({"course": ["Name the course."]})
    if expires_on and completed_on and expires_on < completed_on:
        raise ValidationFailed({"expires_on": ["It expires before it was completed."]})
    clean_or_fail(record, exclude=["technician", "recorded_by"])
    record.save()
    audit_created(actor=actor, obj=record)
    return record


# --- Shifts, overrides, time off ----------------------------------------------------------------


def _check_hours(start, end, break_start, break_minutes, *, prefix: str = "") -> None:
    if start is None or end is None:
        raise ValidationFailed({f"{prefix}start": ["Give the start and end of the shift."]})
    if end <= start:
        raise ValidationFailed({f"{prefix}end": ["The shift must end after it starts."]})
    if break_minutes and break_start is None:
        raise ValidationFailed({f"{prefix}break_start": ["Say when the break starts."]})
    if break_start is not None:
        end_of_break = dt.datetime.combine(dt.date(2000, 1, 1), break_start) + dt.timedelta(
            minutes=break_minutes or 0
        )
        if break_start < start or end_of_break.time() > end or end_of_break.date().day != 1:
            raise ValidationFailed(
                {f"{prefix}break_start": ["The break must lie within the shift."]}
            )


@transaction.atomic
def shifts_set_week(
    *, technician: Technician, week: Mapping[int, tuple | None], actor
) -> list[WeeklyShift]:
    """Replace the weekly pattern: {weekday: (start, end, break_start, break_minutes) or
    None for a day off}. Weekdays not in the mapping are left as they are."""
    require_capability(actor, MANAGE)
    tech = _locked_technician(technician)
    before = {s.weekday: str(s) for s in WeeklyShift.objects.filter(technician=tech)}
    for weekday, hours in week.items():
        if weekday not in range(7):
            raise ValidationFailed({"weekday": [f"Unknown weekday {weekday}."]})
        if hours is not None:
            start, end, break_start, break_minutes = hours
            _check_hours(start, end, break_start, break_minutes, prefix=f"d{weekday}_")
    for weekday, hours in week.items():
        if hours is None:
            WeeklyShift.objects.filter(technician=tech, weekday=weekday).delete()
            continue
        start, end, break_start, break_minutes = hours
        WeeklyShift.objects.update_or_create(
            technician=tech,
            weekday=weekday,
            defaults={
                "start": start,
                "end": end,
                "break_start": break_start,
                "break_minutes": break_minutes or 0,
            },
        )
    shifts = list(WeeklyShift.objects.filter(technician=tech))
    after = {s.weekday: str(s) for s in shifts}
    if before != after:
        audit_record(
            actor=actor,
            action="shifts",
            obj=tech,
            changes={"weekly_shifts": [sorted(before.values()), sorted(after.values())]},
        )
    return shifts


@transaction.atomic
def shift_override_set(
    *,
    technician: Technician,
    date: dt.date,
    working: bool,
    start: dt.time | None = None,
    end: dt.time | None = None,
    break_start: dt.time | None = None,
    break_minutes: int = 0,
    reason: str = "",
    actor,
) -> ShiftOverride:
    """Other hours (or a day off) on one date, replacing the weekly pattern that day."""
    require_capability(actor, MANAGE)
    tech = _locked_technician(technician)
    if working:
        _check_hours(start, end, break_start, break_minutes)
    else:
        start = end = break_start = None
        break_minutes = 0
    row, _ = ShiftOverride.objects.update_or_create(
        technician=tech,
        date=date,
        defaults={
            "working": working,
            "start": start,
            "end": end,
            "break_start": break_start,
            "break_minutes": break_minutes or 0,
            "reason": (reason or "").strip()[:200],
        },
    )
    audit_record(
        actor=actor,
        action="shift_override",
        obj=tech,
        changes={"override": [None, f"{row}{' (' + row.reason + ')' if row.reason else ''}"]},
    )
    return row


@transaction.atomic
def shift_override_clear(*, override: ShiftOverride, actor) -> None:
    """Back to the weekly pattern on that date."""
    require_capability(actor, MANAGE)
    audit_record(
        actor=actor,
        action="shift_override",
        obj=override.technician,
        changes={"override": [str(override), None]},
    )
    override.delete()


@transaction.atomic
def time_off_add(
    *,
    technician: Technician,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    kind: str = "vacation",
    reason: str = "",
    actor,
) -> TimeOff:
    """An absence. Refused while the technician has live appointments in that time: move
    them first, so no customer is left waiting for someone on holiday."""
    require_capability(actor, MANAGE)
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            raise ValidationFailed({name: ["Give a date and time."]})
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": ["The time off must end after it starts."]})
    tech = _locked_technician(technician)
    clashing = list(
        Appointment.objects.filter(
            technician=tech,
            status__in=ACTIVE_STATUSES,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        ).select_related("work_order")[:5]
    )
    if clashing:
        names = ", ".join(a.work_order.number for a in clashing)
        raise ValidationFailed(
            {
                "starts_at": [
                    f"{tech.name} has appointments in that time ({names}); move them first."
                ]
            }
        )
    row = TimeOff(
        technician=tech,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=(reason or "").strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    clean_or_fail(row, exclude=["technician", "created_by"])
    row.save()
    audit_created(actor=actor, obj=row)
    return row


@transaction.atomic
def time_off_cancel(*, time_off: TimeOff, actor) -> None:
    """Remove an absence (plans changed)."""
    require_capability(actor, MANAGE)
    audit_record(
        actor=actor,
        action="delete",
        obj=time_off,
        changes={k: [v, None] for k, v in snapshot(time_off).items() if v not in (None, "")},
    )
    time_off.delete()


# --- Territories ----------------------------------------------------------------------------------


def _territory_members(territory: Territory) -> dict:
    return {
        "technicians": sorted(territory.technicians.values_list("pk", flat=True)),
        "branches": sorted(territory.branches.values_list("code", flat=True)),
    }


@transaction.atomic
def territory_save(
    *,
    territory: Territory | None = None,
    code: str | None = None,
    name: str | None = None,
    postal_codes=None,
    polygons=None,
    technicians: Iterable[Technician] | None = None,
    branches: Iterable[Branch] | None = None,
    active: bool | None = None,
    actor,
) -> Territory:
    """Create a territory (no `territory`) or change one: its name, postal codes, polygons
    (GeoJSON coordinates), technicians and branches. Arguments left None stay as they are."""
    require_capability(actor, MANAGE)
    creating = territory is None
    if creating:
        territory = Territory(code=(code or "").strip().lower())
        before = None
    else:
        territory = Territory.objects.select_for_update(of=("self",)).get(pk=territory.pk)
        before = {**snapshot(territory), **_territory_members(territory)}
        if code is not None and code.strip().lower() != territory.code:
            raise ValidationFailed({"code": ["A territory's code does not change."]})
    if name is not None:
        territory.name = name.strip()
    if postal_codes is not None:
        territory.postal_codes = geo.clean_postal_codes(postal_codes)
    if polygons is not None:
        territory.polygons = geo.clean_polygons(polygons) if polygons else []
    if active is not None:
        territory.active = active
    if not territory.name:
        raise ValidationFailed({"name": ["Name the territory."]})
    clean_or_fail(territory)
    if creating and Territory.objects.filter(code=territory.code).exists():
        raise ValidationFailed({"code": ["Another territory has this code."]})
    territory.save()
    if technicians is not None:
        territory.technicians.set(list(technicians))
    if branches is not None:
        territory.branches.set(list(branches))
    if creating:
        audit_created(actor=actor, obj=territory)
        members = _territory_members(territory)
        if any(members.values()):
            audit_record(
                actor=actor,
                action="members",
                obj=territory,
                changes={k: [[], v] for k, v in members.items() if v},
            )
    else:
        after = {**snapshot(territory), **_territory_members(territory)}
        changes = {
            k: [before.get(k), v]
            for k, v in after.items()
            if before.get(k) != v and k != "updated_at"
        }
        if changes:
            audit_record(actor=actor, action="update", obj=territory, changes=changes)
    return territory
