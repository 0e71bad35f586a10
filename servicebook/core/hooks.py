"""Named callbacks that a lower app runs and higher apps register: the one shape behind
`workorders.hooks` and `payments.hooks`.

A registry keeps its callbacks by key, so re-registering in a second `ready()` (tests that
reload apps) replaces rather than doubles; `run` calls them in registration order with the
keyword arguments the owning service passes. Explicit calls from services, never Django
signals, so bulk paths that skip the services skip the hooks too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Hook = Callable[..., None]


class Registry:
    """An ordered set of callbacks, keyed by name (default: the function's dotted path)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._hooks: dict[str, Hook] = {}

    def register(self, fn: Hook, *, key: str | None = None) -> None:
        """Add `fn` (once per key: registering the same key again replaces it)."""
        self._hooks[key or f"{fn.__module__}.{fn.__qualname__}"] = fn

    def unregister(self, key: str) -> None:
        """Remove the callback of `key`, if any (tests)."""
        self._hooks.pop(key, None)

    def run(self, **kwargs: Any) -> None:
        """Call every callback with `kwargs`; an exception stops the run and reaches the
        caller unchanged (a guard's refusal, a listener's failure rolls back the caller)."""
        for hook in list(self._hooks.values()):
            hook(**kwargs)
