"""`servicebook webhooks-deliver [--once] [--interval SECONDS]`: send due webhook
deliveries. With --once, send what is due now (batch after batch) and exit; without it,
keep polling every --interval seconds until stopped (an alternative to the worker's
task and periodic sweep; several may run at once, claims keep them apart)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from servicebook.integrations.delivery import deliver_until_idle


class Command(BaseCommand):
    help = "Send due webhook deliveries (signed POSTs), with retries and backoff."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="send what is due, then exit")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds between polls (default 5)"
        )

    def handle(self, *args, **options):
        while True:
            counts = deliver_until_idle()
            if counts.get("claimed") or options["once"]:
                self.stdout.write(
                    ", ".join(f"{k} {v}" for k, v in counts.items() if k != "lost" or v)
                )
            if options["once"]:
                return
            close_old_connections()
            time.sleep(options["interval"])
