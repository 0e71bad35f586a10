"""Appointment offers latency: p50 / p95 / p99 of `GET /api/scheduling/offers/` with a full
day of bookings for 100 technicians, against a primary-key read through the same API stack
measured in the same run.

    .venv/bin/python benchmarks/offers.py                       # SQLite, its own file
    .venv/bin/python benchmarks/offers.py --database-url postgres://postgres@127.0.0.1:5432/sb_bench_offers

The script migrates the database it is given and sets up its own field force there, once
(kept for the next run): a territory `bench` over the demo ZIP codes, 100 technicians with
one to three of four skills, Monday-to-Friday 08:00-17:00 shifts with a 30-minute lunch at
12:00, homes spread over the Denver metro, and 40 accounts with located premises. For the
three working days from the next Wednesday at least two days ahead it books every
technician's day full but two adjacent hours: six one-hour jobs among 08, 09, 10, 11, 13,
14, 15 and 16 (the free pair chosen at random; a one-hour hole fits no one-hour job once the
drives either side count), 1,800 live appointments, written in bulk (what is measured is
the read).

Each request is what the booking page sends for a caller: a place in the metro (random),
zero to two skills, 60 or 90 minutes, and the territory, for the first full day (the one
free gap per technician has to be found among everyone's bookings) or for the three days;
a fifth of the requests name a work order instead (its place, skills and window). Requests
go through Django's test client as the demo dispatcher with a session, so URL routing,
authentication, the permission check, parsing, the offers selector and JSON rendering are
all in the figure. One untimed warm-up round, then --rounds timed rounds; each figure is the
median over the rounds of that round's percentile.

Target (PRODUCT.md): p95 < 300 ms.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from common import describe_machine, fmt, median_of_rounds, parser, percentiles, setup_django

TECHNICIANS = 100
SKILLS = ["hvac", "plumbing", "electrical", "gas"]
HOURS = [8, 9, 10, 11, 13, 14, 15, 16]
# The two free hours of each day: a one-hour hole between two jobs fits no one-hour job once
# the drives either side are counted, so a "full" day that can still take work leaves two.
FREE_BLOCKS = [(8, 9), (9, 10), (10, 11), (13, 14), (14, 15), (15, 16)]
DAYS = 3
REQUESTS_PER_ROUND = 200


def first_day(today: dt.date) -> dt.date:
    day = today + dt.timedelta(days=2)
    while day.weekday() != 2:  # Wednesday: Wed, Thu, Fri are working days
        day += dt.timedelta(days=1)
    return day


def ensure_field_force(rng: random.Random):
    """The bench territory, skills, technicians, accounts; created once."""
    from servicebook.core.testing.factories import make_account, make_skill
    from servicebook.customers.services import location_update
    from servicebook.demo import reference as R
    from servicebook.scheduling import services
    from servicebook.scheduling.models import Technician, Territory
    from servicebook.users.models import User
    from servicebook.users.services import user_create

    admin = User.objects.filter(username="bench.admin").first() or user_create(
        username="bench.admin",
        password="bench-offers-Pa55word!",
        role="admin",
        actor=None,
    )
    dispatcher = User.objects.filter(username="bench.dispatcher").first() or user_create(
        username="bench.dispatcher",
        password="bench-offers-Pa55word!",
        role="dispatcher",
        actor=None,
    )
    skills = {code: make_skill(code) for code in SKILLS}
    territory = Territory.objects.filter(code="bench").first()
    if territory is None:
        print("  setting up 100 technicians and 40 accounts (once) ...", flush=True)
        week = {d: (dt.time(8), dt.time(17), dt.time(12), 30) if d < 5 else None for d in range(7)}
        techs = []
        for n in range(TECHNICIANS):
            zip_area = rng.choice(R.ZIP_AREAS)
            tech = services.technician_create(
                first_name="Bench",
                last_name=f"Tech {n:03d}",
                employee_number=f"B{n:03d}",
                home_latitude=Decimal(f"{zip_area[2] + rng.uniform(-0.02, 0.02):.6f}"),
                home_longitude=Decimal(f"{zip_area[3] + rng.uniform(-0.02, 0.02):.6f}"),
                actor=admin,
            )
            services.technician_set_skills(
                technician=tech,
                skills=[skills[c] for c in rng.sample(SKILLS, rng.randint(1, 3))],
                actor=admin,
            )
            services.shifts_set_week(technician=tech, week=week, actor=admin)
            techs.append(tech)
        for n in range(40):
            zip_area = rng.choice(R.ZIP_AREAS)
            account = make_account(actor=admin, last_name=f"Bench{n}", postal_code=zip_area[0])
            location_update(
                location=account.locations.get(),
                latitude=Decimal(f"{zip_area[2] + rng.uniform(-0.02, 0.02):.6f}"),
                longitude=Decimal(f"{zip_area[3] + rng.uniform(-0.02, 0.02):.6f}"),
                actor=admin,
            )
        territory = services.territory_save(
            code="bench",
            name="Benchmark metro",
            postal_codes=[z[0] for z in R.ZIP_AREAS],
            technicians=techs,
            actor=admin,
        )
    techs = list(Technician.objects.filter(territories=territory).order_by("pk"))
    return admin, dispatcher, territory, techs, skills


def ensure_bookings(rng: random.Random, techs, first: dt.date) -> int:
    """Every technician's day full but one hour on the three days (bulk writes)."""
    from servicebook.customers.models import ServiceLocation
    from servicebook.scheduling import selectors
    from servicebook.scheduling.models import Appointment
    from servicebook.workorders.models import WorkOrder

    tz = selectors.zone()
    start = dt.datetime.combine(first, dt.time(0), tzinfo=tz)
    end = start + dt.timedelta(days=DAYS)
    booked = Appointment.objects.filter(
        technician__in=techs, starts_at__gte=start, starts_at__lt=end, status="scheduled"
    ).count()
    if booked:
        return booked
    print("  booking three full days (bulk) ...", flush=True)
    locations = list(
        ServiceLocation.objects.filter(account__customer__last_name__startswith="Bench")
    )
    base = WorkOrder.objects.count()
    orders, slots = [], []
    for d in range(DAYS):
        day = first + dt.timedelta(days=d)
        for tech in techs:
            free = rng.choice(FREE_BLOCKS)
            for hour in HOURS:
                if hour in free:
                    continue
                loc = rng.choice(locations)
                s = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
                n = base + len(orders) + 1
                orders.append(
                    WorkOrder(
                        number=f"BENCH{first:%y%m%d}{n:07d}",
                        account_id=loc.account_id,
                        location=loc,
                        work_type="repair",
                        status="scheduled",
                        summary="Benchmark job",
                        estimated_minutes=60,
                        planned_start=s,
                        planned_end=s + dt.timedelta(hours=1),
                    )
                )
                slots.append((tech, s))
    WorkOrder.objects.bulk_create(orders, batch_size=500)
    numbers = [o.number for o in orders]
    ids = dict(WorkOrder.objects.filter(number__in=numbers).values_list("number", "pk"))
    Appointment.objects.bulk_create(
        [
            Appointment(
                work_order_id=ids[o.number],
                technician=tech,
                starts_at=s,
                ends_at=s + dt.timedelta(hours=1),
                status="scheduled",
                source="call",
            )
            for o, (tech, s) in zip(orders, slots, strict=True)
        ],
        batch_size=500,
    )
    return len(orders)


def requests(rng: random.Random, first: dt.date, work_orders: list[int]) -> list[str]:
    from servicebook.demo import reference as R

    urls = []
    for n in range(REQUESTS_PER_ROUND):
        if n % 5 == 4 and work_orders:
            urls.append(
                f"/api/scheduling/offers/?work_order={rng.choice(work_orders)}&territory=bench"
            )
            continue
        zip_area = rng.choice(R.ZIP_AREAS)
        lat = zip_area[2] + rng.uniform(-0.03, 0.03)
        lng = zip_area[3] + rng.uniform(-0.03, 0.03)
        skills = ",".join(rng.sample(SKILLS, rng.randint(0, 2)))
        last = first + dt.timedelta(days=0 if n % 2 else DAYS - 1)
        urls.append(
            f"/api/scheduling/offers/?latitude={lat:.6f}&longitude={lng:.6f}"
            f"&skills={skills}&duration={rng.choice([60, 90])}&territory=bench"
            f"&date_from={first.isoformat()}&date_to={last.isoformat()}"
        )
    return urls


def main() -> None:
    p = parser(__doc__.split("\n\n")[0])
    p.set_defaults(database_url="sqlite:////tmp/sb-bench-offers.sqlite3")
    args = p.parse_args()
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from servicebook.core.testing.factories import make_account
    from servicebook.scheduling import selectors
    from servicebook.workorders import services as wo

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    admin, dispatcher, _territory, techs, skills = ensure_field_force(rng)
    first = first_day(selectors.local_date(timezone.now()))
    booked = ensure_bookings(rng, techs, first)
    # Work orders waiting for a slot (place, skills and window of their own).
    waiting = [
        wo.workorder_create(
            account=make_account(actor=admin, last_name=f"Wait{n}"),
            work_type="repair",
            summary="Benchmark request",
            skills=[skills[rng.choice(SKILLS)]],
            estimated_minutes=60,
            window_start=dt.datetime.combine(first, dt.time(8), tzinfo=selectors.zone()),
            window_end=dt.datetime.combine(
                first + dt.timedelta(days=DAYS - 1), dt.time(17), tzinfo=selectors.zone()
            ),
            actor=admin,
        ).pk
        for n in range(5)
    ]
    from servicebook.customers.services import location_update

    for pk in waiting:
        from servicebook.workorders.models import WorkOrder

        loc = WorkOrder.objects.get(pk=pk).location
        location_update(
            location=loc,
            latitude=Decimal(f"{39.74 + rng.uniform(-0.08, 0.08):.6f}"),
            longitude=Decimal(f"{-104.99 + rng.uniform(-0.1, 0.1):.6f}"),
            actor=admin,
        )
    urls = requests(random.Random(args.seed + 1), first, waiting)
    baseline_urls = [f"/api/scheduling/technicians/{t.pk}/" for t in techs]

    client = Client()
    client.force_login(dispatcher)
    print("Appointment offers benchmark (GET /api/scheduling/offers/)")
    for line in describe_machine():
        print("  " + line)
    print(
        f"  technicians: {len(techs)} in territory bench; live appointments on "
        f"{first} .. {first + dt.timedelta(days=DAYS - 1)}: {booked:,} "
        f"({len(HOURS) - 2} of {len(HOURS)} job hours booked per technician per day)"
    )
    print(f"  requests per round: {len(urls)}; rounds: {args.rounds} (+1 warm-up)")

    def timed(paths: list[str]) -> list[float]:
        samples = []
        for path in paths:
            t0 = time.perf_counter()
            response = client.get(path)
            samples.append(time.perf_counter() - t0)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code} {response.content[:300]!r}")
        return samples

    offered = [len(client.get(u).json()["offers"]) for u in urls[:20]]  # warm-up, and a check
    timed(urls)
    timed(baseline_urls)
    rounds, base_rounds = [], []
    for _ in range(args.rounds):
        rounds.append(percentiles(timed(urls)))
        base_rounds.append(percentiles(timed(baseline_urls)))
    result, base = median_of_rounds(rounds), median_of_rounds(base_rounds)
    print(f"\n  offers    {fmt(result)}")
    print(f"  baseline  {fmt(base)}   (GET /api/scheduling/technicians/<id>/, same run)")
    print(f"  offers per answer (first 20 requests): {offered}")
    verdict = "PASS" if result["p95"] < 300 else "FAIL"
    print(f"  target p95 < 300 ms: {verdict}")


if __name__ == "__main__":
    main()
