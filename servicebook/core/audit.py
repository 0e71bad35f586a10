"""The audit trail. Services call `audit_record` inside their transaction, so the row and the
change commit or roll back together."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent

# Credentials never enter the trail, not even hashed: auditors read it, and a password hash
# is enough to attack the password offline. The trail says only that one was set or changed.
SECRET_FIELDS = frozenset({"password"})


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The object's concrete field values (foreign keys as ids), JSON-safe."""
    result: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        result[field.name] = _jsonable(getattr(obj, field.attname))
    return result


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as {field: [before, after]}."""
    keys = before.keys() | after.keys()
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(keys)
        if before.get(k) != after.get(k) and k != "updated_at"
    }


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    message: str = "",
    remote_addr: str | None = None,
) -> AuditEvent:
    """Write one audit row. `actor` is a user or None for the system (a periodic job)."""
    user = actor if getattr(actor, "pk", None) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_label=getattr(actor, "username", "") or ("system" if actor is None else str(actor)),
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=_jsonable(changes or {}),
        message=message[:500],
        remote_addr=remote_addr,
    )


def audit_created(*, actor: Any, obj: models.Model, message: str = "") -> AuditEvent:
    """Audit a new object with all its field values as the 'after' side."""
    after = snapshot(obj)
    return audit_record(
        actor=actor,
        action="create",
        obj=obj,
        changes={
            k: [None, "(set)" if k in SECRET_FIELDS else v]
            for k, v in after.items()
            if v not in (None, "")
        },
        message=message,
    )


def audit_updated(
    *,
    actor: Any,
    obj: models.Model,
    before: dict[str, Any],
    message: str = "",
    action: str = "update",
) -> AuditEvent | None:
    """Audit the fields that changed since `before` (a snapshot); nothing if none changed."""
    changes = diff(before, snapshot(obj, list(before)))
    for k in SECRET_FIELDS & changes.keys():
        changes[k] = ["(hidden)", "(changed)"]
    if not changes and not message:
        return None
    return audit_record(actor=actor, action=action, obj=obj, changes=changes, message=message)


def history_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    """The object's audit trail, newest first."""
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")
