"""The work-order lifecycle: every move from every status, allowed or refused with 409 and
nothing changed; the rules of each move."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from servicebook.cases.services import consent_record, consent_revoke
from servicebook.core.audit import snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.models import AuditEvent
from servicebook.core.testing.factories import (
    make_case,
    make_completion_code,
    make_user,
    make_work_order,
)
from servicebook.workorders import hooks
from servicebook.workorders import services as s
from servicebook.workorders.choices import TRANSITIONS, WorkOrderStatus
from servicebook.workorders.models import (
    FollowUp,
    WorkChecklist,
    WorkChecklistItem,
    WorkOrder,
    WorkOrderEvent,
)

from .conftest import NOW, local

STATUSES = [st.value for st in WorkOrderStatus]


def _call(action: str, order: WorkOrder, actor):
    start = local(2026, 2, 10, 9)
    calls = {
        "schedule": lambda: s.workorder_schedule(
            work_order=order,
            planned_start=start,
            planned_end=start + dt.timedelta(hours=1),
            actor=actor,
            now=NOW,
        ),
        "unschedule": lambda: s.workorder_unschedule(work_order=order, actor=actor, now=NOW),
        "dispatch": lambda: s.workorder_dispatch(work_order=order, actor=actor, now=NOW),
        "travel": lambda: s.workorder_start_travel(work_order=order, actor=actor, now=NOW),
        "arrive": lambda: s.workorder_arrive(work_order=order, actor=actor, now=NOW),
        "complete": lambda: s.workorder_complete(
            work_order=order,
            notes="Replaced the igniter",
            completion_code=make_completion_code(),
            signer_name="Jane Doe",
            actor=actor,
            now=NOW,
        ),
        "incomplete": lambda: s.workorder_incomplete(
            work_order=order, reason="customer_not_home", actor=actor, now=NOW
        ),
        "close": lambda: s.workorder_close(work_order=order, actor=actor, now=NOW),
        "cancel": lambda: s.workorder_cancel(
            work_order=order, reason="Customer called off", actor=actor, now=NOW
        ),
    }
    return calls[action]()


def _state(order: WorkOrder) -> tuple:
    return (
        snapshot(WorkOrder.objects.get(pk=order.pk)),
        WorkOrderEvent.objects.filter(work_order=order).count(),
        WorkOrder.objects.count(),
        AuditEvent.objects.count(),
        FollowUp.objects.count(),
    )


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
@pytest.mark.parametrize("status", STATUSES)
def test_every_move_from_every_status_is_allowed_or_refused_with_nothing_changed(
    db, account, status, action
):
    actor = make_user("supervisor")
    order = make_work_order(account=account, actor=actor, status=status, now=NOW)
    assert order.status == status
    allowed_from, to_status = TRANSITIONS[action]
    if status in allowed_from:
        moved = _call(action, order, actor)
        assert moved.status == to_status
        event = WorkOrderEvent.objects.filter(work_order=order).last()
        assert (event.from_status, event.to_status) == (status, to_status)
        assert AuditEvent.objects.filter(object_id=str(order.pk), action=action).exists()
    else:
        before = _state(order)
        with pytest.raises(InvalidTransition):
            _call(action, order, actor)
        assert _state(order) == before


def test_the_allowed_moves_are_the_documented_lifecycle():
    allowed = {a: sorted(fr) for a, (fr, _) in TRANSITIONS.items()}
    assert allowed == {
        "schedule": ["dispatched", "new", "scheduled"],
        "unschedule": ["dispatched", "scheduled"],
        "dispatch": ["scheduled"],
        "travel": ["dispatched"],
        "arrive": ["dispatched", "en_route"],
        "complete": ["on_site"],
        "incomplete": ["en_route", "on_site"],
        "close": ["completed", "incomplete"],
        "cancel": ["dispatched", "en_route", "new", "scheduled"],
    }


@pytest.mark.parametrize(
    ("action", "role"),
    [
        ("schedule", "rep1"),
        ("dispatch", "rep1"),
        ("dispatch", "billing"),
        ("arrive", "rep2"),
        ("complete", "collections"),
        ("close", "rep1"),
        ("cancel", "rep2"),
    ],
)
def test_a_role_without_the_capability_is_refused_and_nothing_changes(db, account, action, role):
    admin = make_user("admin")
    start = {"schedule": "new", "dispatch": "scheduled", "arrive": "dispatched"}
    status = start.get(action, {"complete": "on_site", "close": "completed"}.get(action, "new"))
    order = make_work_order(account=account, actor=admin, status=status, now=NOW)
    user = make_user(role)
    before = _state(order)
    with pytest.raises(PermissionDenied):
        _call(action, order, user)
    assert _state(order) == before


def test_schedule_needs_a_window_inside_the_customers_unless_overridden(db, account, dispatcher):
    order = s.workorder_create(
        account=account,
        work_type="repair",
        summary="Leak",
        window_start=local(2026, 2, 10, 8),
        window_end=local(2026, 2, 10, 12),
        actor=dispatcher,
        now=NOW,
    )
    late = local(2026, 2, 10, 13)
    with pytest.raises(ValidationFailed) as refused:
        s.workorder_schedule(
            work_order=order,
            planned_start=late,
            planned_end=late + dt.timedelta(hours=1),
            actor=dispatcher,
            now=NOW,
        )
    assert "planned_start" in refused.value.errors
    assert WorkOrder.objects.get(pk=order.pk).status == "new"
    moved = s.workorder_schedule(
        work_order=order,
        planned_start=late,
        planned_end=late + dt.timedelta(hours=1),
        allow_outside_window=True,
        technician_id=7,
        technician_label="Sam Tech",
        actor=dispatcher,
        now=NOW,
    )
    assert moved.status == "scheduled" and moved.planned_start == late
    event = moved.events.last()
    assert event.data["outside_window"] is True and event.data["technician"] == "Sam Tech"


def test_schedule_refuses_an_end_before_the_start_and_a_naive_time(db, account, dispatcher):
    order = make_work_order(account=account, actor=dispatcher, now=NOW)
    start = local(2026, 2, 10, 9)
    with pytest.raises(ValidationFailed) as refused:
        s.workorder_schedule(
            work_order=order, planned_start=start, planned_end=start, actor=dispatcher, now=NOW
        )
    assert "planned_end" in refused.value.errors
    with pytest.raises(ValidationFailed):
        s.workorder_schedule(
            work_order=order,
            planned_start=dt.datetime(2026, 2, 10, 9),
            planned_end=dt.datetime(2026, 2, 10, 10),
            actor=dispatcher,
            now=NOW,
        )


def test_moving_a_dispatched_job_sends_it_back_to_scheduled(db, account, dispatcher):
    order = make_work_order(account=account, actor=dispatcher, status="dispatched", now=NOW)
    assert order.dispatched_at is not None
    start = local(2026, 2, 11, 9)
    moved = s.workorder_schedule(
        work_order=order,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=1),
        actor=dispatcher,
        now=NOW,
    )
    assert moved.status == "scheduled" and moved.dispatched_at is None
    unscheduled = s.workorder_unschedule(work_order=moved, actor=dispatcher, now=NOW)
    assert unscheduled.status == "new" and unscheduled.planned_start is None


# --- Carrier dispatch needs consent ------------------------------------------------------------


def test_a_carrier_dispatch_without_consent_is_refused_and_nothing_changes(db, account, dispatcher):
    order = make_work_order(
        account=account, actor=dispatcher, work_type="carrier_dispatch", status="scheduled"
    )
    before = _state(order)
    with pytest.raises(InvalidTransition) as refused:
        s.workorder_dispatch(work_order=order, actor=dispatcher, now=NOW)
    assert refused.value.code == "consent_required"
    assert _state(order) == before


def test_a_carrier_dispatch_goes_with_consent_and_not_after_it_is_withdrawn(
    db, account, dispatcher
):
    rep = make_user("rep2")
    case = make_case(account=account, actor=rep)
    consent = consent_record(
        account=account,
        case=case,
        subject="carrier_dispatch",
        given_by="Jane Doe",
        method="verbal_phone",
        actor=rep,
    )
    first = make_work_order(
        account=account, actor=dispatcher, work_type="carrier_dispatch", status="scheduled"
    )
    assert s.workorder_dispatch(work_order=first, actor=dispatcher).status == "dispatched"
    consent_revoke(record=consent, actor=rep)
    second = make_work_order(
        account=account, actor=dispatcher, work_type="carrier_dispatch", status="scheduled"
    )
    with pytest.raises(InvalidTransition):
        s.workorder_dispatch(work_order=second, actor=dispatcher)


def test_a_refusal_after_a_consent_means_no_and_other_subjects_do_not_count(
    db, account, dispatcher
):
    rep = make_user("rep2")
    for subject, granted in [("carrier_dispatch", True), ("premise_access", True)]:
        consent_record(
            account=account,
            subject=subject,
            given_by="Jane",
            method="email",
            granted=granted,
            given_at=NOW - dt.timedelta(days=2),
            actor=rep,
        )
    consent_record(
        account=account,
        subject="carrier_dispatch",
        given_by="Jane",
        method="email",
        granted=False,
        given_at=NOW - dt.timedelta(days=1),
        actor=rep,
    )
    order = make_work_order(
        account=account, actor=dispatcher, work_type="carrier_dispatch", status="scheduled"
    )
    with pytest.raises(InvalidTransition):
        s.workorder_dispatch(work_order=order, actor=dispatcher)


def test_other_types_dispatch_without_any_consent(db, account, dispatcher):
    order = make_work_order(account=account, actor=dispatcher, status="scheduled")
    assert s.workorder_dispatch(work_order=order, actor=dispatcher).status == "dispatched"


# --- Completion -------------------------------------------------------------------------------


def test_completion_needs_notes_a_fitting_code_and_the_signer(db, account, dispatcher):
    order = make_work_order(account=account, actor=dispatcher, status="on_site")
    before = _state(order)
    with pytest.raises(ValidationFailed) as refused:
        s.workorder_complete(
            work_order=order, notes=" ", completion_code=None, signer_name="", actor=dispatcher
        )
    assert set(refused.value.errors) == {"notes", "completion_code", "signer_name"}
    install_only = make_completion_code("installed", "Installed", work_types=["install"])
    with pytest.raises(ValidationFailed) as refused:
        s.workorder_complete(
            work_order=order,
            notes="Done",
            completion_code=install_only,
            signer_name="Jane",
            actor=dispatcher,
        )
    assert list(refused.value.errors) == ["completion_code"]
    assert _state(order) == before


def test_completion_needs_the_required_checklist_answered(db, account, dispatcher, repaired):
    checklist = WorkChecklist.objects.create(work_type="repair", name="Safety")
    item = WorkChecklistItem.objects.create(checklist=checklist, prompt="Gas shut off?")
    WorkChecklistItem.objects.create(checklist=checklist, prompt="Photo?", required=False)
    order = make_work_order(account=account, actor=dispatcher, status="on_site")
    with pytest.raises(ValidationFailed) as refused:
        s.workorder_complete(
            work_order=order,
            notes="Done",
            completion_code=repaired,
            signer_name="Jane",
            actor=dispatcher,
        )
    assert "Gas shut off?" in refused.value.errors["checklist"][0]
    with pytest.raises(ValidationFailed):
        s.workorder_checklist_answer(work_order=order, item=item, answer="maybe", actor=dispatcher)
    s.workorder_checklist_answer(work_order=order, item=item, answer="Yes", actor=dispatcher)
    done = s.workorder_complete(
        work_order=order,
        notes="Done",
        completion_code=repaired,
        signer_name="Jane",
        actor=dispatcher,
    )
    assert done.status == "completed" and done.checklist_answers.get().answer == "yes"


def test_completion_creates_one_after_visit_follow_up(db, account, dispatcher, repaired, settings):
    settings.WORKORDER_FOLLOW_UP_HOURS = 24
    order = make_work_order(account=account, actor=dispatcher, status="on_site", now=NOW)
    done = s.workorder_complete(
        work_order=order,
        notes="Replaced the igniter",
        completion_code=repaired,
        signer_name="Jane Doe",
        actor=dispatcher,
        now=NOW,
    )
    assert (done.completed_at, done.signer_name, done.completion_code) == (
        NOW,
        "Jane Doe",
        repaired,
    )
    follow_up = FollowUp.objects.get(work_order=order)
    assert follow_up.due_at == NOW + dt.timedelta(hours=24) and follow_up.status == "open"
    s.followup_complete(follow_up=follow_up, outcome="Happy", actor=dispatcher)
    with pytest.raises(InvalidTransition):
        s.followup_complete(follow_up=follow_up, outcome="Again", actor=dispatcher)


def test_no_follow_up_when_the_setting_is_zero(db, account, dispatcher, repaired, settings):
    settings.WORKORDER_FOLLOW_UP_HOURS = 0
    make_work_order(account=account, actor=dispatcher, status="completed")
    assert not FollowUp.objects.exists()


# --- Incomplete and the return visit ------------------------------------------------------------


def test_incomplete_needs_a_reason_and_creates_a_return_visit(db, account, dispatcher):
    hvac = __import__("servicebook.core.testing.factories", fromlist=["x"]).make_skill("hvac")
    order = make_work_order(account=account, actor=dispatcher, status="on_site", skills=[hvac])
    s.workorder_task_add(work_order=order, description="Replace filter", actor=dispatcher)
    done_task = s.workorder_task_add(work_order=order, description="Check flue", actor=dispatcher)
    s.workorder_task_set_done(task=done_task, done=True, actor=dispatcher)
    with pytest.raises(ValidationFailed):
        s.workorder_incomplete(work_order=order, reason="", actor=dispatcher)
    with pytest.raises(ValidationFailed) as refused:
        s.workorder_incomplete(work_order=order, reason="other", actor=dispatcher)
    assert "notes" in refused.value.errors
    assert WorkOrder.objects.count() == 1
    stopped = s.workorder_incomplete(
        work_order=order, reason="parts_needed", notes="Needs a blower motor", actor=dispatcher
    )
    assert stopped.status == "incomplete" and stopped.incomplete_reason == "parts_needed"
    (return_visit,) = stopped.follow_ups.all()
    assert return_visit.status == "new"
    assert return_visit.summary == f"Return visit: {order.summary}"
    assert (return_visit.account, return_visit.location, return_visit.work_type) == (
        order.account,
        order.location,
        order.work_type,
    )
    assert list(return_visit.required_skills.all()) == [hvac]
    assert [t.description for t in return_visit.tasks.all()] == ["Replace filter"]
    assert stopped.events.last().data["return_visit"] == return_visit.number


# --- Guards and listeners ---------------------------------------------------------------------


def test_a_guard_refuses_a_move_and_nothing_changes(db, account, dispatcher):
    def no_dispatch(*, action, work_order, actor, **details):
        if action == "dispatch":
            raise InvalidTransition("Insurance expired.")

    hooks.register_guard(no_dispatch, key="test-guard")
    try:
        order = make_work_order(account=account, actor=dispatcher, status="scheduled")
        before = _state(order)
        with pytest.raises(InvalidTransition, match="Insurance"):
            s.workorder_dispatch(work_order=order, actor=dispatcher)
        assert _state(order) == before
    finally:
        hooks.unregister("test-guard")


def test_listeners_hear_every_move_in_the_same_transaction(db, account, dispatcher):
    heard = []

    def listen(*, action, work_order, from_status, to_status, actor, **details):
        heard.append((action, from_status, to_status, sorted(details)))

    hooks.register_listener(listen, key="test-listener")
    try:
        order = make_work_order(account=account, actor=dispatcher, status="scheduled")
        s.workorder_cancel(work_order=order, reason="No longer needed", actor=dispatcher)
    finally:
        hooks.unregister("test-listener")
    assert heard[0][:3] == ("schedule", "new", "scheduled")
    assert "planned_start" in heard[0][3]
    assert heard[-1] == ("cancel", "scheduled", "cancelled", ["reason"])


# --- Create and change ------------------------------------------------------------------------


def test_create_from_a_case_takes_its_account_location_and_subject(db, account, rep):
    case = make_case(account=account, actor=make_user("rep2"), subject="No heat upstairs")
    order = s.workorder_create(account=account, case=case, work_type="repair", actor=rep)
    assert order.summary == "No heat upstairs" and order.case == case
    assert order.location == account.locations.get()
    assert order.number.startswith("W") and order.priority == "normal"
    emergency = s.workorder_create(account=account, work_type="emergency", summary="Gas", actor=rep)
    assert emergency.priority == "urgent"
    assert emergency.number != order.number


def test_create_refuses_a_case_of_another_account_and_bad_windows(db, account, rep):
    other = make_case(actor=make_user("rep2"))
    with pytest.raises(ValidationFailed) as refused:
        s.workorder_create(account=account, case=other, work_type="repair", summary="x", actor=rep)
    assert "case" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        s.workorder_create(
            account=account,
            work_type="repair",
            summary="x",
            window_start=local(2026, 2, 10, 12),
            window_end=local(2026, 2, 10, 8),
            actor=rep,
            now=NOW,
        )
    assert "window_end" in refused.value.errors
    with pytest.raises(ValidationFailed):
        s.workorder_create(account=account, work_type="nonsense", summary="x", actor=rep)
    assert not WorkOrder.objects.exists()


def test_details_change_until_someone_is_on_the_way(db, account, dispatcher):
    order = make_work_order(account=account, actor=dispatcher, status="scheduled", now=NOW)
    changed = s.workorder_update(
        work_order=order, summary="Furnace and thermostat", estimated_minutes=90, actor=dispatcher
    )
    assert changed.summary == "Furnace and thermostat" and changed.estimated_minutes == 90
    assert changed.events.last().kind == "updated"
    on_way = make_work_order(account=account, actor=dispatcher, status="en_route", now=NOW)
    with pytest.raises(InvalidTransition):
        s.workorder_update(work_order=on_way, summary="Changed", actor=dispatcher)


def test_parts_and_labour_are_exact_decimals_rounded_half_up(db, account, dispatcher):
    order = make_work_order(account=account, actor=dispatcher, status="on_site")
    line = s.workorder_line_add(
        work_order=order,
        kind="labour",
        description="Diagnosis",
        quantity="1.5",
        unit="h",
        unit_price="85.005",
        actor=dispatcher,
    )
    assert str(line.unit_price) == "85.01" and str(line.amount) == "127.52"
    with pytest.raises(ValidationFailed):
        s.workorder_line_add(
            work_order=order,
            kind="part",
            description="Igniter",
            quantity=1.0,
            unit="ea",
            unit_price="20",
            actor=dispatcher,
        )
    with pytest.raises(ValidationFailed):
        s.workorder_line_add(
            work_order=order,
            kind="part",
            description="Igniter",
            quantity="0",
            unit="ea",
            unit_price="20",
            actor=dispatcher,
        )
    s.workorder_line_remove(line=line, actor=dispatcher)
    assert not order.lines.exists()
