"""Form helpers: service errors onto form fields, and the house widgets."""

from __future__ import annotations

from django import forms

from .errors import ServiceError, ValidationFailed


def apply_service_error(
    form: forms.BaseForm, exc: ServiceError, *, name_fields: bool = False
) -> None:
    """Show a service's refusal on the form: field messages on their fields, the rest on top.
    With `name_fields`, a message about a field the form does not have (a service's own
    `amount`, say) goes on top prefixed with that field's name, so the user knows what it
    is about."""
    errors = (
        exc.errors if isinstance(exc, ValidationFailed) else {exc.field or "__all__": [exc.message]}
    )
    for field, messages in errors.items():
        target = field if field in form.fields else None
        named = name_fields and target is None and field != "__all__"
        for message in messages:
            if named:
                message = f"{field.replace('_', ' ').capitalize()}: {message}"
            form.add_error(target, message)


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


class PagedForm(forms.Form):
    """A form that shares its page with others: its ids carry its own prefix (id_escalate_reason)
    so labels and errors stay unique, while the posted field names stay plain."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)
