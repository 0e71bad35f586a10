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


class PartnerRequestStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


_PR = PartnerRequestStatus
# Where each status may go next. Approval or rejection may come without an acknowledgement
# first (a partner that answers at once); done follows approval only; final: rejected, done,
# cancelled.
PARTNER_REQUEST_TRANSITIONS = {
    _PR.SENT: {_PR.ACKNOWLEDGED, _PR.APPROVED, _PR.REJECTED, _PR.CANCELLED},
    _PR.ACKNOWLEDGED: {_PR.APPROVED, _PR.REJECTED, _PR.CANCELLED},
    _PR.APPROVED: {_PR.DONE, _PR.CANCELLED},
    _PR.REJECTED: set(),
    _PR.DONE: set(),
    _PR.CANCELLED: set(),
}
PARTNER_REQUEST_OPEN = {_PR.SENT, _PR.ACKNOWLEDGED, _PR.APPROVED}
