"""Every write of the payments app (STYLE rule 1): payments, refunds, adjustments,
transfers, deposits, disputes. Bank files are in payments.bankfiles."""

from .adjustments import adjustment_approve, adjustment_post, adjustment_reject
from .deposits import (
    deposit_apply,
    deposit_bill,
    deposit_cancel,
    deposit_collect,
    deposit_interest,
    deposit_refund,
)
from .disputes import dispute_open, dispute_resolve
from .payments import (
    bank_account_add,
    card_tokenize,
    credits_apply,
    payment_post,
    payment_reallocate,
    payment_reverse,
    returned_payment_fee,
)
from .refunds import refund_approve, refund_reject, refund_request
from .transfers import transfer_post

__all__ = [
    "adjustment_approve",
    "adjustment_post",
    "adjustment_reject",
    "bank_account_add",
    "card_tokenize",
    "credits_apply",
    "deposit_apply",
    "deposit_bill",
    "deposit_cancel",
    "deposit_collect",
    "deposit_interest",
    "deposit_refund",
    "dispute_open",
    "dispute_resolve",
    "payment_post",
    "payment_reallocate",
    "payment_reverse",
    "refund_approve",
    "refund_reject",
    "refund_request",
    "returned_payment_fee",
    "transfer_post",
]
