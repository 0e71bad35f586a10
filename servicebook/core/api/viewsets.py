"""The base of the API's viewsets: parse with an input serializer, call a service, render
with an output serializer (STYLE rule 7).

A viewset names the capability of each action in `capabilities` (core.api.permissions);
querysets start from the app's selectors, so a row the user may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response


class ServiceViewSet(viewsets.GenericViewSet):
    """A viewset whose writes go through services. Routers register it with integer ids
    (`<int:pk>`), so a malformed id is a 404 from the URL resolver, never a 500."""

    lookup_value_converter = "int"
    capabilities: dict[str, str] = {}

    def get_object(self):
        # The filter backends serve the list; a detail route ignores its query string.
        obj = get_object_or_404(self.get_queryset(), pk=self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, obj)
        return obj

    def parse(
        self,
        serializer_class: type[serializers.Serializer],
        *,
        data: Any = None,
        instance: Any = None,
        **context: Any,
    ) -> dict[str, Any]:
        """The request body validated by an input serializer; a 400 naming each bad field.

        A body field the serializer does not know is refused rather than ignored: a client
        that PATCHes `status` onto an account must learn that nothing changed it.
        """
        body = data is None
        data = self.request.data if body else data
        serializer = serializer_class(
            instance, data=data, context={**self.get_serializer_context(), **context}
        )
        valid = serializer.is_valid()
        errors = dict(serializer.errors) if not valid else {}
        if body and hasattr(data, "keys"):
            for name in sorted(set(data.keys()) - set(serializer.fields)):
                errors.setdefault(name, ["Unknown field."])
        if errors:
            raise serializers.ValidationError(errors)
        return dict(serializer.validated_data)

    def render(
        self,
        obj: Any,
        serializer_class: type[serializers.Serializer] | None = None,
        *,
        many: bool = False,
        status_code: int = status.HTTP_200_OK,
    ) -> Response:
        """The object (or list, with many=True) through an output serializer."""
        serializer_class = serializer_class or self.get_serializer_class()
        data = serializer_class(obj, many=many, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def is_schema_generation(self) -> bool:
        """True while drf-spectacular inspects the view (no real request, no URL kwargs)."""
        return getattr(self, "swagger_fake_view", False)
