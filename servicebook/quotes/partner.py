"""Out-of-scope work handed to the third party that owns it (docs/quotes.md, "Partner
requests"): send a request to a partner, then track its status with a history, keeping the
customer informed.

Sending publishes `partner_request.sent` addressed to the partner (webhook partners get the
signed delivery, portal partners a portal task), in the same transaction. Every status
change is compare-and-set on the old status (InvalidTransition, 409, otherwise), writes a
PartnerRequestEvent and an audit row, publishes `partner_request.status_changed`, adds a
note on the account timeline and, when the request says so and the account has an email,
emails the customer after the commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_record
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import to_money
from servicebook.core.permissions import has_capability, require_capability
from servicebook.core.sequences import sequence_reserve
from servicebook.integrations.events import publish
from servicebook.users.roles import Cap

from .choices import PARTNER_REQUEST_TRANSITIONS, PartnerRequestStatus
from .documents import contact_email
from .models import PartnerRequest, PartnerRequestEvent

S = PartnerRequestStatus
SEQUENCE = "partner_request_number"
MAX_AMOUNT = Decimal("999999999999.99")
NOTE_MAX = 1000


def _text(value, *, field: str, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed({field: ["Give text."]})
    value = value.strip()
    if "\x00" in value:
        raise ValidationFailed({field: ["Remove the NUL character."]})
    if required and not value:
        raise ValidationFailed({field: ["This field is required."]})
    if len(value) > limit:
        raise ValidationFailed({field: [f"At most {limit} characters."]})
    return value


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = to_money(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed({"amount": ["Give an amount such as 125.00."]}) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationFailed({"amount": ["Give an amount from 0 to 999,999,999,999.99."]})
    return amount


def _payload(request: PartnerRequest, **extra) -> dict:
    return {
        "number": request.number,
        "reference": request.partner_reference,
        "status": request.status,
        "summary": request.summary,
        "description": request.description,
        "amount": str(request.amount) if request.amount is not None else None,
        "account": request.account.number,
        "work_order": request.work_order.number if request.work_order_id else None,
        **extra,
    }


@transaction.atomic
def partner_request_send(
    *,
    account,
    partner,
    summary: str,
    actor,
    description: str = "",
    amount=None,
    work_order=None,
    case=None,
    quote=None,
    notify_customer: bool = False,
    now: dt.datetime | None = None,
) -> PartnerRequest:
    """Send a request for out-of-scope work to the partner that owns it (status sent)."""
    require_capability(actor, Cap.QUOTES_EDIT)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if partner is None or not partner.active:
        errors["partner"] = ["Choose an active partner."]
    if work_order is not None and work_order.account_id != account.pk:
        errors["work_order"] = ["This work order is not the account's."]
    if case is not None and case.account_id != account.pk:
        errors["case"] = ["This case is not the account's."]
    if quote is not None and quote.account_id != account.pk:
        errors["quote"] = ["This quote is not the account's."]
    if errors:
        raise ValidationFailed(errors)
    request = PartnerRequest.objects.create(
        number=f"PR-{sequence_reserve(SEQUENCE):07d}",
        account=account,
        partner=partner,
        work_order=work_order,
        case=case,
        quote=quote,
        summary=_text(summary, field="summary", limit=200, required=True),
        description=_text(description, field="description", limit=4000),
        amount=_amount(amount),
        notify_customer=bool(notify_customer),
        sent_at=now,
        created_by=actor,
    )
    PartnerRequestEvent.objects.create(request=request, to_status=S.SENT, actor=actor, at=now)
    audit_created(actor=actor, obj=request)
    publish(
        "partner_request.sent",
        _payload(request, partner=partner.name),
        about=request,
        work_order=work_order,
        partner=partner,
        occurred_at=now,
    )
    _inform_customer(request, S.SENT, "", actor)
    return request


def _customer_text(request: PartnerRequest, status: str, note: str) -> str:
    name = request.partner.name
    text = {
        S.SENT: f"We sent your request to {name}: {request.summary}.",
        S.ACKNOWLEDGED: f"{name} received the request for {request.summary}.",
        S.APPROVED: f"{name} approved the work: {request.summary}.",
        S.REJECTED: f"{name} declined the work: {request.summary}.",
        S.DONE: f"{name} completed the work: {request.summary}.",
        S.CANCELLED: f"The request to {name} was withdrawn: {request.summary}.",
    }[status]
    ref = f" Their reference: {request.partner_reference}." if request.partner_reference else ""
    return f"{text}{ref}{' ' + note if note else ''} (request {request.number})"


def _inform_customer(request: PartnerRequest, status: str, note: str, actor) -> None:
    """A note on the account timeline (the customers' note service, as the actor; by the
    partner through the API there is no user, so the note is skipped there and the history
    row speaks instead) and, when asked and an address exists, an email after commit."""
    from servicebook.customers.choices import Channel, Direction
    from servicebook.customers.services import note_log

    text = _customer_text(request, status, note)[:1000]
    address = contact_email(request.account) if request.notify_customer else ""
    if actor is not None and has_capability(actor, Cap.ACCOUNTS_NOTE):
        note_log(
            account=request.account,
            summary=text,
            channel=Channel.EMAIL if address else Channel.INTERNAL,
            direction=Direction.OUTBOUND if address else Direction.INTERNAL,
            actor=actor,
        )
    if address:
        subject = f"{settings.SERVICEBOOK_BUSINESS_NAME}: your request {request.number}"
        transaction.on_commit(
            lambda: EmailMessage(subject=subject, body=text, to=[address]).send(fail_silently=False)
        )


def _transition(
    request: PartnerRequest,
    to: str,
    *,
    actor,
    note: str = "",
    reference: str = "",
    by_partner: bool = False,
    now: dt.datetime | None = None,
) -> PartnerRequest:
    now = now or timezone.now()
    if to not in S.values:
        raise ValidationFailed({"status": [f"Unknown status {to!r}."]})
    note = _text(note, field="note", limit=NOTE_MAX)
    reference = _text(reference, field="reference", limit=100)
    current = PartnerRequest.objects.select_related("partner", "account", "work_order").get(
        pk=request.pk
    )
    if to not in PARTNER_REQUEST_TRANSITIONS[current.status]:
        raise InvalidTransition(
            f"Request {current.number} is {current.get_status_display().lower()}: "
            f"it cannot become {S(to).label.lower()}."
        )
    fields = {"status": to, "updated_at": now}
    if reference:
        fields["partner_reference"] = reference
    # Compare-and-set on the old status: two answers at once (staff and the partner's API)
    # cannot both move the request from the same status.
    if PartnerRequest.objects.filter(pk=current.pk, status=current.status).update(**fields) != 1:
        raise InvalidTransition(f"Request {current.number} changed meanwhile; reload it.")
    before = current.status
    current.refresh_from_db()
    PartnerRequestEvent.objects.create(
        request=current,
        from_status=before,
        to_status=to,
        actor=actor if getattr(actor, "pk", None) else None,
        by_partner=by_partner,
        note=note,
        at=now,
    )
    audit_record(
        actor=actor,
        action=to,
        obj=current,
        changes={"status": [before, to]}
        | ({"partner_reference": ["", reference]} if reference else {}),
        message=(f"by {current.partner.name}: " if by_partner else "") + note,
    )
    publish(
        "partner_request.status_changed",
        _payload(current, from_status=before),
        about=current,
        work_order=current.work_order,
        occurred_at=now,
    )
    _inform_customer(current, to, note, actor)
    return current


@transaction.atomic
def partner_request_transition(
    *, request: PartnerRequest, status: str, actor, note: str = "", reference: str = ""
) -> PartnerRequest:
    """Staff record the partner's answer (acknowledged, approved, rejected, done) or cancel
    the request; the partner's reference may come with it."""
    require_capability(actor, Cap.QUOTES_EDIT)
    if status == S.REJECTED and not (note or "").strip():
        raise ValidationFailed({"note": ["Say why the partner declined."]})
    return _transition(request, status, actor=actor, note=note, reference=reference)


def partner_request_from_partner(
    *, partner, data: dict, now: dt.datetime | None = None
) -> tuple[dict, dict]:
    """The inbound API's `partner_request.status` (integrations.inbound): the partner moves
    its own request, named by our number or its reference. Runs inside the inbound event's
    transaction; ValidationFailed (400) or InvalidTransition (409) leave nothing stored."""
    number = _text(data.get("request"), field="data.request", limit=20)
    reference = _text(data.get("reference"), field="data.reference", limit=100)
    status = _text(data.get("status"), field="data.status", limit=20, required=True)
    note = _text(data.get("note"), field="data.note", limit=NOTE_MAX)
    unknown = sorted(set(data) - {"request", "reference", "status", "note"})
    if unknown:
        raise ValidationFailed({f"data.{k}": ["Unknown field."] for k in unknown})
    if status not in (S.ACKNOWLEDGED, S.APPROVED, S.REJECTED, S.DONE):
        raise ValidationFailed({"data.status": ["One of acknowledged, approved, rejected, done."]})
    if not number and not reference:
        raise ValidationFailed({"data.request": ["Name the request (or your reference)."]})
    mine = PartnerRequest.objects.filter(partner=partner)
    request = (
        mine.filter(number=number).first()
        if number
        else mine.filter(partner_reference=reference).first()
    )
    if request is None:
        field = "data.request" if number else "data.reference"
        raise ValidationFailed({field: ["No request sent to you has this number."]})
    request = _transition(
        request,
        status,
        actor=None,
        note=note,
        reference=reference if number else "",
        by_partner=True,
        now=now,
    )
    return {}, {"request": request.number, "status": request.status}
