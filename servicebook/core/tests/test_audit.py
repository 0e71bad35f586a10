"""The audit trail: snapshots, diffs and the rows services write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from servicebook.core.audit import (
    audit_created,
    audit_record,
    audit_updated,
    diff,
    history_for,
    snapshot,
)
from servicebook.core.models import AuditEvent, Holiday
from servicebook.core.testing.factories import make_calendar, make_user
from servicebook.users.models import ApprovalLimit

pytestmark = pytest.mark.django_db


def test_snapshot_gives_json_safe_values_and_foreign_keys_as_ids():
    calendar = make_calendar("Office")
    holiday = calendar.holidays.create(date=dt.date(2026, 12, 25), name="Christmas")
    limit = ApprovalLimit.objects.create(role="billing", kind="refund", max_amount=Decimal("250"))

    assert snapshot(holiday) == {
        "id": holiday.pk,
        "calendar": calendar.pk,
        "date": "2026-12-25",
        "name": "Christmas",
    }
    limit.refresh_from_db()
    assert snapshot(limit)["max_amount"] == "250.00"  # a Decimal as text, never a float


def test_snapshot_can_be_limited_to_some_fields():
    limit = ApprovalLimit.objects.create(role="billing", kind="refund", max_amount=Decimal("10"))
    assert snapshot(limit, ["role", "kind"]) == {"role": "billing", "kind": "refund"}


def test_diff_lists_changed_added_and_removed_fields_but_not_updated_at():
    before = {"a": 1, "b": "x", "gone": True, "updated_at": "t1"}
    after = {"a": 1, "b": "y", "new": 5, "updated_at": "t2"}
    assert diff(before, after) == {"b": ["x", "y"], "gone": [True, None], "new": [None, 5]}
    assert diff(before, dict(before)) == {}


def test_audit_record_writes_who_what_and_when():
    admin = make_user("admin")
    calendar = make_calendar("Office")
    event = audit_record(
        actor=admin,
        action="update",
        obj=calendar,
        changes={"amount": [Decimal("1.50"), Decimal("2.00")], "on": dt.date(2026, 1, 2)},
        message="x" * 600,
        remote_addr="10.0.0.7",
    )
    event.refresh_from_db()
    assert event.actor == admin
    assert event.actor_label == admin.username
    assert event.action == "update"
    assert event.content_type == ContentType.objects.get_for_model(calendar)
    assert event.object_id == str(calendar.pk)
    assert event.object_repr == "Office"
    assert event.changes == {"amount": ["1.50", "2.00"], "on": "2026-01-02"}
    assert len(event.message) == 500
    assert event.remote_addr == "10.0.0.7"


def test_audit_record_without_an_actor_is_the_system():
    event = audit_record(actor=None, action="sweep", message="nightly")
    assert event.actor is None
    assert event.actor_label == "system"
    assert event.content_type is None
    assert event.object_id == ""
    assert AuditEvent.objects.filter(action="sweep").count() == 1


def test_audit_created_records_the_non_empty_fields_as_after_values():
    calendar = make_calendar("Office")
    holiday = Holiday.objects.create(calendar=calendar, date=dt.date(2026, 7, 4), name="July 4")
    event = audit_created(actor=None, obj=holiday)
    assert event.action == "create"
    assert event.changes == {
        "id": [None, holiday.pk],
        "calendar": [None, calendar.pk],
        "date": [None, "2026-07-04"],
        "name": [None, "July 4"],
    }


def test_audit_updated_writes_only_the_changed_fields():
    limit = ApprovalLimit.objects.create(role="billing", kind="refund", max_amount=Decimal("10"))
    before = snapshot(limit, ["max_amount", "kind"])
    limit.max_amount = Decimal("20.00")
    limit.save()
    event = audit_updated(actor=None, obj=limit, before=before)
    assert event is not None
    assert event.changes == {"max_amount": [before["max_amount"], "20.00"]}


def test_audit_updated_writes_nothing_when_nothing_changed():
    limit = ApprovalLimit.objects.create(role="billing", kind="refund", max_amount=Decimal("10"))
    count = AuditEvent.objects.count()
    assert audit_updated(actor=None, obj=limit, before=snapshot(limit)) is None
    assert AuditEvent.objects.count() == count
    # ...unless there is something to say.
    assert audit_updated(actor=None, obj=limit, before=snapshot(limit), message="checked")
    assert AuditEvent.objects.count() == count + 1


def test_history_for_gives_one_objects_trail_newest_first():
    office, depot = make_calendar("Office"), make_calendar("Depot")
    first = audit_record(actor=None, action="one", obj=office)
    audit_record(actor=None, action="other", obj=depot)
    second = audit_record(actor=None, action="two", obj=office)
    assert list(history_for(office)) == [second, first]


def test_a_password_hash_never_enters_the_trail():
    user = make_user("rep1")
    created = audit_created(actor=None, obj=user)
    assert created.changes["password"] == [None, "(set)"]

    before = snapshot(user, ["password", "first_name"])
    user.set_password("another-long-passphrase-77")
    user.first_name = "Robin"
    user.save()
    updated = audit_updated(actor=None, obj=user, before=before)
    assert updated.changes["password"] == ["(hidden)", "(changed)"]
    assert updated.changes["first_name"][1] == "Robin"
    assert user.password not in str(created.changes) + str(updated.changes)
