"""The card and bank gateway interface, and the gateway this installation uses.

A gateway tokenizes what it must never leave with us (card numbers, security codes, bank
account numbers) and moves money against the token: authorize / capture / refund / void
for cards, debit / credit for bank accounts. `settings.PAYMENTS_GATEWAY` names the class
(the built-in test gateway by default; a production installation names its processor's
adapter, which implements `Gateway`).

Rules every adapter keeps, because the services rely on them:

* a declined request raises `GatewayDeclined` (HTTP 402) with a message safe to show and
  to log: never the card number, the security code or the bank account number;
* an unreachable or failing gateway raises `GatewayUnavailable` (HTTP 503), and nothing was
  charged or the charge is voided by the adapter;
* `authorize` with the same idempotency key twice returns the first authorization (real
  processors take an idempotency key per request), so a retry after a crash between the
  charge and our commit never charges twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from servicebook.core.errors import ServiceError


class GatewayDeclined(ServiceError):
    """The gateway said no (declined card, expired card, wrong security code)."""

    status_code = 402
    code = "declined"


class GatewayUnavailable(ServiceError):
    """The gateway could not be reached or failed; try again later."""

    status_code = 503
    code = "gateway_unavailable"


@dataclass(frozen=True)
class CardTokenResult:
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class BankTokenResult:
    token: str
    last4: str


@dataclass(frozen=True)
class Authorization:
    id: str
    code: str  # the issuer's approval code, read back to the customer


@dataclass(frozen=True)
class GatewayResult:
    id: str


class Gateway:
    """What the payments services need from a card and bank processor."""

    name = "abstract"

    def tokenize_card(
        self, *, number: str, exp_month: int, exp_year: int, cvc: str, holder_name: str = ""
    ) -> CardTokenResult:
        raise NotImplementedError

    def tokenize_bank_account(
        self, *, routing_number: str, account_number: str, account_type: str
    ) -> BankTokenResult:
        raise NotImplementedError

    def authorize(self, *, token: str, amount: Decimal, idempotency_key: str) -> Authorization:
        raise NotImplementedError

    def capture(self, *, authorization_id: str, amount: Decimal) -> GatewayResult:
        raise NotImplementedError

    def void(self, *, authorization_id: str) -> GatewayResult:
        raise NotImplementedError

    def refund(
        self, *, charge_id: str, token: str, amount: Decimal, idempotency_key: str
    ) -> GatewayResult:
        """Give back part or all of a captured charge (the token is the card it was on)."""
        raise NotImplementedError

    def debit_bank(self, *, token: str, amount: Decimal, idempotency_key: str) -> GatewayResult:
        raise NotImplementedError

    def credit_bank(self, *, token: str, amount: Decimal, idempotency_key: str) -> GatewayResult:
        raise NotImplementedError


@cache
def _gateway_class(path: str) -> type[Gateway]:
    return import_string(path)


def get_gateway() -> Gateway:
    """The configured gateway (settings.PAYMENTS_GATEWAY)."""
    return _gateway_class(settings.PAYMENTS_GATEWAY)()


__all__ = [
    "Authorization",
    "BankTokenResult",
    "CardTokenResult",
    "Gateway",
    "GatewayDeclined",
    "GatewayResult",
    "GatewayUnavailable",
    "get_gateway",
]
