"""The rows the demo generator yields and the writers load: one list of plain tuples per
table, with the columns of each table in a fixed order."""

from __future__ import annotations

from collections.abc import Callable

# Columns per table, in the order of the tuples the generator yields. The writers write the
# tables in this order (parents before children).
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "customer": (
        "customers.Customer",
        ("id", "created_at", "updated_at", "kind", "first_name", "last_name",
         "organisation_name", "display_name", "date_of_birth", "preferred_language"),
    ),
    "account": (
        "customers.Account",
        ("id", "created_at", "updated_at", "number", "customer_id", "status", "customer_class",
         "line_of_business", "opened_on", "closed_on", "credit_rating", "credit_score",
         "jurisdiction"),
    ),
    "location": (
        "customers.ServiceLocation",
        ("id", "created_at", "updated_at", "account_id", "label", "line1", "line2", "city",
         "region", "postal_code", "country", "latitude", "longitude", "time_zone",
         "premise_id", "access_notes", "is_primary"),
    ),
    "contact": (
        "customers.Contact",
        ("id", "created_at", "updated_at", "account_id", "name", "role", "preferred_channel",
         "do_not_call", "is_primary"),
    ),
    "phone": (
        "customers.ContactPhone",
        ("id", "contact_id", "account_id", "e164", "kind", "extension", "is_primary"),
    ),
    "email": (
        "customers.ContactEmail",
        ("id", "contact_id", "account_id", "email", "is_primary"),
    ),
    "agreement": (
        "customers.ServiceAgreement",
        ("id", "created_at", "updated_at", "account_id", "location_id", "kind", "description",
         "identifier", "status", "start_date", "end_date"),
    ),
    "equipment": (
        "customers.Equipment",
        ("id", "created_at", "updated_at", "location_id", "account_id", "kind", "make", "model",
         "serial_number", "installed_on", "warranty_until", "notes"),
    ),
    "enrollment": (
        "customers.ProgramEnrollment",
        ("id", "created_at", "updated_at", "account_id", "program_id", "enrolled_on",
         "ended_on", "enrolled_by_id"),
    ),
    "alert": (
        "customers.AccountAlert",
        ("id", "created_at", "updated_at", "account_id", "kind", "severity", "message",
         "active", "expires_on", "created_by_id"),
    ),
    "note": (
        "customers.Note",
        ("id", "account_id", "channel", "direction", "summary", "author_id", "occurred_at",
         "case_ref"),
    ),
    "search": (
        "customers.AccountSearch",
        ("account_id", "number", "names", "phones", "emails", "addresses"),
    ),
    "case": (
        "cases.Case",
        ("id", "created_at", "updated_at", "number", "account_id", "location_id", "case_type",
         "priority", "status", "subject", "description", "channel", "queue_id", "assignee_id",
         "created_by_id", "sla_policy_id", "first_response_due", "first_response_risk_at",
         "first_responded_at", "resolution_due", "resolution_risk_at", "sla_paused_at",
         "sla_paused_seconds", "at_risk", "breached", "first_response_breached",
         "resolution_breached", "escalation_level", "escalated_at", "resolution_code_id",
         "resolution_summary", "resolved_at", "closed_at", "reopen_count"),
    ),
    "case_note": (
        "cases.CaseNote",
        ("id", "case_id", "author_id", "body", "visibility", "created_at"),
    ),
    "case_event": (
        "cases.CaseEvent",
        ("id", "case_id", "at", "actor_id", "kind", "from_status", "to_status", "reason",
         "data"),
    ),
    "checklist_answer": (
        "cases.ChecklistAnswer",
        ("id", "case_id", "item_id", "answer", "answered_by_id", "answered_at"),
    ),
    "consent": (
        "cases.ConsentRecord",
        ("id", "account_id", "case_id", "subject", "granted", "given_by", "given_at", "method",
         "details", "recorded_by_id", "recorded_at", "revoked_at"),
    ),
}  # fmt: skip

Chunk = dict[str, list[tuple]]


def empty_chunk() -> Chunk:
    return {name: [] for name in TABLES}


class IdSource:
    """Primary keys per table: `take(name)` returns a zero-argument callable giving the next
    key of that table. The writers build one per database vendor."""

    def __init__(self, factories: dict[str, Callable[[], int]]):
        self._next = factories

    def take(self, name: str) -> Callable[[], int]:
        return self._next[name]
