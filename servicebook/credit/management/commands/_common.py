"""Shared parsing of the credit commands' options."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone

from servicebook.users.models import User


def as_of(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError("--as-of is a date, YYYY-MM-DD") from exc


def user(username: str | None):
    if not username:
        return None
    actor = User.objects.filter(username=username).first()
    if actor is None:
        raise CommandError(f"no user {username}")
    return actor
