"""One permission logic for pages, the API, exports and htmx fragments.

A user holds capabilities through their role (users.roles). Views declare the capability
they need; services re-check it on the object they change.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def has_capability(user, capability: str) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and user.has_capability(capability)
    )


def require_capability(user, capability: str) -> None:
    """Raise PermissionDenied unless the user holds the capability."""
    if not has_capability(user, capability):
        raise PermissionDenied(f"Your role does not allow this ({capability}).")


def capability_required(capability: str) -> Callable:
    """View decorator: logged in, and the role holds the capability; otherwise 403."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_capability(request.user, capability)
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability  # read by the permission-matrix test
        return wrapped

    return decorator
