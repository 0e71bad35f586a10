"""Writes to customers and accounts: validation that names the field and leaves nothing
behind, compare-and-set status changes, permissions and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import models

from servicebook.core.audit import history_for
from servicebook.core.errors import Conflict, InvalidTransition, ValidationFailed
from servicebook.core.models import AuditEvent, Sequence
from servicebook.core.sequences import luhn_valid
from servicebook.core.testing.factories import make_account, make_user
from servicebook.customers.models import (
    NOTE_MAX_LENGTH,
    Account,
    AccountAlert,
    AccountSearch,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    Equipment,
    Note,
    Program,
    ProgramEnrollment,
    ServiceAgreement,
    ServiceLocation,
)
from servicebook.customers.services import (
    ContactInput,
    LocationInput,
    account_open,
    account_set_status,
    account_update,
    agreement_add,
    agreement_end,
    alert_clear,
    alert_pin,
    contact_add,
    contact_email_add,
    contact_phone_add,
    contact_phone_remove,
    contact_update,
    customer_update,
    equipment_add,
    location_add,
    location_update,
    note_log,
    program_enroll,
    program_unenroll,
)

pytestmark = pytest.mark.django_db

TABLES = [
    Customer,
    Account,
    ServiceLocation,
    Contact,
    ContactPhone,
    ContactEmail,
    AccountSearch,
    ServiceAgreement,
    Equipment,
    ProgramEnrollment,
    AccountAlert,
    Note,
    AuditEvent,
]


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def open_kwargs(**overrides):
    """A valid account_open call; each test breaks one thing."""
    kwargs = {
        "kind": "person",
        "first_name": "Jane",
        "last_name": "Smith",
        "line_of_business": "utility",
        "location": LocationInput(
            line1="1420 Larimer St", city="Denver", region="co", postal_code="80202"
        ),
        "contact": ContactInput(
            name="Jane Smith",
            phones=[("(303) 555-0147", "mobile"), ("303.555.0199", "home")],
            emails=["Jane.Smith@Example.COM"],
        ),
    }
    kwargs.update(overrides)
    return kwargs


# --- account_open ---------------------------------------------------------------------------


def test_account_open_creates_the_whole_account_in_one_step(rep):
    account = account_open(**open_kwargs(), actor=rep)

    assert account.customer.display_name == "Smith, Jane"
    assert len(account.number) == 10
    assert luhn_valid(account.number)
    location = account.locations.get()
    assert (location.is_primary, location.region, location.postal_code) == (True, "CO", "80202")
    contact = account.contacts.get()
    assert contact.is_primary
    assert [(p.e164, p.is_primary) for p in contact.phones.all()] == [
        ("+13035550147", True),
        ("+13035550199", False),
    ]
    assert list(contact.emails.values_list("email", flat=True)) == ["jane.smith@example.com"]
    search = AccountSearch.objects.get(account=account)
    assert search.number == account.number
    assert "Jane Smith" in search.names
    assert "3035550147" in search.phones.split()
    assert "jane.smith@example.com" in search.emails.split()
    assert "1420 Larimer St" in search.addresses


def test_account_numbers_are_consecutive_and_carry_a_check_digit(rep):
    first = account_open(**open_kwargs(), actor=rep)
    second = account_open(**open_kwargs(last_name="Jones"), actor=rep)
    assert int(second.number[:-1]) == int(first.number[:-1]) + 1
    assert luhn_valid(first.number) and luhn_valid(second.number)


def test_account_open_audits_every_row_it_creates(rep):
    account = account_open(**open_kwargs(), actor=rep)
    audited = {(e.content_type.model, e.action) for e in AuditEvent.objects.filter(actor=rep)}
    assert audited == {
        ("customer", "create"),
        ("account", "create"),
        ("servicelocation", "create"),
        ("contact", "create"),
    }
    contact_event = history_for(account.contacts.get()).get()
    assert contact_event.changes["phones"] == [None, ["+13035550147", "+13035550199"]]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"contact": ContactInput(name="Jane Smith", phones=[("555-01", "mobile")])},
            "phones",
            "“555-01”",
        ),
        (
            {"contact": ContactInput(name="Jane Smith", phones=[("555-0147", "mobile")])},
            "phones",
            "area code",
        ),
        (
            {"contact": ContactInput(name="Jane Smith", emails=["jane@@example"])},
            "emails",
            "“jane@@example” is not a valid email address.",
        ),
        (
            {
                "location": LocationInput(
                    line1="1420 Larimer St", city="Denver", region="CO", postal_code="8020"
                )
            },
            "postal_code",
            "ZIP code",
        ),
        ({"last_name": "   "}, "last_name", "last name"),
        ({"kind": "organisation", "organisation_name": ""}, "organisation_name", "name"),
        ({"line_of_business": "bakery"}, "line_of_business", "not a valid choice"),
        ({"customer_class": "royal"}, "customer_class", "not a valid choice"),
        ({"contact": ContactInput(name="  ")}, "name", "contact's name"),
        (
            {"location": LocationInput(line1="", city="Denver", region="CO", postal_code="80202")},
            "line1",
            "blank",
        ),
    ],
)
def test_bad_input_names_the_field_and_leaves_no_rows_behind(rep, overrides, field, message):
    counts = row_counts()
    sequences = list(Sequence.objects.values_list("name", "value"))
    with pytest.raises(ValidationFailed) as exc:
        account_open(**open_kwargs(**overrides), actor=rep)
    assert exc.value.field == field
    assert message in " ".join(exc.value.errors[field])
    assert row_counts() == counts
    assert list(Sequence.objects.values_list("name", "value")) == sequences


def test_a_role_without_accounts_edit_cannot_open_an_account():
    dispatcher = make_user("dispatcher")
    counts = row_counts()
    with pytest.raises(PermissionDenied):
        account_open(**open_kwargs(), actor=dispatcher)
    assert row_counts() == counts


# --- status ---------------------------------------------------------------------------------


def test_account_set_status_records_the_reason(rep):
    account = make_account(actor=rep)
    account_set_status(account=account, status="past_due", reason="60 days overdue", actor=rep)
    account.refresh_from_db()
    assert account.status == "past_due"
    event = history_for(account).get(action="status")
    assert event.changes == {"status": ["active", "past_due"]}
    assert event.message == "60 days overdue"


def test_closing_an_account_dates_the_closure(rep):
    account = make_account(actor=rep)
    account_set_status(account=account, status="closed", reason="moved away", actor=rep)
    account.refresh_from_db()
    assert account.closed_on is not None


def test_account_set_status_refuses_to_overwrite_a_change_made_meanwhile(rep):
    account = make_account(actor=rep)
    stale = Account.objects.get(pk=account.pk)  # a second desk loaded the account earlier
    account_set_status(account=account, status="suspended", reason="non-pay", actor=rep)
    audit_count = AuditEvent.objects.count()

    with pytest.raises(Conflict):
        account_set_status(account=stale, status="past_due", reason="late", actor=rep)
    assert Account.objects.get(pk=account.pk).status == "suspended"
    assert AuditEvent.objects.count() == audit_count


@pytest.mark.parametrize(
    ("status", "reason", "field"), [("frozen", "why not", "status"), ("past_due", "  ", "reason")]
)
def test_account_set_status_refuses_an_unknown_status_or_no_reason(rep, status, reason, field):
    account = make_account(actor=rep)
    with pytest.raises(ValidationFailed) as exc:
        account_set_status(account=account, status=status, reason=reason, actor=rep)
    assert exc.value.field == field
    account.refresh_from_db()
    assert account.status == "active"


def test_account_update_refuses_the_status_and_bad_choices(rep):
    account = make_account(actor=rep)
    with pytest.raises(ValidationFailed) as exc:
        account_update(account=account, status="closed", actor=rep)
    assert exc.value.field == "status"
    with pytest.raises(ValidationFailed) as exc:
        account_update(account=account, credit_rating="stellar", actor=rep)
    assert exc.value.field == "credit_rating"
    stored = Account.objects.get(pk=account.pk)
    assert (stored.status, stored.credit_rating) == ("active", "unrated")


# --- notes ------------------------------------------------------------------------------------


def test_an_over_long_note_is_refused_and_nothing_is_written(rep):
    account = make_account(actor=rep)
    counts = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        note_log(account=account, summary="x" * (NOTE_MAX_LENGTH + 1), actor=rep)
    assert exc.value.field == "summary"
    assert row_counts() == counts
    note = note_log(account=account, summary="x" * NOTE_MAX_LENGTH, actor=rep)
    assert len(note.summary) == NOTE_MAX_LENGTH


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"summary": "   "}, "summary"),
        ({"summary": "called", "channel": "pigeon"}, "channel"),
        ({"summary": "called", "occurred_at": "future"}, "occurred_at"),
    ],
)
def test_a_note_with_bad_input_names_the_field(rep, kwargs, field):
    from django.utils import timezone

    account = make_account(actor=rep)
    if kwargs.get("occurred_at") == "future":
        kwargs["occurred_at"] = timezone.now() + dt.timedelta(hours=1)
    with pytest.raises(ValidationFailed) as exc:
        note_log(account=account, actor=rep, **kwargs)
    assert exc.value.field == field
    assert not Note.objects.exists()


# --- programs -----------------------------------------------------------------------------------


def test_enrolling_twice_in_a_program_is_refused_until_the_first_enrollment_ends(rep):
    account = make_account(actor=rep)
    program = Program.objects.create(code="budget", name="Budget billing")
    first = program_enroll(account=account, program=program, actor=rep)

    with pytest.raises(ValidationFailed) as exc:
        program_enroll(account=account, program=program, actor=rep)
    assert exc.value.field == "program"
    assert ProgramEnrollment.objects.count() == 1

    program_unenroll(enrollment=first, actor=rep)
    with pytest.raises(InvalidTransition):
        program_unenroll(enrollment=first, actor=rep)
    program_enroll(account=account, program=program, actor=rep)
    assert ProgramEnrollment.objects.filter(ended_on__isnull=True).count() == 1


def test_a_closed_program_takes_no_enrollments(rep):
    account = make_account(actor=rep)
    program = Program.objects.create(code="old", name="Old program", active=False)
    with pytest.raises(ValidationFailed):
        program_enroll(account=account, program=program, actor=rep)
    assert not ProgramEnrollment.objects.exists()


# --- agreements, locations, contacts ----------------------------------------------------------


def test_an_agreement_cannot_use_another_accounts_location(rep):
    account, other = make_account(actor=rep), make_account(actor=rep)
    with pytest.raises(ValidationFailed) as exc:
        agreement_add(
            account=account,
            kind="electric",
            description="Residential electric",
            location=other.locations.get(),
            actor=rep,
        )
    assert exc.value.field == "location"
    assert not ServiceAgreement.objects.exists()


def test_an_agreement_ends_once_and_not_before_it_started(rep):
    account = make_account(actor=rep)
    agreement = agreement_add(
        account=account,
        kind="electric",
        description="Residential electric",
        start_date=dt.date(2026, 1, 1),
        actor=rep,
    )
    with pytest.raises(ValidationFailed) as exc:
        agreement_end(agreement=agreement, end_date=dt.date(2025, 12, 31), actor=rep)
    assert exc.value.field == "end_date"
    agreement_end(agreement=agreement, end_date=dt.date(2026, 6, 30), actor=rep)
    with pytest.raises(InvalidTransition):
        agreement_end(agreement=agreement, end_date=dt.date(2026, 7, 31), actor=rep)
    agreement.refresh_from_db()
    assert (agreement.status, agreement.end_date) == ("ended", dt.date(2026, 6, 30))


def test_a_location_update_validates_the_postal_code(rep):
    account = make_account(actor=rep)
    location = account.locations.get()
    with pytest.raises(ValidationFailed) as exc:
        location_update(location=location, postal_code="ABCDE", actor=rep)
    assert exc.value.field == "postal_code"
    assert ServiceLocation.objects.get(pk=location.pk).postal_code == "80202"


def test_a_canadian_postal_code_is_normalised(rep):
    account = make_account(actor=rep)
    location = location_add(
        account=account,
        data=LocationInput(
            line1="80 Wellington St",
            city="Ottawa",
            region="on",
            postal_code="k1a0a2",
            country="CA",
            time_zone="America/Toronto",
        ),
        actor=rep,
    )
    assert location.postal_code == "K1A 0A2"


def test_a_new_primary_location_or_contact_takes_over_the_primary_flag(rep):
    account = make_account(actor=rep)
    location_add(
        account=account,
        data=LocationInput(line1="1 Main St", city="Golden", region="CO", postal_code="80401"),
        is_primary=True,
        actor=rep,
    )
    contact_add(account=account, data=ContactInput(name="Pat Doe"), is_primary=True, actor=rep)
    assert account.locations.filter(is_primary=True).get().line1 == "1 Main St"
    assert account.contacts.filter(is_primary=True).get().name == "Pat Doe"


def test_a_contact_phone_added_in_any_format_is_stored_in_e164(rep):
    account = make_account(actor=rep, phone=None)
    contact = account.contacts.get()
    first = contact_phone_add(contact=contact, number="1-720-555-0100", actor=rep)
    second = contact_phone_add(contact=contact, number="+1 (720) 555 0101", actor=rep)
    assert (first.e164, first.is_primary) == ("+17205550100", True)
    assert (second.e164, second.is_primary) == ("+17205550101", False)
    with pytest.raises(ValidationFailed) as exc:
        contact_phone_add(contact=contact, number="not a phone", actor=rep)
    assert exc.value.field == "number"
    assert contact.phones.count() == 2


@pytest.mark.parametrize("kind", ["fax", ""])
def test_an_unknown_phone_kind_is_refused(rep, kind):
    account = make_account(actor=rep, phone=None)
    with pytest.raises(ValidationFailed) as exc:
        contact_phone_add(
            contact=account.contacts.get(), number="720 555 0100", kind=kind, actor=rep
        )
    assert exc.value.field == "number"
    counts = row_counts()
    contact = ContactInput(name="Pat Doe", phones=[("720 555 0100", kind)])
    with pytest.raises(ValidationFailed) as exc:
        contact_add(account=account, data=contact, actor=rep)
    assert exc.value.field == "phones"
    assert row_counts() == counts


def test_a_contact_email_is_lower_cased_and_validated(rep):
    account = make_account(actor=rep)
    contact = account.contacts.get()
    row = contact_email_add(contact=contact, email=" Pat@Example.ORG ", actor=rep)
    assert row.email == "pat@example.org"
    with pytest.raises(ValidationFailed) as exc:
        contact_email_add(contact=contact, email="pat@", actor=rep)
    assert exc.value.field == "email"
    assert contact.emails.count() == 2


# --- every service writes its audit row ------------------------------------------------------


def _program():
    return Program.objects.create(code="paperless", name="Paperless")


SERVICES = {
    "customer_update": lambda a, u: (
        customer_update(customer=a.customer, first_name="Janet", actor=u),
        a.customer,
        "update",
    ),
    "account_update": lambda a, u: (
        account_update(account=a, customer_class="commercial", actor=u),
        a,
        "update",
    ),
    "account_set_status": lambda a, u: (
        account_set_status(account=a, status="past_due", reason="late", actor=u),
        a,
        "status",
    ),
    "location_add": lambda a, u: _returns(
        location_add(
            account=a,
            data=LocationInput(line1="2 Elm St", city="Boulder", region="CO", postal_code="80302"),
            actor=u,
        ),
        "create",
    ),
    "location_update": lambda a, u: (
        location_update(location=a.locations.get(), access_notes="Dog in yard", actor=u),
        a.locations.get(),
        "update",
    ),
    "contact_add": lambda a, u: _returns(
        contact_add(account=a, data=ContactInput(name="Pat Doe"), actor=u), "create"
    ),
    "contact_update": lambda a, u: (
        contact_update(contact=a.contacts.get(), do_not_call=True, actor=u),
        a.contacts.get(),
        "update",
    ),
    "contact_phone_add": lambda a, u: _returns(
        contact_phone_add(contact=a.contacts.get(), number="720 555 0100", actor=u), "create"
    ),
    "contact_phone_remove": lambda a, u: _removed(a, u),
    "contact_email_add": lambda a, u: _returns(
        contact_email_add(contact=a.contacts.get(), email="pat@example.org", actor=u), "create"
    ),
    "agreement_add": lambda a, u: _returns(
        agreement_add(account=a, kind="water", description="Water", actor=u), "create"
    ),
    "agreement_end": lambda a, u: _ended(a, u),
    "equipment_add": lambda a, u: _returns(
        equipment_add(location=a.locations.get(), kind="Furnace", make="Acme", actor=u),
        "create",
    ),
    "program_enroll": lambda a, u: _returns(
        program_enroll(account=a, program=_program(), actor=u), "create"
    ),
    "program_unenroll": lambda a, u: _unenrolled(a, u),
    "alert_pin": lambda a, u: _returns(
        alert_pin(account=a, kind="cash_only", message="Cash only", actor=u), "create"
    ),
    "alert_clear": lambda a, u: _cleared(a, u),
    "note_log": lambda a, u: _returns(note_log(account=a, summary="Called", actor=u), "create"),
}


def _returns(obj, action):
    return obj, obj, action


def _removed(account, user):
    phone = account.phones.get()
    target = ContactPhone(pk=phone.pk)  # delete() clears the pk of the instance it deletes
    contact_phone_remove(phone=phone, actor=user)
    return None, target, "delete"


def _ended(account, user):
    agreement = agreement_add(account=account, kind="gas", description="Gas", actor=user)
    agreement_end(agreement=agreement, end_date=agreement.start_date, actor=user)
    return agreement, agreement, "update"


def _unenrolled(account, user):
    enrollment = program_enroll(account=account, program=_program(), actor=user)
    program_unenroll(enrollment=enrollment, actor=user)
    return enrollment, enrollment, "update"


def _cleared(account, user):
    alert = alert_pin(account=account, kind="fraud", actor=user)
    alert_clear(alert=alert, actor=user)
    return alert, alert, "update"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_customer_service_writes_an_audit_row(supervisor, service):
    account = make_account(actor=supervisor)
    started = AuditEvent.objects.order_by("-id").first().pk

    _, target, action = SERVICES[service](account, supervisor)

    events = AuditEvent.objects.filter(pk__gt=started, actor=supervisor)
    mine = [e for e in events if e.object_id == str(target.pk) and e.action == action]
    assert mine, f"{service} wrote no {action} row for {target!r}"
    assert all(e.content_type.model == type(target).__name__.lower() for e in mine)
    if action == "update":
        assert mine[-1].changes, "an update row names what changed"


# --- permissions ---------------------------------------------------------------------------------


def _snapshot_all():
    """Every customers row as values, to show a refused call changed nothing."""
    result = {}
    for model in TABLES:
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "updated_at"]
        ordering = [model._meta.pk.attname]
        rows = model.objects.order_by(*ordering).values_list(*fields)
        result[model.__name__] = [
            tuple(str(v) if isinstance(v, models.Model) else v for v in row) for row in rows
        ]
    return result


DENIED = {
    "account_open": lambda a, u: account_open(**open_kwargs(), actor=u),
    "customer_update": lambda a, u: customer_update(customer=a.customer, last_name="X", actor=u),
    "account_update": lambda a, u: account_update(account=a, jurisdiction="CO", actor=u),
    "account_set_status": lambda a, u: account_set_status(
        account=a, status="closed", reason="x", actor=u
    ),
    "location_add": lambda a, u: location_add(
        account=a,
        data=LocationInput(line1="2 Elm St", city="Boulder", region="CO", postal_code="80302"),
        actor=u,
    ),
    "contact_add": lambda a, u: contact_add(account=a, data=ContactInput(name="Pat"), actor=u),
    "contact_phone_add": lambda a, u: contact_phone_add(
        contact=a.contacts.get(), number="720 555 0100", actor=u
    ),
    "contact_phone_remove": lambda a, u: contact_phone_remove(phone=a.phones.get(), actor=u),
    "contact_email_add": lambda a, u: contact_email_add(
        contact=a.contacts.get(), email="x@example.org", actor=u
    ),
    "agreement_add": lambda a, u: agreement_add(
        account=a, kind="water", description="Water", actor=u
    ),
    "equipment_add": lambda a, u: equipment_add(location=a.locations.get(), kind="Meter", actor=u),
    "program_enroll": lambda a, u: program_enroll(account=a, program=_program(), actor=u),
}


@pytest.mark.parametrize("service", sorted(DENIED))
def test_a_role_without_accounts_edit_is_refused_and_nothing_changes(service):
    account = make_account()
    dispatcher = make_user("dispatcher")
    before = _snapshot_all()
    with pytest.raises(PermissionDenied):
        DENIED[service](account, dispatcher)
    assert _snapshot_all() == before


def test_a_tier_one_rep_cannot_pin_or_clear_alerts(rep, supervisor):
    account = make_account(actor=supervisor)
    with pytest.raises(PermissionDenied):
        alert_pin(account=account, kind="safety", actor=rep)
    alert = alert_pin(account=account, kind="safety", actor=supervisor)
    with pytest.raises(PermissionDenied):
        alert_clear(alert=alert, actor=rep)
    assert AccountAlert.objects.get().active


def test_a_dispatcher_may_still_log_notes():
    account = make_account()
    note = note_log(account=account, summary="Tech running late", actor=make_user("dispatcher"))
    assert note.pk
