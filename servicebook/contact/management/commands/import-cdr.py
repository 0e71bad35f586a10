"""`servicebook import-cdr FILE`: import Asterisk call detail records (Master.csv)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from servicebook.contact.importers import import_cdr, open_text

from ._common import user_named


class Command(BaseCommand):
    help = "Import Asterisk CDR rows (cdr-csv Master.csv); safe to run twice on the same file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to Master.csv ('-' reads standard input)")
        parser.add_argument("--user", help="Act as this user (default: the system)")

    def handle(self, *args, **options):
        actor = user_named(options["user"])
        try:
            if options["file"] == "-":
                import sys

                report = import_cdr(sys.stdin, actor=actor)
            else:
                with open_text(options["file"]) as stream:
                    report = import_cdr(stream, actor=actor)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.as_text())
