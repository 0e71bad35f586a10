"""`servicebook ledger-verify`: check every ledger invariant; exit 1 with a report if any fails."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand

from servicebook.ledger.models import (
    AccountBalance,
    Allocation,
    JournalEntry,
    JournalLine,
    OpenItem,
)
from servicebook.ledger.verify import ledger_verify


class Command(BaseCommand):
    help = (
        "Check the ledger: entries balance, cached balances equal the sums of their lines, "
        "allocations never exceed amounts, no orphan or stray lines, reversals mirror."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        violations = ledger_verify()
        seconds = time.monotonic() - started
        scope = (
            f"{JournalEntry.objects.count():,} entries, {JournalLine.objects.count():,} lines, "
            f"{AccountBalance.objects.count():,} balances, "
            f"{OpenItem.objects.count():,} open items, "
            f"{Allocation.objects.count():,} allocations"
        )
        if not violations:
            self.stdout.write(self.style.SUCCESS(f"Ledger verified in {seconds:.1f} s: {scope}."))
            return
        self.stderr.write(self.style.ERROR(f"Ledger NOT consistent ({scope}):"))
        for violation in violations:
            self.stderr.write(f"  - {violation}")
        sys.exit(1)
