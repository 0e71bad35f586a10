"""Background work of the receivables app: the nightly collections run (thin: the service
does everything)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from .services import collections_run, run_user


@task(queue_name="periodic")
def collections_run_nightly() -> str:
    """Run collections for today as the first active administrator."""
    actor = run_user()
    if actor is None:
        return "no administrator to run as"
    return collections_run(as_of=timezone.localdate(), actor=actor).summary()


@task(queue_name="periodic")
def collection_letters_send_periodic() -> str:
    """Email (or list to print) the collection letters the runs have rendered, batch after
    batch until none is due. Several workers may run it at once (letters.py)."""
    from django.conf import settings

    from .letters import collection_letters_send_all

    return collection_letters_send_all(batch=settings.COLLECTION_LETTERS_BATCH).summary()
