"""Pages of the quotes app: the quote list and page (options, lines, send, revise, invoice,
PDF), the New-quote action of the account page, the subcontractor quotes' review queue
with approve and reject and the staff page entering a subcontractor's quote, and partner
requests (list, page with the status moves, Send to partner from a work order). The
customer's link pages are in public_views.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicebook.core.errors import ServiceError, ValidationFailed
from servicebook.core.permissions import capability_required
from servicebook.core.views import button_action, form_action
from servicebook.customers.selectors import account_get
from servicebook.users.roles import Cap

from . import documents, partner, selectors, services, subcontract
from .choices import (
    PARTNER_REQUEST_TRANSITIONS,
    PartnerRequestStatus,
    QuoteStatus,
    SubQuoteStatus,
)
from .forms import (
    ApproveForm,
    LineAddForm,
    OptionAddForm,
    PartnerSendForm,
    PartnerTransitionForm,
    QuoteCreateForm,
    RejectForm,
    SendForm,
    SubQuoteEntryForm,
    SubQuoteLineFormSet,
)

PAGE_SIZE = 50


@capability_required(Cap.QUOTES_VIEW)
def quote_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in QuoteStatus.values:
        status = ""
    quotes = selectors.quote_list(user=request.user, status=status)
    page = Paginator(quotes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "quotes/quote_list.html",
        {"page": page, "status": status, "statuses": QuoteStatus.choices},
    )


@require_POST
@capability_required(Cap.QUOTES_EDIT)
def quote_new(request: HttpRequest, account_pk: int) -> HttpResponse:
    """Open a draft quote on an account (the account page's New quote) and go to it."""
    account = account_get(user=request.user, pk=account_pk)
    form = QuoteCreateForm(request.POST)

    def call(data):
        return services.quote_create(
            account=account,
            title=data["title"],
            options=form.option_labels(),
            work_type=data["work_type"],
            valid_until=data.get("valid_until"),
            actor=request.user,
        )

    return form_action(
        request,
        form,
        call,
        done="Draft quote opened: add its lines, then send it.",
        success_url=lambda quote: reverse("quotes:detail", args=[quote.pk]),
        failed=lambda form, status: render(
            request, "quotes/quote_new.html", {"form": form, "account": account}, status=status
        ),
    )


def _page(request, pk: int, *, forms: dict | None = None, status: int = 200) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)
    context = {
        **documents.quote_context(quote),
        "history": selectors.quote_history(quote),
        "line_form": LineAddForm(),
        "option_form": OptionAddForm(),
        "send_form": SendForm(),
        "can_invoice": quote.status == QuoteStatus.CONVERTED
        and quote.invoice_id is None
        and quote.converted_work_order.status in ("completed", "closed"),
        **(forms or {}),
    }
    return render(request, "quotes/quote_detail.html", context, status=status)


@capability_required(Cap.QUOTES_VIEW)
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


@capability_required(Cap.QUOTES_VIEW)
def quote_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)
    response = HttpResponse(documents.quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="quote-{quote.number}-{quote.revision}.pdf"'
    )
    return response


def _action(request, pk, *, key, form, call, done):
    return form_action(
        request,
        form,
        call,
        done=done,
        success_url=reverse("quotes:detail", args=[pk]),
        failed=lambda form, status: _page(request, pk, forms={f"{key}_form": form}, status=status),
    )


@require_POST
@capability_required(Cap.QUOTES_EDIT)
def quote_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)
    form = LineAddForm(request.POST)

    def call(data):
        option = get_object_or_404(quote.options, pk=data["option"])
        return services.quote_line_add(
            option=option,
            catalog_item=data["catalog_item"],
            quantity=data["quantity"],
            description=data.get("description", ""),
            actor=request.user,
        )

    return _action(request, pk, key="line", form=form, call=call, done="Line added.")


@require_POST
@capability_required(Cap.QUOTES_EDIT)
def quote_line_remove(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)
    from .models import QuoteLine

    line = get_object_or_404(
        QuoteLine.objects.select_related("option"), pk=line_pk, option__quote=quote
    )
    return button_action(
        request,
        lambda: services.quote_line_remove(line=line, actor=request.user),
        done="Line removed.",
        success_url=reverse("quotes:detail", args=[pk]),
        failed=lambda status: _page(request, pk, status=status),
    )


@require_POST
@capability_required(Cap.QUOTES_EDIT)
def quote_option_add(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)
    form = OptionAddForm(request.POST)
    return _action(
        request,
        pk,
        key="option",
        form=form,
        call=lambda data: services.quote_option_add(
            quote=quote, label=data["label"], actor=request.user
        ),
        done="Option added.",
    )


@require_POST
@capability_required(Cap.QUOTES_EDIT)
def quote_send(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)
    form = SendForm(request.POST)
    return _action(
        request,
        pk,
        key="send",
        form=form,
        call=lambda data: services.quote_send(
            quote=quote,
            to_email=data.get("to_email", ""),
            base_url=request.build_absolute_uri("/"),
            actor=request.user,
        ),
        done="Quote sent: the customer has the PDF and the link.",
    )


@require_POST
@capability_required(Cap.QUOTES_EDIT)
def quote_revise(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)
    try:
        new = services.quote_revise(quote=quote, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _page(request, pk, status=exc.status_code)
    messages.success(request, f"Revision {new.revision} opened; the earlier one is kept.")
    return redirect("quotes:detail", new.pk)


@require_POST
@capability_required(Cap.BILLING_ISSUE)
def quote_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)
    return button_action(
        request,
        lambda: services.quote_invoice(quote=quote, actor=request.user),
        done="Invoice issued for the done work.",
        success_url=reverse("quotes:detail", args=[pk]),
        failed=lambda status: _page(request, pk, status=status),
    )


# --- Subcontractor quotes -------------------------------------------------------------------


@capability_required(Cap.QUOTES_VIEW)
def sub_queue(request: HttpRequest) -> HttpResponse:
    """The review queue: open quotes (submitted or escalated) oldest first, or a status."""
    status = request.GET.get("status", "open")
    if status not in ("open", "", *SubQuoteStatus.values):
        status = "open"
    page = Paginator(selectors.subquote_queue(user=request.user, status=status), PAGE_SIZE)
    return render(
        request,
        "quotes/sub_queue.html",
        {
            "page": page.get_page(request.GET.get("page")),
            "status": status,
            "statuses": SubQuoteStatus.choices,
        },
    )


def _sub_page(request, pk: int, *, forms: dict | None = None, status: int = 200):
    quote = selectors.subquote_get(user=request.user, pk=pk)
    context = {
        "quote": quote,
        "lines": list(quote.lines.all()),
        "approve_form": ApproveForm(),
        "reject_form": RejectForm(),
        "may_approve": subcontract.roles_that_may_approve(quote.total),
        **(forms or {}),
    }
    return render(request, "quotes/sub_detail.html", context, status=status)


@capability_required(Cap.QUOTES_VIEW)
def sub_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _sub_page(request, pk)


def _sub_action(request, pk, *, key, form, call, done):
    return form_action(
        request,
        form,
        call,
        done=done,
        success_url=reverse("quotes:sub_detail", args=[pk]),
        failed=lambda form, status: _sub_page(
            request, pk, forms={f"{key}_form": form}, status=status
        ),
    )


@require_POST
@capability_required(Cap.QUOTES_APPROVE)
def sub_approve(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.subquote_get(user=request.user, pk=pk)

    def call(data):
        result = subcontract.subquote_approve(
            quote=quote, note=data.get("note", ""), actor=request.user
        )
        if result.status == SubQuoteStatus.ESCALATED:
            messages.warning(request, result.escalation_note)
        return result

    return _sub_action(
        request,
        pk,
        key="approve",
        form=ApproveForm(request.POST),
        call=call,
        done="Decision recorded.",
    )


@require_POST
@capability_required(Cap.QUOTES_APPROVE)
def sub_reject(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.subquote_get(user=request.user, pk=pk)
    return _sub_action(
        request,
        pk,
        key="reject",
        form=RejectForm(request.POST),
        call=lambda data: subcontract.subquote_reject(
            quote=quote, reason=data["reason"], actor=request.user
        ),
        done="Quote rejected; the subcontractor sees the reason.",
    )


@require_POST
@capability_required(Cap.INVENTORY_PURCHASE)
def sub_raise_po(request: HttpRequest, pk: int) -> HttpResponse:
    """Raise the purchase order of a quote a coordinator approved."""
    quote = selectors.subquote_get(user=request.user, pk=pk)
    return button_action(
        request,
        lambda: subcontract.subquote_raise_purchase_order(quote=quote, actor=request.user),
        done="Purchase order raised.",
        success_url=reverse("quotes:sub_detail", args=[pk]),
        failed=lambda status: _sub_page(request, pk, status=status),
    )


def _sub_new_page(request, work_order, form, lines, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "quotes/sub_new.html",
        {"work_order": work_order, "form": form, "lines": lines},
        status=status,
    )


def _rows_named(errors: dict, positions: list[int], lines) -> dict:
    """The service numbers the lines it was given (`lines[2]`); blank rows were left out, so
    its second line may be the page's fourth row. Name the page's row, on the form's top
    and on the row itself."""
    named: dict[str, list[str]] = {}
    for key, messages_ in errors.items():
        index = key[6:-1] if key.startswith("lines[") and key.endswith("]") else ""
        if index.isdigit() and 0 < int(index) <= len(positions):
            row = positions[int(index) - 1]
            for message in messages_:
                lines.forms[row - 1].add_error(None, message)
                named.setdefault("__all__", []).append(f"Line {row}: {message}")
        else:
            named.setdefault(key, []).extend(messages_)
    return named


@require_http_methods(["GET", "POST"])
@capability_required(Cap.QUOTES_SUBMIT)
def sub_new(request: HttpRequest, work_order_pk: int) -> HttpResponse:
    """Enter a subcontractor's quote on a work order (staff, for the company they name):
    lines (blank rows skipped) or one amount, and notes. Refused input comes back on the
    form with the service's reasons, each line's naming its row (400), nothing created."""
    from servicebook.workorders.selectors import workorder_get

    # Staff only in effect: a subcontractor's login sees no work order here (404); it
    # quotes its own jobs through the API.
    work_order = workorder_get(user=request.user, pk=work_order_pk)
    if request.method != "POST":
        form, lines = SubQuoteEntryForm(), SubQuoteLineFormSet(prefix="lines")
        return _sub_new_page(request, work_order, form, lines)
    form = SubQuoteEntryForm(request.POST)
    lines = SubQuoteLineFormSet(request.POST, prefix="lines")

    def failed(form, status):
        return _sub_new_page(request, work_order, form, lines, status=status)

    if not lines.is_valid():
        form.is_valid()  # its own errors show as well
        return failed(form, 400)
    filled = [(i, f.cleaned_data) for i, f in enumerate(lines.forms, start=1) if not f.is_blank()]

    def call(data):
        try:
            return subcontract.subquote_submit(
                work_order=work_order,
                subcontractor=data["subcontractor"],
                lines=[{k: v for k, v in row.items() if v is not None} for _, row in filled],
                amount=data.get("amount"),
                notes=data.get("notes", ""),
                actor=request.user,
            )
        except ValidationFailed as exc:
            raise ValidationFailed(_rows_named(exc.errors, [i for i, _ in filled], lines)) from exc

    return form_action(
        request,
        form,
        call,
        done=lambda q: f"Quote {q.number} of {q.subcontractor.name} entered: {q.total}.",
        success_url=lambda q: reverse("quotes:sub_detail", args=[q.pk]),
        failed=failed,
    )


@require_GET
@capability_required(Cap.QUOTES_SUBMIT)
def sub_new_pick(request: HttpRequest) -> HttpResponse:
    """From the review queue: the work order to enter a quote on, by its number."""
    from servicebook.workorders.selectors import workorders_visible_to

    number = request.GET.get("work_order", "").strip()[:20]
    if not number:
        return render(request, "quotes/sub_pick.html", {"number": ""})
    order = workorders_visible_to(request.user).filter(number__iexact=number).first()
    if order is None:
        return render(
            request,
            "quotes/sub_pick.html",
            {"number": number, "error": f"No work order {number}."},
            status=404,
        )
    return redirect("quotes:sub_new", order.pk)


# --- Partner requests ------------------------------------------------------------------------


@capability_required(Cap.QUOTES_VIEW)
def partner_list(request: HttpRequest) -> HttpResponse:
    """Requests to partners, newest first; filter by status, partner, overdue only."""
    # The partner names for the filter come straight from the model, not from
    # integrations.selectors.partners_visible_to: that one is for integrations.view (the
    # partners' setup), which a rep following requests need not hold; names only.
    from servicebook.integrations.models import Partner

    status = request.GET.get("status", "")
    if status not in PartnerRequestStatus.values:
        status = ""
    raw_partner = request.GET.get("partner", "")
    partner_id = int(raw_partner) if raw_partner.isdigit() and len(raw_partner) < 10 else None
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.partner_request_list(
        user=request.user, status=status, partner_id=partner_id, overdue=overdue
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "quotes/partner_list.html",
        {
            "page": page,
            "status": status,
            "statuses": PartnerRequestStatus.choices,
            "partner_id": partner_id,
            "partners": list(Partner.objects.order_by("name").values_list("pk", "name")),
            "overdue": overdue,
            "overdue_days": settings.PARTNER_REQUEST_OVERDUE_DAYS,
        },
    )


def _partner_page(request, pk: int, *, form=None, status: int = 200) -> HttpResponse:
    pr = selectors.partner_request_get(user=request.user, pk=pk)
    moves = [s for s in PartnerRequestStatus if s in PARTNER_REQUEST_TRANSITIONS[pr.status]]
    context = {
        "pr": pr,
        "history": selectors.partner_request_history(pr),
        "moves": moves,
        "move_form": form or PartnerTransitionForm(),
        "overdue_days": settings.PARTNER_REQUEST_OVERDUE_DAYS,
    }
    return render(request, "quotes/partner_detail.html", context, status=status)


@capability_required(Cap.QUOTES_VIEW)
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _partner_page(request, pk)


@require_POST
@capability_required(Cap.QUOTES_EDIT)
def partner_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the partner's answer (or cancel): a move the status does not allow is the
    service's 409 shown on the page, and nothing changes."""
    pr = selectors.partner_request_get(user=request.user, pk=pk)
    return form_action(
        request,
        PartnerTransitionForm(request.POST),
        lambda data: partner.partner_request_transition(
            request=pr,
            status=data["status"],
            note=data.get("note", ""),
            reference=data.get("reference", ""),
            actor=request.user,
        ),
        done=lambda r: f"Request {r.number} is now {r.get_status_display().lower()}.",
        success_url=reverse("quotes:partner_detail", args=[pk]),
        failed=lambda form, status: _partner_page(request, pk, form=form, status=status),
    )


@require_POST
@capability_required(Cap.QUOTES_EDIT)
def partner_send(request: HttpRequest, work_order_pk: int) -> HttpResponse:
    """Send to partner, from the work-order page's box: the request is for the work order's
    account; the form comes back on its own page when something is wrong."""
    from servicebook.workorders.selectors import workorder_get

    work_order = workorder_get(user=request.user, pk=work_order_pk)
    # Account data: the account must be visible too (404 like any unseen object).
    account = account_get(user=request.user, pk=work_order.account_id)
    form = PartnerSendForm(request.POST)
    return form_action(
        request,
        form,
        lambda data: partner.partner_request_send(
            account=account,
            work_order=work_order,
            case=work_order.case,
            partner=data["partner"],
            summary=data["summary"],
            description=data.get("description", ""),
            amount=data.get("amount"),
            notify_customer=data.get("notify_customer", False),
            actor=request.user,
        ),
        done=lambda r: f"Request {r.number} sent to {r.partner.name}.",
        success_url=lambda r: reverse("quotes:partner_detail", args=[r.pk]),
        failed=lambda form, status: render(
            request,
            "quotes/partner_new.html",
            {"form": form, "work_order": work_order},
            status=status,
        ),
    )
