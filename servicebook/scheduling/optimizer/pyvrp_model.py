"""Mapping a compiled day onto PyVRP 0.14 (`ProblemData`), and PyVRP's answer back.

- Locations: the day's distinct points plus one "free" location (0 s to and from
  anywhere), where breaks sit in the first pass.
- Technicians: one vehicle type each, except that interchangeable technicians (same
  start, end, shift, skills and costs, nothing pinned to them) share one type with
  `num_available` > 1; their routes are handed out in order.
- Shifts: the route leaves at `route_start` exactly (tw_early = start_late), so overtime
  is clock time past the shift end; `shift_duration` + `max_overtime` bound the day,
  `unit_overtime_cost` prices it.
- Skills: one load dimension per skill that some technician lacks; a job needing the
  skill takes 1 of it, a technician with the skill carries enough, one without carries 0.
- Pins (locked jobs and breaks): each technician that has something pinned gets a
  codeword of a constant-weight code over a few extra dimensions (an antichain: no
  codeword contains another), carrying capacity only on its own codeword's dimensions; a
  pinned client takes 1 on each dimension of its technician's codeword, so any other
  vehicle lacks capacity in at least one of them. 100 technicians need 9 dimensions
  instead of 100.
- Van capacity: one more load dimension when any job has a load.
- Priorities: emergencies and locked jobs are required clients; other jobs are optional
  with a prize (their value).
- Several windows: the first pass uses their hull, the second the window the first pass
  used (the widest when it left the job out). PyVRP's mutually exclusive client groups
  model this exactly but made every iteration 2-3 times slower on a 300-job day; the
  exact timing and the fill step still consider every window.
- Breaks: a client pinned to its technician with the break's window and duration. Pass 1
  puts it at the free location; pass 2 at the location of the stop before it in pass 1's
  plan. docs/optimizer.md explains why that is never optimistic.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from pyvrp import (
    Client,
    Depot,
    Location,
    ProblemData,
    Route,
    Solution,
    VehicleType,
)

from .day import NO_WINDOW_END, Day

JOB = 0
BREAK = 1


@dataclass(slots=True)
class Mapped:
    """A PyVRP instance and how its indices map back to the day."""

    data: ProblemData
    clients: list[tuple[int, int, int]]  # per PyVRP client: (JOB, job, window) | (BREAK, tech, k)
    type_techs: list[list[int]]  # per vehicle type: its technicians
    free_loc: int
    break_client: dict[tuple[int, int], int] = field(default_factory=dict)
    free_breaks: bool = False  # some break sits at the free location


def codewords(count: int) -> tuple[int, list[tuple[int, ...]]]:
    """`count` codewords of a constant-weight code (none contains another) over as few
    dimensions as possible: (dimensions, codewords)."""
    if count == 0:
        return 0, []
    n = 1
    while True:
        w = max(1, n // 2)
        words = list(itertools.islice(itertools.combinations(range(n), w), count))
        if len(words) == count:
            return n, words
        n += 1


def build(
    day: Day,
    jobs: list[int],
    *,
    required_musts: bool,
    anchors: Mapping[tuple[int, int], int] | None = None,
    choice: Mapping[int, int] | None = None,
    route_cost: int = 0,
) -> Mapped:
    """PyVRP data for the given jobs (the ones that passed the pre-check).

    required_musts: emergencies and locked jobs as required clients (False: optional with
    the must value, when they cannot all fit). anchors: per (technician, break) the
    location of the break (default: the free location). choice: per job with several
    windows, the one to use (None: the first pass, with their hull). route_cost: an extra
    fixed cost per used route (the warm-up phase's pressure towards fewer routes).
    """
    techs = day.techs
    n_tech = len(techs)
    pts = day.points
    n_pts = len(pts)
    free = n_pts
    locations = [Location(float(p.lon), float(p.lat)) for p in pts]
    locations.append(Location(0.0, 0.0, name="free"))
    base = day.matrix
    matrix = np.zeros((n_pts + 1, n_pts + 1), dtype=np.int64)
    matrix[:n_pts, :n_pts] = base

    # Depots: one per distinct start/end location.
    depot_of: dict[int, int] = {}
    depots: list[Depot] = []

    def depot(loc: int) -> int:
        if loc not in depot_of:
            depot_of[loc] = len(depots)
            depots.append(Depot(loc))
        return depot_of[loc]

    starts = [depot(day.start_loc[v]) for v in range(n_tech)]
    ends = [depot(day.home_loc[v]) for v in range(n_tech)]

    # Load dimensions.
    locked = {v: [] for v in range(n_tech)}
    for j in jobs:
        if day.jobs[j].locked_to is not None:
            locked[day.tech_index[day.jobs[j].locked_to]].append(j)
    pinned_techs = [v for v in range(n_tech) if day.breaks[v] or locked[v]]
    n_pin, words = codewords(len(pinned_techs))
    word_of = dict(zip(pinned_techs, words, strict=True))
    needed_skills = sorted({s for j in jobs for s in day.jobs[j].skills})
    skills = [s for s in needed_skills if not all(s in t.skills for t in techs)]
    use_load = any(day.jobs[j].load for j in jobs) or any(t.capacity is not None for t in techs)
    dims = (1 if use_load else 0) + len(skills) + n_pin
    skill_dim = {s: (1 if use_load else 0) + i for i, s in enumerate(skills)}
    pin0 = (1 if use_load else 0) + len(skills)
    # A skill or pin violation weighs as much as an hour of lateness: PyVRP prices one
    # unit of excess load like one second of time warp, and with unit amounts its search
    # traded a wrong technician for two seconds of lateness.
    unit = 3600
    n_clients_est = (len(jobs) + sum(len(b) for b in day.breaks) + 1) * unit
    total_load = sum(day.jobs[j].load for j in jobs) + 1

    def job_delivery(j: int) -> list[int]:
        vec = [0] * dims
        job = day.jobs[j]
        if use_load:
            vec[0] = job.load
        for s in job.skills:
            if s in skill_dim:
                vec[skill_dim[s]] = unit
        if job.locked_to is not None:
            for d in word_of[day.tech_index[job.locked_to]]:
                vec[pin0 + d] = unit
        return vec

    def capacity(v: int) -> list[int]:
        vec = [0] * dims
        tech = techs[v]
        if use_load:
            cap = total_load if tech.capacity is None else tech.capacity
            if day.started[v] is not None:
                cap = max(0, cap - day.jobs[day.started[v]].load)
            vec[0] = cap
        for s, d in skill_dim.items():
            vec[d] = n_clients_est if s in tech.skills else 0
        if v in word_of:
            for d in word_of[v]:
                vec[pin0 + d] = n_clients_est
        return vec

    # Vehicle types: interchangeable technicians share one.
    groups: dict[tuple, list[int]] = {}
    for v in range(n_tech):
        if v in word_of:
            key: tuple = ("pinned", v)
        else:
            key = (
                starts[v],
                ends[v],
                day.route_start[v],
                day.shift_end[v],
                day.hard_end[v],
                tuple(capacity(v)),
                day.duration_unit[v],
                day.overtime_unit[v],
                day.fixed_units[v],
            )
        groups.setdefault(key, []).append(v)
    type_techs = list(groups.values())
    vehicle_types = []
    for members in type_techs:
        v = members[0]
        begin = day.route_start[v]
        shift = max(0, day.shift_end[v] - begin)
        vehicle_types.append(
            VehicleType(
                num_available=len(members),
                capacity=capacity(v),
                start_depot=starts[v],
                end_depot=ends[v],
                fixed_cost=day.fixed_units[v] + route_cost,
                tw_early=begin,
                start_late=begin,
                tw_late=max(begin, day.hard_end[v]),
                shift_duration=shift,
                max_overtime=max(0, day.hard_end[v] - begin - shift),
                unit_distance_cost=day.scale,
                unit_duration_cost=day.duration_unit[v],
                unit_overtime_cost=day.overtime_unit[v],
                name=",".join(str(m) for m in members),
            )
        )

    clients: list[Client] = []
    index: list[tuple[int, int, int]] = []
    for j in jobs:
        job = day.jobs[j]
        required = day.must(j) and required_musts
        windows = day.windows[j]
        if len(windows) == 1 or choice is None:
            # One window, or the first pass over a job with several: their hull.
            ws, we, w = windows[0][0], windows[-1][1], -1 if len(windows) > 1 else 0
        else:
            w = choice.get(j, 0)
            ws, we = windows[w]
        kw = {}
        if ws > 0:
            kw["tw_early"] = ws
        if we < NO_WINDOW_END:
            kw["tw_late"] = max(0, we)
        clients.append(
            Client(
                day.job_loc[j],
                delivery=job_delivery(j),
                service_duration=job.duration,
                prize=0 if required else day.value_units[j],
                required=required,
                name=str(job.id),
                **kw,
            )
        )
        index.append((JOB, j, w))

    break_client: dict[tuple[int, int], int] = {}
    break_locs: list[int] = []
    for v in range(n_tech):
        for k, brk in enumerate(day.breaks[v]):
            vec = [0] * dims
            for d in word_of[v]:
                vec[pin0 + d] = unit
            loc = free if anchors is None else anchors.get((v, k), free)
            break_locs.append(loc)
            optional = day.fixed_units[v] > 0
            break_client[(v, k)] = len(clients)
            clients.append(
                Client(
                    loc,
                    delivery=vec,
                    service_duration=brk.duration,
                    tw_early=max(0, brk.window.start),
                    tw_late=max(0, brk.window.end),
                    # A technician who costs money to call out should not be called out
                    # for a lunch alone: the break is then worth a little less than the
                    # call-out, so an otherwise empty day stays empty. (The plan's check
                    # puts it back if a used route dropped it.)
                    prize=max(1, day.fixed_units[v] - 1) if optional else 0,
                    required=not optional,
                    name=f"break:{techs[v].id}:{k}",
                )
            )
            index.append((BREAK, v, k))

    data = ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[matrix],
        duration_matrices=[matrix],
    )
    free_breaks = any(mapped_loc == free for mapped_loc in break_locs)
    return Mapped(data, index, type_techs, free, break_client, free_breaks)


def decode(day: Day, mapped: Mapped, solution: Solution) -> dict[int, list[int]]:
    """Per technician, the stops of PyVRP's solution (jobs >= 0, breaks -1, -2, ...)."""
    routes: dict[int, list[int]] = {v: [] for v in range(len(day.techs))}
    used: dict[int, int] = {}
    for route in solution.routes():
        vt = route.vehicle_type()
        members = mapped.type_techs[vt]
        v = members[used.get(vt, 0)]
        used[vt] = used.get(vt, 0) + 1
        stops = []
        for act in route.schedule():
            if not act.is_client():
                continue
            kind, a, b = mapped.clients[act.idx]
            if kind == JOB:
                stops.append(a)
            elif a == v:
                stops.append(-b - 1)
            # else: another technician's break on this route: only in a solution that is
            # not feasible (the pins are load dimensions); it is dropped here.
        routes[v] = stops
    return routes


def encode(day: Day, mapped: Mapped, routes: Mapping[int, list[int]]) -> Solution:
    """A PyVRP solution of `mapped` for the given stops (a warm start for the next pass)."""
    job_client = {a: c for c, (kind, a, _) in enumerate(mapped.clients) if kind == JOB}
    type_of = {v: t for t, members in enumerate(mapped.type_techs) for v in members}
    out = []
    for v, stops in routes.items():
        visits = []
        for s in stops:
            if s >= 0:
                if s in job_client:
                    visits.append(job_client[s])
            else:
                c = mapped.break_client.get((v, -s - 1))
                if c is not None:
                    visits.append(c)
        if visits:
            out.append(Route(mapped.data, visits, type_of[v]))
    return Solution(mapped.data, out)


def choose_windows(day: Day, mapped: Mapped, solution: Solution) -> dict[int, int]:
    """For each job with several windows, the one to use next: the window holding (or
    nearest to) the start the first pass gave it, the widest if it was left out."""
    starts = {}
    for route in solution.routes():
        for act in route.schedule():
            if act.is_client():
                kind, a, _ = mapped.clients[act.idx]
                if kind == JOB:
                    starts[a] = act.start_time
    out = {}
    for j, windows in enumerate(day.windows):
        if len(windows) < 2:
            continue
        if j in starts:
            t = starts[j]
            out[j] = min(
                range(len(windows)),
                key=lambda w: (max(0, windows[w][0] - t, t - windows[w][1]), w),
            )
        else:
            out[j] = max(range(len(windows)), key=lambda w: (windows[w][1] - windows[w][0], -w))
    return out
