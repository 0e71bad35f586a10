from django.db import models


class CustomerKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANISATION = "organisation", "Organisation"


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    SUSPENDED = "suspended", "Suspended"
    DISCONNECTED = "disconnected", "Disconnected"
    FINAL_BILLED = "final_billed", "Final billed"
    CLOSED = "closed", "Closed"
    IN_BANKRUPTCY = "in_bankruptcy", "In bankruptcy"
    WRITTEN_OFF = "written_off", "Written off"


class CustomerClass(models.TextChoices):
    RESIDENTIAL = "residential", "Residential"
    COMMERCIAL = "commercial", "Commercial"
    INDUSTRIAL = "industrial", "Industrial"
    GOVERNMENT = "government", "Government"


class LineOfBusiness(models.TextChoices):
    FIELD_SERVICE = "field_service", "Field service"
    TELECOM = "telecom", "Telecom"
    UTILITY = "utility", "Utility"


class CreditRating(models.TextChoices):
    EXCELLENT = "excellent", "Excellent"
    GOOD = "good", "Good"
    FAIR = "fair", "Fair"
    POOR = "poor", "Poor"
    UNRATED = "unrated", "Not rated"


class ContactRole(models.TextChoices):
    PRIMARY = "primary", "Account holder"
    BILLING = "billing", "Billing contact"
    AUTHORIZED = "authorized", "Authorized user"
    SITE = "site", "Site contact"
    EMERGENCY = "emergency", "Emergency contact"


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    WALK_IN = "walk_in", "Walk-in"
    CHAT = "chat", "Chat"
    PORTAL = "portal", "Portal"
    ANSWERING_SERVICE = "answering_service", "Answering service"
    FIELD = "field", "Field visit"
    INTERNAL = "internal", "Internal note"


class PreferredChannel(models.TextChoices):
    PHONE = "phone", "Phone"
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
    INTERNAL = "internal", "Internal"


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    HOME = "home", "Home"
    WORK = "work", "Work"
    OTHER = "other", "Other"


class AgreementStatus(models.TextChoices):
    PENDING = "pending", "Pending start"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    ENDED = "ended", "Ended"


class AgreementKind(models.TextChoices):
    ELECTRIC = "electric", "Electric service"
    WATER = "water", "Water service"
    GAS = "gas", "Gas service"
    PHONE_LINE = "phone_line", "Phone line"
    INTERNET = "internet", "Internet service"
    MAINTENANCE = "maintenance", "Maintenance contract"
    MONITORING = "monitoring", "Monitoring"
    OTHER = "other", "Other"


class AlertKind(models.TextChoices):
    MEDICAL_CERTIFICATE = "medical_certificate", "Medical certificate on file"
    LIFE_SUPPORT = "life_support", "Life-support equipment"
    CASH_ONLY = "cash_only", "Cash only"
    BANKRUPTCY = "bankruptcy", "Bankruptcy"
    SAFETY = "safety", "Safety hazard at premise"
    FRAUD = "fraud", "Fraud watch"
    LANGUAGE = "language", "Language / accessibility"
    OTHER = "other", "Other"


class AlertSeverity(models.TextChoices):
    INFO = "info", "Information"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"
