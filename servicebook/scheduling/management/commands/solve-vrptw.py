"""`servicebook solve-vrptw FILE --seconds S [--seed N] --json`: solve a Solomon VRPTW file
(VRPLIB layout, DIMACS convention) through the day optimizer and print one JSON object:
instance, distance, vehicles, routes (see docs/optimizer.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from servicebook.scheduling.optimizer.solomon import solve_vrptw_plan


class Command(BaseCommand):
    help = (
        "Solve a Solomon-format VRPLIB file (DIMACS convention) with the day optimizer and "
        "print the solution."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="VRPLIB file (e.g. benchmarks/data/solomon/C101.vrp)")
        parser.add_argument("--seconds", type=float, required=True, help="Time limit")
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0)")
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object (the default output)"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        if options["seconds"] <= 0:
            raise CommandError("--seconds must be positive")
        result, plan = solve_vrptw_plan(path, seconds=options["seconds"], seed=options["seed"])
        # Stdout carries the one JSON object; how the solver ran goes to stderr.
        self.stderr.write(f"solved in {plan.runtime:.2f} s, {plan.iterations} iterations")
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"{result['instance']}: distance {result['distance']}, "
                f"{result['vehicles']} vehicles"
            )
            for k, route in enumerate(result["routes"], 1):
                self.stdout.write(f"Route #{k}: {' '.join(map(str, route))}")
