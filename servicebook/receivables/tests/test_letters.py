"""Collection letters by email, against a real SMTP server started by the test: sent once
with the PDF attached, retried after a refusal, to the print list without an address (or
after the last attempt), never twice — not on a rerun, not from two workers at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from servicebook.core.testing.factories import make_account, make_user
from servicebook.core.testing.smtp import SmtpSink
from servicebook.customers.models import ContactEmail
from servicebook.customers.services import ContactInput, contact_add, contact_update
from servicebook.receivables.letters import (
    collection_letters_send,
    collection_letters_send_all,
    letter_addresses,
)
from servicebook.receivables.models import CollectionLetter, LetterChannel
from servicebook.receivables.services import collections_run

from .collections import make_collection_policy, owe

DAY = dt.date(2026, 11, 2)
NOW = dt.datetime(2026, 11, 2, 22, 0, tzinfo=dt.UTC)


@pytest.fixture
def admin(db):
    return make_user("admin")


@pytest.fixture
def smtp(settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.TIME_ZONE = "UTC"
        yield sink


def late_account(admin, **kwargs):
    """An account 10 days late on 120.00 on DAY: the run gives it a reminder letter."""
    account = make_account(actor=admin, **kwargs)
    owe(account, "120.00", due=DAY - dt.timedelta(days=10), actor=admin)
    return account


@pytest.fixture
def letters(admin):
    """Two reminder letters rendered by the run on DAY: Jane has an email, Omar has none."""
    make_collection_policy(admin)
    jane = late_account(admin, first_name="Jane", email="Jane.Late@Example.com")
    omar = late_account(admin, first_name="Omar")
    ContactEmail.objects.filter(account=omar).delete()
    collections_run(as_of=DAY, actor=admin)
    assert CollectionLetter.objects.count() == 2
    return {"jane": jane, "omar": omar}


def letter_of(account) -> CollectionLetter:
    return CollectionLetter.objects.get(account=account)


def test_a_letter_is_emailed_once_with_its_pdf_and_recorded(letters, smtp):
    report = collection_letters_send(limit=50, now=NOW)
    assert (report.emailed, report.to_print, report.retrying) == (1, 1, 0)
    (received,) = smtp.messages
    assert received.rcpt_to == ["jane.late@example.com"]
    message = received.message
    assert "Reminder" in message["Subject"] and letters["jane"].number in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "120.00 is past due on 2026-11-02" in body
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename().endswith(".pdf")
    assert attachment.get_content().startswith(b"%PDF-")
    letter = letter_of(letters["jane"])
    assert (letter.channel, letter.to_email, letter.attempts, letter.error) == (
        LetterChannel.EMAIL,
        "jane.late@example.com",
        1,
        "",
    )
    assert letter.sent_at is not None and letter.claim == "" and letter.claimed_at is None
    # Sent is final: the next calls send nothing more.
    assert collection_letters_send(limit=50, now=NOW + dt.timedelta(hours=1)).claimed == 0
    assert len(smtp.messages) == 1


def test_without_an_email_address_the_letter_goes_to_the_print_list(letters, smtp):
    collection_letters_send(limit=50, now=NOW)
    letter = letter_of(letters["omar"])
    assert (letter.channel, letter.error, letter.sent_at) == (
        LetterChannel.PRINT,
        "no email address",
        None,
    )
    assert all(m.rcpt_to != [] and "omar" not in m.rcpt_to[0] for m in smtp.messages)


def test_a_refused_email_is_retried_later_then_sent(letters, smtp, settings):
    settings.COLLECTION_LETTER_RETRY_SECONDS = 300
    smtp.fail_next(1)
    report = collection_letters_send(limit=50, now=NOW)
    assert (report.emailed, report.retrying) == (0, 1)
    assert smtp.messages == []
    letter = letter_of(letters["jane"])
    assert letter.channel == LetterChannel.PENDING and letter.attempts == 1
    assert "451" in letter.error and letter.next_attempt_at == NOW + dt.timedelta(seconds=300)
    # Not before its retry time...
    assert collection_letters_send(limit=50, now=NOW + dt.timedelta(seconds=60)).claimed == 0
    # ...then sent, once.
    report = collection_letters_send(limit=50, now=NOW + dt.timedelta(seconds=301))
    assert report.emailed == 1 and len(smtp.messages) == 1
    letter.refresh_from_db()
    assert (letter.channel, letter.attempts, letter.error) == (LetterChannel.EMAIL, 2, "")


def test_after_the_last_attempt_the_letter_is_printed_instead(letters, smtp, settings):
    settings.COLLECTION_LETTER_MAX_ATTEMPTS = 2
    settings.COLLECTION_LETTER_RETRY_SECONDS = 1
    smtp.fail_next(5)
    collection_letters_send(limit=50, now=NOW)
    report = collection_letters_send(limit=50, now=NOW + dt.timedelta(minutes=1))
    assert report.to_print == 1
    letter = letter_of(letters["jane"])
    assert (letter.channel, letter.attempts) == (LetterChannel.PRINT, 2)
    assert "451" in letter.error and letter.to_email == "jane.late@example.com"
    assert collection_letters_send(limit=50, now=NOW + dt.timedelta(hours=1)).claimed == 0
    assert smtp.messages == []


def test_a_letter_leased_by_a_live_worker_is_not_taken_by_another(letters, smtp):
    jane = letter_of(letters["jane"])
    CollectionLetter.objects.filter(pk=jane.pk).update(claim="other", claimed_at=NOW)
    report = collection_letters_send(limit=50, now=NOW + dt.timedelta(minutes=5))
    assert report.emailed == 0 and smtp.messages == []
    # A lease older than COLLECTION_LETTER_LEASE_SECONDS is a dead worker's: taken over.
    report = collection_letters_send(limit=50, now=NOW + dt.timedelta(minutes=11))
    assert report.emailed == 1 and len(smtp.messages) == 1


def test_a_letter_too_old_when_first_seen_is_never_sent(letters, smtp, settings):
    settings.COLLECTION_LETTER_MAX_AGE_DAYS = 7
    report = collection_letters_send(limit=50, now=NOW + dt.timedelta(days=8))
    assert report.stale == 2 and report.claimed == 0 and smtp.messages == []
    assert set(CollectionLetter.objects.values_list("channel", flat=True)) == {"stale"}


def test_the_billing_contact_is_preferred_and_a_paper_preference_is_honoured(admin):
    holder = make_account(actor=admin, first_name="Ada", email="ada@example.com")
    contact_add(
        account=holder,
        data=ContactInput(name="Accounts payable", role="billing", emails=["ap@example.com"]),
        actor=admin,
    )
    site = make_account(actor=admin, first_name="Sam", email="sam@example.com")
    contact_update(contact=site.contacts.get(), preferred_channel="letter", actor=admin)
    contact_add(
        account=site,
        data=ContactInput(name="Site lead", role="site", emails=["site@example.com"]),
        actor=admin,
    )
    assert letter_addresses([holder.pk, site.pk]) == {holder.pk: "ap@example.com"}


def test_the_command_sends_every_batch(letters, smtp, settings):
    settings.COLLECTION_LETTER_MAX_AGE_DAYS = 3650  # the command runs on today's clock
    for n in range(3):
        late_account(make_user("admin"), first_name=f"Extra{n}")
    collections_run(as_of=DAY + dt.timedelta(days=1), actor=make_user("admin"))
    call_command("collection-letters-send", "--batch", "2")
    assert len(smtp.messages) == 4  # Jane and the three extras; Omar goes to print
    assert not CollectionLetter.objects.filter(channel=LetterChannel.PENDING).exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_a_letter_twice(admin, smtp):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent senders are a PostgreSQL test (SQLite serialises writers)")
    make_collection_policy(admin)
    now = timezone.now()
    today = timezone.localdate(now)
    for n in range(12):
        account = make_account(actor=admin, first_name=f"Para{n}")
        owe(account, "120.00", due=today - dt.timedelta(days=10), actor=admin)
    collections_run(as_of=today, actor=admin)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            collection_letters_send_all(batch=3, now=now)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    recipients = [m.rcpt_to[0] for m in smtp.messages]
    assert len(recipients) == 12 and len(set(recipients)) == 12
    assert CollectionLetter.objects.filter(channel=LetterChannel.EMAIL).count() == 12
