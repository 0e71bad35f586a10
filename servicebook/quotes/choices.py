"""Statuses of customer and subcontractor quotes."""

from __future__ import annotations

from django.db import models


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    CONVERTED = "converted", "Converted"
    REVISED = "revised", "Replaced by a revision"


# A customer may still answer these; every other status is final for the link.
QUOTE_ANSWERABLE = {QuoteStatus.SENT}
# A revision may be made of these (a draft is simply edited).
QUOTE_REVISABLE = {QuoteStatus.SENT, QuoteStatus.DECLINED, QuoteStatus.EXPIRED}


class SubQuoteStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    ESCALATED = "escalated", "Escalated"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


SUBQUOTE_OPEN = {SubQuoteStatus.SUBMITTED, SubQuoteStatus.ESCALATED}
