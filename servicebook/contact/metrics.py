"""Agent, team and day metrics of the contact centre.

The database does the counting: five GROUP BY queries over indexed date columns (handled
contacts by agent and day, state time by agent and day, shifts by agent and day,
evaluations by agent and day, queue calls by team and day). Their few thousand
agent-day sums are then rolled up to the rows asked for (agent, team or day) and the total,
so every grouping uses the same definitions and the rows add up to the total.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, Sum

from servicebook.core.permissions import require_capability
from servicebook.users.models import User
from servicebook.users.roles import Cap

from .choices import AgentState, ContactChannel, ContactDirection, QueueOutcome
from .models import AgentProfile, AgentStateSpan, Evaluation, Interaction, QueueCall, Shift, Team

GROUPS = ("agent", "team", "day")
MAX_DAYS = 366


def definitions() -> list[tuple[str, str]]:
    """What each figure means, as written on the dashboard (settings filled in)."""
    return [
        (
            "Calls handled",
            "Phone calls an agent answered and finished, counted on the day "
            "their wrap-up ended (or the call ended, when it had no wrap-up).",
        ),
        ("Talk time", "Answer to hang-up, less the time on hold."),
        ("Hold time", "Time the customer spent on hold during the call (total and count)."),
        ("Wrap-up time", "Hang-up to the end of the agent's wrap-up."),
        ("Handle time", "Talk + hold + wrap-up. Averages are per call handled."),
        (
            "Calls per day",
            "Calls handled divided by the days the agent worked (days with "
            "log-in time or a handled contact); for a team, a day or the total, per "
            "agent-day worked.",
        ),
        (
            "Log-in time",
            "Time logged in to the contact centre, from log-in and log-out "
            "events (console or PBX queue log), counted per day.",
        ),
        (
            "Phone time",
            "Share of log-in time spent in the on-call state (wrap-up and breaks not included).",
        ),
        (
            "Quality score",
            "Average score of the evaluations of the agent's contacts in the "
            "period (weighted criteria, percent).",
        ),
        ("Attendance", "Share of scheduled shifts in which the agent logged in."),
        (
            "Adherence",
            "Time logged in and not on a break inside scheduled shifts, as a share "
            "of the scheduled time less planned breaks (at most 100%).",
        ),
        (
            "Abandon rate",
            "Queue callers who hung up before an answer, as a share of the calls "
            f"offered. Callers who hung up within {settings.CONTACT_SHORT_ABANDON_SECONDS} s are "
            "not counted as offered; callers the queue sent away (timeout, key press) are "
            "offered and unanswered, not abandoned.",
        ),
        (
            "Service level",
            f"Share of offered queue calls answered within "
            f"{settings.CONTACT_SERVICE_LEVEL_SECONDS} s (target "
            f"{settings.CONTACT_SERVICE_LEVEL_TARGET_PERCENT}%). Queue figures belong to the team "
            "that owns the queue, not to an agent.",
        ),
        (
            "First-contact resolution",
            "Share of inbound contacts with an account after which "
            f"the account did not contact us again on the same issue within "
            f"{settings.CONTACT_FCR_DAYS} days (the same case, or one of the two has no "
            "case). Recent contacts count as resolved until a repeat arrives.",
        ),
    ]


@dataclass
class Sums:
    """Additive counts behind the metrics of one row."""

    calls: int = 0
    contacts: int = 0
    talk: int = 0
    hold: int = 0
    holds: int = 0
    wrap: int = 0
    handle: int = 0
    fcr_base: int = 0
    fcr_ok: int = 0
    login: int = 0
    on_call: int = 0
    breaks: int = 0
    adherent: int = 0
    shifts: int = 0
    attended: int = 0
    scheduled: int = 0
    planned_breaks: int = 0
    evaluations: int = 0
    score_total: float = 0.0
    offered: int = 0
    answered: int = 0
    within: int = 0
    abandoned: int = 0
    agent_days: set = field(default_factory=set)

    def add(self, other: Sums) -> None:
        # Runs once per agent-day and group (thousands of times for a month of a floor):
        # the instance dicts directly, a field list computed once (see _ADDITIVE).
        mine, theirs = self.__dict__, other.__dict__
        for name in _ADDITIVE:
            mine[name] += theirs[name]
        self.agent_days |= other.agent_days


_ADDITIVE = tuple(name for name in Sums.__dataclass_fields__ if name != "agent_days")


def _avg(total: float, count: int) -> int | None:
    return int(total / count + 0.5) if count else None


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _row(key: str, label: str, s: Sums) -> dict:
    days = len(s.agent_days)
    expected = max(0, s.scheduled - s.planned_breaks)
    return {
        "key": key,
        "label": label,
        "calls_handled": s.calls,
        "contacts_handled": s.contacts,
        "talk_seconds": s.talk,
        "avg_talk_seconds": _avg(s.talk, s.calls),
        "hold_seconds": s.hold,
        "hold_count": s.holds,
        "avg_hold_seconds": _avg(s.hold, s.calls),
        "wrap_seconds": s.wrap,
        "avg_wrap_seconds": _avg(s.wrap, s.calls),
        "handle_seconds": s.handle,
        "avg_handle_seconds": _avg(s.handle, s.calls),
        "days_worked": days,
        "calls_per_day": round(s.calls / days, 1) if days else None,
        "login_seconds": s.login,
        "on_call_seconds": s.on_call,
        "break_seconds": s.breaks,
        "phone_time_percent": _pct(s.on_call, s.login),
        "evaluations": s.evaluations,
        "quality_score": round(s.score_total / s.evaluations, 1) if s.evaluations else None,
        "shifts_scheduled": s.shifts,
        "shifts_attended": s.attended,
        "attendance_percent": _pct(s.attended, s.shifts),
        "scheduled_seconds": s.scheduled,
        "adherent_seconds": s.adherent,
        "adherence_percent": min(100.0, _pct(s.adherent, expected)) if expected else None,
        "offered_calls": s.offered,
        "answered_calls": s.answered,
        "answered_within_threshold": s.within,
        "abandoned_calls": s.abandoned,
        "abandon_rate_percent": _pct(s.abandoned, s.offered),
        "service_level_percent": _pct(s.within, s.offered),
        "fcr_contacts": s.fcr_base,
        "fcr_resolved": s.fcr_ok,
        "fcr_percent": _pct(s.fcr_ok, s.fcr_base),
    }


@dataclass
class MetricsResult:
    start: dt.date
    end: dt.date
    group_by: str
    rows: list[dict]
    total: dict
    service_level_seconds: int = field(
        default_factory=lambda: settings.CONTACT_SERVICE_LEVEL_SECONDS
    )
    fcr_days: int = field(default_factory=lambda: settings.CONTACT_FCR_DAYS)
    agent_id: int | None = None


def _agent_day_sums(
    start: dt.date, end: dt.date, agent_id: int | None = None
) -> dict[tuple[int, dt.date], Sums]:
    facts: dict[tuple[int, dt.date], Sums] = defaultdict(Sums)
    one = {"agent_id": agent_id} if agent_id is not None else {}
    phone = Q(channel=ContactChannel.PHONE)
    fcr = Q(direction=ContactDirection.INBOUND, account__isnull=False)
    for r in (
        Interaction.objects.filter(
            handled=True, counted_on__gte=start, counted_on__lte=end, agent__isnull=False, **one
        )
        .values("agent_id", "counted_on")
        .annotate(
            calls=Count("id", filter=phone),
            contacts=Count("id"),
            talk=Sum("talk_seconds", filter=phone),
            hold=Sum("hold_seconds", filter=phone),
            holds=Sum("hold_count", filter=phone),
            wrap=Sum("wrap_seconds", filter=phone),
            handle=Sum("handle_seconds", filter=phone),
            fcr_base=Count("id", filter=fcr),
            fcr_ok=Count("id", filter=fcr & Q(repeated=False)),
        )
        .order_by()
    ):
        s = facts[(r["agent_id"], r["counted_on"])]
        s.calls, s.contacts = r["calls"], r["contacts"]
        s.talk, s.hold, s.holds = r["talk"] or 0, r["hold"] or 0, r["holds"] or 0
        s.wrap, s.handle = r["wrap"] or 0, r["handle"] or 0
        s.fcr_base, s.fcr_ok = r["fcr_base"], r["fcr_ok"]
        if s.contacts:
            s.agent_days.add((r["agent_id"], r["counted_on"]))
    for r in (
        AgentStateSpan.objects.filter(day__gte=start, day__lte=end, ended_at__isnull=False, **one)
        .values("agent_id", "day")
        .annotate(
            login=Sum("seconds"),
            on_call=Sum("seconds", filter=Q(state=AgentState.ON_CALL)),
            breaks=Sum("seconds", filter=Q(state=AgentState.BREAK)),
            adherent=Sum("in_shift_seconds", filter=~Q(state=AgentState.BREAK)),
        )
        .order_by()
    ):
        s = facts[(r["agent_id"], r["day"])]
        s.login, s.on_call = r["login"] or 0, r["on_call"] or 0
        s.breaks, s.adherent = r["breaks"] or 0, r["adherent"] or 0
        if s.login:
            s.agent_days.add((r["agent_id"], r["day"]))
    for r in (
        Shift.objects.filter(day__gte=start, day__lte=end, **one)
        .values("agent_id", "day")
        .annotate(
            shifts=Count("id"),
            attended=Count("id", filter=Q(attended=True)),
            scheduled=Sum("scheduled_seconds"),
            planned=Sum("break_minutes"),
        )
        .order_by()
    ):
        s = facts[(r["agent_id"], r["day"])]
        s.shifts, s.attended = r["shifts"], r["attended"]
        s.scheduled, s.planned_breaks = r["scheduled"] or 0, (r["planned"] or 0) * 60
    for r in (
        Evaluation.objects.filter(day__gte=start, day__lte=end, **one)
        .values("agent_id", "day")
        .annotate(n=Count("id"), total=Sum("score"))
        .order_by()
    ):
        s = facts[(r["agent_id"], r["day"])]
        s.evaluations, s.score_total = r["n"], float(r["total"] or 0)
    return facts


def _queue_sums(start: dt.date, end: dt.date) -> dict[tuple[int | None, dt.date], Sums]:
    facts: dict[tuple[int | None, dt.date], Sums] = defaultdict(Sums)
    short = Q(
        outcome=QueueOutcome.ABANDONED, wait_seconds__lte=settings.CONTACT_SHORT_ABANDON_SECONDS
    )
    answered = Q(outcome=QueueOutcome.ANSWERED)
    for r in (
        QueueCall.objects.filter(day__gte=start, day__lte=end)
        .values("team_id", "day")
        .annotate(
            offered=Count("id", filter=~short),
            answered=Count("id", filter=answered),
            within=Count(
                "id",
                filter=answered & Q(wait_seconds__lte=settings.CONTACT_SERVICE_LEVEL_SECONDS),
            ),
            # Hung up before an answer; a timeout or key press is offered, not abandoned.
            abandoned=Count("id", filter=Q(outcome=QueueOutcome.ABANDONED) & ~short),
        )
        .order_by()
    ):
        s = facts[(r["team_id"], r["day"])]
        s.offered, s.answered, s.within, s.abandoned = (
            r["offered"],
            r["answered"],
            r["within"],
            r["abandoned"],
        )
    return facts


def metrics_for_period(
    *, user, start: dt.date, end: dt.date, group_by: str = "agent", agent_id: int | None = None
) -> MetricsResult:
    """The metrics of [start, end] (business-zone dates, both included) grouped by agent,
    team or day, with the total. Queue figures (offered, abandoned, service level) have no
    agent: agent rows leave them empty and the team and day rows carry them.

    With `agent_id`, only that agent's figures (grouped by day: the agent's numbers over
    time, quality scores included); queue figures are then left out, since they are not
    any one agent's."""
    require_capability(user, Cap.CONTACT_SUPERVISE)
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}")
    agent_facts = _agent_day_sums(start, end, agent_id)
    queue_facts = _queue_sums(start, end) if agent_id is None else {}
    agent_ids = {agent_id for agent_id, _ in agent_facts}
    team_of = dict(
        AgentProfile.objects.filter(user_id__in=agent_ids).values_list("user_id", "team_id")
    )
    groups: dict[object, Sums] = defaultdict(Sums)
    for (agent_id, day), s in agent_facts.items():
        key = {"agent": agent_id, "team": team_of.get(agent_id), "day": day}[group_by]
        groups[key].add(s)
    queue_total = Sums()
    for (team_id, day), s in queue_facts.items():
        if group_by == "team":
            groups[team_id].add(s)
        elif group_by == "day":
            groups[day].add(s)
        else:
            queue_total.add(s)  # agent rows carry no queue figures; the total does
    # The total is the sum of the rows (a few hundred adds, not one per agent-day).
    total = Sums()
    for s in groups.values():
        total.add(s)
    total.add(queue_total)
    rows = []
    if group_by == "agent":
        names = {
            u.pk: (u.display_name, u.username) for u in User.objects.filter(pk__in=list(groups))
        }
        for agent_id, s in groups.items():
            label, username = names.get(agent_id, (f"#{agent_id}", ""))
            rows.append(_row(str(agent_id), label, s) | {"username": username})
        rows.sort(key=lambda r: r["label"])
    elif group_by == "team":
        names = dict(Team.objects.filter(pk__in=[k for k in groups if k]).values_list("pk", "name"))
        for team_id, s in groups.items():
            rows.append(_row(str(team_id or ""), names.get(team_id, "No team"), s))
        rows.sort(key=lambda r: (r["label"] == "No team", r["label"]))
    else:
        for day, s in sorted(groups.items()):
            rows.append(_row(day.isoformat(), day.strftime("%a %b %-d"), s))
    return MetricsResult(
        start=start,
        end=end,
        group_by=group_by,
        rows=rows,
        total=_row("total", "Total", total),
        agent_id=agent_id,
    )


# The columns of the table, the CSV and the XLSX: (key, heading, kind).
COLUMNS = [
    ("label", "Name", "text"),
    ("calls_handled", "Calls handled", "count"),
    ("avg_talk_seconds", "Avg talk", "duration"),
    ("avg_hold_seconds", "Avg hold", "duration"),
    ("hold_count", "Holds", "count"),
    ("avg_wrap_seconds", "Avg wrap-up", "duration"),
    ("avg_handle_seconds", "Avg handle", "duration"),
    ("calls_per_day", "Calls / day", "number"),
    ("login_seconds", "Log-in time", "duration"),
    ("phone_time_percent", "Phone time %", "percent"),
    ("quality_score", "Quality", "percent"),
    ("attendance_percent", "Attendance %", "percent"),
    ("adherence_percent", "Adherence %", "percent"),
    ("abandon_rate_percent", "Abandon %", "percent"),
    ("service_level_percent", "Service level %", "percent"),
    ("fcr_percent", "FCR %", "percent"),
]
