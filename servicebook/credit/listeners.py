"""What credit does when payments post or reverse a payment (payments.hooks): pay an
arrangement's installments, check a restoration is paid, record a returned payment on the
credit score; and when a work order moves (workorders.hooks): a completed reconnect
restores the account, a cancelled or incomplete one is shown on the restoration. Both run
inside the caller's transaction."""

from __future__ import annotations

from servicebook.payments.choices import FEE_REASONS

from .models import CreditEventKind


def on_payment(*, action: str, payment, account, actor) -> None:
    from .services.arrangements import arrangement_payment_apply, arrangement_payment_reverse
    from .services.deposits import deposit_installments_pay
    from .services.rating import credit_event_record
    from .services.restoration import restoration_check_paid

    if action == "posted":
        arrangement_payment_apply(payment=payment, actor=actor)
        deposit_installments_pay(payment=payment, actor=actor)
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


def on_work_order(*, action: str, work_order, from_status: str, to_status: str, actor, **details):
    # Only reconnects are restorations' (cheap test before any query).
    if work_order.work_type != "reconnect" or from_status == to_status:
        return
    from .services.restoration import (
        restoration_reconnect_completed,
        restoration_reconnect_stopped,
    )

    if action == "complete":
        restoration_reconnect_completed(work_order=work_order, actor=actor)
    elif action in ("cancel", "incomplete"):
        restoration_reconnect_stopped(work_order=work_order, action=action, actor=actor)
