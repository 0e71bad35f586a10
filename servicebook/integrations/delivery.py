"""The sender: claims due deliveries, POSTs them signed, records every attempt, and
schedules retries with exponential backoff and jitter until delivered or dead.

Exactly-once per endpoint, as far as we control it:
- a delivery is claimed by a compare-and-set (due status -> "delivering" with a fresh claim
  token) under `select_for_update(skip_locked=True)` on PostgreSQL, or inside SQLite's
  IMMEDIATE write transaction; two workers never hold the same delivery;
- only the claim's holder records the outcome (the update is filtered on its token);
- a 2xx makes it "delivered", and nothing sends a delivered delivery again except a person
  replaying it by hand (same event id, so the receiver can drop it).
What we cannot control is a receiver that applied a request and then failed to answer 2xx;
that is why every request carries the event id.

HTTP is the standard library's urllib: no redirects followed (a 3xx is a failure, so a
signed body never lands somewhere the partner did not register), a timeout per endpoint.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import signing
from .choices import DUE_STATUSES, DeliveryStatus
from .models import Delivery, DeliveryAttempt

logger = logging.getLogger(__name__)
USER_AGENT = "Servicebook-Webhooks/1"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 3xx surfaces as an HTTPError
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass
class Outcome:
    """How one HTTP try ended."""

    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_for(delivery: Delivery) -> bytes:
    """The request body: the same bytes on every attempt of an event."""
    event = delivery.event
    document = {
        "id": str(event.event_id),
        "type": event.event_type,
        "occurred_at": event.occurred_at,
        "data": event.payload,
    }
    return json.dumps(
        document, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":")
    ).encode()


def backoff_seconds(attempts: int, *, rng: random.Random | None = None) -> float:
    """The wait after `attempts` failed tries: base * 2**(attempts-1), capped, less a random
    share of up to WEBHOOK_BACKOFF_JITTER percent (so a burst of failures spreads out)."""
    base = settings.WEBHOOK_BACKOFF_BASE_SECONDS
    delay = min(settings.WEBHOOK_BACKOFF_MAX_SECONDS, base * 2 ** max(attempts - 1, 0))
    jitter = (rng or random).random() * settings.WEBHOOK_BACKOFF_JITTER / 100
    return delay * (1 - jitter)


def post(delivery: Delivery, *, now: dt.datetime | None = None) -> Outcome:
    """One signed POST of the delivery's event to its endpoint (no database writes)."""
    endpoint = delivery.endpoint
    if not endpoint.url.startswith(("http://", "https://")):
        return Outcome(None, "Only http(s) URLs are sent to.", "", 0)
    body = body_for(delivery)
    timestamp = int((now or timezone.now()).timestamp())
    # The scheme is checked above (and by endpoint_create): never file: or ftp:.
    request = urllib.request.Request(  # noqa: S310
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Servicebook-Event-Id": str(delivery.event.event_id),
            "Servicebook-Event-Type": delivery.event.event_type,
            signing.HEADER: signing.signature(
                endpoint.signing_secrets(now or timezone.now()), body, timestamp
            ),
        },
    )
    timeout = endpoint.timeout_seconds or settings.WEBHOOK_TIMEOUT_SECONDS
    limit = settings.WEBHOOK_RESPONSE_EXCERPT_CHARS
    started = time.monotonic()
    status_code, error, excerpt = None, "", ""
    try:
        with _opener.open(request, timeout=timeout) as response:
            status_code = response.status
            excerpt = response.read(limit).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status_code = exc.code
        try:
            excerpt = exc.read(limit).decode("utf-8", "replace")
        except OSError:
            excerpt = ""
        finally:
            exc.close()
    except TimeoutError:
        error = f"Timed out after {timeout} s"
    except urllib.error.URLError as exc:
        error = f"Connection failed: {exc.reason}"[:500]
    except (OSError, ValueError) as exc:  # reset connections, malformed responses
        error = f"{type(exc).__name__}: {exc}"[:500]
    duration = int((time.monotonic() - started) * 1000)
    return Outcome(status_code, error, excerpt[:limit], duration)


def _due_filter(now: dt.datetime) -> Q:
    return Q(status__in=DUE_STATUSES, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.DELIVERING, lease_until__lt=now
    )


def deliveries_claim(*, limit: int, now: dt.datetime | None = None) -> list[Delivery]:
    """Claim up to `limit` due deliveries for this worker (see the module's docstring)."""
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        candidates = Delivery.objects.filter(_due_filter(now)).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        # The due filter again: the compare in compare-and-set.
        Delivery.objects.filter(_due_filter(now), pk__in=ids).update(
            status=DeliveryStatus.DELIVERING,
            claim_token=token,
            lease_until=now + dt.timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS),
        )
    return list(
        Delivery.objects.filter(claim_token=token, status=DeliveryStatus.DELIVERING)
        .select_related("event", "endpoint")
        .order_by("next_attempt_at", "id")
    )


def _max_attempts(delivery: Delivery) -> int:
    return delivery.endpoint.max_attempts or settings.WEBHOOK_MAX_ATTEMPTS


def delivery_record(
    *, delivery: Delivery, outcome: Outcome, started_at: dt.datetime, by=None
) -> DeliveryAttempt | None:
    """Write the attempt and move the delivery on: delivered, retrying later, or dead (a
    replay by hand goes back to where it was when it fails). Only the claim's holder
    records; a claim lost to an expired lease records nothing and returns None."""
    now = timezone.now()
    attempts = delivery.attempts + 1
    fields: dict = {
        "attempts": attempts,
        "claim_token": None,
        "lease_until": None,
        "replay_from": "",
        "last_status_code": outcome.status_code,
        "last_error": outcome.error or ("" if outcome.succeeded else f"HTTP {outcome.status_code}"),
    }
    if outcome.succeeded:
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    elif delivery.replay_from:
        fields.update(status=delivery.replay_from)
    elif attempts >= _max_attempts(delivery):
        fields.update(status=DeliveryStatus.DEAD)
    else:
        fields.update(
            status=DeliveryStatus.RETRYING,
            next_attempt_at=now + dt.timedelta(seconds=backoff_seconds(attempts)),
        )
    with transaction.atomic():
        won = Delivery.objects.filter(
            pk=delivery.pk, claim_token=delivery.claim_token, status=DeliveryStatus.DELIVERING
        ).update(**fields)
        if not won:
            logger.warning("delivery %s: claim lost before its outcome was recorded", delivery.pk)
            return None
        attempt = DeliveryAttempt.objects.create(
            delivery_id=delivery.pk,
            number=attempts,
            started_at=started_at,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=outcome.error,
            response_excerpt=outcome.excerpt,
            succeeded=outcome.succeeded,
            manual=by is not None,
            by=by if getattr(by, "pk", None) else None,
        )
    for name, value in fields.items():
        setattr(delivery, name, value)
    return attempt


def send_claimed(delivery: Delivery, *, by=None) -> DeliveryAttempt | None:
    """POST a claimed delivery and record how it went."""
    started_at = timezone.now()
    outcome = post(delivery, now=started_at)
    return delivery_record(delivery=delivery, outcome=outcome, started_at=started_at, by=by)


def deliver_due(*, limit: int | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Claim one batch of due deliveries and send them. Returns counts by outcome."""
    counts = {"claimed": 0, "delivered": 0, "retrying": 0, "dead": 0, "lost": 0}
    batch = deliveries_claim(limit=limit or settings.WEBHOOK_BATCH_SIZE, now=now)
    counts["claimed"] = len(batch)
    for delivery in batch:
        attempt = send_claimed(delivery)
        if attempt is None:
            counts["lost"] += 1
        elif delivery.status in counts:
            counts[delivery.status] += 1
    return counts


def deliver_until_idle(*, max_batches: int = 100) -> dict[str, int]:
    """Send batches until nothing is due (or max_batches): what a task or the sweep runs."""
    total: dict[str, int] = {}
    for _ in range(max_batches):
        counts = deliver_due()
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
        if not counts["claimed"]:
            break
    return total
