"""Background tasks of the work-orders app: thin, they call services."""

from __future__ import annotations

import logging

from django_tasks import task

from .maintenance import pm_generate as pm_generate_run

logger = logging.getLogger(__name__)


@task(queue_name="periodic")
def pm_generate() -> dict[str, int]:
    """Every PM_GENERATE_INTERVAL_SECONDS: generate maintenance visits up to the horizon,
    mark missed visits and carry their work forward."""
    counts = pm_generate_run()
    if any(counts.values()):
        logger.info("maintenance generation: %s", counts)
    return counts
