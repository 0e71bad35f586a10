"""Background tasks of the billing app: thin, they call documents.delivery_send."""

from __future__ import annotations

import logging

from django_tasks import task

from .choices import DeliveryStatus

logger = logging.getLogger(__name__)


@task()
def send_delivery(delivery_id: int) -> str:
    """Send an emailed invoice or statement; on a failure below the attempt limit, queue
    itself again later (django-tasks has no retry of its own): BILLING_EMAIL_RETRY_SECONDS,
    doubled after each failure, up to BILLING_EMAIL_MAX_ATTEMPTS attempts."""
    from .documents import delivery_send, retry_at
    from .models import InvoiceDelivery

    status = delivery_send(delivery_id)
    if status == DeliveryStatus.RETRYING:
        attempts = InvoiceDelivery.objects.values_list("attempts", flat=True).get(pk=delivery_id)
        logger.warning("Email delivery %s failed (attempt %s); retrying", delivery_id, attempts)
        send_delivery.using(run_after=retry_at(attempts)).enqueue(delivery_id)
    elif status == DeliveryStatus.FAILED:
        logger.error("Email delivery %s failed for good", delivery_id)
    return status


@task()
def bill_run_task(run_id: int, user_id: int | None = None) -> dict:
    """Bill a run started from the pages or the API (the command runs in the foreground)."""
    from servicebook.users.models import User

    from .billrun import bill_run_execute
    from .models import BillRun

    run = BillRun.objects.select_related("cycle").get(pk=run_id)
    actor = User.objects.filter(pk=user_id).first() if user_id else None
    report = bill_run_execute(run, actor=actor, log=logger.info)
    return {"accounts": report.accounts, "invoices": report.invoices, "amount": str(report.amount)}
