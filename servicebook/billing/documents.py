"""Invoices and statements as documents: HTML (the same template the pages include), PDF
(WeasyPrint, with a print stylesheet) and email (Django's SMTP backend, from a task queued
on commit, retried on failure).

The PDF never reaches outside the machine: stylesheets come from the app's static files
on disk and the URL fetcher refuses anything else, so a template that names a remote font
or image renders without it instead of calling out.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from servicebook.core.audit import audit_record
from servicebook.core.errors import ValidationFailed
from servicebook.core.permissions import require_capability
from servicebook.customers.models import Account
from servicebook.users.roles import Cap

from .choices import DeliveryStatus
from .models import Invoice, InvoiceDelivery

PRINT_STYLESHEETS = ["billing/document.css", "billing/print.css"]


def _static_path(name: str) -> Path:
    found = finders.find(name)
    if not found:
        raise FileNotFoundError(name)
    return Path(found)


def _local_only(url: str, timeout: int = 10, ssl_context=None):
    """WeasyPrint's URL fetcher, limited to files of our own static directories."""
    from weasyprint import default_url_fetcher

    if url.startswith("file://"):
        path = Path(url.removeprefix("file://")).resolve()
        roots = [Path(p).resolve() for p in finders.searched_locations] + [
            _static_path("billing/document.css").parent.resolve()
        ]
        if any(path.is_relative_to(root) for root in roots):
            return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)
    raise ValueError(f"documents load local files only, not {url}")


def invoice_context(invoice: Invoice) -> dict:
    lines = list(invoice.lines.select_related("tax_code").order_by("position", "id"))
    taxes: dict[str, dict] = {}
    for line in lines:
        if line.tax_amount:
            key = f"{line.tax_code.name if line.tax_code else 'Tax'} {line.tax_rate * 100:.2f}%"
            taxes.setdefault(key, {"label": key, "base": 0, "amount": 0})
            taxes[key]["base"] += line.amount
            taxes[key]["amount"] += line.tax_amount
    return {
        "invoice": invoice,
        "doc_lines": lines,
        "taxes": list(taxes.values()),
        "credit_notes": list(invoice.credit_notes.all()),
        "account": invoice.account,
        "customer": invoice.account.customer,
        "location": invoice.account.locations.order_by("-is_primary", "id").first(),
        "business_name": settings.SERVICEBOOK_BUSINESS_NAME,
        "remit_to": settings.BILLING_REMIT_TO,
    }


def _pdf(template: str, context: dict, title: str) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string(template, {**context, "print": True, "title": title})
    stylesheets = [CSS(filename=str(_static_path(name))) for name in PRINT_STYLESHEETS]
    document = HTML(
        string=html,
        base_url=str(_static_path("billing/document.css").parent),
        url_fetcher=_local_only,
    ).render(stylesheets=stylesheets)
    return document.write_pdf()


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as PDF, from the template its page shows (billing/invoice_document.html)."""
    return _pdf("billing/invoice_print.html", invoice_context(invoice), f"Invoice {invoice.label}")


def invoice_document(invoice: Invoice):
    """The rendered WeasyPrint document (pages and boxes), for checks of what it says."""
    from weasyprint import CSS, HTML

    html = render_to_string(
        "billing/invoice_print.html", {**invoice_context(invoice), "print": True}
    )
    return HTML(string=html, url_fetcher=_local_only).render(
        stylesheets=[CSS(filename=str(_static_path(n))) for n in PRINT_STYLESHEETS]
    )


def statement_pdf(statement) -> bytes:
    from . import selectors

    context = {
        "statement": statement,
        "account": statement.account,
        "customer": statement.account.customer,
        "location": statement.account.locations.order_by("-is_primary", "id").first(),
        "business_name": settings.SERVICEBOOK_BUSINESS_NAME,
        "remit_to": settings.BILLING_REMIT_TO,
        "period_label": selectors.pricing.parse_period(statement.period).strftime("%B %Y"),
    }
    return _pdf(
        "billing/statement_print.html",
        context,
        f"Statement {statement.account.number} {statement.period}",
    )


# --- Email ----------------------------------------------------------------------------------------


@transaction.atomic
def invoice_send(*, invoice: Invoice, to_email: str = "", actor) -> InvoiceDelivery:
    """Email an issued invoice (PDF attached) to the given address or the billing profile's.
    The email goes out after commit, from a task that retries on failure."""
    require_capability(actor, Cap.BILLING_SEND)
    if invoice.number is None:
        raise ValidationFailed({"invoice": ["Issue the invoice before sending it."]})
    address = (to_email or _profile_email(invoice.account)).strip().lower()
    if not address:
        raise ValidationFailed({"to_email": ["Give an email address (the account has none)."]})
    return delivery_queue(invoice=invoice, to_email=address, actor=actor)


@transaction.atomic
def statement_send(*, account: Account, period: str, to_email: str = "", actor) -> InvoiceDelivery:
    """Email the account's statement for a month (PDF attached), after commit."""
    require_capability(actor, Cap.BILLING_SEND)
    address = (to_email or _profile_email(account)).strip().lower()
    if not address:
        raise ValidationFailed({"to_email": ["Give an email address (the account has none)."]})
    from .pricing import parse_period

    try:
        parse_period(period)
    except ValueError as exc:
        raise ValidationFailed({"period": [str(exc)]}) from exc
    delivery = InvoiceDelivery.objects.create(
        account=account,
        document="statement",
        period=period,
        to_email=address,
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(actor=actor, action="send", obj=delivery, message=f"statement {period}")
    _enqueue_on_commit(delivery.pk)
    return delivery


def _profile_email(account: Account) -> str:
    profile = getattr(account, "billing_profile", None)
    if profile is not None and profile.email:
        return profile.email
    email = account.emails.order_by("-is_primary", "id").first()
    return email.email if email else ""


def delivery_queue(*, invoice: Invoice, to_email: str, actor) -> InvoiceDelivery:
    """Record an invoice email and send it from a task once the transaction commits."""
    delivery = InvoiceDelivery.objects.create(
        invoice=invoice,
        account_id=invoice.account_id,
        to_email=to_email,
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(actor=actor, action="send", obj=delivery, message=f"{invoice.label} to {to_email}")
    _enqueue_on_commit(delivery.pk)
    return delivery


def _enqueue_on_commit(delivery_id: int) -> None:
    from .tasks import send_delivery

    transaction.on_commit(lambda: send_delivery.enqueue(delivery_id))


def delivery_send(delivery_id: int) -> str:
    """Send one queued email now (the task calls this). On failure: count the attempt and,
    below BILLING_EMAIL_MAX_ATTEMPTS, ask the task to try again later."""
    delivery = InvoiceDelivery.objects.select_related("invoice", "account__customer").get(
        pk=delivery_id
    )
    if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.FAILED):
        return delivery.status
    try:
        message = _message(delivery)
        message.send(fail_silently=False)
    except Exception as exc:  # any SMTP or rendering failure is retried
        attempts = delivery.attempts + 1
        status = (
            DeliveryStatus.RETRYING
            if attempts < settings.BILLING_EMAIL_MAX_ATTEMPTS
            else DeliveryStatus.FAILED
        )
        InvoiceDelivery.objects.filter(pk=delivery.pk).update(
            attempts=attempts, status=status, last_error=f"{type(exc).__name__}: {exc}"[:300]
        )
        return status
    InvoiceDelivery.objects.filter(pk=delivery.pk).update(
        attempts=delivery.attempts + 1,
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        last_error="",
    )
    return DeliveryStatus.SENT


def _message(delivery: InvoiceDelivery) -> EmailMessage:
    business = settings.SERVICEBOOK_BUSINESS_NAME
    name = delivery.account.customer.display_name
    if delivery.document == "statement":
        from .selectors import statement_for

        statement = statement_for(delivery.account, delivery.period)
        subject = f"{business}: statement for {delivery.period}, account {delivery.account.number}"
        body = render_to_string(
            "billing/email/statement.txt",
            {"statement": statement, "name": name, "business_name": business},
        )
        attachment = (
            f"statement-{delivery.account.number}-{delivery.period}.pdf",
            statement_pdf(statement),
        )
    else:
        invoice = delivery.invoice
        subject = f"{business}: invoice {invoice.number}, due {invoice.due_date:%b %-d, %Y}"
        body = render_to_string(
            "billing/email/invoice.txt",
            {"invoice": invoice, "name": name, "business_name": business},
        )
        attachment = (f"{invoice.number}.pdf", invoice_pdf(invoice))
    message = EmailMessage(subject=subject, body=body, to=[delivery.to_email])
    message.attach(attachment[0], attachment[1], "application/pdf")
    return message


def retry_at(attempts: int) -> dt.datetime:
    """When to try again: the retry interval, doubled after each failure."""
    return timezone.now() + dt.timedelta(
        seconds=settings.BILLING_EMAIL_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    )
