"""Extension points of the work-order lifecycle, for the apps above this one.

The scheduling app depends on work orders, not the other way round, yet it has rules about
lifecycle moves (an expired insurance certificate blocks a dispatch; a technician completes
only their own jobs) and state to keep in step (a cancelled work order frees its
appointment). It registers, in its AppConfig.ready():

- a guard: `register_guard(fn)`; `fn(*, action, work_order, actor, **details)` runs inside
  the service's transaction, after the lifecycle check and before anything changes, and
  refuses by raising a core.errors.ServiceError (ValidationFailed, InvalidTransition...).
  The refusal reaches the caller unchanged (page, API, task).
- a listener: `register_listener(fn)`; `fn(*, action, work_order, from_status, to_status,
  actor, **details)` runs inside the same transaction after the change (and its audit row),
  so what it writes commits or rolls back with the move. It must not send anything itself:
  email and tasks go on transaction.on_commit.

`action` is one of the keys of choices.TRANSITIONS (schedule, unschedule, dispatch, travel,
arrive, complete, incomplete, close, cancel). `details` carries what the service was given
(planned_start/planned_end for schedule, reason for cancel, ...). These are explicit calls
from the services, in a fixed order, not Django signals: bulk paths that skip the services
(seed-demo) skip them too, and say so.
"""

from __future__ import annotations

from typing import Any

from servicebook.core.hooks import Hook, Registry

Guard = Hook
Listener = Hook

_guards = Registry("work-order guards")
_listeners = Registry("work-order listeners")


def register_guard(fn: Guard, *, key: str | None = None) -> None:
    """Add a guard (once per key: re-registering in a second ready() replaces it)."""
    _guards.register(fn, key=key)


def register_listener(fn: Listener, *, key: str | None = None) -> None:
    """Add a listener (once per key)."""
    _listeners.register(fn, key=key)


def run_guards(*, action: str, work_order: Any, actor: Any, **details: Any) -> None:
    _guards.run(action=action, work_order=work_order, actor=actor, **details)


def run_listeners(
    *, action: str, work_order: Any, from_status: str, to_status: str, actor: Any, **details: Any
) -> None:
    _listeners.run(
        action=action,
        work_order=work_order,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        **details,
    )


def unregister(key: str) -> None:
    """Remove a guard or listener (tests)."""
    _guards.unregister(key)
    _listeners.unregister(key)
