"""Reads of quotes, always starting from what the user may see.

Customer quotes: staff with quotes.view see every quote (the whole book, like accounts).
Subcontractor quotes: staff with quotes.view see all; a subcontractor user sees only its
own company's quotes; work orders a subcontractor may quote on are its own jobs.
Partner requests: account data like customer quotes (quotes.view and accounts.view).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import BooleanField, Case, OuterRef, Q, QuerySet, Subquery, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from servicebook.core.permissions import has_capability
from servicebook.users.roles import Cap, Role

from .choices import PARTNER_REQUEST_OPEN, SUBQUOTE_OPEN
from .models import PartnerRequest, PartnerRequestEvent, Quote, SubcontractorQuote
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


def workorder_subquotes(*, user, work_order, limit: int = 10) -> list[SubcontractorQuote]:
    """The work-order page box: the latest subcontractor quotes on it the user may see, one
    query for staff."""
    return list(
        subquotes_visible_to(user)
        .filter(work_order=work_order)
        .select_related("subcontractor")
        .order_by("-created_at", "-id")[:limit]
    )


def work_orders_quotable_by(user):
    """The work orders a user may submit a subcontractor quote on: staff, any; a
    subcontractor, those with an appointment of its company's technicians."""
    from servicebook.workorders.models import WorkOrder

    if user.role != Role.SUBCONTRACTOR:
        return WorkOrder.objects.all()
    ids = [c.pk for c in companies_of(user)]
    return WorkOrder.objects.filter(appointments__technician__subcontractor__in=ids).distinct()


# --- Partner requests (out-of-scope work) -------------------------------------------------------


def partner_requests_visible_to(user) -> QuerySet[PartnerRequest]:
    """Partner requests are account data, as customer quotes: quotes.view and accounts.view
    (a subcontractor holds quotes.view for its own quotes only and sees none)."""
    if not _is_staff(user):
        return PartnerRequest.objects.none()
    return PartnerRequest.objects.all()


def partner_request_overdue_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """An open request whose last move is before this is overdue: the partner has not
    answered (or finished) within settings.PARTNER_REQUEST_OVERDUE_DAYS."""
    return (now or timezone.now()) - dt.timedelta(days=settings.PARTNER_REQUEST_OVERDUE_DAYS)


def _with_overdue(qs: QuerySet[PartnerRequest], now: dt.datetime | None) -> QuerySet:
    # The last move is the newest history row (the send is one), not updated_at: both the
    # send and a change take their time from the service's `now`, so the two never disagree
    # and a request sent with an explicit time (an import, a test) is judged by that time.
    last = PartnerRequestEvent.objects.filter(request=OuterRef("pk")).order_by("-at", "-id")
    return qs.annotate(last_moved_at=Subquery(last.values("at")[:1])).annotate(
        is_overdue=Case(
            When(
                Q(status__in=PARTNER_REQUEST_OPEN)
                & Q(last_moved_at__lt=partner_request_overdue_cutoff(now)),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def partner_request_list(
    *,
    user,
    status: str = "",
    partner_id: int | None = None,
    overdue: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet[PartnerRequest]:
    """The list page and the API: filtered by status, partner and overdue, each row with
    `is_overdue` and `last_moved_at`, newest first, in one query."""
    qs = _with_overdue(
        partner_requests_visible_to(user).select_related(
            "account__customer", "partner", "work_order"
        ),
        now,
    )
    if status:
        qs = qs.filter(status=status)
    if partner_id:
        qs = qs.filter(partner_id=partner_id)
    if overdue:
        qs = qs.filter(is_overdue=True)
    return qs.order_by("-sent_at", "-id")


def partner_request_get(*, user, pk: int) -> PartnerRequest:
    return get_object_or_404(
        _with_overdue(
            partner_requests_visible_to(user).select_related(
                "account__customer", "partner", "work_order", "case", "quote", "created_by"
            ),
            None,
        ),
        pk=pk,
    )


def partner_request_history(request: PartnerRequest) -> list[PartnerRequestEvent]:
    """The status changes, oldest first, with who made them."""
    return list(request.history.select_related("actor").order_by("at", "id"))


def account_partner_requests(account, limit: int = 10) -> list[PartnerRequest]:
    """The account page box: the latest requests with their partner, one query."""
    return list(
        _with_overdue(
            PartnerRequest.objects.filter(account=account).select_related("partner"), None
        ).order_by("-sent_at", "-id")[:limit]
    )


def workorder_partner_requests(work_order) -> list[PartnerRequest]:
    """The work-order page box: the requests sent for this work order, one query."""
    return list(
        _with_overdue(
            PartnerRequest.objects.filter(work_order=work_order).select_related("partner"), None
        ).order_by("-sent_at", "-id")
    )
