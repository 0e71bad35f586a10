"""Background tasks of the integrations app: thin, they call the sender."""

from __future__ import annotations

import logging

from django_tasks import task

from .delivery import deliver_until_idle

logger = logging.getLogger(__name__)


@task()
def deliver_webhooks() -> dict[str, int]:
    """Enqueued after a commit that published events: send what is due now."""
    return deliver_until_idle()


@task(queue_name="periodic")
def webhooks_sweep() -> dict[str, int]:
    """Every WEBHOOK_SWEEP_SECONDS: send retries that came due and claims whose lease ran
    out (a worker that died mid-send), and anything a lost enqueue left behind."""
    counts = deliver_until_idle()
    if counts.get("claimed"):
        logger.info("webhook sweep: %s", counts)
    return counts
