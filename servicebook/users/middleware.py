"""Idle session timeout: a console left alone logs itself out."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

_KEY = "servicebook_last_seen"
# How stale the last-seen time may get before a request writes it again: a thirtieth of
# the timeout, at most a minute (a minute late on a half-hour timeout).
_GRANULARITY_SECONDS = 60


def note_activity(request) -> None:
    """Start the idle clock of a session now (at login: the login is activity, so the
    first request after it need not write the session again)."""
    request.session[_KEY] = time.time()


class SessionIdleTimeoutMiddleware:
    """Log out a session idle for longer than SESSION_IDLE_TIMEOUT_SECONDS. API token
    requests carry no session and are not affected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last = request.session.get(_KEY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT_SECONDS:
                # The logout signal writes the audit row; it reads the reason from here.
                request.logout_reason = "idle timeout"
                logout(request)
                messages.info(request, "You were logged out after a period of inactivity.")
            elif last is None or now - last >= min(
                _GRANULARITY_SECONDS, settings.SESSION_IDLE_TIMEOUT_SECONDS / 30
            ):
                # Not on every request: each write is a session UPDATE in its own
                # transaction, a few milliseconds of every API call (the payment posting
                # benchmark), for a timestamp only read against a half-hour timeout.
                note_activity(request)
        return self.get_response(request)
