"""Solomon VRPTW benchmark of the day optimizer (quality bar: mean gap to the best known
under 0.5% at 10 s per instance).

Each instance goes through `servicebook solve-vrptw FILE --seconds S --seed N --json` (a
subprocess: the command's contract and code path, Django start-up not counted in the
time limit), and every answer is checked here independently of the optimizer and of
PyVRP: the file is parsed again, arcs are floor(10 d) tenths (DIMACS), every customer is
served exactly once, no route exceeds the capacity, every service starts by its due date
(waiting allowed) and every vehicle is back by the depot's due date, at most the file's
number of vehicles is used, and the distance is recomputed.

    .venv/bin/python benchmarks/solomon.py [--seconds 10] [--seed 1] [--only C101,R101]

Prints a per-instance table and the mean gap; exit status 1 if any solution is invalid.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "solomon"


@dataclass
class Instance:
    """A Solomon file as read by this checker (raw file units)."""

    name: str
    vehicles: int
    capacity: int
    nodes: list[int]  # file node numbers, file order
    coords: dict[int, tuple[float, float]]
    demand: dict[int, int]
    ready: dict[int, int]
    due: dict[int, int]
    service: dict[int, int]
    depot: int


def parse(path: Path) -> Instance:
    """Read the VRPLIB layout of the Solomon subset (no third-party code)."""
    spec: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("SECTION"):
            current = line
            sections[current] = []
        elif ":" in line and current is None:
            key, value = line.split(":", 1)
            spec[key.strip()] = value.strip()
        elif current is not None:
            if ":" in line:
                current = None
                key, value = line.split(":", 1)
                spec[key.strip()] = value.strip()
            else:
                sections[current].append(line.split())
    coords = {int(r[0]): (float(r[1]), float(r[2])) for r in sections["NODE_COORD_SECTION"]}
    nodes = [int(r[0]) for r in sections["NODE_COORD_SECTION"]]
    demand = {int(r[0]): int(r[1]) for r in sections["DEMAND_SECTION"]}
    tw = {int(r[0]): (int(r[1]), int(r[2])) for r in sections["TIME_WINDOW_SECTION"]}
    depots = [int(r[0]) for r in sections["DEPOT_SECTION"] if int(r[0]) > 0]
    service_all = int(spec.get("SERVICE_TIME", "0"))
    service = {}
    if "SERVICE_TIME_SECTION" in sections:
        service = {int(r[0]): int(r[1]) for r in sections["SERVICE_TIME_SECTION"]}
    depot = depots[0]
    return Instance(
        name=spec.get("NAME", path.stem),
        vehicles=int(spec["VEHICLES"]),
        capacity=int(spec["CAPACITY"]),
        nodes=nodes,
        coords=coords,
        demand=demand,
        ready={n: tw[n][0] for n in nodes},
        due={n: tw[n][1] for n in nodes},
        service={n: (0 if n == depot else service.get(n, service_all)) for n in nodes},
        depot=depot,
    )


def arc(inst: Instance, a: int, b: int) -> int:
    """DIMACS arc length in tenths: floor(10 x Euclidean distance)."""
    (xa, ya), (xb, yb) = inst.coords[a], inst.coords[b]
    return math.floor(10 * math.sqrt((xa - xb) ** 2 + (ya - yb) ** 2))


def check(inst: Instance, answer: dict) -> tuple[bool, list[str], float]:
    """(valid, problems, recomputed distance in file units)."""
    problems: list[str] = []
    routes = answer.get("routes", [])
    customers = [n for n in inst.nodes if n != inst.depot]
    seen: dict[int, int] = {}
    for route in routes:
        for n in route:
            seen[n] = seen.get(n, 0) + 1
    missing = [n for n in customers if n not in seen]
    twice = [n for n, c in seen.items() if c > 1]
    unknown = [n for n in seen if n not in inst.coords or n == inst.depot]
    if missing:
        problems.append(f"{len(missing)} customers not served, e.g. {missing[:5]}")
    if twice:
        problems.append(f"served more than once: {twice[:5]}")
    if unknown:
        problems.append(f"unknown nodes: {unknown[:5]}")
    used = [r for r in routes if r]
    if len(used) > inst.vehicles:
        problems.append(f"{len(used)} routes for {inst.vehicles} vehicles")
    if answer.get("vehicles") != len(used):
        problems.append(f"vehicles says {answer.get('vehicles')}, routes say {len(used)}")
    total = 0
    for k, route in enumerate(used, 1):
        if any(n in unknown for n in route):
            continue
        load = sum(inst.demand[n] for n in route)
        if load > inst.capacity:
            problems.append(f"route {k}: load {load} > capacity {inst.capacity}")
        t = 10 * inst.ready[inst.depot]
        prev = inst.depot
        for n in route:
            a = arc(inst, prev, n)
            total += a
            t = max(t + a, 10 * inst.ready[n])
            if t > 10 * inst.due[n]:
                problems.append(f"route {k}: node {n} starts at {t / 10} > due {inst.due[n]}")
            t += 10 * inst.service[n]
            prev = n
        a = arc(inst, prev, inst.depot)
        total += a
        t += a
        if t > 10 * inst.due[inst.depot]:
            problems.append(f"route {k}: back at {t / 10} > depot due {inst.due[inst.depot]}")
    distance = total / 10
    if abs(distance - float(answer.get("distance", -1))) > 0.05:
        problems.append(f"distance says {answer.get('distance')}, recomputed {distance}")
    return not problems, problems, distance


def run_command(path: Path, seconds: float, seed: int) -> tuple[dict, float, float, int]:
    """`servicebook solve-vrptw` in a subprocess: its JSON, the wall seconds of the
    process (Django start-up included), the optimizer's own seconds and iterations."""
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "servicebook.settings")
    env.setdefault("SECRET_KEY", "benchmark-only-" + "k" * 50)
    env.setdefault("DEBUG", "false")
    env.setdefault("ALLOWED_HOSTS", "localhost")
    cmd = [
        sys.executable,
        str(ROOT / "manage.py"),
        "solve-vrptw",
        str(path),
        "--seconds",
        str(seconds),
        "--seed",
        str(seed),
        "--json",
    ]
    started = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    wall = time.perf_counter() - started
    match = re.search(r"solved in ([0-9.]+) s, (\d+) iterations", out.stderr)
    solve_s, iters = (float(match.group(1)), int(match.group(2))) if match else (wall, 0)
    return json.loads(out.stdout), wall, solve_s, iters


def load_bks() -> dict[str, tuple[int, float]]:
    with (DATA / "bks.csv").open() as f:
        return {
            r["instance"]: (int(r["vehicles"]), float(r["distance"])) for r in csv.DictReader(f)
        }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--only", default="", help="Comma-separated instance names")
    args = p.parse_args(argv)
    bks = load_bks()
    names = [n for n in bks if not args.only or n in args.only.split(",")]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, python {platform.python_version()}, load {load}")
    print(f"solve-vrptw --seconds {args.seconds} --seed {args.seed}; BKS from bks.csv\n")
    print(f"{'instance':9} {'distance':>9} {'BKS':>9} {'gap %':>7} {'veh':>4} {'BKS veh':>7} "
          f"{'valid':>6} {'solve s':>7} {'iters':>6} {'process s':>9}")  # fmt: skip
    gaps, all_valid = [], True
    for name in names:
        answer, wall, solve_s, iters = run_command(DATA / f"{name}.vrp", args.seconds, args.seed)
        inst = parse(DATA / f"{name}.vrp")
        valid, problems, distance = check(inst, answer)
        all_valid &= valid
        veh_bks, dist_bks = bks[name]
        gap = (distance - dist_bks) / dist_bks * 100
        gaps.append(gap)
        print(f"{name:9} {distance:9.1f} {dist_bks:9.1f} {gap:7.2f} {answer['vehicles']:4d} "
              f"{veh_bks:7d} {'yes' if valid else 'NO':>6} {solve_s:7.2f} {iters:6d} "
              f"{wall:9.1f}", flush=True)  # fmt: skip
        for problem in problems:
            print(f"    {problem}")
    mean = sum(gaps) / len(gaps)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nmean gap {mean:.3f}% over {len(gaps)} instances (target < 0.5%); "
          f"all valid: {'yes' if all_valid else 'NO'}; load at the end {load}")  # fmt: skip
    return 0 if all_valid else 1


if __name__ == "__main__":
    sys.exit(main())
