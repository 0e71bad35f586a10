"""The quote as a document: the same HTML partial the pages show, as PDF through WeasyPrint
with billing's print stylesheets and local-files-only URL fetcher, and the email to the
customer with the PDF and the answer link, sent after the commit through Django's SMTP
backend (as purchase orders are)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

from servicebook.customers.models import Account

from .models import Quote


def contact_email(account: Account) -> str:
    """Where a quote goes: the billing profile's address, else the account's primary email."""
    profile = getattr(account, "billing_profile", None)
    if profile is not None and getattr(profile, "email", ""):
        return profile.email
    email = account.emails.order_by("-is_primary", "id").first()
    return email.email if email else ""


def quote_context(quote: Quote) -> dict:
    options = list(quote.options.prefetch_related("lines"))
    return {
        "quote": quote,
        "options": options,
        "account": quote.account,
        "customer": quote.account.customer,
        "location": quote.account.locations.order_by("-is_primary", "id").first(),
        "business_name": settings.SERVICEBOOK_BUSINESS_NAME,
    }


def quote_pdf(quote: Quote) -> bytes:
    """The quote as PDF (quotes/quote_print.html)."""
    from servicebook.billing.documents import _pdf

    return _pdf("quotes/quote_print.html", quote_context(quote), f"Quote {quote.label}")


def _send(quote_id: int, to_email: str, link: str) -> None:
    quote = Quote.objects.select_related("account__customer").get(pk=quote_id)
    business = settings.SERVICEBOOK_BUSINESS_NAME
    body = render_to_string(
        "quotes/email/quote.txt",
        {**quote_context(quote), "link": link, "name": quote.account.customer.display_name},
    )
    message = EmailMessage(
        subject=f"{business}: quote {quote.label}, valid until {quote.valid_until:%b %-d, %Y}",
        body=body,
        to=[to_email],
    )
    message.attach(
        f"quote-{quote.number}-{quote.revision}.pdf", quote_pdf(quote), "application/pdf"
    )
    message.send(fail_silently=False)


def queue_quote_email(*, quote_id: int, to_email: str, link: str) -> None:
    """Send after the commit: nothing leaves for a send that rolled back."""
    transaction.on_commit(lambda: _send(quote_id, to_email, link))
