"""A generated field day for the day optimizer (quality bar: 300 jobs / 30 technicians with
skills, windows, shifts, breaks and emergencies in under 10 s, every emergency placed; the
same figures for 1,000 jobs / 100 technicians).

The day is seeded and Denver-shaped: technicians live around the metro area, jobs cluster
in neighbourhoods, six trade skills, shifts from 7:00 to 10:00 starts, a 30-minute lunch to
start between 11:00 and 13:30, an hour of overtime allowed for employees, subcontractors
with a call-out fee and an hourly rate, customer windows (morning, afternoon, two-hour,
"either of two"), 3% emergencies, a few jobs locked to a technician and a couple already
in progress. Every plan is checked here independently (skills, windows, shifts and
overtime, breaks, locks, started jobs first, timing re-derived from the travel matrix).

    .venv/bin/python benchmarks/field_day.py [--jobs 300 --technicians 30] [--seconds 8]
        [--seed 1] [--rounds 3]
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from servicebook.scheduling.optimizer import (
    Break,
    HaversineTravel,
    Job,
    Point,
    Priority,
    Problem,
    Technician,
    TimeWindow,
    solve,
)
from servicebook.scheduling.optimizer import solver as optimizer_solver

H, M = 3600, 60
DENVER = (39.7392, -104.9903)
SKILLS = ["hvac", "electrical", "plumbing", "refrigeration", "gas", "backflow"]


def _near(rng: random.Random, center: tuple[float, float], km: float) -> Point:
    # ~111 km per degree of latitude, ~85 km per degree of longitude at 39.7 N.
    return Point(center[0] + rng.gauss(0, km / 111), center[1] + rng.gauss(0, km / 85))


def generate(jobs: int, technicians: int, seed: int) -> Problem:
    """The seeded field day (see module docstring)."""
    rng = random.Random(seed)
    hoods = [_near(rng, DENVER, 12) for _ in range(max(8, jobs // 25))]
    techs = []
    for k in range(technicians):
        sub = k % 10 == 9  # one in ten is a subcontractor crew
        skills = set(rng.sample(SKILLS, 3 if sub else rng.choice([1, 2, 2, 3])))
        start = rng.choice([7, 8, 8, 8, 9, 10]) * H
        lunch = Break(TimeWindow(11 * H, 13 * H + 30 * M), 30 * M)
        techs.append(
            Technician(
                id=f"T{k + 1:03d}",
                shift=TimeWindow(start, start + 8 * H + 30 * M),
                home=_near(rng, DENVER, 14),
                skills=skills,
                breaks=() if sub else (lunch,),
                max_overtime=0 if sub else H,
                cost_per_hour=Decimal("85") if sub else Decimal(0),
                fixed_cost=Decimal("120") if sub else Decimal(0),
            )
        )
    out = []
    for i in range(jobs):
        hood = rng.choice(hoods)
        roll = rng.random()
        priority = (
            Priority.EMERGENCY
            if roll < 0.03
            else Priority.HIGH
            if roll < 0.18
            else Priority.NORMAL
            if roll < 0.78
            else Priority.LOW
        )
        w = rng.random()
        if priority == Priority.EMERGENCY:
            start = rng.choice([8, 9, 10, 11, 12, 13]) * H
            windows = (TimeWindow(start, start + 3 * H),)
        elif w < 0.35:
            windows = ()
        elif w < 0.60:
            windows = (TimeWindow(8 * H, 12 * H),)
        elif w < 0.85:
            windows = (TimeWindow(12 * H, 17 * H),)
        elif w < 0.95:
            start = rng.choice([8, 10, 12, 14]) * H
            windows = (TimeWindow(start, start + 2 * H),)
        else:
            windows = (TimeWindow(8 * H, 10 * H), TimeWindow(14 * H, 16 * H))
        s = rng.random()
        skills = (
            set() if s < 0.3 else {rng.choice(SKILLS)} if s < 0.95 else set(rng.sample(SKILLS, 2))
        )
        out.append(
            Job(
                id=f"WO-{i + 1:05d}",
                location=_near(rng, (hood.lat, hood.lon), 2.5),
                duration=rng.choice([20, 30, 30, 45, 45, 60, 90]) * M,
                windows=windows,
                skills=skills,
                priority=priority,
            )
        )
    # A few locked jobs (to a technician with the skills) and two in progress.
    by_id = {t.id: t for t in techs}
    for i in rng.sample(range(jobs), max(1, jobs // 50)):
        job = out[i]
        able = [t.id for t in techs if job.skills <= t.skills and t.breaks]
        if able:
            out[i] = Job(**{**_fields(job), "locked_to": rng.choice(able)})
    busy = set()
    for i in rng.sample(range(jobs), 2):
        job = out[i]
        able = [t for t in by_id if job.skills <= by_id[t].skills and t not in busy]
        if able:
            tech = rng.choice(able)
            busy.add(tech)
            out[i] = Job(**{**_fields(job), "locked_to": tech, "started": True, "windows": ()})
    return Problem(techs, out, travel=HaversineTravel(road_factor=1.3, speed_kmh=40))


def greedy_baseline(problem: Problem):
    """The baseline of the same run: no search, only the optimizer's own cheapest
    insertion (most valuable job first, exact timing) from the pinned start, with the
    same explanations. What PyVRP adds is the difference."""
    from servicebook.scheduling.optimizer.day import compile_day
    from servicebook.scheduling.optimizer.explain import precheck

    started = time.perf_counter()
    day = compile_day(problem)
    pre = precheck(day)
    routes = optimizer_solver._pinned_start(day, sorted(pre.able))
    routes = {v: optimizer_solver._repair(day, pre.able, v, r, []) for v, r in routes.items()}
    insertions = optimizer_solver._Insertions(day, pre.able, routes)
    optimizer_solver._fill(day, insertions, deadline=float("inf"))
    return optimizer_solver._plan(day, pre, insertions, started, 0, 0, [])


def _fields(job: Job) -> dict:
    return {f: getattr(job, f) for f in job.__slots__}


def check(problem: Problem, plan) -> list[str]:
    """Independent check of a plan against the problem (see module docstring)."""
    issues = []
    techs = {t.id: t for t in problem.technicians}
    jobs = {j.id: j for j in problem.jobs}
    travel = problem.travel
    seen = set()
    for day in plan.routes:
        tech = techs[day.technician_id]
        where, t = tech.home, day.leave
        if day.leave < tech.shift.start:
            issues.append(f"{tech.id} leaves before the shift")
        for n, visit in enumerate(day.visits):
            job = jobs[visit.job_id]
            if visit.job_id in seen:
                issues.append(f"{visit.job_id} twice")
            seen.add(visit.job_id)
            if job.started:
                if n != 0 or job.locked_to != tech.id:
                    issues.append(f"started {job.id} not first on {job.locked_to}")
                where, t = job.location, visit.end
                continue
            if not job.skills <= tech.skills:
                issues.append(f"{tech.id} lacks skills for {job.id}")
            if job.locked_to is not None and job.locked_to != tech.id:
                issues.append(f"{job.id} locked to {job.locked_to}, placed on {tech.id}")
            if job.windows and not any(w.start <= visit.start <= w.end for w in job.windows):
                issues.append(f"{job.id} starts outside its windows")
            if visit.end - visit.start != job.duration:
                issues.append(f"{job.id} has the wrong duration")
            leg = int(travel.matrix([where, job.location])[0, 1])
            brk = sum(b.end - b.start for b in day.breaks if b.after == n)
            if visit.start < t + leg + brk and visit.start < t + leg:
                issues.append(f"{job.id} starts before {tech.id} can get there")
            where, t = job.location, visit.end
        if len(day.breaks) != len(tech.breaks) and day.visits and not day.skipped_breaks:
            issues.append(f"{tech.id} misses a break")
        for b in day.breaks:
            if not b.window[0] <= b.start <= b.window[1]:
                issues.append(f"{tech.id} break outside its window")
            for v in day.visits:
                if b.start < v.end and v.start < b.end:
                    issues.append(f"{tech.id} break overlaps {v.job_id}")
        if day.back > tech.shift.end + tech.max_overtime:
            issues.append(f"{tech.id} back after shift end + overtime")
    placed = {v.job_id for d in plan.routes for v in d.visits}
    left = {x.job_id for x in plan.left_out}
    if placed & left or placed | left != set(jobs):
        issues.append("placed and left-out do not partition the jobs")
    return issues


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=300)
    p.add_argument("--technicians", type=int, default=30)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--seed", type=int, default=1, help="Generates the day")
    p.add_argument("--rounds", type=int, default=3, help="Solver seeds 1..N (median kept)")
    args = p.parse_args(argv)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, python {platform.python_version()}, load {load}")
    t = time.perf_counter()
    problem = generate(args.jobs, args.technicians, args.seed)
    gen = time.perf_counter() - t
    n_em = sum(1 for j in problem.jobs if j.priority == Priority.EMERGENCY)
    print(f"day seed {args.seed}: {args.jobs} jobs ({n_em} emergencies), "
          f"{args.technicians} technicians; generated in {gen:.2f} s; "
          f"solve --seconds {args.seconds}\n")  # fmt: skip
    t = time.perf_counter()
    base = greedy_baseline(problem)
    b = base.summary
    print(f"baseline (cheapest insertion, no search): {time.perf_counter() - t:.2f} s; placed "
          f"{b.jobs_placed}/{b.jobs_total} (emergencies {b.emergencies_placed}/"
          f"{b.emergencies_total}); travel {b.travel / H:.1f} h; overtime {b.overtime / M:.0f} "
          f"min; check: {'ok' if not check(problem, base) else 'FAILED'}")  # fmt: skip
    rows = []
    ok = True
    for seed in range(1, args.rounds + 1):
        t = time.perf_counter()
        plan = solve(problem, seconds=args.seconds, seed=seed)
        wall = time.perf_counter() - t
        issues = check(problem, plan)
        ok &= not issues and plan.summary.emergencies_placed == plan.summary.emergencies_total
        s = plan.summary
        reasons = collections.Counter(x.reason.value for x in plan.left_out)
        rows.append((wall, s))
        print(f"solver seed {seed}: wall {wall:.2f} s, {plan.iterations} iterations; placed "
              f"{s.jobs_placed}/{s.jobs_total} (emergencies {s.emergencies_placed}/"
              f"{s.emergencies_total}; by priority {s.placed_by_priority}); travel "
              f"{s.travel / H:.1f} h; overtime {s.overtime / M:.0f} min; technicians used "
              f"{s.technicians_used}; check: {'ok' if not issues else issues[:5]}")  # fmt: skip
        print(f"    left out by reason: {dict(sorted(reasons.items()))}")
    print(f"\nmedian: wall {statistics.median(r[0] for r in rows):.2f} s, placed "
          f"{statistics.median(r[1].jobs_placed for r in rows)}, travel "
          f"{statistics.median(r[1].travel for r in rows) / H:.1f} h, overtime "
          f"{statistics.median(r[1].overtime for r in rows) / M:.0f} min; every emergency "
          f"placed and every plan valid: {'yes' if ok else 'NO'}")  # fmt: skip
    placed = statistics.median(r[1].jobs_placed for r in rows)
    travel = statistics.median(r[1].travel for r in rows)
    print(f"vs baseline: placed x{placed / max(1, b.jobs_placed):.3f}, travel per placed job "
          f"x{(travel / placed) / (b.travel / max(1, b.jobs_placed)):.3f}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
