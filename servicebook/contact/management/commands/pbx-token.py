"""`servicebook pbx-token NAME`: create a PBX allowed to call the screen-pop endpoint (or
rotate its token). The token is printed once; only its hash is stored."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from servicebook.contact.services import pbx_issue_token


class Command(BaseCommand):
    help = "Issue (or rotate) the token a PBX uses for the caller-ID screen pop."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, **options):
        pbx, token = pbx_issue_token(name=options["name"])
        self.stdout.write(f"PBX “{pbx.name}”: token {token}")
        self.stdout.write("Send it as the X-PBX-Token header with POST /api/contact/screen-pop/.")
