"""The supervisor's shift schedule (Contact centre > Schedule): a week grid of agents by day,
adding, changing and removing shifts, and copying last week's shifts into this one."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from servicebook.core.errors import ServiceError
from servicebook.core.forms import apply_service_error
from servicebook.core.permissions import capability_required
from servicebook.core.views import button_action, form_action
from servicebook.users.roles import Cap

from . import schedule
from .forms import CopyWeekForm, ScheduleFilterForm, ShiftEditForm, ShiftForm
from .models import Shift, Team

SUPERVISE = Cap.CONTACT_SUPERVISE


def _schedule_url(week: dt.date, team: Team | None = None) -> str:
    query = {"week": schedule.week_start(week).isoformat()}
    if team is not None:
        query["team"] = team.pk
    return f"{reverse('contact:schedule')}?{urlencode(query)}"


def _team_from(request: HttpRequest) -> Team | None:
    raw = request.POST.get("return_team") or request.GET.get("team") or ""
    return Team.objects.filter(pk=raw).first() if raw.isdigit() else None


def _grid(
    request: HttpRequest, *, forms: dict | None = None, status: int = 200, week=None, team=None
):
    """The page: the week's grid with the add and copy forms (or the ones that failed)."""
    filters = ScheduleFilterForm(request.GET or None)
    chosen_week, chosen_team = filters.chosen()
    week = week or chosen_week
    team = team if team is not None else chosen_team
    monday = schedule.week_start(week)
    days, rows = schedule.schedule_week(week=monday, team=team)
    today = timezone.localdate()
    now = timezone.now()
    forms = forms or {}
    add_form = forms.get("add") or ShiftForm(
        initial={"day": max(today, monday), "break_minutes": 0}
    )
    copy_form = forms.get("copy") or CopyWeekForm(initial={"week": monday, "team": team})
    grid = [
        {
            "agent": row.agent,
            "team": row.agent.agent_profile.team_id,
            "cells": [
                [
                    {
                        "shift": s,
                        "start": timezone.localtime(s.starts_at),
                        "end": timezone.localtime(s.ends_at),
                        "past": s.ends_at <= now,
                        "running": s.starts_at <= now < s.ends_at,
                    }
                    for s in cell
                ]
                for cell in row.days
            ],
        }
        for row in rows
    ]
    context = {
        "filters": filters,
        "days": days,
        "today": today,
        "grid": grid,
        "team": team,
        "monday": monday,
        "sunday": days[-1],
        "prev_url": _schedule_url(monday - dt.timedelta(days=7), team),
        "next_url": _schedule_url(monday + dt.timedelta(days=7), team),
        "this_url": _schedule_url(today, team),
        "add_form": add_form,
        "copy_form": copy_form,
        "zone": timezone.get_current_timezone_name(),
    }
    return render(request, "contact/schedule.html", context, status=status)


@capability_required(SUPERVISE)
def schedule_week(request: HttpRequest) -> HttpResponse:
    """A week of shifts: agents as rows, days as columns, attendance on past shifts."""
    return _grid(request)


@require_POST
@capability_required(SUPERVISE)
def shift_add(request: HttpRequest) -> HttpResponse:
    form = ShiftForm(request.POST)
    team = _team_from(request)

    def call(data):
        starts_at, ends_at, break_minutes = form.instants()
        return schedule.shift_add(
            agent=data["agent"],
            starts_at=starts_at,
            ends_at=ends_at,
            break_minutes=break_minutes,
            actor=request.user,
        )

    return form_action(
        request,
        form,
        call,
        done=lambda s: f"Shift added for {s.agent.display_name}.",
        success_url=lambda s: _schedule_url(s.day, team),
        failed=lambda form, status: _grid(
            request,
            forms={"add": form},
            status=status,
            week=form.cleaned_data.get("day") if hasattr(form, "cleaned_data") else None,
            team=team,
        ),
    )


@capability_required(SUPERVISE)
def shift_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change one shift's day, times and break; or remove it."""
    shift = get_object_or_404(Shift.objects.select_related("agent"), pk=pk)
    start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    initial = {
        "day": start.date(),
        "starts_at": start.time(),
        "ends_at": end.time(),
        "break_minutes": shift.break_minutes,
    }
    form = ShiftEditForm(request.POST or None, initial=initial)
    team = _team_from(request)

    def page(form, status=200):
        return render(
            request,
            "contact/schedule_shift.html",
            {
                "shift": shift,
                "form": form,
                "start": start,
                "end": end,
                "team": team,
                "past": shift.ends_at <= timezone.now(),
                "back_url": _schedule_url(shift.day, team),
                "scheduled": f"{shift.scheduled_seconds // 3600}:"
                f"{shift.scheduled_seconds % 3600 // 60:02d}",
                "zone": timezone.get_current_timezone_name(),
            },
            status=status,
        )

    if request.method != "POST":
        return page(form)

    def call(data):
        starts_at, ends_at, break_minutes = form.instants()
        return schedule.shift_update(
            shift=shift,
            starts_at=starts_at,
            ends_at=ends_at,
            break_minutes=break_minutes,
            actor=request.user,
        )

    return form_action(
        request,
        form,
        call,
        done="Shift changed.",
        success_url=lambda s: _schedule_url(s.day, team),
        failed=page,
    )


@require_POST
@capability_required(SUPERVISE)
def shift_delete(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift.objects.select_related("agent"), pk=pk)
    team = _team_from(request)
    url = _schedule_url(shift.day, team)
    return button_action(
        request,
        lambda: schedule.shift_remove(shift=shift, actor=request.user),
        done=f"Shift of {shift.agent.display_name} removed.",
        success_url=url,
        failed=lambda status: redirect(url),
    )


@require_POST
@capability_required(SUPERVISE)
def schedule_copy(request: HttpRequest) -> HttpResponse:
    """Copy last week's shifts into the chosen week, for a team or everyone."""
    form = CopyWeekForm(request.POST)
    status = 400
    if form.is_valid():
        team = form.cleaned_data.get("team")
        week = form.cleaned_data["week"]
        try:
            report = schedule.shift_copy_week(to_week=week, team=team, actor=request.user)
        except ServiceError as exc:
            apply_service_error(form, exc)
            status = exc.status_code
        else:
            text = (
                f"Copied {report.copied} shift{'' if report.copied == 1 else 's'} from the "
                f"week before; skipped {report.skipped} that would overlap shifts already there."
            )
            if report.skipped_shifts:
                text += " Skipped: " + "; ".join(report.skipped_shifts[:20])
                if len(report.skipped_shifts) > 20:
                    text += f"; and {len(report.skipped_shifts) - 20} more"
                text += "."
            messages.success(request, text)
            return redirect(_schedule_url(week, team))
    return _grid(request, forms={"copy": form}, status=status)
