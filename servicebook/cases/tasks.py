"""Background tasks of the cases app: thin, they call services."""

from __future__ import annotations

import logging

from django_tasks import task

from .services import case_sla_sweep

logger = logging.getLogger(__name__)


@task(queue_name="periodic")
def sla_check() -> dict[str, int]:
    """Every minute: flag at-risk and breached cases, escalate, auto-close."""
    counts = case_sla_sweep()
    if any(counts.values()):
        logger.info("SLA sweep: %s", counts)
    return counts
