"""Reads of quotes, always starting from what the user may see.

Customer quotes: staff with quotes.view see every quote (the whole book, like accounts).
Subcontractor quotes: staff with quotes.view see all; a subcontractor user sees only its
own company's quotes; work orders a subcontractor may quote on are its own jobs.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from servicebook.core.permissions import has_capability
from servicebook.users.roles import Cap, Role

from .choices import SUBQUOTE_OPEN
from .models import Quote, SubcontractorQuote
from .subcontract import companies_of


def _is_staff(user) -> bool:
    """Customer quotes are account data: quotes.view and accounts.view."""
    return has_capability(user, Cap.QUOTES_VIEW) and has_capability(user, Cap.ACCOUNTS_VIEW)


def quotes_visible_to(user) -> QuerySet[Quote]:
    if not _is_staff(user):
        return Quote.objects.none()
    return Quote.objects.all()


def quote_list(*, user, status: str = "", account=None) -> QuerySet[Quote]:
    qs = quotes_visible_to(user).select_related("account__customer")
    if status:
        qs = qs.filter(status=status)
    if account is not None:
        qs = qs.filter(account=account)
    return qs.order_by("-created_at", "-id")


def quote_get(*, user, pk: int) -> Quote:
    return get_object_or_404(
        quotes_visible_to(user).select_related(
            "account__customer",
            "work_order",
            "converted_work_order",
            "invoice",
            "replaces",
            "chosen_option",
        ),
        pk=pk,
    )


def quote_history(quote: Quote) -> list[Quote]:
    """Every revision of the quote's number, newest first."""
    return list(Quote.objects.filter(number=quote.number).order_by("-revision"))


def account_quotes(account, limit: int = 10) -> list[Quote]:
    """The account page box: the latest quotes, one query."""
    return list(Quote.objects.filter(account=account).order_by("-created_at", "-id")[:limit])


def subquotes_visible_to(user) -> QuerySet[SubcontractorQuote]:
    if not has_capability(user, Cap.QUOTES_VIEW):
        return SubcontractorQuote.objects.none()
    if user.role == Role.SUBCONTRACTOR:
        return SubcontractorQuote.objects.filter(
            subcontractor__in=[c.pk for c in companies_of(user)]
        )
    return SubcontractorQuote.objects.all()


def subquote_queue(*, user, status: str = "open") -> QuerySet[SubcontractorQuote]:
    """The review queue: open (submitted or escalated) quotes first by age, or a status."""
    qs = subquotes_visible_to(user).select_related("work_order", "subcontractor", "purchase_order")
    if status == "open":
        qs = qs.filter(status__in=SUBQUOTE_OPEN)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "id")


def subquote_get(*, user, pk: int) -> SubcontractorQuote:
    return get_object_or_404(
        subquotes_visible_to(user).select_related(
            "work_order__account__customer", "subcontractor", "purchase_order", "decided_by"
        ),
        pk=pk,
    )


def work_orders_quotable_by(user):
    """The work orders a user may submit a subcontractor quote on: staff, any; a
    subcontractor, those with an appointment of its company's technicians."""
    from servicebook.workorders.models import WorkOrder

    if user.role != Role.SUBCONTRACTOR:
        return WorkOrder.objects.all()
    ids = [c.pk for c in companies_of(user)]
    return WorkOrder.objects.filter(appointments__technician__subcontractor__in=ids).distinct()
