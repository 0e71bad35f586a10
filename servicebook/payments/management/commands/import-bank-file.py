"""`servicebook import-bank-file FILE [--format bai2|lockbox] [--user USERNAME]`: post the
payments of a bank file; unmatched credits wait in the exception queue. A malformed file
posts nothing and the command lists each bad line and exits 1."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from servicebook.payments.bankfiles import BankFileInvalid
from servicebook.payments.bankfiles.services import bank_file_import
from servicebook.users.models import User


class Command(BaseCommand):
    help = "Import a BAI2 or lockbox CSV bank file: post matched payments, queue the rest."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the bank file")
        parser.add_argument(
            "--format", choices=["bai2", "lockbox"], help="the file's format (sniffed if left out)"
        )
        parser.add_argument(
            "--user",
            default=None,
            help="who imports (needs payments.bank_files); PAYMENTS_BANK_FILE_USERNAME if left out",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        username = options["user"] or settings.PAYMENTS_BANK_FILE_USERNAME
        if not username:
            raise CommandError(
                "Name the importing user with --user or PAYMENTS_BANK_FILE_USERNAME."
            )
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {username!r}.")
        try:
            result = bank_file_import(
                content=path.read_bytes(),
                name=path.name,
                actor=actor,
                file_format=options["format"],
            )
        except BankFileInvalid as exc:
            self.stderr.write(self.style.ERROR(f"{path.name} is malformed; nothing was posted:"))
            for error in exc.errors:
                self.stderr.write(f"  {error}")
            sys.exit(1)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        bank_file = result.file
        if result.already_imported:
            self.stdout.write(
                self.style.WARNING(
                    f"{path.name} was already imported on {bank_file.imported_at:%Y-%m-%d %H:%M} "
                    f"(as {bank_file.name}); nothing was posted."
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{bank_file.name}: {result.posted} payments posted, {result.exceptions} waiting "
                f"in the exception queue, total {bank_file.total}."
            )
        )
        for line in result.duplicates:
            self.stdout.write(f"  skipped {line}")
        for line in result.skipped:
            self.stdout.write(f"  skipped {line}")
