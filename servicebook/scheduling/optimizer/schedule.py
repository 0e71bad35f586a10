"""Exact timing of one technician's day: the arithmetic every plan is judged by.

A route is the technician's ordered stops: job indices (>= 0) and breaks (-1 for the
technician's first break, -2 for the second, ...). The technician leaves the start of the
route at `Day.route_start`, drives, waits for a window to open when early, works, and
returns home. A break is taken wherever the technician is: it starts as soon as both the
technician is free and its window is open; the drive to the next stop continues after it
(part of the drive may come before it). That is the true schedule; the solver's model of
breaks is never more optimistic than this (docs/optimizer.md).

`time_route` is used by the plan, by `evaluate` (the current board), by the pre-check and
by the insertion checks of the explanations, so all of them agree to the second.
"""

from __future__ import annotations

from dataclasses import dataclass

from .day import Day


@dataclass(frozen=True, slots=True)
class StopTime:
    """When a job is served (or a break taken). For a job: travel is the drive from the
    previous place, wait the time between arrival and start, late how far the start is
    past the window (0 in a feasible plan)."""

    stop: int
    arrival: int
    start: int
    end: int
    travel: int = 0
    wait: int = 0
    late: int = 0


@dataclass(frozen=True, slots=True)
class RouteTime:
    """The timed day of one technician (see StopTime)."""

    tech: int
    stops: tuple[StopTime, ...]
    started: StopTime | None
    leave: int
    back: int
    travel: int
    return_travel: int
    overtime: int
    late: int  # total lateness against job windows
    break_late: int  # total lateness against break windows
    excess: int  # time past shift end + allowed overtime
    over_capacity: int
    jobs: int
    cost: int  # objective units (travel, duration, overtime, fixed cost)

    @property
    def feasible(self) -> bool:
        return not (self.late or self.break_late or self.excess or self.over_capacity)

    @property
    def violation(self) -> int:
        return self.late + self.break_late + self.excess + self.over_capacity


def time_route(day: Day, v: int, stops: list[int] | tuple[int, ...]) -> RouteTime:
    """Time the technician's day for the given stop order (see module docstring)."""
    T = day.T
    breaks = day.breaks[v]
    t = day.route_start[v]
    loc = day.start_loc[v]
    started_time = None
    s_job = day.started[v]
    if s_job is not None:
        started_time = StopTime(s_job, day.day_start[v], day.day_start[v], t)
    out: list[StopTime] = []
    pending: list[int] = []
    travel = late = break_late = load = jobs = 0

    def drive(t: int, leg: int) -> tuple[int, int]:
        """Drive `leg` seconds from time t, taking the pending breaks on the way."""
        nonlocal pending
        b_late = 0
        remaining = leg
        for k in pending:
            brk = breaks[-k - 1]
            ws, we = brk.window.start, brk.window.end
            if t < ws:
                part = min(remaining, ws - t)
                t += part
                remaining -= part
            start = max(t, ws)
            if start > we:
                b_late += start - we
            end = start + brk.duration
            out.append(StopTime(k, start, start, end))
            t = end
        pending = []
        return t + remaining, b_late

    for s in stops:
        if s < 0:
            pending.append(s)
            continue
        leg = T[loc][day.job_loc[s]]
        arrival, bl = drive(t, leg)
        break_late += bl
        start = None
        wl = day.windows[s]
        for ws, we in wl:
            if arrival <= we:
                start = arrival if arrival > ws else ws
                break
        lateness = 0
        if start is None:
            start = arrival
            lateness = arrival - wl[-1][1]
            late += lateness
        end = start + day.jobs[s].duration
        out.append(StopTime(s, arrival, start, end, leg, start - arrival, lateness))
        travel += leg
        load += day.jobs[s].load
        jobs += 1
        t = end
        loc = day.job_loc[s]
    leg = T[loc][day.home_loc[v]]
    back, bl = drive(t, leg)
    break_late += bl
    travel += leg
    tech = day.techs[v]
    overtime = max(0, back - day.shift_end[v])
    excess = max(0, back - day.hard_end[v])
    over_capacity = 0
    if tech.capacity is not None and s_job is None:
        over_capacity = max(0, load - tech.capacity)
    elif tech.capacity is not None:
        over_capacity = max(0, load + day.jobs[s_job].load - tech.capacity)
    if jobs == 0 and s_job is None:
        # An idle technician costs nothing: no drive, no break to schedule, no fixed cost.
        return RouteTime(
            v, (), None, day.route_start[v], day.route_start[v], 0, 0, 0, 0, 0, 0, 0, 0, 0
        )
    cost = (
        day.scale * travel
        + day.duration_unit[v] * (back - day.route_start[v])
        + day.overtime_unit[v] * overtime
        + day.fixed_units[v]
    )
    return RouteTime(
        tech=v,
        stops=tuple(out),
        started=started_time,
        leave=day.route_start[v],
        back=back,
        travel=travel,
        return_travel=leg,
        overtime=overtime,
        late=late,
        break_late=break_late,
        excess=excess,
        over_capacity=over_capacity,
        jobs=jobs + (1 if s_job is not None else 0),
        cost=cost,
    )


def with_breaks(day: Day, v: int, jobs: list[int]) -> list[int]:
    """Put the technician's breaks where they fit best into a job order that has none
    (the board's current plan does not say when lunch is): each break in turn goes to the
    position with the least violation, then the earliest return."""
    stops = list(jobs)
    for k in range(len(day.breaks[v])):
        code = -k - 1
        best = None
        # A later break never goes before an earlier one (they are sorted by window).
        first = max((i + 1 for i, s in enumerate(stops) if s < 0), default=0)
        for pos in range(first, len(stops) + 1):
            cand = [*stops[:pos], code, *stops[pos:]]
            rt = time_route(day, v, cand)
            key = (rt.violation, rt.back, rt.travel, pos)
            if best is None or key < best[0]:
                best = (key, cand)
        stops = best[1]
    return stops


def job_order(stops: list[int] | tuple[int, ...]) -> list[int]:
    """The jobs of a route without its breaks."""
    return [s for s in stops if s >= 0]


def insertion_cost(
    day: Day, v: int, stops: list[int], base: RouteTime, pos: int, j: int
) -> int | None:
    """The change of the route's cost when job j is inserted before stops[pos] (None when
    that is not feasible), with the same arithmetic as `time_route`.

    Only the part of the day from the last job before the insertion is timed again, and
    the timing stops as soon as a job ends when it ended before: the rest of the day is
    then unchanged (the delay was absorbed by waiting), so it stays feasible.
    """
    if base.jobs == 0 or not base.feasible:
        rt = time_route(day, v, [*stops[:pos], j, *stops[pos:]])
        return rt.cost - base.cost if rt.feasible else None
    T = day.T
    jobs = day.jobs
    job_loc = day.job_loc
    breaks = day.breaks[v]
    k = pos - 1
    while k >= 0 and stops[k] < 0:
        k -= 1
    if k >= 0:
        t = base.stops[k].end
        loc = job_loc[stops[k]]
    else:
        t = day.route_start[v]
        loc = day.start_loc[v]
    pending = [stops[i] for i in range(k + 1, pos)]
    # The old drive from `loc` to the first job at or after pos (or home) is replaced.
    nxt = pos
    while nxt < len(stops) and stops[nxt] < 0:
        nxt += 1
    old_target = job_loc[stops[nxt]] if nxt < len(stops) else day.home_loc[v]
    travel_delta = -T[loc][old_target]
    seq = [j, *stops[pos:]]
    first = True
    for i, s in enumerate(seq):
        if s < 0:
            pending.append(s)
            continue
        leg = T[loc][job_loc[s]]
        remaining = leg
        for b in pending:
            brk = breaks[-b - 1]
            ws = brk.window.start
            if t < ws:
                part = remaining if remaining < ws - t else ws - t
                t += part
                remaining -= part
            start = t if t > ws else ws
            if start > brk.window.end:
                return None
            t = start + brk.duration
        pending = []
        arrival = t + remaining
        start = None
        for ws, we in day.windows[s]:
            if arrival <= we:
                start = arrival if arrival > ws else ws
                break
        if start is None:
            return None
        t = start + jobs[s].duration
        loc = job_loc[s]
        if first:
            travel_delta += leg
            first = False
        elif i == 1 or (i > 1 and all(x < 0 for x in seq[1:i])):
            travel_delta += leg  # the drive j -> next job
        if s != j:
            base_end = base.stops[pos + i - 1].end
            if t == base_end:
                return day.scale * travel_delta
    # To the end of the day: the pending breaks on the way home.
    leg = T[loc][day.home_loc[v]]
    if seq[1:] == [] or all(x < 0 for x in seq[1:]):
        travel_delta += leg
    remaining = leg
    for b in pending:
        brk = breaks[-b - 1]
        ws = brk.window.start
        if t < ws:
            part = remaining if remaining < ws - t else ws - t
            t += part
            remaining -= part
        start = t if t > ws else ws
        if start > brk.window.end:
            return None
        t = start + brk.duration
    back = t + remaining
    if back > day.hard_end[v]:
        return None
    overtime = max(0, back - day.shift_end[v])
    return (
        day.scale * travel_delta
        + day.duration_unit[v] * (back - base.back)
        + day.overtime_unit[v] * (overtime - base.overtime)
    )
