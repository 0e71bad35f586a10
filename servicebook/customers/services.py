"""Every write to customers, accounts and what hangs off them.

Each service checks the actor's capability, validates, writes, keeps the account's search
document current and writes its audit row, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_record, audit_updated, snapshot
from servicebook.core.errors import Conflict, InvalidTransition, ValidationFailed
from servicebook.core.permissions import require_capability
from servicebook.core.phones import digits_only, normalize_phone
from servicebook.core.sequences import luhn_check_digit, sequence_reserve
from servicebook.core.validation import clean_or_fail
from servicebook.users.roles import Cap

from .choices import (
    AccountStatus,
    AgreementStatus,
    Channel,
    CustomerKind,
    Direction,
    PhoneKind,
)
from .models import (
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
from .validators import normalize_email, normalize_postal_code

ACCOUNT_NUMBER_SEQUENCE = "account_number"
# Account numbers: 9 digits from the sequence (starting at 100000000) and a Luhn check digit.
ACCOUNT_NUMBER_BASE = 100_000_000


def account_number_for(value: int) -> str:
    body = str(ACCOUNT_NUMBER_BASE + value)
    return body + luhn_check_digit(body)


def account_numbers_reserve(count: int) -> list[str]:
    """Reserve `count` new account numbers (bulk loads take a block at once)."""
    first = sequence_reserve(ACCOUNT_NUMBER_SEQUENCE, count)
    return [account_number_for(first + i) for i in range(count)]


def customer_display_name(
    *, kind: str, first_name: str, last_name: str, organisation_name: str
) -> str:
    if kind == CustomerKind.ORGANISATION:
        return organisation_name.strip()
    first, last = first_name.strip(), last_name.strip()
    return f"{last}, {first}" if first and last else (last or first)


# --- Search document ----------------------------------------------------------------------


def search_fields_for(
    *,
    number: str,
    names: Iterable[str],
    phones: Iterable[str],
    emails: Iterable[str],
    addresses: Iterable[str],
) -> dict[str, str]:
    """The columns of an account's search row. Phones carry the E.164 digits, the national
    number and the seven-digit local number, so "555-0147" and "3035550147" both match;
    emails carry the address and its parts."""
    phone_terms: list[str] = []
    for e164 in phones:
        digits = digits_only(e164)
        national = digits[1:] if digits.startswith("1") and len(digits) == 11 else digits
        phone_terms += [digits, national, national[-7:]]
    email_terms: list[str] = []
    for email in emails:
        local, _, domain = email.partition("@")
        email_terms += [email, local, domain]
    return {
        "number": number,
        "names": " ".join(n for n in names if n),
        "phones": " ".join(dict.fromkeys(phone_terms)),
        "emails": " ".join(dict.fromkeys(email_terms)),
        "addresses": " ; ".join(addresses),
    }


def account_search_refresh(account_ids: Iterable[int]) -> None:
    """Rebuild the search rows of these accounts from their current data."""
    ids = list(account_ids)
    if not ids:
        return
    accounts = (
        Account.objects.filter(pk__in=ids)
        .select_related("customer")
        .prefetch_related("contacts", "phones", "emails", "locations")
    )
    for account in accounts:
        c = account.customer
        names = [c.display_name, c.first_name, c.last_name, c.organisation_name]
        names += [contact.name for contact in account.contacts.all()]
        fields = search_fields_for(
            number=account.number,
            names=dict.fromkeys(n for n in names if n),
            phones=[p.e164 for p in account.phones.all()],
            emails=[e.email for e in account.emails.all()],
            addresses=[loc.one_line for loc in account.locations.all()],
        )
        AccountSearch.objects.update_or_create(account=account, defaults=fields)


# --- Customers and accounts ---------------------------------------------------------------


@dataclass
class LocationInput:
    line1: str
    city: str
    region: str
    postal_code: str
    line2: str = ""
    country: str = "US"
    label: str = ""
    latitude: Any = None
    longitude: Any = None
    time_zone: str = "America/Denver"
    premise_id: str = ""
    access_notes: str = ""


@dataclass
class ContactInput:
    name: str
    role: str = "primary"
    phones: list[tuple[str, str]] = field(default_factory=list)  # (number, kind)
    emails: list[str] = field(default_factory=list)
    preferred_channel: str = "phone"
    do_not_call: bool = False


def _validate_phones(
    phones: list[tuple[str, str]], field_name: str = "phones"
) -> list[tuple[str, str]]:
    result = []
    for raw, kind in phones:
        # Rows are created with objects.create(), which does not check choices: check here.
        if kind not in PhoneKind.values:
            raise ValidationFailed({field_name: [f"Unknown kind of phone “{kind}”."]})
        try:
            result.append((normalize_phone(raw), kind))
        except ValueError as exc:
            raise ValidationFailed({field_name: [str(exc)]}) from exc
    return result


def _validate_emails(emails: list[str], field_name: str = "emails") -> list[str]:
    result = []
    for raw in emails:
        try:
            result.append(normalize_email(raw))
        except ValidationError as exc:
            raise ValidationFailed(
                {field_name: [f"“{raw}” is not a valid email address."]}
            ) from exc
    return result


def _postal(value: str, country: str) -> str:
    try:
        return normalize_postal_code(value, country)
    except ValidationError as exc:
        raise ValidationFailed({"postal_code": list(exc.messages)}) from exc


@transaction.atomic
def customer_create(
    *,
    kind: str,
    first_name: str = "",
    last_name: str = "",
    organisation_name: str = "",
    date_of_birth: dt.date | None = None,
    preferred_language: str = "en",
    actor,
) -> Customer:
    """Create a customer: a person (first and last name) or an organisation (its name)."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    if kind == CustomerKind.ORGANISATION and not organisation_name.strip():
        raise ValidationFailed({"organisation_name": ["Enter the organisation's name."]})
    if kind == CustomerKind.PERSON and not last_name.strip():
        raise ValidationFailed({"last_name": ["Enter the customer's last name."]})
    customer = Customer(
        kind=kind,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        organisation_name=organisation_name.strip(),
        date_of_birth=date_of_birth,
        preferred_language=preferred_language,
    )
    customer.display_name = customer_display_name(
        kind=kind,
        first_name=first_name,
        last_name=last_name,
        organisation_name=organisation_name,
    )
    clean_or_fail(customer)
    customer.save()
    audit_created(actor=actor, obj=customer)
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, actor, **changes) -> Customer:
    """Change a customer's names, kind, birth date or language."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    allowed = {
        "kind",
        "first_name",
        "last_name",
        "organisation_name",
        "date_of_birth",
        "preferred_language",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: ["This field cannot be changed here."]})
    before = snapshot(customer)
    for name, value in changes.items():
        setattr(customer, name, value.strip() if isinstance(value, str) else value)
    customer.display_name = customer_display_name(
        kind=customer.kind,
        first_name=customer.first_name,
        last_name=customer.last_name,
        organisation_name=customer.organisation_name,
    )
    if not customer.display_name:
        raise ValidationFailed({"last_name": ["The customer needs a name."]})
    clean_or_fail(customer)
    customer.save()
    audit_updated(actor=actor, obj=customer, before=before)
    account_search_refresh(customer.accounts.values_list("pk", flat=True))
    return customer


@transaction.atomic
def account_create(
    *,
    customer: Customer,
    line_of_business: str,
    customer_class: str = "residential",
    jurisdiction: str = "",
    opened_on: dt.date | None = None,
    actor,
) -> Account:
    """Open an account for a customer, numbered from the account sequence with a check digit."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    account = Account(
        customer=customer,
        number=account_numbers_reserve(1)[0],
        line_of_business=line_of_business,
        customer_class=customer_class,
        jurisdiction=jurisdiction,
        opened_on=opened_on or timezone.localdate(),
    )
    clean_or_fail(account)
    account.save()
    audit_created(actor=actor, obj=account)
    account_search_refresh([account.pk])
    return account


@transaction.atomic
def account_open(
    *,
    kind: str,
    line_of_business: str,
    first_name: str = "",
    last_name: str = "",
    organisation_name: str = "",
    customer_class: str = "residential",
    location: LocationInput | None = None,
    contact: ContactInput | None = None,
    actor,
) -> Account:
    """A new customer calling to start service: customer, account, premise and contact in
    one step, all or nothing."""
    customer = customer_create(
        kind=kind,
        first_name=first_name,
        last_name=last_name,
        organisation_name=organisation_name,
        actor=actor,
    )
    account = account_create(
        customer=customer,
        line_of_business=line_of_business,
        customer_class=customer_class,
        actor=actor,
    )
    if location is not None:
        location_add(account=account, data=location, is_primary=True, actor=actor)
    if contact is not None:
        contact_add(account=account, data=contact, is_primary=True, actor=actor)
    return account


@transaction.atomic
def account_update(*, account: Account, actor, **changes) -> Account:
    """Change an account's class, line of business, jurisdiction or credit rating.

    The status is not changed here: it moves through account_set_status (and later through
    the billing and collections services that own those transitions).
    """
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    allowed = {
        "customer_class",
        "line_of_business",
        "jurisdiction",
        "credit_rating",
        "credit_score",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: ["This field cannot be changed here."]})
    before = snapshot(account)
    for name, value in changes.items():
        setattr(account, name, value)
    clean_or_fail(account)
    account.save(update_fields=[*changes, "updated_at"])
    audit_updated(actor=actor, obj=account, before=before)
    return account


@transaction.atomic
def account_set_status(*, account: Account, status: str, reason: str, actor) -> Account:
    """Move an account to another status, with the reason on the audit trail. `actor`
    None is a system move by a service that applied its own rule (credit: a completed
    reconnect makes the account active); no capability is checked then."""
    if actor is not None:
        require_capability(actor, Cap.ACCOUNTS_EDIT)
    if status not in AccountStatus.values:
        raise ValidationFailed({"status": [f"Unknown status “{status}”."]})
    if not reason.strip():
        raise ValidationFailed({"reason": ["Say why the status changes."]})
    before = snapshot(account, ["status", "closed_on"])
    # Compare-and-set: if someone changed the status meanwhile, refuse rather than overwrite.
    updated = Account.objects.filter(pk=account.pk, status=account.status).update(
        status=status,
        closed_on=timezone.localdate() if status == AccountStatus.CLOSED else account.closed_on,
        updated_at=timezone.now(),
    )
    if not updated:
        raise Conflict("The account's status changed meanwhile; reload and try again.")
    account.refresh_from_db(fields=["status", "closed_on", "updated_at"])
    audit_updated(actor=actor, obj=account, before=before, message=reason, action="status")
    return account


# --- Locations, contacts, agreements, equipment ---------------------------------------------


@transaction.atomic
def location_add(
    *, account: Account, data: LocationInput, is_primary: bool = False, actor
) -> ServiceLocation:
    """Add a service location (premise) to an account."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    loc = ServiceLocation(account=account, is_primary=is_primary, **vars(data))
    loc.line1, loc.city, loc.region = (
        loc.line1.strip(),
        loc.city.strip(),
        loc.region.strip().upper(),
    )
    loc.postal_code = _postal(loc.postal_code, loc.country)
    clean_or_fail(loc, exclude=["account"])
    if is_primary:
        account.locations.filter(is_primary=True).update(is_primary=False)
    loc.save()
    audit_created(actor=actor, obj=loc)
    account_search_refresh([account.pk])
    return loc


@transaction.atomic
def location_update(*, location: ServiceLocation, actor, **changes) -> ServiceLocation:
    """Change a location's address, coordinates, time zone or notes."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    before = snapshot(location)
    for name, value in changes.items():
        if name in {"id", "account", "account_id"}:
            raise ValidationFailed({name: ["This field cannot be changed."]})
        setattr(location, name, value)
    location.postal_code = _postal(location.postal_code, location.country)
    clean_or_fail(location, exclude=["account"])
    location.save()
    audit_updated(actor=actor, obj=location, before=before)
    account_search_refresh([location.account_id])
    return location


@transaction.atomic
def contact_add(
    *, account: Account, data: ContactInput, is_primary: bool = False, actor
) -> Contact:
    """Add a contact with phones (normalised to E.164) and emails."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    phones = _validate_phones(data.phones)
    emails = _validate_emails(data.emails)
    contact = Contact(
        account=account,
        name=data.name.strip(),
        role=data.role,
        preferred_channel=data.preferred_channel,
        do_not_call=data.do_not_call,
        is_primary=is_primary,
    )
    if not contact.name:
        raise ValidationFailed({"name": ["Enter the contact's name."]})
    clean_or_fail(contact, exclude=["account"])
    if is_primary:
        account.contacts.filter(is_primary=True).update(is_primary=False)
    contact.save()
    for i, (e164, kind) in enumerate(phones):
        ContactPhone.objects.create(
            contact=contact, account=account, e164=e164, kind=kind, is_primary=i == 0
        )
    for i, email in enumerate(emails):
        ContactEmail.objects.create(
            contact=contact, account=account, email=email, is_primary=i == 0
        )
    audit_record(
        actor=actor,
        action="create",
        obj=contact,
        changes={
            **{k: [None, v] for k, v in snapshot(contact).items() if v not in (None, "")},
            "phones": [None, [p for p, _ in phones]],
            "emails": [None, emails],
        },
    )
    account_search_refresh([account.pk])
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, actor, **changes) -> Contact:
    """Change a contact's name, role, preferred channel or do-not-call flag."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    allowed = {"name", "role", "preferred_channel", "do_not_call"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: ["This field cannot be changed here."]})
    before = snapshot(contact)
    for name, value in changes.items():
        setattr(contact, name, value)
    clean_or_fail(contact, exclude=["account"])
    contact.save()
    audit_updated(actor=actor, obj=contact, before=before)
    account_search_refresh([contact.account_id])
    return contact


@transaction.atomic
def contact_phone_add(
    *, contact: Contact, number: str, kind: str = "mobile", actor
) -> ContactPhone:
    """Add a phone number (any format) to a contact."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    ((e164, kind),) = _validate_phones([(number, kind)], "number")
    phone = ContactPhone.objects.create(
        contact=contact,
        account_id=contact.account_id,
        e164=e164,
        kind=kind,
        is_primary=not contact.phones.exists(),
    )
    audit_created(actor=actor, obj=phone)
    account_search_refresh([contact.account_id])
    return phone


@transaction.atomic
def contact_phone_remove(*, phone: ContactPhone, actor) -> None:
    """Remove a phone number from a contact."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    audit_record(actor=actor, action="delete", obj=phone, changes={"e164": [phone.e164, None]})
    account_id = phone.account_id
    phone.delete()
    account_search_refresh([account_id])


@transaction.atomic
def contact_email_add(*, contact: Contact, email: str, actor) -> ContactEmail:
    """Add an email address to a contact."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    (address,) = _validate_emails([email], "email")
    row = ContactEmail.objects.create(
        contact=contact,
        account_id=contact.account_id,
        email=address,
        is_primary=not contact.emails.exists(),
    )
    audit_created(actor=actor, obj=row)
    account_search_refresh([contact.account_id])
    return row


@transaction.atomic
def agreement_add(
    *,
    account: Account,
    kind: str,
    description: str,
    location: ServiceLocation | None = None,
    identifier: str = "",
    start_date: dt.date | None = None,
    actor,
) -> ServiceAgreement:
    """Record what the account buys at a location."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    if location is not None and location.account_id != account.pk:
        raise ValidationFailed({"location": ["That location belongs to another account."]})
    start = start_date or timezone.localdate()
    agreement = ServiceAgreement(
        account=account,
        location=location,
        kind=kind,
        description=description.strip(),
        identifier=identifier.strip(),
        start_date=start,
        status=AgreementStatus.PENDING if start > timezone.localdate() else AgreementStatus.ACTIVE,
    )
    clean_or_fail(agreement, exclude=["account", "location"])
    agreement.save()
    audit_created(actor=actor, obj=agreement)
    return agreement


@transaction.atomic
def agreement_end(*, agreement: ServiceAgreement, end_date: dt.date, actor) -> ServiceAgreement:
    """End an agreement on a date (billing prorates the last period from it later)."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    if agreement.status == AgreementStatus.ENDED:
        raise InvalidTransition("This agreement has already ended.")
    if end_date < agreement.start_date:
        raise ValidationFailed({"end_date": ["The end date is before the start date."]})
    before = snapshot(agreement, ["status", "end_date"])
    agreement.end_date = end_date
    agreement.status = AgreementStatus.ENDED
    agreement.save(update_fields=["end_date", "status", "updated_at"])
    audit_updated(actor=actor, obj=agreement, before=before)
    return agreement


@transaction.atomic
def equipment_add(
    *,
    location: ServiceLocation,
    kind: str,
    make: str = "",
    model: str = "",
    serial_number: str = "",
    installed_on: dt.date | None = None,
    warranty_until: dt.date | None = None,
    notes: str = "",
    actor,
) -> Equipment:
    """Record a unit installed at a location."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    item = Equipment(
        location=location,
        account_id=location.account_id,
        kind=kind.strip(),
        make=make.strip(),
        model=model.strip(),
        serial_number=serial_number.strip(),
        installed_on=installed_on,
        warranty_until=warranty_until,
        notes=notes,
    )
    clean_or_fail(item, exclude=["location", "account"])
    item.save()
    audit_created(actor=actor, obj=item)
    return item


# --- Programs, alerts, notes -----------------------------------------------------------------


@transaction.atomic
def program_enroll(*, account: Account, program: Program, actor) -> ProgramEnrollment:
    """Enroll an account in a program; enrolling twice is refused."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    if not program.active:
        raise ValidationFailed({"program": ["This program is closed to new enrollments."]})
    if ProgramEnrollment.objects.filter(
        account=account, program=program, ended_on__isnull=True
    ).exists():
        raise ValidationFailed({"program": [f"The account is already enrolled in {program.name}."]})
    try:
        # Two desks enrolling at once: the partial unique constraint lets one in; the
        # savepoint keeps the other's transaction usable so it can answer with a message.
        with transaction.atomic():
            enrollment = ProgramEnrollment.objects.create(
                account=account, program=program, enrolled_by=actor
            )
    except IntegrityError as exc:
        raise ValidationFailed(
            {"program": [f"The account is already enrolled in {program.name}."]}
        ) from exc
    audit_created(actor=actor, obj=enrollment)
    return enrollment


@transaction.atomic
def program_unenroll(*, enrollment: ProgramEnrollment, actor) -> ProgramEnrollment:
    """End an enrollment today."""
    require_capability(actor, Cap.ACCOUNTS_EDIT)
    if enrollment.ended_on:
        raise InvalidTransition("This enrollment has already ended.")
    before = snapshot(enrollment, ["ended_on"])
    enrollment.ended_on = timezone.localdate()
    enrollment.save(update_fields=["ended_on", "updated_at"])
    audit_updated(actor=actor, obj=enrollment, before=before)
    return enrollment


@transaction.atomic
def alert_pin(
    *,
    account: Account,
    kind: str,
    message: str = "",
    severity: str = "warning",
    expires_on: dt.date | None = None,
    actor,
) -> AccountAlert:
    """Pin an alert to the top of the account page."""
    require_capability(actor, Cap.ACCOUNTS_ALERTS)
    alert = AccountAlert(
        account=account,
        kind=kind,
        message=message.strip(),
        severity=severity,
        expires_on=expires_on,
        created_by=actor,
    )
    clean_or_fail(alert, exclude=["account", "created_by"])
    alert.save()
    audit_created(actor=actor, obj=alert)
    return alert


@transaction.atomic
def alert_clear(*, alert: AccountAlert, actor) -> AccountAlert:
    """Take an alert down (it stays in the history)."""
    require_capability(actor, Cap.ACCOUNTS_ALERTS)
    before = snapshot(alert, ["active"])
    alert.active = False
    alert.save(update_fields=["active", "updated_at"])
    audit_updated(actor=actor, obj=alert, before=before)
    return alert


@transaction.atomic
def note_log(
    *,
    account: Account,
    summary: str,
    channel: str = Channel.PHONE,
    direction: str = Direction.INBOUND,
    occurred_at: dt.datetime | None = None,
    case_ref: str = "",
    actor,
) -> Note:
    """Log a contact (or an internal note) on the account's timeline in one step."""
    require_capability(actor, Cap.ACCOUNTS_NOTE)
    note = Note(
        account=account,
        summary=(summary or "").strip(),
        channel=channel,
        direction=direction,
        occurred_at=occurred_at or timezone.now(),
        author=actor,
        case_ref=case_ref,
    )
    if not note.summary:
        raise ValidationFailed({"summary": ["Write what the contact was about."]})
    if note.occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationFailed({"occurred_at": ["A contact cannot happen in the future."]})
    clean_or_fail(note, exclude=["account", "author"])
    note.save()
    audit_created(actor=actor, obj=note)
    return note
