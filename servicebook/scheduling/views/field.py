"""The technician's day on the phone: today's jobs in order with the address, window and
access notes; "on my way", "arrived", "complete" (notes, parts and labour, signer) and
"could not finish". And the technician's calendar feed, whose URL carries its secret."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from servicebook.core.errors import ServiceError, ValidationFailed
from servicebook.core.forms import apply_service_error
from servicebook.core.permissions import capability_required
from servicebook.users.roles import Cap
from servicebook.workorders.models import WorkChecklistItem
from servicebook.workorders.selectors import checklist_for

from .. import selectors, services
from ..choices import AppointmentStatus
from ..forms import CompleteForm, IncompleteForm, LineFormSet
from ..models import Appointment, Technician

FIELD_ACTIONS = ("travel", "arrive", "complete", "incomplete")


def _my_technicians(user) -> tuple[list[Technician], str]:
    """Whose jobs this page shows: the user's own technician profile, else (a subcontractor
    office login) the company's technicians."""
    own = selectors.technician_for_user(user)
    if own is not None:
        return [own], own.time_zone
    techs = list(
        selectors.technicians_visible_to(user).filter(subcontractor__users=user, active=True)
    )
    zone = techs[0].time_zone if techs else None
    return techs, zone or selectors.zone().key


def _date(request, zone: str) -> dt.date:
    raw = request.GET.get("date", "")
    try:
        return dt.date.fromisoformat(raw) if raw else selectors.local_date(timezone.now(), zone)
    except ValueError:
        return selectors.local_date(timezone.now(), zone)


def _cards(request, appointments, forms: dict | None = None) -> list[dict]:
    cards = []
    for appointment in appointments:
        wo = appointment.work_order
        form_set = (forms or {}).get(appointment.pk, {})
        cards.append(
            {
                "appointment": appointment,
                "work_order": wo,
                "checklist": checklist_for(work_order=wo)
                if appointment.status == AppointmentStatus.ON_SITE
                else [],
                "complete_form": form_set.get(
                    "complete", CompleteForm(work_order=wo, auto_id=f"id_c{appointment.pk}_%s")
                ),
                "lines": form_set.get("lines", LineFormSet(prefix=f"lines{appointment.pk}")),
                "incomplete_form": form_set.get(
                    "incomplete", IncompleteForm(auto_id=f"id_i{appointment.pk}_%s")
                ),
                "open": form_set.get("open", ""),
            }
        )
    return cards


def _page(request, *, forms=None, status=200):
    techs, zone = _my_technicians(request.user)
    date = _date(request, zone)
    start, end = selectors.day_bounds(date, zone)
    appointments = (
        selectors.appointments_visible_to(request.user)
        .filter(technician__in=techs, starts_at__lt=end, ends_at__gt=start)
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("technician", "work_order__location", "work_order__account__customer")
        .prefetch_related("work_order__account__contacts__phones")
        .order_by("starts_at", "id")
    )
    return render(
        request,
        "scheduling/my_day.html",
        {
            "technicians": techs,
            "date": date,
            "prev_day": date - dt.timedelta(days=1),
            "next_day": date + dt.timedelta(days=1),
            "zone": zone,
            "cards": _cards(request, appointments, forms),
            "feed_url": request.build_absolute_uri(
                reverse("scheduling-calendar-detail", args=[techs[0].calendar_token])
            )
            if len(techs) == 1
            else "",
        },
        status=status,
    )


@capability_required(Cap.SCHEDULING_FIELD)
def my_day(request: HttpRequest) -> HttpResponse:
    """Today's jobs, phone-sized (the ?date= of another day for tomorrow's)."""
    return _page(request)


@require_POST
@capability_required(Cap.SCHEDULING_FIELD)
def field_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """On my way, arrived, complete, could not finish: each through the work-order
    services, on the user's own job only (the selector answers 404 for anyone else's)."""
    if action not in FIELD_ACTIONS:
        raise Http404("No such action.")
    appointment = selectors.appointment_get(user=request.user, pk=pk)
    back = reverse("scheduling:my_day")
    date = appointment.starts_at.astimezone(selectors.zone(appointment.technician.time_zone))
    back = f"{back}?date={date.date().isoformat()}#job-{appointment.pk}"
    try:
        if action == "travel":
            services.appointment_start_travel(appointment=appointment, actor=request.user)
            done = f"On your way to {appointment.work_order.number}."
        elif action == "arrive":
            services.appointment_arrive(appointment=appointment, actor=request.user)
            done = f"Arrived at {appointment.work_order.number}."
        elif action == "complete":
            return _complete(request, appointment, back)
        else:
            form = IncompleteForm(request.POST, auto_id=f"id_i{appointment.pk}_%s")
            if not form.is_valid():
                return _page(
                    request,
                    forms={appointment.pk: {"incomplete": form, "open": "incomplete"}},
                    status=400,
                )
            try:
                services.appointment_incomplete(
                    appointment=appointment,
                    reason=form.cleaned_data["reason"],
                    notes=form.cleaned_data["notes"],
                    actor=request.user,
                )
            except ValidationFailed as exc:
                apply_service_error(form, exc)
                return _page(
                    request,
                    forms={appointment.pk: {"incomplete": form, "open": "incomplete"}},
                    status=400,
                )
            done = f"{appointment.work_order.number} marked not finished."
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, done)
    return redirect(back)


def _complete(request, appointment: Appointment, back: str) -> HttpResponse:
    wo = appointment.work_order
    form = CompleteForm(request.POST, work_order=wo, auto_id=f"id_c{appointment.pk}_%s")
    lines = LineFormSet(request.POST, prefix=f"lines{appointment.pk}")
    answers = {}
    for key, value in request.POST.items():
        if key.startswith("check_") and key[6:].isdigit() and value.strip():
            answers[int(key[6:])] = value.strip()
    forms = {appointment.pk: {"complete": form, "lines": lines, "open": "complete"}}
    if not (form.is_valid() and lines.is_valid()):
        return _page(request, forms=forms, status=400)
    used = [
        services.UsedLine(
            kind=row.get("kind") or "part",
            description=row["description"],
            quantity=row["quantity"],
            unit=row.get("unit") or "ea",
            unit_price=row.get("unit_price") or 0,
        )
        for row in lines.cleaned_data
        if row.get("description")
    ]
    items = {i.pk: i for i in WorkChecklistItem.objects.filter(pk__in=answers)}
    try:
        services.appointment_complete(
            appointment=appointment,
            notes=form.cleaned_data["notes"],
            completion_code=form.cleaned_data["completion_code"],
            signer_name=form.cleaned_data["signer_name"],
            lines=used,
            checklist=[(items[k], v) for k, v in answers.items() if k in items],
            actor=request.user,
        )
    except ValidationFailed as exc:
        apply_service_error(form, exc)
        return _page(request, forms=forms, status=400)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, f"{wo.number} completed. Thank you!")
    return redirect(back)
