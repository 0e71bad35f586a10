"""`servicebook collection-letters-send [--batch N]`: email the collection letters the runs
have rendered (or list them to print when the account has no email address), batch after
batch until none is due. Safe beside the periodic task: rows are leased (letters.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from servicebook.receivables.letters import collection_letters_send_all


class Command(BaseCommand):
    help = "Email the unsent collection letters; those without an address go to the print list."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=200, help="letters per claim")

    def handle(self, *args, **options):
        report = collection_letters_send_all(batch=max(options["batch"], 1))
        for error in report.errors[:50]:
            self.stderr.write(error)
        self.stdout.write(self.style.SUCCESS(f"Collection letters: {report.summary()}"))
