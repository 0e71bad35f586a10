"""Writes of the credit app, one module per subject; import them from here."""

from .arrangements import (
    arrangement_cancel,
    arrangement_create,
    arrangement_proposal,
    credit_arrangements_review,
)
from .bankruptcy import bankruptcy_claim_record, bankruptcy_close, bankruptcy_file
from .deposits import (
    credit_deposits_review,
    deposit_installment_schedule,
    deposit_installments_missed,
    deposit_installments_pay,
    deposit_require,
    deposit_requirement,
    deposit_waiver_grant,
    deposit_waiver_revoke,
)
from .rating import credit_event_record, credit_events_record_bulk, credit_score_adjust
from .restoration import (
    restoration_cancel,
    restoration_check_paid,
    restoration_open,
    restoration_quote,
    restoration_reconnect_completed,
    restoration_reconnect_raise,
    restoration_reconnect_stopped,
)

__all__ = [
    "arrangement_cancel",
    "arrangement_create",
    "arrangement_proposal",
    "bankruptcy_claim_record",
    "bankruptcy_close",
    "bankruptcy_file",
    "credit_arrangements_review",
    "credit_deposits_review",
    "credit_event_record",
    "credit_events_record_bulk",
    "credit_score_adjust",
    "deposit_installment_schedule",
    "deposit_installments_missed",
    "deposit_installments_pay",
    "deposit_require",
    "deposit_requirement",
    "deposit_waiver_grant",
    "deposit_waiver_revoke",
    "restoration_cancel",
    "restoration_check_paid",
    "restoration_open",
    "restoration_quote",
    "restoration_reconnect_completed",
    "restoration_reconnect_raise",
    "restoration_reconnect_stopped",
]
