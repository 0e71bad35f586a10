"""Reads of scheduling, always starting from what the user may see.

Staff with `scheduling.view` see the whole field force and every appointment. A technician
sees only themself and their own appointments; a subcontractor user sees only their
company's technicians and those technicians' appointments. Everyone else sees nothing.
Every page, API view, feed and htmx fragment starts from these querysets, so a technician
asking for a colleague's job gets a 404, not the job.

`Roster` loads everything the offers, the board and the optimizer need about a set of
technicians over a date range in a fixed number of queries, then answers per technician
and date in Python (scheduling.availability, scheduling.compliance).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from servicebook.core.permissions import has_capability
from servicebook.users.roles import Cap

from . import availability, compliance
from .choices import ACTIVE_STATUSES
from .models import (
    Appointment,
    Certification,
    ComplianceDocument,
    ShiftOverride,
    Subcontractor,
    Technician,
    TechnicianSkill,
    Territory,
    TimeOff,
    WeeklyShift,
)

# --- Who may see what ---------------------------------------------------------------------------


def is_staff_viewer(user) -> bool:
    return has_capability(user, Cap.SCHEDULING_VIEW)


def _own_technician_filter(user, prefix: str = "") -> Q | None:
    """The rows a field user may see: their own technician, or their company's."""
    if not getattr(user, "is_authenticated", False):
        return None
    companies = Subcontractor.objects.filter(users=user).values("pk")
    q = Q(**{f"{prefix}user": user}) | Q(**{f"{prefix}subcontractor__in": companies})
    return q


def technicians_visible_to(user) -> QuerySet[Technician]:
    """Staff: every technician. A technician: themself. A subcontractor user: their
    company's technicians."""
    if is_staff_viewer(user):
        return Technician.objects.all()
    if not has_capability(user, Cap.SCHEDULING_JOBS):
        return Technician.objects.none()
    q = _own_technician_filter(user)
    return Technician.objects.filter(q) if q is not None else Technician.objects.none()


def appointments_visible_to(user) -> QuerySet[Appointment]:
    """Staff: every appointment. Field users: those of the technicians they may see."""
    if is_staff_viewer(user):
        return Appointment.objects.all()
    if not has_capability(user, Cap.SCHEDULING_JOBS):
        return Appointment.objects.none()
    q = _own_technician_filter(user, prefix="technician__")
    return Appointment.objects.filter(q) if q is not None else Appointment.objects.none()


def subcontractors_visible_to(user) -> QuerySet[Subcontractor]:
    """Staff: every company. A company's office login: that company. A crew member: the
    company they work for."""
    if is_staff_viewer(user):
        return Subcontractor.objects.all()
    if not has_capability(user, Cap.SCHEDULING_JOBS) or not user.is_authenticated:
        return Subcontractor.objects.none()
    return Subcontractor.objects.filter(Q(users=user) | Q(technicians__user=user)).distinct()


def territories_visible_to(user) -> QuerySet[Territory]:
    if is_staff_viewer(user):
        return Territory.objects.all()
    return Territory.objects.none()


def technician_get(*, user, pk: int) -> Technician:
    return get_object_or_404(
        technicians_visible_to(user).select_related("branch", "subcontractor", "user"), pk=pk
    )


def appointment_get(*, user, pk: int) -> Appointment:
    return get_object_or_404(
        appointments_visible_to(user).select_related(
            "technician__subcontractor", "work_order__location", "work_order__account__customer"
        ),
        pk=pk,
    )


def technician_for_user(user) -> Technician | None:
    """The technician profile linked to this login, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Technician.objects.filter(user=user).select_related("subcontractor").first()


# --- Territories --------------------------------------------------------------------------------


def territories_containing(
    *, postal_code: str | None, latitude, longitude, territories=None
) -> list[Territory]:
    """The active territories a place lies in (postal code listed, or inside a polygon)."""
    from . import geo

    rows = territories if territories is not None else Territory.objects.filter(active=True)
    return [
        t
        for t in rows
        if geo.contains(
            postal_codes=t.postal_codes or [],
            polygons=t.polygons or [],
            postal_code=postal_code,
            longitude=longitude,
            latitude=latitude,
        )
    ]


def technicians_in_territories(territory_ids) -> QuerySet[Technician]:
    """Technicians who serve the territories: listed on them, or belonging to a branch that
    is."""
    return Technician.objects.filter(
        Q(territories__in=territory_ids) | Q(branch__territories__in=territory_ids)
    ).distinct()


# --- The roster: a set of technicians over a date range -------------------------------------------


@dataclass
class TechDay:
    """One technician on one date, with everything planning needs."""

    technician: Technician
    date: dt.date
    shift: availability.DayShift | None
    time_off: list[availability.Interval]
    skills: frozenset[int]
    problems: list[compliance.Problem]
    appointments: list[Appointment]

    @property
    def working(self) -> list[availability.Interval]:
        """Shift minus break and time off (appointments not taken out)."""
        if self.shift is None:
            return []
        return availability.working_intervals(self.shift, self.time_off)

    @property
    def free(self) -> list[availability.Interval]:
        """Working time not yet booked."""
        return availability.subtract(
            self.working, [(a.starts_at, a.ends_at) for a in self.appointments]
        )

    @property
    def dispatchable(self) -> bool:
        return not self.problems


@dataclass
class Roster:
    """Technicians with their shifts, overrides, time off, skills, certifications, documents
    and active appointments over [start, end] (dates), loaded once."""

    technicians: list[Technician]
    start: dt.date
    end: dt.date
    weekly: dict[int, dict[int, WeeklyShift]] = field(default_factory=dict)
    overrides: dict[int, dict[dt.date, ShiftOverride]] = field(default_factory=dict)
    time_off: dict[int, list[availability.Interval]] = field(default_factory=dict)
    skill_ids: dict[int, list[int]] = field(default_factory=dict)
    skill_codes: dict[int, str] = field(default_factory=dict)
    certifications: dict[int, list[Certification]] = field(default_factory=dict)
    documents: dict[int, list[ComplianceDocument]] = field(default_factory=dict)
    company_documents: dict[int, list[ComplianceDocument]] = field(default_factory=dict)
    appointments: dict[int, list[Appointment]] = field(default_factory=dict)

    def day(self, technician: Technician, date: dt.date) -> TechDay:
        tid = technician.pk
        shift = availability.shift_on(
            date,
            time_zone=technician.time_zone,
            weekly=self.weekly.get(tid, {}),
            overrides=self.overrides.get(tid, {}),
        )
        tz = ZoneInfo(technician.time_zone)
        day_start = availability.local_instant(date, dt.time(0), tz)
        day_end = availability.local_instant(date + dt.timedelta(days=1), dt.time(0), tz)
        off = [(s, e) for s, e in self.time_off.get(tid, []) if s < day_end and e > day_start]
        appts = [
            a
            for a in self.appointments.get(tid, [])
            if a.starts_at < day_end and a.ends_at > day_start
        ]
        skills = compliance.skills_on(
            self.skill_ids.get(tid, []), self.certifications.get(tid, []), date
        )
        problems = compliance.technician_problems(
            technician,
            on=date,
            own_documents=self.documents.get(tid, []),
            company_documents=self.company_documents.get(technician.subcontractor_id or 0, []),
        )
        return TechDay(technician, date, shift, off, skills, problems, appts)

    def codes(self, skill_ids) -> frozenset[str]:
        return frozenset(self.skill_codes[s] for s in skill_ids if s in self.skill_codes)


def roster_load(
    technicians: QuerySet[Technician] | list[Technician],
    *,
    start: dt.date,
    end: dt.date,
    with_appointments: bool = True,
    appointments_queryset: QuerySet[Appointment] | None = None,
) -> Roster:
    """Load a roster in a fixed number of queries (about nine, whatever the number of
    technicians or days)."""
    if isinstance(technicians, QuerySet):
        technicians = list(technicians.select_related("subcontractor", "branch"))
    ids = [t.pk for t in technicians]
    roster = Roster(technicians=technicians, start=start, end=end)
    if not ids:
        return roster
    # A day in any zone lies within a day either side of the date in UTC.
    lo = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=2), dt.time(0), tzinfo=dt.UTC)
    for row in WeeklyShift.objects.filter(technician_id__in=ids):
        roster.weekly.setdefault(row.technician_id, {})[row.weekday] = row
    for row in ShiftOverride.objects.filter(technician_id__in=ids, date__range=(start, end)):
        roster.overrides.setdefault(row.technician_id, {})[row.date] = row
    for tid, s, e in TimeOff.objects.filter(
        technician_id__in=ids, starts_at__lt=hi, ends_at__gt=lo
    ).values_list("technician_id", "starts_at", "ends_at"):
        roster.time_off.setdefault(tid, []).append((s, e))
    for tid, sid, code in TechnicianSkill.objects.filter(technician_id__in=ids).values_list(
        "technician_id", "skill_id", "skill__code"
    ):
        roster.skill_ids.setdefault(tid, []).append(sid)
        roster.skill_codes[sid] = code
    for cert in Certification.objects.filter(technician_id__in=ids, skill__isnull=False).only(
        "technician_id", "skill_id", "issued_on", "expires_on"
    ):
        roster.certifications.setdefault(cert.technician_id, []).append(cert)
    company_ids = {t.subcontractor_id for t in technicians if t.subcontractor_id}
    for doc in ComplianceDocument.objects.filter(
        Q(technician_id__in=ids) | Q(subcontractor_id__in=company_ids)
    ).only("kind", "reference", "expires_on", "technician_id", "subcontractor_id"):
        if doc.technician_id:
            roster.documents.setdefault(doc.technician_id, []).append(doc)
        else:
            roster.company_documents.setdefault(doc.subcontractor_id, []).append(doc)
    if with_appointments:
        qs = appointments_queryset if appointments_queryset is not None else Appointment.objects
        appts = (
            qs.filter(
                technician_id__in=ids,
                status__in=ACTIVE_STATUSES,
                starts_at__lt=hi,
                ends_at__gt=lo,
            )
            .select_related("work_order__location")
            .order_by("starts_at", "id")
        )
        by_tech: dict[int, list[Appointment]] = defaultdict(list)
        for appt in appts:
            by_tech[appt.technician_id].append(appt)
        roster.appointments = dict(by_tech)
    return roster


def technician_day(technician: Technician, date: dt.date) -> TechDay:
    """One technician's day (for a single check: booking, dispatch)."""
    return roster_load([technician], start=date, end=date).day(technician, date)


def local_date(instant: dt.datetime, time_zone: str | None = None) -> dt.date:
    """The calendar date of an instant in a zone (the business zone by default)."""
    return instant.astimezone(ZoneInfo(time_zone or settings.TIME_ZONE)).date()


def zone(name: str | None = None) -> ZoneInfo:
    """A time zone by name (the business zone by default)."""
    return ZoneInfo(name or settings.TIME_ZONE)


def day_bounds(date: dt.date, time_zone: str | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Midnight to midnight of a date in a zone (the business zone by default), as UTC
    instants: 23 or 25 hours long on a DST change."""
    tz = zone(time_zone)
    start = dt.datetime.combine(date, dt.time(0)).replace(tzinfo=tz)
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0)).replace(tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)
