"""Customer quotes: prices from prices_for, options, revisions kept as history, the PDF, the
email through the real SMTP server, the one-use link (accept, decline, expired, tampered,
second use), conversion to a work order and the invoice of the done work."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.testing.factories import make_completion_code, make_user
from servicebook.integrations.models import OutboundEvent
from servicebook.inventory import services as inventory
from servicebook.ledger.verify import ledger_verify
from servicebook.quotes import services
from servicebook.quotes.documents import quote_pdf
from servicebook.quotes.models import Quote
from servicebook.workorders import services as wo

from .conftest import draft_quote, token_of

pytestmark = pytest.mark.django_db


def _send(quote, coordinator, smtp, capture):
    with capture(execute=True):
        quote = services.quote_send(quote=quote, actor=coordinator, base_url="http://testserver")
    return quote, token_of(smtp)


def test_lines_are_priced_by_prices_for_with_the_source_kept_and_taxed(
    account, coordinator, part, labour
):
    lists = make_user("service_admin")
    price_list = inventory.price_list_create(
        name="Contract", account=account, valid_from=dt.date(2020, 1, 1), actor=lists
    )
    inventory.price_list_line_set(
        price_list=price_list, catalog_item=part, unit_price="17.25", actor=lists
    )
    quote = draft_quote(account, coordinator, part, labour)
    option = quote.options.get()
    labour_line, part_line = option.lines.order_by("position")
    assert (labour_line.unit_price, labour_line.price_source) == (Decimal("95.00"), "catalog")
    assert (part_line.unit_price, part_line.price_source) == (Decimal("17.25"), "account")
    assert "Contract" in part_line.price_explanation
    assert part_line.amount == Decimal("51.75")
    assert part_line.tax_amount == Decimal("4.14")  # 51.75 x 8% = 4.14 half-up
    assert option.subtotal == Decimal("241.75")
    assert option.tax_total == Decimal("19.34")
    assert option.total == Decimal("261.09")


def test_good_better_best_options_each_have_their_lines(account, coordinator, part, labour):
    quote = draft_quote(account, coordinator, part, labour, options=("Good", "Better", "Best"))
    assert [o.label for o in quote.options.all()] == ["Good", "Better", "Best"]
    assert all(o.lines.count() == 2 for o in quote.options.all())
    with pytest.raises(ValidationFailed) as exc:
        services.quote_option_add(quote=quote, label="Premium", actor=coordinator)
    assert "label" in exc.value.errors


def test_a_sent_quote_takes_no_lines_and_a_revision_keeps_the_old_one(
    account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks
):
    quote = draft_quote(account, coordinator, part, labour)
    quote, token = _send(quote, coordinator, smtp, django_capture_on_commit_callbacks)
    with pytest.raises(InvalidTransition):
        services.quote_line_add(
            option=quote.options.get(), catalog_item=part, quantity=1, actor=coordinator
        )
    revision = services.quote_revise(quote=quote, actor=coordinator)
    quote.refresh_from_db()
    assert (revision.number, revision.revision, revision.replaces_id) == (
        quote.number,
        2,
        quote.pk,
    )
    assert quote.status == "revised"
    assert quote.options.get().lines.count() == 2  # the history is untouched
    copied = revision.options.get()
    assert copied.lines.count() == 2 and copied.total == quote.options.get().total
    services.quote_line_add(option=copied, catalog_item=part, quantity=1, actor=coordinator)
    assert quote.options.get().lines.count() == 2
    # The old revision's link now says it was replaced, and nothing changes.
    with pytest.raises(services.LinkRefused, match="replaced"):
        services.quote_accept(token=token, option_id=None)
    assert Quote.objects.get(pk=quote.pk).status == "revised"


def test_the_pdf_renders(account, coordinator, part, labour):
    quote = draft_quote(account, coordinator, part, labour, options=("Good", "Best"))
    assert quote_pdf(quote).startswith(b"%PDF")


def test_sending_emails_the_pdf_and_the_link_and_publishes_quote_sent(
    account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks
):
    quote = draft_quote(account, coordinator, part, labour)
    quote, token = _send(quote, coordinator, smtp, django_capture_on_commit_callbacks)
    assert quote.status == "sent" and quote.sent_to == "jane.quote@example.com"
    received = smtp.messages[0]
    assert received.rcpt_to == ["jane.quote@example.com"]
    message = received.message
    assert quote.number in message["Subject"]
    attachments = list(message.iter_attachments())
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content().startswith(b"%PDF")
    assert quote.link_hash == services.token_hash(token) and token not in quote.link_hash
    event = OutboundEvent.objects.get(event_type="quote.sent")
    assert event.payload["quote"] == quote.number


def test_sending_needs_lines_on_every_option(account, coordinator, part, labour):
    quote = services.quote_create(
        account=account, title="Empty", options=("Good", "Best"), actor=coordinator
    )
    services.quote_line_add(
        option=quote.options.first(), catalog_item=part, quantity=1, actor=coordinator
    )
    with pytest.raises(ValidationFailed) as exc:
        services.quote_send(quote=quote, actor=coordinator)
    assert "Best" in exc.value.errors["lines"][0]
    assert Quote.objects.get(pk=quote.pk).status == "draft"


def test_a_rep_may_not_write_quotes(account, part, labour):
    with pytest.raises(PermissionDenied):
        services.quote_create(account=account, title="X", actor=make_user("rep1"))


def test_accepting_converts_once_and_the_second_use_is_refused(
    account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks
):
    quote = draft_quote(account, coordinator, part, labour, options=("Good", "Best"))
    quote, token = _send(quote, coordinator, smtp, django_capture_on_commit_callbacks)
    best = quote.options.get(label="Best")
    quote = services.quote_accept(token=token, option_id=best.pk)
    assert quote.status == "converted" and quote.chosen_option_id == best.pk
    work_order = quote.converted_work_order
    assert work_order.account_id == account.pk and work_order.work_type == "repair"
    lines = list(work_order.lines.order_by("id"))
    assert [(ln.kind, ln.quantity, ln.unit_price) for ln in lines] == [
        ("labour", Decimal("2"), Decimal("95.00")),
        ("part", Decimal("3"), Decimal("20.00")),
    ]
    assert OutboundEvent.objects.filter(event_type="quote.approved").count() == 1
    with pytest.raises(services.LinkRefused, match="already answered"):
        services.quote_accept(token=token, option_id=best.pk)
    with pytest.raises(services.LinkRefused):
        services.quote_decline(token=token)
    assert Quote.objects.get(pk=quote.pk).status == "converted"
    assert OutboundEvent.objects.filter(event_type="quote.approved").count() == 1


def test_an_expired_or_tampered_link_changes_nothing(
    account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks
):
    quote = draft_quote(
        account,
        coordinator,
        part,
        labour,
        valid_until=timezone.localdate() + dt.timedelta(days=2),
    )
    quote, token = _send(quote, coordinator, smtp, django_capture_on_commit_callbacks)
    later = timezone.now() + dt.timedelta(days=4)
    with pytest.raises(services.LinkRefused, match="expired"):
        services.quote_accept(token=token, option_id=None, now=later)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    with pytest.raises(services.LinkRefused, match="not valid"):
        services.quote_accept(token=tampered, option_id=None)
    quote.refresh_from_db()
    assert quote.status == "sent" and quote.link_used_at is None
    assert quote.converted_work_order is None


def test_decline_uses_the_link(
    account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks
):
    quote = draft_quote(account, coordinator, part, labour)
    quote, token = _send(quote, coordinator, smtp, django_capture_on_commit_callbacks)
    quote = services.quote_decline(token=token, reason="Too dear")
    assert (quote.status, quote.decline_reason) == ("declined", "Too dear")
    with pytest.raises(services.LinkRefused):
        services.quote_accept(token=token, option_id=None)
    assert not OutboundEvent.objects.filter(event_type="quote.approved").exists()


def test_a_resend_invalidates_the_first_link(
    account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks
):
    quote = draft_quote(account, coordinator, part, labour)
    quote, first = _send(quote, coordinator, smtp, django_capture_on_commit_callbacks)
    quote, second = _send(quote, coordinator, smtp, django_capture_on_commit_callbacks)
    with pytest.raises(services.LinkRefused, match="not valid"):
        services.quote_accept(token=first, option_id=None)
    assert services.quote_accept(token=second, option_id=None).status == "converted"


def test_the_done_work_is_invoiced_once_and_the_ledger_verifies(
    account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks
):
    quote = draft_quote(account, coordinator, part, labour)
    quote, token = _send(quote, coordinator, smtp, django_capture_on_commit_callbacks)
    quote = services.quote_accept(token=token, option_id=None)
    with pytest.raises(InvalidTransition, match="completed"):
        services.quote_invoice(quote=quote, actor=coordinator)
    order = quote.converted_work_order
    now = timezone.now()
    start = (now + dt.timedelta(days=1)).replace(microsecond=0)
    order = wo.workorder_schedule(
        work_order=order,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=1),
        actor=coordinator,
        now=now,
    )
    for step in (wo.workorder_dispatch, wo.workorder_start_travel, wo.workorder_arrive):
        order = step(work_order=order, actor=coordinator, now=now)
    wo.workorder_complete(
        work_order=order,
        notes="Done",
        completion_code=make_completion_code(),
        signer_name="Jane",
        actor=coordinator,
        now=now,
    )
    invoice = services.quote_invoice(quote=quote, actor=coordinator)
    assert invoice.status == "issued" and invoice.total == quote.options.get().total
    assert [(ln.catalog_item_id, ln.amount) for ln in invoice.lines.order_by("position")] == [
        (labour.pk, Decimal("190.00")),
        (part.pk, Decimal("60.00")),
    ]
    assert services.quote_invoice(quote=quote, actor=coordinator).pk == invoice.pk
    assert ledger_verify() == []
