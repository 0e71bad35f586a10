"""The built-in test gateway: behaves like a card processor in test mode, with documented
test numbers (docs/payments.md) and no network. It keeps no card data: the token names the
test behaviour the number selected and a random part, never any digit of the number.

| card number            | brand      | result                                   |
|------------------------|------------|------------------------------------------|
| 4242 4242 4242 4242    | Visa       | approved                                 |
| 5555 5555 5555 4444    | Mastercard | approved                                 |
| 3782 822463 10005      | Amex       | approved (4-digit security code)         |
| 6011 1111 1111 1117    | Discover   | approved                                 |
| 4000 0000 0000 0002    | Visa       | declined: card declined                  |
| 4000 0000 0000 9995    | Visa       | declined: insufficient funds             |
| 4000 0000 0000 0069    | Visa       | declined: expired card                   |
| 4000 0000 0000 0127    | Visa       | declined: incorrect security code        |
| 4000 0000 0000 0119    | Visa       | gateway error (try again later)          |
| 4000 0000 0000 5126    | Visa       | payment approved, refunds declined       |

Any other valid number of an accepted brand is approved. Bank accounts: any account
number is accepted, except one ending in 0002, whose debits are declined.
"""

from __future__ import annotations

import hashlib
import secrets
from decimal import Decimal

from django.views.decorators.debug import sensitive_variables

from ..cards import card_brand, digits_of
from . import (
    Authorization,
    BankTokenResult,
    CardTokenResult,
    Gateway,
    GatewayDeclined,
    GatewayResult,
    GatewayUnavailable,
)

# Test numbers -> behaviour. Compared in memory, never stored.
BEHAVIOUR = {
    "4000000000000002": "declined",
    "4000000000009995": "funds",
    "4000000000000069": "expired",
    "4000000000000127": "cvc",
    "4000000000000119": "error",
    "4000000000005126": "norefund",
}
DECLINES = {
    "declined": "The card was declined.",
    "funds": "The card was declined: insufficient funds.",
    "expired": "The card was declined: it has expired.",
    "cvc": "The card was declined: the security code is incorrect.",
}


def _ref(prefix: str, key: str) -> str:
    """A deterministic id for an idempotency key: the same request gets the same answer."""
    return f"{prefix}_{hashlib.sha256(key.encode()).hexdigest()[:24]}"


def _behaviour(token: str) -> str:
    parts = token.split("_")
    return parts[1] if len(parts) >= 3 else "unknown"


class TestGateway(Gateway):
    """No network, no stored card data, deterministic answers (see the table above)."""

    __test__ = False  # not a pytest test class
    name = "test"

    @sensitive_variables("number", "digits", "cvc")
    def tokenize_card(
        self, *, number: str, exp_month: int, exp_year: int, cvc: str, holder_name: str = ""
    ) -> CardTokenResult:
        digits = digits_of(number)
        brand = card_brand(digits)
        if brand is None:
            raise GatewayDeclined("The card was declined: unknown card brand.")
        behaviour = BEHAVIOUR.get(digits, "ok")
        return CardTokenResult(
            token=f"tgc_{behaviour}_{secrets.token_hex(12)}",
            brand=brand,
            last4=digits[-4:],
            exp_month=exp_month,
            exp_year=exp_year if exp_year >= 100 else 2000 + exp_year,
        )

    @sensitive_variables("account_number")
    def tokenize_bank_account(
        self, *, routing_number: str, account_number: str, account_type: str
    ) -> BankTokenResult:
        behaviour = "declined" if account_number.endswith("0002") else "ok"
        return BankTokenResult(
            token=f"tgb_{behaviour}_{secrets.token_hex(12)}", last4=account_number[-4:]
        )

    def authorize(self, *, token: str, amount: Decimal, idempotency_key: str) -> Authorization:
        behaviour = _behaviour(token)
        if behaviour == "error":
            raise GatewayUnavailable("The card gateway did not answer; try again in a minute.")
        if behaviour in DECLINES:
            raise GatewayDeclined(DECLINES[behaviour])
        if behaviour == "unknown":
            raise GatewayDeclined("The card was declined: unknown token.")
        auth = _ref("tga", f"{idempotency_key}:{amount}")
        return Authorization(id=auth, code=auth[-6:].upper())

    def capture(self, *, authorization_id: str, amount: Decimal) -> GatewayResult:
        return GatewayResult(id=authorization_id.replace("tga_", "tgch_", 1))

    def void(self, *, authorization_id: str) -> GatewayResult:
        return GatewayResult(id=authorization_id.replace("tga_", "tgv_", 1))

    def refund(
        self, *, charge_id: str, token: str, amount: Decimal, idempotency_key: str
    ) -> GatewayResult:
        if _behaviour(token) == "norefund":
            raise GatewayDeclined("The card issuer declined the refund.")
        return GatewayResult(id=_ref("tgr", f"{idempotency_key}:{charge_id}:{amount}"))

    def debit_bank(self, *, token: str, amount: Decimal, idempotency_key: str) -> GatewayResult:
        if _behaviour(token) == "declined":
            raise GatewayDeclined("The bank declined the debit.")
        return GatewayResult(id=_ref("tgd", f"{idempotency_key}:{amount}"))

    def credit_bank(self, *, token: str, amount: Decimal, idempotency_key: str) -> GatewayResult:
        return GatewayResult(id=_ref("tgk", f"{idempotency_key}:{amount}"))
