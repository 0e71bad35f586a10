"""Authentication that honours the lockout."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from servicebook.core.audit import audit_record

from .services import user_is_locked


class LockoutModelBackend(ModelBackend):
    """The model backend, refusing a locked user even with the right password."""

    def user_can_authenticate(self, user) -> bool:
        if user_is_locked(user):
            audit_record(actor=None, action="login_refused_locked", obj=user)
            return False
        return super().user_can_authenticate(user)
