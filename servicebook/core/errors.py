"""Errors that services raise, and how the UI and the API report them.

A service never returns an error code: it raises one of these. Views turn them into form
errors or messages; the API's exception handler turns them into 400/403/404/409 bodies.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A request the service refuses; nothing was changed."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_dict(self) -> dict:
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message, "code": self.code}


class ValidationFailed(ServiceError):
    """Input that breaks a rule; `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]] | str, *, field: str | None = None):
        if isinstance(errors, str):
            errors = {field or "detail": [errors]}
        self.errors = errors
        first = next(iter(errors.values()))[0]
        super().__init__(first, field=next(iter(errors)))

    def as_dict(self) -> dict:
        return dict(self.errors)


class InvalidTransition(ServiceError):
    """The object's current state does not allow this action (HTTP 409)."""

    status_code = 409
    code = "invalid_transition"


class Conflict(ServiceError):
    """Someone else changed the object first, or a uniqueness rule was hit (HTTP 409)."""

    status_code = 409
    code = "conflict"
