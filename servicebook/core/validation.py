"""Model validation that raises the service error the views and the API understand."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from .errors import ValidationFailed


def clean_or_fail(obj: models.Model, *, exclude: list[str] | None = None) -> None:
    """Run the model's own validation (lengths, choices, formats) and raise ValidationFailed
    with one message list per field when anything is wrong."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed(exc.message_dict) from exc
