"""Two coordinators booking the same technician's time at the same moment: exactly one
wins, on both databases. Real threads, each with its own database connection.

PostgreSQL: the technician's row lock (select_for_update) makes the others wait, then see
the first booking. SQLite: the test database is in memory with a shared cache, where a
second writer fails at once with "table is locked" instead of waiting; the embedded set-up
runs on a file in WAL mode, where IMMEDIATE transactions wait their turn (busy timeout). So
on SQLite the race runs on a file copy of the test database, as in production.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from django.db import connection, connections

from servicebook.core.errors import Conflict
from servicebook.core.testing.factories import (
    make_located_work_order,
    make_technician,
    make_user,
)
from servicebook.scheduling import services
from servicebook.scheduling.models import Appointment

from .conftest import NOW, local

THREADS = 6


def _file_copy(tmp_path) -> str | None:
    """On SQLite, a file copy of the (in-memory) test database for the threads to use."""
    if connection.vendor != "sqlite":
        return None
    path = str(tmp_path / "race.sqlite3")
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return path


def _race(calls, sqlite_file=None):
    """Run the calls at once (a barrier releases them together); return results/errors."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            if sqlite_file:
                # This thread's own connection, to the file (set before it first connects).
                own = connections["default"]
                own.settings_dict = {**own.settings_dict, "NAME": sqlite_file}
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # the race's loser: recorded, asserted on below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_slot_exactly_one_wins(tmp_path):
    admin = make_user("admin")
    dispatchers = [make_user("dispatcher") for _ in range(THREADS)]
    tech = make_technician(actor=admin)
    jobs = [make_located_work_order(actor=admin) for _ in range(THREADS)]

    def booking(i):
        return lambda: services.appointment_book(
            work_order=jobs[i],
            technician=tech,
            # Every request overlaps every other: 09:00, 09:10, 09:20... for an hour each.
            starts_at=local(2026, 2, 9, 9, 10 * i % 60),
            actor=dispatchers[i],
            now=NOW,
        )

    sqlite_file = _file_copy(tmp_path)
    results = _race([booking(i) for i in range(THREADS)], sqlite_file)
    won = [r for r in results if isinstance(r, Appointment)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1, results
    assert len(lost) == THREADS - 1, results
    assert all(r.code == "double_booking" for r in lost)
    winner = won[0]
    ids = ",".join(str(j.pk) for j in jobs)
    if sqlite_file:
        db = sqlite3.connect(sqlite_file)
        booked = db.execute(
            "SELECT COUNT(*) FROM scheduling_appointment WHERE technician_id = ?", (tech.pk,)
        ).fetchone()[0]
        statuses = dict(
            db.execute(f"SELECT id, status FROM workorders_workorder WHERE id IN ({ids})")
        )
        db.close()
    else:
        from servicebook.workorders.models import WorkOrder

        booked = Appointment.objects.filter(technician=tech).count()
        statuses = dict(
            WorkOrder.objects.filter(pk__in=[j.pk for j in jobs]).values_list("pk", "status")
        )
    assert booked == 1
    assert statuses.pop(winner.work_order_id) == "scheduled"
    assert set(statuses.values()) == {"new"}
