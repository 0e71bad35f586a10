"""Token authentication and /api/me/: a token for the right password, none for a wrong one,
a locked or deactivated user; failures count towards the lockout exactly as on the login
page; the token then authenticates every API request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from servicebook.core.audit import history_for
from servicebook.core.testing.factories import PASSWORD, make_user
from servicebook.users.models import User
from servicebook.users.roles import Cap, capabilities_for
from servicebook.users.services import user_set_active

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/auth/token/"


def obtain(username: str, password: str):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password})


def test_right_password_gets_a_token_that_authenticates_requests():
    user = make_user("dispatcher")
    response = obtain(user.username, PASSWORD)
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    assert Token.objects.get(user=user).key == key
    assert history_for(user).filter(action="login").exists()

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = client.get("/api/me/")
    assert me.status_code == 200
    assert me.json()["username"] == user.username
    # Asking again returns the same token.
    assert obtain(user.username, PASSWORD).json()["token"] == key


def test_token_endpoint_accepts_a_form_post_too():
    user = make_user("rep1")
    response = APIClient().post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="multipart"
    )
    assert response.status_code == 200


def test_wrong_password_gets_no_token_and_counts_as_a_failed_login():
    user = make_user("rep1")
    response = obtain(user.username, "wrong-password-123")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not Token.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.failed_logins == 1


def test_missing_fields_are_named():
    response = APIClient().post(TOKEN_URL, {"username": "someone"})
    assert response.status_code == 400
    assert "password" in response.json()


def test_a_locked_user_gets_no_token_even_with_the_right_password():
    user = make_user("rep1")
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=5))
    response = obtain(user.username, PASSWORD)
    assert response.status_code == 400
    assert not Token.objects.filter(user=user).exists()
    assert history_for(user).filter(action="login_refused_locked").exists()


def test_repeated_wrong_passwords_lock_the_user_out_of_the_token_endpoint():
    user = make_user("rep1")
    for _ in range(settings.LOCKOUT_MAX_FAILURES):
        assert obtain(user.username, "not-the-password-1").status_code == 400
    user.refresh_from_db()
    assert user.locked_until is not None and user.locked_until > timezone.now()
    assert obtain(user.username, PASSWORD).status_code == 400
    assert not Token.objects.filter(user=user).exists()


def test_a_deactivated_user_gets_no_token_and_their_old_token_stops_working():
    admin = make_user("admin")
    user = make_user("rep1")
    key = obtain(user.username, PASSWORD).json()["token"]
    user_set_active(user=user, active=False, actor=admin)
    assert obtain(user.username, PASSWORD).status_code == 400
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/me/").status_code == 401


def test_a_wrong_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/me/").status_code == 401


def test_me_shows_role_and_capabilities():
    user = make_user("rep2", first_name="Robin", last_name="Reyes")
    client = APIClient()
    client.force_authenticate(user)
    body = client.get("/api/me/").json()
    assert body["role"] == "rep2"
    assert body["role_label"] == "Representative (tier II)"
    assert body["display_name"] == "Robin Reyes"
    assert body["capabilities"] == sorted(capabilities_for("rep2"))
    assert Cap.CASES_REOPEN in body["capabilities"]
    assert Cap.USERS_MANAGE not in body["capabilities"]


def test_me_for_a_superuser_lists_every_capability():
    user = make_user("rep1", is_superuser=True)
    client = APIClient()
    client.force_authenticate(user)
    assert Cap.USERS_MANAGE in client.get("/api/me/").json()["capabilities"]


def test_me_needs_authentication():
    assert APIClient().get("/api/me/").status_code == 401
