"""Work-order pages: the list, a new work order (from an account or a case), the work-order
page and its actions, the after-visit follow-ups, and the maintenance plans.

Views parse with a form, call a service and render. A refusal shows on the form that caused
it: HTTP 400 for bad input, 409 when the work order's state does not allow the action.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from servicebook.cases.selectors import cases_visible_to
from servicebook.core.htmx import htmx_partial
from servicebook.core.permissions import capability_required, has_capability
from servicebook.core.views import button_action, form_action
from servicebook.customers.selectors import account_get
from servicebook.users.roles import Cap

from . import maintenance, selectors, services
from .choices import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    PRIORITY_RANK,
    TERMINAL_STATUSES,
    TRANSITIONS,
    FollowUpStatus,
)
from .filtersets import MaintenancePlanFilterSet, WorkOrderFilterSet
from .forms import (
    CancelForm,
    ChecklistAnswerForm,
    CompleteForm,
    FollowUpDoneForm,
    IncompleteForm,
    LineForm,
    PlanEditForm,
    PlanForm,
    TaskForm,
    WorkOrderEditForm,
    WorkOrderNewForm,
)
from .models import WorkChecklistItem, WorkOrderLine, WorkOrderTask
from .panels import workorder_panels

PAGE_SIZE = 50
SORTS = {
    "when": ("when", "Planned / window"),
    "priority": ("priority_rank", "Priority"),
    "created": ("-created_at", "Newest"),
    "updated": ("-updated_at", "Recently updated"),
    "number": ("-number", "Number"),
}


def _priority_rank():
    return Case(
        *[When(priority=p, then=Value(rank)) for p, rank in PRIORITY_RANK.items()],
        default=Value(9),
        output_field=IntegerField(),
    )


# --- The list ------------------------------------------------------------------------------------


@capability_required(Cap.WORKORDERS_VIEW)
def workorder_list(request: HttpRequest) -> HttpResponse:
    """Work orders with filters (status, type, priority, dates, skill) and sorting; open ones
    unless a status is asked for."""
    base = (
        selectors.workorders_visible_to(request.user)
        .select_related("account__customer", "location")
        .annotate(
            priority_rank=_priority_rank(),
            when=Coalesce("planned_start", "window_start", "created_at"),
        )
    )
    params = request.GET.copy()
    if not params.get("status") and "open" not in params:
        params["open"] = "true"
    filterset = WorkOrderFilterSet(params, queryset=base)
    orders = filterset.qs if filterset.is_valid() else base.none()
    sort = request.GET.get("sort", "when")
    order = SORTS.get(sort, SORTS["when"])[0]
    orders = orders.order_by(order, "priority_rank", "id")
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    context = {
        "filterset": filterset,
        "page": page,
        "sort": sort,
        "sorts": {k: label for k, (_, label) in SORTS.items()},
        "query": query.urlencode(),
        "open_only": params.get("open") == "true",
    }
    if htmx_partial(request):
        return render(request, "workorders/list.html#results", context)
    return render(request, "workorders/list.html", context)


# --- New ----------------------------------------------------------------------------------------


@capability_required(Cap.WORKORDERS_CREATE)
def workorder_new(request: HttpRequest, account_pk: int) -> HttpResponse:
    """Open a work order from the account page, or from a case (?case=<id>)."""
    account = account_get(user=request.user, pk=account_pk)
    case_id = request.POST.get("case") or request.GET.get("case")
    case = None
    if case_id:
        if not str(case_id).isdigit() or int(case_id) > 2**63 - 1:
            raise Http404("No such case.")
        case = get_object_or_404(
            cases_visible_to(request.user).select_related("location"),
            pk=int(case_id),
            account=account,
        )
    initial = {}
    if case is not None:
        initial = {
            "case": case.pk,
            "summary": case.subject,
            "description": case.description,
            "location": case.location_id or None,
            "priority": case.priority,
            "work_type": "repair",
        }
    form = WorkOrderNewForm(request.POST or None, account=account, initial=initial)

    def page(form, status=200):
        return render(
            request,
            "workorders/workorder_new.html",
            {"form": form, "account": account, "case": case},
            status=status,
        )

    def call(d):
        return services.workorder_create(
            account=account,
            case=case,
            work_type=d["work_type"],
            priority=d["priority"] or None,
            summary=d["summary"],
            description=d["description"],
            location=d["location"],
            skills=d["skills"],
            estimated_minutes=d["estimated_minutes"],
            window_start=d["window_start"],
            window_end=d["window_end"],
            actor=request.user,
        )

    if request.method != "POST":
        return page(form)
    return form_action(
        request,
        form,
        call,
        done=lambda order: f"Work order {order.number} created.",
        success_url=lambda order: reverse("workorders:workorder_detail", args=[order.pk]),
        failed=page,
    )


# --- The work-order page -------------------------------------------------------------------------


def _forms(order) -> dict:
    return {
        "edit_form": WorkOrderEditForm(work_order=order),
        "complete_form": CompleteForm(work_order=order),
        "incomplete_form": IncompleteForm(),
        "cancel_form": CancelForm(),
        "line_form": LineForm(),
        "task_form": TaskForm(),
    }


def _actions(order, user) -> dict[str, bool]:
    """Which lifecycle buttons the page offers: the move is allowed from this status and
    the user holds its capability (the service decides in the end)."""

    def can(action: str) -> bool:
        return order.status in TRANSITIONS[action][0] and has_capability(
            user, services.ACTION_CAPABILITIES[action]
        )

    return {action: can(action) for action in TRANSITIONS}


def _page(request, order, *, forms: dict | None = None, open_form: str = "", status: int = 200):
    lines = list(order.lines.select_related("added_by"))
    context = {
        "order": order,
        "account": order.account,
        "timeline": selectors.workorder_timeline(work_order=order),
        "checklist": selectors.checklist_for(work_order=order),
        "tasks": list(order.tasks.select_related("done_by", "carried_from__work_order")),
        "lines": lines,
        "lines_total": sum((line.amount for line in lines), start=0),
        "skills": list(order.required_skills.all()),
        "follow_ups": list(order.follow_ups.all()),
        "after_visit": list(order.follow_up_tasks.all()),
        "visit": maintenance.visit_for(order),
        "consent": selectors.carrier_consent(work_order=order),
        "is_open": order.status in OPEN_STATUSES,
        "is_editable": order.status in EDITABLE_STATUSES,
        "lines_editable": order.status not in TERMINAL_STATUSES,
        "actions": _actions(order, request.user),
        "open_form": open_form,
        "extra_panels": [
            {"template": p.template, **p.context(request=request, work_order=order)}
            for p in workorder_panels()
        ],
        **_forms(order),
        **(forms or {}),
    }
    return render(request, "workorders/workorder_detail.html", context, status=status)


@capability_required(Cap.WORKORDERS_VIEW)
def workorder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.workorder_get(user=request.user, pk=pk)
    return _page(request, order)


def _action(
    request: HttpRequest,
    pk: int,
    *,
    form_key: str,
    form_class,
    call: Callable,
    done: str,
    form_kwargs: Callable | None = None,
) -> HttpResponse:
    """Run one form action on a work order: back to its page, or the page again with the
    form's errors and the service's status."""
    order = selectors.workorder_get(user=request.user, pk=pk)
    form = form_class(request.POST, **(form_kwargs(order) if form_kwargs else {}))
    return form_action(
        request,
        form,
        lambda data: call(order, data),
        done=done,
        success_url=reverse("workorders:workorder_detail", args=[order.pk]),
        failed=lambda form, status: _page(
            request,
            selectors.workorder_get(user=request.user, pk=pk),
            forms={f"{form_key}_form": form},
            open_form=form_key,
            status=status,
        ),
    )


def _button(request: HttpRequest, pk: int, call: Callable, done: str) -> HttpResponse:
    order = selectors.workorder_get(user=request.user, pk=pk)
    return button_action(
        request,
        lambda: call(order),
        done=done,
        success_url=reverse("workorders:workorder_detail", args=[order.pk]),
        failed=lambda status: _page(
            request, selectors.workorder_get(user=request.user, pk=pk), status=status
        ),
    )


@require_POST
@capability_required(Cap.WORKORDERS_EDIT)
def workorder_edit(request, pk):
    def call(order, d):
        services.workorder_update(
            work_order=order,
            summary=d["summary"],
            priority=d["priority"],
            description=d["description"],
            skills=d["skills"],
            estimated_minutes=d["estimated_minutes"],
            window_start=d["window_start"],
            window_end=d["window_end"],
            reason=d["reason"],
            actor=request.user,
        )

    return _action(
        request,
        pk,
        form_key="edit",
        form_class=WorkOrderEditForm,
        call=call,
        done="Work order changed.",
        form_kwargs=lambda order: {"work_order": order},
    )


@require_POST
@capability_required(Cap.WORKORDERS_DISPATCH)
def workorder_dispatch(request, pk):
    return _button(
        request,
        pk,
        lambda order: services.workorder_dispatch(work_order=order, actor=request.user),
        "Dispatched.",
    )


@require_POST
@capability_required(Cap.WORKORDERS_DISPATCH)
def workorder_unschedule(request, pk):
    return _button(
        request,
        pk,
        lambda order: services.workorder_unschedule(work_order=order, actor=request.user),
        "Taken off the plan.",
    )


@require_POST
@capability_required(Cap.WORKORDERS_COMPLETE)
def workorder_travel(request, pk):
    return _button(
        request,
        pk,
        lambda order: services.workorder_start_travel(work_order=order, actor=request.user),
        "On the way.",
    )


@require_POST
@capability_required(Cap.WORKORDERS_COMPLETE)
def workorder_arrive(request, pk):
    return _button(
        request,
        pk,
        lambda order: services.workorder_arrive(work_order=order, actor=request.user),
        "Arrived.",
    )


@require_POST
@capability_required(Cap.WORKORDERS_COMPLETE)
def workorder_complete(request, pk):
    def call(order, d):
        services.workorder_complete(work_order=order, actor=request.user, **d)

    return _action(
        request,
        pk,
        form_key="complete",
        form_class=CompleteForm,
        call=call,
        done="Work order completed.",
        form_kwargs=lambda order: {"work_order": order},
    )


@require_POST
@capability_required(Cap.WORKORDERS_COMPLETE)
def workorder_incomplete(request, pk):
    def call(order, d):
        services.workorder_incomplete(work_order=order, actor=request.user, **d)

    return _action(
        request,
        pk,
        form_key="incomplete",
        form_class=IncompleteForm,
        call=call,
        done="Marked incomplete; what was not done is carried to the next visit.",
    )


@require_POST
@capability_required(Cap.WORKORDERS_EDIT)
def workorder_close(request, pk):
    return _button(
        request,
        pk,
        lambda order: services.workorder_close(work_order=order, actor=request.user),
        "Work order closed.",
    )


@require_POST
@capability_required(Cap.WORKORDERS_EDIT)
def workorder_cancel(request, pk):
    def call(order, d):
        services.workorder_cancel(work_order=order, reason=d["reason"], actor=request.user)

    return _action(
        request, pk, form_key="cancel", form_class=CancelForm, call=call, done="Cancelled."
    )


@require_POST
@capability_required(Cap.WORKORDERS_COMPLETE)
def workorder_checklist(request, pk):
    def call(order, d):
        item = WorkChecklistItem.objects.filter(pk=d["item"]).first()
        if item is None:
            raise Http404("No such checklist question.")
        services.workorder_checklist_answer(
            work_order=order, item=item, answer=d["answer"], actor=request.user
        )

    return _action(
        request,
        pk,
        form_key="checklist",
        form_class=ChecklistAnswerForm,
        call=call,
        done="Answer saved.",
    )


@require_POST
@capability_required(Cap.WORKORDERS_COMPLETE)
def workorder_task_add(request, pk):
    def call(order, d):
        services.workorder_task_add(
            work_order=order, description=d["description"], actor=request.user
        )

    return _action(request, pk, form_key="task", form_class=TaskForm, call=call, done="Task added.")


@require_POST
@capability_required(Cap.WORKORDERS_COMPLETE)
def workorder_task_done(request, pk, task_pk):
    order = selectors.workorder_get(user=request.user, pk=pk)
    task = get_object_or_404(WorkOrderTask, pk=task_pk, work_order=order)
    done = request.POST.get("done") != "false"
    return _button(
        request,
        pk,
        lambda order: services.workorder_task_set_done(task=task, done=done, actor=request.user),
        "Task done." if done else "Task reopened.",
    )


@require_POST
@capability_required(Cap.WORKORDERS_COMPLETE)
def workorder_line_add(request, pk):
    def call(order, d):
        services.workorder_line_add(work_order=order, actor=request.user, **d)

    return _action(request, pk, form_key="line", form_class=LineForm, call=call, done="Line added.")


@require_POST
@capability_required(Cap.WORKORDERS_COMPLETE)
def workorder_line_remove(request, pk, line_pk):
    order = selectors.workorder_get(user=request.user, pk=pk)
    line = get_object_or_404(WorkOrderLine, pk=line_pk, work_order=order)
    return _button(
        request,
        pk,
        lambda order: services.workorder_line_remove(line=line, actor=request.user),
        "Line removed.",
    )


# --- After-visit follow-ups ------------------------------------------------------------------


@capability_required(Cap.WORKORDERS_VIEW)
def followup_list(request: HttpRequest) -> HttpResponse:
    """The after-visit calls still to make, oldest due first."""
    show = request.GET.get("show", "open")
    follow_ups = selectors.followups_visible_to(request.user).select_related(
        "work_order__account__customer", "done_by"
    )
    if show == "done":
        follow_ups = follow_ups.exclude(status=FollowUpStatus.OPEN).order_by("-done_at", "-id")
    else:
        follow_ups = follow_ups.filter(status=FollowUpStatus.OPEN).order_by("due_at", "id")
    page = Paginator(follow_ups, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workorders/followups.html",
        {"page": page, "show": show, "now": timezone.now(), "form": FollowUpDoneForm()},
    )


@require_POST
@capability_required(Cap.WORKORDERS_EDIT)
def followup_done(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_or_404(selectors.followups_visible_to(request.user), pk=pk)
    form = FollowUpDoneForm(request.POST)

    def failed(form, status):
        follow_ups = selectors.followups_visible_to(request.user).filter(status=FollowUpStatus.OPEN)
        page = Paginator(
            follow_ups.select_related("work_order__account__customer").order_by("due_at", "id"),
            PAGE_SIZE,
        ).get_page(1)
        return render(
            request,
            "workorders/followups.html",
            {"page": page, "show": "open", "now": timezone.now(), "form": form, "failed": pk},
            status=status,
        )

    return form_action(
        request,
        form,
        lambda d: services.followup_complete(
            follow_up=follow_up, outcome=d["outcome"], actor=request.user
        ),
        done="Follow-up recorded.",
        success_url=reverse("workorders:followup_list"),
        failed=failed,
    )


# --- Maintenance plans ------------------------------------------------------------------------


@capability_required(Cap.WORKORDERS_VIEW)
def plan_list(request: HttpRequest) -> HttpResponse:
    """Maintenance plans with their overdue and upcoming visits."""
    base = selectors.plan_list(user=request.user)
    params = request.GET.copy()
    params.setdefault("active", "true")
    filterset = MaintenancePlanFilterSet(params, queryset=base)
    plans = filterset.qs if filterset.is_valid() else base.none()
    plans = plans.order_by("-overdue_count", "name", "id")
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    overdue = maintenance.overdue_visits(
        maintenance.MaintenanceVisit.objects.filter(
            plan__in=selectors.plans_visible_to(request.user)
        )
    ).select_related("plan", "work_order", "plan__account__customer")[:20]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workorders/plan_list.html",
        {
            "filterset": filterset,
            "page": page,
            "overdue": overdue,
            "query": query.urlencode(),
        },
    )


@capability_required(Cap.PM_MANAGE)
def plan_new(request: HttpRequest, account_pk: int) -> HttpResponse:
    """Put a maintenance agreement or equipment of the account on a plan."""
    account = account_get(user=request.user, pk=account_pk)
    form = PlanForm(request.POST or None, account=account)

    def page(form, status=200):
        return render(
            request, "workorders/plan_new.html", {"form": form, "account": account}, status=status
        )

    def call(d):
        return maintenance.pm_plan_create(
            account=account,
            name=d["name"],
            agreement=d["agreement"],
            equipment=d["equipment"],
            frequency=d["frequency"],
            interval=d["interval"],
            start_date=d["start_date"],
            end_date=d["end_date"],
            work_type=d["work_type"],
            priority=d["priority"],
            skills=d["skills"],
            estimated_minutes=d["estimated_minutes"],
            summary=d["summary"],
            description=d["description"],
            tasks=d["tasks"],
            window_start_time=d["window_start_time"],
            window_end_time=d["window_end_time"],
            horizon_days=d["horizon_days"],
            actor=request.user,
        )

    if request.method != "POST":
        return page(form)
    return form_action(
        request,
        form,
        call,
        done=lambda plan: f"Plan “{plan.name}” created; its visits are planned.",
        success_url=lambda plan: reverse("workorders:plan_detail", args=[plan.pk]),
        failed=page,
    )


def _plan_page(request, plan, *, form=None, status: int = 200):
    today = timezone.localdate()
    visits = list(selectors.plan_visits(plan=plan)[:60])
    for visit in visits:
        visit.is_overdue = (
            visit.outcome == "planned"
            and visit.due_date < today
            and visit.work_order.status in OPEN_STATUSES
        )
    return render(
        request,
        "workorders/plan_detail.html",
        {
            "plan": plan,
            "account": plan.account,
            "visits": visits,
            "overdue": [v for v in visits if v.is_overdue],
            "form": form or PlanEditForm(plan=plan),
            "open_form": "plan" if form is not None else "",
        },
        status=status,
    )


@capability_required(Cap.WORKORDERS_VIEW)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_page(request, selectors.plan_get(user=request.user, pk=pk))


@require_POST
@capability_required(Cap.PM_MANAGE)
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, pk=pk)
    form = PlanEditForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: maintenance.pm_plan_update(
            plan=plan,
            actor=request.user,
            skills=d.pop("skills"),
            tasks=d.pop("tasks"),
            **d,
        ),
        done="Plan changed.",
        success_url=reverse("workorders:plan_detail", args=[plan.pk]),
        failed=lambda form, status: _plan_page(
            request, selectors.plan_get(user=request.user, pk=pk), form=form, status=status
        ),
    )


@require_POST
@capability_required(Cap.PM_MANAGE)
def plan_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (or reactivate) a plan."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    active = request.POST.get("active") == "true"
    return button_action(
        request,
        lambda: maintenance.pm_plan_update(plan=plan, active=active, actor=request.user),
        done="Plan reactivated."
        if active
        else "Plan deactivated; its future visits are cancelled.",
        success_url=reverse("workorders:plan_detail", args=[plan.pk]),
        failed=lambda status: _plan_page(
            request, selectors.plan_get(user=request.user, pk=pk), status=status
        ),
    )


@require_POST
@capability_required(Cap.PM_MANAGE)
def plan_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """Generate the plan's visits now (the periodic run does it every hour)."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    return button_action(
        request,
        lambda: maintenance.generate_now(plan=plan, actor=request.user),
        done="Visits generated up to the horizon.",
        success_url=reverse("workorders:plan_detail", args=[plan.pk]),
        failed=lambda status: _plan_page(
            request, selectors.plan_get(user=request.user, pk=pk), status=status
        ),
    )
