"""Inbound partner updates: `POST /api/integrations/inbound/` with the partner's token.

Idempotent on the partner's own event id: the first request is stored with the answer it
got (an InboundEvent, unique on (partner, event id)); a replay with the same body gets that
answer again, the same id with another body is a 409. Bad input (a missing field, an
unlinked work order) is a 400 naming the field and stores nothing, so the partner may fix
it and send again with the same id. An unknown type is stored (so we see what partners try
to send) and answered 422.

Known types:
- `workorder.note`: `data.work_order` (our number) or `data.reference` (the partner's
  reference on the link), and `data.text`. The note is kept on the inbound event and shown
  on the work order's Partners box and on the account timeline, with the partner as its
  author (no user acts: the partner is the source).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from servicebook.core.audit import audit_record
from servicebook.core.errors import Conflict, ValidationFailed

from .choices import InboundStatus
from .models import InboundEvent, InboundToken, Partner, PartnerLink
from .services import token_hash

NOTE_MAX_LENGTH = 4000  # the same bound as a note on the account timeline


class InboundConflict(Conflict):
    code = "event_id_reused"


def partner_token_check(raw: str) -> InboundToken | None:
    """The live token with this value (its partner active), or None."""
    if not raw or len(raw) > 200:
        return None
    return (
        InboundToken.objects.select_related("partner")
        .filter(token_hash=token_hash(raw), revoked_at__isnull=True, partner__active=True)
        .first()
    )


def fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def _text(data: dict, key: str, *, field: str, required: bool, limit: int) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise ValidationFailed({field: ["This field is required."]})
        return ""
    if not isinstance(value, str):
        raise ValidationFailed({field: ["Give a string."]})
    value = value.strip()
    if "\x00" in value:
        raise ValidationFailed({field: ["Remove the NUL character."]})
    if required and not value:
        raise ValidationFailed({field: ["This field is required."]})
    if len(value) > limit:
        raise ValidationFailed({field: [f"At most {limit} characters."]})
    return value


def _apply_note(partner: Partner, data: dict) -> tuple[dict, dict]:
    number = _text(data, "work_order", field="data.work_order", required=False, limit=20)
    reference = _text(data, "reference", field="data.reference", required=False, limit=100)
    if not number and not reference:
        raise ValidationFailed({"data.work_order": ["Name the work order (or your reference)."]})
    text = _text(data, "text", field="data.text", required=True, limit=NOTE_MAX_LENGTH)
    links = PartnerLink.objects.filter(partner=partner).select_related("work_order")
    query = Q(work_order__number=number) if number else Q(external_reference=reference)
    link = links.filter(query).first()
    if link is None:
        field = "data.work_order" if number else "data.reference"
        raise ValidationFailed({field: ["No work order linked to you has this number."]})
    return (
        {"work_order": link.work_order, "note": text},
        {"work_order": link.work_order.number},
    )


APPLIERS = {"workorder.note": _apply_note}


def register_inbound_type(event_type: str, applier) -> None:
    """A higher app (quotes: `partner_request.status`) adds an inbound event kind. The
    applier `(partner, data) -> (fields for the InboundEvent, answer)` runs inside the
    transaction that stores the event, so what it changes commits with it or not at all."""
    APPLIERS[event_type] = applier


def _envelope(body: Any) -> tuple[str, str, dict]:
    if not isinstance(body, dict):
        raise ValidationFailed({"detail": ["Send a JSON object."]})
    errors: dict[str, list[str]] = {}
    event_id, event_type, data = body.get("event_id"), body.get("type"), body.get("data", {})
    if not isinstance(event_id, str) or not event_id.strip():
        errors["event_id"] = ["Give your event's id (a string)."]
    elif len(event_id) > 100 or "\x00" in event_id:
        errors["event_id"] = ["At most 100 characters, printable."]
    if not isinstance(event_type, str) or not event_type.strip():
        errors["type"] = ["Give the event's type."]
    elif len(event_type) > 60 or "\x00" in event_type:
        errors["type"] = ["At most 60 characters, printable."]
    if not isinstance(data, dict):
        errors["data"] = ["Give the event's data as a JSON object."]
    # PostgreSQL's text and jsonb cannot hold a NUL: refused here, not a 500 there.
    for name, value in body.items():
        if name not in errors and "\\u0000" in json.dumps(value):
            errors[name] = ["Remove the NUL characters."]
    unknown = sorted(set(body) - {"event_id", "type", "data", "occurred_at"})
    for name in unknown:
        errors[name] = ["Unknown field."]
    if errors:
        raise ValidationFailed(errors)
    return event_id.strip(), event_type.strip(), data


def inbound_receive(*, token: InboundToken, body: Any) -> tuple[InboundEvent, bool]:
    """Store and apply one inbound event. Returns (the stored event, replayed?). The
    answer to give is on the event (response_status, response_body)."""
    partner = token.partner
    event_id, event_type, data = _envelope(body)
    digest = fingerprint(body)
    existing = InboundEvent.objects.filter(partner=partner, external_event_id=event_id).first()
    if existing is not None:
        return _replayed(existing, digest), True
    fields: dict[str, Any] = {}
    applier = APPLIERS.get(event_type)
    if applier is None:
        status = InboundStatus.REJECTED
        code = 422
        answer = {
            "detail": f"Unknown event type {event_type!r}; known: {', '.join(sorted(APPLIERS))}.",
            "code": "unknown_type",
        }
    try:
        with transaction.atomic():
            if applier is not None:
                # ValidationFailed (400) or InvalidTransition (409): rolled back, nothing
                # stored, so the partner may fix and resend the same id.
                fields, result = applier(partner, data)
                status, code = InboundStatus.APPLIED, 201
                answer = {"status": "applied", **result}
            event = InboundEvent.objects.create(
                partner=partner,
                external_event_id=event_id,
                event_type=event_type,
                body=body,
                fingerprint=digest,
                status=status,
                response_status=code,
                response_body={},
                **fields,
            )
            event.response_body = {"id": event.pk, "event_id": event_id, **answer}
            event.save(update_fields=["response_body"])
            now = timezone.now()
            InboundToken.objects.filter(pk=token.pk).update(last_used_at=now, updated_at=now)
            audit_record(
                actor=None,
                action=f"inbound {status}",
                obj=event,
                message=f"{partner.name}: {event_type} {event_id}",
            )
    except IntegrityError:
        # A twin with the same id committed first (the unique key): answer as a replay.
        existing = InboundEvent.objects.get(partner=partner, external_event_id=event_id)
        return _replayed(existing, digest), True
    return event, False


def _replayed(existing: InboundEvent, digest: str) -> InboundEvent:
    if existing.fingerprint != digest:
        raise InboundConflict(
            f"Event id {existing.external_event_id} was used already with another body."
        )
    return existing
