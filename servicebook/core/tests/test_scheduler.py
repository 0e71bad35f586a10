"""The periodic-task scheduler: each task is enqueued once per slot, however many workers
(or calls) reach the slot."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tasks import task, task_backends

from servicebook.core.models import PeriodicRun
from servicebook.core.scheduler import scheduler_tick

pytestmark = pytest.mark.django_db

MINUTELY = "servicebook.cases.tasks.sla_check"
FIVE_MINUTELY = "servicebook.core.tests.test_scheduler.heartbeat"


@task(queue_name="periodic")
def heartbeat() -> str:
    """A periodic task of the test's own, to show two tasks slot independently."""
    return "ok"


@pytest.fixture(autouse=True)
def dummy_tasks(settings):
    # The dummy backend only records what was enqueued; nothing runs.
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "periodic"],
        }
    }
    settings.PERIODIC_TASKS = [(MINUTELY, 60), (FIVE_MINUTELY, 300)]
    backend = task_backends["default"]
    backend.clear()
    return backend


def enqueued(backend) -> list[str]:
    return [result.task.module_path for result in backend.results]


def at(minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 2, 9, 15, minute, second, tzinfo=dt.UTC)


def test_a_tick_enqueues_every_periodic_task_once(dummy_tasks):
    assert scheduler_tick(at(0, 5)) == [MINUTELY, FIVE_MINUTELY]
    assert sorted(enqueued(dummy_tasks)) == sorted([MINUTELY, FIVE_MINUTELY])
    run = PeriodicRun.objects.get(task_path=MINUTELY)
    assert run.slot == int(at(0).timestamp())
    assert run.task_result_id == dummy_tasks.results[0].id


def test_a_second_tick_in_the_same_slot_enqueues_nothing(dummy_tasks):
    scheduler_tick(at(0, 5))
    assert scheduler_tick(at(0, 5)) == []
    assert scheduler_tick(at(0, 59)) == []
    assert len(dummy_tasks.results) == 2
    assert PeriodicRun.objects.count() == 2


def test_the_next_slot_enqueues_again_and_each_task_keeps_its_own_interval(dummy_tasks):
    scheduler_tick(at(0, 5))
    assert scheduler_tick(at(1, 0)) == [MINUTELY]  # the five-minute slot is still taken
    assert scheduler_tick(at(1, 30)) == []
    assert scheduler_tick(at(5, 0)) == [MINUTELY, FIVE_MINUTELY]
    assert enqueued(dummy_tasks).count(MINUTELY) == 3
    assert enqueued(dummy_tasks).count(FIVE_MINUTELY) == 2


def test_slot_records_older_than_a_week_are_pruned(dummy_tasks):
    scheduler_tick(at(0))
    PeriodicRun.objects.update(enqueued_at=at(0))
    later = at(0) + dt.timedelta(days=8)
    scheduler_tick(later)
    assert set(PeriodicRun.objects.values_list("slot", flat=True)) == {int(later.timestamp())}
