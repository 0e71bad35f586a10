"""Solomon VRPTW instances (VRPLIB layout) as day-optimizer problems.

The DIMACS convention of the benchmark literature: every value is multiplied by 10 and
truncated (`pyvrp.read(path, round_func="dimacs")`), so an arc is floor(10 d) tenths and
travel time equals arc length. The fleet is the file's identical vehicles with its
capacity; every customer must be served (Priority.EMERGENCY: required), the depot's due
date closes the shift, and the travel provider is the matrix of truncated arcs. The
problem then goes through the same `solve` as a real day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyvrp

from .model import Job, Priority, Problem, Technician, TimeWindow
from .solver import solve
from .travel import MatrixTravel, Point


@dataclass(frozen=True, slots=True)
class Instance:
    """A Solomon instance as a problem, with the file's node numbers."""

    name: str
    problem: Problem
    depot_node: int
    matrix: list[list[int]]  # tenths, by location index (0 = depot, as in the file order)


def _node_numbers(text: str) -> list[int]:
    """The node numbers of NODE_COORD_SECTION in file order."""
    section = text.split("NODE_COORD_SECTION", 1)[1]
    numbers = []
    for line in section.splitlines()[1:]:
        parts = line.split()
        if not parts or not re.fullmatch(r"\d+", parts[0]):
            break
        numbers.append(int(parts[0]))
    return numbers


def read_instance(path: str | Path) -> Instance:
    """Read a Solomon VRPLIB file with the DIMACS convention into a Problem."""
    path = Path(path)
    text = path.read_text()
    match = re.search(r"^NAME\s*:\s*(\S+)", text, re.MULTILINE)
    name = match.group(1) if match else path.stem
    data = pyvrp.read(path, round_func="dimacs")
    if data.num_depots != 1 or data.num_vehicle_types != 1:
        raise ValueError("expected one depot and one vehicle type (Solomon layout)")
    nodes = _node_numbers(text)
    if len(nodes) != data.num_locations:
        raise ValueError("NODE_COORD_SECTION does not list every location")
    locations = data.locations()
    points = [Point(float(loc.y), float(loc.x)) for loc in locations]
    matrix = data.distance_matrix(0)
    travel = MatrixTravel(points, matrix)
    depot = data.depots()[0]
    vt = data.vehicle_types()[0]
    capacity = vt.capacity[0] if vt.capacity else None
    shift = TimeWindow(vt.tw_early, min(vt.tw_late, depot.tw_late))
    technicians = [
        Technician(f"vehicle-{k + 1}", shift, points[depot.location], capacity=capacity)
        for k in range(vt.num_available)
    ]
    jobs = [
        Job(
            nodes[client.location],
            points[client.location],
            duration=client.service_duration,
            windows=(TimeWindow(client.tw_early, client.tw_late),),
            priority=Priority.EMERGENCY,
            load=client.delivery[0] if client.delivery else 0,
        )
        for client in data.clients()
    ]
    return Instance(
        name=name,
        problem=Problem(technicians, jobs, travel=travel),
        depot_node=nodes[depot.location],
        matrix=matrix.tolist(),
    )


def solve_vrptw(path: str | Path, *, seconds: float, seed: int = 0) -> dict:
    """Solve a Solomon file through the day optimizer; the JSON object of solve-vrptw:
    instance, distance (file units, arcs truncated to one decimal), vehicles, routes
    (file node numbers, depot excluded)."""
    return solve_vrptw_plan(path, seconds=seconds, seed=seed)[0]


def solve_vrptw_plan(path: str | Path, *, seconds: float, seed: int = 0):
    """`solve_vrptw` and the optimizer's Plan (runtime, iterations) behind it."""
    instance = read_instance(path)
    plan = solve(instance.problem, seconds=seconds, seed=seed)
    routes = [[visit.job_id for visit in day.visits] for day in plan.routes if day.visits]
    answer = {
        "instance": instance.name,
        "distance": round(plan.summary.travel / 10, 1),
        "vehicles": len(routes),
        "routes": routes,
    }
    return answer, plan
