"""Authentication events from django.contrib.auth, written to the audit trail.

These are the only signal receivers in the project: Django announces logins only through
signals. They call services; no rule lives here.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import services
from .middleware import note_activity


def _addr(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    services.user_logged_in(user=user, remote_addr=_addr(request))
    if request is not None and hasattr(request, "session"):
        note_activity(request)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    services.user_logged_out(
        user=user, remote_addr=_addr(request), reason=getattr(request, "logout_reason", "")
    )


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    services.user_login_failed(username=credentials.get("username", ""), remote_addr=_addr(request))
