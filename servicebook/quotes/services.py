"""Writes of customer quotes: create, options and lines (drafts only), revise, send (PDF and
email with a one-use link), the customer's answer through the link (accept converts to a
work order; decline), and the invoice of a converted quote once its work is done.

Every service checks the actor's capability (the link's services have no actor: the token
is the customer's authority), validates with ValidationFailed naming the field, locks the
quote, checks its status (InvalidTransition, 409, before anything changes), writes, audits
and publishes the integration event in one transaction. Subcontractor quotes live in
subcontract.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from servicebook.billing.models import CatalogItem
from servicebook.billing.pricing import line_amount, line_tax
from servicebook.billing.services import tax_rates_for
from servicebook.core.audit import audit_created, audit_record, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import require_capability
from servicebook.core.sequences import sequence_reserve
from servicebook.customers.models import Account
from servicebook.integrations.events import publish
from servicebook.inventory.pricing import prices_for
from servicebook.users.roles import Cap
from servicebook.workorders.choices import LineKind, WorkOrderStatus, WorkOrderType

from .choices import QUOTE_REVISABLE, QuoteStatus
from .models import Quote, QuoteLine, QuoteOption, QuotePolicy

S = QuoteStatus
QUOTE_SEQUENCE = "quote_number"
MAX_OPTIONS = 3  # good / better / best: the page and the PDF lay out three columns at most


def quote_policy() -> QuotePolicy:
    return QuotePolicy.objects.get_or_create(key="default")[0]


def _number() -> str:
    return f"Q-{sequence_reserve(QUOTE_SEQUENCE):08d}"


def _locked(quote: Quote) -> Quote:
    return Quote.objects.select_for_update(of=("self",)).select_related("account").get(pk=quote.pk)


def _require(quote: Quote, *statuses: str, doing: str) -> None:
    if quote.status not in statuses:
        raise InvalidTransition(
            f"Quote {quote.label} is {quote.get_status_display().lower()}: it cannot be {doing}."
        )


def _recompute(option: QuoteOption) -> None:
    lines = list(option.lines.all())
    option.subtotal = to_money(sum((ln.amount for ln in lines), ZERO))
    option.tax_total = to_money(sum((ln.tax_amount for ln in lines), ZERO))
    option.total = option.subtotal + option.tax_total
    option.save(update_fields=["subtotal", "tax_total", "total"])


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


# --- Drafting ---------------------------------------------------------------------------------


@transaction.atomic
def quote_create(
    *,
    account: Account,
    title: str,
    valid_until: dt.date | None = None,
    terms: str | None = None,
    work_type: str = WorkOrderType.REPAIR,
    work_order=None,
    case=None,
    options: Sequence[str] = ("Standard",),
    actor,
) -> Quote:
    """Open a draft quote with its options (one, "Standard", for the plain case). Validity
    and terms default to the quote policy's."""
    require_capability(actor, Cap.QUOTES_EDIT)
    policy = quote_policy()
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = ["Say in a few words what the quote is for."]
    valid_until = valid_until or today + dt.timedelta(days=policy.valid_days)
    if valid_until < today:
        errors["valid_until"] = ["The quote must be valid until today or later."]
    if work_type not in WorkOrderType.values:
        errors["work_type"] = [f"Unknown work-order type “{work_type}”."]
    labels = [label.strip() for label in options if label and label.strip()]
    if not labels:
        errors["options"] = ["Give at least one option."]
    elif len(labels) > MAX_OPTIONS:
        errors["options"] = [f"At most {MAX_OPTIONS} options (good, better, best)."]
    elif len(set(labels)) != len(labels):
        errors["options"] = ["Give each option its own label."]
    if work_order is not None and work_order.account_id != account.pk:
        errors["work_order"] = ["That work order belongs to another account."]
    if case is not None and case.account_id != account.pk:
        errors["case"] = ["That case belongs to another account."]
    if errors:
        raise ValidationFailed(errors)
    quote = Quote.objects.create(
        number=_number(),
        account=account,
        work_order=work_order,
        case=case,
        title=title[:200],
        work_type=work_type,
        valid_until=valid_until,
        terms=policy.terms if terms is None else terms.strip(),
        created_by=_user(actor),
    )
    QuoteOption.objects.bulk_create(
        QuoteOption(quote=quote, position=i, label=label[:80])
        for i, label in enumerate(labels, start=1)
    )
    audit_created(actor=actor, obj=quote)
    return quote


@transaction.atomic
def quote_option_add(*, quote: Quote, label: str, actor) -> QuoteOption:
    """Add an option (better, best) to a draft."""
    require_capability(actor, Cap.QUOTES_EDIT)
    quote = _locked(quote)
    _require(quote, S.DRAFT, doing="changed (only drafts are)")
    label = (label or "").strip()
    existing = list(quote.options.values_list("label", flat=True))
    if not label:
        raise ValidationFailed({"label": ["Name the option (good, better, best...)."]})
    if label in existing:
        raise ValidationFailed({"label": [f"The quote already has an option “{label}”."]})
    if len(existing) >= MAX_OPTIONS:
        raise ValidationFailed({"label": [f"At most {MAX_OPTIONS} options."]})
    option = QuoteOption.objects.create(quote=quote, position=len(existing) + 1, label=label[:80])
    audit_record(actor=actor, action="add_option", obj=quote, changes={"option": [None, label]})
    return option


@transaction.atomic
def quote_line_add(
    *,
    option: QuoteOption,
    catalog_item: CatalogItem | None,
    quantity,
    description: str = "",
    actor,
) -> QuoteLine:
    """Add a catalog item to an option of a draft at the account's price on the day
    (inventory.pricing.prices_for: account list, class list or catalog), taxed at its tax
    code's rate in the account's jurisdiction, amounts half-up at the line."""
    require_capability(actor, Cap.QUOTES_EDIT)
    quote = _locked(option.quote)
    _require(quote, S.DRAFT, doing="changed (only drafts are)")
    if catalog_item is None:
        raise ValidationFailed({"catalog_item": ["Choose a catalog item."]})
    if not catalog_item.active:
        raise ValidationFailed({"catalog_item": ["That item is no longer sold."]})
    today = timezone.localdate()
    price = prices_for(account=quote.account, items_with_qty=[(catalog_item, quantity)], on=today)[
        catalog_item.pk
    ]
    rate = (
        tax_rates_for(quote.account.jurisdiction, today).get(catalog_item.tax_code_id, Decimal(0))
        if catalog_item.tax_code_id
        else Decimal("0")
    )
    amount = line_amount(price.quantity, price.unit_price)
    position = option.lines.order_by("-position").values_list("position", flat=True).first() or 0
    line = QuoteLine.objects.create(
        option=option,
        position=position + 1,
        catalog_item=catalog_item,
        kind=catalog_item.kind,
        description=((description or "").strip() or catalog_item.name)[:300],
        quantity=price.quantity,
        unit=catalog_item.unit,
        unit_price=price.unit_price,
        price_source=price.source,
        price_explanation=price.explanation[:300],
        amount=amount,
        tax_code_id=catalog_item.tax_code_id,
        tax_rate=rate,
        tax_amount=line_tax(amount, rate),
    )
    _recompute(option)
    audit_record(
        actor=actor,
        action="add_line",
        obj=quote,
        changes={"line": [None, f"{option.label}: {line} = {amount} ({price.explanation})"]},
    )
    return line


@transaction.atomic
def quote_line_remove(*, line: QuoteLine, actor) -> None:
    """Take a line off an option of a draft."""
    require_capability(actor, Cap.QUOTES_EDIT)
    option = line.option
    quote = _locked(option.quote)
    _require(quote, S.DRAFT, doing="changed (only drafts are)")
    text = f"{option.label}: {line}"
    line.delete()
    _recompute(option)
    audit_record(actor=actor, action="remove_line", obj=quote, changes={"line": [text, None]})


@transaction.atomic
def quote_revise(*, quote: Quote, actor) -> Quote:
    """A new draft revision (same number, next revision) copying the options and lines at
    their quoted prices; the old one becomes read-only history ("replaced by a revision")
    and its link stops accepting answers."""
    require_capability(actor, Cap.QUOTES_EDIT)
    quote = _locked(quote)
    _require(quote, *QUOTE_REVISABLE, doing="revised")
    policy = quote_policy()
    today = timezone.localdate()
    new = Quote.objects.create(
        number=quote.number,
        revision=quote.revision + 1,
        replaces=quote,
        account=quote.account,
        work_order=quote.work_order,
        case=quote.case,
        title=quote.title,
        work_type=quote.work_type,
        valid_until=max(quote.valid_until, today + dt.timedelta(days=policy.valid_days)),
        terms=quote.terms,
        created_by=_user(actor),
    )
    for option in quote.options.prefetch_related("lines"):
        copy = QuoteOption.objects.create(
            quote=new,
            position=option.position,
            label=option.label,
            subtotal=option.subtotal,
            tax_total=option.tax_total,
            total=option.total,
        )
        lines = list(option.lines.all())
        for line in lines:
            line.pk = None
            line.option = copy
        QuoteLine.objects.bulk_create(lines)
    before = snapshot(quote, ["status"])
    quote.status = S.REVISED
    quote.save(update_fields=["status", "updated_at"])
    audit_updated(actor=actor, obj=quote, before=before, action="revise", message=new.label)
    audit_created(actor=actor, obj=new, message=f"revision of {quote.label}")
    return new


# --- Sending and the link ---------------------------------------------------------------------


def token_hash(token: str) -> str:
    """The stored form of a link token: only its SHA-256, so a database leak gives no link."""
    return hashlib.sha256(token.encode()).hexdigest()


def quote_link_path(token: str) -> str:
    from django.urls import reverse

    return reverse("quote_link:open", kwargs={"token": token})


def _payload(quote: Quote, **extra) -> dict:
    return {
        "quote": quote.number,
        "revision": quote.revision,
        "account": quote.account.number,
        "status": quote.status,
        "valid_until": quote.valid_until.isoformat(),
        "options": [
            {"label": o.label, "total": str(o.total)} for o in quote.options.order_by("position")
        ],
        **extra,
    }


@transaction.atomic
def quote_send(*, quote: Quote, actor, to_email: str = "", base_url: str = "") -> Quote:
    """Send a draft (or send a sent quote again): a fresh one-use link (any earlier link of
    this quote stops working), status sent, the `quote.sent` event, and after the commit the
    email with the PDF and the link to the account's contact (or the address given)."""
    from .documents import contact_email, queue_quote_email

    require_capability(actor, Cap.QUOTES_EDIT)
    quote = _locked(quote)
    _require(quote, S.DRAFT, S.SENT, doing="sent")
    errors: dict[str, list[str]] = {}
    options = list(quote.options.all())
    empty = [o.label for o in options if not o.lines.exists()]
    if not options or empty:
        errors["lines"] = [f"Add lines to every option first (empty: {', '.join(empty)})."]
    if quote.valid_until < timezone.localdate():
        errors["valid_until"] = ["The quote's validity is over: revise it first."]
    address = (to_email or "").strip().lower() or contact_email(quote.account)
    if not address:
        errors["to_email"] = ["The account has no email address; give one."]
    if errors:
        raise ValidationFailed(errors)
    token = secrets.token_urlsafe(32)
    before = snapshot(quote, ["status", "sent_to"])
    quote.status = S.SENT
    quote.sent_at = timezone.now()
    quote.sent_to = address
    quote.link_hash = token_hash(token)
    quote.save(update_fields=["status", "sent_at", "sent_to", "link_hash", "updated_at"])
    audit_updated(actor=actor, obj=quote, before=before, action="send", message=address)
    publish(
        "quote.sent", _payload(quote, sent_to=address), about=quote, work_order=quote.work_order
    )
    queue_quote_email(
        quote_id=quote.pk, to_email=address, link=base_url.rstrip("/") + quote_link_path(token)
    )
    # The raw token rides on the returned object only (never stored, never logged), for a
    # caller that follows the link itself: the demo seed accepts a quote as a customer would.
    quote.link_token = token
    return quote


class LinkRefused(InvalidTransition):
    """The link cannot be used: unknown (tampered), used, expired or replaced."""


def quote_for_token(token: str, *, today: dt.date | None = None) -> Quote:
    """The quote a link opens, or LinkRefused saying why (nothing changes either way)."""
    quote = (
        Quote.objects.select_related("account__customer")
        .filter(link_hash=token_hash(token))
        .first()
        if token
        else None
    )
    if quote is None:
        raise LinkRefused("This link is not valid. Check that it was copied whole.")
    today = today or timezone.localdate()
    if quote.status == S.REVISED:
        raise LinkRefused(
            f"Quote {quote.label} was replaced by a newer revision; use the link of the "
            "latest email."
        )
    if quote.status == S.EXPIRED:
        raise LinkRefused(
            f"Quote {quote.label} expired on {quote.valid_until:%b %-d, %Y}. "
            "Contact us for a new quote."
        )
    if quote.link_used_at is not None or quote.status != S.SENT:
        raise LinkRefused(
            f"Quote {quote.label} was already answered ({quote.get_status_display().lower()})."
        )
    if quote.valid_until < today:
        raise LinkRefused(
            f"Quote {quote.label} expired on {quote.valid_until:%b %-d, %Y}. "
            "Contact us for a new quote."
        )
    return quote


def _use_link(quote: Quote, status: str, now: dt.datetime, **fields) -> None:
    """Compare-and-set: the first answer wins; a second click (or a race between two tabs)
    finds the link used and changes nothing."""
    updated = Quote.objects.filter(
        pk=quote.pk, status=S.SENT, link_used_at__isnull=True, link_hash=quote.link_hash
    ).update(status=status, link_used_at=now, decided_at=now, updated_at=now, **fields)
    if updated != 1:
        raise LinkRefused(f"Quote {quote.label} was already answered.")
    quote.refresh_from_db()


@transaction.atomic
def quote_accept(*, token: str, option_id: int | None, now: dt.datetime | None = None) -> Quote:
    """The customer accepts one option through the link: status accepted, `quote.approved`
    published, then converted into a work order (the quote's type, the option's lines as
    work-order lines) in the same transaction. No actor: the token is the authority."""
    now = now or timezone.now()
    quote = quote_for_token(token, today=timezone.localdate(now))
    options = {o.pk: o for o in quote.options.all()}
    if option_id is None and len(options) == 1:
        option_id = next(iter(options))
    option = options.get(int(option_id)) if option_id not in (None, "") else None
    if option is None:
        raise ValidationFailed({"option": ["Choose one of the options."]})
    _use_link(quote, S.ACCEPTED, now, chosen_option=option)
    audit_record(
        actor=None,
        action="accept",
        obj=quote,
        changes={"status": [S.SENT, S.ACCEPTED], "option": [None, option.label]},
        message="by the customer through the quote link",
    )
    publish(
        "quote.approved",
        _payload(quote, option=option.label, total=str(option.total)),
        about=quote,
        work_order=quote.work_order,
    )
    return _convert(quote, option, now)


def _convert(quote: Quote, option: QuoteOption, now: dt.datetime) -> Quote:
    from servicebook.workorders.services import workorder_create, workorder_line_add

    work_order = workorder_create(
        account=quote.account,
        work_type=quote.work_type,
        summary=f"{quote.title} (quote {quote.label}, {option.label})"[:200],
        description=f"Accepted by the customer on {timezone.localtime(now):%b %-d, %Y}.",
        case=quote.case,
        location=quote.work_order.location if quote.work_order else None,
        actor=None,
        now=now,
    )
    for line in option.lines.all():
        workorder_line_add(
            work_order=work_order,
            kind=LineKind.PART if line.kind == "part" else LineKind.LABOUR,
            description=line.description[:200],
            quantity=line.quantity,
            unit=line.unit or "ea",
            unit_price=line.unit_price,
            actor=None,
            now=now,
        )
    Quote.objects.filter(pk=quote.pk).update(
        status=S.CONVERTED, converted_work_order=work_order, updated_at=now
    )
    quote.refresh_from_db()
    audit_record(
        actor=None,
        action="convert",
        obj=quote,
        changes={"status": [S.ACCEPTED, S.CONVERTED], "work_order": [None, work_order.number]},
    )
    return quote


@transaction.atomic
def quote_decline(*, token: str, reason: str = "", now: dt.datetime | None = None) -> Quote:
    """The customer declines through the link (a reason is optional); the link is used."""
    now = now or timezone.now()
    quote = quote_for_token(token, today=timezone.localdate(now))
    reason = (reason or "").strip()[:500]
    _use_link(quote, S.DECLINED, now, decline_reason=reason)
    audit_record(
        actor=None,
        action="decline",
        obj=quote,
        changes={"status": [S.SENT, S.DECLINED]},
        message=f"by the customer through the quote link{': ' + reason if reason else ''}",
    )
    return quote


# --- Invoicing the done work ------------------------------------------------------------------


@transaction.atomic
def quote_invoice(*, quote: Quote, actor, issued_on: dt.date | None = None) -> Invoice:  # noqa: F821
    """Invoice a converted quote whose work order is completed (or closed): a draft with the
    accepted option's lines at their quoted prices and the items' tax codes, issued (posted
    to the ledger) through billing's services. Once only: a second call returns the same
    invoice."""
    from servicebook.billing.services import invoice_create_draft, invoice_issue, invoice_line_add

    require_capability(actor, Cap.BILLING_ISSUE)
    quote = _locked(quote)
    if quote.invoice_id:
        return quote.invoice
    _require(quote, S.CONVERTED, doing="invoiced (only converted quotes are)")
    work_order = quote.converted_work_order
    if work_order.status not in (WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED):
        raise InvalidTransition(
            f"Work order {work_order.number} is {work_order.get_status_display().lower()}: "
            "invoice it once the work is completed."
        )
    invoice = invoice_create_draft(
        account=quote.account,
        memo=f"Quote {quote.label}, work order {work_order.number}",
        actor=actor,
    )
    for line in quote.chosen_option.lines.select_related("catalog_item"):
        invoice_line_add(
            invoice=invoice,
            catalog_item=line.catalog_item,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            actor=actor,
        )
    invoice = invoice_issue(invoice=invoice, actor=actor, issued_on=issued_on)
    quote.invoice = invoice
    quote.save(update_fields=["invoice", "updated_at"])
    audit_record(
        actor=actor, action="invoice", obj=quote, changes={"invoice": [None, invoice.number]}
    )
    return invoice
