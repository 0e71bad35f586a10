"""`solve` and `evaluate`: the optimizer's public entry points.

solve(problem, seconds=, seed=) runs, within the time limit:
1. compile the day (one travel matrix) and pre-check every job (explain.precheck);
2. map the rest onto PyVRP and search (pyvrp_model); when every job is required (pure
   routing, e.g. Solomon) the first share of the time adds a cost per used route, which
   drives the search towards fewer, fuller routes before the true objective takes over;
3. with breaks, a second pass anchors each break at the stop before it (warm start);
4. if required work cannot all be placed together, a pass where it is optional with a
   dominant value;
5. times every route exactly (schedule.time_route) and drops work from a route only if
   that exact check fails (it does not with a metric travel provider);
6. inserts left-out jobs wherever a feasible place costs less than they are worth;
7. explains every job left out (explain.after_solve).
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
from pyvrp import (
    Activity,
    ActivityType,
    IteratedLocalSearch,
    PenaltyManager,
    PenaltyParams,
    RandomNumberGenerator,
    Solution,
    SolveParams,
)
from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours

from .day import Day, compile_day
from .explain import after_solve, best_insertion, precheck
from .model import Priority, Problem, ProblemError
from .plan import BreakTaken, LeftOut, Plan, PlanSummary, TechnicianDay, Visit
from .pyvrp_model import BREAK, JOB, build, choose_windows, decode, encode
from .schedule import RouteTime, job_order, time_route, with_breaks

__all__ = ["evaluate", "solve"]

# Share of the time for the warm-up with a cost per route (pure routing only), and that
# cost as a multiple of the mean round trip from the technicians' start to the jobs.
WARMUP_SHARE = 0.4
WARMUP_ROUTE_FACTOR = 4.0


class _Stop:
    """Stopping criterion: a wall-clock deadline and, optionally, an iteration budget
    (the budget makes a run repeatable: same seed, same iterations, same plan)."""

    def __init__(self, deadline: float, iterations: int | None):
        self.deadline = deadline
        self.left = iterations
        self.count = 0

    def __call__(self, best_cost: float) -> bool:
        self.count += 1
        if self.left is not None:
            if self.left <= 0:
                return True
            self.left -= 1
        return time.perf_counter() >= self.deadline


def _run(day: Day, mapped, stop: _Stop, seed: int, initial=None, polish: bool = False):
    """PyVRP's own `solve` (iterated local search, the same steps as `pyvrp.solve`), with
    three differences: the penalty bounds scale with our costs, a given start can first be
    completed by an exhaustive local search (`polish`, what `pyvrp.solve` does for its
    random start), and breaks at the free location get sensible neighbourhoods.

    PyVRP bounds its penalty weights in absolute terms (0.1 .. 100,000 per unit of
    violation), tuned for costs of 1 per unit of distance. Our costs are `scale` per second
    of driving, so the bounds scale with them: the search then behaves as PyVRP's own on
    the same instance with unscaled costs.
    """
    params = SolveParams(
        penalty=PenaltyParams(min_penalty=0.1 * day.scale, max_penalty=100_000.0 * day.scale)
    )
    data = mapped.data
    rng = RandomNumberGenerator(seed=seed)
    neighbours = compute_neighbours(data, params.neighbourhood)
    if mapped.free_breaks:
        neighbours = _break_neighbours(day, mapped, neighbours, params.neighbourhood.num_neighbours)
    ls = LocalSearch(data, rng, neighbours, PerturbationManager(params.perturbation))
    for op in params.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    pm = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
    if initial is None:
        start = ls(Solution.make_random(data, rng), pm.max_cost_evaluator(), exhaustive=True)
    elif polish:
        start = ls(initial, pm.max_cost_evaluator(), exhaustive=True)
    else:
        start = initial
    algo = IteratedLocalSearch(data, pm, ls, start, params.ils)
    return algo.run(stop, collect_stats=False, display=False)


def _break_neighbours(day: Day, mapped, neighbours: dict, count: int) -> dict:
    """Granular neighbourhoods with breaks at the free location (0 s from everywhere):
    PyVRP would make the breaks every job's nearest neighbours, crowding out the real
    ones; a break's own neighbours would be arbitrary. Jobs keep their job neighbours;
    a break's neighbours are the jobs nearest its technician's home."""
    breaks = {c: a for c, (kind, a, _) in enumerate(mapped.clients) if kind == BREAK}
    jobs = [(c, a) for c, (kind, a, _) in enumerate(mapped.clients) if kind == JOB]
    out = {}
    for act, near in neighbours.items():
        if act.is_client() and act.idx in breaks:
            v = breaks[act.idx]
            home = day.T[day.start_loc[v]]
            nearest = sorted(jobs, key=lambda cj: (home[day.job_loc[cj[1]]], cj[0]))[:count]
            out[act] = [Activity(ActivityType.CLIENT, c) for c, _ in nearest]
        else:
            out[act] = [a for a in near if not (a.is_client() and a.idx in breaks)]
    return out


def _pinned_start(day: Day, jobs: Sequence[int]) -> dict[int, list[int]]:
    """The first pass's start: per technician their locked jobs by window with their
    breaks where they fit. PyVRP's exhaustive local search then adds the rest."""
    locked: dict[int, list[int]] = {v: [] for v in range(len(day.techs))}
    for j in jobs:
        if day.jobs[j].locked_to is not None:
            locked[day.tech_index[day.jobs[j].locked_to]].append(j)
    routes = {}
    for v, mine in locked.items():
        mine.sort(key=lambda j: (day.windows[j][0][0], day.windows[j][0][1], j))
        if mine:
            routes[v] = with_breaks(day, v, mine)
        else:
            routes[v] = [-k - 1 for k in range(len(day.breaks[v]))]
    return routes


def _anchors(day: Day, routes: Mapping[int, list[int]]) -> dict[tuple[int, int], int]:
    """Each break at a real place next to it in the given days: the stop before it when
    the technician is free after the break window opens (they break where they are), the
    stop after it when they would arrive there before it opens (they drive, then break on
    arrival), and otherwise whichever of the two is the smaller delay.

    A real place is never optimistic (a -> that place -> b is at least a -> b); where the
    break stays it is exact or close to it; and it is near the jobs the technician does,
    so PyVRP's neighbourhood moves find it."""
    out = {}
    for v, stops in routes.items():
        if not any(s < 0 for s in stops):
            continue
        timed = time_route(day, v, stops)
        ends = {st.stop: st.end for st in timed.stops if st.stop >= 0}
        loc, end = day.start_loc[v], day.route_start[v]
        for i, s in enumerate(stops):
            if s >= 0:
                loc, end = day.job_loc[s], ends.get(s, end)
                continue
            nxt = next((x for x in stops[i + 1 :] if x >= 0), None)
            nloc = day.home_loc[v] if nxt is None else day.job_loc[nxt]
            opens = day.breaks[v][-s - 1].window.start
            if end >= opens:
                out[(v, -s - 1)] = loc
            elif end + day.T[loc][nloc] <= opens:
                out[(v, -s - 1)] = nloc
            else:
                wait_first = opens - end
                drive_first = end + day.T[loc][nloc] - opens
                out[(v, -s - 1)] = loc if wait_first <= drive_first else nloc
    return out


def solve(
    problem: Problem,
    *,
    seconds: float = 10.0,
    seed: int = 0,
    iterations: int | None = None,
) -> Plan:
    """Plan the day within `seconds` (wall clock, everything included).

    seed: PyVRP's random seed. iterations: an optional cap on search iterations (split
    over the passes); with it, the same problem and seed give the same plan whatever the
    machine, as long as the time limit is not reached first.
    """
    if seconds <= 0:
        raise ProblemError("seconds must be positive")
    t0 = time.perf_counter()
    deadline = t0 + seconds
    day = compile_day(problem)
    pre = precheck(day)
    jobs = sorted(pre.able)
    notes: list[str] = []
    routes: dict[int, list[int]] = {v: [] for v in range(len(day.techs))}
    total_iters = 0

    if jobs:
        # Leave a slice of the time for timing, filling and explaining.
        # (Measured: about 2 ms per optional job on this 2-core machine under load, mostly
        # the explanations; required work is rarely left out.)
        optional = sum(1 for j in jobs if not day.must(j))
        reserve = min(0.3 * seconds, 0.02 * seconds + 0.0002 * len(jobs) + 0.002 * optional)
        search_end = max(time.perf_counter() + 0.05, deadline - reserve)
        has_breaks = any(day.breaks)
        multi = any(len(day.windows[j]) > 1 for j in jobs)
        all_required = all(day.must(j) for j in jobs)
        if all_required and not has_breaks and not multi:
            phases = [(WARMUP_SHARE, "warmup"), (1.0, "main")]
        elif has_breaks or multi:
            phases = [(0.5, "first"), (1.0, "second")]
        else:
            phases = [(1.0, "main")]

        anchors = choice = None
        # "free": the classic model, breaks 0 s from anywhere in both passes (optimistic;
        # the exact check repairs). "anchored" (default): each break at the place of the
        # stop before it: in the start (home, or a locked job), then in the first pass's
        # plan (_anchors).
        anchored = problem.settings.break_model == "anchored"
        musts = any(day.must(j) for j in jobs)
        required = True
        mapped = best = None
        kept = None  # the routes of the last pass that ended feasible
        for share, kind in phases:
            now = time.perf_counter()
            end = now + max(0.0, search_end - now) * share
            route_cost = 0
            if kind == "first" and has_breaks and anchored:
                # At the stop before them in the start: home, or a locked job.
                anchors = _anchors(day, _pinned_start(day, jobs))
            elif kind == "second":
                anchors = _anchors(day, routes) if has_breaks and anchored else None
                choice = choose_windows(day, mapped, best)
            elif kind == "warmup":
                route_cost = _warmup_route_cost(day, jobs)
            new = build(
                day,
                jobs,
                required_musts=required,
                anchors=anchors,
                choice=choice,
                route_cost=route_cost,
            )
            if best is None:
                # Start with every pinned client on its technician (breaks, locked jobs
                # by window): PyVRP's random start scatters them, and its neighbourhood
                # moves hardly ever carry a pinned client across to the one route that
                # may hold it. The search inserts the rest.
                initial = encode(day, new, _pinned_start(day, jobs))
            else:
                initial = encode(day, new, routes)
            budget = None
            if iterations is not None:
                budget = max(1, round((iterations - total_iters) * share))
            result = _run(day, new, _Stop(end, budget), seed, initial, polish=kind != "second")
            mapped, best = new, result.best
            total_iters += result.num_iterations
            routes = decode(day, mapped, best)
            if best.is_feasible():
                kept = routes
            elif required and musts and kind != "second":
                # The required work cannot all be placed together (or not found in time):
                # from now on it is optional with a dominant value; the solver chooses.
                required = False
                notes.append("emergencies/locked work could not all be placed: chose among them")

        if not best.is_feasible():
            if kept is not None:
                # The second pass (exact breaks, chosen windows) started from a plan its
                # stricter model found infeasible and did not repair it in time: keep the
                # first pass's plan, which the exact check and the fill then settle.
                notes.append("kept the first pass's plan")
                routes = kept
            elif musts:
                if required:
                    notes.append(
                        "emergencies/locked work could not all be placed: chose among them"
                    )
                new = build(day, jobs, required_musts=False, anchors=anchors, choice=choice)
                end = max(time.perf_counter() + 0.2, search_end)
                budget = None if iterations is None else max(1, iterations - total_iters)
                result = _run(day, new, _Stop(end, budget), seed, encode(day, new, routes))
                mapped, best = new, result.best
                total_iters += result.num_iterations
                routes = decode(day, mapped, best)

    # Exact timing; repair what the exact check refuses (not expected, see module doc).
    for v in range(len(day.techs)):
        routes[v] = _repair(day, pre.able, v, routes[v], notes)
    # Fill: a left-out job goes wherever it fits for less than it is worth.
    insertions = _Insertions(day, pre.able, routes)
    _fill(day, insertions, deadline)
    return _plan(day, pre, insertions, t0, seed, total_iters, notes)


def _warmup_route_cost(day: Day, jobs: Sequence[int]) -> int:
    trips = [
        day.T[day.start_loc[v]][day.job_loc[j]] + day.T[day.job_loc[j]][day.home_loc[v]]
        for v in range(len(day.techs))[:1]
        for j in jobs
    ]
    return int(WARMUP_ROUTE_FACTOR * day.scale * float(np.mean(trips))) if trips else 0


def _repair(
    day: Day, able: dict[int, list[int]], v: int, stops: list[int], notes: list[str]
) -> list[int]:
    """Make the route pass the exact check: take off any job the technician may not do
    (only when the search ended without a feasible solution), put back a break PyVRP
    dropped (a technician with a call-out cost), then drop the least valuable jobs until
    the timing is feasible. What is taken off goes back through the fill step."""
    stops = [s for s in stops if s < 0 or v in able.get(s, ())]
    if not any(s >= 0 for s in stops):
        return []
    have = {-s - 1 for s in stops if s < 0}
    if len(have) < len(day.breaks[v]):
        stops = with_breaks(day, v, job_order(stops))
    rt = time_route(day, v, stops)
    while not rt.feasible and any(s >= 0 for s in stops):
        jobs = job_order(stops)
        drop = min(jobs, key=lambda j: (day.value_units[j], -jobs.index(j)))
        notes.append(f"exact check moved {day.jobs[drop].id!r} off {day.techs[v].id!r}")
        stops = with_breaks(day, v, [j for j in jobs if j != drop])
        rt = time_route(day, v, stops)
    return stops if any(s >= 0 for s in stops) else []


class _Insertions:
    """Best insertions of left-out jobs, remembered with the versions of the routes they
    looked at: the fill step computes them, the explanations reuse those still valid."""

    def __init__(self, day: Day, able: dict[int, list[int]], routes: dict[int, list[int]]):
        self.day, self.able, self.routes = day, able, routes
        self.version = dict.fromkeys(routes, 0)
        self.timings: dict = {}  # route timings by (technician, stops)
        self.known: dict[int, tuple] = {}

    def best(self, j: int):
        seen = self.known.get(j)
        if seen is not None and all(self.version[v] == n for v, n in seen[1].items()):
            return seen[0]
        full = _with_all_breaks(self.day, self.routes)
        ins = best_insertion(self.day, j, self.able[j], full, self.timings)
        self.known[j] = (ins, {v: self.version[v] for v in self.able[j]})
        return ins

    def place(self, j: int, ins) -> None:
        self.routes[ins.tech] = list(ins.stops)
        self.version[ins.tech] += 1


def _fill(day: Day, insertions: _Insertions, deadline: float) -> None:
    """Insert each left-out job (most valuable first) where it fits for less than it is
    worth, until the deadline."""
    routes = insertions.routes
    placed = {s for stops in routes.values() for s in stops if s >= 0}
    waiting = sorted(
        (j for j in insertions.able if j not in placed), key=lambda j: (-day.value_units[j], j)
    )
    for j in waiting:
        if time.perf_counter() > deadline:
            break
        ins = insertions.best(j)
        if ins is not None and ins.delta < day.value_units[j]:
            insertions.place(j, ins)


def _with_all_breaks(day: Day, routes: dict[int, list[int]]) -> dict[int, list[int]]:
    """Idle technicians' days as their breaks alone (so a job can be placed around them)."""
    out = {}
    for v, stops in routes.items():
        out[v] = stops if stops else [-k - 1 for k in range(len(day.breaks[v]))]
    return out


def _cost(day: Day, v: int, stops: list[int]) -> int:
    return time_route(day, v, stops).cost


def _plan(day, pre, insertions: _Insertions, t0, seed, iterations, notes) -> Plan:
    routes = insertions.routes
    days = []
    for v in range(len(day.techs)):
        stops = routes[v]
        if not stops and day.started[v] is None:
            continue
        days.append(_technician_day(day, v, time_route(day, v, stops)))
    placed = {s for stops in routes.values() for s in stops if s >= 0}
    placed |= {s for s in day.started if s is not None}
    left: list[LeftOut] = []
    for j, _job in enumerate(day.jobs):
        if j in placed:
            continue
        if j in pre.left_out:
            left.append(pre.left_out[j])
        else:
            left.append(after_solve(day, j, pre.able[j], routes, insertions.best(j)))
    summary = _summary(day, days, placed)
    return Plan(
        routes=tuple(days),
        left_out=tuple(left),
        summary=summary,
        origin=day.problem.origin,
        seed=seed,
        runtime=time.perf_counter() - t0,
        iterations=iterations,
        objective=_objective(day, routes, placed, pre.able),
        notes=tuple(notes),
    )


def _objective(
    day: Day, routes: dict[int, list[int]], placed: set[int], able: dict[int, list[int]]
) -> int:
    """The plan's cost as the solver weighs it: the routes' costs plus the value of every
    job the solver could have placed but left out (objective units, `cost_scale` per
    second of driving)."""
    cost = sum(time_route(day, v, stops).cost for v, stops in routes.items() if stops)
    return cost + sum(day.value_units[j] for j in able if j not in placed)


def _technician_day(day: Day, v: int, rt: RouteTime) -> TechnicianDay:
    visits: list[Visit] = []
    breaks: list[BreakTaken] = []
    if rt.started is not None:
        st = rt.started
        visits.append(Visit(day.jobs[st.stop].id, st.arrival, st.start, st.end, 0, 0, started=True))
    for st in rt.stops:
        if st.stop >= 0:
            window = next(
                ((ws, we) for ws, we in day.windows[st.stop] if st.start <= we),
                day.windows[st.stop][-1],
            )
            has_window = bool(day.jobs[st.stop].windows)
            visits.append(
                Visit(
                    day.jobs[st.stop].id,
                    st.arrival,
                    st.start,
                    st.end,
                    st.travel,
                    st.wait,
                    st.late,
                    window=window if has_window else None,
                )
            )
        else:
            brk = day.breaks[v][-st.stop - 1]
            late = max(0, st.start - brk.window.end)
            breaks.append(
                BreakTaken(st.start, st.end, (brk.window.start, brk.window.end), len(visits), late)
            )
    wait = sum(x.wait for x in visits)
    return TechnicianDay(
        technician_id=day.techs[v].id,
        visits=tuple(visits),
        breaks=tuple(breaks),
        leave=rt.leave,
        back=rt.back,
        travel=rt.travel,
        overtime=rt.overtime,
        wait=wait,
        late=rt.late,
        break_late=rt.break_late,
        excess=rt.excess,
        over_capacity=rt.over_capacity,
        skipped_breaks=day.skipped_breaks[v],
    )


def _summary(day: Day, days: list[TechnicianDay], placed: set[int]) -> PlanSummary:
    by_priority = {p.name.lower(): 0 for p in Priority}
    for j in placed:
        by_priority[day.jobs[j].priority.name.lower()] += 1
    emergencies = [j for j, job in enumerate(day.jobs) if job.priority == Priority.EMERGENCY]
    violations = sum(
        sum(1 for x in d.visits if x.late)
        + sum(1 for b in d.breaks if b.late)
        + (1 if d.excess else 0)
        + (1 if d.over_capacity else 0)
        for d in days
    )
    return PlanSummary(
        jobs_total=len(day.jobs),
        jobs_placed=len(placed),
        emergencies_total=len(emergencies),
        emergencies_placed=sum(1 for j in emergencies if j in placed),
        travel=sum(d.travel for d in days),
        overtime=sum(d.overtime for d in days),
        technicians_used=sum(1 for d in days if d.visits),
        late=sum(d.late for d in days),
        violations=violations,
        placed_by_priority=by_priority,
    )


def evaluate(problem: Problem, assignment: Mapping[Hashable, Sequence[Hashable]]) -> PlanSummary:
    """Totals of a given plan (the board's current one) with the solver's arithmetic.

    assignment: technician id -> job ids in the order they are done. A technician's job in
    progress goes first whether listed or not; breaks go where they fit best. Nothing is
    refused: a late arrival, a missed break, a day past the overtime limit are counted in
    `late` / `violations`, so the board can show them.
    """
    return evaluate_plan(problem, assignment).summary


def evaluate_plan(problem: Problem, assignment: Mapping[Hashable, Sequence[Hashable]]) -> Plan:
    """Like `evaluate`, but the whole timed plan (per technician arrival times etc.)."""
    day = compile_day(problem)
    routes: dict[int, list[int]] = {v: [] for v in range(len(day.techs))}
    seen: set[Hashable] = set()
    for tech_id, job_ids in assignment.items():
        if tech_id not in day.tech_index:
            raise ProblemError(f"unknown technician {tech_id!r}")
        v = day.tech_index[tech_id]
        order = []
        for job_id in job_ids:
            if job_id not in day.job_index:
                raise ProblemError(f"unknown job {job_id!r}")
            if job_id in seen:
                raise ProblemError(f"job {job_id!r} is assigned twice")
            seen.add(job_id)
            j = day.job_index[job_id]
            if day.started[v] == j:
                continue
            if day.jobs[j].started:
                raise ProblemError(f"job {job_id!r} is in progress with another technician")
            order.append(j)
        routes[v] = with_breaks(day, v, order) if order else []
    days = []
    for v in range(len(day.techs)):
        if routes[v] or day.started[v] is not None:
            days.append(_technician_day(day, v, time_route(day, v, routes[v])))
    placed = {s for stops in routes.values() for s in stops if s >= 0}
    placed |= {s for s in day.started if s is not None}
    return Plan(
        routes=tuple(days),
        left_out=(),
        summary=_summary(day, days, placed),
        origin=problem.origin,
    )
