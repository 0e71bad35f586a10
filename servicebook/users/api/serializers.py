"""Output and input serializers of the users API."""

from __future__ import annotations

from rest_framework import serializers

from servicebook.core.api.schema import EnumField

from ..models import User
from ..roles import Role, capabilities_for


class UserRefSerializer(serializers.ModelSerializer):
    """A user as other objects point to them (assignee, author)."""

    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    """The user behind the request, with their role and what it allows."""

    display_name = serializers.CharField(read_only=True)
    role = EnumField(Role, read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    capabilities = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "display_name",
            "email",
            "role",
            "role_label",
            "is_superuser",
            "capabilities",
        ]
        read_only_fields = fields

    def get_capabilities(self, user: User) -> list[str]:
        # A superuser holds every capability (User.has_capability); the administrator
        # role is defined as exactly that set.
        role = Role.ADMIN if user.is_superuser else user.role
        return sorted(capabilities_for(role)) if user.is_active else []


class TokenObtainInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
