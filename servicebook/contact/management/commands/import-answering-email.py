"""`servicebook import-answering-email FILE...`: feed answering-service emails (.eml).
A mail server's pipe (e.g. an alias to `servicebook import-answering-email -`) delivers them
as they arrive."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from servicebook.contact.answering import parse_answering_email
from servicebook.contact.services import answering_message_receive
from servicebook.core.errors import ServiceError

from ._common import user_named


class Command(BaseCommand):
    help = "Queue answering-service emails as callback cases; the same email twice is one."

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="+", help=".eml files ('-' reads one from standard input)"
        )
        parser.add_argument("--user", help="Act as this user (default: CONTACT_INTAKE_USERNAME)")

    def handle(self, *args, **options):
        actor = user_named(options["user"], required=True)
        failed = 0
        for name in options["files"]:
            try:
                if name == "-":
                    raw = sys.stdin.buffer.read()
                else:
                    with open(name, "rb") as handle:
                        raw = handle.read()
            except OSError as exc:
                raise CommandError(str(exc)) from exc
            message = parse_answering_email(raw)
            try:
                interaction, created = answering_message_receive(
                    message=message, source="email", actor=actor
                )
            except ServiceError as exc:
                failed += 1
                self.stderr.write(f"{name}: {exc.message}")
                continue
            if not created:
                self.stdout.write(f"{name}: already received")
            elif interaction.case_id:
                self.stdout.write(f"{name}: callback case {interaction.case.number}")
            else:
                self.stdout.write(f"{name}: no single account matched; waiting to be matched")
        if failed:
            raise CommandError(f"{failed} message(s) could not be received")
