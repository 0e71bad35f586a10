"""`servicebook arrangements-review --as-of YYYY-MM-DD`: the daily check of payment
arrangements. Breaks those with an installment unpaid past the policy's grace (collections
resume; credit event arrangement_broken) and marks fully paid ones kept. Running it twice
for the same day changes nothing more."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from servicebook.core.errors import ServiceError
from servicebook.credit.services import credit_arrangements_review

from ._common import as_of, user


class Command(BaseCommand):
    help = "Break payment arrangements unpaid past grace, and mark fully paid ones kept."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default today)")
        parser.add_argument("--user", default=None, help="run as this user (credit.manage)")

    def handle(self, *args, **options):
        day = as_of(options["as_of"])
        try:
            result = credit_arrangements_review(as_of=day, actor=user(options["user"]))
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Arrangements review {day}: {len(result.broken)} broken, {len(result.kept)} kept"
        )
        for pk in result.broken:
            self.stdout.write(f"  broken: arrangement {pk}")
        for pk in result.kept:
            self.stdout.write(f"  kept: arrangement {pk}")
