"""Booking from a call: the best windows for a work order, and taking one."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from servicebook.core.errors import ServiceError
from servicebook.core.permissions import capability_required, has_capability
from servicebook.users.roles import Cap
from servicebook.workorders.selectors import workorders_visible_to

from .. import selectors, services
from ..choices import ACTIVE_STATUSES
from ..forms import BookForm, OfferSearchForm
from ..models import Appointment
from ..offers import OfferRequest, find_offers, request_for_work_order


def _work_order_from_query(request):
    """The work order named by ?work_order=<id> or ?number=<W0000123>, if visible."""
    visible = workorders_visible_to(request.user).select_related("location", "account__customer")
    number = request.GET.get("number", "").strip().upper()
    if number:
        return visible.filter(number=number).first()
    raw = request.GET.get("work_order", "")
    if raw.isdigit() and len(raw) < 19:
        return visible.filter(pk=int(raw)).first()
    return None


@capability_required(Cap.SCHEDULING_BOOK)
def offers(request: HttpRequest) -> HttpResponse:
    """Book a visit: find the work order, see the best windows, book one."""
    form = OfferSearchForm(request.GET or None)
    work_order = _work_order_from_query(request)
    result = None
    current = None
    if work_order is not None and form.is_valid():
        current = (
            Appointment.objects.filter(work_order=work_order, status__in=ACTIVE_STATUSES)
            .select_related("technician")
            .first()
        )
        if work_order.status == "new":
            req = request_for_work_order(
                work_order,
                start_date=form.cleaned_data.get("date_from"),
                end_date=form.cleaned_data.get("date_to"),
            )
            if form.cleaned_data.get("territory"):
                req = OfferRequest(**{**req.__dict__, "territory": form.cleaned_data["territory"]})
            result = find_offers(req)
    waiting = (
        workorders_visible_to(request.user)
        .filter(status="new")
        .select_related("account__customer", "location")
        .order_by("-created_at")[:15]
    )
    return render(
        request,
        "scheduling/offers.html",
        {
            "form": form,
            "work_order": work_order,
            "result": result,
            "current": current,
            "waiting": waiting,
            "number": request.GET.get("number", ""),
        },
    )


@require_POST
@capability_required(Cap.SCHEDULING_BOOK)
def book(request: HttpRequest) -> HttpResponse:
    """Take an offer. The slot is checked again under the technician's lock: if someone
    took it meanwhile, the caller hears so and picks another."""
    form = BookForm(request.POST)
    back = reverse("scheduling:offers")
    if not form.is_valid():
        messages.error(request, "That offer is no longer valid; choose another.")
        return redirect(back)
    work_order = get_object_or_404(
        workorders_visible_to(request.user), pk=form.cleaned_data["work_order"]
    )
    back = f"{back}?work_order={work_order.pk}"
    try:
        appointment = services.appointment_book(
            work_order=work_order,
            technician=form.cleaned_data["technician"],
            starts_at=form.cleaned_data["starts_at"],
            window_start=form.cleaned_data.get("window_start"),
            window_end=form.cleaned_data.get("window_end"),
            source="call",
            actor=request.user,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        response = redirect(back)
        return response
    local = appointment.window_start or appointment.starts_at
    local = local.astimezone(selectors.zone(work_order.location.time_zone))
    end = (appointment.window_end or appointment.ends_at).astimezone(local.tzinfo)
    messages.success(
        request,
        f"Booked {work_order.number}: {local:%A %d %B}, arrival between {local:%H:%M} and "
        f"{end:%H:%M} ({appointment.technician.name}).",
    )
    if has_capability(request.user, Cap.WORKORDERS_VIEW):
        try:
            return redirect(reverse("workorders:workorder_detail", args=[work_order.pk]))
        except NoReverseMatch:  # the work-order pages are optional to this app
            pass
    return redirect(back)


__all__ = ["book", "dt", "offers", "timezone"]
