"""Writes for users, roles, approval limits and the lockout counter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_record, audit_updated, snapshot
from servicebook.core.errors import ValidationFailed
from servicebook.core.money import to_money
from servicebook.core.permissions import require_capability

from .models import ApprovalLimit, User
from .roles import Cap, Role

# Roles that reach the admin site, where policy records are kept.
STAFF_ROLES = {Role.SUPERVISOR, Role.ADMIN}


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    actor: User | None,
    is_superuser: bool = False,
) -> User:
    """Create a user with a role. The password must pass the password policy.

    `actor` None is the installer (demo data, first administrator).
    """
    if actor is not None:
        require_capability(actor, Cap.USERS_MANAGE)
    if role not in Role.values:
        raise ValidationFailed({"role": [f"Unknown role “{role}”."]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed({"username": ["A user with that username already exists."]})
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=is_superuser or role in STAFF_ROLES,
        is_superuser=is_superuser,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed({"password": list(exc.messages)}) from exc
    user.set_password(password)
    user.save()
    audit_created(actor=actor, obj=user)
    return user


@transaction.atomic
def user_set_role(*, user: User, role: str, actor: User) -> User:
    """Change a user's role."""
    require_capability(actor, Cap.USERS_MANAGE)
    if role not in Role.values:
        raise ValidationFailed({"role": [f"Unknown role “{role}”."]})
    before = snapshot(user, ["role", "is_staff"])
    user.role = role
    user.is_staff = user.is_superuser or role in STAFF_ROLES
    user.save(update_fields=["role", "is_staff"])
    audit_updated(actor=actor, obj=user, before=before)
    return user


@transaction.atomic
def user_set_active(*, user: User, active: bool, actor: User) -> User:
    """Deactivate (or reactivate) a user; a deactivated user cannot log in or use a token."""
    require_capability(actor, Cap.USERS_MANAGE)
    before = snapshot(user, ["is_active"])
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_updated(actor=actor, obj=user, before=before)
    return user


@transaction.atomic
def approval_limit_set(
    *, role: str, kind: str, max_amount: Decimal, actor: User | None
) -> ApprovalLimit:
    """Set the largest amount a role may approve for one kind of decision."""
    if actor is not None:
        require_capability(actor, Cap.USERS_MANAGE)
    amount = to_money(max_amount)
    if amount < 0:
        raise ValidationFailed({"max_amount": ["An approval limit cannot be negative."]})
    limit, created = ApprovalLimit.objects.get_or_create(
        role=role, kind=kind, defaults={"max_amount": amount}
    )
    if created:
        audit_created(actor=actor, obj=limit)
    else:
        before = snapshot(limit, ["max_amount"])
        limit.max_amount = amount
        limit.save(update_fields=["max_amount"])
        audit_updated(actor=actor, obj=limit, before=before)
    return limit


def approval_limit_for(*, user: User, kind: str) -> Decimal:
    """The most this user may approve for `kind` (0 when the role has no limit row)."""
    if user.is_superuser:
        return Decimal("999999999.99")
    row = ApprovalLimit.objects.filter(role=user.role, kind=kind).first()
    return row.max_amount if row else Decimal("0.00")


# --- Authentication events ----------------------------------------------------------------


def user_is_locked(user: User, now: dt.datetime | None = None) -> bool:
    return bool(user.locked_until and user.locked_until > (now or timezone.now()))


@transaction.atomic
def user_login_failed(*, username: str, remote_addr: str | None) -> None:
    """Count a failed login; lock the account after too many. Audited either way."""
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        audit_record(
            actor=None,
            action="login_failed",
            message=f"unknown username “{username[:100]}”",
            remote_addr=remote_addr,
        )
        return
    # A lock that has run out starts a fresh count: one wrong password after it must not
    # lock the user again at once.
    User.objects.filter(pk=user.pk, locked_until__lte=timezone.now()).update(
        failed_logins=0, locked_until=None
    )
    # F() increment: two failures arriving together both count.
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    audit_record(actor=None, action="login_failed", obj=user, remote_addr=remote_addr)
    if user.failed_logins >= settings.LOCKOUT_MAX_FAILURES and not user_is_locked(user):
        until = timezone.now() + dt.timedelta(minutes=settings.LOCKOUT_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=until)
        audit_record(
            actor=None,
            action="lockout",
            obj=user,
            message=f"locked for {settings.LOCKOUT_MINUTES} minutes after "
            f"{user.failed_logins} failed logins",
            remote_addr=remote_addr,
        )


@transaction.atomic
def user_logged_in(*, user: User, remote_addr: str | None) -> None:
    """Clear the failure counter and audit the login."""
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit_record(actor=user, action="login", obj=user, remote_addr=remote_addr)


def user_logged_out(*, user: User | None, remote_addr: str | None, reason: str = "") -> None:
    if user is not None and user.pk:
        audit_record(actor=user, action="logout", obj=user, message=reason, remote_addr=remote_addr)
