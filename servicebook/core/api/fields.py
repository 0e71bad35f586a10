"""Serializer fields every app's API shares."""

from __future__ import annotations

from rest_framework import serializers


class CodeRelatedField(serializers.SlugRelatedField):
    """A related record named by its code (a skill, a completion code, a reason code).

    A value with a NUL character is refused as invalid before the lookup: PostgreSQL cannot
    compare text containing one and would raise a DataError (a 500) instead of a 400."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)
