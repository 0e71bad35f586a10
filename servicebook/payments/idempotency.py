"""Idempotency, as PRODUCT.md demands of every money-moving request: the first result is
stored and replayed for retries, the same key with other parameters is an error, and
concurrent duplicates produce exactly one effect.

Two layers, each enough on its own for its callers:

* **Services** take an `idempotency_key` and store it, unique, on the document they create
  (Payment, Refund, Adjustment, Transfer) together with a fingerprint of the parameters.
  The row is inserted before any money moves, in the service's transaction, so a twin
  running at the same time blocks on the unique index (PostgreSQL) or on the write lock
  (SQLite's IMMEDIATE transactions) until the first commits, then finds its row:
  `claim_document` returns that document when the fingerprints agree and raises Conflict
  when they do not. Pages use this with a key minted when the form is shown, so a
  double-clicked "Post payment" posts once.

* **The API** (`idempotent_response`) keeps the first *reply*: the `Idempotency-Key`
  header, scoped to the caller (`user:<id>`), is inserted as an IdempotencyRecord first,
  in the same transaction as the work; the reply (status and body) is stored on it before
  commit. A retry with the same key and body gets the stored reply (header
  `Idempotent-Replayed: true`) and posts nothing; the same key with another body or on
  another endpoint is a 409; a request that failed (4xx from a refusal, 5xx) stores
  nothing, because nothing happened, and may be retried with the same key.

Keys expire after `IDEMPOTENCY_KEY_TTL_HOURS` (a periodic task prunes them); a key may be
reused after that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from servicebook.core.errors import Conflict, ValidationFailed

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces


class IdempotencyConflict(Conflict):
    """The key was already used for a different request."""

    code = "idempotency_key_reused"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


def canonical_json(value: Any) -> str:
    """One spelling for one value: sorted keys, no whitespace, decimals and dates as text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_default)


def fingerprint(**values: Any) -> str:
    """A SHA-256 of the parameters that define a request, canonically serialised."""
    return hashlib.sha256(canonical_json(values).encode()).hexdigest()


def clean_key(key: str | None, *, field: str = "idempotency_key") -> str:
    key = (key or "").strip()
    if not KEY_PATTERN.match(key):
        raise ValidationFailed(
            {field: ["An idempotency key of 1 to 255 printable characters is required."]}
        )
    return key


def claim_document(model: type[models.Model], *, key: str, digest: str, create: Callable):
    """Insert the document that carries `key`, or return the one a previous (or concurrent)
    request with the same key created. Returns (document, created).

    `create()` inserts the row; it runs in a savepoint so that a unique-key collision with a
    concurrent twin leaves the caller's transaction usable."""
    existing = model.objects.filter(idempotency_key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                return create(), True
        except IntegrityError:
            # A twin committed the same key while we waited on the unique index.
            existing = model.objects.filter(idempotency_key=key).first()
            if existing is None:
                raise
    if existing.fingerprint != digest:
        raise IdempotencyConflict(
            "This idempotency key was already used for a different request; nothing was "
            "changed. Use a new key for a new request."
        )
    existing.replayed = True
    return existing, False


# --- The API layer ------------------------------------------------------------------------------


def request_key(request) -> str:
    """The request's Idempotency-Key header, checked; a 400 naming the header otherwise."""
    return clean_key(request.headers.get(HEADER), field=HEADER)


def request_hash(request, endpoint: str) -> str:
    data = request.data
    if hasattr(data, "lists"):  # a form-encoded or multipart body: every value of every key
        data = {k: v if len(v) != 1 else v[0] for k, v in data.lists()}
    return fingerprint(endpoint=endpoint, path=request.path, body=data)


def _expiry(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def _claim_record(*, scope: str, key: str, endpoint: str, digest: str):
    """Insert the key's record, or return the stored one. Loops at most twice: once more
    when the record found had expired (and was removed) or vanished (its owner rolled
    back between our insert failing and our read)."""
    now = timezone.now()
    for _ in range(3):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    scope=scope,
                    key=key,
                    endpoint=endpoint,
                    request_hash=digest,
                    expires_at=_expiry(now),
                ), True
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if existing is None:
                continue
            if existing.expires_at <= now:
                IdempotencyRecord.objects.filter(pk=existing.pk, expires_at__lte=now).delete()
                continue
            return existing, False
    raise Conflict("This idempotency key is busy; try again.")


def idempotent_response(request, *, endpoint: str, run: Callable[[str], Response]) -> Response:
    """Run `run(service_key)` once per (caller, Idempotency-Key) and replay its reply.

    `service_key` is the key handed to the service: unique per stored record, so a key
    reused after it expired starts a new request rather than finding the old document."""
    key = request_key(request)
    scope = f"user:{request.user.pk}"
    digest = request_hash(request, endpoint)
    with transaction.atomic():
        record, created = _claim_record(scope=scope, key=key, endpoint=endpoint, digest=digest)
        if not created:
            if record.request_hash != digest:
                raise IdempotencyConflict(
                    "This Idempotency-Key was already used with a different request body or "
                    "endpoint; nothing was changed."
                )
            if record.status_code is None:  # only possible if a reply failed to store
                raise Conflict("A request with this Idempotency-Key is still in progress.")
            response = Response(record.response_body, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        response = run(f"api:{record.pk}")
        body = json.loads(JSONRenderer().render(response.data) or b"null")
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            status_code=response.status_code, response_body=body
        )
    return response


def idempotency_records_prune(*, now: dt.datetime | None = None) -> int:
    """Delete expired records (run daily by the scheduler)."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
