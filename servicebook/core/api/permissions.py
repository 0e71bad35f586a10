"""API permission: the view names the capability each action needs."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from servicebook.core.permissions import has_capability


class HasCapability(BasePermission):
    """Allow a request when the user's role holds the capability the view maps its action to.

    Views set `capabilities = {"list": "accounts.view", "create": "accounts.edit", ...}`
    (action names for viewsets, HTTP methods for plain API views). An unmapped action is
    refused: new endpoints are closed until someone decides who may use them.
    """

    message = "Your role does not allow this."

    def _capability(self, request, view) -> str | None:
        mapping = getattr(view, "capabilities", None) or {}
        action = getattr(view, "action", None)
        if action and action in mapping:
            return mapping[action]
        return mapping.get(request.method)

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        capability = self._capability(request, view)
        return capability is not None and has_capability(request.user, capability)
