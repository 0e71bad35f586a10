"""`servicebook worker`: the background worker with its periodic scheduler."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from servicebook.core.scheduler import SchedulerThread


class Command(DbWorkerCommand):
    help = "Run background tasks from the database queue, and schedule the periodic ones."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="default,periodic", reload=False)
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Do not enqueue periodic tasks from this worker.",
        )

    def handle(self, *args, no_scheduler: bool = False, **options):
        if not no_scheduler:
            SchedulerThread().start()
        return super().handle(*args, **options)
