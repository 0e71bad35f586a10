"""Partner authentication for the inbound API: `Authorization: Partner <token>`.

A partner is not a user: the request carries no session and no user token, and only the
inbound endpoint accepts it. For an HTTP stack whose Authorization header is taken (a
gateway adding its own), the same token may come in `Servicebook-Partner-Token`."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from ..inbound import partner_token_check
from ..models import InboundToken

KEYWORD = "Partner"


class PartnerTokenAuthentication(BaseAuthentication):
    """Authenticates the partner's token; request.auth is the InboundToken."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        raw = ""
        if header.startswith(KEYWORD + " "):
            raw = header[len(KEYWORD) + 1 :].strip()
        if not raw:
            raw = request.META.get("HTTP_SERVICEBOOK_PARTNER_TOKEN", "").strip()
        if not raw:
            return None
        token = partner_token_check(raw)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked partner token.")
        return (AnonymousUser(), token)

    def authenticate_header(self, request) -> str:
        return f'{KEYWORD} realm="api"'


class HasPartnerToken(BasePermission):
    message = "Send your partner token: Authorization: Partner <token>."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, InboundToken)


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    target_class = PartnerTokenAuthentication
    name = "partnerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Partner <token>`: the partner's inbound token (issued on the "
            "partner's page, shown once).",
        }
