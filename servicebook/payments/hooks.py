"""Extension point of payment posting, for the apps above this one.

The credit app depends on payments, not the other way round, yet it must learn of money
coming in and going back (an arrangement's installments are paid by posted payments; a
disconnected account is restored once the restoration amount is paid; a returned payment
moves the credit score). It registers, in its AppConfig.ready():

- a listener: `register_listener(fn, key=...)`; `fn(*, action, payment, account, actor)`
  runs inside the posting transaction after the payment's entry and allocation (and its
  audit row), so what it writes commits or rolls back with the payment. `action` is
  "posted" (payment_post, a new payment; replays of an idempotency key do not call it
  again) or "reversed" (payment_reverse). It must not send anything itself: email and
  tasks go on transaction.on_commit.

These are explicit calls from the services, not Django signals: bulk paths that skip the
services (seed-demo) skip them too.
"""

from __future__ import annotations

from typing import Any

from servicebook.core.hooks import Hook, Registry

Listener = Hook

_listeners = Registry("payment listeners")


def register_listener(fn: Listener, *, key: str | None = None) -> None:
    """Add a listener (once per key: re-registering in a second ready() replaces it)."""
    _listeners.register(fn, key=key)


def run_listeners(*, action: str, payment: Any, account: Any, actor: Any) -> None:
    _listeners.run(action=action, payment=payment, account=account, actor=actor)


def unregister(key: str) -> None:
    """Remove a listener (tests)."""
    _listeners.unregister(key)
