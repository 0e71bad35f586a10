"""Why a job is not in the plan: a feasibility pre-check per job, then, for jobs the solver
left out, an exact insertion check against the final plan.

Pre-check (before solving): which technicians could do the job at all: skills, the lock,
van capacity, and whether the job alone fits the technician's day (shift, overtime limit,
window, breaks), timed by `schedule.time_route`. Jobs that fit nobody never reach the
solver and get the reason that is true for every able technician.

After solving, a job that passed the pre-check but is not placed is tried at every position
of every able technician's day. If some position is feasible, the cheapest one costs more
than the job is worth (the optimizer inserts it otherwise, see solver.fill), so the reason
is NOT_WORTH_THE_TRAVEL. If none is, the days of the able technicians are full: the
reason is LOWER_PRIORITY_THAN_PLACED when everything they carry is of higher priority,
else NO_ROOM.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from .day import Day
from .model import Priority
from .plan import LeftOut, Reason
from .schedule import insertion_cost, time_route

WINDOW, SHIFT, BREAK = "window", "shift", "break"


@dataclass(slots=True)
class Precheck:
    """Able technicians per job (skills, lock and van capacity; the job fits at least one
    of their days alone), and the reasons of the jobs nobody can do."""

    able: dict[int, list[int]]
    left_out: dict[int, LeftOut]


def _fmt(seconds: int) -> str:
    seconds = int(seconds)
    h, rem = divmod(abs(seconds), 3600)
    m = rem // 60
    sign = "-" if seconds < 0 else ""
    return f"{sign}{h} h {m:02d} min" if h else f"{sign}{m} min"


def _alone(day: Day, v: int, j: int) -> tuple[bool, str | None]:
    """Does job j alone fit technician v's day? (False, why) when not."""
    breaks = [-k - 1 for k in range(len(day.breaks[v]))]
    best = None
    for pos in range(len(breaks) + 1):
        rt = time_route(day, v, [*breaks[:pos], j, *breaks[pos:]])
        if rt.feasible:
            return True, None
        if best is None or rt.violation < best.violation:
            best = rt
    # Classify: cannot start within a window even going straight there -> window;
    # fits without the breaks -> the break is the obstacle; else the day is too short.
    earliest = day.route_start[v] + day.T[day.start_loc[v]][day.job_loc[j]]
    if all(earliest > we for _, we in day.windows[j]):
        return False, WINDOW
    if day.breaks[v]:
        bare = _without_breaks(day, v, j)
        if bare:
            return False, BREAK
    return False, SHIFT


def _without_breaks(day: Day, v: int, j: int) -> bool:
    saved = day.breaks[v]
    day.breaks[v] = ()
    try:
        return time_route(day, v, [j]).feasible
    finally:
        day.breaks[v] = saved


def precheck(day: Day) -> Precheck:
    """Able technicians for every job that is not in progress (see module docstring)."""
    able: dict[int, list[int]] = {}
    left: dict[int, LeftOut] = {}
    techs = day.techs
    for j, job in enumerate(day.jobs):
        if job.started:
            continue
        if job.locked_to is not None:
            v = day.tech_index.get(job.locked_to)
            if v is None:
                left[j] = LeftOut(
                    job.id,
                    job.priority,
                    Reason.LOCKED_TECHNICIAN_ABSENT,
                    f"Locked to {job.locked_to}, who is not in this plan.",
                )
                continue
            missing = job.skills - techs[v].skills
            if missing:
                left[j] = LeftOut(
                    job.id,
                    job.priority,
                    Reason.LOCKED_TECHNICIAN_LACKS_SKILLS,
                    f"Locked to {job.locked_to}, who lacks {', '.join(sorted(missing))}.",
                )
                continue
            skilled = [v]
        else:
            skilled = [v for v, t in enumerate(techs) if job.skills <= t.skills]
            if not skilled:
                if not techs:
                    detail = "No technician works that day."
                else:
                    detail = (
                        f"None of the {len(techs)} technicians working that day has "
                        f"{', '.join(sorted(job.skills))}."
                    )
                left[j] = LeftOut(job.id, job.priority, Reason.NO_SKILLED_TECHNICIAN, detail)
                continue
        sized = [
            v
            for v in skilled
            if techs[v].capacity is None or job.load + _started_load(day, v) <= techs[v].capacity
        ]
        if not sized:
            left[j] = LeftOut(
                job.id,
                job.priority,
                Reason.TOO_LARGE,
                f"Needs {job.load}; the largest able van carries "
                f"{max(techs[v].capacity or 0 for v in skilled)}.",
            )
            continue
        # One technician whose day the job fits alone is enough to send it to the solver
        # (the able list stays the skilled ones: whoever gets it is checked exactly);
        # only a job nobody can fit is timed on every day, for its reason.
        why = {WINDOW: 0, SHIFT: 0, BREAK: 0}
        order = sorted(sized, key=lambda v: day.T[day.start_loc[v]][day.job_loc[j]])
        fits = False
        for v in order:
            ok, reason = _alone(day, v, j)
            if ok:
                fits = True
                break
            why[reason] += 1
        if fits:
            able[j] = sized
            continue
        who = f"{job.locked_to} (locked)" if job.locked_to is not None else None
        n = len(sized)
        if why[WINDOW] == n:
            reason = Reason.WINDOW_UNREACHABLE
            detail = (
                f"{who or f'None of the {n} able technicians'} can start it within its "
                "window, even going there first."
            )
        elif why[SHIFT] == n:
            reason = Reason.EXCEEDS_SHIFT
            detail = (
                f"{who or f'Each of the {n} able technicians'} would run past the end of "
                f"the shift and the allowed overtime (the job takes {_fmt(job.duration)})."
            )
        elif why[BREAK] == n:
            reason = Reason.BREAK_CONFLICT
            detail = f"{who or f'Each of the {n} able technicians'} would miss their break."
        else:
            reason = Reason.NO_SHIFT_FITS
            detail = (
                f"Of {n} able technicians, {why[WINDOW]} cannot reach its window, "
                f"{why[SHIFT]} would run past their shift, {why[BREAK]} would miss a break."
            )
        left[j] = LeftOut(job.id, job.priority, reason, detail)
    return Precheck(able, left)


def _started_load(day: Day, v: int) -> int:
    s = day.started[v]
    return 0 if s is None else day.jobs[s].load


@dataclass(frozen=True, slots=True)
class Insertion:
    """Where a job fits: the technician, the new stops of their day, the added cost."""

    tech: int
    stops: tuple[int, ...]
    delta: int  # objective units


def best_insertion(
    day: Day,
    j: int,
    able: list[int],
    routes: dict[int, list[int]],
    cache: dict | None = None,
    exhaustive: bool = True,
) -> Insertion | None:
    """The cheapest feasible place for job j in the current routes (None: no room).

    A day with breaks where no position fits is tried again with the breaks moved
    (exhaustive), so that "no room" holds for every order of the day with the job in it
    that keeps the other jobs' order.

    Positions are tried in order; once even the earliest possible arrival (the end of the
    previous job plus the drive) is past the job's last window, later positions of that
    route cannot work either and are skipped.
    """
    best: Insertion | None = None
    last_end = day.windows[j][-1][1]
    lj = day.job_loc[j]
    T = day.T
    load = day.jobs[j].load
    duration = day.jobs[j].duration
    # Routes in the order of their smallest detour to j: with a metric travel time no
    # insertion costs less than scale x detour (the day only gets longer), so once that
    # bound reaches the best found the remaining routes are skipped.
    candidates = []
    for v in able:
        stops = routes[v]
        cap = day.techs[v].capacity
        if cap is not None:
            used = sum(day.jobs[s].load for s in stops if s >= 0) + _started_load(day, v)
            if used + load > cap:
                continue
        key = (v, tuple(stops))
        if cache is not None and key in cache:
            base, ends, busy, locs = cache[key]
        else:
            base = time_route(day, v, stops)
            ends = _job_ends(day, v, stops, base)
            busy = _busy(day, v, stops, base)
            locs = [day.start_loc[v], *(day.job_loc[s] for s in stops if s >= 0), day.home_loc[v]]
            if cache is not None:
                cache[key] = (base, ends, busy, locs)
        detour = min(T[a][lj] + T[lj][b] - T[a][b] for a, b in itertools.pairwise(locs))
        # The day must hold its work, its breaks, its drive and j: waiting is all that can
        # give way, so a day without that much room cannot take j anywhere.
        if busy + duration + detour > day.hard_end[v] - day.route_start[v]:
            continue
        candidates.append((detour, v, stops, base, ends))
    candidates.sort(key=lambda c: (c[0], c[1]))
    for detour, v, stops, base, ends in candidates:
        if best is not None and day.scale * detour >= best.delta:
            break
        found = False
        for pos in range(len(stops) + 1):
            prev_end, prev_loc = ends[pos]
            if prev_end + T[prev_loc][lj] > last_end:
                break
            delta = insertion_cost(day, v, stops, base, pos, j)
            if delta is not None:
                found = True
                if best is None or delta < best.delta:
                    best = Insertion(v, (*stops[:pos], j, *stops[pos:]), delta)
        if not found and day.breaks[v] and exhaustive:
            # No gap with the breaks where they are: try moving them too, so that "no
            # room" is true of every order of the day with the job added in.
            found_here = _with_moved_breaks(day, v, j, stops, base, ends, last_end)
            if found_here is not None and (best is None or found_here.delta < best.delta):
                best = found_here
    return best


def _busy(day: Day, v: int, stops: list[int], base) -> int:
    """Work, breaks and driving of the day as it is (its waiting excluded)."""
    work = sum(day.jobs[s].duration for s in stops if s >= 0)
    rest = sum(day.breaks[v][-s - 1].duration for s in stops if s < 0)
    return work + rest + base.travel


def _with_moved_breaks(day, v, j, stops, base, ends, last_end) -> Insertion | None:
    jobs = [s for s in stops if s >= 0]
    n_breaks = len(day.breaks[v])
    # Lower bound for each job position p: the end of job p-1 plus the drive.
    job_ends = [(day.route_start[v], day.start_loc[v])]
    by_stop = {st.stop: st for st in base.stops if st.stop >= 0}
    for s in jobs:
        job_ends.append((by_stop[s].end, day.job_loc[s]))
    # Moving breaks removes no work: the day still needs its service, breaks and (with
    # the order kept) at least the drive plus the detour to j. Waiting is what can give.
    T = day.T
    busy = _busy(day, v, stops, base) + day.jobs[j].duration
    room = day.hard_end[v] - day.route_start[v]
    locs = [day.start_loc[v], *(day.job_loc[s] for s in jobs), day.home_loc[v]]
    lj = day.job_loc[j]
    best = None
    for p in range(len(jobs) + 1):
        prev_end, prev_loc = job_ends[p]
        if prev_end + T[prev_loc][lj] > last_end:
            break
        a, b = locs[p], locs[p + 1]
        if busy + T[a][lj] + T[lj][b] - T[a][b] > room:
            continue
        order = [*jobs[:p], j, *jobs[p:]]
        # A job ends no earlier than it does now (p and later: later still), so a break
        # cannot follow a job that already ends after the break's window has closed.
        lower = [*(e for e, _ in job_ends[1 : p + 1]), 0, *(e for e, _ in job_ends[p + 1 :])]
        lower[p] = max(prev_end + T[prev_loc][lj], day.windows[j][0][0]) + day.jobs[j].duration
        latest = min(b.window.end for b in day.breaks[v])
        cut_max = next((i + 1 for i, e in enumerate(lower) if e > latest), len(order) + 1)
        cuts = range(min(cut_max, len(order) + 1))
        if n_breaks == 1:
            # The break before order[c] starts once job c-1 is done and its window is
            # open; job c then cannot start before the break ends plus the drive.
            brk = day.breaks[v][0]
            olocs = [day.start_loc[v], *(day.job_loc[x] for x in order)]
            ok_cuts = []
            for c in cuts:
                if c == len(order):
                    ok_cuts.append(c)
                    continue
                after = lower[c - 1] if c > 0 else day.route_start[v]
                start = max(after, brk.window.start) + brk.duration
                if start + T[olocs[c]][olocs[c + 1]] <= day.windows[order[c]][-1][1]:
                    ok_cuts.append(c)
            placements = ([*order[:c], -1, *order[c:]] for c in ok_cuts)
        else:
            placements = _break_placements(order, n_breaks, cut_max)
        for cand in placements:
            rt = time_route(day, v, cand)
            if rt.feasible:
                delta = rt.cost - base.cost
                if best is None or delta < best.delta:
                    best = Insertion(v, tuple(cand), delta)
    return best


def _break_placements(order: list[int], n_breaks: int, cut_max: int):
    """Every way to put the breaks (in their order) between the jobs of `order`, each
    after at most `cut_max - 1` jobs (the earliest break window closes before later)."""
    top = min(cut_max, len(order) + 1)
    for cuts in itertools.combinations_with_replacement(range(top), n_breaks):
        out, prev = [], 0
        for k, cut in enumerate(cuts):
            out.extend(order[prev:cut])
            out.append(-k - 1)
            prev = cut
        out.extend(order[prev:])
        yield out


def _job_ends(day: Day, v: int, stops: list[int], rt) -> list[tuple[int, int]]:
    """For each insertion position: (end of the last job before it, its place) in the
    current timing of the route (a lower bound on when the technician can leave there)."""
    by_stop = {st.stop: st for st in rt.stops if st.stop >= 0}
    out = []
    end, loc = day.route_start[v], day.start_loc[v]
    for s in stops:
        out.append((end, loc))
        if s >= 0 and s in by_stop:
            end, loc = by_stop[s].end, day.job_loc[s]
    out.append((end, loc))
    return out


def after_solve(
    day: Day, j: int, able: list[int], routes: dict[int, list[int]], ins: Insertion | None
) -> LeftOut:
    """The reason a job that passed the pre-check is not in the final plan, given its best
    feasible insertion into the final routes (`best_insertion`; None: there is none)."""
    job = day.jobs[j]
    if ins is not None:
        extra = ins.delta / day.scale
        worth = day.value_units[j] / day.scale
        return LeftOut(
            job.id,
            job.priority,
            Reason.NOT_WORTH_THE_TRAVEL,
            f"The cheapest place (on {day.techs[ins.tech].id}'s day) adds the equivalent "
            f"of {_fmt(extra)} of driving; a {job.priority.name.lower()} job is worth "
            f"{_fmt(worth)}.",
        )
    carried = [day.jobs[s].priority for v in able for s in routes[v] if s >= 0]
    busy = sum(1 for v in able if any(s >= 0 for s in routes[v]))
    if carried and min(carried) > job.priority:
        return LeftOut(
            job.id,
            job.priority,
            Reason.LOWER_PRIORITY_THAN_PLACED,
            f"The {len(able)} technicians able to do it are fully booked at that time "
            f"with {Priority(min(carried)).name.lower()} or more urgent work.",
        )
    return LeftOut(
        job.id,
        job.priority,
        Reason.NO_ROOM,
        f"The {len(able)} technicians able to do it ({busy} with other work) have no "
        "gap where it fits its window, their shift and their break.",
    )
