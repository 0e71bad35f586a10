"""The customers API: customers, accounts (with the 360 view and search) and what hangs off
an account, nested under /api/accounts/{account_pk}/.

Every view parses with an input serializer, calls a customers service with
`actor=request.user`, and renders with an output serializer. Reads start from
selectors.accounts_visible_to / customers_visible_to, so what a user may not see is a 404.
"""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from servicebook.core.api.schema import responses
from servicebook.core.api.viewsets import ServiceViewSet
from servicebook.users.roles import Cap

from .. import selectors, services
from ..filtersets import AccountFilterSet
from ..models import (
    Account,
    AccountAlert,
    Contact,
    ContactPhone,
    Equipment,
    Note,
    Program,
    ProgramEnrollment,
    ServiceAgreement,
    ServiceLocation,
)
from . import serializers as s

VIEW, EDIT, NOTE, ALERTS = (
    Cap.ACCOUNTS_VIEW,
    Cap.ACCOUNTS_EDIT,
    Cap.ACCOUNTS_NOTE,
    Cap.ACCOUNTS_ALERTS,
)


# --- Customers --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List customers"),
    retrieve=extend_schema(
        summary="A customer", responses=responses({200: s.CustomerSerializer}, 404)
    ),
)
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    """Customers: the people and organisations that hold accounts."""

    serializer_class = s.CustomerSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW, "partial_update": EDIT}
    filter_backends = [OrderingFilter]
    ordering_fields = ["display_name", "created_at", "updated_at"]
    ordering = ["display_name", "id"]

    def get_queryset(self):
        return selectors.customers_visible_to(self.request.user)

    @extend_schema(
        summary="Change a customer",
        request=s.CustomerUpdateInputSerializer,
        responses=responses({200: s.CustomerSerializer}, 400, 404),
    )
    def partial_update(self, request, pk):
        customer = self.get_object()
        changes = self.parse(s.CustomerUpdateInputSerializer)
        customer = services.customer_update(customer=customer, actor=request.user, **changes)
        return self.render(customer)


# --- Accounts ---------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="List accounts"))
class AccountViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Accounts: what we bill and serve."""

    serializer_class = s.AccountSerializer
    detail_serializer_class: type[s.AccountDetailSerializer] = s.AccountDetailSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "search": VIEW,
        "create": EDIT,
        "partial_update": EDIT,
        "status": EDIT,
    }
    filterset_class = AccountFilterSet
    ordering_fields = ["number", "opened_on", "status", "created_at", "updated_at"]
    ordering = ["number"]

    def get_queryset(self):
        return selectors.accounts_visible_to(self.request.user).select_related("customer")

    def get_account_detail(self, pk: int) -> Account:
        """The account with everything the 360 view shows (a subclass may add more)."""
        account = selectors.account_get(user=self.request.user, pk=pk)
        # Who pinned an alert and who enrolled the account: one query each, not one per row.
        prefetch_related_objects(account.active_alerts, "created_by")
        prefetch_related_objects(account.open_enrollments, "enrolled_by")
        account.recent_notes = selectors.account_notes(account=account, limit=10)
        return account

    @extend_schema(
        summary="The account page (360 view)",
        description="Customer, locations, contacts with phones and emails, agreements, "
        "equipment, open program enrollments, active alerts and the latest notes.",
        responses=responses({200: s.AccountDetailSerializer}, 404),
    )
    def retrieve(self, request, pk):
        return self.render(self.get_account_detail(pk), self.detail_serializer_class)

    @extend_schema(
        summary="Open an account (new customer, premise and contact in one step)",
        request=s.AccountOpenInputSerializer,
        responses=responses({201: s.AccountDetailSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.AccountOpenInputSerializer)
        location = data.pop("location", None)
        contact = data.pop("contact", None)
        account = services.account_open(
            **data,
            location=services.LocationInput(**location) if location else None,
            contact=_contact_input(contact) if contact else None,
            actor=request.user,
        )
        return self.render(
            self.get_account_detail(account.pk),
            self.detail_serializer_class,
            status_code=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Change an account's class, line of business, jurisdiction or credit",
        request=s.AccountUpdateInputSerializer,
        responses=responses({200: s.AccountSerializer}, 400, 404),
    )
    def partial_update(self, request, pk):
        account = self.get_object()
        changes = self.parse(s.AccountUpdateInputSerializer)
        account = services.account_update(account=account, actor=request.user, **changes)
        return self.render(account)

    @extend_schema(
        summary="Move an account to another status, with the reason",
        request=s.AccountStatusInputSerializer,
        responses=responses({200: s.AccountSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def status(self, request, pk):
        account = self.get_object()
        data = self.parse(s.AccountStatusInputSerializer)
        account = services.account_set_status(account=account, actor=request.user, **data)
        return self.render(account)

    @extend_schema(
        summary="Find accounts by number, name, phone (any format), email or address",
        parameters=[s.SearchQuerySerializer],
        responses=responses({200: s.SearchHitSerializer(many=True)}, 400),
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def search(self, request):
        query = self.parse(s.SearchQuerySerializer, data=request.query_params)
        hits = selectors.account_search(user=request.user, query=query["q"], limit=query["limit"])
        return self.render(hits, s.SearchHitSerializer, many=True)


def _contact_input(data: dict) -> services.ContactInput:
    data = dict(data)
    data.pop("is_primary", None)
    phones = [(p["number"], p["kind"]) for p in data.pop("phones", [])]
    return services.ContactInput(**data, phones=phones)


# --- What hangs off an account ------------------------------------------------------------


class AccountChildViewSet(ServiceViewSet):
    """A viewset nested under /api/accounts/{account_pk}/: the account must be visible to
    the user (404 otherwise), and rows of other accounts are not found here."""

    filter_backends: list = []
    model: type = Account

    def get_account(self) -> Account:
        if not hasattr(self, "_account"):
            self._account = get_object_or_404(
                selectors.accounts_visible_to(self.request.user), pk=self.kwargs["account_pk"]
            )
        return self._account

    def get_queryset(self):
        if self.is_schema_generation():
            return self.model.objects.none()
        return self.model.objects.filter(account=self.get_account())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not self.is_schema_generation() and "account_pk" in self.kwargs:
            context["account"] = self.get_account()
        return context


@extend_schema_view(list=extend_schema(summary="The account's notes, newest first"))
class NoteViewSet(mixins.ListModelMixin, AccountChildViewSet):
    """The account's interaction timeline."""

    model = Note
    serializer_class = s.NoteSerializer
    capabilities = {"list": VIEW, "create": NOTE}

    def get_queryset(self):
        return super().get_queryset().select_related("author").order_by("-occurred_at", "-id")

    @extend_schema(
        summary="Log a contact or an internal note",
        request=s.NoteInputSerializer,
        responses=responses({201: s.NoteSerializer}, 400, 404),
    )
    def create(self, request, account_pk):
        data = self.parse(s.NoteInputSerializer)
        note = services.note_log(account=self.get_account(), actor=request.user, **data)
        return self.render(note, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="The account's contacts"),
    retrieve=extend_schema(
        summary="A contact", responses=responses({200: s.ContactSerializer}, 404)
    ),
)
class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AccountChildViewSet):
    """People we speak to about the account, with their phones and emails."""

    model = Contact
    serializer_class = s.ContactSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": EDIT,
        "partial_update": EDIT,
        "add_phone": EDIT,
        "remove_phone": EDIT,
        "add_email": EDIT,
    }

    def get_queryset(self):
        return super().get_queryset().prefetch_related("phones", "emails")

    @extend_schema(
        summary="Add a contact with phones and emails",
        request=s.ContactCreateInputSerializer,
        responses=responses({201: s.ContactSerializer}, 400, 404),
    )
    def create(self, request, account_pk):
        data = self.parse(s.ContactCreateInputSerializer)
        contact = services.contact_add(
            account=self.get_account(),
            data=_contact_input(data),
            is_primary=data["is_primary"],
            actor=request.user,
        )
        return self.render(
            self.get_queryset().get(pk=contact.pk), status_code=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Change a contact's name, role, preferred channel or do-not-call flag",
        request=s.ContactUpdateInputSerializer,
        responses=responses({200: s.ContactSerializer}, 400, 404),
    )
    def partial_update(self, request, account_pk, pk):
        contact = self.get_object()
        changes = self.parse(s.ContactUpdateInputSerializer)
        services.contact_update(contact=contact, actor=request.user, **changes)
        return self.render(self.get_queryset().get(pk=contact.pk))

    @extend_schema(
        summary="Add a phone number (any format) to a contact",
        request=s.PhoneInputSerializer,
        responses=responses({201: s.PhoneSerializer}, 400, 404),
    )
    @action(detail=True, methods=["post"], url_path="phones")
    def add_phone(self, request, account_pk, pk):
        contact = self.get_object()
        data = self.parse(s.PhoneInputSerializer)
        phone = services.contact_phone_add(
            contact=contact, number=data["number"], kind=data["kind"], actor=request.user
        )
        return self.render(phone, s.PhoneSerializer, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a phone number from a contact",
        request=None,
        responses=responses({204: None}, 404),
    )
    @action(detail=True, methods=["delete"], url_path="phones/<int:phone_pk>")
    def remove_phone(self, request, account_pk, pk, phone_pk):
        contact = self.get_object()
        phone = get_object_or_404(ContactPhone, pk=phone_pk, contact=contact)
        services.contact_phone_remove(phone=phone, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Add an email address to a contact",
        request=s.EmailInputSerializer,
        responses=responses({201: s.EmailSerializer}, 400, 404),
    )
    @action(detail=True, methods=["post"], url_path="emails")
    def add_email(self, request, account_pk, pk):
        contact = self.get_object()
        data = self.parse(s.EmailInputSerializer)
        row = services.contact_email_add(contact=contact, email=data["email"], actor=request.user)
        return self.render(row, s.EmailSerializer, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="The account's service locations"),
    retrieve=extend_schema(
        summary="A service location", responses=responses({200: s.LocationSerializer}, 404)
    ),
)
class LocationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AccountChildViewSet):
    """Premises where we deliver service."""

    model = ServiceLocation
    serializer_class = s.LocationSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW, "create": EDIT, "partial_update": EDIT}

    @extend_schema(
        summary="Add a service location",
        request=s.LocationInputSerializer,
        responses=responses({201: s.LocationSerializer}, 400, 404),
    )
    def create(self, request, account_pk):
        data = self.parse(s.LocationInputSerializer)
        location = services.location_add(
            account=self.get_account(), data=services.LocationInput(**data), actor=request.user
        )
        return self.render(location, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a location's address, coordinates, time zone or notes",
        request=s.LocationUpdateInputSerializer,
        responses=responses({200: s.LocationSerializer}, 400, 404),
    )
    def partial_update(self, request, account_pk, pk):
        location = self.get_object()
        changes = self.parse(s.LocationUpdateInputSerializer, instance=location)
        location = services.location_update(location=location, actor=request.user, **changes)
        return self.render(location)


@extend_schema_view(
    list=extend_schema(summary="The account's service agreements"),
    retrieve=extend_schema(
        summary="A service agreement", responses=responses({200: s.AgreementSerializer}, 404)
    ),
)
class AgreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AccountChildViewSet):
    """What the account buys at a location."""

    model = ServiceAgreement
    serializer_class = s.AgreementSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW, "create": EDIT, "end": EDIT}

    @extend_schema(
        summary="Add a service agreement",
        request=s.AgreementInputSerializer,
        responses=responses({201: s.AgreementSerializer}, 400, 404),
    )
    def create(self, request, account_pk):
        data = self.parse(s.AgreementInputSerializer)
        agreement = services.agreement_add(account=self.get_account(), actor=request.user, **data)
        return self.render(agreement, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="End an agreement on a date",
        request=s.AgreementEndInputSerializer,
        responses=responses({200: s.AgreementSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def end(self, request, account_pk, pk):
        agreement = self.get_object()
        data = self.parse(s.AgreementEndInputSerializer)
        agreement = services.agreement_end(agreement=agreement, actor=request.user, **data)
        return self.render(agreement)


@extend_schema_view(
    list=extend_schema(summary="The account's equipment"),
    retrieve=extend_schema(
        summary="A unit of equipment", responses=responses({200: s.EquipmentSerializer}, 404)
    ),
)
class EquipmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AccountChildViewSet):
    """Units installed at the account's locations."""

    model = Equipment
    serializer_class = s.EquipmentSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW, "create": EDIT}

    @extend_schema(
        summary="Record a unit installed at one of the account's locations",
        request=s.EquipmentInputSerializer,
        responses=responses({201: s.EquipmentSerializer}, 400, 404),
    )
    def create(self, request, account_pk):
        data = self.parse(s.EquipmentInputSerializer)
        item = services.equipment_add(actor=request.user, **data)
        return self.render(item, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="The account's program enrollments, open and ended"),
    retrieve=extend_schema(
        summary="A program enrollment", responses=responses({200: s.EnrollmentSerializer}, 404)
    ),
)
class EnrollmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AccountChildViewSet):
    """The account's memberships of programs."""

    model = ProgramEnrollment
    serializer_class = s.EnrollmentSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW, "create": EDIT, "end": EDIT}

    def get_queryset(self):
        return super().get_queryset().select_related("program", "enrolled_by")

    @extend_schema(
        summary="Enroll the account in a program",
        request=s.EnrollmentInputSerializer,
        responses=responses({201: s.EnrollmentSerializer}, 400, 404),
    )
    def create(self, request, account_pk):
        data = self.parse(s.EnrollmentInputSerializer)
        enrollment = services.program_enroll(
            account=self.get_account(), program=data["program"], actor=request.user
        )
        return self.render(enrollment, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="End an enrollment today",
        request=None,
        responses=responses({200: s.EnrollmentSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def end(self, request, account_pk, pk):
        enrollment = services.program_unenroll(enrollment=self.get_object(), actor=request.user)
        return self.render(enrollment)


@extend_schema_view(
    list=extend_schema(summary="The account's alerts, active first"),
    retrieve=extend_schema(summary="An alert", responses=responses({200: s.AlertSerializer}, 404)),
)
class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AccountChildViewSet):
    """Warnings pinned to the top of the account page."""

    model = AccountAlert
    serializer_class = s.AlertSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW, "create": ALERTS, "clear": ALERTS}

    def get_queryset(self):
        return super().get_queryset().select_related("created_by").order_by("-active", "-id")

    @extend_schema(
        summary="Pin an alert to the account",
        request=s.AlertInputSerializer,
        responses=responses({201: s.AlertSerializer}, 400, 404),
    )
    def create(self, request, account_pk):
        data = self.parse(s.AlertInputSerializer)
        alert = services.alert_pin(account=self.get_account(), actor=request.user, **data)
        return self.render(alert, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Take an alert down (it stays in the history)",
        request=None,
        responses=responses({200: s.AlertSerializer}, 404),
    )
    @action(detail=True, methods=["post"])
    def clear(self, request, account_pk, pk):
        alert = services.alert_clear(alert=self.get_object(), actor=request.user)
        return self.render(alert)


# --- Reference data -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Programs accounts enroll in"),
    retrieve=extend_schema(
        summary="A program", responses=responses({200: s.ProgramSerializer}, 404)
    ),
)
class ProgramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    """Assistance and service programs (budget billing, low-income assistance...)."""

    serializer_class = s.ProgramSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW}
    filter_backends: list = []

    def get_queryset(self):
        return Program.objects.all()
