"""The one shape of a page action: validate, call a service, then back to the page; on a
refusal, the page again with the reason on the form that caused it."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .errors import ServiceError
from .forms import apply_service_error


def form_action(
    request: HttpRequest,
    form: forms.BaseForm,
    call: Callable[[dict], object],
    *,
    done: str | Callable[[object], str],
    success_url: str | Callable[[object], str],
    failed: Callable[[forms.BaseForm, int], HttpResponse],
    name_fields: bool = False,
) -> HttpResponse:
    """Run `call(cleaned_data)` when the form is valid. Success: a message and a redirect
    (post/redirect/get); `done` and `success_url` may be functions of what the call
    returned (the new case, say). Refusal: `failed(form, status)` renders the page with the
    errors, 400 for bad input or the service's own status (409 for a state conflict);
    `name_fields` as in `apply_service_error`."""
    status = 400
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc, name_fields=name_fields)
            status = exc.status_code
        else:
            messages.success(request, done(result) if callable(done) else done)
            return redirect(success_url(result) if callable(success_url) else success_url)
    return failed(form, status)


def button_action(
    request: HttpRequest,
    call: Callable[[], object],
    *,
    done: str,
    success_url: str,
    failed: Callable[[int], HttpResponse],
) -> HttpResponse:
    """A form-less action (close, take, end): the same shape, the refusal as a message."""
    try:
        call()
    except ServiceError as exc:
        messages.error(request, exc.message)
        return failed(exc.status_code)
    messages.success(request, done)
    return redirect(success_url)
