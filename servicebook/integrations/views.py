"""Pages of the integrations app: partners (endpoints, tokens, links), the webhook delivery
log with its attempts and replay, and the portal task list. Thin: form -> service -> page."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from servicebook.core.errors import ServiceError
from servicebook.core.forms import apply_service_error
from servicebook.core.permissions import capability_required, has_capability
from servicebook.core.views import button_action, form_action
from servicebook.users.roles import Cap
from servicebook.workorders.selectors import workorder_get

from . import selectors, services
from .choices import DeliveryStatus
from .forms import (
    DeliveryFilterForm,
    EndpointEditForm,
    EndpointForm,
    LinkForm,
    PartnerForm,
    PortalFilterForm,
    TaskDoneForm,
    TokenForm,
)
from .models import InboundToken, PartnerLink, WebhookEndpoint

PAGE_SIZE = 50


# --- Partners ---------------------------------------------------------------------------------


def _partners_page(request, *, form=None, status=200):
    context = {
        "partners": selectors.partners_visible_to(request.user),
        "form": form or PartnerForm(initial={"active": True}),
        "can_manage": has_capability(request.user, Cap.INTEGRATIONS_MANAGE),
    }
    return render(request, "integrations/partners.html", context, status=status)


@capability_required(Cap.INTEGRATIONS_VIEW)
def partners(request: HttpRequest) -> HttpResponse:
    """Every partner, its connector, endpoints and open portal tasks; a form to add one."""
    return _partners_page(request)


@require_POST
@capability_required(Cap.INTEGRATIONS_MANAGE)
def partner_create(request: HttpRequest) -> HttpResponse:
    return form_action(
        request,
        PartnerForm(request.POST),
        lambda d: services.partner_create(actor=request.user, **d),
        done=lambda p: f"Partner {p.name} added.",
        success_url=lambda p: reverse("integrations:partner_detail", args=[p.pk]),
        failed=lambda form, status: _partners_page(request, form=form, status=status),
    )


def _partner_page(request, pk, *, forms=None, status=200, shown_once=None):
    partner = selectors.partner_get(user=request.user, pk=pk)
    fields = ["name", "kind", "connector", "active", "contact_name", "contact_email"]
    fields += ["contact_phone", "portal_url"]
    context = {
        "partner": partner,
        **selectors.partner_page(partner),
        "can_manage": has_capability(request.user, Cap.INTEGRATIONS_MANAGE),
        "can_tasks": has_capability(request.user, Cap.INTEGRATIONS_TASKS),
        "partner_form": PartnerForm(initial={f: getattr(partner, f) for f in fields}),
        "endpoint_form": EndpointForm(initial={"event_types": ["workorder.status_changed"]}),
        "token_form": TokenForm(),
        "shown_once": shown_once,
        **(forms or {}),
    }
    return render(request, "integrations/partner_detail.html", context, status=status)


@capability_required(Cap.INTEGRATIONS_VIEW)
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _partner_page(request, pk)


@require_POST
@capability_required(Cap.INTEGRATIONS_MANAGE)
def partner_update(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get(user=request.user, pk=pk)
    return form_action(
        request,
        PartnerForm(request.POST),
        lambda d: services.partner_update(partner=partner, actor=request.user, **d),
        done="Partner saved.",
        success_url=reverse("integrations:partner_detail", args=[pk]),
        failed=lambda form, status: _partner_page(
            request, pk, forms={"partner_form": form}, status=status
        ),
    )


@require_POST
@capability_required(Cap.INTEGRATIONS_MANAGE)
def endpoint_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an endpoint. The answer is the page itself (no redirect) because it shows the
    signing secret, once: it is never put in a message, the session or a URL."""
    partner = selectors.partner_get(user=request.user, pk=pk)
    form = EndpointForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(
                partner=partner, actor=request.user, **form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
            status = exc.status_code
        else:
            shown = {"what": f"Signing secret of {endpoint.url}", "value": secret}
            return _partner_page(request, pk, shown_once=shown)
    return _partner_page(request, pk, forms={"endpoint_form": form}, status=status)


ENDPOINT_FORM_FIELDS = ("url", "event_types", "scope", "active", "timeout_seconds", "max_attempts")


def _endpoint_page(request, pk, *, form=None, status=200, shown_once=None):
    endpoint = selectors.endpoint_get(user=request.user, pk=pk)
    context = {
        "endpoint": endpoint,
        "partner": endpoint.partner,
        "form": form
        or EndpointEditForm(initial={f: getattr(endpoint, f) for f in ENDPOINT_FORM_FIELDS}),
        "shown_once": shown_once,
    }
    return render(request, "integrations/endpoint_detail.html", context, status=status)


@capability_required(Cap.INTEGRATIONS_MANAGE)
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an endpoint (URL, events, scope, active, timeout, attempts); rotate its secret."""
    return _endpoint_page(request, pk)


@require_POST
@capability_required(Cap.INTEGRATIONS_MANAGE)
def endpoint_update(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = selectors.endpoint_get(user=request.user, pk=pk)
    return form_action(
        request,
        EndpointEditForm(request.POST),
        lambda d: services.endpoint_update(endpoint=endpoint, actor=request.user, **d),
        done="Endpoint saved.",
        success_url=reverse("integrations:endpoint_detail", args=[pk]),
        failed=lambda form, status: _endpoint_page(request, pk, form=form, status=status),
    )


@require_POST
@capability_required(Cap.INTEGRATIONS_MANAGE)
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    """Rotate the signing secret. Like endpoint_create, the answer is the page itself: the
    new secret is shown once and never put in a message, the session or a URL."""
    endpoint = selectors.endpoint_get(user=request.user, pk=pk)
    try:
        endpoint, secret = services.endpoint_rotate_secret(endpoint=endpoint, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return _endpoint_page(request, pk, status=exc.status_code)
    shown = {"what": f"New signing secret of {endpoint.url}", "value": secret}
    return _endpoint_page(request, pk, shown_once=shown)


@require_POST
@capability_required(Cap.INTEGRATIONS_MANAGE)
def endpoint_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    back = reverse("integrations:partner_detail", args=[endpoint.partner_id])
    return button_action(
        request,
        lambda: services.endpoint_set_active(
            endpoint=endpoint, active=not endpoint.active, actor=request.user
        ),
        done="Endpoint paused." if endpoint.active else "Endpoint resumed.",
        success_url=back,
        failed=lambda status: _partner_page(request, endpoint.partner_id, status=status),
    )


@require_POST
@capability_required(Cap.INTEGRATIONS_MANAGE)
def token_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue an inbound token, shown once on the page that answers (see endpoint_create)."""
    partner = selectors.partner_get(user=request.user, pk=pk)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _partner_page(request, pk, forms={"token_form": form}, status=400)
    token, raw = services.token_issue(
        partner=partner, label=form.cleaned_data["label"], actor=request.user
    )
    return _partner_page(
        request, pk, shown_once={"what": f"Inbound token {token.prefix}…", "value": raw}
    )


@require_POST
@capability_required(Cap.INTEGRATIONS_MANAGE)
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(InboundToken, pk=pk)
    return button_action(
        request,
        lambda: services.token_revoke(token=token, actor=request.user),
        done="Token revoked.",
        success_url=reverse("integrations:partner_detail", args=[token.partner_id]),
        failed=lambda status: _partner_page(request, token.partner_id, status=status),
    )


# --- Work-order links ---------------------------------------------------------------------------


@require_POST
@capability_required(Cap.INTEGRATIONS_TASKS)
def link_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a partner to a work order (the form lives in the work order's Partners box)."""
    order = workorder_get(user=request.user, pk=pk)
    back = reverse("workorders:workorder_detail", args=[order.pk])
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an active partner to link.")
        return redirect(back)
    try:
        services.link_create(work_order=order, actor=request.user, **form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, f"{form.cleaned_data['partner'].name} linked.")
    return redirect(back)


@require_POST
@capability_required(Cap.INTEGRATIONS_TASKS)
def link_remove(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(PartnerLink, pk=pk)
    back = reverse("integrations:partner_detail", args=[link.partner_id])
    return button_action(
        request,
        lambda: services.link_remove(link=link, actor=request.user),
        done="Link removed.",
        success_url=back,
        failed=lambda status: redirect(back),
    )


# --- Deliveries ---------------------------------------------------------------------------------


@capability_required(Cap.INTEGRATIONS_VIEW)
def deliveries(request: HttpRequest) -> HttpResponse:
    """The delivery log: every event sent to every endpoint, filtered, newest first."""
    form = DeliveryFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request, "integrations/deliveries.html", {"form": form, "page": None}, status=400
        )
    rows = selectors.deliveries_filtered(user=request.user, **form.cleaned_data)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "integrations/deliveries.html", context)


def _delivery_page(request, pk, *, status=200):
    delivery = selectors.delivery_get(user=request.user, pk=pk)
    context = {
        "delivery": delivery,
        "attempts": selectors.attempts_of(delivery),
        "can_replay": has_capability(request.user, Cap.INTEGRATIONS_TASKS)
        and delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.DEAD),
    }
    return render(request, "integrations/delivery_detail.html", context, status=status)


@capability_required(Cap.INTEGRATIONS_VIEW)
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One delivery: the event, the endpoint, every attempt."""
    return _delivery_page(request, pk)


@require_POST
@capability_required(Cap.INTEGRATIONS_TASKS)
def delivery_replay(request: HttpRequest, pk: int) -> HttpResponse:
    """Send again now, by hand; the page then shows how the new attempt went."""
    delivery = selectors.delivery_get(user=request.user, pk=pk)
    back = reverse("integrations:delivery_detail", args=[pk])
    try:
        attempt = services.delivery_replay(delivery=delivery, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _delivery_page(request, pk, status=exc.status_code)
    if attempt is not None and attempt.succeeded:
        messages.success(request, f"Replayed: the endpoint answered {attempt.status_code}.")
    else:
        why = (attempt.error or f"HTTP {attempt.status_code}") if attempt else "claim lost"
        messages.error(request, f"Replay failed ({why}); the delivery is unchanged.")
    return redirect(back)


# --- Portal tasks -------------------------------------------------------------------------------


def _tasks_page(request, *, forms=None, status=200):
    form = PortalFilterForm(request.GET or {"status": "open"})
    valid = form.is_valid()
    filters = form.cleaned_data if valid else {"status": "open"}
    rows = selectors.portal_tasks_filtered(user=request.user, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "can_tick": has_capability(request.user, Cap.INTEGRATIONS_TASKS),
        "errors": forms or {},
    }
    return render(request, "integrations/portal_tasks.html", context, status=status)


@capability_required(Cap.INTEGRATIONS_TASKS)
def portal_tasks(request: HttpRequest) -> HttpResponse:
    """Updates to make by hand on partners' portals; open first, oldest first."""
    return _tasks_page(request)


@require_POST
@capability_required(Cap.INTEGRATIONS_TASKS)
def portal_task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.portal_task_get(user=request.user, pk=pk)
    return form_action(
        request,
        TaskDoneForm(request.POST),
        lambda d: services.portal_task_done(
            task=task, reference=d["reference"], actor=request.user
        ),
        done="Task done.",
        success_url=reverse("integrations:portal_tasks"),
        failed=lambda form, status: _tasks_page(request, forms={task.pk: form}, status=status),
    )
