"""Background tasks of the quotes app: thin, they call a service."""

from __future__ import annotations

from django_tasks import task

from .expiry import quotes_expire


@task(queue_name="periodic")
def quotes_expire_daily() -> int:
    """Once a day: sent quotes past valid-until become expired (idempotent)."""
    return quotes_expire()
