"""Preventive maintenance: due dates, generation up to the horizon (idempotent), overdue and
missed visits, and carrying forward what a visit did not do."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from servicebook.core.errors import ValidationFailed
from servicebook.core.testing.factories import make_account, make_skill, make_user
from servicebook.customers.services import agreement_add, equipment_add
from servicebook.workorders import maintenance as pm
from servicebook.workorders import services as s
from servicebook.workorders.models import MaintenancePlan, MaintenanceVisit, WorkOrder

from .conftest import NOW, local

D = dt.date


@pytest.fixture
def manager(db):
    return make_user("service_admin")


@pytest.fixture
def agreement(db, account, manager):
    return agreement_add(
        account=account,
        kind="maintenance",
        description="Comfort plan",
        location=account.locations.get(),
        actor=make_user("admin"),
    )


def plan_on(agreement, manager, **extra) -> MaintenancePlan:
    defaults = {
        "name": "Furnace tune-up",
        "frequency": "monthly",
        "start_date": D(2026, 2, 15),
        "tasks": ["Replace filter", "Check flue"],
    }
    return pm.pm_plan_create(
        account=agreement.account,
        agreement=agreement,
        actor=manager,
        now=NOW,
        **{**defaults, **extra},
    )


def dues(plan) -> list[dt.date]:
    return list(plan.visits.order_by("due_date").values_list("due_date", flat=True))


# --- Due dates -------------------------------------------------------------------------------


def test_months_keep_the_day_and_clamp_to_the_months_end():
    assert pm.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert pm.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert pm.add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    plan = MaintenancePlan(frequency="monthly", interval=1, start_date=D(2026, 1, 31))
    assert [d for _, d in pm.due_dates(plan, D(2026, 1, 1), D(2026, 4, 30))] == [
        D(2026, 1, 31),
        D(2026, 2, 28),
        D(2026, 3, 31),
        D(2026, 4, 30),
    ]


@pytest.mark.parametrize(
    ("frequency", "interval", "expected"),
    [
        ("daily", 3, [D(2026, 3, 1), D(2026, 3, 4), D(2026, 3, 7)]),
        ("weekly", 2, [D(2026, 3, 1), D(2026, 3, 15)]),
        ("quarterly", 1, [D(2026, 3, 1), D(2026, 6, 1), D(2026, 9, 1), D(2026, 12, 1)]),
        ("semi_annual", 1, [D(2026, 3, 1), D(2026, 9, 1)]),
        ("yearly", 1, [D(2026, 3, 1)]),
    ],
)
def test_due_dates_step_by_frequency_and_interval(frequency, interval, expected):
    plan = MaintenancePlan(frequency=frequency, interval=interval, start_date=D(2026, 3, 1))
    last = expected[-1] if frequency in ("daily", "weekly") else D(2026, 12, 31)
    assert [d for _, d in pm.due_dates(plan, D(2026, 1, 1), last)] == expected


def test_due_dates_jump_to_the_range_without_drifting():
    plan = MaintenancePlan(frequency="daily", interval=1, start_date=D(2020, 1, 1))
    assert pm.due_dates(plan, D(2026, 2, 9), D(2026, 2, 10)) == [
        (2231, D(2026, 2, 9)),
        (2232, D(2026, 2, 10)),
    ]
    plan = MaintenancePlan(frequency="monthly", interval=1, start_date=D(2020, 1, 31))
    assert pm.due_dates(plan, D(2026, 2, 1), D(2026, 3, 31)) == [
        (73, D(2026, 2, 28)),
        (74, D(2026, 3, 31)),
    ]


# --- Generation ----------------------------------------------------------------------------


def test_a_new_plan_generates_its_visits_up_to_the_horizon(db, agreement, manager, settings):
    settings.PM_HORIZON_DAYS = 60
    hvac = make_skill("hvac")
    plan = plan_on(agreement, manager, skills=[hvac], estimated_minutes=90)
    assert dues(plan) == [D(2026, 2, 15), D(2026, 3, 15)]
    visit = plan.visits.order_by("due_date").first()
    order = visit.work_order
    assert order.work_type == "preventive_maintenance" and order.status == "new"
    assert (order.window_start, order.window_end) == (
        local(2026, 2, 15, 8),
        local(2026, 2, 15, 17),
    )
    assert list(order.required_skills.all()) == [hvac] and order.estimated_minutes == 90
    assert [t.description for t in order.tasks.all()] == ["Replace filter", "Check flue"]
    assert plan.generated_through == D(2026, 4, 10)


def test_generation_is_idempotent_and_follows_the_horizon(db, agreement, manager, settings):
    settings.PM_HORIZON_DAYS = 30
    plan = plan_on(agreement, manager, frequency="weekly")
    assert dues(plan) == [D(2026, 2, 15), D(2026, 2, 22), D(2026, 3, 1), D(2026, 3, 8)]
    orders = WorkOrder.objects.count()
    assert pm.pm_generate(now=NOW)["visits"] == 0
    assert pm.pm_generate(now=NOW)["visits"] == 0
    assert WorkOrder.objects.count() == orders
    # A week later the horizon has moved a week: one more visit.
    assert pm.pm_generate(now=NOW + dt.timedelta(days=7))["visits"] == 1
    assert dues(plan)[-1] == D(2026, 3, 15)
    # A plan's own horizon overrides the setting.
    pm.pm_plan_update(plan=plan, horizon_days=45, actor=manager, now=NOW + dt.timedelta(days=7))
    assert dues(plan)[-1] == D(2026, 3, 29)


def test_a_plan_never_generates_visits_before_it_was_created(db, agreement, manager):
    plan = plan_on(agreement, manager, start_date=D(2025, 10, 15))
    assert dues(plan) == [D(2026, 2, 15)]
    assert plan.visits.get().sequence == 5


def test_generation_stops_at_the_end_date(db, agreement, manager, settings):
    settings.PM_HORIZON_DAYS = 200
    plan = plan_on(agreement, manager, end_date=D(2026, 4, 30))
    assert dues(plan) == [D(2026, 2, 15), D(2026, 3, 15), D(2026, 4, 15)]


def test_a_plan_on_equipment_takes_its_location_and_refuses_another_accounts(db, account, manager):
    admin = make_user("admin")
    location = account.locations.get()
    furnace = equipment_add(location=location, kind="Furnace", actor=admin)
    plan = pm.pm_plan_create(
        account=account,
        equipment=furnace,
        name="Furnace",
        frequency="yearly",
        start_date=D(2026, 3, 1),
        actor=manager,
        now=NOW,
    )
    assert plan.location == location
    stranger = make_account(actor=admin)
    with pytest.raises(ValidationFailed) as refused:
        pm.pm_plan_create(
            account=stranger,
            equipment=furnace,
            name="Furnace",
            frequency="yearly",
            start_date=D(2026, 3, 1),
            actor=manager,
        )
    assert "equipment" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        pm.pm_plan_create(
            account=account,
            name="Nothing",
            frequency="yearly",
            start_date=D(2026, 3, 1),
            actor=manager,
        )
    assert "agreement" in refused.value.errors


def test_only_pm_managers_create_plans(db, agreement):
    with pytest.raises(PermissionDenied):
        plan_on(agreement, make_user("dispatcher"))
    assert not MaintenancePlan.objects.exists()


# --- Overdue, missed, carried forward ---------------------------------------------------------


def test_an_open_visit_past_its_due_date_is_overdue(db, agreement, manager):
    plan = plan_on(agreement, manager)
    assert not pm.overdue_visits(plan.visits.all(), today=D(2026, 2, 15)).exists()
    overdue = pm.overdue_visits(plan.visits.all(), today=D(2026, 2, 16))
    assert [v.due_date for v in overdue] == [D(2026, 2, 15)]
    admin = make_user("admin")
    visit = plan.visits.get(due_date=D(2026, 2, 15))
    s.workorder_cancel(work_order=visit.work_order, reason="Skip", actor=admin)
    assert not pm.overdue_visits(plan.visits.all(), today=D(2026, 2, 16)).exists()


def test_a_visit_not_started_when_the_next_comes_due_is_missed_and_carried(
    db, agreement, manager, settings
):
    settings.PM_HORIZON_DAYS = 14
    plan = plan_on(agreement, manager, frequency="weekly", start_date=D(2026, 2, 10))
    first, second = plan.visits.order_by("due_date")[:2]
    # The day after the first visit was due it is overdue, not yet missed.
    assert pm.pm_generate(now=local(2026, 2, 11, 7))["missed"] == 0
    counts = pm.pm_generate(now=local(2026, 2, 17, 6))
    assert counts["missed"] == 1
    first.refresh_from_db()
    assert first.outcome == "missed" and first.carried_to == second
    assert first.work_order.status == "cancelled"
    carried = [t.description for t in second.work_order.tasks.all()]
    assert carried == [
        "Replace filter",
        "Check flue",
        "Replace filter (carried from visit due 2026-02-10)",
        "Check flue (carried from visit due 2026-02-10)",
    ]
    # Running again carries nothing twice.
    assert pm.pm_generate(now=local(2026, 2, 17, 7))["missed"] == 0
    assert second.work_order.tasks.count() == 4


def test_an_incomplete_visit_carries_its_undone_tasks_to_the_next_not_a_return_visit(
    db, agreement, manager, settings
):
    settings.PM_HORIZON_DAYS = 40
    plan = plan_on(agreement, manager)
    first, second = plan.visits.order_by("due_date")
    tech = make_user("dispatcher")
    order = first.work_order
    start = local(2026, 2, 15, 9)
    s.workorder_schedule(
        work_order=order,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=1),
        actor=tech,
        now=NOW,
    )
    s.workorder_dispatch(work_order=order, actor=tech)
    s.workorder_arrive(work_order=order, actor=tech)
    s.workorder_task_set_done(task=order.tasks.get(description="Check flue"), done=True, actor=tech)
    orders = WorkOrder.objects.count()
    s.workorder_incomplete(work_order=order, reason="no_access", actor=tech, now=NOW)
    assert WorkOrder.objects.count() == orders  # no return visit for a maintenance visit
    first.refresh_from_db()
    assert first.outcome == "incomplete" and first.carried_to == second
    assert second.work_order.tasks.filter(carried_from__isnull=False).get().description == (
        "Replace filter (carried from visit due 2026-02-15)"
    )


def test_a_visit_without_tasks_carries_its_work_as_one_task(db, agreement, manager, settings):
    settings.PM_HORIZON_DAYS = 20
    plan = plan_on(agreement, manager, tasks=[], frequency="weekly", start_date=D(2026, 2, 10))
    pm.pm_generate(now=local(2026, 2, 17, 7))
    second = plan.visits.get(due_date=D(2026, 2, 17))
    assert [t.description for t in second.work_order.tasks.all()] == [
        "Carried from visit due 2026-02-10: Furnace tune-up"
    ]


def test_a_completed_visit_is_done_and_only_its_undone_tasks_move_on(
    db, agreement, manager, settings, repaired
):
    settings.PM_HORIZON_DAYS = 40
    plan = plan_on(agreement, manager)
    first, second = plan.visits.order_by("due_date")
    tech = make_user("dispatcher")
    order = first.work_order
    start = local(2026, 2, 15, 9)
    s.workorder_schedule(
        work_order=order,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=1),
        actor=tech,
    )
    s.workorder_dispatch(work_order=order, actor=tech)
    s.workorder_arrive(work_order=order, actor=tech)
    s.workorder_task_set_done(
        task=order.tasks.get(description="Replace filter"), done=True, actor=tech
    )
    s.workorder_complete(
        work_order=order, notes="Tuned", completion_code=repaired, signer_name="Jo", actor=tech
    )
    first.refresh_from_db()
    assert first.outcome == "done" and first.carried_to == second
    assert [t.description for t in second.work_order.tasks.filter(carried_from__isnull=False)] == [
        "Check flue (carried from visit due 2026-02-15)"
    ]


def test_the_last_visit_of_a_plan_carries_to_a_new_one_beyond_the_horizon(
    db, agreement, manager, settings
):
    settings.PM_HORIZON_DAYS = 10
    plan = plan_on(agreement, manager)  # monthly: only 15 Feb inside the horizon
    (only,) = plan.visits.all()
    tech = make_user("dispatcher")
    s.workorder_schedule(
        work_order=only.work_order,
        planned_start=local(2026, 2, 15, 9),
        planned_end=local(2026, 2, 15, 10),
        actor=tech,
    )
    s.workorder_dispatch(work_order=only.work_order, actor=tech)
    s.workorder_arrive(work_order=only.work_order, actor=tech)
    s.workorder_incomplete(work_order=only.work_order, reason="weather", actor=tech)
    assert dues(plan) == [D(2026, 2, 15), D(2026, 3, 15)]
    only.refresh_from_db()
    assert only.carried_to.due_date == D(2026, 3, 15)


def test_deactivating_cancels_future_visits_that_have_not_started(db, agreement, manager, settings):
    settings.PM_HORIZON_DAYS = 60
    plan = plan_on(agreement, manager)
    later = local(2026, 2, 20, 9)
    pm.pm_plan_update(plan=plan, active=False, actor=manager, now=later)
    visits = {v.due_date: v for v in plan.visits.select_related("work_order")}
    assert visits[D(2026, 2, 15)].work_order.status == "new"  # overdue stays to decide
    assert visits[D(2026, 3, 15)].work_order.status == "cancelled"
    assert visits[D(2026, 3, 15)].outcome == "cancelled"
    assert pm.pm_generate(now=later + dt.timedelta(days=30))["visits"] == 0


def test_the_cadence_cannot_change(db, agreement, manager):
    plan = plan_on(agreement, manager)
    with pytest.raises(ValidationFailed) as refused:
        pm.pm_plan_update(plan=plan, frequency="weekly", actor=manager)
    assert "frequency" in refused.value.errors


def test_visits_are_unique_per_plan_and_due_date(db, agreement, manager):
    from django.db import IntegrityError, transaction

    plan = plan_on(agreement, manager)
    visit = plan.visits.first()
    order = s.workorder_create(
        account=plan.account, work_type="preventive_maintenance", summary="dup", actor=manager
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        MaintenanceVisit.objects.create(
            plan=plan, due_date=visit.due_date, sequence=9, work_order=order
        )
