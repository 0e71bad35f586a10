"""Background tasks of the contracts app: thin, they call a service."""

from __future__ import annotations

from django_tasks import task

from .services import contracts_renew


@task(queue_name="periodic")
def contracts_renew_daily() -> dict[str, int]:
    """Once a day: ended contracts renew (auto-renew) or expire (idempotent)."""
    return contracts_renew()
