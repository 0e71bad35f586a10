"""`servicebook deposits-review --as-of YYYY-MM-DD [--refund] [--bill] --user NAME`: the
periodic deposit review. Lists held deposits earned back (refund eligible) and accounts the
deposit policy says need one; with --refund and/or --bill, and a user who holds
payments.deposits (and a refund approval limit for the refunds), refunds them with interest
and bills the required ones through payments' services. One refusal (above the user's limit)
is reported and leaves the others done."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from servicebook.credit.services import credit_deposits_review

from ._common import as_of, user


class Command(BaseCommand):
    help = "List (and with --refund/--bill, act on) deposits to refund and deposits required."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default today)")
        parser.add_argument("--refund", action="store_true", help="refund the eligible ones")
        parser.add_argument("--bill", action="store_true", help="bill the required ones")
        parser.add_argument("--user", default=None, help="act as this user")

    def handle(self, *args, **options):
        day = as_of(options["as_of"])
        actor = user(options["user"])
        if (options["refund"] or options["bill"]) and actor is None:
            raise CommandError("--refund and --bill need --user (payments.deposits)")
        review = credit_deposits_review(
            as_of=day, actor=actor, refund=options["refund"], bill=options["bill"]
        )
        self.stdout.write(
            f"Deposits review {day}: {len(review.refundable)} refund eligible, "
            f"{len(review.required)} required; {len(review.refunded)} refunded, "
            f"{len(review.billed)} billed; {len(review.missed)} deposit installments missed"
        )
        for row in review.missed:
            self.stdout.write(
                f"  missed: {row.account.number} deposit {row.deposit.number} installment "
                f"{row.number} of {row.amount} due {row.due_date} ({row.outstanding} unpaid)"
            )
        for deposit in review.refundable:
            self.stdout.write(f"  refundable: {deposit.number} {deposit.account.number}")
        for requirement in review.required:
            self.stdout.write(
                f"  required: {requirement.account.number} {requirement.amount} "
                f"({'; '.join(requirement.reasons)})"
            )
        for error in review.errors:
            self.stderr.write(f"  refused: {error}")
        if review.errors:
            raise CommandError(f"{len(review.errors)} refused")
