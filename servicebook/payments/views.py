"""Payments pages: take a payment (two clicks from the account page), a payment's page
(allocations, ledger entries; return, reallocate, refund), an account's payments page with
the small money forms (adjustment, transfer, deposit, dispute), approvals, bank files and
their exception queue.

Views parse with a form, call a service and render; a refusal shows on the form that caused
it (400 for bad input, 402 for a declined card, 409 when the state does not allow it).
Money forms carry the idempotency key minted when the form was shown (forms.KeyedForm), so
a double submission posts once. Card numbers and security codes are sensitive POST
parameters: Django's error reports leave them out, and the page never echoes them.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from servicebook.core.errors import ServiceError
from servicebook.core.forms import apply_service_error
from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import capability_required
from servicebook.core.views import button_action, form_action
from servicebook.customers.selectors import account_get, accounts_visible_to
from servicebook.ledger.models import JournalLine, OpenItem, OpenItemKind
from servicebook.ledger.selectors import balance_of
from servicebook.users.roles import Cap

from . import selectors, services
from .bankfiles import BankFileInvalid
from .bankfiles import services as bank
from .choices import ApprovalStatus, DepositStatus
from .forms import (
    AdjustmentForm,
    BankFileForm,
    DecisionForm,
    DepositBillForm,
    DepositCollectForm,
    DisputeForm,
    DisputeResolveForm,
    MatchForm,
    ReallocateForm,
    RefundForm,
    RejectForm,
    ReturnItemForm,
    ReverseForm,
    TakePaymentForm,
    TransferForm,
)
from .models import Adjustment, Deposit, Dispute, Refund
from .services.desk import payment_take

PAGE_SIZE = 50
# The oldest open charges offered for allocation by hand; an account owing on more than
# this is allocated oldest first (or reallocated from the payment's page later).
ALLOCATABLE = 24
CARD_FIELDS = ("card_number", "card_cvc", "bank_account_number")


def _money(account) -> dict:
    row = balance_of(account)
    return {
        "balance": row.balance,
        "deposits_held": row.deposits_held,
        "open_credit": selectors.open_credit(account),
    }


# --- Take a payment ---------------------------------------------------------------------------


def _take_page(request, account, form, status=200):
    return render(
        request,
        "payments/take.html",
        {"account": account, "form": form, "money": _money(account)},
        status=status,
    )


@sensitive_post_parameters(*CARD_FIELDS)
@capability_required(Cap.PAYMENTS_TAKE)
def payment_take_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Take a payment" form, with the amount set to the balance due; posting it
    tokenizes the card or bank account and posts the payment."""
    account = account_get(user=request.user, pk=pk)
    charges = selectors.open_charges(account)[:ALLOCATABLE]
    if request.method != "POST":
        due = balance_of(account).balance
        initial = {"amount": due if due > 0 else None}
        return _take_page(request, account, TakePaymentForm(initial=initial, open_charges=charges))
    form = TakePaymentForm(request.POST, open_charges=charges)

    def call(d):
        return payment_take(
            account=account,
            amount=d["amount"],
            method=d["method"],
            channel=d["channel"],
            idempotency_key=d["idempotency_key"],
            card_number=d["card_number"],
            card_expiry=d["card_expiry"],
            card_cvc=d["card_cvc"],
            holder_name=d["holder_name"],
            routing_number=d["routing_number"],
            bank_account_number=d["bank_account_number"],
            account_type=d["account_type"],
            check_number=d["check_number"],
            memo=d["memo"],
            allocations=d["allocations"],
            actor=request.user,
        )

    def done(payment):
        if payment.replayed:
            return (
                f"This form was already posted as payment {payment.number}; "
                "nothing was posted again."
            )
        return f"Payment {payment.number} of {payment.amount} posted."

    return form_action(
        request,
        form,
        call,
        done=done,
        success_url=lambda payment: reverse("payments:payment_detail", args=[payment.pk]),
        failed=lambda form, status: _take_page(request, account, form, status),
    )


# --- A payment --------------------------------------------------------------------------------


def _payment_page(request, pk, *, forms=None, status=200):
    payment = selectors.payment_get(user=request.user, pk=pk)
    charges = selectors.open_charges(payment.account)[:ALLOCATABLE]
    entry_ids = [payment.entry_id, payment.return_entry_id]
    entry_ids += [r.entry_id for r in payment.refund_rows]
    if payment.return_fee_item_id:
        entry_ids.append(payment.return_fee_item.entry_id)
    lines = (
        JournalLine.objects.filter(entry_id__in=[e for e in entry_ids if e])
        .select_related("entry", "ledger_account")
        .order_by("entry__posted_at", "entry_id", "id")
    )
    context = {
        "payment": payment,
        "account": payment.account,
        "lines": lines,
        "money": _money(payment.account),
        "reverse_form": ReverseForm(),
        "reallocate_form": ReallocateForm(charges=charges + _paid_by(payment)),
        "refund_form": RefundForm(initial={"amount": min(payment.refundable, _credit(payment))}),
        "returned_fee": services.returned_payment_fee("nsf"),
        "open_form": next(iter(forms or {}), "").removesuffix("_form"),
        **(forms or {}),
    }
    return render(request, "payments/payment_detail.html", context, status=status)


def _paid_by(payment) -> list[OpenItem]:
    """Charges the payment pays now (a reallocation may spread it over them again)."""
    ids = [a.debit_id for a in payment.allocation_rows if a.reversed_at is None]
    return list(OpenItem.objects.filter(pk__in=ids, open_amount=0).order_by("due_date", "id"))


def _credit(payment):
    return to_money(max(selectors.open_credit(payment.account), ZERO))


@capability_required(Cap.PAYMENTS_VIEW)
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _payment_page(request, pk)


def _payment_form_action(request, pk, *, key, form, call, done):
    return form_action(
        request,
        form,
        call,
        done=done,
        success_url=reverse("payments:payment_detail", args=[pk]),
        failed=lambda form, status: _payment_page(
            request, pk, forms={f"{key}_form": form}, status=status
        ),
    )


@require_POST
@capability_required(Cap.PAYMENTS_REVERSE)
def payment_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a returned payment (bounced check, ACH return, chargeback) with its fee."""
    payment = selectors.payment_get(user=request.user, pk=pk)
    return _payment_form_action(
        request,
        pk,
        key="reverse",
        form=ReverseForm(request.POST),
        call=lambda d: services.payment_reverse(
            payment=payment,
            reason=d["reason"],
            fee=d["fee"],
            note=d["note"],
            actor=request.user,
        ),
        done="Payment recorded as returned; the charges it paid are open again.",
    )


@require_POST
@capability_required(Cap.PAYMENTS_TRANSFER)
def payment_reallocate(request: HttpRequest, pk: int) -> HttpResponse:
    payment = selectors.payment_get(user=request.user, pk=pk)
    charges = selectors.open_charges(payment.account)[:ALLOCATABLE] + _paid_by(payment)
    return _payment_form_action(
        request,
        pk,
        key="reallocate",
        form=ReallocateForm(request.POST, charges=charges),
        call=lambda d: services.payment_reallocate(
            payment=payment, allocations=d["allocations"], actor=request.user
        ),
        done="Payment allocated as you said; the rest is held as credit.",
    )


@require_POST
@capability_required(Cap.PAYMENTS_REFUND)
def payment_refund(request: HttpRequest, pk: int) -> HttpResponse:
    """Refund to the original method; above the user's limit it waits for approval when
    they ask for it, and is refused otherwise."""
    payment = selectors.payment_get(user=request.user, pk=pk)

    def done(refund):
        if refund.status == ApprovalStatus.PENDING:
            return f"Refund {refund.number} is waiting for approval (above your limit)."
        return f"Refund {refund.number} of {refund.amount} posted to the original method."

    return _payment_form_action(
        request,
        pk,
        key="refund",
        form=RefundForm(request.POST),
        call=lambda d: services.refund_request(
            payment=payment,
            amount=d["amount"],
            reason=d["reason"],
            request_approval=d["request_approval"],
            idempotency_key=d["idempotency_key"],
            actor=request.user,
        ),
        done=done,
    )


# --- An account's payments ------------------------------------------------------------------


def _account_page(request, pk, *, forms=None, status=200):
    account = account_get(user=request.user, pk=pk)
    charges = OpenItem.objects.filter(account=account, kind=OpenItemKind.DEBIT, open_amount__gt=0)
    payments = Paginator(
        selectors.payments_visible_to(request.user)
        .filter(account=account)
        .select_related("card", "bank_account")
        .order_by("-created_at", "-id"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    deposits = list(Deposit.objects.filter(account=account).order_by("-created_at", "-id")[:10])
    context = {
        "account": account,
        "money": _money(account),
        "payments": payments,
        "refunds": list(
            Refund.objects.filter(account=account)
            .select_related("payment")
            .order_by("-requested_at", "-id")[:20]
        ),
        "adjustments": list(
            Adjustment.objects.filter(account=account)
            .select_related("reason")
            .order_by("-requested_at", "-id")[:20]
        ),
        "transfers": list(
            selectors.transfers_visible_to(request.user)
            .filter(Q(from_account=account) | Q(to_account=account))
            .order_by("-created_at", "-id")[:20]
        ),
        "deposits": deposits,
        "open_deposit": next(
            (d for d in deposits if d.status in (DepositStatus.BILLED, DepositStatus.HELD)), None
        ),
        "disputes": list(
            Dispute.objects.filter(account=account)
            .select_related("item")
            .order_by("-opened_at", "-id")[:20]
        ),
        "adjust_form": AdjustmentForm(),
        "transfer_form": TransferForm(),
        "deposit_form": DepositBillForm(),
        "collect_form": DepositCollectForm(),
        "dispute_form": DisputeForm(charges=charges),
        "resolve_form": DisputeResolveForm(),
        "open_form": next(iter(forms or {}), "").removesuffix("_form"),
        **(forms or {}),
    }
    return render(request, "payments/account.html", context, status=status)


@capability_required(Cap.PAYMENTS_VIEW)
def account_payments(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything money on one account: payments, refunds, adjustments, transfers,
    deposits and disputes, with the forms that change them."""
    return _account_page(request, pk)


def _account_form_action(request, pk, *, key, form, call, done):
    return form_action(
        request,
        form,
        call,
        done=done,
        success_url=reverse("payments:account", args=[pk]),
        failed=lambda form, status: _account_page(
            request, pk, forms={f"{key}_form": form}, status=status
        ),
    )


@require_POST
@capability_required(Cap.PAYMENTS_ADJUST)
def adjustment_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get(user=request.user, pk=pk)

    def done(adjustment):
        if adjustment.status == ApprovalStatus.PENDING:
            return f"Adjustment {adjustment.number} is waiting for approval (above your limit)."
        return f"Adjustment {adjustment.number} posted."

    return _account_form_action(
        request,
        pk,
        key="adjust",
        form=AdjustmentForm(request.POST),
        call=lambda d: services.adjustment_post(
            account=account,
            amount=d["amount"],
            direction=d["direction"],
            reason=d["reason"],
            memo=d["memo"],
            request_approval=d["request_approval"],
            idempotency_key=d["idempotency_key"],
            actor=request.user,
        ),
        done=done,
    )


@require_POST
@capability_required(Cap.PAYMENTS_TRANSFER)
def transfer_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get(user=request.user, pk=pk)
    return _account_form_action(
        request,
        pk,
        key="transfer",
        form=TransferForm(request.POST, accounts=accounts_visible_to(request.user)),
        call=lambda d: services.transfer_post(
            from_account=account,
            to_account=d["to_account"],
            amount=d["amount"],
            reason=d["reason"],
            idempotency_key=d["idempotency_key"],
            actor=request.user,
        ),
        done=lambda t: f"Transfer {t.number}: {t.amount} moved to account {t.to_account.number}.",
    )


@require_POST
@capability_required(Cap.PAYMENTS_DEPOSITS)
def deposit_bill(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get(user=request.user, pk=pk)
    return _account_form_action(
        request,
        pk,
        key="deposit",
        form=DepositBillForm(request.POST),
        call=lambda d: services.deposit_bill(
            account=account, amount=d["amount"], reason=d["reason"], actor=request.user
        ),
        done=lambda dep: f"Deposit {dep.number} of {dep.amount_required} billed.",
    )


def _deposit(request, pk) -> Deposit:
    deposit = get_object_or_404(Deposit.objects.select_related("account"), pk=pk)
    account_get(user=request.user, pk=deposit.account_id)  # the account must be visible
    return deposit


@require_POST
@capability_required(Cap.PAYMENTS_TAKE)
def deposit_collect(request: HttpRequest, pk: int) -> HttpResponse:
    deposit = _deposit(request, pk)
    return _account_form_action(
        request,
        deposit.account_id,
        key="collect",
        form=DepositCollectForm(request.POST),
        call=lambda d: services.deposit_collect(
            deposit=deposit,
            amount=d["amount"],
            method=d["method"],
            channel=d["channel"],
            check_number=d["check_number"],
            idempotency_key=d["idempotency_key"],
            actor=request.user,
        ),
        done=lambda p: f"Payment {p.number} of {p.amount} collected toward {deposit.number}.",
    )


def _deposit_button(request, pk, call, done):
    deposit = _deposit(request, pk)
    return button_action(
        request,
        lambda: call(deposit),
        done=done,
        success_url=reverse("payments:account", args=[deposit.account_id]),
        failed=lambda status: _account_page(request, deposit.account_id, status=status),
    )


@require_POST
@capability_required(Cap.PAYMENTS_DEPOSITS)
def deposit_apply(request: HttpRequest, pk: int) -> HttpResponse:
    return _deposit_button(
        request,
        pk,
        lambda deposit: services.deposit_apply(deposit=deposit, actor=request.user),
        "Deposit and its interest applied to the account's charges.",
    )


@require_POST
@capability_required(Cap.PAYMENTS_DEPOSITS)
def deposit_refund(request: HttpRequest, pk: int) -> HttpResponse:
    return _deposit_button(
        request,
        pk,
        lambda deposit: services.deposit_refund(deposit=deposit, actor=request.user),
        "Deposit refunded with its interest.",
    )


@require_POST
@capability_required(Cap.PAYMENTS_DISPUTE)
def dispute_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get(user=request.user, pk=pk)
    charges = OpenItem.objects.filter(account=account, kind=OpenItemKind.DEBIT, open_amount__gt=0)
    return _account_form_action(
        request,
        pk,
        key="dispute",
        form=DisputeForm(request.POST, charges=charges),
        call=lambda d: services.dispute_open(
            item=d["item"],
            amount=d["amount"],
            reason=d["reason"],
            case_number=d["case_number"],
            actor=request.user,
        ),
        done=lambda dispute: f"{dispute.amount} of {dispute.item.reference} marked disputed.",
    )


@require_POST
@capability_required(Cap.PAYMENTS_ADJUST)
def dispute_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_object_or_404(Dispute.objects.select_related("account"), pk=pk)
    account_get(user=request.user, pk=dispute.account_id)
    return _account_form_action(
        request,
        dispute.account_id,
        key="resolve",
        form=DisputeResolveForm(request.POST),
        call=lambda d: services.dispute_resolve(
            dispute=dispute,
            outcome=d["outcome"],
            note=d["note"],
            credit_amount=d["credit_amount"],
            actor=request.user,
        ),
        done="Dispute resolved.",
    )


# --- Approvals -----------------------------------------------------------------------------------


def _approvals_page(request, *, refused=None, status=200):
    """The list; `refused` = (document, form) puts a refusal's reasons on that row."""
    refunds, adjustments = selectors.approvals_waiting(request.user)
    if refused is not None:
        document, form = refused
        rows = [r for r in [*refunds, *adjustments] if type(r) is type(document)]
        row = next((r for r in rows if r.pk == document.pk), None)
        if row is not None:
            row.decision_errors = _error_lines(form)
        else:  # no longer waiting: say why at the top
            messages.error(request, "; ".join(_error_lines(form)))
    return render(
        request,
        "payments/approvals.html",
        {"refunds": refunds, "adjustments": adjustments},
        status=status,
    )


def _error_lines(form) -> list[str]:
    lines = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        name = label or field.capitalize()
        lines += [e if field == "__all__" else f"{name}: {e}" for e in errors]
    return lines


@capability_required(Cap.PAYMENTS_ADJUST)
def approvals(request: HttpRequest) -> HttpResponse:
    """Refunds and adjustments above their requester's limit, waiting for a decision."""
    return _approvals_page(request)


def _decide(request, document, *, form, call, done):
    """A decision on the approvals list; a refusal shows on that request's row."""
    status = 400
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
            status = exc.status_code
        else:
            messages.success(request, done)
            return redirect("payments:approvals")
    return _approvals_page(request, refused=(document, form), status=status)


def _waiting(request, model, pk):
    queryset = (
        selectors.refunds_visible_to(request.user)
        if model is Refund
        else selectors.adjustments_visible_to(request.user)
    )
    return get_object_or_404(queryset, pk=pk)


@require_POST
@capability_required(Cap.PAYMENTS_REFUND)
def refund_approve(request: HttpRequest, pk: int) -> HttpResponse:
    refund = _waiting(request, Refund, pk)
    return _decide(
        request,
        refund,
        form=DecisionForm(request.POST),
        call=lambda d: services.refund_approve(refund=refund, note=d["note"], actor=request.user),
        done=f"Refund {refund.number} approved and posted.",
    )


@require_POST
@capability_required(Cap.PAYMENTS_REFUND)
def refund_reject(request: HttpRequest, pk: int) -> HttpResponse:
    refund = _waiting(request, Refund, pk)
    return _decide(
        request,
        refund,
        form=RejectForm(request.POST),
        call=lambda d: services.refund_reject(refund=refund, note=d["note"], actor=request.user),
        done=f"Refund {refund.number} turned down.",
    )


@require_POST
@capability_required(Cap.PAYMENTS_ADJUST)
def adjustment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    adjustment = _waiting(request, Adjustment, pk)
    return _decide(
        request,
        adjustment,
        form=DecisionForm(request.POST),
        call=lambda d: services.adjustment_approve(
            adjustment=adjustment, note=d["note"], actor=request.user
        ),
        done=f"Adjustment {adjustment.number} approved and posted.",
    )


@require_POST
@capability_required(Cap.PAYMENTS_ADJUST)
def adjustment_reject(request: HttpRequest, pk: int) -> HttpResponse:
    adjustment = _waiting(request, Adjustment, pk)
    return _decide(
        request,
        adjustment,
        form=RejectForm(request.POST),
        call=lambda d: services.adjustment_reject(
            adjustment=adjustment, note=d["note"], actor=request.user
        ),
        done=f"Adjustment {adjustment.number} turned down.",
    )


# --- Bank files ------------------------------------------------------------------------------


def _bank_files_page(request, *, form=None, result=None, bad_lines=None, status=200):
    return render(
        request,
        "payments/bank_files.html",
        {
            "form": form or BankFileForm(),
            "result": result,
            "bad_lines": bad_lines,
            "files": selectors.bank_files_visible_to(request.user).order_by("-imported_at")[:20],
            "waiting": selectors.exception_queue(request.user).count(),
        },
        status=status,
    )


@capability_required(Cap.PAYMENTS_BANK_FILES)
def bank_files(request: HttpRequest) -> HttpResponse:
    """Upload a BAI2 or lockbox file; the result (posted, to match, skipped, bad lines)
    shows on the same page. A malformed file posts nothing."""
    if request.method != "POST":
        return _bank_files_page(request)
    form = BankFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _bank_files_page(request, form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        result = bank.bank_file_import(
            content=upload.read(),
            name=upload.name,
            file_format=form.cleaned_data["format"] or None,
            actor=request.user,
        )
    except BankFileInvalid as exc:
        return _bank_files_page(request, form=form, bad_lines=exc.errors, status=400)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _bank_files_page(request, form=form, status=exc.status_code)
    return _bank_files_page(request, result=result)


@capability_required(Cap.PAYMENTS_BANK_FILES)
def bank_file_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bank_file = get_object_or_404(selectors.bank_files_visible_to(request.user), pk=pk)
    items = bank_file.items.select_related("payment__account").order_by("line_number")
    return render(request, "payments/bank_file_detail.html", {"file": bank_file, "items": items})


def _queue_page(request, *, forms=None, status=200):
    items = Paginator(selectors.exception_queue(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "payments/exceptions.html",
        {"items": items, "forms": forms or {}, "today": dt.date.today()},
        status=status,
    )


@capability_required(Cap.PAYMENTS_BANK_FILES)
def exception_queue(request: HttpRequest) -> HttpResponse:
    """Credits from bank files that matched no account, for a person to match or return."""
    return _queue_page(request)


def _item(request, pk):
    return get_object_or_404(selectors.exception_queue(request.user), pk=pk)


def _queue_action(request, item, *, form, call, done):
    return form_action(
        request,
        form,
        call,
        done=done,
        success_url=reverse("payments:exceptions"),
        failed=lambda form, status: _queue_page(request, forms={item.pk: form}, status=status),
    )


@require_POST
@capability_required(Cap.PAYMENTS_BANK_FILES)
def exception_match(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return _queue_action(
        request,
        item,
        form=MatchForm(request.POST, accounts=accounts_visible_to(request.user)),
        call=lambda d: bank.bank_item_match(
            item=item, account=d["account_number"], actor=request.user
        ),
        done=lambda done: f"{done.amount} posted to account {done.payment.account.number}.",
    )


@require_POST
@capability_required(Cap.PAYMENTS_BANK_FILES)
def exception_return(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return _queue_action(
        request,
        item,
        form=ReturnItemForm(request.POST),
        call=lambda d: bank.bank_item_return(item=item, note=d["note"], actor=request.user),
        done=lambda done: f"{done.amount} marked to go back to the remitter.",
    )
