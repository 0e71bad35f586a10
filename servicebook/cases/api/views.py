"""The cases API: cases and their actions, consents, and the reference lists a client
needs to drive them (queues, resolution codes, canned responses, checklists).

Each action parses with an input serializer, calls one cases service with
`actor=request.user` and renders the case again. An action the case's state does not
allow is a 409 from the service (InvalidTransition) and changes nothing.
"""

from __future__ import annotations

from django.db.models import Case as SqlCase
from django.db.models import F, Prefetch, Value, When, prefetch_related_objects
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter

from servicebook.core.api.schema import responses
from servicebook.core.api.viewsets import ServiceViewSet
from servicebook.customers.selectors import accounts_visible_to
from servicebook.users.roles import Cap

from .. import selectors, services
from ..choices import PRIORITY_RANK
from ..filtersets import CaseFilterSet
from ..models import (
    CannedResponse,
    CaseEvent,
    CaseNote,
    ChecklistItem,
    ChecklistTemplate,
    ConsentRecord,
    Queue,
    ResolutionCode,
)
from . import serializers as s

VIEW, WORK, ESCALATE = Cap.CASES_VIEW, Cap.CASES_WORK, Cap.CASES_ESCALATE


class CaseOrderingFilter(OrderingFilter):
    """Ordering with two fixes over DRF's: `priority` orders by urgency (urgent first, not
    alphabetically), and empty dates sort last on both databases. The id breaks ties, so
    pages never repeat or skip a case."""

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        terms = []
        for term in ordering:
            name = term.lstrip("-")
            expr = F("priority_rank" if name == "priority" else name)
            terms.append(
                expr.desc(nulls_last=True) if term.startswith("-") else expr.asc(nulls_last=True)
            )
        return queryset.order_by(*terms, "-id")


def _priority_rank():
    return SqlCase(
        *[When(priority=p, then=Value(rank)) for p, rank in PRIORITY_RANK.items()],
        default=Value(len(PRIORITY_RANK)),
    )


@extend_schema_view(list=extend_schema(summary="List cases"))
class CaseViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Cases and trouble tickets, with every lifecycle action."""

    serializer_class = s.CaseSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": WORK,
        "notes": WORK,
        "transition": WORK,
        # Taking a case yourself needs only cases.work; case_assign requires cases.assign
        # for anyone else or for a queue.
        "assign": WORK,
        "escalate": ESCALATE,
        "resolve": WORK,
        "close": WORK,
        # A resolved case reopens with cases.work; case_reopen requires cases.reopen for a
        # closed one.
        "reopen": WORK,
        "priority": WORK,
        "checklist": WORK,
        "contact": WORK,
    }
    filterset_class = CaseFilterSet
    filter_backends = [DjangoFilterBackend, CaseOrderingFilter]
    ordering_fields = ["created_at", "resolution_due", "priority", "updated_at"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return (
            selectors.cases_visible_to(self.request.user)
            .select_related("account__customer", "queue", "assignee")
            .annotate(priority_rank=_priority_rank())
        )

    def get_case_detail(self, pk: int):
        """The case with its timeline, diagnostics and consents."""
        case = selectors.case_get(user=self.request.user, pk=pk)
        case.checklist = selectors.checklist_for(case=case)
        prefetch_related_objects(
            [case],
            Prefetch("notes", queryset=CaseNote.objects.select_related("author")),
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
            Prefetch("consents", queryset=ConsentRecord.objects.select_related("recorded_by")),
        )
        return case

    def _done(self, case, status_code: int = status.HTTP_200_OK):
        return self.render(
            self.get_case_detail(case.pk), s.CaseDetailSerializer, status_code=status_code
        )

    @extend_schema(
        summary="A case with its SLA clock, notes, events, checklist and consents",
        responses=responses({200: s.CaseDetailSerializer}, 404),
    )
    def retrieve(self, request, pk):
        return self.render(self.get_case_detail(pk), s.CaseDetailSerializer)

    @extend_schema(
        summary="Open a case on an account",
        request=s.CaseOpenInputSerializer,
        responses=responses({201: s.CaseDetailSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.CaseOpenInputSerializer)
        case = services.case_open(actor=request.user, **data)
        return self._done(case, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a note (internal, or a reply the customer sees)",
        request=s.CaseNoteInputSerializer,
        responses=responses({201: s.CaseNoteSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, pk):
        case = self.get_object()
        data = self.parse(s.CaseNoteInputSerializer)
        note = services.case_add_note(
            case=case,
            body=data.get("body", ""),
            visibility=data["visibility"],
            canned_response=data.get("canned_response"),
            actor=request.user,
        )
        return self.render(note, s.CaseNoteSerializer, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move the case between new, open and the waiting states",
        request=s.CaseTransitionInputSerializer,
        responses=responses({200: s.CaseDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk):
        case = self.get_object()
        data = self.parse(s.CaseTransitionInputSerializer)
        case = services.case_transition(
            case=case, to_status=data["status"], reason=data.get("reason", ""), actor=request.user
        )
        return self._done(case)

    @extend_schema(
        summary="Assign the case to a person and/or a queue",
        request=s.CaseAssignInputSerializer,
        responses=responses({200: s.CaseDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk):
        case = self.get_object()
        data = self.parse(s.CaseAssignInputSerializer)
        case = services.case_assign(case=case, actor=request.user, **data)
        return self._done(case)

    @extend_schema(
        summary="Escalate the case to the next level, with the reason",
        request=s.CaseEscalateInputSerializer,
        responses=responses({200: s.CaseDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk):
        case = self.get_object()
        data = self.parse(s.CaseEscalateInputSerializer)
        case = services.case_escalate(case=case, actor=request.user, **data)
        return self._done(case)

    @extend_schema(
        summary="Resolve the case with a resolution code",
        request=s.CaseResolveInputSerializer,
        responses=responses({200: s.CaseDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk):
        case = self.get_object()
        data = self.parse(s.CaseResolveInputSerializer)
        case = services.case_resolve(case=case, actor=request.user, **data)
        return self._done(case)

    @extend_schema(
        summary="Close a resolved case",
        request=s.CaseCloseInputSerializer,
        responses=responses({200: s.CaseDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk):
        case = self.get_object()
        data = self.parse(s.CaseCloseInputSerializer)
        case = services.case_close(case=case, actor=request.user, reason=data.get("reason", ""))
        return self._done(case)

    @extend_schema(
        summary="Reopen a resolved or closed case",
        request=s.CaseReopenInputSerializer,
        responses=responses({200: s.CaseDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk):
        case = self.get_object()
        data = self.parse(s.CaseReopenInputSerializer)
        case = services.case_reopen(case=case, actor=request.user, **data)
        return self._done(case)

    @extend_schema(
        summary="Change the priority (the SLA targets follow)",
        request=s.CasePriorityInputSerializer,
        responses=responses({200: s.CaseDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def priority(self, request, pk):
        case = self.get_object()
        data = self.parse(s.CasePriorityInputSerializer)
        case = services.case_set_priority(case=case, actor=request.user, **data)
        return self._done(case)

    @extend_schema(
        summary="Answer one diagnostics question (again, to change the answer)",
        request=s.ChecklistAnswerInputSerializer,
        responses=responses({200: s.ChecklistAnswerSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def checklist(self, request, pk):
        case = self.get_object()
        data = self.parse(s.ChecklistAnswerInputSerializer)
        answer = services.checklist_answer(case=case, actor=request.user, **data)
        return self.render(answer, s.ChecklistAnswerSerializer)

    @extend_schema(
        summary="Log a contact about the case in one step (account timeline and case note)",
        request=s.CaseContactInputSerializer,
        responses=responses({201: s.CaseNoteSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def contact(self, request, pk):
        case = self.get_object()
        data = self.parse(s.CaseContactInputSerializer)
        note = services.case_log_contact(case=case, actor=request.user, **data)
        return self.render(note, s.CaseNoteSerializer, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List consent records"),
    retrieve=extend_schema(
        summary="A consent record", responses=responses({200: s.ConsentSerializer}, 404)
    ),
)
class ConsentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    """Who agreed (or refused) to what, when and how."""

    serializer_class = s.ConsentSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW, "create": WORK, "revoke": WORK}
    filterset_fields = ["account", "case", "subject", "granted"]
    ordering_fields = ["given_at", "recorded_at"]
    ordering = ["-given_at", "-id"]

    def get_queryset(self):
        return ConsentRecord.objects.filter(
            account__in=accounts_visible_to(self.request.user)
        ).select_related("recorded_by")

    @extend_schema(
        summary="Record a consent (or a refusal)",
        request=s.ConsentInputSerializer,
        responses=responses({201: s.ConsentSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.ConsentInputSerializer)
        record = services.consent_record(actor=request.user, **data)
        return self.render(record, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Withdraw a consent from now on (the record stays)",
        request=None,
        responses=responses({200: s.ConsentSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk):
        record = services.consent_revoke(record=self.get_object(), actor=request.user)
        return self.render(record)


# --- Reference lists ------------------------------------------------------------------------


class _ReferenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    """Active reference rows, readable by anyone who may see cases."""

    capabilities = {"list": VIEW, "retrieve": VIEW}
    filter_backends = [DjangoFilterBackend]


@extend_schema_view(
    list=extend_schema(summary="Active queues with their members"),
    retrieve=extend_schema(summary="A queue", responses=responses({200: s.QueueSerializer}, 404)),
)
class QueueViewSet(_ReferenceViewSet):
    serializer_class = s.QueueSerializer
    queryset = Queue.objects.filter(active=True).prefetch_related("members")


@extend_schema_view(
    list=extend_schema(summary="Active resolution codes"),
    retrieve=extend_schema(
        summary="A resolution code", responses=responses({200: s.ResolutionCodeSerializer}, 404)
    ),
)
class ResolutionCodeViewSet(_ReferenceViewSet):
    serializer_class = s.ResolutionCodeSerializer
    queryset = ResolutionCode.objects.filter(active=True)


@extend_schema_view(
    list=extend_schema(summary="Active canned responses"),
    retrieve=extend_schema(
        summary="A canned response", responses=responses({200: s.CannedResponseSerializer}, 404)
    ),
)
class CannedResponseViewSet(_ReferenceViewSet):
    serializer_class = s.CannedResponseSerializer
    queryset = CannedResponse.objects.filter(active=True)
    filterset_fields = ["case_type"]


@extend_schema_view(
    list=extend_schema(summary="Active diagnostics checklists with their questions"),
    retrieve=extend_schema(
        summary="A diagnostics checklist",
        responses=responses({200: s.ChecklistTemplateSerializer}, 404),
    ),
)
class ChecklistTemplateViewSet(_ReferenceViewSet):
    serializer_class = s.ChecklistTemplateSerializer
    queryset = ChecklistTemplate.objects.filter(active=True).prefetch_related(
        Prefetch("items", queryset=ChecklistItem.objects.order_by("position", "id"))
    )
    filterset_fields = ["case_type"]


# --- The account page, with the account's open cases ------------------------------------------


def account_open_cases(*, request, account):
    """The 360 view's open cases, most urgent first (registered in cases.apps)."""
    cases = selectors.open_cases_for_account(user=request.user, account_id=account.pk)
    for case in cases:
        case.account = account  # already loaded with its customer; no query per case
    return cases
