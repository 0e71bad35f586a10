"""What the contact centre's commands share: who they act as."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError


def user_named(username: str | None, *, required: bool = False):
    """The user a command acts as (--user, else CONTACT_INTAKE_USERNAME); None means the
    system, when the command allows it."""
    from servicebook.users.models import User

    name = username or settings.CONTACT_INTAKE_USERNAME
    if not name:
        if required:
            raise CommandError(
                "Name the user to act as: --user USERNAME (or CONTACT_INTAKE_USERNAME)."
            )
        return None
    user = User.objects.filter(username=name, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user “{name}”.")
    return user
