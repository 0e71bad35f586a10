"""Reconnect completion: the reconnect raised by a paid restoration, completed in the
field, makes the account active again and completes the restoration (with a `restored`
credit event when the policy has points for it); a cancelled or incomplete reconnect is
shown on the restoration and staff raise a new one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from servicebook.core.errors import InvalidTransition
from servicebook.core.testing.factories import make_user
from servicebook.credit.models import CreditEvent, RestorationStatus
from servicebook.credit.services import restoration_open, restoration_reconnect_raise
from servicebook.customers.models import Account
from servicebook.workorders import services as wo
from servicebook.workorders.models import CompletionCode, WorkOrder

from .conftest import D


def _paid_restoration(account, restoration_policy, supervisor):
    restoration_policy.fee_item = None
    restoration_policy.fee_amount = D("0.00")
    restoration_policy.include_deposit = False
    restoration_policy.save()
    Account.objects.filter(pk=account.pk).update(status="disconnected")
    account.refresh_from_db()
    restoration = restoration_open(account=account, actor=supervisor)
    assert restoration.status == RestorationStatus.PAID
    return restoration


def _on_site(order, actor):
    start = timezone.now() + dt.timedelta(hours=1)
    wo.workorder_schedule(
        work_order=order,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=1),
        actor=actor,
        allow_outside_window=True,
    )
    wo.workorder_dispatch(work_order=order, actor=actor)
    wo.workorder_arrive(work_order=order, actor=actor)
    order.refresh_from_db()
    return order


def _complete(order, actor):
    code, _ = CompletionCode.objects.get_or_create(
        code="reconnected", defaults={"label": "Reconnected"}
    )
    return wo.workorder_complete(
        work_order=order, notes="Meter on", completion_code=code, signer_name="Pat", actor=actor
    )


def test_completing_the_reconnect_restores_the_account(
    account, restoration_policy, supervisor, credit_policy, verified
):
    credit_policy.points = {**credit_policy.points, "restored": -10}
    credit_policy.save()
    restoration = _paid_restoration(account, restoration_policy, supervisor)
    dispatcher = make_user("dispatcher")
    order = _on_site(restoration.work_order, dispatcher)
    # Whoever completes it in the field need not edit accounts: the completion is the rule.
    assert not dispatcher.has_capability("accounts.edit")
    _complete(order, dispatcher)
    account.refresh_from_db()
    restoration.refresh_from_db()
    assert account.status == "active"
    assert restoration.status == RestorationStatus.COMPLETED
    assert restoration.completed_at is not None
    event = CreditEvent.objects.get(account=account, kind="restored")
    assert event.points == -10 and event.source == f"restoration:{restoration.pk}"
    verified()


def test_no_restored_event_without_points_in_the_policy(
    account, restoration_policy, supervisor, credit_policy
):
    restoration = _paid_restoration(account, restoration_policy, supervisor)
    dispatcher = make_user("dispatcher")
    _complete(_on_site(restoration.work_order, dispatcher), dispatcher)
    account.refresh_from_db()
    assert account.status == "active"
    assert not CreditEvent.objects.filter(account=account, kind="restored").exists()


def test_an_unrelated_work_order_completed_changes_nothing(account, restoration_policy, supervisor):
    restoration = _paid_restoration(account, restoration_policy, supervisor)
    dispatcher = make_user("dispatcher")
    other = wo.workorder_create(
        account=account, work_type="reconnect", summary="Another", actor=supervisor
    )
    _complete(_on_site(other, dispatcher), dispatcher)
    account.refresh_from_db()
    restoration.refresh_from_db()
    assert account.status == "disconnected"
    assert restoration.status == RestorationStatus.PAID


def test_a_cancelled_reconnect_is_shown_and_a_new_one_raised(
    account, restoration_policy, supervisor, rep, client
):
    restoration = _paid_restoration(account, restoration_policy, supervisor)
    first = restoration.work_order
    wo.workorder_cancel(work_order=first, reason="Crew sick", actor=supervisor)
    restoration.refresh_from_db()
    assert restoration.status == RestorationStatus.RECONNECT_STOPPED
    account.refresh_from_db()
    assert account.status == "disconnected"
    with pytest.raises(PermissionDenied):
        restoration_reconnect_raise(restoration=restoration, actor=rep)
    # The account box shows it, and the collector's button raises a new one.
    client.force_login(supervisor)
    page = client.get(reverse("customers:account_detail", args=[account.pk])).content.decode()
    assert "reconnect cancelled or not done" in page
    response = client.post(reverse("credit:restoration_reconnect", args=[restoration.pk]))
    assert response.status_code in (200, 302, 303)
    restoration.refresh_from_db()
    assert restoration.status == RestorationStatus.PAID
    assert restoration.work_order_id not in (None, first.pk)
    assert WorkOrder.objects.filter(account=account, work_type="reconnect").count() == 2
    with pytest.raises(InvalidTransition):
        restoration_reconnect_raise(restoration=restoration, actor=supervisor)
    # The new one completed restores the account.
    dispatcher = make_user("dispatcher")
    _complete(_on_site(restoration.work_order, dispatcher), dispatcher)
    account.refresh_from_db()
    assert account.status == "active"
