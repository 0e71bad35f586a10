"""Write-off of final-billed debt, recovery by later payments, and agency referrals with
their CSV files (PRODUCT.md capability 9, issue 5). The ledger moves go through the ledger's
services and the payments app's common helpers, so `ledger-verify` holds after each.

Money flows:

- write-off: bad debt expense debited, receivable credited (the account), a credit open item
  `write_off` allocated to the undisputed open part of each debit;
- recovery (a payment on an account with written-off debt, `on_payment`): receivable
  debited, bad debt expense credited, a new open debit `write_off_recovery` paid at once by
  the payment's still-unapplied credit; the account's balance and unapplied credit end as if
  the payment had paid the old debt;
- a returned payment writes off again what its recovery reinstated and is still open.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_record, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO
from servicebook.core.permissions import require_capability
from servicebook.customers.choices import AccountStatus
from servicebook.customers.models import Account
from servicebook.ledger.models import LedgerRole, OpenItem, OpenItemKind
from servicebook.ledger.services import Line, allocate_within, journal_post, open_item_create
from servicebook.users.models import ApprovalKind
from servicebook.users.roles import Cap

from .models import (
    AgencyFile,
    AgencyReferral,
    CollectionAction,
    CollectionAgency,
    FileKind,
    RecallReason,
    ReferralPayment,
    ReferralStatus,
    WriteOff,
    WriteOffRecovery,
    WriteOffSource,
)

# Where a write-off by hand may happen: the customer has been final-billed (the debt will
# not be worked off by service any more). Written-off accounts may have debt billed since.
WRITABLE_STATUSES = (AccountStatus.FINAL_BILLED, AccountStatus.WRITTEN_OFF)


def _text(value, *, field: str, required: bool = True, max_length: int = 300) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise ValidationFailed({field: ["Enter text."]})
    if "\x00" in text:
        raise ValidationFailed({field: ["The text contains a NUL character."]})
    if required and not text:
        raise ValidationFailed({field: ["This is required."]})
    if len(text) > max_length:
        raise ValidationFailed({field: [f"At most {max_length} characters."]})
    return text


def writable_amount(account: Account) -> Decimal:
    """The undisputed open part of the account's debits: what a write-off would take."""
    return sum(
        (
            max(item.open_amount - item.disputed_amount, ZERO)
            for item in OpenItem.objects.filter(
                account=account, kind=OpenItemKind.DEBIT, open_amount__gt=0
            )
        ),
        ZERO,
    )


@transaction.atomic
def write_off_post(
    *,
    account: Account,
    actor,
    reason: str,
    on: dt.date | None = None,
    action: CollectionAction | None = None,
) -> WriteOff:
    """Write off the account's open undisputed debt (PRODUCT.md capability 9).

    First the account's open credit (unapplied payments, credit notes) applies to its debts,
    then what is still open and undisputed is written off: one entry (bad debt expense
    debited, receivable credited), a credit open item allocated to each debit, a WriteOff
    record (audited) and the account's status `written_off`. Disputed amounts stay open.

    By hand (`action` None) the account must be final-billed and the amount within the
    actor's write-off approval limit (users.ApprovalLimit kind `write_off`); through the
    collections run's write-off step (`action`) the policy decided, so neither applies.

    Idempotent: with nothing left to write off it returns the account's latest write-off
    (a second click, a rerun); an account that never had one gets a 400."""
    from servicebook.payments.services.common import (
        apply_open_credits,
        lock_balances,
        over_limit,
        refresh_invoices,
        unapplied_sync,
    )

    require_capability(actor, Cap.RECEIVABLES_WRITE_OFF)
    reason = _text(reason, field="reason")
    on = on or timezone.localdate()
    account = Account.objects.get(pk=account.pk)
    if action is None and account.status not in WRITABLE_STATUSES:
        raise ValidationFailed(
            {"account": ["Only a final-billed account's debt is written off by hand."]}
        )
    if action is not None:
        existing = WriteOff.objects.filter(action=action).first()
        if existing is not None:
            return existing
    lock_balances(account)
    touched = apply_open_credits(account, actor=actor)
    unapplied_sync(account=account, actor=actor)
    plan = [
        (item, item.open_amount - item.disputed_amount)
        for item in OpenItem.objects.filter(
            account=account, kind=OpenItemKind.DEBIT, open_amount__gt=0
        ).order_by("due_date", "issued_on", "id")
        if item.open_amount > item.disputed_amount
    ]
    total = sum((value for _, value in plan), ZERO)
    if total <= 0:
        latest = WriteOff.objects.filter(account=account).order_by("-pk").first()
        if latest is not None:
            refresh_invoices(touched)
            return latest
        raise ValidationFailed({"account": ["Nothing undisputed is open to write off."]})
    if action is None:
        limit = over_limit(actor, ApprovalKind.WRITE_OFF, total)
        if limit is not None:
            raise ValidationFailed(
                {
                    "amount": [
                        f"{total} is above your write-off limit of {limit}; "
                        "ask someone whose limit covers it."
                    ]
                }
            )
    write_off = WriteOff(
        account=account,
        amount=total,
        written_off_on=on,
        reason=reason,
        source=WriteOffSource.MANUAL if action is None else WriteOffSource.COLLECTIONS,
        action=action,
        created_by=actor if getattr(actor, "pk", None) else None,
        items=[[item.pk, item.reference, str(value)] for item, value in plan],
    )
    entry = journal_post(
        lines=[Line(LedgerRole.BAD_DEBT, total), Line(LedgerRole.RECEIVABLE, -total, account)],
        memo=f"Write-off of account {account.number}: {reason}",
        source_type="write_off",
        source_id=str(account.pk),
        effective_date=on,
        actor=actor,
    )
    credit = open_item_create(
        account=account,
        kind=OpenItemKind.CREDIT,
        document_type="write_off",
        reference=f"WO-{account.number}"[:40],
        amount=total,
        issued_on=on,
        entry=entry,
        source_type="write_off",
        source_id=str(account.pk),
    )
    for item, value in plan:
        allocate_within(debit=item, credit=credit, amount=value, actor=actor)
        touched.append(item.pk)
    write_off.entry, write_off.credit_item = entry, credit
    write_off.save()
    OpenItem.objects.filter(pk=credit.pk).update(source_id=str(write_off.pk))
    refresh_invoices(touched)
    audit_created(
        actor=actor, obj=write_off, message=f"Write-off {write_off.number} of {total}: {reason}"
    )
    if account.status != AccountStatus.WRITTEN_OFF:
        from servicebook.customers.services import account_set_status

        account_set_status(
            account=account,
            status=AccountStatus.WRITTEN_OFF,
            reason=f"Written off ({write_off.number}): {reason}"[:300],
            actor=actor,
        )
    return write_off


# --- Payments after write-off (payments.hooks listener) ----------------------------------------


def on_payment(*, action: str, payment, account, actor) -> None:
    """payments.hooks listener, inside the payment's transaction: recover written-off debt
    from a posted payment's unapplied part; undo that recovery when the payment comes back;
    tell the agency about payments on referred accounts and recall paid referrals."""
    if action == "posted":
        recovered = _recover(payment=payment, account=account, actor=actor)
        _report_to_agency(payment=payment, amount=recovered, actor=actor)
    elif action == "reversed":
        undone = _undo_recoveries(payment=payment, account=account, actor=actor)
        _report_to_agency(payment=payment, amount=-undone, actor=actor)


def _recover(*, payment, account, actor) -> Decimal:
    """Reinstate written-off debt, oldest write-off first, up to what of the payment is
    still unapplied (a payment first pays debt that is open; only the rest recovers), and
    apply the payment to it. The caller (payment_post) holds the balance lock."""
    from servicebook.payments.services.common import unapplied_sync

    if not payment.credit_item_id:
        return ZERO  # a deposit payment
    write_offs = [
        w
        for w in WriteOff.objects.select_for_update()
        .filter(account_id=account.pk)
        .order_by("written_off_on", "pk")
        if w.recovered < w.amount
    ]
    if not write_offs:
        return ZERO
    credit = OpenItem.objects.get(pk=payment.credit_item_id)
    available = credit.open_amount
    total = ZERO
    for write_off in write_offs:
        if available <= 0:
            break
        value = min(available, write_off.amount - write_off.recovered)
        entry = journal_post(
            lines=[
                Line(LedgerRole.RECEIVABLE, value, account),
                Line(LedgerRole.BAD_DEBT, -value),
            ],
            memo=f"Recovery of write-off {write_off.number} by payment {payment.number}",
            source_type="write_off_recovery",
            source_id=str(write_off.pk),
            effective_date=payment.received_on,
            actor=actor,
        )
        item = open_item_create(
            account=account,
            kind=OpenItemKind.DEBIT,
            document_type="write_off_recovery",
            reference=f"{write_off.number}-R",
            amount=value,
            issued_on=payment.received_on,
            due_date=payment.received_on,
            entry=entry,
            source_type="write_off",
            source_id=str(write_off.pk),
        )
        allocate_within(debit=item, credit=credit, amount=value, actor=actor)
        WriteOffRecovery.objects.create(
            write_off=write_off,
            payment=payment,
            amount=value,
            recovered_on=payment.received_on,
            entry=entry,
            item=item,
        )
        before = snapshot(write_off, ["recovered"])
        write_off.recovered += value
        write_off.save(update_fields=["recovered"])
        audit_updated(
            actor=actor,
            obj=write_off,
            before=before,
            message=f"{value} recovered by payment {payment.number}",
        )
        available -= value
        total += value
    unapplied_sync(account=account, actor=actor)
    return total


def _undo_recoveries(*, payment, account, actor) -> Decimal:
    """The payment came back: its allocation to the recovery debit was undone, so that debt
    is open again; write it off again (what other credit did not pay meanwhile)."""
    total = ZERO
    for recovery in (
        WriteOffRecovery.objects.select_for_update()
        .filter(payment=payment, undone_at__isnull=True)
        .select_related("write_off", "item")
    ):
        item = OpenItem.objects.get(pk=recovery.item_id)
        value = min(item.open_amount - item.disputed_amount, recovery.amount)
        write_off = recovery.write_off
        if value > 0:
            entry = journal_post(
                lines=[
                    Line(LedgerRole.BAD_DEBT, value),
                    Line(LedgerRole.RECEIVABLE, -value, account),
                ],
                memo=f"Recovery of write-off {write_off.number} undone: payment "
                f"{payment.number} returned",
                source_type="write_off",
                source_id=str(write_off.pk),
                actor=actor,
            )
            credit = open_item_create(
                account=account,
                kind=OpenItemKind.CREDIT,
                document_type="write_off",
                reference=f"{write_off.number}-RW",
                amount=value,
                issued_on=timezone.localdate(),
                entry=entry,
                source_type="write_off",
                source_id=str(write_off.pk),
            )
            allocate_within(debit=item, credit=credit, amount=value, actor=actor)
            recovery.undo_entry = entry
            before = snapshot(write_off, ["recovered"])
            write_off.recovered -= value
            write_off.save(update_fields=["recovered"])
            audit_updated(
                actor=actor,
                obj=write_off,
                before=before,
                message=f"{value} written off again: payment {payment.number} returned",
            )
        recovery.undone = value
        recovery.undone_at = timezone.now()
        recovery.save(update_fields=["undone", "undone_at", "undo_entry"])
        total += value
    return total


# --- Agency referral ----------------------------------------------------------------------------


def default_agency() -> CollectionAgency | None:
    """The agency the collections run refers to: the active one marked default, else the
    only active one; None when that is ambiguous or there is none."""
    active = CollectionAgency.objects.filter(active=True)
    chosen = active.filter(default=True).order_by("pk").first()
    if chosen is not None:
        return chosen
    agencies = list(active[:2])
    return agencies[0] if len(agencies) == 1 else None


@transaction.atomic
def referral_place(
    *,
    account: Account,
    actor,
    agency: CollectionAgency | None = None,
    on: dt.date | None = None,
) -> AgencyReferral:
    """Place the account's written-off debt (what is not recovered) with an agency (the
    default agency when not given). One open referral per account: placing again returns it.
    It goes in the agency's next placement file."""
    require_capability(actor, Cap.RECEIVABLES_WRITE_OFF)
    on = on or timezone.localdate()
    agency = agency or default_agency()
    if agency is None or not agency.active:
        raise ValidationFailed({"agency": ["Choose an active collection agency."]})
    open_referral = AgencyReferral.objects.filter(
        account_id=account.pk, status=ReferralStatus.REFERRED
    ).first()
    if open_referral is not None:
        return open_referral
    write_off = WriteOff.objects.filter(account_id=account.pk).order_by("-pk").first()
    outstanding = sum((w.outstanding for w in WriteOff.objects.filter(account_id=account.pk)), ZERO)
    if outstanding <= 0:
        raise ValidationFailed({"account": ["The account has no written-off debt to refer."]})
    referral = AgencyReferral.objects.create(
        account_id=account.pk,
        agency=agency,
        amount=outstanding,
        referred_on=on,
        write_off=write_off,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_created(actor=actor, obj=referral, message=f"Referred {outstanding} to {agency.name}")
    return referral


@transaction.atomic
def referral_recall(
    *, referral: AgencyReferral, reason: str, actor, note: str = "", on: dt.date | None = None
) -> AgencyReferral:
    """Recall a referral (bankruptcy, dispute, error; `paid` is the listener's): it goes in
    the agency's next recall file."""
    require_capability(actor, Cap.RECEIVABLES_WRITE_OFF)
    if reason not in RecallReason.values:
        raise ValidationFailed({"reason": ["Choose why the referral is recalled."]})
    note = _text(note, field="note", required=False)
    return _recall(referral=referral, reason=reason, note=note, actor=actor, on=on)


def _recall(*, referral, reason: str, note: str, actor, on: dt.date | None) -> AgencyReferral:
    referral = AgencyReferral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != ReferralStatus.REFERRED:
        raise InvalidTransition(f"The referral is {referral.get_status_display().lower()}.")
    before = snapshot(referral, ["status", "recall_reason"])
    referral.status = (
        ReferralStatus.PAID if reason == RecallReason.PAID else ReferralStatus.RECALLED
    )
    referral.recall_reason = reason
    referral.recall_note = note
    referral.recalled_on = on or timezone.localdate()
    referral.save(update_fields=["status", "recall_reason", "recall_note", "recalled_on"])
    audit_updated(
        actor=actor, obj=referral, before=before, message=f"Recalled: {referral.recall_reason}"
    )
    return referral


def _report_to_agency(*, payment, amount: Decimal, actor) -> None:
    """A payment (or its return) on a referred account: a row for the next update file; the
    referral is paid and recalled when what was recovered since reaches its amount."""
    if not amount:
        return  # nothing recovered: the common payment costs no query here
    referral = (
        AgencyReferral.objects.select_for_update()
        .filter(account_id=payment.account_id, status=ReferralStatus.REFERRED)
        .first()
    )
    if referral is None:
        return
    ReferralPayment.objects.create(
        referral=referral,
        payment=payment,
        amount=amount,
        received_on=payment.received_on if amount > 0 else timezone.localdate(),
    )
    referral.paid += amount
    referral.save(update_fields=["paid"])
    if referral.paid >= referral.amount:
        _recall(
            referral=referral,
            reason=RecallReason.PAID,
            note=f"Paid in full (payment {payment.number})",
            actor=actor,
            on=payment.received_on,
        )


# --- Agency files ----------------------------------------------------------------------------

PLACEMENT_COLUMNS = [
    "account_number",
    "name",
    "address",
    "phones",
    "emails",
    "amount",
    "write_off_date",
    "last_payment_date",
    "last_payment_amount",
]
NUMBER = re.compile(r"[+-]?[0-9][0-9 .]*")
RECALL_COLUMNS = ["record", "account_number", "name", "amount", "date", "reason"]


def _safe(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = str(value if value is not None else "")
    if NUMBER.fullmatch(text):
        return text  # a phone number or a negative amount, not a formula
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _contact(account: Account) -> tuple[str, str, str, str]:
    """Name, primary address, phones and emails, as the agency needs to reach the customer
    (the account's own records; prefetched by the caller)."""
    locations = list(account.locations.all())
    address = locations[0].one_line if locations else ""
    phones = " ".join(dict.fromkeys(p.e164 for p in account.phones.all()))
    emails = " ".join(dict.fromkeys(e.email for e in account.emails.all()))
    return str(account.customer), address, phones, emails


def _last_payment(account_id: int):
    from servicebook.payments.models import Payment

    return (
        Payment.objects.filter(account_id=account_id, status="posted")
        .order_by("-received_on", "-pk")
        .only("received_on", "amount")
        .first()
    )


def _csv(columns: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    return out.getvalue()


@transaction.atomic
def agency_files_make(*, on: dt.date | None = None, actor) -> list[AgencyFile]:
    """Each agency's files for the day: a placement file with the referrals not yet sent,
    a recall-and-update file with the recalls and payments on referred accounts not yet
    sent. A day's file is made once (a second call returns it, unchanged); what comes after
    goes in the next day's. No card data: the rows hold the account, contact, amounts and
    dates only."""
    require_capability(actor, Cap.RECEIVABLES_WRITE_OFF)
    on = on or timezone.localdate()
    made: list[AgencyFile] = []
    for agency in CollectionAgency.objects.order_by("pk"):
        placement = AgencyFile.objects.filter(agency=agency, kind=FileKind.PLACEMENT, on=on).first()
        if placement is None:
            pending = list(
                AgencyReferral.objects.filter(agency=agency, placement_file__isnull=True)
                .select_related("account__customer", "write_off")
                .prefetch_related("account__locations", "account__phones", "account__emails")
                .order_by("pk")
            )
            if pending:
                rows = []
                for referral in pending:
                    name, address, phones, email = _contact(referral.account)
                    last = _last_payment(referral.account_id)
                    rows.append(
                        [
                            referral.account.number,
                            name,
                            address,
                            phones,
                            email,
                            referral.amount,
                            referral.write_off.written_off_on if referral.write_off else "",
                            last.received_on if last else "",
                            last.amount if last else "",
                        ]
                    )
                placement = AgencyFile.objects.create(
                    agency=agency,
                    kind=FileKind.PLACEMENT,
                    on=on,
                    content=_csv(PLACEMENT_COLUMNS, rows),
                    rows=len(rows),
                    created_by=actor,
                )
                AgencyReferral.objects.filter(pk__in=[r.pk for r in pending]).update(
                    placement_file=placement
                )
                audit_record(
                    actor=actor, action="agency_file", obj=placement, message=str(placement)
                )
        if placement is not None:
            made.append(placement)
        recall = AgencyFile.objects.filter(agency=agency, kind=FileKind.RECALL, on=on).first()
        if recall is None:
            recalls = list(
                AgencyReferral.objects.filter(
                    agency=agency,
                    recall_file__isnull=True,
                    placement_file__isnull=False,
                    status__in=[ReferralStatus.RECALLED, ReferralStatus.PAID],
                )
                .select_related("account__customer")
                .order_by("pk")
            )
            payments = list(
                ReferralPayment.objects.filter(
                    referral__agency=agency,
                    file__isnull=True,
                    referral__placement_file__isnull=False,
                )
                .select_related("referral__account__customer")
                .order_by("pk")
            )
            if recalls or payments:
                rows = [
                    [
                        "payment",
                        p.referral.account.number,
                        str(p.referral.account.customer),
                        p.amount,
                        p.received_on,
                        "",
                    ]
                    for p in payments
                ] + [
                    [
                        "recall",
                        r.account.number,
                        str(r.account.customer),
                        r.amount - r.paid,
                        r.recalled_on,
                        r.recall_reason,
                    ]
                    for r in recalls
                ]
                recall = AgencyFile.objects.create(
                    agency=agency,
                    kind=FileKind.RECALL,
                    on=on,
                    content=_csv(RECALL_COLUMNS, rows),
                    rows=len(rows),
                    created_by=actor,
                )
                AgencyReferral.objects.filter(pk__in=[r.pk for r in recalls]).update(
                    recall_file=recall
                )
                ReferralPayment.objects.filter(pk__in=[p.pk for p in payments]).update(file=recall)
                audit_record(actor=actor, action="agency_file", obj=recall, message=str(recall))
        if recall is not None:
            made.append(recall)
    return made
