"""Account pages: the 360 view, opening an account, and the edits made from the account page.

Views parse with a form, call a service and render; a refused service call shows its
message on the form that caused it, with HTTP 400 (bad input) or 409 (state conflict).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from servicebook.core.errors import ServiceError
from servicebook.core.forms import apply_service_error
from servicebook.core.htmx import htmx_partial
from servicebook.core.permissions import capability_required
from servicebook.core.transfer import transfer_views
from servicebook.core.views import button_action, form_action
from servicebook.users.roles import Cap

from . import panels, selectors, services, transfer
from .forms import (
    AccountOpenForm,
    AgreementForm,
    AlertForm,
    ContactForm,
    EmailForm,
    EnrollForm,
    EquipmentForm,
    LocationForm,
    NoteForm,
    PhoneForm,
    StatusForm,
)
from .models import AccountAlert, ContactPhone, ProgramEnrollment, ServiceAgreement

TIMELINE_LIMIT = 30


def _forms(account) -> dict:
    return {
        "note_form": NoteForm(),
        "contact_form": ContactForm(),
        "phone_form": PhoneForm(),
        "email_form": EmailForm(),
        "location_form": LocationForm(),
        "agreement_form": AgreementForm(account=account),
        "equipment_form": EquipmentForm(account=account),
        "alert_form": AlertForm(),
        "enroll_form": EnrollForm(),
        "status_form": StatusForm(initial={"status": account.status}),
    }


def account_timeline(
    request: HttpRequest, account, limit: int = TIMELINE_LIMIT
) -> list[panels.TimelineItem]:
    """Notes and what other apps contribute, merged newest first."""
    items = [
        panels.TimelineItem(
            at=n.occurred_at,
            kind="note",
            title=f"{n.get_channel_display()} · {n.get_direction_display()}",
            body=n.summary,
            author=n.author.display_name if n.author else "system",
            tags=[n.case_ref] if n.case_ref else [],
        )
        for n in selectors.account_notes(account=account, limit=limit)
    ]
    for source in panels.timeline_sources().values():
        items += source(request=request, account=account, limit=limit)
    items.sort(key=lambda i: i.at, reverse=True)
    return items[:limit]


def _account_page(
    request: HttpRequest,
    account,
    *,
    forms: dict | None = None,
    open_form: str = "",
    status: int = 200,
):
    context = {
        "account": account,
        "customer": account.customer,
        "alerts": account.active_alerts,
        "timeline": account_timeline(request, account),
        "main_panels": [
            {"template": p.template, **p.context(request=request, account=account)}
            for p in panels.panels("main")
        ],
        "side_panels": [
            {"template": p.template, **p.context(request=request, account=account)}
            for p in panels.panels("side")
        ],
        "open_form": open_form,
        **_forms(account),
        **(forms or {}),
    }
    return render(request, "customers/account_detail.html", context, status=status)


@capability_required(Cap.ACCOUNTS_VIEW)
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole account on one screen."""
    account = selectors.account_get(user=request.user, pk=pk)
    return _account_page(request, account)


@capability_required(Cap.ACCOUNTS_EDIT)
def account_new(request: HttpRequest) -> HttpResponse:
    """A new caller starting service: customer, account, premise and contact in one form."""
    form = AccountOpenForm(request.POST or None)

    def page(form, status=200):
        return render(request, "customers/account_new.html", {"form": form}, status=status)

    def call(d):
        return services.account_open(
            kind=d["kind"],
            first_name=d["first_name"],
            last_name=d["last_name"],
            organisation_name=d["organisation_name"],
            line_of_business=d["line_of_business"],
            customer_class=d["customer_class"],
            location=services.LocationInput(
                line1=d["line1"],
                line2=d["line2"],
                city=d["city"],
                region=d["region"],
                postal_code=d["postal_code"],
            ),
            contact=services.ContactInput(
                name=d["organisation_name"] or f"{d['first_name']} {d['last_name']}".strip(),
                phones=[(d["phone"], d["phone_kind"])],
                emails=[d["email"]] if d["email"] else [],
            ),
            actor=request.user,
        )

    if request.method != "POST":
        return page(form)
    return form_action(
        request,
        form,
        call,
        done=lambda account: f"Account {account.number} opened.",
        success_url=lambda account: reverse("customers:account_detail", args=[account.pk]),
        failed=page,
    )


def _account_action(
    request: HttpRequest,
    pk: int,
    *,
    form_key: str,
    form_class,
    call: Callable,
    done: str,
    form_kwargs: dict | None = None,
) -> HttpResponse:
    """Run one edit from the account page: validate the form, call the service, then back to
    the account page; on refusal, the page again with the form's errors."""
    account = selectors.account_get(user=request.user, pk=pk)
    form = form_class(request.POST, **(form_kwargs or {}))
    return form_action(
        request,
        form,
        lambda data: call(account, data),
        done=done,
        success_url=reverse("customers:account_detail", args=[account.pk]) + f"#{form_key}",
        failed=lambda form, status: _account_page(
            request, account, forms={f"{form_key}_form": form}, open_form=form_key, status=status
        ),
    )


def _account_button(request: HttpRequest, account, call: Callable, done: str) -> HttpResponse:
    """A form-less edit from the account page (remove, end, clear)."""
    return button_action(
        request,
        call,
        done=done,
        success_url=reverse("customers:account_detail", args=[account.pk]),
        failed=lambda status: _account_page(request, account, status=status),
    )


@require_POST
@capability_required(Cap.ACCOUNTS_NOTE)
def account_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a contact. From htmx, answer with the refreshed timeline and a fresh form."""
    account = selectors.account_get(user=request.user, pk=pk)
    form = NoteForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.note_log(account=account, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
            status = exc.status_code
        else:
            if htmx_partial(request):
                return render(
                    request,
                    "customers/account_detail.html#timeline",
                    {
                        "account": account,
                        "timeline": account_timeline(request, account),
                        "note_form": NoteForm(),
                        "logged": True,
                    },
                )
            messages.success(request, "Contact logged.")
            return redirect("customers:account_detail", pk=account.pk)
    if htmx_partial(request):
        return render(
            request,
            "customers/account_detail.html#timeline",
            {"account": account, "timeline": account_timeline(request, account), "note_form": form},
            status=status,
        )
    return _account_page(
        request, account, forms={"note_form": form}, open_form="note", status=status
    )


@require_POST
@capability_required(Cap.ACCOUNTS_EDIT)
def contact_add(request, pk):
    def call(account, d):
        services.contact_add(
            account=account,
            data=services.ContactInput(
                name=d["name"],
                role=d["role"],
                preferred_channel=d["preferred_channel"],
                do_not_call=d["do_not_call"],
                phones=[(d["phone"], d["phone_kind"])] if d["phone"] else [],
                emails=[d["email"]] if d["email"] else [],
            ),
            actor=request.user,
        )

    return _account_action(
        request, pk, form_key="contact", form_class=ContactForm, call=call, done="Contact added."
    )


@require_POST
@capability_required(Cap.ACCOUNTS_EDIT)
def phone_add(request, pk, contact_pk):
    def call(account, d):
        contact = get_object_or_404(account.contacts, pk=contact_pk)
        services.contact_phone_add(
            contact=contact, number=d["number"], kind=d["kind"], actor=request.user
        )

    return _account_action(
        request, pk, form_key="phone", form_class=PhoneForm, call=call, done="Phone added."
    )


@require_POST
@capability_required(Cap.ACCOUNTS_EDIT)
def phone_remove(request, pk, phone_pk):
    account = selectors.account_get(user=request.user, pk=pk)
    phone = get_object_or_404(ContactPhone, pk=phone_pk, account=account)
    return _account_button(
        request,
        account,
        lambda: services.contact_phone_remove(phone=phone, actor=request.user),
        "Phone removed.",
    )


@require_POST
@capability_required(Cap.ACCOUNTS_EDIT)
def email_add(request, pk, contact_pk):
    def call(account, d):
        contact = get_object_or_404(account.contacts, pk=contact_pk)
        services.contact_email_add(contact=contact, email=d["email"], actor=request.user)

    return _account_action(
        request, pk, form_key="email", form_class=EmailForm, call=call, done="Email added."
    )


@require_POST
@capability_required(Cap.ACCOUNTS_EDIT)
def location_add(request, pk):
    def call(account, d):
        services.location_add(account=account, data=services.LocationInput(**d), actor=request.user)

    return _account_action(
        request, pk, form_key="location", form_class=LocationForm, call=call, done="Location added."
    )


@require_POST
@capability_required(Cap.ACCOUNTS_EDIT)
def agreement_add(request, pk):
    def call(account, d):
        services.agreement_add(account=account, actor=request.user, **d)

    account = selectors.account_get(user=request.user, pk=pk)
    return _account_action(
        request,
        pk,
        form_key="agreement",
        form_class=AgreementForm,
        call=call,
        done="Service agreement added.",
        form_kwargs={"account": account},
    )


@require_POST
@capability_required(Cap.ACCOUNTS_EDIT)
def agreement_end(request, pk, agreement_pk):
    account = selectors.account_get(user=request.user, pk=pk)
    agreement = get_object_or_404(ServiceAgreement, pk=agreement_pk, account=account)
    return _account_button(
        request,
        account,
        lambda: services.agreement_end(
            agreement=agreement, end_date=timezone.localdate(), actor=request.user
        ),
        "Agreement ended today.",
    )


@require_POST
@capability_required(Cap.ACCOUNTS_EDIT)
def equipment_add(request, pk):
    def call(account, d):
        services.equipment_add(actor=request.user, **d)

    account = selectors.account_get(user=request.user, pk=pk)
    return _account_action(
        request,
        pk,
        form_key="equipment",
        form_class=EquipmentForm,
        call=call,
        done="Equipment recorded.",
        form_kwargs={"account": account},
    )


@require_POST
@capability_required(Cap.ACCOUNTS_ALERTS)
def alert_add(request, pk):
    def call(account, d):
        services.alert_pin(account=account, actor=request.user, **d)

    return _account_action(
        request, pk, form_key="alert", form_class=AlertForm, call=call, done="Alert pinned."
    )


@require_POST
@capability_required(Cap.ACCOUNTS_ALERTS)
def alert_clear(request, pk, alert_pk):
    account = selectors.account_get(user=request.user, pk=pk)
    alert = get_object_or_404(AccountAlert, pk=alert_pk, account=account, active=True)
    return _account_button(
        request,
        account,
        lambda: services.alert_clear(alert=alert, actor=request.user),
        "Alert removed.",
    )


@require_POST
@capability_required(Cap.ACCOUNTS_EDIT)
def enroll(request, pk):
    def call(account, d):
        services.program_enroll(account=account, program=d["program"], actor=request.user)

    return _account_action(
        request, pk, form_key="enroll", form_class=EnrollForm, call=call, done="Enrolled."
    )


@require_POST
@capability_required(Cap.ACCOUNTS_EDIT)
def unenroll(request, pk, enrollment_pk):
    account = selectors.account_get(user=request.user, pk=pk)
    enrollment = get_object_or_404(ProgramEnrollment, pk=enrollment_pk, account=account)
    return _account_button(
        request,
        account,
        lambda: services.program_unenroll(enrollment=enrollment, actor=request.user),
        "Enrollment ended.",
    )


@require_POST
@capability_required(Cap.ACCOUNTS_EDIT)
def account_status(request, pk):
    def call(account, d):
        services.account_set_status(
            account=account, status=d["status"], reason=d["reason"], actor=request.user
        )

    return _account_action(
        request, pk, form_key="status", form_class=StatusForm, call=call, done="Status changed."
    )


# --- Import and export ----------------------------------------------------------------------


accounts_transfer, accounts_export, accounts_import = transfer_views(
    template="customers/accounts_transfer.html",
    name="accounts",
    columns=transfer.ACCOUNT_COLUMNS,
    view_capability=Cap.ACCOUNTS_VIEW,
    edit_capability=Cap.ACCOUNTS_EDIT,
    # Every account the user may see; each row through the accounts services.
    table=lambda request: transfer.accounts_table(request.user),
    run=lambda request, rows, dry: transfer.accounts_import(
        rows=rows, dry_run=dry, actor=request.user
    ),
    required=transfer.REQUIRED,
    strict=True,
)
