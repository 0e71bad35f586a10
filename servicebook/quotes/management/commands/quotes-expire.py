"""`servicebook quotes-expire [--as-of YYYY-MM-DD]`: mark sent quotes past valid-until as
expired. Idempotent: run it again and nothing more changes."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from servicebook.quotes.expiry import quotes_expire


class Command(BaseCommand):
    help = "Mark sent quotes whose valid-until date has passed as expired (idempotent)."

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
        count = quotes_expire(today=today)
        self.stdout.write(self.style.SUCCESS(f"{count} quote(s) expired"))
