"""The users API: exchange a username and password for a token, and who am I."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from servicebook.core.api.schema import error_responses

from ..services import user_is_locked, user_logged_in
from .serializers import MeSerializer, TokenObtainInputSerializer, TokenSerializer


class TokenObtainView(ObtainAuthToken):
    """Exchange a username and password for the user's API token.

    Authentication goes through the configured backends, so the lockout applies: a
    wrong password counts as a failed login, and a locked or deactivated user gets no
    token even with the right password. Send the token as `Authorization: Token <key>`.
    """

    # Credentials are in the body; a browser session must not be needed (nor its CSRF).
    authentication_classes = ()

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenObtainInputSerializer,
        responses={200: TokenSerializer, **error_responses(400)},
        auth=[],
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        # The lockout backend already refuses a locked user; this check keeps the rule
        # here too should the backends ever change.
        if user_is_locked(user):
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with provided credentials."]}
            )
        token, _ = Token.objects.get_or_create(user=user)
        user_logged_in(user=user, remote_addr=request.META.get("REMOTE_ADDR"))
        return Response(TokenSerializer({"token": token.key}).data)


class MeView(APIView):
    """The user behind the request: role and capabilities (what the client may offer)."""

    # Every signed-in user may ask who they are; no capability is involved.
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_retrieve",
        responses={
            200: MeSerializer,
            401: OpenApiResponse(description="Not signed in."),
        },
        tags=["auth"],
    )
    def get(self, request):
        return Response(MeSerializer(request.user).data)
