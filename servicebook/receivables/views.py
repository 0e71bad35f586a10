"""Pages of the receivables app: the book's aging report and its exports."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from servicebook.core.permissions import capability_required
from servicebook.ledger.selectors import aging_buckets
from servicebook.users.roles import Cap

from . import charts, exports
from .forms import AgingForm
from .selectors import BASES, book_aging

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _definitions() -> list[tuple[str, str]]:
    edges = ", ".join(label for label, _, _ in aging_buckets())
    return [
        ("Buckets", f"{edges}: days past the due date (or the invoice date) on the as-of day."),
        ("Current", "Not yet due on the as-of day, or an item without a due date."),
        ("Amount", "What is still open on each invoice or fee, less the disputed part."),
        (
            "Accounts",
            "Accounts owing an undisputed amount, each counted once, in its oldest bucket.",
        ),
        ("Disputed", "Open amounts the customers dispute: out of the buckets and collections."),
    ]


@capability_required(Cap.RECEIVABLES_VIEW)
def aging(request: HttpRequest) -> HttpResponse:
    """The book's aging on a day: buckets, account counts, a chart, and the exports."""
    form = AgingForm(request.GET)  # every field is optional: no query is today's whole book
    if not form.is_valid():
        return render(request, "receivables/aging.html", {"form": form}, status=400)
    params = form.parameters()
    result = book_aging(user=request.user, **params)
    context = {
        "form": form,
        "aging": result,
        "basis_label": BASES[result.basis],
        "group_label": dict(form.fields["group_by"].choices).get(result.group_by, "").lower(),
        "rows": result.rows(),
        "chart": charts.bucket_chart(
            result.rows(), title=f"Open receivables on {result.as_of:%b %-d, %Y} by bucket"
        ),
        "query": request.GET.urlencode(),
        "definitions": _definitions(),
    }
    return render(request, "receivables/aging.html", context)


@capability_required(Cap.RECEIVABLES_VIEW)
def aging_export(request: HttpRequest) -> HttpResponse:
    """The report as CSV (?format=csv, the default) or Excel (?format=xlsx)."""
    form = AgingForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    params = form.parameters()
    result = book_aging(user=request.user, **params)
    if request.GET.get("format") == "xlsx":
        filters = {
            k: str(params[k]) for k in ("customer_class", "line_of_business") if params.get(k)
        }
        response = HttpResponse(exports.to_xlsx(result, filters), content_type=XLSX)
        extension = "xlsx"
    else:
        response = HttpResponse(exports.to_csv(result), content_type="text/csv; charset=utf-8")
        extension = "csv"
    name = exports.filename(result, extension)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Collections ------------------------------------------------------------------------------

WORKLIST_PAGE = 50


@capability_required(Cap.RECEIVABLES_COLLECT)
def worklist(request: HttpRequest) -> HttpResponse:
    """The collectors' worklist: accounts in collections, promises due first, then the
    largest and oldest past-due amounts; filterable and paged."""
    from django.core.paginator import Paginator

    from .forms import WorklistForm
    from .selectors import worklist as worklist_of

    form = WorklistForm(request.GET)
    if not form.is_valid():
        return render(request, "receivables/worklist.html", {"form": form}, status=400)
    data = form.cleaned_data
    rows = worklist_of(
        user=request.user,
        step_kind=data.get("step") or None,
        hold=data.get("hold") or None,
        customer_class=data.get("customer_class") or None,
        promises_due=bool(data.get("promises_due")),
    )
    page = Paginator(rows, WORKLIST_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "receivables/worklist.html",
        {"form": form, "page": page, "query": query.urlencode(), "today": _today()},
    )


def _today():
    from django.utils import timezone

    return timezone.localdate()


def _account_collection_page(
    request,
    pk,
    *,
    promise_form=None,
    medical_form=None,
    write_off_form=None,
    referral_form=None,
    recall_form=None,
    status=200,
):
    from servicebook.core.permissions import has_capability
    from servicebook.customers.selectors import account_get
    from servicebook.users.models import ApprovalKind
    from servicebook.users.services import approval_limit_for

    from .forms import MedicalCertificateForm, PromiseForm, RecallForm, ReferralForm, WriteOffForm
    from .selectors import account_collection, account_write_offs
    from .writeoffs import WRITABLE_STATUSES, writable_amount

    account = account_get(user=request.user, pk=pk)
    context = {
        "account": account,
        "collection": account_collection(account, limit=50),
        "promise_form": promise_form or PromiseForm(),
        "medical_form": medical_form or MedicalCertificateForm(),
        "write_offs": account_write_offs(account),
    }
    if has_capability(request.user, Cap.RECEIVABLES_WRITE_OFF):
        # The write-off form only for someone whose limit allows any write-off at all; an
        # amount above the limit is the service's refusal, shown on the form.
        limit = approval_limit_for(user=request.user, kind=ApprovalKind.WRITE_OFF)
        context |= {
            "may_write_off": limit > 0,
            "write_off_limit": limit,
            "writable_status": account.status in WRITABLE_STATUSES,
            "writable": writable_amount(account),
            "write_off_form": write_off_form or WriteOffForm(),
            "referral_form": referral_form or ReferralForm(),
            "recall_form": recall_form or RecallForm(),
            "may_refer": True,
        }
    return render(request, "receivables/account_collection.html", context, status=status)


def _write_action(request, pk, form, call, *, done, form_key):
    """Run a write-off or referral service from the account's collection page: success a
    message and back to the page; a refusal the page again with the error on the form,
    naming the service's field (the write-off's `amount` and `account` are not the form's)."""
    from django.urls import reverse

    from servicebook.core.views import form_action

    return form_action(
        request,
        form,
        call,
        done=done,
        success_url=reverse("receivables:account_collection", args=[pk]),
        failed=lambda form, status: _account_collection_page(
            request, pk, status=status, **{form_key: form}
        ),
        name_fields=True,
    )


@capability_required(Cap.RECEIVABLES_COLLECT)
def account_collection(request: HttpRequest, pk: int) -> HttpResponse:
    """An account's collection: process, steps taken with their letters, promises, and the
    forms for a promise to pay and a medical certificate."""
    return _account_collection_page(request, pk)


@capability_required(Cap.RECEIVABLES_COLLECT)
@require_POST
def promise_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a promise to pay on the account (from the worklist or the account page)."""
    from django.urls import reverse

    from servicebook.core.views import form_action
    from servicebook.customers.selectors import account_get

    from . import services
    from .forms import PromiseForm

    account = account_get(user=request.user, pk=pk)
    form = PromiseForm(request.POST)
    return form_action(
        request,
        form,
        lambda data: services.promise_create(account=account, actor=request.user, **data),
        done="Promise to pay recorded.",
        success_url=reverse("receivables:account_collection", args=[account.pk]),
        failed=lambda form, status: _account_collection_page(
            request, pk, promise_form=form, status=status
        ),
    )


@capability_required(Cap.RECEIVABLES_COLLECT)
@require_POST
def medical_certificate_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a medical certificate on the account: severance is held between its dates."""
    from django.urls import reverse

    from servicebook.core.views import form_action
    from servicebook.customers.selectors import account_get

    from . import services
    from .forms import MedicalCertificateForm

    account = account_get(user=request.user, pk=pk)
    form = MedicalCertificateForm(request.POST)
    return form_action(
        request,
        form,
        lambda data: services.medical_certificate_record(
            account=account, actor=request.user, **data
        ),
        done="Medical certificate recorded.",
        success_url=reverse("receivables:account_collection", args=[account.pk]),
        failed=lambda form, status: _account_collection_page(
            request, pk, medical_form=form, status=status
        ),
    )


@capability_required(Cap.RECEIVABLES_POLICIES)
def policies(request: HttpRequest) -> HttpResponse:
    """Collection policies with their steps, moratoria and the latest temperature readings
    (edited in the admin, where every change is audited)."""
    from .models import CollectionPolicy, Moratorium, TemperatureReading

    return render(
        request,
        "receivables/policies.html",
        {
            "policies": CollectionPolicy.objects.select_related("calendar").prefetch_related(
                "steps__fee_item"
            ),
            "moratoria": Moratorium.objects.order_by("-starts_on")[:50],
            "readings": TemperatureReading.objects.order_by("-on", "jurisdiction")[:50],
        },
    )


# --- Write-off and agency referral ---------------------------------------------------------


@capability_required(Cap.RECEIVABLES_WRITE_OFF)
@require_POST
def write_off_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Write off the account's open undisputed debt (final-billed, within the user's limit)."""
    from servicebook.customers.selectors import account_get

    from .forms import WriteOffForm
    from .writeoffs import write_off_post

    account = account_get(user=request.user, pk=pk)
    return _write_action(
        request,
        account.pk,
        WriteOffForm(request.POST),
        lambda data: write_off_post(account=account, actor=request.user, reason=data["reason"]),
        done=lambda w: f"Written off {w.amount} ({w.number}).",
        form_key="write_off_form",
    )


@capability_required(Cap.RECEIVABLES_WRITE_OFF)
@require_POST
def referral_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Refer the account's written-off debt to an agency."""
    from servicebook.customers.selectors import account_get

    from .forms import ReferralForm
    from .writeoffs import referral_place

    account = account_get(user=request.user, pk=pk)
    return _write_action(
        request,
        account.pk,
        ReferralForm(request.POST),
        lambda data: referral_place(account=account, actor=request.user, agency=data["agency"]),
        done=lambda r: f"Referred {r.amount} to {r.agency.name}.",
        form_key="referral_form",
    )


@capability_required(Cap.RECEIVABLES_WRITE_OFF)
@require_POST
def referral_recall(request: HttpRequest, pk: int) -> HttpResponse:
    """Recall an open referral (bankruptcy, dispute, error); it goes in the next recall file."""
    from django.shortcuts import get_object_or_404

    from servicebook.customers.selectors import accounts_visible_to

    from . import writeoffs
    from .forms import RecallForm
    from .models import AgencyReferral

    referral = get_object_or_404(
        AgencyReferral.objects.filter(account__in=accounts_visible_to(request.user)), pk=pk
    )
    return _write_action(
        request,
        referral.account_id,
        RecallForm(request.POST),
        lambda data: writeoffs.referral_recall(
            referral=referral, reason=data["reason"], note=data["note"], actor=request.user
        ),
        done=lambda r: f"Referral to {r.agency.name} recalled.",
        form_key="recall_form",
    )


@capability_required(Cap.RECEIVABLES_WRITE_OFF)
def agencies(request: HttpRequest) -> HttpResponse:
    """Collection agencies, the open referrals, and the day's placement and recall files."""
    from .selectors import agencies_overview

    today = _today()
    return render(
        request,
        "receivables/agencies.html",
        {"today": today, **agencies_overview(user=request.user, on=today)},
    )


@capability_required(Cap.RECEIVABLES_WRITE_OFF)
@require_POST
def agency_files_make(request: HttpRequest) -> HttpResponse:
    """Make today's files for every agency (a second press returns the same files)."""
    from django.shortcuts import redirect
    from django.urls import reverse

    from servicebook.core.views import button_action

    from . import writeoffs

    back = reverse("receivables:agencies")
    return button_action(
        request,
        lambda: writeoffs.agency_files_make(actor=request.user),
        done="Today's agency files are ready.",
        success_url=back,
        failed=lambda status: redirect(back),
    )


@capability_required(Cap.RECEIVABLES_WRITE_OFF)
def agency_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    """One agency file as a CSV attachment: the stored bytes, the same at every download."""
    from django.shortcuts import get_object_or_404

    from .models import AgencyFile

    file = get_object_or_404(AgencyFile.objects.select_related("agency"), pk=pk)
    response = HttpResponse(file.content.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response


# --- Letters to print -------------------------------------------------------------------------


@capability_required(Cap.RECEIVABLES_COLLECT)
def letters_print(request: HttpRequest) -> HttpResponse:
    """Letters to print and mail (no email address, or the email kept failing), each as its
    printed sheet, with a button to mark the printed ones."""
    from .selectors import letters_to_print

    return render(
        request, "receivables/letters_print.html", {"sheets": letters_to_print(user=request.user)}
    )


@capability_required(Cap.RECEIVABLES_COLLECT)
@require_POST
def letters_mark_printed(request: HttpRequest) -> HttpResponse:
    """Mark the ticked letters printed: they leave the print list."""
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.urls import reverse

    from .letters import letters_mark_printed as mark

    ids = [value for value in request.POST.getlist("letter") if value.isdigit()]
    if not ids:
        messages.error(request, "Letter: tick the letters you printed.")
        return redirect(reverse("receivables:letters_print"))
    count = mark(letter_ids=[int(v) for v in ids], actor=request.user)
    messages.success(request, f"{count} letter(s) marked printed.")
    return redirect(reverse("receivables:letters_print"))
