"""Signatures of outbound webhooks, Stripe-style.

Header `Servicebook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The
timestamp is inside the signed text, so a receiver that checks it against a tolerance window
(settings.WEBHOOK_SIGNATURE_TOLERANCE_SECONDS) refuses a captured request replayed later;
the event id header lets it drop a legitimate retry it already applied. `verify` is what a
receiver runs (our tests and the benchmark's receiver use it too).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings

HEADER = "Servicebook-Signature"


class SignatureInvalid(Exception):
    """The signature header is missing, malformed, wrong, or too old."""


def signature(secret: str | list[str], body: bytes, timestamp: int) -> str:
    """The header value for this body signed at this instant. Given several secrets (the
    new and the old during a rotation's grace period), one v1= per secret, newest first:
    a receiver holding either secret verifies it (Stripe does the same)."""
    signed = str(int(timestamp)).encode() + b"." + body
    keys = [secret] if isinstance(secret, str) else secret
    digests = [hmac.new(k.encode(), signed, hashlib.sha256).hexdigest() for k in keys]
    return f"t={int(timestamp)}," + ",".join(f"v1={d}" for d in digests)


def verify(
    secret: str,
    body: bytes,
    header: str | None,
    *,
    now: float | None = None,
    tolerance: int | None = None,
) -> int:
    """Check a received signature; returns its timestamp or raises SignatureInvalid."""
    if not header:
        raise SignatureInvalid("No signature header.")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureInvalid("The signature has no valid timestamp.") from None
    tolerance = settings.WEBHOOK_SIGNATURE_TOLERANCE_SECONDS if tolerance is None else tolerance
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureInvalid("The signature's timestamp is outside the tolerance window.")
    expected = signature(secret, body, timestamp).split("v1=", 1)[1]  # one secret: one v1
    # Several v1 values are allowed (a receiver rotating secrets); constant-time compare.
    if not any(hmac.compare_digest(expected, v) for v in parts.get("v1", [])):
        raise SignatureInvalid("The signature does not match the body.")
    return timestamp
