"""Subcontractor quotes: a subcontractor submits only on its own jobs; approval within the
approver's limit raises the purchase order (vendor created on first use); above it the
quote is escalated and a higher limit approves it; rejection needs a reason; every
decision is audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from servicebook.core.audit import history_for
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.testing.factories import make_user
from servicebook.inventory.models import Vendor
from servicebook.quotes import selectors, subcontract
from servicebook.users.models import ApprovalLimit

pytestmark = pytest.mark.django_db

LINES = [
    {"description": "Boiler, 30 kW", "quantity": "1", "unit_cost": "1800.00"},
    {"description": "Labour", "quantity": "6", "unit_cost": "75.00"},
]


@pytest.fixture
def limits(db):
    """Coordinators (service administrators) approve up to 1,000; supervisors up to 10,000,
    for subcontractor quotes and purchase orders alike."""
    for role, amount in (("service_admin", "1000.00"), ("supervisor", "10000.00")):
        for kind in ("subcontractor_quote", "purchase_order"):
            ApprovalLimit.objects.create(role=role, kind=kind, max_amount=Decimal(amount))


def test_a_subcontractor_submits_on_its_own_job_only(sub_world):
    login = sub_world["login"]
    quote = subcontract.subquote_submit(work_order=sub_world["job"], lines=LINES, actor=login)
    assert quote.subcontractor == sub_world["company"]
    assert quote.total == Decimal("2250.00") and quote.status == "submitted"
    with pytest.raises(ValidationFailed) as exc:
        subcontract.subquote_submit(work_order=sub_world["other"], amount="100", actor=login)
    assert "work_order" in exc.value.errors
    assert list(selectors.subquotes_visible_to(login)) == [quote]
    assert list(selectors.work_orders_quotable_by(login)) == [sub_world["job"]]


def test_a_subcontractor_sees_only_its_companys_quotes(sub_world, admin):
    from servicebook.core.testing.factories import make_subcontractor

    rival = make_subcontractor(name="Rival Heating", actor=admin)
    theirs = subcontract.subquote_submit(
        work_order=sub_world["other"], amount="90", subcontractor=rival, actor=admin
    )
    ours = subcontract.subquote_submit(
        work_order=sub_world["job"], amount="80", actor=sub_world["login"]
    )
    assert list(selectors.subquotes_visible_to(sub_world["login"])) == [ours]
    assert theirs in selectors.subquotes_visible_to(make_user("dispatcher"))


def test_staff_enter_a_quote_naming_the_company_and_bad_lines_are_named(sub_world, admin):
    with pytest.raises(ValidationFailed) as exc:
        subcontract.subquote_submit(work_order=sub_world["job"], amount="10", actor=admin)
    assert "subcontractor" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        subcontract.subquote_submit(
            work_order=sub_world["job"],
            subcontractor=sub_world["company"],
            lines=[{"description": "x", "quantity": "one", "unit_cost": "1"}],
            actor=admin,
        )
    assert "lines[1]" in exc.value.errors


def test_approval_within_the_limit_raises_the_purchase_order(sub_world, coordinator, limits):
    quote = subcontract.subquote_submit(
        work_order=sub_world["job"],
        lines=[{"description": "Valve", "quantity": "2", "unit_cost": "250.00"}],
        actor=sub_world["login"],
    )
    quote = subcontract.subquote_approve(quote=quote, note="Fair price", actor=coordinator)
    assert quote.status == "approved" and quote.decision_reason == "Fair price"
    order = quote.purchase_order
    assert order.status == "approved" and order.total == Decimal("500.00")
    assert order.work_order_id == sub_world["job"].pk
    vendor = Vendor.objects.get(subcontractor=sub_world["company"])
    assert order.vendor == vendor and vendor.kind == "subcontractor"
    assert [(ln.description, ln.amount) for ln in order.lines.all()] == [
        ("Valve", Decimal("500.00"))
    ]
    assert any(e.action == "approve" for e in history_for(quote))
    with pytest.raises(InvalidTransition):
        subcontract.subquote_approve(quote=quote, actor=coordinator)
    # The vendor record is reused for the company's next quote.
    second = subcontract.subquote_submit(
        work_order=sub_world["job"], amount="100", actor=sub_world["login"]
    )
    subcontract.subquote_approve(quote=second, actor=coordinator)
    assert Vendor.objects.filter(subcontractor=sub_world["company"]).count() == 1


def test_above_the_limit_it_is_escalated_and_a_higher_limit_approves(
    sub_world, coordinator, limits
):
    quote = subcontract.subquote_submit(
        work_order=sub_world["job"], lines=LINES, actor=sub_world["login"]
    )
    quote = subcontract.subquote_approve(quote=quote, actor=coordinator)
    assert quote.status == "escalated" and quote.purchase_order is None
    assert "1000.00" in quote.escalation_note and "Supervisor" in quote.escalation_note
    assert "Service administrator" not in subcontract.roles_that_may_approve(quote.total)
    assert any(e.action == "escalate" for e in history_for(quote))
    supervisor = make_user("supervisor")
    quote = subcontract.subquote_approve(quote=quote, actor=supervisor)
    assert quote.status == "approved" and quote.purchase_order.status == "approved"
    assert quote.decided_by == supervisor


def test_reject_needs_a_reason_and_is_audited(sub_world, coordinator):
    quote = subcontract.subquote_submit(
        work_order=sub_world["job"], amount="300", actor=sub_world["login"]
    )
    with pytest.raises(ValidationFailed) as exc:
        subcontract.subquote_reject(quote=quote, reason="  ", actor=coordinator)
    assert "reason" in exc.value.errors
    quote.refresh_from_db()
    assert quote.status == "submitted"
    quote = subcontract.subquote_reject(quote=quote, reason="Use our own stock", actor=coordinator)
    assert (quote.status, quote.decision_reason) == ("rejected", "Use our own stock")
    reject = [e for e in history_for(quote) if e.action == "reject"]
    assert reject and "Use our own stock" in reject[0].message


def test_a_coordinators_approval_makes_the_subcontractors_purchase_order(sub_world):
    """Dispatchers (coordinators) approve within their limit and hold inventory.purchase:
    the approved quote becomes the subcontractor's purchase order at once (issue 7)."""
    ApprovalLimit.objects.create(
        role="dispatcher", kind="subcontractor_quote", max_amount=Decimal("500.00")
    )
    ApprovalLimit.objects.create(
        role="dispatcher", kind="purchase_order", max_amount=Decimal("500.00")
    )
    quote = subcontract.subquote_submit(
        work_order=sub_world["job"], amount="300", actor=sub_world["login"]
    )
    with pytest.raises(PermissionDenied):
        subcontract.subquote_approve(quote=quote, actor=sub_world["login"])
    dispatcher = make_user("dispatcher")
    quote = subcontract.subquote_approve(quote=quote, actor=dispatcher)
    assert quote.status == "approved"
    assert quote.purchase_order.status == "approved"
    assert quote.purchase_order.total == Decimal("300.00")
    with pytest.raises(InvalidTransition):
        subcontract.subquote_reject(quote=quote, reason="changed my mind", actor=dispatcher)
    with pytest.raises(InvalidTransition):
        subcontract.subquote_raise_purchase_order(quote=quote, actor=dispatcher)
