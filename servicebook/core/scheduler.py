"""Periodic work for the database-backed worker.

Every worker runs `scheduler_tick` every few seconds. For each periodic task in
settings.PERIODIC_TASKS it computes the current slot (now rounded down to the interval) and
inserts a PeriodicRun row for it; the unique key lets exactly one worker win the insert, and
only the winner enqueues the task. So ten workers still run the SLA check once a minute.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import PeriodicRun

logger = logging.getLogger(__name__)
KEEP_RUNS = dt.timedelta(days=7)


def scheduler_tick(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every periodic task whose current slot has not been taken yet.

    Returns the task paths this call enqueued.
    """
    now = now or timezone.now()
    epoch = int(now.timestamp())
    enqueued = []
    for path, interval in settings.PERIODIC_TASKS:
        slot = epoch - epoch % max(int(interval), 1)
        try:
            with transaction.atomic():
                run = PeriodicRun.objects.create(task_path=path, slot=slot)
                result = import_string(path).enqueue()
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            continue  # another worker took this slot
        enqueued.append(path)
    PeriodicRun.objects.filter(enqueued_at__lt=now - KEEP_RUNS).delete()
    return enqueued


class SchedulerThread(threading.Thread):
    """Runs scheduler_tick every `period` seconds beside the worker loop."""

    def __init__(self, period: float = 5.0):
        super().__init__(name="servicebook-scheduler", daemon=True)
        self.period = period
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                scheduler_tick()
            except Exception:  # keep scheduling after a passing database error
                logger.exception("scheduler tick failed")
            finally:
                close_old_connections()
            self.stopped.wait(self.period)

    def stop(self) -> None:
        self.stopped.set()
