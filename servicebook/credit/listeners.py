"""What credit does when payments post or reverse a payment (payments.hooks): pay an
arrangement's installments, check a restoration is paid, record a returned payment on the
credit score. Runs inside the payment's transaction."""

from __future__ import annotations

from servicebook.payments.choices import FEE_REASONS

from .models import CreditEventKind


def on_payment(*, action: str, payment, account, actor) -> None:
    from .services.arrangements import arrangement_payment_apply, arrangement_payment_reverse
    from .services.rating import credit_event_record
    from .services.restoration import restoration_check_paid

    if action == "posted":
        arrangement_payment_apply(payment=payment, actor=actor)
        restoration_check_paid(account=account, on=payment.received_on, actor=actor)
    elif action == "reversed":
        arrangement_payment_reverse(payment=payment, actor=actor)
        # Only a return that is the customer's doing (NSF, closed account, stopped...)
        # counts against them; a payment posted in error does not.
        if payment.return_reason in FEE_REASONS:
            credit_event_record(
                account=account,
                kind=CreditEventKind.RETURNED_PAYMENT,
                on=payment.returned_at.date(),
                actor=actor,
                source=f"payment:{payment.pk}",
            )
