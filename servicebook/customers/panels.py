"""Extension points of the account page.

The account page belongs to this app, but apps that depend on it (cases now; work orders,
ledger, billing, payments, collections later) have things to show there. They register a
panel (a template and a function that returns its context) and timeline sources (items for
the interaction timeline) in their AppConfig.ready(). This keeps the dependency arrow
pointing one way (customers <- cases <- ...) while the representative still sees the whole
account on one screen.

Each provider must load what it shows in a fixed number of queries: the account page's
query count is pinned by a test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AccountPanel:
    """A box on the account page."""

    key: str
    template: str
    context: Callable[..., dict[str, Any]]  # (request=, account=) -> template context
    column: str = "main"  # "main" (wide, right) or "side" (left)
    order: int = 100


@dataclass
class TimelineItem:
    """One line of the account's interaction timeline, whatever app it comes from."""

    at: dt.datetime
    kind: str  # css class and filter key: "note", "case", ...
    title: str
    body: str = ""
    author: str = ""
    url: str = ""
    tags: list[str] = field(default_factory=list)


_panels: dict[str, AccountPanel] = {}
_timeline_sources: dict[str, Callable[..., list[TimelineItem]]] = {}


def register_panel(panel: AccountPanel) -> None:
    _panels[panel.key] = panel


def register_timeline_source(key: str, source: Callable[..., list[TimelineItem]]) -> None:
    """`source(request=, account=, limit=)` returns at most `limit` items, newest first."""
    _timeline_sources[key] = source


def panels(column: str) -> list[AccountPanel]:
    return sorted(
        (p for p in _panels.values() if p.column == column), key=lambda p: (p.order, p.key)
    )


def timeline_sources() -> dict[str, Callable[..., list[TimelineItem]]]:
    return dict(_timeline_sources)
