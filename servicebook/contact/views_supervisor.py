"""The supervisor's side: the metrics dashboard and its exports, PBX file imports, script
adherence and quality evaluations."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from servicebook.core.errors import ServiceError
from servicebook.core.forms import apply_service_error
from servicebook.core.permissions import capability_required
from servicebook.users.roles import Cap

from . import charts, importers, quality, selectors
from .forms import AdherenceForm, ImportForm, PeriodForm
from .metrics import COLUMNS, definitions, metrics_for_period
from .models import EvaluationForm as QualityForm
from .models import Interaction

SUPERVISE = Cap.CONTACT_SUPERVISE


def _duration(seconds) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _cell(row: dict, key: str, kind: str) -> str:
    value = row.get(key)
    if value is None:
        return "—"
    if kind == "duration":
        return _duration(value)
    if kind == "percent":
        return f"{value:.1f}"
    return str(value)


@capability_required(SUPERVISE)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Each agent's (or team's, or day's) numbers for a period, with charts and the
    definitions of every figure."""
    form = PeriodForm(request.GET or None)
    start, end, group_by = form.period()
    agent_id = form.agent_id()
    result = metrics_for_period(
        user=request.user, start=start, end=end, group_by=group_by, agent_id=agent_id
    )
    by_day = (
        result
        if group_by == "day"
        else metrics_for_period(
            user=request.user, start=start, end=end, group_by="day", agent_id=agent_id
        )
    )
    rows = [{"cells": [_cell(r, k, kind) for k, _, kind in COLUMNS], "raw": r} for r in result.rows]
    total = [_cell(result.total, k, kind) for k, _, kind in COLUMNS]
    chart_rows = result.rows[:30]
    context = {
        "form": form,
        "start": start,
        "end": end,
        "group_by": group_by,
        "columns": COLUMNS,
        "rows": rows,
        "total": total,
        "definitions": definitions(),
        "query": request.GET.urlencode(),
        # Queue figures are no one agent's: with an agent chosen the service-level chart
        # would be empty, so it is not drawn.
        "agent_id": agent_id,
        "chart_calls": charts.column_chart(
            [(r["key"], r["calls_handled"]) for r in by_day.rows], title="Calls handled per day"
        ),
        "chart_aht": charts.bar_chart(
            [(r["label"], r["avg_handle_seconds"]) for r in chart_rows],
            title="Average handle time (seconds)",
            unit=" s",
        ),
        "chart_sl": charts.column_chart(
            [(r["key"], r["service_level_percent"]) for r in by_day.rows],
            title="Service level per day (%)",
            unit="%",
        ),
        "chart_quality": charts.bar_chart(
            [(r["label"], r["quality_score"]) for r in chart_rows],
            title="Quality score (%)",
            unit="%",
        ),
    }
    return render(request, "contact/dashboard.html", context)


@capability_required(SUPERVISE)
def metrics_export(request: HttpRequest) -> HttpResponse:
    """The dashboard's table as CSV (?format=csv) or Excel (?format=xlsx), durations in
    seconds so the numbers stay numbers."""
    form = PeriodForm(request.GET or None)
    start, end, group_by = form.period()
    agent_id = form.agent_id()
    result = metrics_for_period(
        user=request.user, start=start, end=end, group_by=group_by, agent_id=agent_id
    )
    keys = [k for k in result.total if k not in ("key",)]
    rows = [*result.rows, result.total]
    name = f"contact-metrics-{group_by}-{start:%Y%m%d}-{end:%Y%m%d}"
    if agent_id is not None:
        name += f"-agent{agent_id}"
    if request.GET.get("format") == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(f"By {group_by}")
        sheet.append(["key", *keys])
        for row in rows:
            sheet.append([row.get("key"), *[row.get(k) for k in keys]])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["key", *keys])
    for row in rows:
        writer.writerow([row.get("key"), *["" if row.get(k) is None else row.get(k) for k in keys]])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@capability_required(SUPERVISE)
def pbx_import(request: HttpRequest) -> HttpResponse:
    """Upload a day of PBX records (Master.csv or queue_log); the report lists the rows that
    could not be used. Importing the same file again counts nothing twice."""
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            text = io.TextIOWrapper(upload.file, encoding="utf-8", errors="replace", newline="")
            try:
                if form.cleaned_data["kind"] == "cdr":
                    report = importers.import_cdr(text, actor=request.user)
                else:
                    report = importers.import_queue_log(text, actor=request.user)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status_code
        else:
            status = 400
    return render(request, "contact/import.html", {"form": form, "report": report}, status=status)


@capability_required(SUPERVISE)
def script_adherence(request: HttpRequest) -> HttpResponse:
    """How closely agents followed the scripts: required statements confirmed."""
    form = AdherenceForm(request.GET or None)
    start, end, _ = form.period()
    rows = selectors.script_adherence(start=start, end=end, script_id=form.script_id())
    return render(
        request,
        "contact/adherence.html",
        {"form": form, "rows": rows, "start": start, "end": end},
    )


@capability_required(Cap.CONTACT_QUALITY)
def quality_list(request: HttpRequest) -> HttpResponse:
    """Recent handled contacts to evaluate, and the latest evaluations."""
    agent_id = request.GET.get("agent")
    items = selectors.evaluable_interactions(
        user=request.user, agent_id=int(agent_id) if (agent_id or "").isdigit() else None
    )
    recent = (
        selectors.interactions_visible_to(request.user)
        .filter(evaluations__isnull=False)
        .values(
            "evaluations__pk",
            "evaluations__score",
            "evaluations__evaluated_at",
            "agent__username",
            "pk",
        )
        .order_by("-evaluations__evaluated_at")[:20]
    )
    return render(
        request,
        "contact/quality.html",
        {"items": items, "recent": recent, "forms": QualityForm.objects.filter(active=True)},
    )


@capability_required(Cap.CONTACT_QUALITY)
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    """Score one handled contact on a quality form."""
    interaction = get_object_or_404(
        selectors.interactions_visible_to(request.user).select_related(
            "agent", "account__customer", "disposition"
        ),
        pk=pk,
    )
    forms = list(QualityForm.objects.filter(active=True).prefetch_related("criteria"))
    chosen = next(
        (f for f in forms if str(f.pk) == (request.POST.get("form") or request.GET.get("form"))),
        forms[0] if forms else None,
    )
    errors: dict = {}
    status = 200
    if request.method == "POST" and chosen is not None:
        points = {}
        for criterion in chosen.criteria.all():
            raw = request.POST.get(f"c{criterion.pk}", "")
            if raw.strip().isdigit():
                points[criterion.pk] = int(raw)
        try:
            evaluation = quality.evaluation_record(
                form=chosen,
                interaction=interaction,
                points=points,
                comment=request.POST.get("comment", ""),
                actor=request.user,
                now=timezone.now(),
            )
        except ServiceError as exc:
            errors = getattr(exc, "errors", {"detail": [exc.message]})
            status = exc.status_code
        else:
            messages.success(request, f"Evaluation saved: {evaluation.score}%.")
            return redirect(reverse("contact:quality"))
    return render(
        request,
        "contact/evaluate.html",
        {
            "interaction": interaction,
            "forms": forms,
            "chosen": chosen,
            "errors": errors,
            "posted": request.POST,
            "talk": _duration(interaction.talk_seconds),
            "handle": _duration(interaction.handle_seconds),
        },
        status=status,
    )


def interaction_duration(interaction: Interaction) -> str:
    return _duration(interaction.handle_seconds)
