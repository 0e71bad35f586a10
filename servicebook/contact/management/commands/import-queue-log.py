"""`servicebook import-queue-log FILE`: import Asterisk's queue_log."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from servicebook.contact.importers import import_queue_log, open_text

from ._common import user_named


class Command(BaseCommand):
    help = "Import Asterisk queue_log (queue stays, log-ins, pauses); safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to queue_log ('-' reads standard input)")
        parser.add_argument("--user", help="Act as this user (default: the system)")

    def handle(self, *args, **options):
        actor = user_named(options["user"])
        try:
            if options["file"] == "-":
                import sys

                report = import_queue_log(sys.stdin, actor=actor)
            else:
                with open_text(options["file"]) as stream:
                    report = import_queue_log(stream, actor=actor)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.as_text())
