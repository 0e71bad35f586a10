"""Writes of the credit app, one module per subject; import them from here."""

from .rating import credit_event_record, credit_events_record_bulk, credit_score_adjust

__all__ = [
    "credit_event_record",
    "credit_events_record_bulk",
    "credit_score_adjust",
]
