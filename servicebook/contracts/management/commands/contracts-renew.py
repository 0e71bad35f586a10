"""`servicebook contracts-renew [--as-of YYYY-MM-DD]`: active contracts whose end has passed
renew for another term (auto-renew) or expire. Idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from servicebook.contracts.services import contracts_renew


class Command(BaseCommand):
    help = "Renew auto-renewing contracts past their end and expire the others (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args, **options):
        try:
            today = (
                dt.date.fromisoformat(options["as_of"])
                if options["as_of"]
                else timezone.localdate()
            )
        except ValueError as exc:
            raise CommandError("--as-of is YYYY-MM-DD") from exc
        result = contracts_renew(today=today)
        self.stdout.write(
            self.style.SUCCESS(f"{result['renewed']} renewed, {result['expired']} expired")
        )
