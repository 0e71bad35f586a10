"""Housekeeping tasks of the core app."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django_tasks import task


@task(queue_name="periodic")
def prune_task_results() -> None:
    """Daily: drop finished task results older than TASK_RESULT_RETENTION_DAYS (failed ones
    are kept three times as long, for whoever investigates them)."""
    days = settings.TASK_RESULT_RETENTION_DAYS
    call_command(
        "prune_db_task_results",
        min_age_days=days,
        failed_min_age_days=days * 3,
        verbosity=0,
    )
