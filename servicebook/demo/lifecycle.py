"""A case's lifecycle replayed in memory with the rules of cases.services and cases.sla, so
that a seeded case carries the timeline, SLA instants and flags a case worked through the
services would have: opened, assigned, answered, paused while waiting on the customer,
flagged at risk or breached by the periodic sweep (and escalated when its policy says so),
resolved and closed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from servicebook.cases import sla
from servicebook.cases.choices import ACTIVE_STATUSES, CaseStatus, EventKind
from servicebook.core.calendar import Schedule

# --- Reference records the rows point at -------------------------------------------------------


@dataclass(frozen=True)
class PolicyRef:
    """What the generator needs of an SlaPolicy; also the `sla_policy` cases.sla reads."""

    id: int
    first_response_minutes: int
    resolution_minutes: int
    at_risk_percent: int
    auto_escalate: bool
    pause_on_third_party: bool
    escalation_queue_id: int | None
    escalation_queue_name: str | None


@dataclass(frozen=True)
class ChecklistItemRef:
    id: int
    prompt: str
    answer_kind: str
    choices: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class _FastSchedule(Schedule):
    """The calendar with each day's working intervals memoised: a seed computes millions of
    SLA instants over the same few hundred days."""

    _days: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        try:
            return self._days[day]
        except KeyError:
            spans = self._days[day] = super().intervals(day)
            return spans


def fast_schedule(schedule: Schedule) -> Schedule:
    return _FastSchedule(tz=schedule.tz, weekly=schedule.weekly, holidays=schedule.holidays)


_JSON_CACHE: dict[tuple, str] = {}


def _json(value: dict) -> str:
    """JSON text of a small dict; most event payloads repeat, so they are cached."""
    key = tuple(value.items())
    text = _JSON_CACHE.get(key)
    if text is None:
        text = json.dumps(value)
        if len(_JSON_CACHE) < 50_000:
            _JSON_CACHE[key] = text
    return text


# --- The case lifecycle, as the services would have lived it ------------------------------------


_MOMENT = dt.timedelta(microseconds=1)


class CaseSim:
    """One case replayed through its lifecycle with the rules of cases.services and
    cases.sla: the SLA clock, pauses while waiting on the customer, the periodic sweep
    flagging at-risk and breached targets (and auto-escalating), first response, resolve and
    close. Collects the case's events, notes and checklist answers as plain values.

    The attribute names are those of cases.models.Case so that cases.sla's pure functions
    (evaluate, mark_first_response, mark_resolved, pause, pauses_clock) work on it as-is.
    """

    def __init__(
        self,
        *,
        policy: PolicyRef | None,
        schedule: Schedule,
        created_at: dt.datetime,
        status: str,
        queue: tuple[int, str] | None,
        note_ids: Callable[[], int],
        usernames: dict[int, str],
    ):
        self.note_ids = note_ids
        self.usernames = usernames
        self.sla_policy = policy
        self.schedule = schedule
        self.created_at = created_at
        self.updated_at = created_at
        self.status = status
        self.queue_id, self.queue_name = queue or (None, None)
        self.assignee_id: int | None = None
        self.first_response_due = self.first_response_risk_at = None
        self.resolution_due = self.resolution_risk_at = None
        self.first_responded_at = self.sla_paused_at = None
        self.resolved_at = self.closed_at = self.escalated_at = None
        self.sla_paused_seconds = 0
        self.at_risk = self.breached = False
        self.first_response_breached = self.resolution_breached = False
        self.escalation_level = 0
        self.resolution_code_id: int | None = None
        self.resolution_summary = ""
        # (at, actor id, kind, from status, to status, reason, data)
        self.events: list[tuple] = []
        self.notes: list[tuple] = []  # (id, at, author id, body, visibility)
        self.answers: list[tuple] = []  # (item id, answer, by, at)
        self._swept = created_at
        self._recompute()

    # The SLA arithmetic of cases.sla.recompute / resume, on the schedule we already hold
    # (cases.sla reads the calendar from the database on every call).
    def _recompute(self) -> None:
        p = self.sla_policy
        if p is None:
            return
        add, start, paused = self.schedule.add, self.created_at, self.sla_paused_seconds
        fr, res = p.first_response_minutes * 60, p.resolution_minutes * 60
        share = p.at_risk_percent / 100
        self.first_response_due = add(start, fr + paused)
        self.first_response_risk_at = add(start, fr * share + paused)
        self.resolution_due = add(start, res + paused)
        self.resolution_risk_at = add(start, res * share + paused)

    def _resume(self, now: dt.datetime) -> None:
        if self.sla_paused_at is None:
            return
        if self.sla_policy is not None:
            self.sla_paused_seconds += int(self.schedule.between(self.sla_paused_at, now))
        self.sla_paused_at = None
        self._recompute()

    def _event(self, at, actor, kind, from_status="", to_status="", reason="", data=None):
        self.events.append((at, actor, kind, from_status, to_status, reason, _json(data or {})))
        if at > self.updated_at:
            self.updated_at = at

    def _sweep(self, until: dt.datetime) -> None:
        """What the minute-by-minute SLA sweep (case_sla_sweep) did up to `until`."""
        if self.status in ACTIVE_STATUSES and self.sla_paused_at is None:
            marks = (
                self.first_response_risk_at,
                self.first_response_due,
                self.resolution_risk_at,
                self.resolution_due,
            )
            # A target is breached once its due instant has passed (sla.evaluate), so the
            # sweep sees each mark a moment after it.
            for mark in sorted(m for m in marks if m is not None and self._swept <= m < until):
                at = mark + _MOMENT
                self._follow_up(sla.evaluate(self, at), at)
        if until > self._swept:
            self._swept = until

    def _follow_up(self, flags: tuple[bool, bool], at: dt.datetime) -> None:
        """cases.services._sla_follow_up: timeline events for flags just raised, and the
        automatic escalation of a target that became at risk when the policy says so."""
        became_risk, became_breached = flags
        if became_breached:
            self._event(at, None, EventKind.BREACHED)
        if became_risk:
            self._event(at, None, EventKind.AT_RISK)
            policy = self.sla_policy
            if policy is not None and policy.auto_escalate:
                queue = (policy.escalation_queue_id, policy.escalation_queue_name)
                self.escalate(at, None, "SLA target at risk", queue, automatic=True)

    # The service actions, each as its service function does it.
    def assign(self, at, actor, assignee) -> None:
        self._sweep(at)
        before = self.status
        self.assignee_id = assignee
        if self.status == CaseStatus.NEW:
            self.status = CaseStatus.OPEN
        data = {"assignee": self.usernames.get(assignee), "queue": self.queue_name}
        self._event(at, actor, EventKind.ASSIGNED, before, self.status, data=data)

    def note(self, at, actor, body: str, visibility: str) -> None:
        self._sweep(at)
        note_id = self.note_ids()
        self.notes.append((note_id, at, actor, body, visibility))
        self.events.append(
            (at, actor, EventKind.NOTE, "", "", "",
             json.dumps({"note_id": note_id, "visibility": visibility}))
        )  # fmt: skip
        self.updated_at = max(self.updated_at, at)
        if visibility == "customer" and sla.mark_first_response(self, at):
            self._event(at, actor, EventKind.FIRST_RESPONSE)
        if self.status == CaseStatus.NEW:
            self.status = CaseStatus.OPEN
            self._event(at, actor, EventKind.STATUS, CaseStatus.NEW, CaseStatus.OPEN)
        self._follow_up(sla.evaluate(self, at), at)

    def transition(self, at, actor, to_status: str, reason: str) -> None:
        self._sweep(at)
        before = self.status
        was_paused = sla.pauses_clock(self, before)
        self.status = to_status
        if sla.pauses_clock(self, to_status):
            sla.pause(self, at)
        elif was_paused:
            self._resume(at)
        if to_status == CaseStatus.WAITING_CUSTOMER and sla.mark_first_response(self, at):
            self._event(at, actor, EventKind.FIRST_RESPONSE)
        flags = sla.evaluate(self, at)
        self._event(at, actor, EventKind.STATUS, before, to_status, reason)
        self._follow_up(flags, at)

    def escalate(self, at, actor, reason: str, queue, automatic: bool = False) -> None:
        if not automatic:
            self._sweep(at)
        self.escalation_level += 1
        self.escalated_at = at
        if queue and queue[0] is not None:
            self.queue_id, self.queue_name = queue
        if self.status == CaseStatus.NEW:
            self.status = CaseStatus.OPEN
        data = {"level": self.escalation_level, "automatic": automatic, "queue": self.queue_name}
        self._event(at, actor, EventKind.ESCALATED, reason=reason, data=data)

    def answer(self, at, actor, item: ChecklistItemRef, text: str) -> None:
        self._sweep(at)
        self.answers.append((item.id, text, actor, at))
        self._event(at, actor, EventKind.CHECKLIST, data={"item": item.prompt, "answer": text})

    def consent(self, at, actor, by: str) -> None:
        self._sweep(at)
        data = {"subject": "carrier_dispatch", "granted": True, "by": by}
        self._event(at, actor, EventKind.CONSENT, data=data)

    def resolve(self, at, actor, code: tuple[int, str], summary: str) -> None:
        self._sweep(at)
        before = self.status
        if sla.pauses_clock(self, before):
            self._resume(at)
        sla.evaluate(self, at)
        sla.mark_first_response(self, at)
        sla.mark_resolved(self, at)
        self.status = CaseStatus.RESOLVED
        self.resolution_code_id = code[0]
        self.resolution_summary = summary
        self.resolved_at = at
        sla.pause(self, at)
        self._event(at, actor, EventKind.RESOLVED, before, self.status, summary, {"code": code[1]})

    def close(self, at, actor, reason: str) -> None:
        self.status = CaseStatus.CLOSED
        self.closed_at = at
        self._event(at, actor, EventKind.CLOSED, CaseStatus.RESOLVED, CaseStatus.CLOSED, reason)

    def finish(self, now: dt.datetime) -> None:
        self._sweep(now)
