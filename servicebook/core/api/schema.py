"""What the OpenAPI schema needs that DRF cannot infer: named enums and error bodies.

Enums. drf-spectacular names an enum after the field that carries it ("status", "kind").
Several choice sets share a field name here (an account's status, a case's status, an
agreement's status), and the generator then warns and invents hashed names. `EnumField`
names the enum component after its TextChoices class instead (AccountStatus ->
`AccountStatusEnum`), so every choice set has one stable name without a hand-kept
ENUM_NAME_OVERRIDES list in the settings.

Errors. The exception handler (core.api.exceptions) answers 400 with field errors and 409
with {"detail", "code"}; `error_responses(...)` documents those bodies on an operation.
"""

from __future__ import annotations

from django.db import models
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers


class EnumField(serializers.ChoiceField):
    """A choice field over a TextChoices class; the schema shows it as `<Class>Enum`."""

    def __init__(self, choices_class: type[models.TextChoices], **kwargs):
        self.choices_class = choices_class
        super().__init__(choices=choices_class.choices, **kwargs)


class EnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = EnumField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        choices_class = self.target.choices_class
        name = f"{choices_class.__name__}Enum"
        labels = "\n".join(f"* `{value}` - {label}" for value, label in choices_class.choices)
        component = ResolvedComponent(
            name=name,
            type=ResolvedComponent.SCHEMA,
            object=name,
            schema={"type": "string", "enum": list(choices_class.values), "description": labels},
        )
        auto_schema.registry.register_on_missing(component)
        if getattr(self.target, "allow_blank", False):
            # "" means "none of them" (e.g. a canned response for every case type).
            return {"oneOf": [component.ref, {"type": "string", "enum": [""]}]}
        return component.ref


# {"field": ["message", ...], ...}; a nested input reports {"location": {"postal_code": [...]}}.
ValidationErrorBody = {
    "type": "object",
    "description": "Messages per field that is wrong, keyed by the field's name (`detail` "
    "or `non_field_errors` when no single field is to blame). Nested inputs nest their errors.",
    "additionalProperties": {},
}
ConflictBody = inline_serializer(
    name="ConflictError",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(help_text="`invalid_transition` or `conflict`"),
    },
)
DetailBody = inline_serializer(name="ErrorDetail", fields={"detail": serializers.CharField()})

_ERRORS = {
    400: OpenApiResponse(ValidationErrorBody, description="Bad input; nothing was changed."),
    403: OpenApiResponse(DetailBody, description="Your role does not allow this."),
    404: OpenApiResponse(DetailBody, description="No such object, or not visible to you."),
    409: OpenApiResponse(
        ConflictBody,
        description="The object's current state does not allow this; nothing was changed.",
    ),
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented error bodies for these status codes (400, 403, 404, 409)."""
    return {code: _ERRORS[code] for code in codes}


def responses(ok: dict, *codes: int) -> dict:
    """An operation's responses: the success ones, then 403 and the listed error codes."""
    return {**ok, **error_responses(403, *codes)}


__all__ = ["EnumField", "OpenApiTypes", "error_responses", "responses"]
