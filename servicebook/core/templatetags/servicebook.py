"""Template filters used across the console (registered as builtins in settings)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from servicebook.core.phones import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """An E.164 number as people read it."""
    return format_phone(value) if value else ""


@register.filter
def duration(seconds) -> str:
    """Seconds as "2d 3h", "3h 20m" or "45m"; negative values read as overdue."""
    if seconds is None:
        return "—"
    total = int(abs(seconds)) // 60
    days, rest = divmod(total, 60 * 24)
    hours, minutes = divmod(rest, 60)
    if days:
        text = f"{days}d {hours}h"
    elif hours:
        text = f"{hours}h {minutes:02d}m"
    else:
        text = f"{minutes}m"
    return f"{text} overdue" if seconds < 0 else text


@register.filter
def since(value: dt.datetime) -> str:
    """How long ago, short: "5m ago", "3h ago", "2d ago"."""
    if not value:
        return ""
    delta = timezone.now() - value
    return (
        f"{duration(delta.total_seconds())} ago"
        if delta.total_seconds() >= 0
        else duration(delta.total_seconds())
    )
