"""The day optimizer: plain Python (no Django), PyVRP underneath.

    from servicebook.scheduling.optimizer import (
        Problem, Technician, Job, TimeWindow, Break, Point, Priority, solve, evaluate,
    )
    plan = solve(problem, seconds=10, seed=1)
    current = evaluate(problem, {"ann": ["wo-1", "wo-7"], "bob": ["wo-3"]})

See docs/optimizer.md for the model, the choices and an example.
"""

from .model import (
    Break,
    Job,
    Priority,
    Problem,
    ProblemError,
    SolverSettings,
    Technician,
    TimeWindow,
    seconds_between,
    window,
)
from .plan import (
    BreakTaken,
    LeftOut,
    Plan,
    PlanSummary,
    Reason,
    TechnicianDay,
    Visit,
)
from .solver import evaluate, evaluate_plan, solve
from .travel import HaversineTravel, MatrixTravel, Point, TravelTime

__all__ = [
    "Break",
    "BreakTaken",
    "HaversineTravel",
    "Job",
    "LeftOut",
    "MatrixTravel",
    "Plan",
    "PlanSummary",
    "Point",
    "Priority",
    "Problem",
    "ProblemError",
    "Reason",
    "SolverSettings",
    "Technician",
    "TechnicianDay",
    "TimeWindow",
    "TravelTime",
    "Visit",
    "evaluate",
    "evaluate_plan",
    "seconds_between",
    "solve",
    "window",
]
