"""Pages of the receivables app: the book's aging report and its exports."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
