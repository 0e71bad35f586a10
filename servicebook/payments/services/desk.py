"""Taking a payment at the desk (the account page's "Take a payment"): the card or bank
account typed by the representative becomes a gateway token and the payment posts, in one
transaction, under the key minted when the form was shown."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from servicebook.customers.models import Account

from ..choices import PaymentMethod
from ..idempotency import IdempotencyConflict, clean_key
from ..models import Payment
from .payments import bank_account_add, card_tokenize, payment_post


@sensitive_variables("card_number", "card_cvc", "bank_account_number")
def payment_take(
    *,
    account: Account,
    amount: Decimal,
    method: str,
    channel: str,
    idempotency_key: str,
    actor,
    card_number: str = "",
    card_expiry: tuple[int, int] | None = None,
    card_cvc: str = "",
    holder_name: str = "",
    routing_number: str = "",
    bank_account_number: str = "",
    account_type: str = "checking",
    check_number: str = "",
    memo: str = "",
    allocations: list[tuple[int, Decimal]] | None = None,
) -> Payment:
    """Tokenize the card (or bank account) and post the payment, all or nothing.

    A second submission of the same form (same key) returns the first payment with
    `replayed` True and moves no money: before anything else when the first has committed,
    or — when the two raced — after the twin's unique key stopped this one, whose card
    token (a different row, so a different fingerprint) rolls back with it. The card
    number and security code go to the gateway and nowhere else (card_tokenize)."""
    key = clean_key(idempotency_key)
    try:
        with transaction.atomic():
            existing = Payment.objects.filter(idempotency_key=key, account=account).first()
            if existing is not None:
                existing.replayed = True
                return existing
            card = bank = None
            if method == PaymentMethod.CARD:
                month, year = card_expiry or (0, 0)
                card = card_tokenize(
                    account=account,
                    number=card_number,
                    exp_month=month,
                    exp_year=year,
                    cvc=card_cvc,
                    holder_name=holder_name,
                    actor=actor,
                )
            elif method == PaymentMethod.ACH:
                bank = bank_account_add(
                    account=account,
                    routing_number=routing_number,
                    account_number=bank_account_number,
                    account_type=account_type or "checking",
                    holder_name=holder_name,
                    actor=actor,
                )
            return payment_post(
                account=account,
                amount=amount,
                method=method,
                channel=channel,
                idempotency_key=key,
                actor=actor,
                allocations=allocations or None,
                card=card,
                bank_account=bank,
                check_number=check_number if method == PaymentMethod.CHECK else "",
                memo=memo,
            )
    except IdempotencyConflict:
        existing = Payment.objects.filter(idempotency_key=key, account=account).first()
        if existing is None:
            raise
        existing.replayed = True
        return existing
