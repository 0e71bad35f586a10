"""The contact centre's demo data (called by `servicebook seed-demo` through
demo.app_seed_steps).

Reference data, idempotently: the "Customer care" team answering the `support` queue, the
demo users who take calls with extensions 201... (queue members PJSIP/201...), dispositions,
two call scripts (a power problem with branches and required statements; a billing
question) and a quality form with weighted criteria.

Then a month of work for the demo agents, up to yesterday, written in bulk: a shift per
working day (08:00-16:30, 30 minutes of planned break; also planned from tomorrow to the end
of next week), the agents' state spans (log-in,
calls, wrap-ups, a lunch break), their calls (phone, inbound, on the accounts this seed
wrote; a few holds and transfers), the queue's record of each caller (waits, a share of
abandons) and a handful of quality evaluations. Every row has its natural key, so running
the seed again adds nothing twice.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from servicebook.users.models import User

from .choices import AgentState, ContactChannel, ContactDirection, NodeKind, QueueOutcome
from .models import (
    AgentProfile,
    AgentStateSpan,
    Disposition,
    Evaluation,
    EvaluationCriterion,
    EvaluationForm,
    Interaction,
    QueueCall,
    Script,
    ScriptNode,
    ScriptOption,
    Shift,
    Team,
)
from .quality import weighted_score

AGENTS = [
    ("demo.rep", "201"),
    ("demo.rep2", "202"),
    ("demo.billing", "203"),
    ("demo.collections", "204"),
    ("demo.supervisor", "205"),
]
DISPOSITIONS = [
    ("answered", "Question answered", True),
    ("payment", "Payment taken", True),
    ("arrangement", "Payment arrangement set up", True),
    ("appointment", "Appointment booked", True),
    ("outage", "Outage reported", False),
    ("case-opened", "Case opened for follow-up", False),
    ("transferred", "Transferred", False),
    ("callback", "Callback promised", False),
]
CRITERIA = [
    ("Greeting and verification", 1),
    ("Understood the need", 2),
    ("Accurate answer / resolution", 3),
    ("Courtesy and tone", 1),
    ("Wrap-up note and disposition", 1),
]
DAYS = 30


def _reference(log) -> dict:
    team, _ = Team.objects.get_or_create(
        name="Customer care", defaults={"queue_names": ["support", "billing"]}
    )
    agents = []
    for username, extension in AGENTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        AgentProfile.objects.get_or_create(
            user=user,
            defaults={"team": team, "extension": extension, "queue_member": f"PJSIP/{extension}"},
        )
        agents.append(user)
    for position, (code, label, resolves) in enumerate(DISPOSITIONS):
        Disposition.objects.get_or_create(
            code=code, defaults={"label": label, "resolves": resolves, "position": position}
        )
    if not Script.objects.filter(name="Power problem").exists():
        _power_script()
    if not Script.objects.filter(name="Billing question").exists():
        _billing_script()
    form, created = EvaluationForm.objects.get_or_create(
        name="Inbound call", defaults={"description": "The standard call review"}
    )
    if created:
        EvaluationCriterion.objects.bulk_create(
            EvaluationCriterion(form=form, label=label, weight=weight, position=i)
            for i, (label, weight) in enumerate(CRITERIA)
        )
    return {"team": team, "agents": agents, "form": form}


def _nodes(script, rows):
    nodes = {}
    for position, (key, kind, text, required) in enumerate(rows):
        nodes[key] = ScriptNode.objects.create(
            script=script, key=key, kind=kind, text=text, required=required, position=position
        )
    return nodes


def _link(nodes, pairs):
    for source, target in pairs:
        nodes[source].next_node = nodes[target]
        nodes[source].save(update_fields=["next_node"])


def _power_script() -> None:
    script = Script.objects.create(
        name="Power problem", call_type="trouble_ticket", description="No power or flicker"
    )
    n = _nodes(
        script,
        [
            (
                "greet",
                NodeKind.STATEMENT,
                "Thank you for calling. This call may be recorded for quality.",
                True,
            ),
            ("verify", NodeKind.QUESTION, "Can you confirm the service address?", False),
            ("out", NodeKind.QUESTION, "Is the power completely out?", False),
            ("neighbours", NodeKind.QUESTION, "Are your neighbours out too?", False),
            ("breaker", NodeKind.QUESTION, "Have you checked the main breaker?", False),
            (
                "safety",
                NodeKind.STATEMENT,
                "Please stay at least 30 feet from any downed line and call 911 if you see one.",
                True,
            ),
            (
                "flicker",
                NodeKind.STATEMENT,
                "I will open a ticket for a technician to check the line.",
                False,
            ),
            ("end", NodeKind.END, "Thank you; we will text you updates.", False),
        ],
    )
    _link(
        n,
        [
            ("greet", "verify"),
            ("verify", "out"),
            ("neighbours", "safety"),
            ("safety", "end"),
            ("flicker", "end"),
        ],
    )
    ScriptOption.objects.bulk_create(
        [
            ScriptOption(
                node=n["out"], label="Yes, completely out", next_node=n["neighbours"], position=1
            ),
            ScriptOption(
                node=n["out"], label="Flickering or partial", next_node=n["flicker"], position=2
            ),
            ScriptOption(
                node=n["breaker"], label="Breaker was tripped", next_node=n["end"], position=1
            ),
            ScriptOption(
                node=n["breaker"], label="Breaker is fine", next_node=n["safety"], position=2
            ),
        ]
    )


def _billing_script() -> None:
    script = Script.objects.create(name="Billing question", call_type="billing_dispute")
    n = _nodes(
        script,
        [
            (
                "greet",
                NodeKind.STATEMENT,
                "Thank you for calling. This call may be recorded for quality.",
                True,
            ),
            ("which", NodeKind.QUESTION, "Which bill is the question about?", False),
            (
                "kind",
                NodeKind.QUESTION,
                "Is the amount higher than expected, or a charge you do not recognise?",
                False,
            ),
            (
                "usage",
                NodeKind.STATEMENT,
                "Let me compare this month's usage with the same month last year.",
                False,
            ),
            (
                "dispute",
                NodeKind.STATEMENT,
                "The disputed amount is held out of collections while we review it.",
                True,
            ),
            ("end", NodeKind.END, "Is there anything else I can help with?", False),
        ],
    )
    _link(n, [("greet", "which"), ("which", "kind"), ("usage", "end"), ("dispute", "end")])
    ScriptOption.objects.bulk_create(
        [
            ScriptOption(
                node=n["kind"], label="Higher than expected", next_node=n["usage"], position=1
            ),
            ScriptOption(
                node=n["kind"], label="Unknown charge", next_node=n["dispute"], position=2
            ),
        ]
    )


def _at(day: dt.date, seconds: int) -> dt.datetime:
    zone = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone) + dt.timedelta(seconds=seconds)


def seed_demo(*, seed: int, now: dt.datetime, accounts, log) -> dict[str, int]:
    """Reference data, then a month of calls, states, shifts and evaluations."""
    with transaction.atomic():
        ref = _reference(log)
    agents = ref["agents"]
    if not agents:
        return {}
    rng = random.Random(seed * 7919 + 6)
    account_ids = list(accounts.order_by("pk").values_list("pk", flat=True)[:20_000])
    dispositions = list(Disposition.objects.filter(active=True).order_by("position"))
    today = timezone.localtime(now).date()
    days = [
        today - dt.timedelta(days=n)
        for n in range(DAYS, 0, -1)
        if (today - dt.timedelta(days=n)).weekday() < 5
    ]
    upcoming = [
        today + dt.timedelta(days=n)
        for n in range(1, 14 - today.weekday())
        if (today + dt.timedelta(days=n)).weekday() < 5
    ]
    shifts, spans, calls, queue_calls = [], [], [], []
    for agent in agents:
        for day in days:
            if rng.random() < 0.04:  # a day off sick: the shift stands, no log-in
                shifts.append(_shift(agent, day, attended=False))
                continue
            shifts.append(_shift(agent, day))
            _agent_day(rng, agent, day, account_ids, dispositions, spans, calls, queue_calls, ref)
        # The rota ahead (tomorrow to the end of next week), so the supervisors' Schedule page
        # opens on a planned week. Not today: the metrics count today's shifts, and a shift
        # nobody has logged in to yet would read as missed.
        shifts.extend(_shift(agent, day, attended=False) for day in upcoming)
    # Callers who gave up in the queue (no agent): about one in sixteen.
    for day in days:
        for n in range(rng.randint(6, 14)):
            entered = _at(day, rng.randint(8 * 3600, 16 * 3600))
            queue_calls.append(
                QueueCall(
                    call_id=f"demo-ab-{day:%Y%m%d}-{n}",
                    queue_name="support",
                    team=ref["team"],
                    entered_at=entered,
                    day=day,
                    outcome=QueueOutcome.ABANDONED,
                    wait_seconds=rng.randint(2, 180),
                )
            )
    with transaction.atomic():
        made = {
            "contact_shift": _bulk(Shift, shifts),
            "contact_agentstatespan": _bulk(AgentStateSpan, spans),
            "contact_interaction": _bulk(Interaction, calls),
            "contact_queuecall": _bulk(QueueCall, queue_calls),
        }
        made["contact_evaluation"] = _evaluations(rng, ref["form"], agents, days)
    return made


def _bulk(model, rows) -> int:
    before = model.objects.count()
    model.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return model.objects.count() - before


def _shift(agent, day, attended: bool = True) -> Shift:
    return Shift(
        agent=agent,
        starts_at=_at(day, 8 * 3600),
        ends_at=_at(day, 16 * 3600 + 1800),
        day=day,
        scheduled_seconds=8 * 3600 + 1800,
        break_minutes=30,
        attended=attended,
    )


def _span(agent, state, start, end, day, reason="") -> AgentStateSpan:
    shift_start, shift_end = _at(day, 8 * 3600), _at(day, 16 * 3600 + 1800)
    lo, hi = max(start, shift_start), min(end, shift_end)
    return AgentStateSpan(
        agent=agent,
        state=state,
        reason=reason,
        started_at=start,
        ended_at=end,
        day=day,
        seconds=int((end - start).total_seconds()),
        in_shift_seconds=max(0, int((hi - lo).total_seconds())),
        source="queue_log",
    )


def _agent_day(rng, agent, day, account_ids, dispositions, spans, calls, queue_calls, ref):
    """One working day: log in near 08:00, calls until about 16:30 with a lunch break."""
    t = 8 * 3600 + rng.randint(-300, 420)  # a little early or late
    end_of_day = 16 * 3600 + 1800 + rng.randint(-600, 300)
    lunch_at = 12 * 3600 + rng.randint(-1800, 1800)
    had_lunch = False
    n = 0
    while t < end_of_day:
        if not had_lunch and t >= lunch_at:
            lunch = rng.randint(1500, 2100)
            spans.append(
                _span(agent, AgentState.BREAK, _at(day, t), _at(day, t + lunch), day, "lunch")
            )
            t += lunch
            had_lunch = True
            continue
        idle = int(rng.expovariate(1 / 150))
        if idle:
            spans.append(_span(agent, AgentState.AVAILABLE, _at(day, t), _at(day, t + idle), day))
            t += idle
        wait = int(rng.expovariate(1 / 14))
        talk = max(30, int(rng.lognormvariate(5.3, 0.55)))
        holds = 0 if rng.random() < 0.7 else rng.randint(1, 2)
        hold = sum(rng.randint(15, 120) for _ in range(holds))
        wrap = rng.randint(15, 120)
        answered = _at(day, t)
        ended = answered + dt.timedelta(seconds=talk + hold)
        wrapped = ended + dt.timedelta(seconds=wrap)
        call_id = f"demo-{agent.pk}-{day:%Y%m%d}-{n}"
        spans.append(_span(agent, AgentState.ON_CALL, answered, ended, day))
        spans.append(_span(agent, AgentState.WRAP_UP, ended, wrapped, day))
        account_id = rng.choice(account_ids) if account_ids and rng.random() < 0.9 else None
        disposition = rng.choice(dispositions) if dispositions else None
        calls.append(
            Interaction(
                channel=ContactChannel.PHONE,
                direction=ContactDirection.INBOUND
                if rng.random() < 0.85
                else ContactDirection.OUTBOUND,
                state="done",
                source="cdr",
                agent=agent,
                account_id=account_id,
                queue_name="support",
                call_id=call_id,
                external_key=f"demo|{call_id}",
                queued_at=answered - dt.timedelta(seconds=wait),
                ring_at=answered - dt.timedelta(seconds=min(wait, 8)),
                answered_at=answered,
                ended_at=ended,
                wrap_ended_at=wrapped,
                ring_seconds=min(wait, 8),
                talk_seconds=talk,
                hold_seconds=hold,
                hold_count=holds,
                wrap_seconds=wrap,
                handle_seconds=talk + hold + wrap,
                counted_on=day,
                handled=True,
                transferred=disposition is not None and disposition.code == "transferred",
                repeated=rng.random() < 0.18,
                disposition=disposition,
                summary="",
                created_at=answered,
            )
        )
        queue_calls.append(
            QueueCall(
                call_id=call_id,
                queue_name="support",
                team=ref["team"],
                agent=agent,
                entered_at=answered - dt.timedelta(seconds=wait),
                day=day,
                outcome=QueueOutcome.ANSWERED,
                wait_seconds=wait,
                talk_seconds=talk + hold,
            )
        )
        t = int((wrapped - _at(day, 0)).total_seconds())
        n += 1


def _evaluations(rng, form, agents, days) -> int:
    if Evaluation.objects.filter(form=form).exists():
        return 0
    criteria = list(form.criteria.all())
    made = 0
    for agent in agents:
        sample = list(
            Interaction.objects.filter(agent=agent, handled=True, external_key__startswith="demo|")
            .order_by("pk")
            .values_list("pk", "counted_on")[::40]
        )[:8]
        for interaction_id, day in sample:
            skill = 0.6 + 0.35 * rng.random()
            marks = [
                (
                    c.weight,
                    min(c.max_points, max(0, round(rng.gauss(skill * c.max_points, 0.8)))),
                    c.max_points,
                )
                for c in criteria
            ]
            Evaluation.objects.create(
                form=form,
                interaction_id=interaction_id,
                agent=agent,
                evaluated_at=_at(day, 17 * 3600),
                day=day,
                score=weighted_score(marks) if marks else Decimal("0"),
                comment="Demo review",
            )
            made += 1
    return made
