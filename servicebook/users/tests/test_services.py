"""Users, roles and the authentication rules: password policy, lockout, the audit trail of
logins and the idle session timeout. Logins go through the real login view."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY, authenticate
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.utils import timezone

from servicebook.core.audit import history_for
from servicebook.core.errors import ValidationFailed
from servicebook.core.models import AuditEvent
from servicebook.core.testing.factories import PASSWORD, make_user
from servicebook.users.models import ApprovalLimit, User
from servicebook.users.services import (
    approval_limit_for,
    approval_limit_set,
    user_create,
    user_is_locked,
    user_set_active,
    user_set_role,
)

pytestmark = pytest.mark.django_db

LOGIN = "/auth/login/"
LOGOUT = "/auth/logout/"


def events(action: str, obj=None):
    """The audit rows of one action, on one object when given."""
    if obj is None:
        return AuditEvent.objects.filter(action=action)
    return history_for(obj).filter(action=action)


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


# --- password policy, roles, approval limits ----------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sh0rt-pass!", "at least 12 characters"),
        ("qwerty123456", "too common"),
        ("314159265358979", "entirely numeric"),
        ("marguerite.dupont", "too similar"),
    ],
)
def test_user_create_refuses_a_password_that_breaks_the_policy(password, message):
    with pytest.raises(ValidationFailed) as exc:
        user_create(
            username="marguerite.dupont",
            email="marguerite.dupont@example.com",
            password=password,
            role="rep1",
            actor=None,
        )
    assert exc.value.field == "password"
    assert any(message in m for m in exc.value.errors["password"])
    assert not User.objects.filter(username="marguerite.dupont").exists()
    assert not AuditEvent.objects.exists()


def test_user_create_stores_a_hashed_password_and_audits_the_new_user():
    admin = make_user("admin")
    user = user_create(username="casey", password=PASSWORD, role="rep2", actor=admin)
    assert user.check_password(PASSWORD)
    assert user.password != PASSWORD
    event = events("create", user).get()
    assert event.actor == admin
    assert event.changes["role"] == [None, "rep2"]
    # The trail says a password was set, never what it is, not even as its hash.
    assert event.changes["password"] == [None, "(set)"]
    assert user.password not in json.dumps(event.changes)


def test_user_create_refuses_a_taken_username_whatever_its_case():
    make_user(username="casey")
    with pytest.raises(ValidationFailed) as exc:
        user_create(username="Casey", password=PASSWORD, role="rep1", actor=None)
    assert exc.value.field == "username"
    assert User.objects.filter(username__iexact="casey").count() == 1


def test_user_create_refuses_an_unknown_role():
    with pytest.raises(ValidationFailed) as exc:
        user_create(username="casey", password=PASSWORD, role="wizard", actor=None)
    assert exc.value.field == "role"


def test_only_a_user_manager_creates_users():
    rep = make_user("supervisor")  # supervisors manage policies, not users
    with pytest.raises(PermissionDenied):
        user_create(username="casey", password=PASSWORD, role="rep1", actor=rep)
    assert not User.objects.filter(username="casey").exists()


def test_a_role_change_is_audited_and_moves_staff_access():
    admin, user = make_user("admin"), make_user("rep1")
    user_set_role(user=user, role="supervisor", actor=admin)

    user.refresh_from_db()
    assert user.role == "supervisor"
    assert user.is_staff
    event = events("update", user).get()
    assert event.actor == admin
    assert event.changes == {"role": ["rep1", "supervisor"], "is_staff": [False, True]}


def test_a_role_change_by_someone_without_users_manage_changes_nothing():
    user, supervisor = make_user("rep1"), make_user("supervisor")
    count = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        user_set_role(user=user, role="admin", actor=supervisor)
    user.refresh_from_db()
    assert user.role == "rep1"
    assert AuditEvent.objects.count() == count


def test_a_deactivated_user_cannot_log_in_and_loses_every_capability(client):
    admin, user = make_user("admin"), make_user("rep2")
    user_set_active(user=user, active=False, actor=admin)
    user.refresh_from_db()
    assert not user.has_capability("cases.view")
    assert events("update", user).get().changes == {"is_active": [True, False]}
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert not logged_in(client)


def test_approval_limits_are_set_audited_and_refuse_negative_amounts():
    admin, billing = make_user("admin"), make_user("billing")
    assert approval_limit_for(user=billing, kind="refund") == Decimal("0.00")
    limit = approval_limit_set(role="billing", kind="refund", max_amount="250", actor=admin)
    approval_limit_set(role="billing", kind="refund", max_amount=Decimal("300.005"), actor=admin)

    assert approval_limit_for(user=billing, kind="refund") == Decimal("300.01")
    assert events("create", limit).count() == 1
    assert events("update", limit).get().changes == {"max_amount": ["250.00", "300.01"]}
    with pytest.raises(ValidationFailed) as exc:
        approval_limit_set(role="billing", kind="refund", max_amount="-1", actor=admin)
    assert exc.value.field == "max_amount"
    assert ApprovalLimit.objects.get().max_amount == Decimal("300.01")


# --- logins through the login view ----------------------------------------------------------


def test_a_login_and_a_logout_each_write_an_audit_event(client):
    user = make_user("rep1")
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in(client)
    login = events("login", user).get()
    assert login.actor == user
    assert login.remote_addr == "127.0.0.1"

    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert not logged_in(client)
    assert events("logout", user).get().actor == user


def test_a_failed_login_writes_an_audit_event_and_counts_the_failure(client):
    user = make_user("rep1")
    response = client.post(LOGIN, {"username": user.username, "password": "wrong-password-1"})
    assert response.status_code == 200  # the form again, with its error
    assert not logged_in(client)
    assert events("login_failed", user).count() == 1
    user.refresh_from_db()
    assert user.failed_logins == 1


def test_a_failed_login_for_an_unknown_username_is_audited_without_an_object(client):
    client.post(LOGIN, {"username": "nobody-here", "password": "wrong-password-1"})
    event = events("login_failed").get()
    assert event.object_id == ""
    assert "nobody-here" in event.message


def test_a_successful_login_clears_the_failure_count(client):
    user = make_user("rep1")
    client.post(LOGIN, {"username": user.username, "password": "wrong-password-1"})
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    user.refresh_from_db()
    assert user.failed_logins == 0


def test_too_many_failed_logins_lock_the_user_even_against_the_right_password(client, settings):
    settings.LOCKOUT_MAX_FAILURES = 3
    settings.LOCKOUT_MINUTES = 15
    user = make_user("rep1")
    for _ in range(2):
        client.post(LOGIN, {"username": user.username, "password": "wrong-password-1"})
    user.refresh_from_db()
    assert user.locked_until is None

    before = timezone.now()
    client.post(LOGIN, {"username": user.username, "password": "wrong-password-1"})
    user.refresh_from_db()
    assert user.failed_logins == 3
    assert user.locked_until is not None
    assert dt.timedelta(minutes=14) < user.locked_until - before <= dt.timedelta(minutes=16)
    assert events("lockout", user).count() == 1

    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert not logged_in(client)
    assert events("login_refused_locked", user).count() == 1
    assert not events("login", user).exists()


def test_a_lock_expires_after_lockout_minutes(client, settings):
    settings.LOCKOUT_MAX_FAILURES = 2
    user = make_user("rep1")
    for _ in range(2):
        client.post(LOGIN, {"username": user.username, "password": "wrong-password-1"})
    user.refresh_from_db()
    until = user.locked_until
    assert user_is_locked(user, now=until - dt.timedelta(seconds=1))
    assert not user_is_locked(user, now=until)

    # The clock is the only thing mocked: a second after the lock ends, the right password
    # logs in and clears the lock.
    with mock.patch("django.utils.timezone.now", return_value=until + dt.timedelta(seconds=1)):
        response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in(client)
    user.refresh_from_db()
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_one_wrong_password_after_a_lock_ends_does_not_lock_again(client, settings):
    settings.LOCKOUT_MAX_FAILURES = 2
    user = make_user("rep1")
    for _ in range(2):
        client.post(LOGIN, {"username": user.username, "password": "wrong-password-1"})
    user.refresh_from_db()
    after_lock = user.locked_until + dt.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=after_lock):
        client.post(LOGIN, {"username": user.username, "password": "wrong-password-1"})
        user.refresh_from_db()
        assert (user.failed_logins, user.locked_until) == (1, None)
        assert not user_is_locked(user)


def test_authenticate_refuses_a_locked_user_with_the_right_password():
    user = make_user("rep1")
    User.objects.filter(pk=user.pk).update(
        locked_until=timezone.now() + dt.timedelta(minutes=5), failed_logins=5
    )
    request = RequestFactory().post(LOGIN)
    assert authenticate(request=request, username=user.username, password=PASSWORD) is None
    assert events("login_refused_locked", user).count() == 1
    assert events("login_failed", user).count() == 1


# --- idle session timeout ------------------------------------------------------------------


def _last_seen(client, seconds_ago: float) -> None:
    session = client.session
    session["servicebook_last_seen"] = time.time() - seconds_ago
    session.save()


def test_a_session_used_within_the_idle_window_stays_logged_in(client, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 60
    user = make_user("rep1")
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    client.get(LOGIN)  # any request renews the window
    _last_seen(client, 50)

    response = client.get(LOGIN)  # a logged-in user is sent on from the login page
    assert response.status_code == 302
    assert logged_in(client)
    assert not events("logout", user).exists()


def test_a_request_after_the_idle_window_lands_logged_out(client, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 60
    user = make_user("rep1")
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    client.get(LOGIN)
    _last_seen(client, 61)  # the desk was left alone for a minute

    response = client.get(LOGIN)
    assert response.status_code == 200  # the login form, not the console
    assert not logged_in(client)
    event = events("logout", user).get()
    assert event.message == "idle timeout"
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == ["You were logged out after a period of inactivity."]


def test_the_last_seen_time_is_written_once_a_minute_not_on_every_request(client, settings):
    """Each write of the session is an UPDATE in its own transaction: requests within a
    minute of the last write (on a half-hour timeout) leave it alone."""
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60
    user = make_user("rep1")
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    _last_seen(client, 30)
    stamp = client.session["servicebook_last_seen"]
    client.get(LOGIN)
    assert client.session["servicebook_last_seen"] == stamp
    _last_seen(client, 61)
    client.get(LOGIN)
    assert client.session["servicebook_last_seen"] > stamp + 30
    assert logged_in(client)
