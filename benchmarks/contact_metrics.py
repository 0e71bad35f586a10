"""Contact-centre metrics for 200 agents over a month: the selector behind the dashboard and
`GET /api/contact/metrics?from=...&to=...&group_by=agent|team|day`, against a baseline
measured in the same run (one plain aggregate over the same month's interactions: the
floor of any query that reads them).

    .venv/bin/python benchmarks/contact_metrics.py \
        --database-url postgres://postgres@127.0.0.1:5432/sb_bench_contact

The month is generated once (kept between runs; --regenerate writes it again): 200 agents
(users bench.metrics000..199 in four teams), each working weekdays of a 31-day month with
a shift (08:00-16:30, 30 minutes of planned break; one day in 25 off sick), log-in, idle,
on-call, wrap-up and lunch state spans, inbound and outbound calls on the database's
accounts with holds and transfers, the queue's record of every caller (with abandons) and
a few quality evaluations per agent, all bulk-inserted with the generator of the demo data
(servicebook/contact/demo.py), so the figures come from the same shapes the dashboard
shows on the demo. About 270,000 interactions, 800,000 state spans and 280,000 queue
calls.

Each round times, per grouping, the selector (`metrics_for_period`) and the API call
through Django's test client (authentication, serialisation, JSON), and the baseline.
Figures are medians over --rounds.

Target (docs/benchmarks.md): under 1 s on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time

from common import describe_machine, parser, setup_django

AGENTS = 200
TEAMS = 4
USER_PREFIX = "bench.metrics"
MONTH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def generate(seed: int, agents_wanted: int = AGENTS) -> dict[str, int]:
    """Bulk-insert the month (see the module docstring); returns rows written per table."""
    from django.db import transaction

    from servicebook.contact import demo
    from servicebook.contact.choices import QueueOutcome
    from servicebook.contact.models import (
        AgentProfile,
        AgentStateSpan,
        Disposition,
        Evaluation,
        Interaction,
        QueueCall,
        Shift,
        Team,
    )
    from servicebook.contact.quality import weighted_score
    from servicebook.customers.models import Account
    from servicebook.users.models import User

    with transaction.atomic():
        ref = demo._reference(lambda *a, **k: None)
    form = ref["form"]
    criteria = list(form.criteria.all())
    teams = [
        Team.objects.get_or_create(name=f"Benchmark team {n + 1}", defaults={"queue_names": []})[0]
        for n in range(TEAMS)
    ]
    users = [
        User(username=f"{USER_PREFIX}{n:03d}", role="rep1", first_name="Agent", last_name=f"{n}")
        for n in range(agents_wanted)
    ]
    for u in users:
        u.set_unusable_password()
    User.objects.bulk_create(users, ignore_conflicts=True)
    agents = list(User.objects.filter(username__startswith=USER_PREFIX).order_by("username"))
    AgentProfile.objects.bulk_create(
        [
            AgentProfile(
                user=a,
                team=teams[n % TEAMS],
                extension=str(7000 + n),
                queue_member=f"PJSIP/{7000 + n}",
            )
            for n, a in enumerate(agents)
        ],
        ignore_conflicts=True,
    )
    rng = random.Random(seed)
    account_ids = list(Account.objects.order_by("pk").values_list("pk", flat=True)[:50_000])
    dispositions = list(Disposition.objects.filter(active=True).order_by("position"))
    days = [
        MONTH[0] + dt.timedelta(days=n)
        for n in range((MONTH[1] - MONTH[0]).days + 1)
        if (MONTH[0] + dt.timedelta(days=n)).weekday() < 5
    ]
    made = {"shifts": 0, "spans": 0, "interactions": 0, "queue calls": 0, "evaluations": 0}
    # One agent at a time: a few thousand rows per insert, memory stays small.
    for n, agent in enumerate(agents):
        shifts, spans, calls, queue_calls = [], [], [], []
        team_ref = {"team": teams[n % TEAMS]}
        for day in days:
            if rng.random() < 0.04:  # off sick: the shift stands, no log-in
                shifts.append(demo._shift(agent, day, attended=False))
                continue
            shifts.append(demo._shift(agent, day))
            demo._agent_day(
                rng, agent, day, account_ids, dispositions, spans, calls, queue_calls, team_ref
            )
        for call in calls:
            call.external_key = f"bench|{call.call_id}"
            call.call_id = f"bench-{call.call_id}"
        for qc in queue_calls:
            qc.call_id = f"bench-{qc.call_id}"
        with transaction.atomic():
            Shift.objects.bulk_create(shifts, ignore_conflicts=True, batch_size=2000)
            AgentStateSpan.objects.bulk_create(spans, ignore_conflicts=True, batch_size=2000)
            Interaction.objects.bulk_create(calls, ignore_conflicts=True, batch_size=2000)
            QueueCall.objects.bulk_create(queue_calls, ignore_conflicts=True, batch_size=2000)
        made["shifts"] += len(shifts)
        made["spans"] += len(spans)
        made["interactions"] += len(calls)
        made["queue calls"] += len(queue_calls)
    # Callers who gave up in each team's queue.
    abandons = [
        QueueCall(
            call_id=f"bench-ab-{day:%Y%m%d}-{t.pk}-{k}",
            queue_name="support",
            team=t,
            entered_at=demo._at(day, rng.randint(8 * 3600, 16 * 3600)),
            day=day,
            outcome=QueueOutcome.ABANDONED,
            wait_seconds=rng.randint(2, 180),
        )
        for day in days
        for t in teams
        for k in range(rng.randint(60, 140))
    ]
    QueueCall.objects.bulk_create(abandons, ignore_conflicts=True, batch_size=2000)
    made["queue calls"] += len(abandons)
    # Eight evaluations per agent, spread over the month.
    sample = list(
        Interaction.objects.filter(agent__in=agents, external_key__startswith="bench|")
        .order_by("pk")
        .values_list("pk", "agent_id", "counted_on")[::150]
    )
    evaluations = []
    for interaction_id, agent_id, day in sample:
        skill = 0.6 + 0.35 * rng.random()
        marks = [
            (c.weight, min(c.max_points, max(0, round(rng.gauss(skill * c.max_points, 0.8)))),
             c.max_points)
            for c in criteria
        ]  # fmt: skip
        evaluations.append(
            Evaluation(
                form=form,
                interaction_id=interaction_id,
                agent_id=agent_id,
                evaluated_at=demo._at(day, 17 * 3600),
                day=day,
                score=weighted_score(marks),
                comment="Benchmark review",
            )
        )
    Evaluation.objects.bulk_create(evaluations, batch_size=2000)
    made["evaluations"] = len(evaluations)
    return made


def main() -> None:
    p = parser("Contact-centre metrics for 200 agents over a month")
    p.add_argument("--regenerate", action="store_true", help="Delete and write the month again")
    p.add_argument("--agents", type=int, default=AGENTS, help="Agents to generate (a trial run)")
    p.set_defaults(rounds=7)
    args = p.parse_args()
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Sum
    from django.test import Client

    from servicebook.contact.metrics import metrics_for_period
    from servicebook.contact.models import Interaction
    from servicebook.users.models import User

    call_command("migrate", verbosity=0)
    bench = Interaction.objects.filter(external_key__startswith="bench|")
    if args.regenerate:
        User.objects.filter(username__startswith=USER_PREFIX).delete()  # cascades
    if not bench.exists():
        t = time.perf_counter()
        made = generate(args.seed, args.agents)
        took = time.perf_counter() - t
        print("generated " + ", ".join(f"{v:,} {k}" for k, v in made.items()) + f" in {took:.0f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as c:
                c.execute("ANALYZE")
    for line in describe_machine():
        print(line)

    supervisor = User.objects.filter(username="bench.metrics.supervisor").first()
    if supervisor is None:
        supervisor = User.objects.create(username="bench.metrics.supervisor", role="supervisor")
    client = Client()
    client.force_login(supervisor)
    start, end = MONTH
    query = f"from={start:%Y-%m-%d}&to={end:%Y-%m-%d}"

    def baseline():
        # The floor: one GROUP BY over the month's handled contacts, nothing else.
        return list(
            Interaction.objects.filter(handled=True, counted_on__gte=start, counted_on__lte=end)
            .values("agent_id")
            .annotate(n=Count("id"), talk=Sum("talk_seconds"))
            .order_by()
        )

    timings: dict[str, list[float]] = {"baseline": []}
    rows: dict[str, int] = {}
    for _ in range(args.rounds):
        t = time.perf_counter()
        baseline()
        timings["baseline"].append(time.perf_counter() - t)
        for group in ("agent", "team", "day"):
            t = time.perf_counter()
            result = metrics_for_period(user=supervisor, start=start, end=end, group_by=group)
            timings.setdefault(f"selector {group}", []).append(time.perf_counter() - t)
            rows[group] = len(result.rows)
            t = time.perf_counter()
            response = client.get(f"/api/contact/metrics?{query}&group_by={group}")
            timings.setdefault(f"API {group}", []).append(time.perf_counter() - t)
            assert response.status_code == 200, response.content[:300]
    total = metrics_for_period(user=supervisor, start=start, end=end, group_by="team").total
    print(
        f"month {start} to {end}: {total['calls_handled']:,} calls handled, "
        f"{total['offered_calls']:,} queue calls offered, {total['evaluations']:,} evaluations, "
        f"{total['shifts_scheduled']:,} shifts; rows: {rows}"
    )
    print(
        f"interactions in the table: {Interaction.objects.count():,}; "
        f"agents in the month: {rows.get('agent', 0)}"
    )
    worst = 0.0
    for name, samples in timings.items():
        med = statistics.median(samples)
        if name.startswith("API"):
            worst = max(worst, med)
        print(
            f"{name:16s} median {med * 1000:8.1f} ms  (min {min(samples) * 1000:.1f}, "
            f"max {max(samples) * 1000:.1f}, {len(samples)} rounds)"
        )
    verdict = "PASS" if worst < 1.0 else "FAIL"
    print(f"target: every grouping through the API under 1 s -> {verdict} ({worst * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
