"""Case pages: open a case, the case page and its actions, and the queues.

Views parse with a form, call a service and render. A refusal shows on the form that caused
it: HTTP 400 for bad input, 409 when the case's state does not allow the action.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from servicebook.core.htmx import htmx_partial
from servicebook.core.permissions import capability_required
from servicebook.core.views import button_action, form_action
from servicebook.customers.selectors import account_get
from servicebook.users.roles import Cap

from . import selectors, services, sla
from .choices import ACTIVE_STATUSES, PRIORITY_RANK, TRANSITIONS, CaseStatus
from .filtersets import CaseFilterSet
from .forms import (
    AssignForm,
    CaseContactForm,
    CaseNoteForm,
    CaseOpenForm,
    ChecklistAnswerForm,
    ConsentForm,
    EscalateForm,
    PriorityForm,
    ReasonForm,
    ResolveForm,
    TransitionForm,
)
from .models import ChecklistItem

PAGE_SIZE = 50
SORTS = {
    "due": ("resolution_due", "Resolution due"),
    "priority": ("priority_rank", "Priority"),
    "created": ("-created_at", "Newest"),
    "updated": ("-updated_at", "Recently updated"),
}


@capability_required(Cap.CASES_WORK)
def case_new(request: HttpRequest, account_pk: int) -> HttpResponse:
    """Open a case from the account page."""
    account = account_get(user=request.user, pk=account_pk)
    form = CaseOpenForm(request.POST or None, account=account)

    def page(form, status=200):
        return render(
            request, "cases/case_new.html", {"form": form, "account": account}, status=status
        )

    def call(d):
        return services.case_open(
            account=account,
            case_type=d["case_type"],
            priority=d["priority"],
            subject=d["subject"],
            description=d["description"],
            location=d["location"],
            channel=d["channel"],
            queue=d["queue"],
            assignee=request.user if d["assign_to_me"] else None,
            actor=request.user,
        )

    if request.method != "POST":
        return page(form)
    return form_action(
        request,
        form,
        call,
        done=lambda case: f"Case {case.number} opened.",
        success_url=lambda case: reverse("cases:case_detail", args=[case.pk]),
        failed=page,
    )


def _clock(case) -> dict:
    """What the SLA clock panel shows."""
    now = timezone.now()

    def target(due, done_at, breached, risk_at):
        if due is None:
            return None
        if done_at is not None:
            state = "late" if breached else "met"
        elif breached:
            state = "late"
        elif risk_at and now >= risk_at and not case.is_paused:
            state = "risk"
        else:
            state = "running"
        return {"due": due, "done_at": done_at, "state": state}

    return {
        "first_response": target(
            case.first_response_due,
            case.first_responded_at,
            case.first_response_breached,
            case.first_response_risk_at,
        ),
        "resolution": target(
            case.resolution_due, case.resolved_at, case.resolution_breached, case.resolution_risk_at
        ),
        "remaining": sla.remaining_seconds(case, now) if case.resolved_at is None else None,
        "paused": case.is_paused and case.resolved_at is None,
    }


def _case_forms(case) -> dict:
    return {
        "note_form": CaseNoteForm(case=case),
        "transition_form": TransitionForm(),
        "assign_form": AssignForm(),
        "escalate_form": EscalateForm(),
        "resolve_form": ResolveForm(case=case),
        "reopen_form": ReasonForm(),
        "priority_form": PriorityForm(initial={"priority": case.priority}),
        "consent_form": ConsentForm(),
        "contact_form": CaseContactForm(),
    }


def _case_page(request, case, *, forms: dict | None = None, open_form: str = "", status: int = 200):
    moves = list(TRANSITIONS.get(case.status, set()))
    context = {
        "case": case,
        "account": case.account,
        "clock": _clock(case),
        "timeline": selectors.case_timeline(case=case),
        "checklist": selectors.checklist_for(case=case),
        "consents": case.consents.select_related("recorded_by"),
        "moves": [(s, CaseStatus(s).label) for s in sorted(moves)],
        "is_active": case.status in ACTIVE_STATUSES,
        "open_form": open_form,
        **_case_forms(case),
        **(forms or {}),
    }
    return render(request, "cases/case_detail.html", context, status=status)


@capability_required(Cap.CASES_VIEW)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    return _case_page(request, case)


@capability_required(Cap.CASES_VIEW)
def case_clock(request: HttpRequest, pk: int) -> HttpResponse:
    """The SLA clock alone, refreshed every minute by htmx."""
    case = selectors.case_get(user=request.user, pk=pk)
    return render(request, "cases/case_detail.html#clock", {"case": case, "clock": _clock(case)})


def _case_action(
    request: HttpRequest,
    pk: int,
    *,
    form_key: str,
    form_class,
    call: Callable,
    done: str,
    form_kwargs: Callable | None = None,
) -> HttpResponse:
    """Run one action on a case: validate, call the service, back to the case page; on
    refusal, the page again with the form's errors and the service's status code."""
    case = selectors.case_get(user=request.user, pk=pk)
    form = form_class(request.POST, **(form_kwargs(case) if form_kwargs else {}))
    return form_action(
        request,
        form,
        lambda data: call(case, data),
        done=done,
        success_url=reverse("cases:case_detail", args=[case.pk]),
        failed=lambda form, status: _case_page(
            request,
            selectors.case_get(user=request.user, pk=pk),
            forms={f"{form_key}_form": form},
            open_form=form_key,
            status=status,
        ),
    )


def _case_button(request: HttpRequest, pk: int, call: Callable, done: str) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    return button_action(
        request,
        lambda: call(case),
        done=done,
        success_url=reverse("cases:case_detail", args=[case.pk]),
        failed=lambda status: _case_page(
            request, selectors.case_get(user=request.user, pk=pk), status=status
        ),
    )


@require_POST
@capability_required(Cap.CASES_WORK)
def case_note(request, pk):
    def call(case, d):
        services.case_add_note(
            case=case,
            body=d["body"],
            visibility=d["visibility"],
            canned_response=d["canned_response"],
            actor=request.user,
        )

    return _case_action(
        request,
        pk,
        form_key="note",
        form_class=CaseNoteForm,
        call=call,
        done="Note added.",
        form_kwargs=lambda case: {"case": case},
    )


@require_POST
@capability_required(Cap.CASES_WORK)
def case_contact(request, pk):
    def call(case, d):
        services.case_log_contact(case=case, actor=request.user, **d)

    return _case_action(
        request,
        pk,
        form_key="contact",
        form_class=CaseContactForm,
        call=call,
        done="Contact logged.",
    )


@require_POST
@capability_required(Cap.CASES_WORK)
def case_transition(request, pk):
    def call(case, d):
        services.case_transition(
            case=case, to_status=d["to_status"], reason=d["reason"], actor=request.user
        )

    return _case_action(
        request, pk, form_key="transition", form_class=TransitionForm, call=call, done="Case moved."
    )


@require_POST
@capability_required(Cap.CASES_WORK)
def case_take(request, pk):
    """Assign the case to myself."""
    return _case_button(
        request,
        pk,
        lambda case: services.case_assign(case=case, assignee=request.user, actor=request.user),
        "The case is yours.",
    )


@require_POST
@capability_required(Cap.CASES_ASSIGN)
def case_assign(request, pk):
    def call(case, d):
        services.case_assign(
            case=case, assignee=d["assignee"], queue=d["queue"], actor=request.user
        )

    return _case_action(
        request, pk, form_key="assign", form_class=AssignForm, call=call, done="Case assigned."
    )


@require_POST
@capability_required(Cap.CASES_ESCALATE)
def case_escalate(request, pk):
    def call(case, d):
        services.case_escalate(case=case, reason=d["reason"], queue=d["queue"], actor=request.user)

    return _case_action(
        request, pk, form_key="escalate", form_class=EscalateForm, call=call, done="Case escalated."
    )


@require_POST
@capability_required(Cap.CASES_WORK)
def case_resolve(request, pk):
    def call(case, d):
        services.case_resolve(
            case=case,
            resolution_code=d["resolution_code"],
            summary=d["summary"],
            actor=request.user,
        )

    return _case_action(
        request,
        pk,
        form_key="resolve",
        form_class=ResolveForm,
        call=call,
        done="Case resolved.",
        form_kwargs=lambda case: {"case": case},
    )


@require_POST
@capability_required(Cap.CASES_WORK)
def case_close(request, pk):
    return _case_button(
        request, pk, lambda case: services.case_close(case=case, actor=request.user), "Case closed."
    )


@require_POST
@capability_required(Cap.CASES_WORK)
def case_reopen(request, pk):
    def call(case, d):
        services.case_reopen(case=case, reason=d["reason"], actor=request.user)

    return _case_action(
        request, pk, form_key="reopen", form_class=ReasonForm, call=call, done="Case reopened."
    )


@require_POST
@capability_required(Cap.CASES_WORK)
def case_priority(request, pk):
    def call(case, d):
        services.case_set_priority(
            case=case, priority=d["priority"], reason=d["reason"], actor=request.user
        )

    return _case_action(
        request,
        pk,
        form_key="priority",
        form_class=PriorityForm,
        call=call,
        done="Priority changed.",
    )


@require_POST
@capability_required(Cap.CASES_WORK)
def case_checklist(request, pk):
    def call(case, d):
        item = ChecklistItem.objects.select_related("template").filter(pk=d["item"]).first()
        if item is None:
            raise Http404("No such checklist question.")
        services.checklist_answer(case=case, item=item, answer=d["answer"], actor=request.user)

    return _case_action(
        request,
        pk,
        form_key="checklist",
        form_class=ChecklistAnswerForm,
        call=call,
        done="Answer saved.",
    )


@require_POST
@capability_required(Cap.CASES_WORK)
def case_consent(request, pk):
    def call(case, d):
        services.consent_record(account=case.account, case=case, actor=request.user, **d)

    return _case_action(
        request, pk, form_key="consent", form_class=ConsentForm, call=call, done="Consent recorded."
    )


@capability_required(Cap.CASES_VIEW)
def queue(request: HttpRequest, view: str) -> HttpResponse:
    """A case queue (mine, team, unassigned, at-risk, breached, all) with filters and sorting."""
    if view not in selectors.QUEUE_VIEWS:
        raise Http404("No such queue.")
    base = selectors.case_queue(user=request.user, view=view).annotate(
        priority_rank=Case(
            *[When(priority=p, then=Value(rank)) for p, rank in PRIORITY_RANK.items()],
            default=Value(9),
            output_field=IntegerField(),
        )
    )
    filterset = CaseFilterSet(request.GET, queryset=base)
    cases = filterset.qs if filterset.is_valid() else base.none()
    sort = request.GET.get("sort", "due")
    order = SORTS.get(sort, SORTS["due"])[0]
    cases = cases.order_by(order, "priority_rank", "created_at", "id")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    context = {
        "view_name": view,
        "view_label": selectors.QUEUE_VIEWS[view],
        "views": selectors.QUEUE_VIEWS,
        "filterset": filterset,
        "page": page,
        "sort": sort,
        "sorts": {k: label for k, (_, label) in SORTS.items()},
        "query": query.urlencode(),
        "now": timezone.now(),
    }
    if htmx_partial(request):
        return render(request, "cases/queue.html#results", context)
    return render(request, "cases/queue.html", context)
