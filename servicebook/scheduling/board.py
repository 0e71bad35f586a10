"""What the dispatch board shows for a date: one row per technician on shift (their shift,
break and time off, their appointments), the unassigned work, and the change token.

Positions are wall-clock minutes of the day in the business zone (09:30 is 570), so the
board reads like a clock even on a DST day; the JavaScript turns minutes into pixels.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings

from servicebook.workorders.models import WorkOrder

from . import planning, selectors
from .choices import MOVABLE_STATUSES
from .models import Appointment, Technician, Territory


def minute_of_day(instant: dt.datetime, date: dt.date) -> int:
    """Wall-clock minutes in the business zone; before the date 0, after it 1440."""
    local = instant.astimezone(selectors.zone())
    if local.date() < date:
        return 0
    if local.date() > date:
        return 24 * 60
    return local.hour * 60 + local.minute


@dataclass
class Block:
    kind: str  # "break", "off"
    start: int
    end: int
    label: str


@dataclass
class Job:
    appointment: Appointment
    work_order: WorkOrder
    start: int
    end: int
    movable: bool
    late: bool = False

    @property
    def label(self) -> str:
        return f"{hhmm(self.start)}-{hhmm(self.end)}"


@dataclass
class Row:
    technician: Technician
    shift_start: int | None
    shift_end: int | None
    blocks: list[Block] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)

    @property
    def booked_minutes(self) -> int:
        return sum(j.end - j.start for j in self.jobs)

    @property
    def shift_label(self) -> str:
        if self.shift_start is None:
            return "Not working"
        return f"{hhmm(self.shift_start)}-{hhmm(self.shift_end)}"


@dataclass
class Board:
    date: dt.date
    territory: Territory | None
    rows: list[Row]
    unassigned: list[WorkOrder]
    token: str
    start_minute: int
    end_minute: int

    @property
    def hours(self) -> list[tuple[int, str]]:
        """(minute, label) of each full hour shown."""
        return [
            (h * 60, f"{h:02d}:00")
            for h in range(self.start_minute // 60, (self.end_minute + 59) // 60)
        ]


def board_day(date: dt.date, territory: Territory | None = None) -> Board:
    """The board for a date (see the module docstring). Everyone active in the territory
    shows, on shift or not, so a dispatcher can still call someone in."""
    token = planning.board_token(date)
    techs = list(planning.board_technicians(territory).order_by("last_name", "first_name"))
    roster = selectors.roster_load(techs, start=date, end=date)
    start_of_day, end_of_day = selectors.day_bounds(date)
    ids = [a.work_order_id for appts in roster.appointments.values() for a in appts]
    orders = {
        w.pk: w
        for w in WorkOrder.objects.filter(pk__in=ids)
        .select_related("location", "account__customer")
        .prefetch_related("required_skills")
    }
    first = settings.SCHEDULING_BOARD_START_HOUR * 60
    last = settings.SCHEDULING_BOARD_END_HOUR * 60
    rows = []
    for tech in techs:
        day = roster.day(tech, date)
        shift = day.shift
        row = Row(
            technician=tech,
            shift_start=minute_of_day(shift.start, date) if shift else None,
            shift_end=minute_of_day(shift.end, date) if shift else None,
            problems=[p.message for p in day.problems],
            skills=sorted(roster.codes(day.skills)),
        )
        if shift and shift.break_interval:
            row.blocks.append(
                Block(
                    "break",
                    minute_of_day(shift.break_start, date),
                    minute_of_day(shift.break_end, date),
                    "Break",
                )
            )
        for s, e in day.time_off:
            row.blocks.append(Block("off", minute_of_day(s, date), minute_of_day(e, date), "Off"))
        for appt in day.appointments:
            if appt.ends_at <= start_of_day or appt.starts_at >= end_of_day:
                continue
            wo = orders.get(appt.work_order_id)
            window_end = appt.window_end or (wo.window_end if wo else None)
            row.jobs.append(
                Job(
                    appointment=appt,
                    work_order=wo,
                    start=minute_of_day(appt.starts_at, date),
                    end=minute_of_day(appt.ends_at, date),
                    movable=appt.status in MOVABLE_STATUSES,
                    late=bool(window_end and appt.starts_at > window_end),
                )
            )
        if row.shift_start is not None:
            first = min(first, row.shift_start // 60 * 60)
            last = max(last, (row.shift_end + 59) // 60 * 60)
        for job in row.jobs:
            first = min(first, job.start // 60 * 60)
            last = max(last, (job.end + 59) // 60 * 60)
        rows.append(row)
    # On shift first, then the rest (someone to call in), each by name.
    rows.sort(key=lambda r: (r.shift_start is None, r.technician.last_name, r.technician.pk))
    return Board(
        date=date,
        territory=territory,
        rows=rows,
        unassigned=planning.unassigned_work_orders(date, territory),
        token=token,
        start_minute=max(0, first),
        end_minute=min(24 * 60, last),
    )


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
