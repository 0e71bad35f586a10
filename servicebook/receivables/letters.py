"""Collection letters out of the building: emailed (the letter as text, and as a PDF
attachment) to the account's billing or account-holder address, or listed to print and mail
when there is no address to use.

The collections run renders letters (`services._render_letters`) and inserts them unsent
(`channel` ''). `collection_letters_send` is the sender, called by the periodic task and by
`servicebook collection-letters-send`; several workers may run it at once:

- A worker **claims** a batch with one guarded UPDATE (only rows still unsent, due for an
  attempt and not leased by a live claim), under a random token, then reads back the rows
  carrying its token. On PostgreSQL a second worker's UPDATE waits on the first one's row
  locks and re-checks the WHERE clause after it commits, so it skips rows already leased;
  SQLite serialises writers. Two workers never hold the same letter.
- The email goes out **outside** any transaction and is recorded right after, again guarded
  by the token. A worker killed between the SMTP server's "250" and that UPDATE leaves a
  leased row that another worker takes once the lease is over: at-least-once, the one
  window SMTP leaves open (the lease is much longer than the SMTP timeout, so a slow but
  live worker is never overtaken).
- A refused or failed email is retried later (the interval doubles each time); after the
  last attempt the letter goes to the print list with its error, so it still reaches the
  customer, on paper.
- A letter older than COLLECTION_LETTER_MAX_AGE_DAYS when the sender first sees it is
  marked stale and never sent: a reminder that arrives after the next step is worse than
  none (this also keeps the first run after an upgrade from emailing the whole history).

Which address: the billing profile's when the account is billed by email; otherwise the
first email of a billing contact, then of the account holder, primary first. Other contacts
(site, emergency, authorized users) never receive a debt letter, and a contact whose
preferred channel is "letter" is written to on paper.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from servicebook.core.audit import audit_record
from servicebook.customers.choices import ContactRole, PreferredChannel
from servicebook.customers.models import ContactEmail

from .models import CollectionLetter, LetterChannel


def _setting(name: str, default):
    return getattr(settings, name, default)


@dataclass
class LettersReport:
    """What one call of the sender did."""

    claimed: int = 0
    emailed: int = 0
    to_print: int = 0
    retrying: int = 0
    stale: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.emailed} emailed, {self.to_print} to print, {self.retrying} to retry, "
            f"{self.stale} stale"
        )


def letter_addresses(account_ids: list[int]) -> dict[int, str]:
    """The address each account's collection letters go to (accounts without one are
    absent): the billing profile's email when it bills by email, else the first email of
    a billing contact, then of the account holder. Two queries for the whole batch."""
    from servicebook.billing.models import BillingProfile

    found: dict[int, str] = dict(
        BillingProfile.objects.filter(account_id__in=account_ids, delivery="email")
        .exclude(email="")
        .values_list("account_id", "email")
    )
    rows = (
        ContactEmail.objects.filter(
            account_id__in=[pk for pk in account_ids if pk not in found],
            contact__role__in=[ContactRole.BILLING, ContactRole.PRIMARY],
        )
        .exclude(contact__preferred_channel=PreferredChannel.LETTER)
        .exclude(email="")
        .order_by("account_id", "contact__role", "-contact__is_primary", "-is_primary", "id")
        .values_list("account_id", "contact__role", "email")
    )
    # Billing contacts before the account holder: "billing" sorts before "primary", but
    # say it rather than rely on the spelling of the choices.
    rank = {ContactRole.BILLING: 0, ContactRole.PRIMARY: 1}
    best: dict[int, tuple[int, str]] = {}
    for account_id, role, email in rows:
        if account_id not in best or rank[role] < best[account_id][0]:
            best[account_id] = (rank[role], email)
    found.update({pk: email for pk, (_, email) in best.items()})
    return {pk: email.strip().lower() for pk, email in found.items()}


def letter_context(letter: CollectionLetter) -> dict:
    """What the letter's print and PDF page shows around its text."""
    account = letter.account
    location = account.locations.order_by("-is_primary", "id").first()
    return {
        "letter": letter,
        "account": account,
        "customer": account.customer,
        "location": location,
        "step_label": letter.action.get_kind_display(),
        "business_name": settings.SERVICEBOOK_BUSINESS_NAME,
    }


def _refuse_fetch(url: str, *args, **kwargs):
    # The letter is self-contained (inline styles): nothing is fetched, local or remote.
    raise ValueError(f"letters load nothing, not {url}")


def letter_pdf(letter: CollectionLetter) -> bytes:
    """The letter as a one-page PDF (WeasyPrint), the same page the print list shows."""
    from weasyprint import HTML

    html = render_to_string("receivables/letter_print.html", {**letter_context(letter)})
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()


def _message(letter: CollectionLetter, to_email: str, connection) -> EmailMessage:
    business = settings.SERVICEBOOK_BUSINESS_NAME
    subject = f"{business}: {letter.action.get_kind_display()}, account {letter.account.number}"
    message = EmailMessage(subject=subject, body=letter.body, to=[to_email], connection=connection)
    if _setting("COLLECTION_LETTER_PDF", True):
        name = f"{letter.action.get_kind_display()} {letter.account.number} {letter.sent_on}"
        message.attach(
            name.lower().replace(" ", "-") + ".pdf", letter_pdf(letter), "application/pdf"
        )
    return message


def _unleased(now: dt.datetime) -> Q:
    """Unsent and not leased by a live claim."""
    lease_over = now - dt.timedelta(seconds=_setting("COLLECTION_LETTER_LEASE_SECONDS", 600))
    return Q(channel=LetterChannel.PENDING) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease_over)
    )


def _due(now: dt.datetime) -> Q:
    """Unsent, due for an attempt, and not leased by a live claim."""
    return _unleased(now) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def _claim(*, limit: int, now: dt.datetime) -> str:
    """Lease up to `limit` due letters under a fresh token; returns the token."""
    token = uuid.uuid4().hex
    ids = list(
        CollectionLetter.objects.filter(_due(now))
        .order_by("sent_on", "id")[:limit]
        .values_list("pk", flat=True)
    )
    if ids:
        # The guard repeats the due condition: a row another worker leased between the
        # SELECT and this UPDATE no longer matches and stays theirs.
        CollectionLetter.objects.filter(_due(now), pk__in=ids).update(claim=token, claimed_at=now)
    return token


def _retry_at(now: dt.datetime, attempts: int) -> dt.datetime:
    seconds = _setting("COLLECTION_LETTER_RETRY_SECONDS", 300) * 2 ** max(attempts - 1, 0)
    return now + dt.timedelta(seconds=seconds)


def collection_letters_send(*, limit: int = 200, now: dt.datetime | None = None) -> LettersReport:
    """Send up to `limit` unsent collection letters: by email (text body, PDF attached) to
    the account's letter address, or to the print list when it has none. Safe to run from
    several workers at once and to retry: a letter is emailed once (see the module's
    docstring for the one crash window SMTP leaves). A system job: no actor; each letter
    row records its own delivery, and one audit row sums up a call that did something."""
    now = now or timezone.now()
    report = LettersReport()
    oldest = timezone.localdate(now) - dt.timedelta(
        days=_setting("COLLECTION_LETTER_MAX_AGE_DAYS", 7)
    )
    # Leased rows are left to their worker, whose result would otherwise be lost.
    report.stale = CollectionLetter.objects.filter(_unleased(now), sent_on__lt=oldest).update(
        channel=LetterChannel.STALE, claim="", claimed_at=None
    )

    token = _claim(limit=limit, now=now)
    letters = list(
        CollectionLetter.objects.filter(claim=token, channel=LetterChannel.PENDING)
        .select_related("action", "account__customer")
        .order_by("sent_on", "id")
    )
    report.claimed = len(letters)
    addresses = letter_addresses(sorted({x.account_id for x in letters})) if letters else {}
    max_attempts = _setting("COLLECTION_LETTER_MAX_ATTEMPTS", 5)
    mine = CollectionLetter.objects.filter(claim=token)
    connection = get_connection(fail_silently=False) if addresses else None
    try:
        for letter in letters:
            address = addresses.get(letter.account_id, "")
            if not address:
                mine.filter(pk=letter.pk).update(
                    channel=LetterChannel.PRINT,
                    error="no email address",
                    claim="",
                    claimed_at=None,
                )
                report.to_print += 1
                continue
            try:
                _message(letter, address, connection).send(fail_silently=False)
            except Exception as exc:  # any SMTP or rendering failure: retry, then paper
                attempts = letter.attempts + 1
                error = f"{type(exc).__name__}: {exc}"[:300]
                report.errors.append(f"letter {letter.pk}: {error}")
                if attempts >= max_attempts:
                    mine.filter(pk=letter.pk).update(
                        channel=LetterChannel.PRINT,
                        to_email=address,
                        attempts=attempts,
                        error=error,
                        claim="",
                        claimed_at=None,
                    )
                    report.to_print += 1
                else:
                    mine.filter(pk=letter.pk).update(
                        to_email=address,
                        attempts=attempts,
                        error=error,
                        next_attempt_at=_retry_at(now, attempts),
                        claim="",
                        claimed_at=None,
                    )
                    report.retrying += 1
                # A broken connection would fail every later letter too: reopen it.
                if connection is not None:
                    connection.close()
                continue
            mine.filter(pk=letter.pk).update(
                channel=LetterChannel.EMAIL,
                to_email=address,
                sent_at=timezone.now(),
                attempts=letter.attempts + 1,
                error="",
                claim="",
                claimed_at=None,
            )
            report.emailed += 1
    finally:
        if connection is not None:
            connection.close()
    if report.emailed or report.to_print or report.retrying or report.stale:
        audit_record(actor=None, action="send", message=f"collection letters: {report.summary()}")
    return report


def collection_letters_send_all(
    *, batch: int = 200, now: dt.datetime | None = None, max_batches: int = 1000
) -> LettersReport:
    """Call the sender batch after batch until nothing is left to claim (or the cap)."""
    total = LettersReport()
    for _ in range(max_batches):
        report = collection_letters_send(limit=batch, now=now)
        for name in ("claimed", "emailed", "to_print", "retrying", "stale"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        total.errors += report.errors
        if not report.claimed:
            break
    return total


# --- The print list ------------------------------------------------------------------------------


def letters_mark_printed(*, letter_ids: list[int], actor) -> int:
    """Mark print-and-mail letters printed (the print list's button); returns how many.

    Compare-and-set: only letters still to print and not yet marked change, so two people
    pressing the button for the same sheets mark each letter once and the second sees 0.
    The caller passes ids it read from a user-scoped list; the account scope is checked
    again here, so a forged id of an account the actor may not see changes nothing."""
    from django.db import transaction

    from servicebook.core.permissions import require_capability
    from servicebook.customers.selectors import accounts_visible_to
    from servicebook.users.roles import Cap

    require_capability(actor, Cap.RECEIVABLES_COLLECT)
    ids = sorted({int(pk) for pk in letter_ids})
    if not ids:
        return 0
    with transaction.atomic():
        pending = CollectionLetter.objects.select_for_update().filter(
            pk__in=ids,
            channel=LetterChannel.PRINT,
            printed_at__isnull=True,
            account__in=accounts_visible_to(actor),
        )
        marked = list(pending.only("pk", "sent_on"))
        now = timezone.now()
        count = CollectionLetter.objects.filter(
            pk__in=[x.pk for x in marked], printed_at__isnull=True
        ).update(printed_at=now, printed_by=actor)
        # A row per letter, as every other change to a letter's delivery is traceable on it;
        # the print list is a day's paper, a few dozen rows at most.
        for letter in marked if count else []:
            audit_record(
                actor=actor,
                action="print",
                obj=letter,
                changes={"printed_at": [None, now.isoformat()]},
                message="Marked printed",
            )
    return count
