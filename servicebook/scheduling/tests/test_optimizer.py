"""The day optimizer on small hand-checked days (plain Python, no database).

Travel is a fixed matrix in most tests (MatrixTravel), so every expected time can be
worked out by hand: places on a line, one minute per unit.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

from servicebook.scheduling.optimizer import (
    Break,
    HaversineTravel,
    Job,
    MatrixTravel,
    Point,
    Priority,
    Problem,
    ProblemError,
    Reason,
    SolverSettings,
    Technician,
    TimeWindow,
    evaluate,
    evaluate_plan,
    solve,
)

H, M = 3600, 60


def place(x: float) -> Point:
    """A place on a line; the line travel below makes |x1 - x2| minutes between places."""
    return Point(0.0, float(x))


class LineTravel:
    """|x1 - x2| minutes: a metric, easy to add up by hand."""

    def matrix(self, points):
        import numpy as np

        xs = np.array([p.lon for p in points])
        return (np.abs(xs[:, None] - xs[None, :]) * M).astype(np.int64)


def tech(tid, x=0, start=8, end=17, skills=(), breaks=(), **kw):
    return Technician(tid, TimeWindow(start * H, end * H), place(x), skills=set(skills),
                      breaks=tuple(breaks), **kw)  # fmt: skip


def job(jid, x, minutes=60, windows=(), skills=(), priority=Priority.NORMAL, **kw):
    return Job(jid, place(x), minutes * M, windows=tuple(windows), skills=set(skills),
               priority=priority, **kw)  # fmt: skip


def hours(a, b):
    return TimeWindow(int(a * H), int(b * H))


def run(techs, jobs, seconds=1.0, seed=1, **kw):
    problem = Problem(techs, jobs, travel=kw.pop("travel", LineTravel()), **kw)
    return problem, solve(problem, seconds=seconds, seed=seed, iterations=2000)


def where(plan, job_id):
    for day in plan.routes:
        for visit in day.visits:
            if visit.job_id == job_id:
                return day.technician_id, visit
    return None, None


def test_a_job_goes_to_a_technician_with_its_skills_even_if_another_is_nearer():
    _, plan = run(
        [tech("near", x=0), tech("gasfitter", x=50, skills={"gas"})],
        [job("leak", 1, skills={"gas"})],
    )
    assert where(plan, "leak")[0] == "gasfitter"


def test_service_starts_inside_the_window_and_windows_set_the_order():
    _, plan = run(
        [tech("ann")],
        [job("late", 5, windows=[hours(14, 15)]), job("early", 10, windows=[hours(9, 10)])],
    )
    day = plan.route("ann")
    assert day.job_ids == ["early", "late"]
    early, late = day.visits
    assert 9 * H <= early.start <= 10 * H and 14 * H <= late.start <= 15 * H
    # Leaves at 8:00, 10 min to 'early', waits for 9:00.
    assert (early.arrival, early.start, early.wait) == (8 * H + 10 * M, 9 * H, 50 * M)


def test_the_day_ends_by_the_end_of_the_shift_without_overtime():
    # Four 2-hour jobs at the home base; a 4-hour shift holds two.
    _, plan = run([tech("ann", start=8, end=12)], [job(f"j{i}", 0, 120) for i in range(4)])
    day = plan.route("ann")
    assert len(day.visits) == 2 and day.back <= 12 * H and day.overtime == 0
    assert {x.reason for x in plan.left_out} == {Reason.NO_ROOM}


def test_overtime_is_used_within_its_limit_and_reported():
    _, plan = run(
        [tech("ann", start=8, end=12, max_overtime=H)],
        [job("a", 0, 120), job("b", 0, 120, priority=Priority.EMERGENCY), job("c", 0, 60)],
    )
    day = plan.route("ann")
    assert len(day.visits) == 3
    assert day.back == 13 * H and day.overtime == H
    assert plan.summary.overtime == H


def test_lunch_starts_in_its_window_lasts_its_duration_and_overlaps_no_job():
    lunch = Break(hours(12, 12.5), 30 * M)
    _, plan = run(
        [tech("ann", breaks=[lunch])],
        [job(f"j{i}", 0, 60) for i in range(7)],
    )
    day = plan.route("ann")
    assert len(day.visits) == 7  # 8 h shift: 7 h of work + 30 min lunch fit
    (brk,) = day.breaks
    assert 12 * H <= brk.start <= 12.5 * H and brk.end - brk.start == 30 * M
    for visit in day.visits:
        assert visit.end <= brk.start or visit.start >= brk.end


def test_a_break_between_two_places_does_not_swallow_the_drive():
    # Morning job at x=0, afternoon job at x=90 (90 min away); lunch must start at 12:00.
    lunch = Break(hours(12, 12), 30 * M)
    _, plan = run(
        [tech("ann", x=0, breaks=[lunch])],
        [job("am", 0, 60, windows=[hours(11, 11)]), job("pm", 90, 30)],
    )
    day = plan.route("ann")
    am, pm = day.visits
    (brk,) = day.breaks
    assert (am.end, brk.start, brk.end) == (12 * H, 12 * H, 12.5 * H)
    # The 90 minutes of driving still happen after lunch.
    assert pm.arrival == 12.5 * H + 90 * M


def test_a_locked_job_stays_with_its_technician():
    _, plan = run(
        [tech("near", x=0), tech("far", x=100)],
        [job("pinned", 1, locked_to="far"), job("free", -5)],
    )
    assert where(plan, "pinned")[0] == "far"
    assert where(plan, "free")[0] == "near"


def test_a_started_job_stays_first_on_its_technician_and_the_day_goes_on_from_there():
    _, plan = run(
        [tech("ann", x=0), tech("bob", x=60)],
        [job("fixing", 30, 45, locked_to="ann", started=True), job("next", 35, 30)],
    )
    day = plan.route("ann")
    first = day.visits[0]
    assert first.job_id == "fixing" and first.started
    assert (first.start, first.end) == (8 * H, 8 * H + 45 * M)
    # 'next' is 5 minutes from the job in progress: ann takes it after.
    assert day.job_ids == ["fixing", "next"]
    assert day.visits[1].arrival == 8 * H + 50 * M


def test_an_emergency_is_placed_even_if_lower_priority_work_has_to_go():
    _, plan = run(
        [tech("ann", start=8, end=12)],
        [
            job("low1", 0, 90, priority=Priority.LOW),
            job("low2", 0, 90, priority=Priority.LOW),
            job("fire", 30, 120, priority=Priority.EMERGENCY),
        ],
    )
    # The fire takes 3 of the 4 hours with the drive: no 90-minute job fits beside it.
    assert where(plan, "fire")[0] == "ann"
    assert plan.summary.emergencies_placed == 1
    assert {(x.job_id, x.reason) for x in plan.left_out} == {
        ("low1", Reason.LOWER_PRIORITY_THAN_PLACED),
        ("low2", Reason.LOWER_PRIORITY_THAN_PLACED),
    }


def test_optional_work_is_dropped_lowest_priority_first():
    jobs = [
        job("low", 0, 120, priority=Priority.LOW),
        job("normal", 0, 120, priority=Priority.NORMAL),
        job("high", 0, 120, priority=Priority.HIGH),
    ]
    _, plan = run([tech("ann", start=8, end=12)], jobs)
    assert sorted(plan.route("ann").job_ids) == ["high", "normal"]
    assert [(x.job_id, x.reason) for x in plan.left_out] == [
        ("low", Reason.LOWER_PRIORITY_THAN_PLACED)
    ]


def test_emergencies_that_cannot_all_fit_are_chosen_among_and_explained():
    _, plan = run(
        [tech("ann", start=8, end=10)],
        [job(f"e{i}", 0, 90, priority=Priority.EMERGENCY) for i in range(2)],
    )
    assert plan.summary.emergencies_placed == 1
    (out,) = plan.left_out
    assert out.reason == Reason.NO_ROOM


@pytest.mark.parametrize(
    ("the_job", "techs", "reason"),
    [
        (job("x", 1, skills={"gas"}), [tech("ann")], Reason.NO_SKILLED_TECHNICIAN),
        (job("x", 1, locked_to="zoe"), [tech("ann")], Reason.LOCKED_TECHNICIAN_ABSENT),
        (
            job("x", 1, skills={"gas"}, locked_to="ann"),
            [tech("ann"), tech("bob", skills={"gas"})],
            Reason.LOCKED_TECHNICIAN_LACKS_SKILLS,
        ),
        (job("x", 1, windows=[hours(6, 7)]), [tech("ann")], Reason.WINDOW_UNREACHABLE),
        # Starts at 8:30 at the earliest: 30 minutes away.
        (job("x", 30, windows=[hours(8, 8.25)]), [tech("ann")], Reason.WINDOW_UNREACHABLE),
        (job("x", 1, 10 * 60), [tech("ann")], Reason.EXCEEDS_SHIFT),
        (
            job("x", 0, 5 * 60, windows=[hours(10, 10)]),
            [tech("ann", breaks=[Break(hours(12, 12.5), 30 * M)])],
            Reason.BREAK_CONFLICT,
        ),
        (job("x", 1, load=5), [tech("ann", capacity=3)], Reason.TOO_LARGE),
        # ann and cy cannot reach 6-7; bob can, but 5 hours from 6:01 end after 9:00.
        (
            job("x", 1, 5 * 60, windows=[hours(6, 7)]),
            [tech("ann"), tech("bob", start=5, end=9), tech("cy", end=9)],
            Reason.NO_SHIFT_FITS,
        ),
    ],
)
def test_each_pre_check_reason_is_given_when_it_is_true(the_job, techs, reason):
    _, plan = run(techs, [the_job])
    (out,) = plan.left_out
    assert out.reason == reason, out


def test_a_far_low_priority_job_is_not_worth_the_travel():
    settings = SolverSettings(value_low=30 * M)
    _, plan = run(
        [tech("ann", x=0)],
        [job("far", 100, 30, priority=Priority.LOW)],
        settings=settings,
    )
    (out,) = plan.left_out
    assert out.reason == Reason.NOT_WORTH_THE_TRAVEL
    assert "3 h 20 min" in out.detail  # 200 minutes there and back


def test_same_seed_and_iterations_give_the_same_plan():
    techs = [tech(f"t{k}", x=10 * k, breaks=[Break(hours(11.5, 13), 30 * M)]) for k in range(3)]
    jobs = [
        job(f"j{i}", (i * 37) % 60, 30 + (i % 4) * 15, windows=[hours(8 + i % 6, 11 + i % 6)])
        for i in range(24)
    ]
    problem = Problem(techs, jobs, travel=LineTravel())
    one = solve(problem, seconds=30, seed=7, iterations=400)
    two = solve(problem, seconds=30, seed=7, iterations=400)
    assert one.assignment() == two.assignment()
    assert one.summary == two.summary


def test_the_travel_provider_can_be_a_fixed_matrix():
    pts = [Point(1, 1), Point(2, 2), Point(3, 3)]
    matrix = [[0, 600, 900], [700, 0, 300], [900, 400, 0]]
    problem = Problem(
        [Technician("ann", TimeWindow(8 * H, 17 * H), pts[0])],
        [Job("a", pts[1], 600), Job("b", pts[2], 600, windows=(TimeWindow(9 * H, 17 * H),))],
        travel=MatrixTravel(pts, matrix),
    )
    plan = solve(problem, seconds=1, seed=1, iterations=200)
    day = plan.route("ann")
    assert day.job_ids == ["a", "b"]
    assert day.travel == 600 + 300 + 900  # home -> a -> b -> home, asymmetric matrix
    assert evaluate(problem, {"ann": ["b", "a"]}).travel == 900 + 400 + 700


def test_the_default_travel_is_great_circle_times_road_factor_over_speed():
    denver, boulder = Point(39.7392, -104.9903), Point(40.0150, -105.2705)
    seconds = HaversineTravel(road_factor=1.3, speed_kmh=40).seconds(denver, boulder)
    # 38.9 km straight, x 1.3 = 50.6 km at 40 km/h = 75.9 min
    assert 75 * M < seconds < 77 * M


def test_evaluate_counts_the_current_plan_with_the_same_arithmetic():
    problem, plan = run(
        [tech("ann", breaks=[Break(hours(12, 13), 30 * M)]), tech("bob", x=20)],
        [job(f"j{i}", 5 * i, 60, windows=[hours(8, 17)]) for i in range(8)],
    )
    assert evaluate(problem, plan.assignment()) == plan.summary


def test_evaluate_reports_what_the_current_plan_breaks():
    problem = Problem(
        [tech("ann", start=8, end=10)],
        [job("a", 0, 60, windows=[hours(8, 8.5)]), job("b", 30, 90)],
        travel=LineTravel(),
    )
    timed = evaluate_plan(problem, {"ann": ["b", "a"]})
    summary = timed.summary
    # b: 8:30-10:00; a: arrives 10:30, 2 hours past its window; back 11:30 (1.5 h past).
    assert summary.late == 2 * H
    assert summary.violations == 2
    assert summary.overtime == 1.5 * H
    assert timed.route("ann").visits[1].late == 2 * H


def test_a_job_with_two_windows_is_served_in_one_of_them():
    _, plan = run(
        [tech("ann"), tech("bob")],
        [
            job("blocker", 0, 240, windows=[hours(8, 8)], locked_to="ann"),
            job("either", 0, 60, windows=[hours(8, 9), hours(14, 15)], locked_to="ann"),
        ],
    )
    _, visit = where(plan, "either")
    assert 14 * H <= visit.start <= 15 * H


def test_a_subcontractor_is_called_out_only_when_needed():
    sub = {"cost_per_hour": Decimal("90"), "fixed_cost": Decimal("150")}
    _, plan = run([tech("ann"), tech("acme", **sub)], [job("a", 5, 60)])
    assert where(plan, "a")[0] == "ann"
    assert plan.route("acme") is None
    _, plan = run(
        [tech("ann", start=8, end=10), tech("acme", **sub)],
        [job("a", 5, 60, windows=[hours(8, 9)]), job("b", 5, 60, windows=[hours(8, 9)])],
    )
    assert {where(plan, "a")[0], where(plan, "b")[0]} == {"ann", "acme"}


def test_malformed_problems_are_refused():
    with pytest.raises(ProblemError):
        Problem([tech("ann"), tech("ann")], [])
    with pytest.raises(ProblemError):
        Problem([tech("ann")], [job("a", 1, started=True, locked_to="zoe")])
    with pytest.raises(ProblemError):
        Job("a", place(1), 60, started=True)


def test_the_optimizer_imports_and_runs_without_django():
    code = (
        "import sys\n"
        "from servicebook.scheduling.optimizer import *\n"
        "p = Problem([Technician('a', TimeWindow(0, 36000), Point(39.7, -105.0))],"
        " [Job('j', Point(39.71, -105.0), 600)])\n"
        "plan = solve(p, seconds=1, iterations=50)\n"
        "assert plan.summary.jobs_placed == 1\n"
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={"PATH": ""})


def test_left_out_reasons_agree_with_a_brute_force_check():
    """On small crowded days: 'no room' / 'lower priority' means no technician who can do
    the job has any feasible place for it (every position, the break anywhere), and 'not
    worth the travel' means one has."""
    import random

    seen = set()
    for seed in (1, 2):
        rng = random.Random(seed)
        lunch = Break(hours(12, 13), 30 * M)
        techs = [
            tech(f"t{k}", x=rng.randint(0, 60), skills={"a", "b"} if k else {"a"}, breaks=[lunch])
            for k in range(3)
        ]
        jobs = [
            job(
                f"j{i}",
                rng.randint(0, 60) if i % 4 else rng.randint(90, 130),
                rng.choice([30, 60, 90]),
                windows=rng.choice([[], [hours(8, 12)], [hours(12, 17)], [hours(10, 12)]]),
                skills=rng.choice([set(), {"a"}, {"b"}]),
                priority=Priority(rng.randint(0, 2)),
            )
            for i in range(22)
        ]
        # A far low-priority job only an idle technician can do: room, but not worth it.
        techs.append(tech("spare", x=0, skills={"z"}, breaks=[lunch]))
        jobs.append(job("far", 200, 30, skills={"z"}, priority=Priority.LOW))
        settings = SolverSettings(value_low=20 * M, value_normal=2 * H, value_high=10 * H)
        problem, plan = run(techs, jobs, settings=settings)
        assignment = plan.assignment()
        for out in plan.left_out:
            seen.add(out.reason)
            the_job = problem.job(out.job_id)
            fits = False
            for t in problem.technicians:
                if not the_job.skills <= t.skills:
                    continue
                order = assignment.get(t.id, [])
                for p in range(len(order) + 1):
                    trial = {**assignment, t.id: [*order[:p], out.job_id, *order[p:]]}
                    fits |= evaluate_plan(problem, trial).route(t.id).feasible
            if out.reason in (Reason.NO_ROOM, Reason.LOWER_PRIORITY_THAN_PLACED):
                assert not fits, out
            elif out.reason == Reason.NOT_WORTH_THE_TRAVEL:
                assert fits, out
    # The days were crowded and spread out enough for the check to have work to do.
    assert {Reason.NO_ROOM, Reason.NOT_WORTH_THE_TRAVEL} <= seen, seen


def test_the_free_break_model_still_yields_a_plan_that_holds_in_reality():
    # Breaks 0 s from anywhere let the solver hide the 90-minute drive behind lunch;
    # the exact check then moves work off the day rather than return a late plan.
    lunch = Break(hours(12, 12), 30 * M)
    _, plan = run(
        [tech("ann", x=0, breaks=[lunch])],
        [job("am", 0, 60, windows=[hours(11, 11)]), job("pm", 90, 30, windows=[hours(12, 13)])],
        settings=SolverSettings(break_model="free"),
    )
    day = plan.route("ann")
    assert day.feasible and plan.summary.violations == 0
    # 12:30 + 90 min is 14:00, past pm's window: both cannot be done. The solver thought
    # they could (free breaks) and the exact check took one off.
    assert len(day.visits) == 1 and len(plan.left_out) == 1
    assert any("exact check moved" in note for note in plan.notes)


def test_a_subcontractor_called_out_takes_their_break():
    lunch = Break(hours(12, 13), 30 * M)
    sub = {"cost_per_hour": Decimal("60"), "fixed_cost": Decimal("50")}
    _, plan = run(
        [tech("acme", breaks=[lunch], skills={"gas"}, **sub)],
        [job(f"j{i}", 5, 90, skills={"gas"}) for i in range(4)],
    )
    day = plan.route("acme")
    assert len(day.visits) == 4
    (brk,) = day.breaks
    assert 12 * H <= brk.start <= 13 * H


def test_replanning_during_the_day_starts_nothing_before_now_and_skips_a_past_break():
    lunch = Break(hours(11, 12), 30 * M)
    _, plan = run(
        [tech("ann", breaks=[lunch])],
        [job("a", 10, 30), job("b", 20, 30)],
        now=13 * H,
    )
    day = plan.route("ann")
    assert day.leave == 13 * H
    assert all(v.start >= 13 * H + 10 * M for v in day.visits)
    assert day.breaks == () and day.skipped_breaks == (lunch,)


def test_evaluate_puts_the_job_in_progress_first_and_refuses_unknown_ids():
    problem = Problem(
        [tech("ann")],
        [job("now", 10, 30, locked_to="ann", started=True), job("next", 20, 30)],
        travel=LineTravel(),
    )
    timed = evaluate_plan(problem, {"ann": ["next"]})
    assert timed.route("ann").job_ids == ["now", "next"]
    assert timed.route("ann").visits[1].arrival == 8 * H + 30 * M + 10 * M
    with pytest.raises(ProblemError):
        evaluate(problem, {"zoe": ["next"]})
    with pytest.raises(ProblemError):
        evaluate(problem, {"ann": ["nope"]})


def test_a_day_without_technicians_leaves_every_job_out_with_the_reason():
    _, plan = run([], [job("a", 1), job("b", 2, skills={"gas"})])
    assert plan.routes == ()
    assert {(x.job_id, x.reason) for x in plan.left_out} == {
        ("a", Reason.NO_SKILLED_TECHNICIAN),
        ("b", Reason.NO_SKILLED_TECHNICIAN),
    }
    assert plan.left_out[0].detail == "No technician works that day."
