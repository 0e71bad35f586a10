"""`servicebook collections-run --as-of YYYY-MM-DD [--user U]`: the nightly collections run.
Advances every delinquent account by at most one step of its policy; idempotent for a day
and restartable after a kill (run it again)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from servicebook.core.errors import ServiceError
from servicebook.receivables.services import collections_run, run_user


class Command(BaseCommand):
    help = "Advance every delinquent account by at most one collection step (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--user",
            default=None,
            help="run as this user (default: the first active administrator)",
        )
        parser.add_argument("--chunk", type=int, default=2000, help="processes per transaction")

    def handle(self, *args, **options):
        try:
            as_of = (
                dt.date.fromisoformat(options["as_of"])
                if options["as_of"]
                else timezone.localdate()
            )
        except ValueError as exc:
            raise CommandError("--as-of is YYYY-MM-DD") from exc
        actor = run_user(options["user"])
        if actor is None:
            raise CommandError(f"no active user {options['user'] or '(administrator)'}")
        try:
            report = collections_run(
                as_of=as_of,
                actor=actor,
                chunk_size=options["chunk"],
                log=lambda line: (self.stdout.write(line), self.stdout.flush()),
            )
        except (ServiceError, PermissionError) as exc:
            raise CommandError(str(exc)) from exc
        for error in report.errors[:50]:
            self.stderr.write(error)
        self.stdout.write(self.style.SUCCESS(f"Collections run {report.summary()}"))
