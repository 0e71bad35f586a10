"""The daily sweep that marks sent quotes past their validity as expired (docs/quotes.md).

The link already refuses a quote the day after valid-until; the sweep makes the status say
so, so lists, filters and revisions see `expired`. A system job: no actor, audit rows with
no user. Idempotent: a second run the same day finds nothing left to expire.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from servicebook.core.audit import audit_record

from .choices import QuoteStatus
from .models import Quote

S = QuoteStatus
EXPIRE_CHUNK = 500  # quotes per transaction: a long backlog never holds one huge lock


def quotes_expire(*, today: dt.date | None = None) -> int:
    """Mark every sent quote whose valid-until date is before `today` as expired; returns
    how many changed. Each row moves by compare-and-set (status still sent, link unused), so
    a customer answering at the same moment wins or loses cleanly and a concurrent sweep
    expires nothing twice."""
    today = today or timezone.localdate()
    expired = 0
    while True:
        with transaction.atomic():
            ids = list(
                Quote.objects.filter(
                    status=S.SENT, valid_until__lt=today, link_used_at__isnull=True
                )
                .order_by("pk")
                .values_list("pk", flat=True)[:EXPIRE_CHUNK]
            )
            if not ids:
                return expired
            now = timezone.now()
            for quote in Quote.objects.filter(pk__in=ids):
                updated = Quote.objects.filter(
                    pk=quote.pk, status=S.SENT, link_used_at__isnull=True
                ).update(status=S.EXPIRED, updated_at=now)
                if updated != 1:
                    continue
                expired += 1
                audit_record(
                    actor=None,
                    action="expire",
                    obj=quote,
                    changes={"status": [S.SENT, S.EXPIRED]},
                    message=f"valid until {quote.valid_until.isoformat()}; daily sweep",
                )
