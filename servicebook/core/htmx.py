"""The one place that decides whether a request wants an htmx fragment."""

from __future__ import annotations

from django.http import HttpRequest


def htmx_partial(request: HttpRequest) -> bool:
    """True when htmx asked for a fragment (not a boosted full-page navigation)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted
