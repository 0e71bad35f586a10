"""`servicebook seed-demo --accounts N --seed S [--if-empty]`: the demo book of business.

Installs (idempotently) the reference data and one demo user per role, then writes N
realistic accounts across the three lines of business with their cases, deterministically
from the seed. Scales to a million accounts on PostgreSQL (COPY) and a hundred thousand on
SQLite; see docs/benchmarks.md for timings.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from servicebook.demo import reference as R
from servicebook.demo.services import DEFAULT_CHUNK, demo_data_present, demo_seed


class Command(BaseCommand):
    help = (
        "Load demo data: reference data, demo users (password "
        f"{R.DEMO_PASSWORD}) and N accounts with contacts, services, notes and cases."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--accounts", type=int, default=2000, help="How many accounts (default 2000)"
        )
        parser.add_argument(
            "--seed", type=int, default=7, help="Random seed: same seed, same data (default 7)"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when accounts already exist (used by `make run`)",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=DEFAULT_CHUNK,
            help=f"Accounts built and written per chunk (default {DEFAULT_CHUNK:,})",
        )
        parser.add_argument(
            "--now",
            help="Pretend it is this ISO instant (e.g. 2026-11-22T15:00:00+00:00), so that "
            "timestamps repeat too",
        )

    def handle(self, *args, **options):
        accounts = options["accounts"]
        if accounts < 0:
            raise CommandError("--accounts must be 0 or more.")
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        now = None
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now: {exc}") from exc
            if now.tzinfo is None:
                raise CommandError("--now needs a UTC offset, e.g. 2026-11-22T15:00:00+00:00.")
        if options["if_empty"] and demo_data_present():
            self.stdout.write("Demo data already present; nothing to do (--if-empty).")
            return
        self.stdout.write(f"Seeding {accounts:,} demo accounts (seed {options['seed']})...")
        result = demo_seed(
            accounts=accounts,
            seed=options["seed"],
            now=now,
            chunk_size=options["chunk_size"],
            log=self.stdout.write,
        )
        if result.reference_created:
            made = ", ".join(
                f"{n} {k.replace('_', ' ')}" for k, n in result.reference_created.items()
            )
            self.stdout.write(f"Reference data created: {made}.")
        else:
            self.stdout.write("Reference data already in place.")
        statuses = ", ".join(f"{n:,} {s}" for s, n in result.case_statuses.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {result.seconds:.1f} s: {result.accounts:,} accounts, "
                f"{result.total_rows:,} rows; cases: {statuses or 'none'}."
            )
        )
        users = ", ".join(u[0] for u in R.DEMO_USERS)
        self.stdout.write(f"Demo users ({R.DEMO_PASSWORD}): {users}")
        if result.showcase:
            s = result.showcase
            self.stdout.write(
                f"Try the search: {s.phone} finds {s.name}, account {s.number} "
                "(utility: medical certificate, budget billing, a case in every state)."
            )
