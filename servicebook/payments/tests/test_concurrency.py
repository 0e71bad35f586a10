"""The idempotency contract under real concurrency: 16 threads send the same request with
one Idempotency-Key at the same moment; exactly one payment posts, the balance moves once,
and every thread gets the same reply. Runs on whichever database the suite runs on
(SQLite and PostgreSQL both in CI), with real threads and connections.

On SQLite the test database lives in memory with a shared cache, whose table locks fail at
once instead of waiting, unlike the product's database file (WAL, IMMEDIATE transactions,
a busy timeout). The test therefore copies the migrated database to a file and points the
threads at it, so they meet SQLite exactly as the product does."""

from __future__ import annotations

import contextlib
import tempfile
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection, connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from servicebook.core.testing.factories import make_account, make_user
from servicebook.ledger.models import JournalEntry
from servicebook.ledger.selectors import balance_of
from servicebook.ledger.verify import ledger_verify
from servicebook.payments.models import IdempotencyRecord, Payment

THREADS = 16


@contextlib.contextmanager
def database_for_threads():
    """PostgreSQL as it is; SQLite copied from memory to a file that new threads open.
    The main thread keeps its in-memory connection (closing the last one would drop the
    test database), so checks after the threads run in a thread too (`in_thread`)."""
    if connection.vendor != "sqlite":
        yield
        return
    import sqlite3

    with tempfile.TemporaryDirectory() as directory:
        path = str(Path(directory) / "threads.sqlite3")
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        original = connections.settings["default"]["NAME"]
        connections.settings["default"]["NAME"] = path
        try:
            yield
        finally:
            connections.settings["default"]["NAME"] = original


def in_thread(check):
    """Run `check()` on a fresh connection (the threads' database) and return its result."""
    (result,) = _concurrently(lambda _: check(), n=1)
    if isinstance(result, Exception):
        raise result
    return result


def _concurrently(work, n=THREADS):
    """Run work(i) in n threads released together; returns their results in order."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # reported by the test, not lost in a thread
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_sixteen_concurrent_retries_with_one_key_post_exactly_one_payment():
    rep = make_user("rep1")
    account = make_account(actor=make_user("admin"))
    token = Token.objects.create(user=rep).key
    body = {"account": account.pk, "amount": "42.50", "method": "cash", "channel": "counter"}

    def post(_):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_IDEMPOTENCY_KEY="one-key")
        response = client.post("/api/payments/", body, format="json")
        return response.status_code, response.json()

    with database_for_threads():
        results = _concurrently(post)
        errors = [r for r in results if isinstance(r, Exception)]
        assert not errors, errors
        assert {code for code, _ in results} == {201}
        assert len({repr(sorted(body.items())) for _, body in results}) == 1  # one reply
        assert in_thread(
            lambda: (
                Payment.objects.count(),
                JournalEntry.objects.filter(source_type="payment").count(),
                IdempotencyRecord.objects.count(),
                balance_of(account).balance,
                ledger_verify(),
            )
        ) == (1, 1, 1, Decimal("-42.50"), [])


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_with_different_keys_all_post_and_add_up():
    """The other half of the contract: distinct requests are not mistaken for retries,
    and concurrent postings on one account add up."""
    rep = make_user("rep1")
    account = make_account(actor=make_user("admin"))
    token = Token.objects.create(user=rep).key

    def post(i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_IDEMPOTENCY_KEY=f"k-{i}")
        body = {"account": account.pk, "amount": "1.10", "method": "cash", "channel": "counter"}
        response = client.post("/api/payments/", body, format="json")
        return response.status_code if response.status_code == 201 else response.json()

    with database_for_threads():
        results = _concurrently(post, n=8)
        assert results == [201] * 8
        assert in_thread(lambda: (balance_of(account).balance, ledger_verify())) == (
            Decimal("-8.80"),
            [],
        )
