"""The scheduling API: technicians, territories, subcontractors, time off, appointment
offers and booking, appointments with their dispatch and field moves, the board's day data,
the day optimizer, and the technician's calendar feed.

Every view parses with an input serializer and calls a scheduling service with
`actor=request.user`; querysets start from the scheduling selectors, so a technician or a
subcontractor asking for someone else's job gets a 404.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import slug_re
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from servicebook.core.api.schema import responses
from servicebook.core.api.viewsets import ServiceViewSet
from servicebook.core.errors import ValidationFailed
from servicebook.users.roles import Cap
from servicebook.workorders.models import Skill
from servicebook.workorders.selectors import workorders_visible_to

from .. import feeds, planning, selectors, services
from ..board import board_day
from ..filtersets import AppointmentFilterSet
from ..models import (
    OptimizerRun,
    Technician,
    TechnicianSkill,
    Territory,
    TimeOff,
)
from ..offers import OfferRequest, find_offers, request_for_work_order
from . import serializers as s

# Actions that take no input still document a body: an empty JSON object (or none at all).
EMPTY_BODY = OpenApiTypes.OBJECT

JOBS, VIEW, BOOK = Cap.SCHEDULING_JOBS, Cap.SCHEDULING_VIEW, Cap.SCHEDULING_BOOK
DISPATCH, MANAGE, FIELD = Cap.SCHEDULING_DISPATCH, Cap.SCHEDULING_MANAGE, Cap.SCHEDULING_FIELD


# --- Technicians ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Technicians (a technician sees themself, a subcontractor its crew)"
    ),
    retrieve=extend_schema(
        summary="A technician", responses=responses({200: s.TechnicianSerializer}, 404)
    ),
)
class TechnicianViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    serializer_class = s.TechnicianSerializer
    capabilities = {
        "list": JOBS,
        "retrieve": JOBS,
        "create": MANAGE,
        "partial_update": MANAGE,
        "shifts": MANAGE,
        "documents": MANAGE,
    }
    filterset_fields = ["kind", "active", "branch", "subcontractor"]
    ordering_fields = ["last_name", "first_name"]
    ordering = ["last_name", "first_name", "id"]

    def get_queryset(self):
        return (
            selectors.technicians_visible_to(self.request.user)
            .select_related("branch", "subcontractor")
            .prefetch_related(
                "shifts",
                Prefetch("skills", queryset=TechnicianSkill.objects.select_related("skill")),
            )
        )

    def _fresh(self, pk):
        return self.get_queryset().get(pk=pk)

    @extend_schema(
        summary="Add a technician",
        request=s.TechnicianInputSerializer,
        responses=responses({201: s.TechnicianSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.TechnicianInputSerializer)
        skills = data.pop("skills", None)
        tech = services.technician_create(actor=request.user, **data)
        if skills is not None:
            services.technician_set_skills(technician=tech, skills=skills, actor=request.user)
        return self.render(self._fresh(tech.pk), status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a technician's details, home base, zone, costs, skills or active",
        request=s.TechnicianUpdateSerializer,
        responses=responses({200: s.TechnicianSerializer}, 400, 404),
    )
    def partial_update(self, request, pk):
        tech = self.get_object()
        data = self.parse(s.TechnicianUpdateSerializer)
        skills = data.pop("skills", None)
        if data:
            services.technician_update(technician=tech, actor=request.user, **data)
        if skills is not None:
            services.technician_set_skills(technician=tech, skills=skills, actor=request.user)
        return self.render(self._fresh(tech.pk))

    @extend_schema(
        summary="Set the weekly shifts (the days given; a day without hours is a day off)",
        request=s.ShiftsInputSerializer,
        responses=responses({200: s.TechnicianSerializer}, 400, 404),
    )
    @action(detail=True, methods=["post"])
    def shifts(self, request, pk):
        tech = self.get_object()
        data = self.parse(s.ShiftsInputSerializer)
        week = {}
        for day in data["days"]:
            if day.get("start") is None and day.get("end") is None:
                week[day["weekday"]] = None
            else:
                week[day["weekday"]] = (
                    day.get("start"),
                    day.get("end"),
                    day.get("break_start"),
                    day.get("break_minutes", 0),
                )
        services.shifts_set_week(technician=tech, week=week, actor=request.user)
        return self.render(self._fresh(tech.pk))

    @extend_schema(
        summary="Record an insurance certificate or license of the technician",
        request=s.DocumentInputSerializer,
        responses=responses({201: s.DocumentSerializer}, 400, 404),
    )
    @action(detail=True, methods=["post"])
    def documents(self, request, pk):
        tech = self.get_object()
        data = self.parse(s.DocumentInputSerializer)
        doc = services.document_add(technician=tech, actor=request.user, **data)
        return self.render(doc, s.DocumentSerializer, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Subcontractor companies with their documents"),
    retrieve=extend_schema(
        summary="A subcontractor company",
        responses=responses({200: s.SubcontractorSerializer}, 404),
    ),
)
class SubcontractorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    serializer_class = s.SubcontractorSerializer
    capabilities = {"list": JOBS, "retrieve": JOBS, "documents": MANAGE}
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["active"]

    def get_queryset(self):
        return selectors.subcontractors_visible_to(self.request.user).prefetch_related("documents")

    @extend_schema(
        summary="Record an insurance certificate or license of the company",
        request=s.DocumentInputSerializer,
        responses=responses({201: s.DocumentSerializer}, 400, 404),
    )
    @action(detail=True, methods=["post"])
    def documents(self, request, pk):
        company = self.get_object()
        data = self.parse(s.DocumentInputSerializer)
        doc = services.document_add(subcontractor=company, actor=request.user, **data)
        return self.render(doc, s.DocumentSerializer, status_code=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="Time off (absences)"))
class TimeOffViewSet(mixins.ListModelMixin, ServiceViewSet):
    serializer_class = s.TimeOffSerializer
    capabilities = {"list": VIEW, "create": MANAGE, "destroy": MANAGE}
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["technician", "kind"]

    def get_queryset(self):
        return TimeOff.objects.filter(
            technician__in=selectors.technicians_visible_to(self.request.user)
        ).order_by("starts_at", "id")

    @extend_schema(
        summary="Record time off (refused over live appointments: move them first)",
        request=s.TimeOffInputSerializer,
        responses=responses({201: s.TimeOffSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.TimeOffInputSerializer)
        row = services.time_off_add(actor=request.user, **data)
        return self.render(row, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Cancel time off", responses=responses({204: None}, 404))
    def destroy(self, request, pk):
        services.time_off_cancel(time_off=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Territories"),
    retrieve=extend_schema(
        summary="A territory", responses=responses({200: s.TerritorySerializer}, 404)
    ),
)
class TerritoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    serializer_class = s.TerritorySerializer
    capabilities = {"list": VIEW, "retrieve": VIEW, "create": MANAGE, "partial_update": MANAGE}
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["active", "code"]

    def get_queryset(self):
        return selectors.territories_visible_to(self.request.user).prefetch_related(
            "technicians", "branches"
        )

    @extend_schema(
        summary="Add a territory (postal codes and/or GeoJSON polygons)",
        request=s.TerritoryInputSerializer,
        responses=responses({201: s.TerritorySerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.TerritoryInputSerializer)
        territory = services.territory_save(actor=request.user, **data)
        return self.render(territory, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a territory",
        request=s.TerritoryUpdateSerializer,
        responses=responses({200: s.TerritorySerializer}, 400, 404),
    )
    def partial_update(self, request, pk):
        territory = self.get_object()
        data = self.parse(s.TerritoryUpdateSerializer)
        territory = services.territory_save(territory=territory, actor=request.user, **data)
        return self.render(territory)


# --- Offers -------------------------------------------------------------------------------------


class OfferViewSet(ServiceViewSet):
    """GET /api/scheduling/offers/?... : the best windows for a request."""

    capabilities = {"list": BOOK}
    filter_backends = []
    pagination_class = None

    @extend_schema(
        summary="Appointment offers: the best windows for a work order, or for a place, "
        "skills and duration",
        parameters=[s.OfferQuerySerializer],
        responses=responses({200: s.OfferResultSerializer}, 400, 404),
    )
    def list(self, request):
        data = self.parse(s.OfferQuerySerializer, data=request.query_params)
        unknown = set(request.query_params) - set(s.OfferQuerySerializer().fields)
        if unknown:
            raise ValidationFailed({sorted(unknown)[0]: ["Unknown parameter."]})
        today = selectors.local_date(timezone.now())
        start = data.get("date_from")
        end = data.get("date_to")
        if start and end and end < start:
            raise ValidationFailed({"date_to": ["The range ends before it starts."]})
        days = settings.SCHEDULING_OFFER_MAX_DAYS
        if start and end and (end - start).days >= days:
            raise ValidationFailed({"date_to": [f"At most {days} days at a time."]})
        territory = None
        if data.get("territory"):
            territory = get_object_or_404(Territory, code=data["territory"], active=True)
        if data.get("work_order"):
            work_order = get_object_or_404(
                workorders_visible_to(request.user).select_related("location"),
                pk=data["work_order"],
            )
            req = request_for_work_order(work_order, start_date=start, end_date=end)
            if territory is not None:
                req = OfferRequest(**{**req.__dict__, "territory": territory})
        else:
            if not data.get("duration"):
                raise ValidationFailed({"duration": ["Give the job's length in minutes."]})
            if data.get("latitude") is None and not data.get("postal_code") and not territory:
                raise ValidationFailed(
                    {"latitude": ["Give the place: coordinates, a postal code or a territory."]}
                )
            codes = [c.strip() for c in (data.get("skills") or "").split(",") if c.strip()]
            skills = dict(Skill.objects.filter(code__in=codes).values_list("code", "pk"))
            missing = sorted(set(codes) - set(skills))
            if missing:
                raise ValidationFailed({"skills": [f"Unknown skill {missing[0]}."]})
            start = max(start or today, today)
            req = OfferRequest(
                duration_minutes=data["duration"],
                start_date=start,
                end_date=max(end or start + dt.timedelta(days=days - 1), start),
                latitude=float(data["latitude"]) if data.get("latitude") is not None else None,
                longitude=float(data["longitude"]) if data.get("longitude") is not None else None,
                postal_code=data.get("postal_code", ""),
                skill_ids=frozenset(skills.values()),
                territory=territory,
            )
            if (req.latitude is None) != (req.longitude is None):
                raise ValidationFailed({"longitude": ["Give both coordinates."]})
        result = find_offers(req)
        body = {
            "offers": [o.__dict__ for o in result.offers],
            "technicians_considered": result.technicians_considered,
            "territories": [t.code for t in result.territories],
            "notes": result.notes,
        }
        return Response(s.OfferResultSerializer(body).data)


# --- Appointments -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Appointments (field users: their own)"),
    retrieve=extend_schema(
        summary="An appointment", responses=responses({200: s.AppointmentSerializer}, 404)
    ),
)
class AppointmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    serializer_class = s.AppointmentSerializer
    filterset_class = AppointmentFilterSet
    ordering_fields = ["starts_at"]
    ordering = ["starts_at", "id"]
    capabilities = {
        "list": JOBS,
        "retrieve": JOBS,
        "create": BOOK,
        "move": BOOK,
        "unassign": DISPATCH,
        "lock": DISPATCH,
        "dispatch_job": DISPATCH,
        "emergency": DISPATCH,
        "travel": FIELD,
        "arrive": FIELD,
        "complete": FIELD,
        "incomplete": FIELD,
    }

    def get_queryset(self):
        return selectors.appointments_visible_to(self.request.user).select_related(
            "technician", "work_order__location", "work_order__account__customer"
        )

    def _done(self, appointment, status_code=status.HTTP_200_OK):
        return self.render(self.get_queryset().get(pk=appointment.pk), status_code=status_code)

    @extend_schema(
        summary="Book: give a work order to a technician at a time (the slot is taken "
        "atomically; 409 double_booking if it was taken meanwhile)",
        request=s.BookInputSerializer,
        responses=responses({201: s.AppointmentSerializer}, 400, 409),
    )
    def create(self, request):
        data = self.parse(s.BookInputSerializer)
        get_object_or_404(workorders_visible_to(request.user), pk=data["work_order"].pk)
        appointment = services.appointment_book(source="api", actor=request.user, **data)
        return self._done(appointment, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move to another time and/or technician",
        request=s.MoveInputSerializer,
        responses=responses({200: s.AppointmentSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk):
        appointment = self.get_object()
        data = self.parse(s.MoveInputSerializer)
        moved = services.appointment_move(
            appointment=appointment, source="api", actor=request.user, **data
        )
        return self._done(moved)

    @extend_schema(
        summary="Unassign: the work order goes back to the unassigned list",
        request=s.ReasonInputSerializer,
        responses=responses({200: s.AppointmentSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def unassign(self, request, pk):
        appointment = self.get_object()
        data = self.parse(s.ReasonInputSerializer)
        services.appointment_unassign(appointment=appointment, actor=request.user, **data)
        return self._done(appointment)

    @extend_schema(
        summary="Pin to the technician (the optimizer keeps it) or unpin",
        request=s.LockInputSerializer,
        responses=responses({200: s.AppointmentSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def lock(self, request, pk):
        appointment = self.get_object()
        data = self.parse(s.LockInputSerializer)
        services.appointment_set_locked(appointment=appointment, actor=request.user, **data)
        return self._done(appointment)

    @extend_schema(
        summary="Dispatch to the technician (refused with an expired insurance or license)",
        request=EMPTY_BODY,
        responses=responses({200: s.AppointmentSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_job(self, request, pk):
        # Not `dispatch`: that name is the view's own request entry point.
        appointment = self.get_object()
        self.parse(s.EmptyInputSerializer)
        services.appointment_dispatch(appointment=appointment, actor=request.user)
        return self._done(appointment)

    @extend_schema(
        summary="Insert an emergency on a technician's day now, pushing later jobs",
        request=s.EmergencyInputSerializer,
        responses=responses({201: s.AppointmentSerializer}, 400, 409),
    )
    @action(detail=False, methods=["post"])
    def emergency(self, request):
        data = self.parse(s.EmergencyInputSerializer)
        get_object_or_404(workorders_visible_to(request.user), pk=data["work_order"].pk)
        appointment, _ = services.appointment_insert_emergency(actor=request.user, **data)
        return self._done(appointment, status.HTTP_201_CREATED)

    @extend_schema(
        summary="On my way",
        request=EMPTY_BODY,
        responses=responses({200: s.AppointmentSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def travel(self, request, pk):
        appointment = self.get_object()
        self.parse(s.EmptyInputSerializer)
        services.appointment_start_travel(appointment=appointment, actor=request.user)
        return self._done(appointment)

    @extend_schema(
        summary="Arrived on site",
        request=EMPTY_BODY,
        responses=responses({200: s.AppointmentSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk):
        appointment = self.get_object()
        self.parse(s.EmptyInputSerializer)
        services.appointment_arrive(appointment=appointment, actor=request.user)
        return self._done(appointment)

    @extend_schema(
        summary="Complete: notes, parts and labour, how it ended, the signer",
        request=s.CompleteInputSerializer,
        responses=responses({200: s.AppointmentSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk):
        appointment = self.get_object()
        data = self.parse(s.CompleteInputSerializer)
        lines = [services.UsedLine(**line) for line in data.pop("lines", [])]
        services.appointment_complete(
            appointment=appointment, lines=lines, actor=request.user, **data
        )
        return self._done(appointment)

    @extend_schema(
        summary="Could not finish, with the reason",
        request=s.IncompleteInputSerializer,
        responses=responses({200: s.AppointmentSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def incomplete(self, request, pk):
        appointment = self.get_object()
        data = self.parse(s.IncompleteInputSerializer)
        services.appointment_incomplete(appointment=appointment, actor=request.user, **data)
        return self._done(appointment)


# --- The board and the optimizer ------------------------------------------------------------


class BoardViewSet(ServiceViewSet):
    """GET /api/scheduling/board/?date=&territory= : the board's day data."""

    capabilities = {"list": VIEW}
    filter_backends = []
    pagination_class = None

    @extend_schema(
        summary="The dispatch board of a day: technicians with their shifts and jobs, the "
        "unassigned work, and the change token",
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, required=False),
            OpenApiParameter("territory", OpenApiTypes.STR, required=False, description="Code"),
        ],
        responses=responses({200: s.BoardSerializer}, 400, 404),
    )
    def list(self, request):
        raw = request.query_params.get("date", "")
        try:
            date = dt.date.fromisoformat(raw) if raw else selectors.local_date(timezone.now())
        except ValueError as exc:
            raise ValidationFailed({"date": ["Give a date as YYYY-MM-DD."]}) from exc
        territory = None
        code = request.query_params.get("territory", "")
        if code:
            # Codes are slugs; anything else (a NUL byte breaks PostgreSQL's comparison)
            # is named as bad input rather than looked up.
            if len(code) > 30 or not slug_re.match(code):
                raise ValidationFailed({"territory": ["Give a territory code."]})
            territory = get_object_or_404(Territory, code=code)
        board = board_day(date, territory)
        return Response(s.BoardSerializer(board).data)


@extend_schema_view(
    list=extend_schema(summary="Optimizer proposals"),
    retrieve=extend_schema(
        summary="An optimizer proposal", responses=responses({200: s.OptimizerRunSerializer}, 404)
    ),
)
class OptimizerRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    serializer_class = s.OptimizerRunSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": DISPATCH,
        "accept": DISPATCH,
        "discard": DISPATCH,
    }
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["date", "status"]

    def get_queryset(self):
        if not selectors.is_staff_viewer(self.request.user):
            return OptimizerRun.objects.none()
        return OptimizerRun.objects.order_by("-created_at", "-id")

    @extend_schema(
        summary="Run the day optimizer for a date (and a territory); nothing changes until "
        "the proposal is accepted",
        request=s.RunInputSerializer,
        responses=responses({201: s.OptimizerRunSerializer}, 400, 404),
    )
    def create(self, request):
        data = self.parse(s.RunInputSerializer)
        territory = None
        if data.get("territory"):
            territory = get_object_or_404(Territory, code=data["territory"])
        result = planning.optimizer_run(
            date=data["date"],
            territory=territory,
            seconds=data.get("seconds"),
            actor=request.user,
        )
        return self.render(result.run, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Accept the proposal: every assignment applied at once (409 if the board "
        "changed since)",
        request=EMPTY_BODY,
        responses=responses({200: s.OptimizerRunSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk):
        run = self.get_object()
        self.parse(s.EmptyInputSerializer)
        planning.optimizer_accept(run=run, actor=request.user)
        run.refresh_from_db()
        return self.render(run)

    @extend_schema(
        summary="Discard the proposal",
        request=EMPTY_BODY,
        responses=responses({200: s.OptimizerRunSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def discard(self, request, pk):
        run = self.get_object()
        self.parse(s.EmptyInputSerializer)
        run = planning.optimizer_discard(run=run, actor=request.user)
        return self.render(run)


# --- The calendar feed -------------------------------------------------------------------------


class ICalendarRenderer(BaseRenderer):
    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes | str) else b""


class AlwaysICalendar(BaseContentNegotiation):
    """Calendar apps send all sorts of Accept headers; the feed is always iCalendar."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CalendarFeedViewSet(viewsets.GenericViewSet):
    """A technician's jobs as an iCalendar feed. The URL's token is the secret (calendar
    apps subscribe without logging in); a coordinator renews it from the technician's page
    when it leaks. Unknown tokens are 404."""

    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [ICalendarRenderer]
    content_negotiation_class = AlwaysICalendar
    lookup_field = "token"
    lookup_value_converter = "str"
    capabilities: dict[str, str] = {}

    @extend_schema(
        summary="A technician's calendar feed (iCalendar, RFC 5545); the token is the secret",
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR, description="The feed"),
            404: OpenApiResponse(description="No such feed"),
        },
        auth=[],
    )
    def retrieve(self, request, token):
        if len(token) > 64:
            return HttpResponse(status=404)
        tech = Technician.objects.filter(calendar_token=token, active=True).first()
        if tech is None:
            return HttpResponse("No such calendar.", status=404, content_type="text/plain")
        body = feeds.technician_feed(tech, base_url=request.build_absolute_uri("/"))
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="jobs.ics"'
        response["Cache-Control"] = "private, max-age=300"
        return response


__all__ = [
    "AppointmentViewSet",
    "BoardViewSet",
    "CalendarFeedViewSet",
    "OfferViewSet",
    "OptimizerRunViewSet",
    "SubcontractorViewSet",
    "TechnicianViewSet",
    "TerritoryViewSet",
    "TimeOffViewSet",
]
