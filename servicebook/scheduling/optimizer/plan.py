"""What the optimizer answers: the plan per technician, its totals, and why each job that
is not in it was left out. Times are seconds from the problem's origin; `Plan.at` turns
them into aware datetimes."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Hashable
from dataclasses import dataclass, field

from .model import Break, Priority

__all__ = [
    "BreakTaken",
    "LeftOut",
    "Plan",
    "PlanSummary",
    "Reason",
    "TechnicianDay",
    "Visit",
]


class Reason(enum.StrEnum):
    """Why a job is not in the plan. Each is checked, not guessed (docs/optimizer.md)."""

    NO_SKILLED_TECHNICIAN = "no_skilled_technician"
    LOCKED_TECHNICIAN_ABSENT = "locked_technician_absent"
    LOCKED_TECHNICIAN_LACKS_SKILLS = "locked_technician_lacks_skills"
    TOO_LARGE = "too_large"
    WINDOW_UNREACHABLE = "window_unreachable"
    EXCEEDS_SHIFT = "exceeds_shift"
    BREAK_CONFLICT = "break_conflict"
    NO_SHIFT_FITS = "no_shift_fits"
    LOWER_PRIORITY_THAN_PLACED = "lower_priority_than_placed"
    NO_ROOM = "no_room"
    NOT_WORTH_THE_TRAVEL = "not_worth_the_travel"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS = {
    Reason.NO_SKILLED_TECHNICIAN: "No technician working that day has the skills",
    Reason.LOCKED_TECHNICIAN_ABSENT: "Locked to a technician who is not working that day",
    Reason.LOCKED_TECHNICIAN_LACKS_SKILLS: "Locked to a technician without the skills",
    Reason.TOO_LARGE: "Needs more than any able technician's van carries",
    Reason.WINDOW_UNREACHABLE: "No shift can reach its window",
    Reason.EXCEEDS_SHIFT: "Would need more time than the shifts allow",
    Reason.BREAK_CONFLICT: "Its window leaves no room for the technician's break",
    Reason.NO_SHIFT_FITS: "Fits no able technician's shift (window or length)",
    Reason.LOWER_PRIORITY_THAN_PLACED: "Lower priority than the work placed instead",
    Reason.NO_ROOM: "Every able technician is fully booked at that time",
    Reason.NOT_WORTH_THE_TRAVEL: "Placing it would cost more travel than it is worth",
}


@dataclass(frozen=True, slots=True)
class Visit:
    """A job on a technician's day. travel: the drive to it; wait: from arrival to the
    start of work; late: how far the start is past the window (0 in the optimizer's own
    plans; the board's current plan may have some)."""

    job_id: Hashable
    arrival: int
    start: int
    end: int
    travel: int
    wait: int
    late: int = 0
    started: bool = False
    window: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class BreakTaken:
    """A break on a technician's day, after `after` visits (0: before the first job)."""

    start: int
    end: int
    window: tuple[int, int]
    after: int
    late: int = 0


@dataclass(frozen=True, slots=True)
class TechnicianDay:
    """One technician's planned day."""

    technician_id: Hashable
    visits: tuple[Visit, ...]
    breaks: tuple[BreakTaken, ...]
    leave: int  # leaves home (or the job in progress)
    back: int  # returns home
    travel: int
    overtime: int
    wait: int
    late: int
    break_late: int
    excess: int  # past shift end + allowed overtime (0 in the optimizer's plans)
    over_capacity: int
    skipped_breaks: tuple[Break, ...] = ()

    @property
    def job_ids(self) -> list[Hashable]:
        return [v.job_id for v in self.visits]

    @property
    def feasible(self) -> bool:
        return not (self.late or self.break_late or self.excess or self.over_capacity)


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A job the plan does not place, and why (reason code + a sentence for people)."""

    job_id: Hashable
    priority: Priority
    reason: Reason
    detail: str


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """Totals of a plan, computed with the same arithmetic for the optimizer's proposal
    and for the board's current plan."""

    jobs_total: int
    jobs_placed: int
    emergencies_total: int
    emergencies_placed: int
    travel: int
    overtime: int
    technicians_used: int
    late: int = 0  # total lateness against job windows
    violations: int = 0  # count of visits/breaks/routes that break a rule
    placed_by_priority: dict[str, int] = field(default_factory=dict)

    @property
    def jobs_left_out(self) -> int:
        return self.jobs_total - self.jobs_placed


@dataclass(frozen=True, slots=True)
class Plan:
    """The optimizer's proposal: every technician's day, the jobs left out with their
    reasons, the totals, and how the solver ran (seconds, search iterations, the plan's
    cost as weighed: driving, paid time, overtime, call-outs and the value of the work
    left out, in objective units; notes on anything unusual)."""

    routes: tuple[TechnicianDay, ...]
    left_out: tuple[LeftOut, ...]
    summary: PlanSummary
    origin: dt.datetime | None = None
    seed: int = 0
    runtime: float = 0.0
    iterations: int = 0
    objective: int = 0
    notes: tuple[str, ...] = ()

    def at(self, seconds: int) -> dt.datetime | None:
        """An instant of the plan as an aware datetime (None without an origin)."""
        if self.origin is None:
            return None
        return self.origin + dt.timedelta(seconds=int(seconds))

    def assignment(self) -> dict[Hashable, list[Hashable]]:
        """Technician id -> ordered job ids: the shape `evaluate` takes back."""
        return {r.technician_id: r.job_ids for r in self.routes}

    def route(self, technician_id: Hashable) -> TechnicianDay | None:
        for r in self.routes:
            if r.technician_id == technician_id:
                return r
        return None

    def reason(self, job_id: Hashable) -> LeftOut | None:
        for item in self.left_out:
            if item.job_id == job_id:
                return item
        return None
