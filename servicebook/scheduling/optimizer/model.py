"""The day optimizer's problem model: technicians, jobs and the solver settings.

Plain Python (no Django): the scheduling app builds a `Problem` from the database, the
benchmarks and `solve-vrptw` build one from files, and all of them call the same `solve`.

Time is an integer number of seconds from the problem's day origin (`Problem.origin`, an
aware datetime, usually local midnight of the planned day in the business zone). Integers
keep the arithmetic exact and identical in the solver, in the plan and in `evaluate`; the
origin turns them back into aware datetimes (`Problem.at`). A Solomon instance uses its own
time unit (tenths of the file's unit) with no origin: the optimizer never assumes seconds
except where a setting says "per hour".
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .travel import HaversineTravel, Point, TravelTime

__all__ = [
    "Break",
    "Job",
    "Priority",
    "Problem",
    "ProblemError",
    "SolverSettings",
    "Technician",
    "TimeWindow",
]


class ProblemError(ValueError):
    """The problem is malformed (a programming error of the caller, not a planning outcome)."""


class Priority(enum.IntEnum):
    """How much a job matters. Emergencies must be placed; the others are optional work
    whose value (SolverSettings.value_*) the solver weighs against travel and cost."""

    LOW = 0
    NORMAL = 1
    HIGH = 2
    EMERGENCY = 3


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """An interval [start, end] in seconds from the day origin. For a job it bounds the
    start of service (the customer's "between 8 and 12" means the technician starts the
    work in that interval); for a shift it bounds the working day."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if int(self.start) != self.start or int(self.end) != self.end:
            raise ProblemError(f"time window bounds must be integers: {self}")
        if self.end < self.start:
            raise ProblemError(f"time window ends before it starts: {self}")


@dataclass(frozen=True, slots=True)
class Break:
    """A break (lunch): it starts within `window` and lasts `duration` seconds. It is taken
    wherever the technician is (no travel of its own): at the last job, on the way, or on
    arrival at the next one."""

    window: TimeWindow
    duration: int

    def __post_init__(self) -> None:
        if self.duration < 0:
            raise ProblemError("break duration must not be negative")


@dataclass(frozen=True, slots=True)
class Technician:
    """A resource for the day: an employee or a subcontractor crew.

    shift: the working day (leave home at shift.start, be back by shift.end; up to
    `max_overtime` seconds more is allowed at `overtime_cost_per_hour`). home: where the
    day starts and ends. cost_per_hour / fixed_cost: money (Decimal) charged for the route's
    duration and for using the technician at all; leave them 0 for employees whose day is
    paid anyway, set them for subcontractors so that they are used only when worth it.
    capacity: what the van carries in the jobs' `load` unit (None: unlimited).
    """

    id: Hashable
    shift: TimeWindow
    home: Point
    skills: frozenset[str] = frozenset()
    breaks: tuple[Break, ...] = ()
    cost_per_hour: Decimal = Decimal(0)
    fixed_cost: Decimal = Decimal(0)
    max_overtime: int = 0
    overtime_cost_per_hour: Decimal | None = None
    capacity: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "skills", frozenset(self.skills))
        object.__setattr__(self, "breaks", tuple(self.breaks))
        for name in ("cost_per_hour", "fixed_cost", "overtime_cost_per_hour"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, (Decimal, int)):
                raise ProblemError(f"{name} must be a Decimal (money is never a float)")
        if self.max_overtime < 0:
            raise ProblemError("max_overtime must not be negative")
        if self.shift.start < 0:
            raise ProblemError("times are seconds from the origin and must not be negative")


@dataclass(frozen=True, slots=True)
class Job:
    """A visit to plan.

    windows: the allowed intervals for the start of service (several: any one of them);
    empty means any time within a shift. skills: all are required. locked_to: the
    technician the dispatcher pinned the job to (it stays with them or is left out with
    the reason). started: the job is in progress (it stays first on its technician's day;
    `duration` is then the remaining work and `locked_to` names the technician).
    load: what the job takes from the van (capacity), 0 for most field work.
    """

    id: Hashable
    location: Point
    duration: int
    windows: tuple[TimeWindow, ...] = ()
    skills: frozenset[str] = frozenset()
    priority: Priority = Priority.NORMAL
    locked_to: Hashable | None = None
    started: bool = False
    load: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "skills", frozenset(self.skills))
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "priority", Priority(self.priority))
        if self.duration < 0:
            raise ProblemError(f"job {self.id!r}: duration must not be negative")
        if self.load < 0:
            raise ProblemError(f"job {self.id!r}: load must not be negative")
        if self.started and self.locked_to is None:
            raise ProblemError(f"job {self.id!r}: a started job must name its technician")


@dataclass(frozen=True, slots=True)
class SolverSettings:
    """The weights and knobs of the optimizer. The scheduling app fills them from its
    settings/policy records; the defaults are what docs/optimizer.md explains.

    value_low/normal/high: what placing an optional job is worth, expressed as the
    driving time (seconds) one would accept to place it. The solver leaves a job out only
    when placing it would cost more than that, or when there is no room. The ratios make
    priority dominate: one high job outweighs three normal ones.
    value_must: the value of an emergency / locked job when they cannot all be placed
    together and the solver has to pick (then they are no longer hard constraints).
    travel_cost_per_hour: the money value of one hour of driving; converts the money
    costs of technicians (fixed cost, cost per hour, overtime) into the same unit.
    overtime_cost_per_hour: the default for technicians that do not give their own.
    break_model: "anchored" (default): breaks sit at the technician's home in the first
    pass and at the stop before them in the second (never optimistic, exact where they
    stay); "free": 0 s to and from anywhere (the classic trick; optimistic, the exact check
    repairs). See docs/optimizer.md.
    """

    value_low: int = 3 * 3600
    value_normal: int = 12 * 3600
    value_high: int = 48 * 3600
    value_must: int = 2000 * 3600
    travel_cost_per_hour: Decimal = Decimal(40)
    overtime_cost_per_hour: Decimal = Decimal(60)
    break_model: str = "anchored"
    cost_scale: int = 10

    def __post_init__(self) -> None:
        if self.break_model not in ("anchored", "free"):
            raise ProblemError('break_model must be "anchored" or "free"')
        if self.cost_scale < 1:
            raise ProblemError("cost_scale must be at least 1")

    def value(self, priority: Priority) -> int:
        """What placing a job of this priority is worth, in seconds of driving."""
        return {
            Priority.LOW: self.value_low,
            Priority.NORMAL: self.value_normal,
            Priority.HIGH: self.value_high,
            Priority.EMERGENCY: self.value_must,
        }[Priority(priority)]


@dataclass(slots=True)
class Problem:
    """A day (or a territory's day) to plan: who works, what is to be done, how long it
    takes to drive between places, and (optionally) the instant `now` before which nobody
    can start anything new (re-planning during the day)."""

    technicians: Sequence[Technician]
    jobs: Sequence[Job]
    travel: TravelTime = field(default_factory=HaversineTravel)
    origin: dt.datetime | None = None
    now: int | None = None
    settings: SolverSettings = field(default_factory=SolverSettings)

    def __post_init__(self) -> None:
        self.technicians = tuple(self.technicians)
        self.jobs = tuple(self.jobs)
        self.validate()

    def validate(self) -> None:
        """Raise ProblemError for what no plan could mean: duplicate ids, a started job
        whose technician is missing, two started jobs on one technician, a naive origin."""
        tech_ids = [t.id for t in self.technicians]
        if len(set(tech_ids)) != len(tech_ids):
            raise ProblemError("technician ids must be unique")
        job_ids = [j.id for j in self.jobs]
        if len(set(job_ids)) != len(job_ids):
            raise ProblemError("job ids must be unique")
        if self.origin is not None and self.origin.tzinfo is None:
            raise ProblemError("origin must be an aware datetime")
        known = set(tech_ids)
        started: dict[Hashable, Hashable] = {}
        for job in self.jobs:
            if job.started:
                if job.locked_to not in known:
                    raise ProblemError(
                        f"job {job.id!r} is started by {job.locked_to!r}, who is not in the problem"
                    )
                if job.locked_to in started:
                    raise ProblemError(
                        f"technician {job.locked_to!r} has two started jobs "
                        f"({started[job.locked_to]!r}, {job.id!r})"
                    )
                started[job.locked_to] = job.id

    # -- conversions -------------------------------------------------------------------

    def at(self, seconds: int) -> dt.datetime | None:
        """The aware datetime of an instant of the plan (None without an origin)."""
        if self.origin is None:
            return None
        return self.origin + dt.timedelta(seconds=int(seconds))

    def seconds(self, when: dt.datetime) -> int:
        """Seconds from the origin to an aware datetime (for building the problem)."""
        if self.origin is None:
            raise ProblemError("the problem has no origin")
        return int((when - self.origin).total_seconds())

    def technician(self, tech_id: Hashable) -> Technician | None:
        for tech in self.technicians:
            if tech.id == tech_id:
                return tech
        return None

    def job(self, job_id: Hashable) -> Job | None:
        for job in self.jobs:
            if job.id == job_id:
                return job
        return None


def seconds_between(origin: dt.datetime, when: dt.datetime) -> int:
    """Helper for callers building a problem: whole seconds from origin to when."""
    if origin.tzinfo is None or when.tzinfo is None:
        raise ProblemError("use aware datetimes")
    return int((when - origin).total_seconds())


def window(origin: dt.datetime, start: dt.datetime, end: dt.datetime) -> TimeWindow:
    """A TimeWindow from two aware datetimes."""
    return TimeWindow(seconds_between(origin, start), seconds_between(origin, end))


def unique(items: Iterable[Hashable]) -> list[Hashable]:
    """Items in first-seen order without repeats."""
    seen: dict[Hashable, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)
