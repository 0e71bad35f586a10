"""CSV and Excel import and export of accounts: one row an account, with its customer,
its primary premise and its primary contact.

The export writes the columns the import reads, so a book can go out, be edited in a
spreadsheet, and come back. A blank account number makes a new customer and account; a
number updates that account, and only where the file differs (a row already as the file
says is counted unchanged and writes nothing, not even an audit row). Every write goes
through the customers services (capability, validation, phone normalisation to E.164,
audit). The engine (reading files, savepoint per row, dry run, writing files) is
servicebook.core.transfer.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch

from servicebook.core.errors import ServiceError, ValidationFailed
from servicebook.core.phones import normalize_phone
from servicebook.core.transfer import UNCHANGED, ImportReport, run_import

from . import services
from .models import Account, Contact, ServiceLocation
from .selectors import accounts_visible_to
from .services import ContactInput, LocationInput

ACCOUNT_COLUMNS = [
    "account_number",
    "kind",
    "first_name",
    "last_name",
    "organisation_name",
    "customer_class",
    "line_of_business",
    "jurisdiction",
    "status",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "contact_name",
    "phones",
    "emails",
]
# A file must at least say which account a row is and what kind of customer holds it.
REQUIRED = ["account_number", "kind"]
CUSTOMER_FIELDS = ["kind", "first_name", "last_name", "organisation_name"]
ACCOUNT_FIELDS = ["customer_class", "line_of_business", "jurisdiction"]
ADDRESS_FIELDS = ["line1", "line2", "city", "region", "postal_code", "country"]
EXPORT_CHUNK = 2_000
# Several phones or emails in one cell.
SEPARATOR = ";"


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(SEPARATOR) if part.strip()]


def _renamed(exc: ServiceError, names: dict[str, str]) -> ValidationFailed:
    """The service's error with its fields named as the file's columns."""
    errors = getattr(exc, "errors", None) or {exc.field or "row": [exc.message]}
    return ValidationFailed({names.get(k, k): v for k, v in errors.items()})


def _phones(row: dict) -> list[str]:
    result = []
    for raw in _split(row.get("phones", "")):
        try:
            result.append(normalize_phone(raw))
        except ValueError as exc:
            raise ValidationFailed({"phones": [str(exc)]}) from exc
    return result


def _given(row: dict, names: list[str]) -> dict[str, str]:
    """The columns the file has (a column left out of the file leaves the field alone)."""
    return {name: row[name] for name in names if name in row}


def _location_input(row: dict) -> LocationInput:
    address = _given(row, ADDRESS_FIELDS)
    address["country"] = (address.get("country") or "US").upper()
    return LocationInput(
        **{k: address.get(k, "") for k in ("line1", "city", "region", "postal_code")},
        line2=address.get("line2", ""),
        country=address["country"],
    )


def _contact_input(row: dict, customer) -> ContactInput:
    # Phones with no contact name belong to the customer themself: name the contact so.
    own = customer.organisation_name or f"{customer.first_name} {customer.last_name}".strip()
    return ContactInput(
        name=row.get("contact_name") or own,
        phones=[(p, "mobile") for p in _split(row.get("phones", ""))],
        emails=_split(row.get("emails", "")),
    )


CONTACT_NAMES = {"name": "contact_name", "number": "phones", "email": "emails"}


def _create(row: dict, actor) -> bool:
    names = _given(row, CUSTOMER_FIELDS)
    customer = services.customer_create(
        kind=names.get("kind", ""),
        first_name=names.get("first_name", ""),
        last_name=names.get("last_name", ""),
        organisation_name=names.get("organisation_name", ""),
        actor=actor,
    )
    if not row.get("line_of_business"):
        raise ValidationFailed({"line_of_business": ["Give the line of business."]})
    account = services.account_create(
        customer=customer,
        line_of_business=row["line_of_business"],
        customer_class=row.get("customer_class") or "residential",
        jurisdiction=row.get("jurisdiction", ""),
        actor=actor,
    )
    if any(row.get(name) for name in ADDRESS_FIELDS if name != "country"):
        services.location_add(
            account=account, data=_location_input(row), is_primary=True, actor=actor
        )
    if any(row.get(name) for name in ("contact_name", "phones", "emails")):
        try:
            services.contact_add(
                account=account,
                data=_contact_input(row, account.customer),
                is_primary=True,
                actor=actor,
            )
        except ServiceError as exc:
            raise _renamed(exc, CONTACT_NAMES) from exc
    return True


def _update(account: Account, row: dict, actor) -> bool | None:
    changed = False
    customer = account.customer
    wanted = _given(row, CUSTOMER_FIELDS)
    diff = {k: v for k, v in wanted.items() if getattr(customer, k) != v}
    if diff:
        services.customer_update(customer=customer, actor=actor, **diff)
        changed = True
    wanted = _given(row, ACCOUNT_FIELDS)
    diff = {k: v for k, v in wanted.items() if v and getattr(account, k) != v}
    if "jurisdiction" in wanted and account.jurisdiction != wanted["jurisdiction"]:
        diff["jurisdiction"] = wanted["jurisdiction"]
    if diff:
        services.account_update(account=account, actor=actor, **diff)
        changed = True
    # The status is read-only here: it moves through its own services and their rules.
    location = account.locations.first()  # the primary one first (model ordering)
    address = _given(row, ADDRESS_FIELDS)
    if "country" in address:
        address["country"] = (address["country"] or "US").upper()
    if location is None and any(v for k, v in address.items() if k != "country"):
        services.location_add(
            account=account, data=_location_input(row), is_primary=True, actor=actor
        )
        changed = True
    elif location is not None:
        diff = {k: v for k, v in address.items() if getattr(location, k) != v}
        if diff:
            services.location_update(location=location, actor=actor, **diff)
            changed = True
    return _update_contact(account, row, actor) or changed


def _update_contact(account: Account, row: dict, actor) -> bool:
    """Name the primary contact as the file does and add the phones and emails it lists
    that the contact lacks. Nothing is removed: a number missing from a cell may simply
    have been left out, and a removal is done on the account page."""
    contact = account.contacts.first()
    try:
        if contact is None:
            if not any(row.get(n) for n in ("contact_name", "phones", "emails")):
                return False
            services.contact_add(
                account=account,
                data=_contact_input(row, account.customer),
                is_primary=True,
                actor=actor,
            )
            return True
        changed = False
        name = row.get("contact_name")
        if name and name != contact.name:
            services.contact_update(contact=contact, name=name, actor=actor)
            changed = True
        have = set(contact.phones.values_list("e164", flat=True))
        for e164 in _phones(row):
            if e164 not in have:
                services.contact_phone_add(contact=contact, number=e164, actor=actor)
                have.add(e164)
                changed = True
        have = set(contact.emails.values_list("email", flat=True))
        for email in _split(row.get("emails", "")):
            if email.lower() not in have:
                services.contact_email_add(contact=contact, email=email, actor=actor)
                have.add(email.lower())
                changed = True
        return changed
    except ServiceError as exc:
        raise _renamed(exc, CONTACT_NAMES) from exc


def accounts_import(*, rows: list[dict], dry_run: bool, actor) -> ImportReport:
    """Create accounts (blank account number) or update them (by number) from rows."""

    def apply(row: dict) -> bool | None:
        number = row.get("account_number", "")
        if not number:
            return _create(row, actor)
        account = Account.objects.select_related("customer").filter(number=number).first()
        if account is None:
            raise ValidationFailed({"account_number": [f"No account “{number}”."]})
        return False if _update(account, row, actor) else UNCHANGED

    return run_import("Accounts", rows, apply, dry_run=dry_run)


# --- Export -------------------------------------------------------------------------------------


def accounts_table(user) -> Iterator[list]:
    """The accounts this user may see, one row each, read a chunk at a time (a whole book
    never sits in memory)."""
    accounts = (
        accounts_visible_to(user)
        .select_related("customer")
        .prefetch_related(
            Prefetch("locations", queryset=ServiceLocation.objects.order_by("-is_primary", "id")),
            Prefetch(
                "contacts",
                queryset=Contact.objects.order_by("-is_primary", "id").prefetch_related(
                    "phones", "emails"
                ),
            ),
        )
        .order_by("number")
    )
    for account in accounts.iterator(chunk_size=EXPORT_CHUNK):
        c = account.customer
        locations = list(account.locations.all())
        loc = locations[0] if locations else None
        contacts = list(account.contacts.all())
        contact = contacts[0] if contacts else None
        yield [
            account.number,
            c.kind,
            c.first_name,
            c.last_name,
            c.organisation_name,
            account.customer_class,
            account.line_of_business,
            account.jurisdiction,
            account.status,
            *([getattr(loc, k) for k in ADDRESS_FIELDS] if loc else [""] * len(ADDRESS_FIELDS)),
            contact.name if contact else "",
            "; ".join(p.e164 for p in contact.phones.all()) if contact else "",
            "; ".join(e.email for e in contact.emails.all()) if contact else "",
        ]
