"""Bankruptcy: recording a petition (the stay starts, the account goes "in bankruptcy",
the balance splits at the petition date, an adequate-assurance deposit is asked for),
the proof of claim, and the case's end (dismissed or discharged: the stay ends and the
account's status returns to what it was).

The stay itself is read by the collections run through
selectors.bankruptcy_stayed_account_ids; it covers pre-petition debt only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import require_capability
from servicebook.customers.choices import AccountStatus
from servicebook.customers.models import Account
from servicebook.payments.choices import DepositStatus
from servicebook.payments.models import Deposit
from servicebook.users.roles import Cap

from ..models import Bankruptcy, BankruptcyStatus, Chapter, CreditEventKind, DepositPolicy
from ..selectors import bankruptcy_split, policy_of
from .deposits import deposit_amount_for
from .rating import credit_event_record


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def assurance_terms(account: Account, *, chapter: str, petition_date: dt.date):
    """The adequate-assurance deposit the deposit policy asks for after a petition: the
    policy's deposit amount, due within its days (its chapter-11 days in chapter 11).
    (ZERO, None) when no deposit policy applies."""
    policy = policy_of(DepositPolicy, account)
    if policy is None:
        return ZERO, None
    days = policy.assurance_days_chapter_11 if chapter == Chapter.CH11 else policy.assurance_days
    amount = deposit_amount_for(account, policy, on=petition_date)
    return amount, petition_date + dt.timedelta(days=days)


@transaction.atomic
def bankruptcy_file(
    *,
    account: Account,
    petition_date: dt.date,
    chapter: str,
    court: str,
    case_number: str,
    actor,
    reason: str = "",
) -> Bankruptcy:
    """Record the customer's petition. The stay is in force from the petition date; the
    account's status becomes "in bankruptcy" (customers' account_set_status, as the actor);
    the pre-petition balance is fixed from the split; an adequate-assurance deposit is
    billed (payments' deposit_bill) unless one is already billed or held; credit event
    bankruptcy."""
    require_capability(actor, Cap.CREDIT_MANAGE)
    from servicebook.customers.services import account_set_status
    from servicebook.payments.services import deposit_bill

    errors: dict[str, list[str]] = {}
    if chapter not in Chapter.values:
        errors["chapter"] = ["Choose chapter 7, 11 or 13."]
    court, case_number = (court or "").strip(), (case_number or "").strip()
    if not court:
        errors["court"] = ["Enter the court."]
    if not case_number:
        errors["case_number"] = ["Enter the case number."]
    if petition_date is None:
        errors["petition_date"] = ["Enter the petition date."]
    elif petition_date > timezone.localdate():
        errors["petition_date"] = ["The petition date cannot be in the future."]
    if errors:
        raise ValidationFailed(errors)
    account = Account.objects.select_for_update(of=("self",)).get(pk=account.pk)
    if Bankruptcy.objects.filter(account=account, status=BankruptcyStatus.FILED).exists():
        raise InvalidTransition("The account already has a bankruptcy case in force.")
    split = bankruptcy_split(account, petition_date=petition_date)
    amount, due_on = assurance_terms(account, chapter=chapter, petition_date=petition_date)
    bankruptcy = Bankruptcy.objects.create(
        account=account,
        petition_date=petition_date,
        chapter=chapter,
        court=court[:200],
        case_number=case_number[:50],
        previous_status=account.status,
        pre_petition_amount=split.pre_petition,
        assurance_amount=amount,
        assurance_due_on=due_on,
        created_by=_user(actor),
    )
    audit_created(
        actor=actor,
        obj=bankruptcy,
        message=f"Bankruptcy {bankruptcy}: pre-petition {split.pre_petition}, "
        f"post-petition {split.post_petition}",
    )
    if account.status != AccountStatus.IN_BANKRUPTCY:
        account_set_status(
            account=account,
            status=AccountStatus.IN_BANKRUPTCY,
            reason=reason or f"Bankruptcy petition {case_number} ({court})",
            actor=actor,
        )
    if (
        amount > 0
        and not Deposit.objects.filter(
            account=account, status__in=(DepositStatus.BILLED, DepositStatus.HELD)
        ).exists()
    ):
        bankruptcy.assurance_deposit = deposit_bill(
            account=account,
            amount=amount,
            due_date=due_on,
            reason=f"Adequate assurance, bankruptcy {case_number}",
            actor=actor,
        )
        bankruptcy.save(update_fields=["assurance_deposit"])
    credit_event_record(
        account=account,
        kind=CreditEventKind.BANKRUPTCY,
        on=petition_date,
        actor=actor,
        source=f"bankruptcy:{bankruptcy.pk}",
    )
    return bankruptcy


@transaction.atomic
def bankruptcy_claim_record(
    *, bankruptcy: Bankruptcy, amount: Decimal | str, filed_on: dt.date, actor
) -> Bankruptcy:
    """Record the proof of claim filed in the case: the amount claimed (usually the
    pre-petition balance) and the day it was filed."""
    require_capability(actor, Cap.CREDIT_MANAGE)
    errors: dict[str, list[str]] = {}
    try:
        value = to_money(amount)
        if value <= 0:
            errors["amount"] = ["The claim must be more than zero."]
    except (ValueError, TypeError):
        errors["amount"] = ["Enter an amount, e.g. 412.50."]
    if filed_on is None:
        errors["filed_on"] = ["Enter the day the claim was filed."]
    elif filed_on < bankruptcy.petition_date:
        errors["filed_on"] = ["A claim is filed on or after the petition date."]
    if errors:
        raise ValidationFailed(errors)
    bankruptcy = Bankruptcy.objects.select_for_update(of=("self",)).get(pk=bankruptcy.pk)
    before = snapshot(bankruptcy, ["claim_amount", "claim_filed_on"])
    bankruptcy.claim_amount, bankruptcy.claim_filed_on = value, filed_on
    bankruptcy.save(update_fields=["claim_amount", "claim_filed_on"])
    audit_updated(actor=actor, obj=bankruptcy, before=before, message="Proof of claim recorded")
    return bankruptcy


@transaction.atomic
def bankruptcy_close(
    *, bankruptcy: Bankruptcy, status: str, on: dt.date, actor, reason: str = ""
) -> Bankruptcy:
    """The case ends, dismissed or discharged: the stay ends on `on` and the account's
    status returns to what it was before the petition."""
    require_capability(actor, Cap.CREDIT_MANAGE)
    from servicebook.customers.services import account_set_status

    if status not in (BankruptcyStatus.DISMISSED, BankruptcyStatus.DISCHARGED):
        raise ValidationFailed({"status": ["Choose dismissed or discharged."]})
    if on is None or on < bankruptcy.petition_date:
        raise ValidationFailed({"on": ["The case ends on or after the petition date."]})
    bankruptcy = Bankruptcy.objects.select_for_update(of=("self",)).get(pk=bankruptcy.pk)
    if bankruptcy.status != BankruptcyStatus.FILED:
        raise InvalidTransition(f"The case is already {bankruptcy.get_status_display().lower()}.")
    before = snapshot(bankruptcy, ["status", "closed_on"])
    bankruptcy.status, bankruptcy.closed_on = status, on
    bankruptcy.save(update_fields=["status", "closed_on"])
    audit_updated(actor=actor, obj=bankruptcy, before=before, message=reason)
    account = Account.objects.get(pk=bankruptcy.account_id)
    if account.status == AccountStatus.IN_BANKRUPTCY:
        account_set_status(
            account=account,
            status=bankruptcy.previous_status or AccountStatus.ACTIVE,
            reason=reason or f"Bankruptcy {bankruptcy.case_number} {status}",
            actor=actor,
        )
    return bankruptcy
