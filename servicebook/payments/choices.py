"""The payments app's fixed vocabularies. What varies by business (reason codes, fees, limits,
rates) is a record or a setting, never a choice here."""

from django.db import models


class PaymentMethod(models.TextChoices):
    """How the money came. Each method lands on its own cash-clearing ledger account."""

    CARD = "card", "Card"
    ACH = "ach", "Bank debit (ACH)"
    CHECK = "check", "Check"
    CASH = "cash", "Cash"


class PaymentChannel(models.TextChoices):
    """Where the payment was taken."""

    PHONE = "phone", "Phone"
    COUNTER = "counter", "Counter"
    BANK_FILE = "bank_file", "Bank file"
    API = "api", "API"
    PORTAL = "portal", "Portal"


class PaymentPurpose(models.TextChoices):
    """What the money is for: the account's balance, or a deposit we will hold."""

    ACCOUNT = "account", "Account balance"
    DEPOSIT = "deposit", "Deposit"


class PaymentStatus(models.TextChoices):
    POSTED = "posted", "Posted"
    RETURNED = "returned", "Returned"


class ReturnReason(models.TextChoices):
    """Why a posted payment came back (ACH return codes where they exist)."""

    NSF = "nsf", "Insufficient funds (R01)"
    ACCOUNT_CLOSED = "account_closed", "Account closed (R02)"
    NO_ACCOUNT = "no_account", "No account / unable to locate (R03)"
    STOP_PAYMENT = "stop_payment", "Stop payment (R08)"
    UNAUTHORIZED = "unauthorized", "Not authorized (R10)"
    CHARGEBACK = "chargeback", "Card chargeback"
    ENTERED_IN_ERROR = "entered_in_error", "Posted in error"


# Reasons that are the customer's doing and draw the returned-payment fee; a payment we
# posted in error never does.
FEE_REASONS = frozenset(
    {
        ReturnReason.NSF,
        ReturnReason.ACCOUNT_CLOSED,
        ReturnReason.NO_ACCOUNT,
        ReturnReason.STOP_PAYMENT,
        ReturnReason.UNAUTHORIZED,
        ReturnReason.CHARGEBACK,
    }
)


class ApprovalStatus(models.TextChoices):
    """Refunds and adjustments above the requester's limit wait for someone whose limit
    covers them."""

    PENDING = "pending", "Waiting for approval"
    POSTED = "posted", "Posted"
    REJECTED = "rejected", "Rejected"


class Direction(models.TextChoices):
    """An adjustment credits (lowers what is owed) or debits (raises it)."""

    CREDIT = "credit", "Credit (lowers the balance)"
    DEBIT = "debit", "Debit (raises the balance)"


class ReasonDirection(models.TextChoices):
    CREDIT = "credit", "Credits only"
    DEBIT = "debit", "Debits only"
    BOTH = "both", "Credits and debits"


class BankAccountType(models.TextChoices):
    CHECKING = "checking", "Checking"
    SAVINGS = "savings", "Savings"


class DepositStatus(models.TextChoices):
    BILLED = "billed", "Billed"
    HELD = "held", "Held"
    APPLIED = "applied", "Applied to the bill"
    REFUNDED = "refunded", "Refunded"
    CANCELLED = "cancelled", "Cancelled"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Resolved for the customer"
    DENIED = "denied", "Resolved: charge stands"


class DisputeOutcome(models.TextChoices):
    UPHELD = "upheld", "For the customer (credit the disputed amount)"
    DENIED = "denied", "Charge stands"


class BankFileFormat(models.TextChoices):
    BAI2 = "bai2", "BAI2"
    LOCKBOX = "lockbox", "Lockbox CSV"


class BankItemStatus(models.TextChoices):
    POSTED = "posted", "Posted"
    EXCEPTION = "exception", "Waiting for a person"
    RETURNED = "returned", "Returned to the remitter"
    SKIPPED = "skipped", "Not a customer payment"
