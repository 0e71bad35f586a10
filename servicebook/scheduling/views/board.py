"""The dispatch board: a day per technician, the unassigned work, assign (drag or form),
move, unassign, pin, dispatch, insert an emergency, and the day optimizer beside the plan.

Other dispatchers' changes arrive without a reload: the live part of the board polls
(htmx, every SCHEDULING_BOARD_POLL_SECONDS) with the change token it was drawn from; the
server answers 204 (nothing to swap) while the token is the same. Polling rather than
server-sent events: a WSGI worker (the dev server, gunicorn's sync workers) would be held
for as long as each board stays open, proxies buffer event streams, and a lost connection
needs its own recovery; a poll is one cheap indexed aggregate and survives all of that.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from servicebook.core.errors import ServiceError
from servicebook.core.htmx import htmx_partial
from servicebook.core.permissions import capability_required, has_capability
from servicebook.users.roles import Cap
from servicebook.workorders.models import WorkOrder
from servicebook.workorders.selectors import workorders_visible_to

from .. import planning, selectors, services
from ..board import board_day, hhmm
from ..choices import RunStatus
from ..forms import (
    AssignForm,
    BoardDayForm,
    DispatchDayForm,
    EmergencyForm,
    LockForm,
    MoveForm,
    ReasonForm,
    RunForm,
)
from ..models import OptimizerRun, Territory
from ..offers import find_offers, request_for_work_order


def _day(request: HttpRequest) -> tuple[dt.date, Territory | None]:
    """The board's date (default today in the business zone) and territory."""
    source = request.GET if request.method == "GET" else request.POST
    form = BoardDayForm(source)
    if not form.is_valid():
        return selectors.local_date(timezone.now()), None
    return (
        form.cleaned_data.get("date") or selectors.local_date(timezone.now()),
        form.cleaned_data.get("territory"),
    )


def board_url(date: dt.date, territory: Territory | None = None, **extra) -> str:
    query = {"date": date.isoformat()}
    if territory is not None:
        query["territory"] = territory.pk
    query.update({k: v for k, v in extra.items() if v})
    return f"{reverse('scheduling:board')}?{urlencode(query)}"


def _panel(request, date: dt.date, territory) -> dict:
    """The action panel for a selected job (?appointment=) or unassigned work (?work_order=)."""
    user = request.user
    appointment_id = request.GET.get("appointment", "")
    work_order_id = request.GET.get("work_order", "")
    if appointment_id.isdigit() and len(appointment_id) < 19:
        appointment = selectors.appointment_get(user=user, pk=int(appointment_id))
        local = appointment.starts_at.astimezone(selectors.zone())
        return {
            "appointment": appointment,
            "move_form": MoveForm(
                initial={
                    "date": local.date(),
                    "technician": appointment.technician_id,
                    "start": local.time().replace(second=0, microsecond=0),
                }
            ),
            "reason_form": ReasonForm(),
        }
    if work_order_id.isdigit() and len(work_order_id) < 19:
        work_order = get_object_or_404(
            workorders_visible_to(user).select_related("location", "account__customer"),
            pk=int(work_order_id),
        )
        suggestions = []
        emergency = []
        if work_order.status == "new":
            request_ = request_for_work_order(work_order, start_date=date, end_date=date)
            suggestions = find_offers(request_).offers[:5]
            if planning.job_priority(work_order) == planning.Priority.EMERGENCY and (
                date == selectors.local_date(timezone.now())
            ):
                emergency = services.emergency_options(work_order=work_order)
        return {
            "work_order": work_order,
            "assign_form": AssignForm(
                initial={"work_order": work_order.pk, "date": date, "start": dt.time(8)}
            ),
            "suggestions": suggestions,
            "emergency_options": emergency,
        }
    return {}


def _context(request, date, territory, **extra) -> dict:
    board = board_day(date, territory)
    run = None
    run_id = request.GET.get("run", "")
    if run_id.isdigit() and len(run_id) < 19:
        run = OptimizerRun.objects.filter(pk=int(run_id), date=date).first()
    return {
        "board": board,
        "date": date,
        "territory": territory,
        "territories": Territory.objects.filter(active=True),
        "prev_day": date - dt.timedelta(days=1),
        "next_day": date + dt.timedelta(days=1),
        "today": selectors.local_date(timezone.now()),
        "poll_seconds": _poll_seconds(),
        "run": run,
        "proposal": planning.proposal_rows(run) if run else None,
        "run_form": RunForm(initial={"date": date, "territory": territory}),
        "hhmm": hhmm,
        **extra,
    }


def _poll_seconds() -> int:
    from django.conf import settings

    return max(1, settings.SCHEDULING_BOARD_POLL_SECONDS)


@capability_required(Cap.SCHEDULING_VIEW)
def board(request: HttpRequest) -> HttpResponse:
    """The dispatch board for a date. An htmx poll with `since` equal to the current token
    gets 204: nothing changed."""
    date, territory = _day(request)
    if htmx_partial(request):
        since = request.GET.get("since", "")
        if since and since == planning.board_token(date):
            return HttpResponse(status=204)
        if request.GET.get("part") == "panel":
            return render(
                request,
                "scheduling/board.html#panel",
                {"date": date, "territory": territory, **_panel(request, date, territory)},
            )
        return render(request, "scheduling/board.html#live", _context(request, date, territory))
    context = _context(request, date, territory, **_panel(request, date, territory))
    return render(request, "scheduling/board.html", context)


def _done(request, date, territory, *, ok: str | None = None, error: ServiceError | None = None):
    """After a board action: the live part again for htmx (with the outcome as a message),
    else back to the board."""
    status = 200
    if error is not None:
        messages.error(request, error.message)
        status = error.status_code
    elif ok:
        messages.success(request, ok)
    if htmx_partial(request):
        response = render(
            request, "scheduling/board.html#live", _context(request, date, territory), status=status
        )
        if error is None:
            response["HX-Trigger"] = "board-changed"
        return response
    return redirect(board_url(date, territory))


def _invalid(request, date, territory, form) -> HttpResponse:
    text = "; ".join(
        f"{form.fields[f].label if f in form.fields else ''} {' '.join(e)}".strip()
        for f, e in form.errors.items()
    )
    messages.error(request, f"Not done: {text}")
    if htmx_partial(request):
        return render(
            request, "scheduling/board.html#live", _context(request, date, territory), status=400
        )
    return redirect(board_url(date, territory))


@require_POST
@capability_required(Cap.SCHEDULING_DISPATCH)
def board_assign(request: HttpRequest) -> HttpResponse:
    """Give an unassigned job to a technician at a time (drag and drop, or the form)."""
    date, territory = _day(request)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _invalid(request, date, territory, form)
    work_order = get_object_or_404(
        workorders_visible_to(request.user), pk=form.cleaned_data["work_order"]
    )
    date = form.cleaned_data["date"]
    try:
        appointment = services.appointment_book(
            work_order=work_order,
            technician=form.cleaned_data["technician"],
            starts_at=form.starts_at(),
            source="board",
            allow_outside_window=form.cleaned_data["allow_outside_window"],
            allow_overtime=form.cleaned_data["allow_overtime"],
            actor=request.user,
        )
    except ServiceError as exc:
        return _done(request, date, territory, error=exc)
    return _done(
        request,
        date,
        territory,
        ok=f"{work_order.number} given to {appointment.technician.name} at "
        f"{appointment.starts_at.astimezone(selectors.zone()):%H:%M}.",
    )


def _appointment(request, pk):
    return selectors.appointment_get(user=request.user, pk=pk)


@require_POST
@capability_required(Cap.SCHEDULING_DISPATCH)
def board_move(request: HttpRequest, pk: int) -> HttpResponse:
    date, territory = _day(request)
    appointment = _appointment(request, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _invalid(request, date, territory, form)
    date = form.cleaned_data["date"]
    try:
        moved = services.appointment_move(
            appointment=appointment,
            technician=form.cleaned_data["technician"],
            starts_at=form.starts_at(),
            allow_outside_window=form.cleaned_data["allow_outside_window"],
            allow_overtime=form.cleaned_data["allow_overtime"],
            actor=request.user,
        )
    except ServiceError as exc:
        return _done(request, date, territory, error=exc)
    return _done(
        request,
        date,
        territory,
        ok=f"{moved.work_order.number} moved to {moved.technician.name} at "
        f"{moved.starts_at.astimezone(selectors.zone()):%H:%M}.",
    )


@require_POST
@capability_required(Cap.SCHEDULING_DISPATCH)
def board_unassign(request: HttpRequest, pk: int) -> HttpResponse:
    date, territory = _day(request)
    appointment = _appointment(request, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        services.appointment_unassign(
            appointment=appointment,
            reason=form.cleaned_data.get("reason", ""),
            actor=request.user,
        )
    except ServiceError as exc:
        return _done(request, date, territory, error=exc)
    return _done(
        request, date, territory, ok=f"{appointment.work_order.number} is unassigned again."
    )


@require_POST
@capability_required(Cap.SCHEDULING_DISPATCH)
def board_lock(request: HttpRequest, pk: int) -> HttpResponse:
    date, territory = _day(request)
    appointment = _appointment(request, pk)
    form = LockForm(request.POST)
    form.is_valid()
    locked = bool(form.cleaned_data.get("locked"))
    try:
        services.appointment_set_locked(appointment=appointment, locked=locked, actor=request.user)
    except ServiceError as exc:
        return _done(request, date, territory, error=exc)
    verb = "pinned to" if locked else "no longer pinned to"
    return _done(
        request,
        date,
        territory,
        ok=f"{appointment.work_order.number} {verb} {appointment.technician.name}.",
    )


@require_POST
@capability_required(Cap.SCHEDULING_DISPATCH)
def board_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    date, territory = _day(request)
    appointment = _appointment(request, pk)
    try:
        services.appointment_dispatch(appointment=appointment, actor=request.user)
    except ServiceError as exc:
        return _done(request, date, territory, error=exc)
    return _done(
        request,
        date,
        territory,
        ok=f"{appointment.work_order.number} dispatched to {appointment.technician.name}.",
    )


@require_POST
@capability_required(Cap.SCHEDULING_DISPATCH)
def board_dispatch_day(request: HttpRequest) -> HttpResponse:
    """Dispatch every scheduled job of the day; blocked technicians are reported."""
    date, territory = _day(request)
    form = DispatchDayForm(request.POST)
    if not form.is_valid():
        return _invalid(request, date, territory, form)
    technicians = planning.board_technicians(territory) if territory else None
    done, refused = services.dispatch_day(
        date=form.cleaned_data["date"], technicians=technicians, actor=request.user
    )
    for appointment, reason in refused[:5]:
        messages.warning(request, f"{appointment.work_order.number}: {reason}")
    return _done(request, date, territory, ok=f"{len(done)} jobs dispatched.")


@require_POST
@capability_required(Cap.SCHEDULING_DISPATCH)
def board_emergency(request: HttpRequest) -> HttpResponse:
    """Insert an emergency on a technician's day now, pushing their later jobs."""
    date, territory = _day(request)
    form = EmergencyForm(request.POST)
    if not form.is_valid():
        return _invalid(request, date, territory, form)
    work_order = get_object_or_404(
        workorders_visible_to(request.user), pk=form.cleaned_data["work_order"]
    )
    try:
        appointment, pushed = services.appointment_insert_emergency(
            work_order=work_order, technician=form.cleaned_data["technician"], actor=request.user
        )
    except ServiceError as exc:
        return _done(request, date, territory, error=exc)
    text = (
        f"Emergency {work_order.number}: {appointment.technician.name} at "
        f"{appointment.starts_at.astimezone(selectors.zone()):%H:%M}."
    )
    if pushed:
        text += " Pushed later (call these customers): " + ", ".join(
            a.work_order.number for a in pushed
        )
    return _done(request, date, territory, ok=text)


# --- The day optimizer ----------------------------------------------------------------------


@require_POST
@capability_required(Cap.SCHEDULING_DISPATCH)
def optimizer_run(request: HttpRequest) -> HttpResponse:
    """Run the optimizer for the day (or a territory) and show its proposal beside the
    current plan; nothing on the board changes until it is accepted."""
    form = RunForm(request.POST)
    date, territory = _day(request)
    if not form.is_valid():
        return _invalid(request, date, territory, form)
    date, territory = form.cleaned_data["date"], form.cleaned_data["territory"]
    try:
        result = planning.optimizer_run(
            date=date, territory=territory, seconds=form.cleaned_data["seconds"], actor=request.user
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(board_url(date, territory))
    return redirect(board_url(date, territory, run=result.run.pk) + "#proposal")


def _run(pk: int) -> OptimizerRun:
    return get_object_or_404(OptimizerRun, pk=pk)


@require_POST
@capability_required(Cap.SCHEDULING_DISPATCH)
def optimizer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(pk)
    try:
        counts = planning.optimizer_accept(run=run, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(board_url(run.date, run.territory, run=run.pk))
    messages.success(
        request,
        "Proposal applied: {booked} booked, {moved} moved, {unchanged} unchanged, "
        "{unassigned} unassigned.".format(**counts),
    )
    return redirect(board_url(run.date, run.territory))


@require_POST
@capability_required(Cap.SCHEDULING_DISPATCH)
def optimizer_discard(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(pk)
    try:
        planning.optimizer_discard(run=run, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Proposal discarded.")
    return redirect(board_url(run.date, run.territory))


def _require_dispatch(user) -> None:
    if not has_capability(user, Cap.SCHEDULING_DISPATCH):
        raise PermissionDenied


__all__ = [
    "Http404",
    "RunStatus",
    "WorkOrder",
    "board",
    "board_assign",
    "board_dispatch",
    "board_dispatch_day",
    "board_emergency",
    "board_lock",
    "board_move",
    "board_unassign",
    "optimizer_accept",
    "optimizer_discard",
    "optimizer_run",
]
