"""The SLA clock of a case, on its policy's business calendar.

A target (first response, resolution) is met when its event happens before its due
instant. Due instants count working time from the case's creation plus the working time it
spent paused (waiting on the customer, or resolved before a reopen):

    due = calendar.add(created_at, target + paused)

so a pause, a priority change and a reopen all recompute the same way.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from servicebook.core.calendar import Schedule, schedule_for
from servicebook.core.models import BusinessCalendar

from .choices import CaseStatus
from .models import Case, SlaPolicy


@lru_cache(maxsize=64)
def _schedule(calendar_id: int, version: str) -> Schedule:
    return schedule_for(BusinessCalendar.objects.prefetch_related("holidays").get(pk=calendar_id))


def schedule_of(policy: SlaPolicy) -> Schedule:
    """The policy's calendar as a Schedule. Cached, keyed by the calendar's current content
    so that an edited calendar or a new holiday is seen at once."""
    cal = policy.calendar
    holidays = ",".join(str(d) for d in cal.holidays.values_list("date", flat=True))
    version = f"{cal.time_zone}|{sorted(cal.weekly_hours.items())}|{holidays}"
    return _schedule(cal.pk, version)


def policy_for(case_type: str, priority: str) -> SlaPolicy | None:
    return (
        SlaPolicy.objects.select_related("calendar")
        .filter(case_type=case_type, priority=priority)
        .first()
    )


def pauses_clock(case: Case, status: str) -> bool:
    """Waiting on the customer stops the clock; waiting on a third party does only when the
    policy says so."""
    if status == CaseStatus.WAITING_CUSTOMER:
        return True
    if status == CaseStatus.WAITING_THIRD_PARTY:
        return bool(case.sla_policy and case.sla_policy.pause_on_third_party)
    return status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)


def recompute(case: Case) -> None:
    """Set the due and at-risk instants of both targets from the policy and paused time."""
    policy = case.sla_policy
    if policy is None:
        case.first_response_due = case.first_response_risk_at = None
        case.resolution_due = case.resolution_risk_at = None
        return
    schedule = schedule_of(policy)
    start, paused = case.created_at, case.sla_paused_seconds
    fr, res = policy.first_response_minutes * 60, policy.resolution_minutes * 60
    share = policy.at_risk_percent / 100
    case.first_response_due = schedule.add(start, fr + paused)
    case.first_response_risk_at = schedule.add(start, fr * share + paused)
    case.resolution_due = schedule.add(start, res + paused)
    case.resolution_risk_at = schedule.add(start, res * share + paused)


def pause(case: Case, now: dt.datetime) -> None:
    if case.sla_paused_at is None:
        case.sla_paused_at = now


def resume(case: Case, now: dt.datetime) -> None:
    """End a pause: add its working time to the paused total and move the targets."""
    if case.sla_paused_at is None:
        return
    if case.sla_policy is not None:
        case.sla_paused_seconds += int(
            schedule_of(case.sla_policy).between(case.sla_paused_at, now)
        )
    case.sla_paused_at = None
    recompute(case)


def evaluate(case: Case, now: dt.datetime) -> tuple[bool, bool]:
    """Refresh the breach and at-risk flags as of `now`.

    Returns (became_at_risk, became_breached) so the caller can record and escalate.
    """
    was_risk, was_breached = case.at_risk, case.breached
    fr_pending = case.first_responded_at is None and case.first_response_due is not None
    res_pending = case.resolved_at is None and case.resolution_due is not None
    running = case.sla_paused_at is None
    # Due means due: a response at the due instant is on time (as in mark_first_response).
    if fr_pending and running and now > case.first_response_due:
        case.first_response_breached = True
    if res_pending and running and now > case.resolution_due:
        case.resolution_breached = True
    case.breached = case.first_response_breached or case.resolution_breached
    risky = running and (
        (fr_pending and not case.first_response_breached and now >= case.first_response_risk_at)
        or (res_pending and not case.resolution_breached and now >= case.resolution_risk_at)
    )
    case.at_risk = bool(risky)
    return (case.at_risk and not was_risk, case.breached and not was_breached)


def mark_first_response(case: Case, now: dt.datetime) -> bool:
    """Record the first response once; breached when it came after the due instant."""
    if case.first_responded_at is not None:
        return False
    case.first_responded_at = now
    if case.first_response_due is not None and now > case.first_response_due:
        case.first_response_breached = True
    return True


def mark_resolved(case: Case, now: dt.datetime) -> None:
    if case.resolution_due is not None and now > case.resolution_due and case.sla_paused_at is None:
        case.resolution_breached = True
    case.breached = case.first_response_breached or case.resolution_breached
    case.at_risk = False


def remaining_seconds(case: Case, now: dt.datetime) -> float | None:
    """Working seconds left to the resolution target (negative when overdue), or None."""
    if case.sla_policy is None or case.resolution_due is None:
        return None
    schedule = schedule_of(case.sla_policy)
    moment = case.sla_paused_at or now
    if moment <= case.resolution_due:
        return schedule.between(moment, case.resolution_due)
    return -schedule.between(case.resolution_due, moment)
