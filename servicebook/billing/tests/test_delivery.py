"""Invoices and statements by email: sent after commit from a task, to a real SMTP server
started by the test, with the PDF attached; a failure is retried later, not lost."""

from __future__ import annotations

import datetime as dt

import pytest

from servicebook.billing.choices import DeliveryStatus
from servicebook.billing.documents import invoice_send, statement_send
from servicebook.billing.models import InvoiceDelivery
from servicebook.billing.services import billing_profile_set
from servicebook.billing.tasks import send_delivery
from servicebook.core.testing.factories import make_invoice, make_user
from servicebook.core.testing.smtp import SmtpSink

pytestmark = pytest.mark.django_db

IMMEDIATE = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "periodic"],
    }
}
DUMMY = {
    "default": {
        "BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "QUEUES": ["default", "periodic"],
    }
}


@pytest.fixture
def smtp(settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield sink


def test_an_invoice_is_emailed_with_its_pdf_after_commit(
    account, biller, labour, smtp, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    invoice = make_invoice(account=account, lines=[(labour, 1)], actor=biller)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        delivery = invoice_send(invoice=invoice, to_email="Jane@Example.com", actor=biller)
        assert smtp.messages == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    (received,) = smtp.messages
    assert received.rcpt_to == ["jane@example.com"]
    message = received.message
    assert invoice.number in message["Subject"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == f"{invoice.number}.pdf"
    assert attachment.get_content().startswith(b"%PDF-")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_an_account_on_email_delivery_gets_its_invoice_on_issue(
    account, biller, labour, smtp, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    billing_profile_set(
        account=account,
        cycle=account.billing_profile.cycle,
        delivery="email",
        email="bills@example.com",
        actor=biller,
    )
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice(account=account, lines=[(labour, 1)], actor=biller)
    (received,) = smtp.messages
    assert received.rcpt_to == ["bills@example.com"]
    assert invoice.number in received.message["Subject"]


def test_a_refused_email_is_retried_later_and_then_sent(
    account, biller, labour, smtp, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY
    invoice = make_invoice(account=account, lines=[(labour, 1)], actor=biller)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = invoice_send(invoice=invoice, to_email="jane@example.com", actor=biller)
    smtp.fail_next(1)
    assert send_delivery.call(delivery.pk) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)
    assert "451" in delivery.last_error
    assert smtp.messages == []
    assert send_delivery.call(delivery.pk) == DeliveryStatus.SENT
    assert len(smtp.messages) == 1
    # Sent is final: a stray retry sends nothing more.
    assert send_delivery.call(delivery.pk) == DeliveryStatus.SENT
    assert len(smtp.messages) == 1


def test_after_the_last_attempt_the_delivery_fails_for_good(
    account, biller, labour, smtp, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY
    settings.BILLING_EMAIL_MAX_ATTEMPTS = 2
    invoice = make_invoice(account=account, lines=[(labour, 1)], actor=biller)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = invoice_send(invoice=invoice, to_email="jane@example.com", actor=biller)
    smtp.fail_next(5)
    send_delivery.call(delivery.pk)
    assert send_delivery.call(delivery.pk) == DeliveryStatus.FAILED
    assert InvoiceDelivery.objects.get().status == DeliveryStatus.FAILED


def test_a_statement_is_emailed_with_its_pdf(
    account, biller, labour, smtp, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    make_invoice(account=account, lines=[(labour, 1)], actor=biller, issued_on=dt.date(2026, 5, 3))
    with django_capture_on_commit_callbacks(execute=True):
        statement_send(account=account, period="2026-05", to_email="jane@example.com", actor=biller)
    (received,) = smtp.messages
    assert "statement for 2026-05" in received.message["Subject"]
    (attachment,) = list(received.message.iter_attachments())
    assert attachment.get_content().startswith(b"%PDF-")


def test_a_dispatcher_cannot_send_and_nothing_is_queued(account, biller, labour):
    from django.core.exceptions import PermissionDenied

    invoice = make_invoice(account=account, lines=[(labour, 1)], actor=biller)
    with pytest.raises(PermissionDenied):
        invoice_send(invoice=invoice, to_email="x@example.com", actor=make_user("dispatcher"))
    assert not InvoiceDelivery.objects.exists()
