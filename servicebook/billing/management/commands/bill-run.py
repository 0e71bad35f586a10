"""`servicebook bill-run --cycle C --period YYYY-MM`: bill a cycle's recurring charges for a
month. Idempotent (a second run bills nothing), restartable (run it again after a kill),
chunked with a progress line per chunk, and shareable: `--worker K/N` bills the accounts
whose block of 16 ids is K modulo N, so N processes (on one machine or many) split the cycle."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from servicebook.billing.billrun import bill_run_execute, bill_run_start
from servicebook.core.errors import ServiceError
from servicebook.users.models import User


def _worker(text: str) -> tuple[int, int]:
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError as exc:
        raise CommandError("--worker is K/N, e.g. 0/2 and 1/2 for two workers") from exc
    if not 0 <= k < n:
        raise CommandError("--worker K/N needs 0 <= K < N")
    return k, n


class Command(BaseCommand):
    help = "Bill a cycle's recurring charges for a month (idempotent, restartable, chunked)."

    def add_arguments(self, parser):
        parser.add_argument("--cycle", type=int, required=True)
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--worker", default="0/1", help="K/N: this worker's share")
        parser.add_argument("--chunk", type=int, default=None, help="accounts per transaction")
        parser.add_argument(
            "--mode",
            choices=["bulk", "service"],
            default="bulk",
            help="bulk: set-based writes per chunk (default); service: one account at a time",
        )
        parser.add_argument("--issued-on", default=None, help="YYYY-MM-DD (first start only)")
        parser.add_argument("--user", default=None, help="run as this user (needs billing.run)")

    def handle(self, *args, **options):
        worker, workers = _worker(options["worker"])
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"no user {options['user']}")
        issued_on = dt.date.fromisoformat(options["issued_on"]) if options["issued_on"] else None
        try:
            run = bill_run_start(
                cycle=options["cycle"], period=options["period"], issued_on=issued_on, actor=actor
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Bill run cycle {run.cycle.number} {run.period} (issued {run.issued_on}), "
            f"attempt {run.attempts}, worker {worker}/{workers}, {options['mode']} mode: "
            f"{run.accounts_total:,} accounts in the cycle, {run.accounts_done:,} done before."
        )
        report = bill_run_execute(
            run,
            worker=worker,
            workers=workers,
            chunk_size=options["chunk"],
            mode=options["mode"],
            actor=actor,
            log=lambda line: (self.stdout.write(line), self.stdout.flush()),
        )
        run.refresh_from_db()
        self.stdout.write(
            self.style.SUCCESS(
                f"Billed {report.accounts:,} accounts, {report.invoices:,} invoices, "
                f"{report.amount:,.2f} in {report.seconds:.1f} s "
                f"({report.rate:,.0f} accounts/s, {report.retries} chunk retries). "
                f"Run is {run.get_status_display().lower()}: "
                f"{run.accounts_done:,} of {run.accounts_total:,} accounts done."
            )
        )
