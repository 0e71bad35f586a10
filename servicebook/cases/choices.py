from django.db import models


class CaseType(models.TextChoices):
    INQUIRY = "inquiry", "Inquiry"
    COMPLAINT = "complaint", "Complaint"
    BILLING_DISPUTE = "billing_dispute", "Billing dispute"
    TROUBLE_TICKET = "trouble_ticket", "Trouble ticket"
    ESCALATION = "escalation", "Escalation"
    CALLBACK = "callback", "Callback"
    # Meter tampering, a bypass, service taken after disconnection: revenue protection's
    # investigators work these (routed to their queue), not the desk.
    UNAUTHORIZED_USAGE = "unauthorized_usage", "Unauthorized-usage referral"


class Priority(models.TextChoices):
    # Stored as text, ordered through PRIORITY_RANK (lower is more urgent).
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class CaseStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    WAITING_CUSTOMER = "waiting_customer", "Waiting on customer"
    WAITING_THIRD_PARTY = "waiting_third_party", "Waiting on third party"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


ACTIVE_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.OPEN,
    CaseStatus.WAITING_CUSTOMER,
    CaseStatus.WAITING_THIRD_PARTY,
)
WAITING_STATUSES = (CaseStatus.WAITING_CUSTOMER, CaseStatus.WAITING_THIRD_PARTY)

# The lifecycle: which status may follow which. Reopening (resolved/closed -> open) is its
# own service with its own capability; closing happens from resolved only.
TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.NEW: {CaseStatus.OPEN, CaseStatus.WAITING_CUSTOMER, CaseStatus.WAITING_THIRD_PARTY},
    CaseStatus.OPEN: {CaseStatus.WAITING_CUSTOMER, CaseStatus.WAITING_THIRD_PARTY},
    CaseStatus.WAITING_CUSTOMER: {CaseStatus.OPEN, CaseStatus.WAITING_THIRD_PARTY},
    CaseStatus.WAITING_THIRD_PARTY: {CaseStatus.OPEN, CaseStatus.WAITING_CUSTOMER},
    CaseStatus.RESOLVED: set(),
    CaseStatus.CLOSED: set(),
}


class NoteVisibility(models.TextChoices):
    INTERNAL = "internal", "Internal"
    CUSTOMER = "customer", "Customer-visible"


class EventKind(models.TextChoices):
    CREATED = "created", "Opened"
    STATUS = "status", "Status changed"
    ASSIGNED = "assigned", "Assigned"
    ESCALATED = "escalated", "Escalated"
    NOTE = "note", "Note"
    FIRST_RESPONSE = "first_response", "First response"
    AT_RISK = "at_risk", "SLA at risk"
    BREACHED = "breached", "SLA breached"
    RESOLVED = "resolved", "Resolved"
    REOPENED = "reopened", "Reopened"
    CLOSED = "closed", "Closed"
    CHECKLIST = "checklist", "Checklist answered"
    CONSENT = "consent", "Consent recorded"
    PRIORITY = "priority", "Priority changed"


class AnswerKind(models.TextChoices):
    YES_NO = "yes_no", "Yes / no"
    TEXT = "text", "Text"
    CHOICE = "choice", "One of a list"
    NUMBER = "number", "Number"


class ConsentMethod(models.TextChoices):
    VERBAL_PHONE = "verbal_phone", "Verbally, on a recorded call"
    EMAIL = "email", "By email"
    SIGNATURE = "signature", "Signed"
    PORTAL = "portal", "In the portal"
    IN_PERSON = "in_person", "In person"


class ConsentSubject(models.TextChoices):
    CARRIER_DISPATCH = "carrier_dispatch", "Dispatch of an outside carrier technician"
    PREMISE_ACCESS = "premise_access", "Access to the premise"
    CALL_RECORDING = "call_recording", "Call recording"
    CREDIT_CHECK = "credit_check", "Credit check"
    CHARGEABLE_VISIT = "chargeable_visit", "Chargeable visit"
    MARKETING = "marketing", "Marketing contact"
