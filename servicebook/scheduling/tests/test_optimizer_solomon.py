"""`servicebook solve-vrptw` on a Solomon instance, checked by the benchmark's independent
checker (benchmarks/solomon.py)."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "benchmarks" / "data" / "solomon"


def checker():
    spec = importlib.util.spec_from_file_location("bench_solomon", ROOT / "benchmarks/solomon.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_solomon"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_solve_vrptw_prints_one_json_solution_the_independent_checker_accepts():
    out = io.StringIO()
    call_command("solve-vrptw", str(DATA / "R105.vrp"), seconds=1.5, seed=3, json=True,
                 stdout=out)  # fmt: skip
    answer = json.loads(out.getvalue())
    assert set(answer) == {"instance", "distance", "vehicles", "routes"}
    assert answer["instance"] == "R105"
    bench = checker()
    valid, problems, distance = bench.check(bench.parse(DATA / "R105.vrp"), answer)
    assert valid, problems
    assert distance == answer["distance"]
    # Node numbers as in the file: the depot is node 1, customers 2..101.
    assert sorted(n for route in answer["routes"] for n in route) == list(range(2, 102))
    # Within 3% of the best known (1355.3) after 1.5 s.
    assert distance < 1355.3 * 1.03


def test_the_checker_refuses_a_broken_solution():
    bench = checker()
    inst = bench.parse(DATA / "C101.vrp")
    customers = [n for n in inst.nodes if n != inst.depot]
    # One customer per vehicle breaks the fleet size; dropping one breaks coverage.
    answer = {
        "instance": "C101",
        "distance": 0,
        "vehicles": 99,
        "routes": [[n] for n in customers[1:]],
    }
    valid, problems, _ = bench.check(inst, answer)
    assert not valid
    text = " ".join(problems)
    assert "not served" in text and "routes for 25 vehicles" in text and "distance says" in text
