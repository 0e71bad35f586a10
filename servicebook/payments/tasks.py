"""Background work of the payments app (thin: each task calls a function that owns it)."""

from __future__ import annotations

from django_tasks import task

from .idempotency import idempotency_records_prune


@task(queue_name="periodic")
def prune_idempotency_records() -> int:
    """Drop API idempotency keys past their time to live (IDEMPOTENCY_KEY_TTL_HOURS)."""
    return idempotency_records_prune()
