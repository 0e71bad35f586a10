"""The representative's console: home, global search and object history."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from servicebook.cases.selectors import case_queue, queue_counts
from servicebook.core.htmx import htmx_partial
from servicebook.core.models import AuditEvent
from servicebook.core.permissions import capability_required
from servicebook.customers.models import Account
from servicebook.customers.selectors import account_search
from servicebook.users.roles import Cap

SUGGEST_LIMIT = 8
RESULTS_LIMIT = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where a representative starts the day: their cases, what is at risk, search."""
    mine = list(
        case_queue(user=request.user, view="mine").order_by("resolution_due", "created_at")[:10]
    )
    return render(
        request, "console/home.html", {"mine": mine, "counts": queue_counts(user=request.user)}
    )


@capability_required(Cap.ACCOUNTS_VIEW)
def search(request: HttpRequest) -> HttpResponse:
    """The full results page. A single exact hit (account number, phone) opens the account."""
    query = request.GET.get("q", "").strip()
    hits = account_search(user=request.user, query=query, limit=RESULTS_LIMIT) if query else []
    if len(hits) == 1 and hits[0].matched in {"number", "phone"} and hits[0].score >= 900:
        return redirect("customers:account_detail", pk=hits[0].account_id)
    return render(request, "console/search.html", {"query": query, "hits": hits})


@capability_required(Cap.ACCOUNTS_VIEW)
def suggest(request: HttpRequest) -> HttpResponse:
    """Results as you type, for the search box's dropdown (an htmx fragment)."""
    query = request.GET.get("q", "").strip()
    hits = (
        account_search(user=request.user, query=query, limit=SUGGEST_LIMIT)
        if len(query) >= 2
        else []
    )
    return render(
        request,
        "console/partials/suggest.html",
        {"query": query, "hits": hits, "htmx": htmx_partial(request)},
    )


def _account_related(account: Account) -> Q:
    """Audit rows of the account and everything that hangs off it."""
    related = {
        Account: [account.pk],
        account.customer.__class__: [account.customer_id],
    }
    for name in (
        "locations",
        "contacts",
        "phones",
        "emails",
        "agreements",
        "equipment",
        "enrollments",
        "alerts",
        "notes",
    ):
        manager = getattr(account, name)
        related[manager.model] = list(manager.values_list("pk", flat=True))
    condition = Q(pk__in=[])
    for model, ids in related.items():
        if ids:
            condition |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(i) for i in ids],
            )
    return condition


@capability_required(Cap.AUDIT_VIEW)
def history(request: HttpRequest, app_label: str, model: str, pk: int) -> HttpResponse:
    """An object's audit trail for supervisors: who changed what, when, before and after.
    An account's history includes its contacts, locations, agreements, alerts and notes."""
    try:
        model_class = apps.get_model(app_label, model)
    except LookupError as exc:
        raise Http404("Unknown kind of object.") from exc
    obj = get_object_or_404(model_class, pk=pk)
    if isinstance(obj, Account):
        events = AuditEvent.objects.filter(_account_related(obj))
    else:
        events = AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(model_class), object_id=str(pk)
        )
    events = events.select_related("content_type").order_by("-at", "-id")
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "console/history.html",
        {"object": obj, "page": page, "model_name": model_class._meta.verbose_name},
    )
