"""The SLA clock on the business calendar: due instants across weekends, holidays and DST,
pauses while waiting on the customer, first response, the periodic sweep (at risk,
breached, automatic escalation, auto-close) and priority changes."""

from __future__ import annotations

import datetime as dt

import pytest

from servicebook.cases.models import Case, CaseEvent, Queue
from servicebook.cases.services import (
    case_add_note,
    case_open,
    case_reopen,
    case_resolve,
    case_set_priority,
    case_sla_sweep,
    case_transition,
)
from servicebook.core.models import AuditEvent
from servicebook.core.testing.factories import make_calendar, make_policy

from .conftest import MONDAY, local

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOTHING = {"at_risk": 0, "breached": 0, "escalated": 0, "closed": 0}


def open_case(account, actor, now, **kwargs) -> Case:
    return case_open(
        account=account,
        case_type="trouble_ticket",
        subject="No dial tone",
        actor=actor,
        now=now,
        **kwargs,
    )


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def kinds(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))


@pytest.fixture
def policy(calendar):
    """Trouble tickets, normal priority: first response in 1 working hour, resolution in 8,
    at risk after 75%, no automatic escalation unless a test turns it on."""
    return make_policy(calendar=calendar, first_response=60, resolution=480, auto_escalate=False)


# --- due instants on the calendar --------------------------------------------------------------


def test_a_case_opened_friday_afternoon_is_due_on_monday(account, rep1, policy):
    case = open_case(account, rep1, local(2026, 2, 6, 16, 30))
    assert case.sla_policy == policy
    # Half an hour is left on Friday; the rest runs from Monday 08:00.
    assert case.first_response_due == local(2026, 2, 9, 8, 30)
    assert case.first_response_risk_at == local(2026, 2, 9, 8, 15)  # 45 of 60 minutes
    assert case.resolution_due == local(2026, 2, 9, 15, 30)
    assert case.resolution_risk_at == local(2026, 2, 9, 13, 30)  # 6 of 8 hours


def test_a_holiday_does_not_count_towards_the_targets(account, rep1):
    calendar = make_calendar("With Christmas", holidays=[(dt.date(2026, 12, 25), "Christmas")])
    make_policy(calendar=calendar, first_response=60, resolution=480)
    case = open_case(account, rep1, local(2026, 12, 24, 16, 30))
    assert case.first_response_due == local(2026, 12, 28, 8, 30)
    assert case.resolution_due == local(2026, 12, 28, 15, 30)


def test_targets_stay_on_wall_clock_hours_across_the_march_dst_change(account, rep1, policy):
    case = open_case(account, rep1, local(2026, 3, 6, 16, 30))  # Friday, UTC-7
    # Monday is UTC-6: 08:30 local is 14:30 UTC, not the 15:30 a fixed offset would give.
    assert case.first_response_due == dt.datetime(2026, 3, 9, 14, 30, tzinfo=UTC)
    assert case.resolution_due == dt.datetime(2026, 3, 9, 21, 30, tzinfo=UTC)
    assert case.resolution_due == local(2026, 3, 9, 15, 30)


def test_targets_stay_on_wall_clock_hours_across_the_november_dst_change(account, rep1, policy):
    case = open_case(account, rep1, local(2026, 10, 30, 16, 30))  # Friday, UTC-6
    assert case.first_response_due == dt.datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
    assert case.resolution_due == local(2026, 11, 2, 15, 30)


def test_a_case_without_a_policy_has_no_targets(account, rep1, policy):
    case = case_open(
        account=account, case_type="inquiry", subject="Question", actor=rep1, now=MONDAY
    )
    assert case.sla_policy is None
    assert (case.first_response_due, case.resolution_due) == (None, None)
    assert case_sla_sweep(now=MONDAY + dt.timedelta(days=30)) == NOTHING


# --- pauses --------------------------------------------------------------------------------------


def test_waiting_on_the_customer_pauses_the_resolution_clock(account, rep1, policy):
    case = open_case(account, rep1, MONDAY, assignee=rep1)
    assert case.resolution_due == local(2026, 2, 9, 16)

    case_transition(case=case, to_status="waiting_customer", actor=rep1, now=local(2026, 2, 9, 9))
    paused = fresh(case)
    assert paused.sla_paused_at == local(2026, 2, 9, 9)
    # Past the original due instant, but the clock is stopped: the sweep flags nothing.
    assert case_sla_sweep(now=local(2026, 2, 9, 16, 30)) == NOTHING
    assert not fresh(case).breached

    # The customer answers at 09:00 on Tuesday: 8 + 1 working hours were paused.
    case_transition(case=case, to_status="open", actor=rep1, now=local(2026, 2, 10, 9))
    resumed = fresh(case)
    assert resumed.sla_paused_at is None
    assert resumed.sla_paused_seconds == 9 * 3600
    assert resumed.resolution_due == local(2026, 2, 10, 16)
    assert not resumed.breached


def test_asking_the_customer_for_something_is_the_first_response(account, rep1, policy):
    case = open_case(account, rep1, MONDAY, assignee=rep1)
    case_transition(
        case=case, to_status="waiting_customer", actor=rep1, now=local(2026, 2, 9, 8, 20)
    )
    assert fresh(case).first_responded_at == local(2026, 2, 9, 8, 20)
    assert "first_response" in kinds(case)


def test_waiting_on_a_third_party_runs_the_clock_unless_the_policy_pauses_it(account, rep1, policy):
    case = open_case(account, rep1, MONDAY, assignee=rep1)
    case_transition(
        case=case, to_status="waiting_third_party", actor=rep1, now=local(2026, 2, 9, 9)
    )
    assert fresh(case).sla_paused_at is None
    case_transition(case=case, to_status="open", actor=rep1, now=local(2026, 2, 10, 9))
    after = fresh(case)
    assert after.sla_paused_seconds == 0
    assert after.resolution_due == local(2026, 2, 9, 16)


def test_a_policy_may_pause_the_clock_while_waiting_on_a_third_party(account, rep1, policy):
    policy.pause_on_third_party = True
    policy.save()
    case = open_case(account, rep1, MONDAY, assignee=rep1)
    case_transition(
        case=case, to_status="waiting_third_party", actor=rep1, now=local(2026, 2, 9, 9)
    )
    assert fresh(case).sla_paused_at == local(2026, 2, 9, 9)
    case_transition(case=case, to_status="open", actor=rep1, now=local(2026, 2, 9, 11))
    # Two working hours later than 16:00 on Monday is 09:00 on Tuesday.
    assert fresh(case).resolution_due == local(2026, 2, 10, 9)


def test_moving_from_the_customer_to_a_third_party_restarts_the_clock(account, rep1, policy):
    case = open_case(account, rep1, MONDAY, assignee=rep1)
    case_transition(case=case, to_status="waiting_customer", actor=rep1, now=local(2026, 2, 9, 9))
    case_transition(
        case=case, to_status="waiting_third_party", actor=rep1, now=local(2026, 2, 9, 10)
    )
    moved = fresh(case)
    assert moved.sla_paused_at is None
    assert moved.sla_paused_seconds == 3600
    assert moved.resolution_due == local(2026, 2, 9, 17)


def test_a_reopened_case_resumes_the_clock_where_it_stopped(account, rep1, policy, fixed):
    case = open_case(account, rep1, MONDAY, assignee=rep1)
    case_resolve(case=case, resolution_code=fixed, actor=rep1, now=local(2026, 2, 9, 10))
    case_reopen(case=case, reason="Back again", actor=rep1, now=local(2026, 2, 10, 10))
    reopened = fresh(case)
    # Resolved from Monday 10:00 to Tuesday 10:00: 7 + 2 working hours off the clock.
    assert reopened.sla_paused_seconds == 9 * 3600
    assert reopened.resolution_due == local(2026, 2, 10, 16)
    assert not reopened.resolution_breached


def test_resolving_after_the_due_instant_breaches_the_resolution_target(
    account, rep1, policy, fixed
):
    case = open_case(account, rep1, MONDAY, assignee=rep1)
    case_add_note(case=case, body="On it", visibility="customer", actor=rep1, now=MONDAY)
    case_resolve(case=case, resolution_code=fixed, actor=rep1, now=local(2026, 2, 9, 16, 1))
    late = fresh(case)
    assert (late.resolution_breached, late.breached, late.at_risk) == (True, True, False)


def test_resolving_in_time_meets_the_target(account, rep1, policy, fixed):
    case = open_case(account, rep1, MONDAY, assignee=rep1)
    case_resolve(case=case, resolution_code=fixed, actor=rep1, now=local(2026, 2, 9, 8, 50))
    done = fresh(case)
    assert not done.breached
    assert done.first_responded_at == local(2026, 2, 9, 8, 50)


# --- first response ------------------------------------------------------------------------------


def test_a_customer_visible_note_is_the_first_response(account, rep1, policy):
    case = open_case(account, rep1, MONDAY)
    case_add_note(case=case, body="Looking", actor=rep1, now=local(2026, 2, 9, 8, 10))
    assert fresh(case).first_responded_at is None  # internal notes do not count

    case_add_note(
        case=case,
        body="We are on it",
        visibility="customer",
        actor=rep1,
        now=local(2026, 2, 9, 8, 40),
    )
    case_add_note(
        case=case, body="Update", visibility="customer", actor=rep1, now=local(2026, 2, 9, 9, 30)
    )
    answered = fresh(case)
    assert answered.first_responded_at == local(2026, 2, 9, 8, 40)
    assert not answered.first_response_breached
    assert kinds(case).count("first_response") == 1


def test_a_late_first_response_is_breached(account, rep1, policy):
    case = open_case(account, rep1, MONDAY)
    case_add_note(
        case=case,
        body="Sorry for the wait",
        visibility="customer",
        actor=rep1,
        now=local(2026, 2, 9, 9, 5),
    )
    late = fresh(case)
    assert late.first_responded_at == local(2026, 2, 9, 9, 5)
    assert (late.first_response_breached, late.breached) == (True, True)


# --- the sweep -----------------------------------------------------------------------------------


def test_the_sweep_flags_a_case_at_risk_at_the_policys_percentage(account, rep1, policy):
    policy.at_risk_percent = 50
    policy.save()
    case = open_case(account, rep1, MONDAY)

    assert case_sla_sweep(now=local(2026, 2, 9, 8, 29, 59)) == NOTHING
    assert not fresh(case).at_risk

    assert case_sla_sweep(now=local(2026, 2, 9, 8, 30)) == {**NOTHING, "at_risk": 1}
    flagged = fresh(case)
    assert (flagged.at_risk, flagged.breached) == (True, False)
    event = CaseEvent.objects.get(case=case, kind="at_risk")
    assert (event.at, event.actor) == (local(2026, 2, 9, 8, 30), None)


def test_the_sweep_breaches_a_target_once_its_due_instant_passes(account, rep1, policy):
    case = open_case(account, rep1, MONDAY)
    case_sla_sweep(now=local(2026, 2, 9, 8, 50))
    assert case_sla_sweep(now=local(2026, 2, 9, 9, 0, 1)) == {**NOTHING, "breached": 1}
    breached = fresh(case)
    assert (breached.first_response_breached, breached.breached) == (True, True)
    assert not breached.resolution_breached

    assert case_sla_sweep(now=local(2026, 2, 9, 16, 0, 1)) == NOTHING
    assert fresh(case).resolution_breached
    assert kinds(case).count("breached") == 1  # the case was breached already


def test_a_target_is_not_breached_at_its_due_instant_only_after_it(account, rep1, policy):
    case = open_case(account, rep1, MONDAY)
    due = fresh(case).first_response_due
    assert case_sla_sweep(now=due)["breached"] == 0
    assert not fresh(case).first_response_breached
    assert case_sla_sweep(now=due + dt.timedelta(seconds=1))["breached"] == 1


def test_a_breached_case_is_not_read_again_by_every_sweep(account, rep1, policy):
    from servicebook.cases.services import _sweep_candidates

    case = open_case(account, rep1, MONDAY)
    late = fresh(case).first_response_due + dt.timedelta(minutes=5)
    case_sla_sweep(now=late)
    assert fresh(case).first_response_breached
    assert not _sweep_candidates(late + dt.timedelta(minutes=1)).filter(pk=case.pk).exists()


def test_the_sweep_escalates_an_at_risk_case_into_the_escalation_queue_once(account, rep1, policy):
    escalations = Queue.objects.create(name="Escalations", slug="escalations")
    policy.auto_escalate = True
    policy.escalation_queue = escalations
    policy.save()
    case = open_case(account, rep1, MONDAY)
    risky = local(2026, 2, 9, 8, 45)

    assert case_sla_sweep(now=risky) == {**NOTHING, "at_risk": 1, "escalated": 1}
    escalated = fresh(case)
    assert (escalated.escalation_level, escalated.queue, escalated.escalated_at) == (
        1,
        escalations,
        risky,
    )
    assert escalated.status == "open"
    event = CaseEvent.objects.get(case=case, kind="escalated")
    assert event.data == {"level": 1, "automatic": True, "queue": "Escalations"}

    row = Case.objects.filter(pk=case.pk).values().get()
    events, audits = CaseEvent.objects.count(), AuditEvent.objects.count()
    for again in (risky, risky + dt.timedelta(minutes=1)):
        assert case_sla_sweep(now=again) == NOTHING
    assert Case.objects.filter(pk=case.pk).values().get() == row
    assert (CaseEvent.objects.count(), AuditEvent.objects.count()) == (events, audits)


def test_the_sweep_does_not_escalate_when_the_policy_says_not_to(account, rep1, policy):
    case = open_case(account, rep1, MONDAY)
    assert case_sla_sweep(now=local(2026, 2, 9, 8, 45)) == {**NOTHING, "at_risk": 1}
    assert fresh(case).escalation_level == 0


def test_the_sweep_closes_cases_resolved_longer_ago_than_the_setting(
    account, rep1, policy, fixed, settings
):
    settings.CASE_AUTO_CLOSE_DAYS = 3
    case = open_case(account, rep1, MONDAY, assignee=rep1)
    resolved_at = local(2026, 2, 9, 10)
    case_resolve(case=case, resolution_code=fixed, actor=rep1, now=resolved_at)

    almost = resolved_at + dt.timedelta(days=3) - dt.timedelta(seconds=1)
    assert case_sla_sweep(now=almost) == NOTHING
    assert fresh(case).status == "resolved"

    due = resolved_at + dt.timedelta(days=3)
    assert case_sla_sweep(now=due) == {**NOTHING, "closed": 1}
    closed = fresh(case)
    assert (closed.status, closed.closed_at) == ("closed", due)
    event = CaseEvent.objects.get(case=case, kind="closed")
    assert event.actor is None
    assert "3 days" in event.reason
    assert case_sla_sweep(now=due) == NOTHING


def test_the_sweep_leaves_open_cases_open_however_old(account, rep1, policy):
    case = open_case(account, rep1, MONDAY, assignee=rep1)
    case_sla_sweep(now=MONDAY + dt.timedelta(days=60))
    assert fresh(case).status == "open"


# --- priority ------------------------------------------------------------------------------------


def test_a_priority_change_recomputes_the_targets(account, rep1, policy, calendar):
    urgent = make_policy(
        priority="urgent", calendar=calendar, first_response=15, resolution=120, auto_escalate=False
    )
    case = open_case(account, rep1, MONDAY)
    case_set_priority(case=case, priority="urgent", actor=rep1, now=local(2026, 2, 9, 8, 5))
    raised = fresh(case)
    assert raised.sla_policy == urgent
    assert raised.first_response_due == local(2026, 2, 9, 8, 15)
    assert raised.resolution_due == local(2026, 2, 9, 10)

    # Low priority has no policy here: no targets, nothing to breach.
    case_set_priority(case=case, priority="low", actor=rep1, now=local(2026, 2, 9, 8, 6))
    lowered = fresh(case)
    assert (lowered.sla_policy, lowered.first_response_due, lowered.resolution_due) == (
        None,
        None,
        None,
    )


def test_raising_the_priority_of_a_case_already_past_the_new_risk_instant_escalates_it(
    account, rep1, policy, calendar
):
    escalations = Queue.objects.create(name="Escalations", slug="escalations")
    make_policy(
        priority="urgent",
        calendar=calendar,
        first_response=15,
        resolution=120,
        escalation_queue=escalations,
    )
    case = open_case(account, rep1, MONDAY)
    case_set_priority(case=case, priority="urgent", actor=rep1, now=local(2026, 2, 9, 8, 13))
    raised = fresh(case)
    assert raised.at_risk
    assert (raised.escalation_level, raised.queue) == (1, escalations)
    assert "at_risk" in kinds(case)
    assert case_sla_sweep(now=local(2026, 2, 9, 8, 14)) == NOTHING


def test_a_note_between_the_risk_instant_and_the_next_sweep_does_not_swallow_the_escalation(
    account, rep1, policy
):
    escalations = Queue.objects.create(name="Escalations", slug="escalations")
    policy.auto_escalate = True
    policy.escalation_queue = escalations
    policy.save()
    case = open_case(account, rep1, MONDAY, assignee=rep1)
    # At risk from 08:45; the rep writes an internal note at 08:45:30, before the sweep runs.
    case_add_note(case=case, body="Still testing", actor=rep1, now=local(2026, 2, 9, 8, 45, 30))
    case_sla_sweep(now=local(2026, 2, 9, 8, 46))
    noted = fresh(case)
    assert noted.at_risk
    assert (noted.escalation_level, noted.queue) == (1, escalations)
    assert kinds(case).count("at_risk") == 1
    assert kinds(case).count("escalated") == 1
