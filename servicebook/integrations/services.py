"""Every change to the integrations app's records: partners, their endpoints, tokens and
work-order links, portal tasks ticked off, deliveries replayed by hand.

Each service checks the actor's capability, validates (ValidationFailed naming the field),
writes and audits in one transaction. Endpoint secrets and inbound tokens never reach the
audit trail or a log: the trail says only that one was set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_record, audit_updated, snapshot
from servicebook.core.errors import Conflict, InvalidTransition, ValidationFailed
from servicebook.core.permissions import require_capability
from servicebook.users.roles import Cap

from . import delivery as sender
from .choices import (
    REPLAYABLE_STATUSES,
    Connector,
    DeliveryStatus,
    EndpointScope,
    PartnerKind,
    PortalTaskStatus,
)
from .events import event_types
from .models import (
    Delivery,
    DeliveryAttempt,
    InboundToken,
    Partner,
    PartnerLink,
    PortalTask,
    WebhookEndpoint,
)

TOKEN_PREFIX = "sbp_"
PARTNER_FIELDS = (
    "name",
    "kind",
    "connector",
    "active",
    "contact_name",
    "contact_email",
    "contact_phone",
    "portal_url",
)


def token_hash(raw: str) -> str:
    """What is stored of an inbound token: its SHA-256 (the token is random, 256 bits, so a
    plain hash is enough; no salt or slow hash needed, as for API keys generally)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def _clean_partner(data: dict[str, Any], *, instance: Partner | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = ["Give the partner's name."]
    elif Partner.objects.filter(name__iexact=name).exclude(pk=getattr(instance, "pk", None)):
        errors["name"] = [f"A partner named {name} exists already."]
    if data.get("kind") not in PartnerKind.values:
        errors["kind"] = ["Choose what kind of partner this is."]
    if data.get("connector") not in Connector.values:
        errors["connector"] = ["Choose how the partner is kept up to date."]
    if errors:
        raise ValidationFailed(errors)
    return {**{k: data.get(k, "") for k in PARTNER_FIELDS}, "name": name}


@transaction.atomic
def partner_create(
    *,
    name: str,
    kind: str,
    connector: str,
    actor,
    active: bool = True,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    portal_url: str = "",
) -> Partner:
    """Add a partner."""
    require_capability(actor, Cap.INTEGRATIONS_MANAGE)
    values = _clean_partner(locals())
    partner = Partner(**values)
    _full_clean(partner)
    partner.save()
    audit_created(actor=actor, obj=partner)
    return partner


def _full_clean(obj, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed(exc.message_dict) from None


@transaction.atomic
def partner_update(*, partner: Partner, actor, **changes: Any) -> Partner:
    """Change a partner's details (name, kind, connector, active, contact, portal URL)."""
    require_capability(actor, Cap.INTEGRATIONS_MANAGE)
    unknown = set(changes) - set(PARTNER_FIELDS)
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: ["This field cannot be changed here."]})
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = snapshot(partner)
    values = _clean_partner(
        {**snapshot(partner, list(PARTNER_FIELDS)), **changes}, instance=partner
    )
    for key, value in values.items():
        setattr(partner, key, value)
    _full_clean(partner)
    partner.save(update_fields=[*PARTNER_FIELDS, "updated_at"])
    audit_updated(actor=actor, obj=partner, before=before)
    return partner


def _clean_endpoint(url: str, types: list[str], scope: str) -> tuple[str, list[str]]:
    errors: dict[str, list[str]] = {}
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors["url"] = ["Give the endpoint's full http(s) URL."]
    known = event_types()
    types = sorted(set(types or []))
    bad = [t for t in types if t not in known]
    if bad:
        errors["event_types"] = [f"Unknown event type: {', '.join(bad)}."]
    elif not types:
        errors["event_types"] = ["Subscribe the endpoint to at least one event type."]
    if scope not in EndpointScope.values:
        errors["scope"] = ["Choose which events of these types the endpoint receives."]
    if errors:
        raise ValidationFailed(errors)
    return url, types


@transaction.atomic
def endpoint_create(
    *,
    partner: Partner,
    url: str,
    event_types: list[str],
    actor,
    scope: str = EndpointScope.LINKED,
    timeout_seconds: int | None = None,
    max_attempts: int | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Add a webhook endpoint with a new signing secret. Returns the endpoint and the
    secret, which the caller shows once; the audit trail records only that one was set."""
    require_capability(actor, Cap.INTEGRATIONS_MANAGE)
    if partner.connector != Connector.WEBHOOK:
        raise ValidationFailed(
            {"url": ["This partner is updated through its portal, not webhooks."]}
        )
    url, types = _clean_endpoint(url, event_types, scope)
    for field, value in (("timeout_seconds", timeout_seconds), ("max_attempts", max_attempts)):
        if value is not None and not 1 <= int(value) <= 1000:
            raise ValidationFailed(
                {field: ["Give a whole number from 1 to 1000, or leave it blank."]}
            )
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        partner=partner,
        url=url,
        secret=secret,
        event_types=types,
        scope=scope,
        timeout_seconds=timeout_seconds,
        max_attempts=max_attempts,
    )
    changes = {k: [None, v] for k, v in snapshot(endpoint).items() if v not in (None, "", [])}
    changes["secret"] = [None, "(set)"]
    audit_record(actor=actor, action="create", obj=endpoint, changes=changes)
    return endpoint, secret


@transaction.atomic
def endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool, actor) -> WebhookEndpoint:
    """Pause or resume an endpoint. A paused endpoint gets no new deliveries; those already
    queued stay and are sent (or die) as usual."""
    require_capability(actor, Cap.INTEGRATIONS_MANAGE)
    before = snapshot(endpoint, ["active"])
    endpoint.active = bool(active)
    endpoint.save(update_fields=["active", "updated_at"])
    audit_updated(actor=actor, obj=endpoint, before=before)
    return endpoint


ENDPOINT_EDITABLE = ("url", "event_types", "scope", "active", "timeout_seconds", "max_attempts")


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, actor, **changes: Any) -> WebhookEndpoint:
    """Change an endpoint's URL, event types, scope, active flag, timeout or attempts (the
    secret changes only by rotation). Deliveries already queued keep their endpoint and go
    to the new URL from their next attempt."""
    require_capability(actor, Cap.INTEGRATIONS_MANAGE)
    unknown = set(changes) - set(ENDPOINT_EDITABLE)
    if unknown:
        raise ValidationFailed({f: ["This field cannot be changed here."] for f in unknown})
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    url, types = _clean_endpoint(
        changes.get("url", endpoint.url),
        changes.get("event_types", endpoint.event_types),
        changes.get("scope", endpoint.scope),
    )
    for field in ("timeout_seconds", "max_attempts"):
        value = changes.get(field, getattr(endpoint, field))
        if value is not None and not 1 <= int(value) <= 1000:
            raise ValidationFailed(
                {field: ["Give a whole number from 1 to 1000, or leave it blank."]}
            )
    before = snapshot(endpoint, list(ENDPOINT_EDITABLE))
    endpoint.url, endpoint.event_types = url, types
    endpoint.scope = changes.get("scope", endpoint.scope)
    endpoint.active = bool(changes.get("active", endpoint.active))
    endpoint.timeout_seconds = changes.get("timeout_seconds", endpoint.timeout_seconds)
    endpoint.max_attempts = changes.get("max_attempts", endpoint.max_attempts)
    endpoint.save(update_fields=[*ENDPOINT_EDITABLE, "updated_at"])
    audit_updated(actor=actor, obj=endpoint, before=before)
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, actor, now: dt.datetime | None = None
) -> tuple[WebhookEndpoint, str]:
    """Give the endpoint a new signing secret, returned to be shown once. For
    WEBHOOK_SECRET_GRACE_HOURS the old secret signs too (two v1= in the header), so the
    partner may switch its verifier at leisure. Rotating again during the grace period drops
    the oldest secret: only the two newest ever sign. The audit says only that it rotated."""
    require_capability(actor, Cap.INTEGRATIONS_MANAGE)
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = "whsec_" + secrets.token_urlsafe(32)
    until = now + dt.timedelta(hours=settings.WEBHOOK_SECRET_GRACE_HOURS)
    endpoint.previous_secret, endpoint.secret = endpoint.secret, secret
    endpoint.previous_secret_until, endpoint.rotated_at = until, now
    fields = ["secret", "previous_secret", "previous_secret_until", "rotated_at", "updated_at"]
    endpoint.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="rotate_secret",
        obj=endpoint,
        changes={"secret": ["(hidden)", "(rotated)"], "previous_secret_until": [None, until]},
        message=f"the old secret also signs until {until:%Y-%m-%d %H:%M} UTC",
    )
    return endpoint, secret


@transaction.atomic
def token_issue(*, partner: Partner, label: str = "", actor) -> tuple[InboundToken, str]:
    """Issue an inbound API token. Returns the row and the token, shown once; only its
    SHA-256 is kept."""
    require_capability(actor, Cap.INTEGRATIONS_MANAGE)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = InboundToken.objects.create(
        partner=partner,
        label=(label or "").strip()[:100],
        prefix=raw[:12],
        token_hash=token_hash(raw),
    )
    audit_record(
        actor=actor,
        action="create",
        obj=token,
        changes={
            "partner": [None, partner.pk],
            "label": [None, token.label],
            "token": [None, "(set)"],
        },
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: InboundToken, actor) -> InboundToken:
    """Revoke an inbound token: the partner's calls with it are refused from now on."""
    require_capability(actor, Cap.INTEGRATIONS_MANAGE)
    now = timezone.now()
    if not InboundToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, updated_at=now
    ):
        raise InvalidTransition("This token is revoked already.")
    token.revoked_at = now
    audit_record(actor=actor, action="revoke", obj=token, changes={"revoked_at": [None, now]})
    return token


@transaction.atomic
def link_create(
    *, partner: Partner, work_order, external_reference: str = "", actor
) -> PartnerLink:
    """Link a partner to a work order: its events go to the partner from now on."""
    require_capability(actor, Cap.INTEGRATIONS_TASKS)
    if not partner.active:
        raise ValidationFailed({"partner": [f"{partner.name} is not active."]})
    reference = (external_reference or "").strip()
    if len(reference) > 100:
        raise ValidationFailed({"external_reference": ["At most 100 characters."]})
    try:
        with transaction.atomic():
            link = PartnerLink.objects.create(
                partner=partner,
                work_order=work_order,
                external_reference=reference,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        raise Conflict(
            f"{partner.name} is linked to work order {work_order.number} already.", field="partner"
        ) from None
    audit_created(actor=actor, obj=link)
    return link


@transaction.atomic
def link_remove(*, link: PartnerLink, actor) -> None:
    """Unlink a partner from a work order (its later events no longer go to the partner)."""
    require_capability(actor, Cap.INTEGRATIONS_TASKS)
    audit_record(actor=actor, action="delete", obj=link, changes=snapshot(link))
    link.delete()


@transaction.atomic
def portal_task_done(*, task: PortalTask, reference: str, actor) -> PortalTask:
    """Tick off a portal task with the reference the partner's portal gave (required)."""
    require_capability(actor, Cap.INTEGRATIONS_TASKS)
    reference = (reference or "").strip()
    if not reference:
        raise ValidationFailed({"reference": ["Give the reference the portal gave you."]})
    if len(reference) > 100:
        raise ValidationFailed({"reference": ["At most 100 characters."]})
    now = timezone.now()
    done = PortalTask.objects.filter(pk=task.pk, status=PortalTaskStatus.OPEN).update(
        status=PortalTaskStatus.DONE,
        reference=reference,
        done_by=actor,
        done_at=now,
        updated_at=now,
    )
    if not done:
        raise InvalidTransition("This task is done already.")
    before = snapshot(task, ["status", "reference", "done_at"])
    task.refresh_from_db()
    audit_updated(actor=actor, obj=task, before=before, action="done")
    return task


def delivery_replay(*, delivery: Delivery, actor, reason: str = "") -> DeliveryAttempt | None:
    """Send a delivered or dead delivery again, now, as a new attempt with the same event id
    (so the receiver can drop a duplicate). The claim and its audit row commit first; the
    POST happens outside any transaction; a failed replay leaves the delivery as it was
    (delivered stays delivered, dead stays dead)."""
    require_capability(actor, Cap.INTEGRATIONS_TASKS)
    token = uuid.uuid4()
    with transaction.atomic():
        current = Delivery.objects.filter(pk=delivery.pk).values_list("status", flat=True).first()
        if current not in REPLAYABLE_STATUSES:
            raise InvalidTransition(
                "Only a delivered or dead delivery can be replayed; this one is "
                f"{DeliveryStatus(current).label.lower() if current else 'gone'}."
            )
        now = timezone.now()
        claimed = Delivery.objects.filter(pk=delivery.pk, status=current).update(
            status=DeliveryStatus.DELIVERING,
            claim_token=token,
            replay_from=current,
            lease_until=now + dt.timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS),
        )
        if not claimed:
            raise Conflict("Someone else is sending this delivery right now.")
        audit_record(
            actor=actor,
            action="replay",
            obj=delivery,
            changes={"status": [current, DeliveryStatus.DELIVERING]},
            message=f"Replay by hand of event {delivery.event.event_id}"
            + (f": {reason.strip()}" if reason and reason.strip() else ""),
        )
    fresh = Delivery.objects.select_related("event", "endpoint").get(pk=delivery.pk)
    attempt = sender.send_claimed(fresh, by=actor)
    delivery.refresh_from_db()
    return attempt
