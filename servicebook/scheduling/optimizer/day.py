"""The compiled day: a Problem turned into indices, one travel matrix and integer costs.

Everything downstream (the PyVRP mapping, the exact route timing, the pre-check, the
explanations and `evaluate`) works on this one structure, so they all use the same numbers.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from .model import Break, Job, Priority, Problem, ProblemError, Technician
from .travel import Point

NO_WINDOW_END = 10**12  # "any time": far beyond any shift, still safe in int64 sums


def _units(value: Decimal | int | None, per: Decimal, scale: int) -> int:
    """Money per hour -> integer objective units per second of time (scale = units per
    second of driving)."""
    if not value:
        return 0
    ratio = Decimal(value) * scale / per
    return int(ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(slots=True)
class Day:
    """A Problem compiled for the optimizer (see module docstring)."""

    problem: Problem
    techs: tuple[Technician, ...]
    jobs: tuple[Job, ...]
    tech_index: dict[Hashable, int]
    job_index: dict[Hashable, int]
    points: list[Point]
    matrix: np.ndarray  # int64 travel seconds between points
    T: list[list[int]]  # the same as nested lists (fast scalar access in Python)
    job_loc: list[int]
    home_loc: list[int]
    start_loc: list[int]  # where each technician's route starts (home, or a started job)
    started: list[int | None]  # per technician: the index of its started job
    day_start: list[int]  # when each technician's day starts (the started job starts then)
    route_start: list[int]  # when the route leaves start_loc
    shift_end: list[int]
    hard_end: list[int]  # shift end + allowed overtime
    breaks: list[tuple[Break, ...]]  # the breaks the technician can take, by window start
    skipped_breaks: list[tuple[Break, ...]]  # breaks outside the working time of the day
    windows: list[tuple[tuple[int, int], ...]]  # per job, sorted (start, end) of service
    scale: int  # objective units per second of driving
    duration_unit: list[int]  # per technician, units per second of route duration
    overtime_unit: list[int]  # per technician, units per second of overtime
    fixed_units: list[int]  # per technician, units for using them at all
    value_units: list[int]  # per job, what placing it is worth in units

    @property
    def now(self) -> int | None:
        return self.problem.now

    def must(self, j: int) -> bool:
        """Emergencies and locked jobs are hard constraints (while they can all fit)."""
        job = self.jobs[j]
        return job.priority == Priority.EMERGENCY or job.locked_to is not None

    def leg(self, a: int, b: int) -> int:
        return self.T[a][b]


def compile_day(problem: Problem) -> Day:
    """Index the problem, ask the travel provider for one matrix, convert costs."""
    settings = problem.settings
    techs = tuple(problem.technicians)
    jobs = tuple(problem.jobs)
    tech_index = {t.id: i for i, t in enumerate(techs)}
    job_index = {j.id: i for i, j in enumerate(jobs)}

    point_index: dict[Point, int] = {}
    points: list[Point] = []

    def loc(p: Point) -> int:
        if not isinstance(p, Point):
            raise ProblemError(f"not a Point: {p!r}")
        if p not in point_index:
            point_index[p] = len(points)
            points.append(p)
        return point_index[p]

    home_loc = [loc(t.home) for t in techs]
    job_loc = [loc(j.location) for j in jobs]
    matrix = np.asarray(problem.travel.matrix(points), dtype=np.int64)
    if matrix.shape != (len(points), len(points)):
        raise ProblemError("the travel provider answered a matrix of the wrong shape")
    if (matrix < 0).any():
        raise ProblemError("the travel provider answered a negative duration")

    started: list[int | None] = [None] * len(techs)
    for j, job in enumerate(jobs):
        if job.started:
            started[tech_index[job.locked_to]] = j

    now = problem.now
    day_start, route_start, start_loc = [], [], []
    shift_end, hard_end, breaks, skipped = [], [], [], []
    for v, tech in enumerate(techs):
        begin = tech.shift.start if now is None else max(tech.shift.start, now)
        day_start.append(begin)
        s = started[v]
        if s is None:
            route_start.append(begin)
            start_loc.append(home_loc[v])
        else:
            route_start.append(begin + jobs[s].duration)
            start_loc.append(job_loc[s])
        shift_end.append(tech.shift.end)
        hard = tech.shift.end + tech.max_overtime
        hard_end.append(hard)
        usable, unusable = [], []
        for brk in sorted(tech.breaks, key=lambda b: (b.window.start, b.window.end)):
            # A break whose window closes before the technician is free (in progress work,
            # re-planning after lunch) or opens after the day must end cannot be taken:
            # it is reported as skipped instead of making every plan infeasible.
            if brk.window.end < route_start[-1] or brk.window.start + brk.duration > hard:
                unusable.append(brk)
            else:
                usable.append(brk)
        breaks.append(tuple(usable))
        skipped.append(tuple(unusable))

    windows = []
    for job in jobs:
        if job.windows:
            windows.append(tuple(sorted((w.start, w.end) for w in job.windows)))
        else:
            windows.append(((-NO_WINDOW_END, NO_WINDOW_END),))

    scale = settings.cost_scale
    per = Decimal(settings.travel_cost_per_hour)
    if per <= 0:
        raise ProblemError("travel_cost_per_hour must be positive")
    duration_unit = [_units(t.cost_per_hour, per, scale) for t in techs]
    overtime_unit = [
        _units(
            t.overtime_cost_per_hour
            if t.overtime_cost_per_hour is not None
            else settings.overtime_cost_per_hour,
            per,
            scale,
        )
        for t in techs
    ]
    fixed_units = [
        int((Decimal(t.fixed_cost) * 3600 * scale / per).quantize(Decimal(1), ROUND_HALF_UP))
        for t in techs
    ]
    value_units = [settings.value(j.priority) * scale for j in jobs]

    return Day(
        problem=problem,
        techs=techs,
        jobs=jobs,
        tech_index=tech_index,
        job_index=job_index,
        points=points,
        matrix=matrix,
        T=matrix.tolist(),
        job_loc=job_loc,
        home_loc=home_loc,
        start_loc=start_loc,
        started=started,
        day_start=day_start,
        route_start=route_start,
        shift_end=shift_end,
        hard_end=hard_end,
        breaks=breaks,
        skipped_breaks=skipped,
        windows=windows,
        scale=scale,
        duration_unit=duration_unit,
        overtime_unit=overtime_unit,
        fixed_units=fixed_units,
        value_units=value_units,
    )
