"""Purchase orders: approval within the limit and escalation above it, the PDF and the
email through a real SMTP server, partial then full receipt, the three-way match, reorder."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.mail import get_connection  # noqa: F401  (backend set per test)

from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.testing.factories import make_user
from servicebook.core.testing.smtp import SmtpSink
from servicebook.inventory import purchasing as po
from servicebook.inventory import services
from servicebook.inventory.models import StockLevel
from servicebook.users.models import ApprovalLimit


@pytest.fixture
def limits(db):
    ApprovalLimit.objects.create(role="service_admin", kind="purchase_order", max_amount="500")
    ApprovalLimit.objects.create(role="supervisor", kind="purchase_order", max_amount="10000")


@pytest.fixture
def vendor(manager):
    return services.vendor_create(
        code="acme", name="Acme Supply", email="orders@acme.example", actor=manager
    )


def _order(vendor, item, manager, qty="10", cost=None):
    order = po.purchase_order_create(vendor=vendor, actor=manager)
    po.purchase_order_line_add(order=order, item=item, quantity=qty, unit_cost=cost, actor=manager)
    order.refresh_from_db()
    return order


def test_approval_within_the_limit(vendor, item, manager, limits):
    order = _order(vendor, item, manager)  # 10 x 8.50
    assert order.total == Decimal("85.00")
    po.purchase_order_submit(order=order, actor=manager)
    order = po.purchase_order_approve(order=order, actor=manager)
    assert order.status == "approved" and order.approved_by == manager


def test_above_the_limit_it_stays_awaiting_approval_for_a_higher_role(
    vendor, item, manager, limits
):
    order = _order(vendor, item, manager, qty="100", cost="9.00")  # 900 > 500
    po.purchase_order_submit(order=order, actor=manager)
    order = po.purchase_order_approve(order=order, actor=manager)
    order.refresh_from_db()
    assert order.status == "awaiting_approval" and order.approved_by is None
    escalated = order.events.get(action="escalated")
    assert "above" in escalated.note and "Supervisor" in escalated.note
    supervisor = make_user("supervisor")
    order = po.purchase_order_approve(order=order, actor=supervisor)
    assert order.status == "approved" and order.approved_by == supervisor


def test_a_role_without_a_limit_cannot_approve(vendor, item, manager):
    order = _order(vendor, item, manager)
    po.purchase_order_submit(order=order, actor=manager)
    order = po.purchase_order_approve(order=order, actor=manager)
    assert order.status == "awaiting_approval"


def test_reject_sends_back_to_draft_with_the_reason(vendor, item, manager, limits):
    order = _order(vendor, item, manager)
    po.purchase_order_submit(order=order, actor=manager)
    order = po.purchase_order_reject(order=order, reason="Wrong vendor", actor=manager)
    assert order.status == "draft"
    assert order.events.get(action="rejected").note == "Wrong vendor"
    with pytest.raises(InvalidTransition):
        po.purchase_order_approve(order=order, actor=manager)


def test_send_emails_the_pdf_through_smtp(
    vendor, item, manager, limits, settings, django_capture_on_commit_callbacks
):
    order = _order(vendor, item, manager)
    po.purchase_order_submit(order=order, actor=manager)
    po.purchase_order_approve(order=order, actor=manager)
    with SmtpSink() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        with django_capture_on_commit_callbacks(execute=True):
            order = po.purchase_order_send(order=order, actor=manager)
            assert smtp.messages == []  # nothing leaves before the commit
        (received,) = smtp.messages
    assert order.status == "sent"
    assert received.rcpt_to == ["orders@acme.example"]
    message = received.message
    assert order.number in message["Subject"]
    (attachment,) = list(message.iter_attachments())
    pdf = attachment.get_content()
    assert attachment.get_content_type() == "application/pdf" and pdf.startswith(b"%PDF")


def test_pdf_names_the_order_and_its_lines(vendor, item, manager):
    from io import BytesIO

    order = _order(vendor, item, manager)
    pdf = po.purchase_order_pdf(order)
    assert pdf.startswith(b"%PDF")
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - pypdf is optional
        return
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert order.number in text and "FLT-16" in text


def test_partial_receipt_then_full_then_bill_match_closes(vendor, item, store, manager, limits):
    order = _order(vendor, item, manager)
    po.purchase_order_submit(order=order, actor=manager)
    po.purchase_order_approve(order=order, actor=manager)
    line = order.lines.get()
    order = po.purchase_order_receive(
        order=order, warehouse=store, quantities={line.pk: "4"}, actor=manager
    )
    assert order.status == "partly_received"
    assert StockLevel.objects.get(item=item, warehouse=store).on_hand == Decimal("4")
    with pytest.raises(ValidationFailed) as exc:
        po.purchase_order_receive(
            order=order, warehouse=store, quantities={line.pk: "7"}, actor=manager
        )
    assert "Only 6" in exc.value.errors[f"line_{line.pk}"][0]
    order = po.purchase_order_receive(
        order=order, warehouse=store, quantities={line.pk: "6"}, actor=manager
    )
    assert order.status == "received"
    assert StockLevel.objects.get(item=item, warehouse=store).on_hand == Decimal("10")
    order = po.purchase_order_match_bill(
        order=order, bill_number="B-1", amount="86.00", actor=manager
    )  # within the 5.00 tolerance
    assert order.status == "closed" and order.bill_flags == []


def test_bill_match_flags_price_and_quantity_differences(vendor, item, store, manager, limits):
    order = _order(vendor, item, manager)
    po.purchase_order_submit(order=order, actor=manager)
    po.purchase_order_approve(order=order, actor=manager)
    line = order.lines.get()
    po.purchase_order_receive(
        order=order, warehouse=store, quantities={line.pk: "8"}, actor=manager
    )
    order = po.purchase_order_match_bill(
        order=order, bill_number="B-2", amount="100.00", actor=manager
    )
    assert order.status == "partly_received"
    kinds = sorted(flag.split(":")[0] for flag in order.bill_flags)
    assert kinds == ["price", "quantity"]


def test_reorder_drafts_a_po_to_the_preferred_vendor(vendor, item, store, manager):
    services.item_update(item=item, preferred_vendor=vendor, actor=manager)
    services.stock_receive(item=item, warehouse=store, quantity="5", actor=manager)  # = point
    from servicebook.inventory.selectors import items_to_reorder

    assert [row.item for row in items_to_reorder()] == [item]
    order = po.purchase_order_draft_for_reorder(vendor=vendor, actor=manager)
    (line,) = order.lines.all()
    assert (line.item, line.quantity, line.unit_cost) == (item, Decimal("20"), Decimal("8.50"))
