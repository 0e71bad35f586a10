"""Pages of the credit app: the arrangement page (proposal, adjust, confirm; the active
arrangement with its installments), restoration, deposit waivers, bankruptcy. Thin: a
form, a service, a render (core.views.form_action / button_action)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from servicebook.core.permissions import capability_required
from servicebook.core.views import button_action, form_action
from servicebook.customers.selectors import accounts_visible_to
from servicebook.users.roles import Cap

from . import selectors, services
from .forms import (
    ArrangementForm,
    BankruptcyForm,
    CancelForm,
    ClaimForm,
    CloseForm,
    DepositBillForm,
    WaiverForm,
)
from .models import Bankruptcy, PaymentArrangement, Restoration


def _account(request: HttpRequest, pk: int):
    return get_object_or_404(accounts_visible_to(request.user).select_related("customer"), pk=pk)


def _account_url(account) -> str:
    return reverse("customers:account_detail", args=[account.pk])


def _arrangement_page(request, account, form: ArrangementForm, *, status: int = 200):
    values = form.cleaned_data if form.is_bound and form.is_valid() else {}
    proposal = services.arrangement_proposal(
        account=account,
        down_payment=values.get("down_payment"),
        installments=values.get("installments"),
    )
    if form.is_bound and form.is_valid() and proposal.errors and not form.errors:
        for field, messages in proposal.errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    context = {
        "account": account,
        "proposal": proposal,
        "form": form,
        "active": selectors.active_arrangement_of(account),
        "history": selectors.arrangements_of(account)[:10],
        "standing": selectors.standing_of(account),
        "cancel_form": CancelForm(),
    }
    return render(request, "credit/arrangement.html", context, status=status)


@capability_required(Cap.CREDIT_VIEW)
def arrangement(request: HttpRequest, pk: int) -> HttpResponse:
    """The account's arrangement: the proposal the policy allows (adjustable within its
    limits, previewed by GET), the active one with its installments, the past ones."""
    account = _account(request, pk)
    form = ArrangementForm(request.GET) if request.GET else ArrangementForm()
    return _arrangement_page(request, account, form, status=200)


@capability_required(Cap.CREDIT_ARRANGE)
def arrangement_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm the proposal (with the representative's choices): the arrangement starts."""
    account = _account(request, pk)
    form = ArrangementForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: services.arrangement_create(
            account=account,
            down_payment=d.get("down_payment"),
            installments=d.get("installments"),
            actor=request.user,
        ),
        done="Payment arrangement set up.",
        success_url=reverse("credit:arrangement", args=[account.pk]),
        failed=lambda f, status: _arrangement_page(request, account, f, status=status),
    )


@capability_required(Cap.CREDIT_ARRANGE)
def arrangement_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        PaymentArrangement.objects.filter(account__in=accounts_visible_to(request.user)), pk=pk
    )
    account = _account(request, item.account_id)
    form = CancelForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: services.arrangement_cancel(
            arrangement=item, reason=d["reason"], actor=request.user
        ),
        done="Arrangement cancelled.",
        success_url=reverse("credit:arrangement", args=[account.pk]),
        failed=lambda f, status: _arrangement_page(
            request, account, ArrangementForm(), status=status
        ),
    )


@capability_required(Cap.CREDIT_MANAGE)
def restoration_open(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer accepts the amount to restore: the fee and deposit are billed, and the
    reconnect is raised as soon as it is all paid."""
    account = _account(request, pk)
    return button_action(
        request,
        lambda: services.restoration_open(account=account, actor=request.user),
        done="Restoration opened: the reconnect is raised when the amount is paid.",
        success_url=_account_url(account),
        failed=lambda status: render(
            request, "credit/refused.html", {"account": account}, status=status
        ),
    )


@capability_required(Cap.CREDIT_MANAGE)
def restoration_reconnect(request: HttpRequest, pk: int) -> HttpResponse:
    """Raise a new reconnect work order for a paid restoration whose reconnect was
    cancelled or not done."""
    restoration = get_object_or_404(Restoration, pk=pk)
    account = _account(request, restoration.account_id)
    return button_action(
        request,
        lambda: services.restoration_reconnect_raise(restoration=restoration, actor=request.user),
        done="A new reconnect work order was raised.",
        success_url=_account_url(account),
        failed=lambda status: render(
            request, "credit/refused.html", {"account": account}, status=status
        ),
    )


@capability_required(Cap.CREDIT_MANAGE)
def deposit_waiver(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    form = WaiverForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: services.deposit_waiver_grant(
            account=account, kind=d["kind"], detail=d["detail"], actor=request.user
        ),
        done="Deposit waived.",
        success_url=reverse("credit:bankruptcy", args=[account.pk]),
        failed=lambda f, status: _bankruptcy_page(request, account, waiver_form=f, status=status),
    )


@capability_required(Cap.CREDIT_MANAGE)
def deposit_bill(request: HttpRequest, pk: int) -> HttpResponse:
    """Bill the deposit the policy requires, in one part or the installments the customer
    chose (within the policy's limit)."""
    account = _account(request, pk)
    form = DepositBillForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: services.deposit_require(
            account=account, installments=d["installments"], actor=request.user
        ),
        done="Deposit billed.",
        success_url=reverse("credit:bankruptcy", args=[account.pk]),
        failed=lambda f, status: _bankruptcy_page(request, account, deposit_form=f, status=status),
    )


def _bankruptcy_page(request, account, *, status: int = 200, **forms) -> HttpResponse:
    case = selectors.filed_bankruptcy_of(account)
    today = timezone.localdate()
    context = {
        "account": account,
        "case": case,
        "cases": Bankruptcy.objects.filter(account=account),
        "split": selectors.bankruptcy_split(account, petition_date=case.petition_date)
        if case
        else None,
        "file_form": forms.get("file_form") or BankruptcyForm(),
        "claim_form": forms.get("claim_form")
        or ClaimForm(
            initial={"amount": case.pre_petition_amount if case else None, "filed_on": today}
        ),
        "close_form": forms.get("close_form") or CloseForm(initial={"on": today}),
        "waiver_form": forms.get("waiver_form") or WaiverForm(),
        "deposit_form": forms.get("deposit_form") or DepositBillForm(),
        "requirement": services.deposit_requirement(account=account, on=today),
        "waivers": account.deposit_waivers.all(),
    }
    return render(request, "credit/bankruptcy.html", context, status=status)


@capability_required(Cap.CREDIT_MANAGE)
def bankruptcy(request: HttpRequest, pk: int) -> HttpResponse:
    """The account's bankruptcy (file a petition, record the claim, close the case) and
    its deposit requirement and waivers."""
    return _bankruptcy_page(request, _account(request, pk))


@capability_required(Cap.CREDIT_MANAGE)
def bankruptcy_file(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    form = BankruptcyForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: services.bankruptcy_file(account=account, actor=request.user, **d),
        done="Bankruptcy recorded: the stay is in force.",
        success_url=reverse("credit:bankruptcy", args=[account.pk]),
        failed=lambda f, status: _bankruptcy_page(request, account, file_form=f, status=status),
    )


def _case(request, pk: int) -> Bankruptcy:
    return get_object_or_404(
        Bankruptcy.objects.filter(account__in=accounts_visible_to(request.user)), pk=pk
    )


@capability_required(Cap.CREDIT_MANAGE)
def bankruptcy_claim(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    account = _account(request, case.account_id)
    form = ClaimForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: services.bankruptcy_claim_record(bankruptcy=case, actor=request.user, **d),
        done="Proof of claim recorded.",
        success_url=reverse("credit:bankruptcy", args=[account.pk]),
        failed=lambda f, status: _bankruptcy_page(request, account, claim_form=f, status=status),
    )


@capability_required(Cap.CREDIT_MANAGE)
def bankruptcy_close(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    account = _account(request, case.account_id)
    form = CloseForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: services.bankruptcy_close(bankruptcy=case, actor=request.user, **d),
        done="Bankruptcy case closed: the stay has ended.",
        success_url=reverse("credit:bankruptcy", args=[account.pk]),
        failed=lambda f, status: _bankruptcy_page(request, account, close_form=f, status=status),
    )
