"""The customer's quote pages, opened from the email's link without logging in.

The token in the URL is the only authority: the page shows the quote when the link is good,
or a clear page saying why not (not valid, used, expired, replaced) with status 404 or 410
and nothing changed. Answers are POSTs with Django's CSRF token (the cookie works for
anonymous visitors); the page is a plain form with no script, so the site's strict content
security policy holds.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from servicebook.core.errors import ValidationFailed

from . import documents, services
from .forms import AcceptForm, DeclineForm


def _refused(request, exc: services.LinkRefused) -> HttpResponse:
    status = 404 if "not valid" in exc.message else 410
    return render(request, "quotes/link_refused.html", {"reason": exc.message}, status=status)


def _page(request, quote, token: str, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {**documents.quote_context(quote), "token": token, "error": error}
    return render(request, "quotes/link.html", context, status=status)


@never_cache
@require_GET
def quote_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        quote = services.quote_for_token(token)
    except services.LinkRefused as exc:
        done = request.GET.get("done")
        if done in ("accepted", "declined"):
            return render(request, "quotes/link_done.html", {"done": done})
        return _refused(request, exc)
    return _page(request, quote, token)


@never_cache
@require_POST
def quote_link_accept(request: HttpRequest, token: str) -> HttpResponse:
    form = AcceptForm(request.POST)
    form.is_valid()
    try:
        services.quote_accept(token=token, option_id=form.cleaned_data.get("option"))
    except services.LinkRefused as exc:
        return _refused(request, exc)
    except ValidationFailed as exc:
        return _page(request, services.quote_for_token(token), token, error=exc.message, status=400)
    return redirect(f"{request.path.removesuffix('accept/')}?done=accepted")


@never_cache
@require_POST
def quote_link_decline(request: HttpRequest, token: str) -> HttpResponse:
    form = DeclineForm(request.POST)
    form.is_valid()
    try:
        services.quote_decline(token=token, reason=form.cleaned_data.get("reason", ""))
    except services.LinkRefused as exc:
        return _refused(request, exc)
    return redirect(f"{request.path.removesuffix('decline/')}?done=declined")
