"""The work-orders API: work orders with every lifecycle action (the work-order lifecycle in
the API), follow-ups, maintenance plans, and the reference lists a client needs (skills,
resolution codes, checklists).

Each action parses with an input serializer, calls one service with `actor=request.user`
and renders the work order again. A move the status does not allow is a 409 from the
service (InvalidTransition) and changes nothing. Every endpoint needs `workorders.view` on
top of its own capability: field roles (technician, subcontractor) work their jobs through
the scheduling app and get 403 here.
"""

from __future__ import annotations

from django.db.models import F, Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from servicebook.core.api.schema import responses
from servicebook.core.api.viewsets import ServiceViewSet
from servicebook.core.money import ZERO
from servicebook.core.permissions import has_capability
from servicebook.users.roles import Cap

from .. import maintenance, selectors, services
from ..choices import OPEN_STATUSES, VisitOutcome
from ..filtersets import MaintenancePlanFilterSet, WorkOrderFilterSet
from ..models import (
    CompletionCode,
    FollowUp,
    MaintenanceVisit,
    Skill,
    WorkChecklist,
    WorkChecklistItem,
    WorkOrderEvent,
    WorkOrderLine,
    WorkOrderTask,
)
from . import serializers as s

VIEW, CREATE, EDIT = Cap.WORKORDERS_VIEW, Cap.WORKORDERS_CREATE, Cap.WORKORDERS_EDIT
DISPATCH, COMPLETE, PM = Cap.WORKORDERS_DISPATCH, Cap.WORKORDERS_COMPLETE, Cap.PM_MANAGE


class _WorkOrdersViewSet(ServiceViewSet):
    """Every action also needs workorders.view (the map names the action's own)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not has_capability(request.user, VIEW):
            raise PermissionDenied("Your role does not allow this.")


class NullsLastOrderingFilter(OrderingFilter):
    """Empty dates sort last on both databases; the id breaks ties."""

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        terms = [
            F(t.lstrip("-")).desc(nulls_last=True)
            if t.startswith("-")
            else F(t).asc(nulls_last=True)
            for t in ordering
        ]
        return queryset.order_by(*terms, "-id")


@extend_schema_view(list=extend_schema(summary="List work orders"))
class WorkOrderViewSet(mixins.ListModelMixin, _WorkOrdersViewSet):
    """Work orders and their lifecycle: schedule, unschedule, dispatch, travel, arrive,
    complete, incomplete, close, cancel; checklist, tasks, parts and labour."""

    serializer_class = s.WorkOrderSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": CREATE,
        "partial_update": EDIT,
        "schedule": DISPATCH,
        "unschedule": DISPATCH,
        "dispatch_visit": DISPATCH,
        "travel": COMPLETE,
        "arrive": COMPLETE,
        "complete": COMPLETE,
        "incomplete": COMPLETE,
        "close": EDIT,
        "cancel": EDIT,
        "checklist": COMPLETE,
        "tasks": COMPLETE,
        "task_done": COMPLETE,
        "lines": COMPLETE,
        "line_remove": COMPLETE,
    }
    filterset_class = WorkOrderFilterSet
    filter_backends = [DjangoFilterBackend, NullsLastOrderingFilter]
    ordering_fields = ["created_at", "updated_at", "window_start", "planned_start", "number"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return (
            selectors.workorders_visible_to(self.request.user)
            .select_related("account__customer", "location")
            .prefetch_related("required_skills")
        )

    def get_detail(self, pk: int):
        """The work order with everything its page shows."""
        order = selectors.workorder_get(user=self.request.user, pk=pk)
        prefetch_related_objects(
            [order],
            "required_skills",
            "follow_ups",
            Prefetch("events", queryset=WorkOrderEvent.objects.select_related("actor")),
            Prefetch("tasks", queryset=WorkOrderTask.objects.select_related("done_by")),
            Prefetch("lines", queryset=WorkOrderLine.objects.select_related("added_by")),
            Prefetch("follow_up_tasks", queryset=FollowUp.objects.select_related("done_by")),
        )
        order.checklist = selectors.checklist_for(work_order=order)
        order.lines_total = sum((line.amount for line in order.lines.all()), start=ZERO)
        order.maintenance_visit = MaintenanceVisit.objects.filter(work_order=order).first()
        order.carrier_consent = {
            "required": order.work_type == "carrier_dispatch",
            "consent": selectors.carrier_consent(work_order=order),
        }
        return order

    def _done(self, order, status_code: int = status.HTTP_200_OK):
        return self.render(
            self.get_detail(order.pk), s.WorkOrderDetailSerializer, status_code=status_code
        )

    @extend_schema(
        summary="A work order with its timeline, checklist, tasks, lines and follow-ups",
        responses=responses({200: s.WorkOrderDetailSerializer}, 404),
    )
    def retrieve(self, request, pk):
        return self.render(self.get_detail(pk), s.WorkOrderDetailSerializer)

    @extend_schema(
        summary="Open a work order on an account (from a call or a case)",
        request=s.WorkOrderCreateInputSerializer,
        responses=responses({201: s.WorkOrderDetailSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.WorkOrderCreateInputSerializer)
        order = services.workorder_create(actor=request.user, **data)
        return self._done(order, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change details (summary, priority, skills, duration, window) before travel",
        request=s.WorkOrderUpdateInputSerializer,
        responses=responses({200: s.WorkOrderDetailSerializer}, 400, 404, 409),
    )
    def partial_update(self, request, pk):
        order = self.get_object()
        data = self.parse(s.WorkOrderUpdateInputSerializer)
        order = services.workorder_update(work_order=order, actor=request.user, **data)
        return self._done(order)

    def _move(self, call, serializer=None):
        order = self.get_object()
        data = self.parse(serializer) if serializer else {}
        return self._done(call(order, data))

    @extend_schema(
        summary="Plan the visit (arrival and departure); the dispatch board books it usually",
        description="Sets the planned window through the same service the scheduling app's "
        "booking calls; the scheduling app's guards may refuse (409) when a technician must be "
        "booked on the board instead.",
        request=s.WorkOrderScheduleInputSerializer,
        responses=responses({200: s.WorkOrderDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk):
        return self._move(
            lambda o, d: services.workorder_schedule(work_order=o, actor=request.user, **d),
            s.WorkOrderScheduleInputSerializer,
        )

    @extend_schema(
        summary="Take the visit off the plan (back to new)",
        request=s.WorkOrderReasonInputSerializer,
        responses=responses({200: s.WorkOrderDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def unschedule(self, request, pk):
        return self._move(
            lambda o, d: services.workorder_unschedule(work_order=o, actor=request.user, **d),
            s.WorkOrderReasonInputSerializer,
        )

    @extend_schema(
        summary="Dispatch the scheduled visit (a carrier dispatch needs consent: 409 without)",
        request=s.WorkOrderNoteInputSerializer,
        responses=responses({200: s.WorkOrderDetailSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_visit(self, request, pk):
        # Not `dispatch`: that name is the view's own request handler.
        return self._move(
            lambda o, d: services.workorder_dispatch(work_order=o, actor=request.user, **d),
            s.WorkOrderNoteInputSerializer,
        )

    @extend_schema(
        summary="The technician is on the way",
        request=s.WorkOrderNoteInputSerializer,
        responses=responses({200: s.WorkOrderDetailSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def travel(self, request, pk):
        return self._move(
            lambda o, d: services.workorder_start_travel(work_order=o, actor=request.user, **d),
            s.WorkOrderNoteInputSerializer,
        )

    @extend_schema(
        summary="The technician is on site",
        request=s.WorkOrderNoteInputSerializer,
        responses=responses({200: s.WorkOrderDetailSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk):
        return self._move(
            lambda o, d: services.workorder_arrive(work_order=o, actor=request.user, **d)
        )

    @extend_schema(
        summary="Complete the visit: notes, resolution code, signer; the checklist answered",
        request=s.WorkOrderCompleteInputSerializer,
        responses=responses({200: s.WorkOrderDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk):
        return self._move(
            lambda o, d: services.workorder_complete(work_order=o, actor=request.user, **d),
            s.WorkOrderCompleteInputSerializer,
        )

    @extend_schema(
        summary="The visit could not finish: the reason; a return visit or carry-forward",
        request=s.WorkOrderIncompleteInputSerializer,
        responses=responses({200: s.WorkOrderDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def incomplete(self, request, pk):
        return self._move(
            lambda o, d: services.workorder_incomplete(work_order=o, actor=request.user, **d),
            s.WorkOrderIncompleteInputSerializer,
        )

    @extend_schema(
        summary="Close a completed or incomplete work order",
        request=s.WorkOrderReasonInputSerializer,
        responses=responses({200: s.WorkOrderDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk):
        return self._move(
            lambda o, d: services.workorder_close(work_order=o, actor=request.user, **d),
            s.WorkOrderReasonInputSerializer,
        )

    @extend_schema(
        summary="Cancel work that has not started on site, with the reason",
        request=s.WorkOrderCancelInputSerializer,
        responses=responses({200: s.WorkOrderDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk):
        return self._move(
            lambda o, d: services.workorder_cancel(work_order=o, actor=request.user, **d),
            s.WorkOrderCancelInputSerializer,
        )

    @extend_schema(
        summary="Answer one checklist question (again, to change the answer)",
        request=s.WorkChecklistAnswerInputSerializer,
        responses=responses({200: s.WorkOrderDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def checklist(self, request, pk):
        return self._move(
            lambda o, d: (
                services.workorder_checklist_answer(
                    work_order=o, actor=request.user, **d
                ).work_order
            ),
            s.WorkChecklistAnswerInputSerializer,
        )

    @extend_schema(
        summary="Add a task to the visit",
        request=s.WorkOrderTaskInputSerializer,
        responses=responses({201: s.WorkOrderDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def tasks(self, request, pk):
        order = self.get_object()
        data = self.parse(s.WorkOrderTaskInputSerializer)
        services.workorder_task_add(work_order=order, actor=request.user, **data)
        return self._done(order, status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="workorders_task_done",
        summary="Tick (or untick) a task",
        request=s.WorkOrderTaskDoneInputSerializer,
        responses=responses({200: s.WorkOrderDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"], url_path="tasks/<int:task_pk>")
    def task_done(self, request, pk, task_pk):
        order = self.get_object()
        task = get_object_or_404(WorkOrderTask, pk=task_pk, work_order=order)
        data = self.parse(s.WorkOrderTaskDoneInputSerializer)
        services.workorder_task_set_done(task=task, done=data["done"], actor=request.user)
        return self._done(order)

    @extend_schema(
        summary="Record a part or labour used",
        request=s.WorkOrderLineInputSerializer,
        responses=responses({201: s.WorkOrderDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def lines(self, request, pk):
        order = self.get_object()
        data = self.parse(s.WorkOrderLineInputSerializer)
        services.workorder_line_add(work_order=order, actor=request.user, **data)
        return self._done(order, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a part or labour line entered by mistake",
        request=None,
        responses=responses({204: None}, 404, 409),
    )
    @action(detail=True, methods=["delete"], url_path="lines/<int:line_pk>")
    def line_remove(self, request, pk, line_pk):
        order = self.get_object()
        line = get_object_or_404(WorkOrderLine, pk=line_pk, work_order=order)
        services.workorder_line_remove(line=line, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="After-visit calls (open first by due time)"),
    retrieve=extend_schema(
        summary="An after-visit call", responses=responses({200: s.FollowUpSerializer}, 404)
    ),
)
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _WorkOrdersViewSet):
    """The calls a coordinator makes after a completed visit."""

    serializer_class = s.FollowUpSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW, "done": EDIT}
    filterset_fields = ["status", "work_order"]
    ordering_fields = ["due_at", "done_at"]
    ordering = ["due_at", "id"]

    def get_queryset(self):
        return selectors.followups_visible_to(self.request.user).select_related(
            "work_order", "done_by"
        )

    @extend_schema(
        summary="Record the call: what the customer said (once)",
        request=s.FollowUpDoneInputSerializer,
        responses=responses({200: s.FollowUpSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def done(self, request, pk):
        follow_up = self.get_object()
        data = self.parse(s.FollowUpDoneInputSerializer)
        follow_up = services.followup_complete(follow_up=follow_up, actor=request.user, **data)
        return self.render(self.get_queryset().get(pk=follow_up.pk))


@extend_schema_view(list=extend_schema(summary="Maintenance plans with overdue counts"))
class MaintenancePlanViewSet(mixins.ListModelMixin, _WorkOrdersViewSet):
    """Preventive-maintenance plans on agreements or equipment, and their visits."""

    serializer_class = s.MaintenancePlanSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": PM,
        "partial_update": PM,
        "generate": PM,
    }
    filterset_class = MaintenancePlanFilterSet
    ordering_fields = ["name", "created_at", "start_date"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return selectors.plan_list(user=self.request.user).prefetch_related("required_skills")

    def get_detail(self, pk: int):
        plan = get_object_or_404(self.get_queryset(), pk=pk)
        today = timezone.localdate()
        plan.recent_visits = list(
            plan.visits.select_related("work_order__account__customer", "work_order__location")
            .prefetch_related("work_order__required_skills")
            .order_by("-due_date")[:50]
        )
        for visit in plan.recent_visits:
            visit.overdue = (
                visit.outcome == VisitOutcome.PLANNED
                and visit.due_date < today
                and visit.work_order.status in OPEN_STATUSES
            )
        return plan

    @extend_schema(
        summary="A plan with its latest visits (overdue flagged)",
        responses=responses({200: s.MaintenancePlanDetailSerializer}, 404),
    )
    def retrieve(self, request, pk):
        return self.render(self.get_detail(pk), s.MaintenancePlanDetailSerializer)

    @extend_schema(
        summary="Put an agreement or equipment on a plan (its visits are generated at once)",
        request=s.MaintenancePlanCreateInputSerializer,
        responses=responses({201: s.MaintenancePlanDetailSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.MaintenancePlanCreateInputSerializer)
        plan = maintenance.pm_plan_create(actor=request.user, **data)
        return self.render(
            self.get_detail(plan.pk),
            s.MaintenancePlanDetailSerializer,
            status_code=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Change a plan (applies to visits generated from now on); active=false ends it",
        request=s.MaintenancePlanUpdateInputSerializer,
        responses=responses({200: s.MaintenancePlanDetailSerializer}, 400, 404, 409),
    )
    def partial_update(self, request, pk):
        plan = get_object_or_404(self.get_queryset(), pk=pk)
        data = self.parse(s.MaintenancePlanUpdateInputSerializer)
        maintenance.pm_plan_update(plan=plan, actor=request.user, **data)
        return self.render(self.get_detail(plan.pk), s.MaintenancePlanDetailSerializer)

    @extend_schema(
        summary="Generate the plan's visits up to the horizon now",
        request=s.WorkOrderNoteInputSerializer,
        responses=responses({200: s.MaintenanceGenerateResultSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def generate(self, request, pk):
        plan = get_object_or_404(self.get_queryset(), pk=pk)
        data = self.parse(s.WorkOrderNoteInputSerializer)
        counts = maintenance.generate_now(plan=plan, actor=request.user, **data)
        return self.render(counts, s.MaintenanceGenerateResultSerializer)


# --- Reference lists ------------------------------------------------------------------------


class _ReferenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _WorkOrdersViewSet):
    capabilities = {"list": VIEW, "retrieve": VIEW}
    filter_backends = [DjangoFilterBackend]


@extend_schema_view(
    list=extend_schema(summary="Skills work orders require and technicians hold"),
    retrieve=extend_schema(summary="A skill", responses=responses({200: s.SkillSerializer}, 404)),
)
class SkillViewSet(_ReferenceViewSet):
    serializer_class = s.SkillSerializer
    queryset = Skill.objects.all()
    filterset_fields = ["active"]


@extend_schema_view(
    list=extend_schema(summary="Active work-order resolution codes"),
    retrieve=extend_schema(
        summary="A resolution code", responses=responses({200: s.CompletionCodeSerializer}, 404)
    ),
)
class CompletionCodeViewSet(_ReferenceViewSet):
    serializer_class = s.CompletionCodeSerializer
    queryset = CompletionCode.objects.filter(active=True)


@extend_schema_view(
    list=extend_schema(summary="Active checklists per work-order type, with their questions"),
    retrieve=extend_schema(
        summary="A work-order checklist",
        responses=responses({200: s.WorkChecklistSerializer}, 404),
    ),
)
class WorkChecklistViewSet(_ReferenceViewSet):
    serializer_class = s.WorkChecklistSerializer
    queryset = WorkChecklist.objects.filter(active=True).prefetch_related(
        Prefetch("items", queryset=WorkChecklistItem.objects.order_by("position", "id"))
    )
    filterset_fields = ["work_type"]


# --- The account page, with the account's open work orders --------------------------------------


def account_open_work_orders(*, request, account):
    """The 360 view's open work orders, most urgent first (registered in workorders.apps)."""
    orders = selectors.open_workorders_for_account(user=request.user, account_id=account.pk)
    prefetch_related_objects(orders, "required_skills")
    for order in orders:
        order.account = account  # already loaded with its customer; no query per order
    return orders
