"""The customers API over HTTP with token authentication: the happy path of every endpoint,
bad input answered with a 400 naming the field (and nothing written), state conflicts
answered with a 409, and rows of other accounts out of reach of a nested URL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from servicebook.core.audit import history_for
from servicebook.core.models import AuditEvent
from servicebook.core.sequences import luhn_valid
from servicebook.core.testing.factories import make_account, make_case, make_user
from servicebook.customers.models import (
    NOTE_MAX_LENGTH,
    Account,
    AccountAlert,
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
    agreement_add,
    alert_clear,
    alert_pin,
    equipment_add,
    note_log,
    program_enroll,
    program_unenroll,
)

pytestmark = pytest.mark.django_db

ALL_TABLES = [
    Customer,
    Account,
    ServiceLocation,
    Contact,
    ContactPhone,
    ContactEmail,
    ServiceAgreement,
    Equipment,
    ProgramEnrollment,
    AccountAlert,
    Note,
    AuditEvent,
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ALL_TABLES}


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def admin(db):
    return make_user("admin")


@pytest.fixture
def rep1(db):
    return make_user("rep1")


@pytest.fixture
def api(rep1):
    """A tier-I representative's client: views and edits accounts, cannot pin alerts."""
    return client_for(rep1)


@pytest.fixture
def account(admin):
    return make_account(actor=admin, first_name="Jane", last_name="Doe", email="jane@example.com")


def url(account, tail: str = "") -> str:
    return f"/api/accounts/{account.pk}/{tail}"


# --- Authentication ------------------------------------------------------------------------


def test_anonymous_requests_are_refused_with_401(account):
    response = APIClient().get("/api/accounts/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_session_login_also_reaches_the_api(rep1, account):
    client = APIClient()
    client.force_login(rep1)
    assert client.get("/api/accounts/").status_code == 200


# --- Customers ---------------------------------------------------------------------------------


def test_customers_list_and_retrieve(api, account):
    listing = api.get("/api/customers/").json()
    assert listing["count"] == 1
    assert listing["results"][0]["display_name"] == "Doe, Jane"
    detail = api.get(f"/api/customers/{account.customer_id}/").json()
    assert detail["kind"] == "person"
    assert detail["last_name"] == "Doe"


def test_customer_patch_renames_through_the_service_and_refreshes_the_search(api, account):
    response = api.patch(f"/api/customers/{account.customer_id}/", {"last_name": "Smith"})
    assert response.status_code == 200, response.content
    assert response.json()["display_name"] == "Smith, Jane"
    assert history_for(account.customer).filter(action="update").exists()
    hits = api.get("/api/accounts/search/", {"q": "smith"}).json()
    assert [h["account_id"] for h in hits] == [account.pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"last_name": "x" * 101}, "last_name"),
        ({"kind": "robot"}, "kind"),
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
        ({"last_name": "", "first_name": ""}, "last_name"),
        ({"display_name": "Sneaky"}, "display_name"),
    ],
)
def test_customer_patch_with_bad_input_names_the_field_and_changes_nothing(
    api, account, body, field
):
    before = counts()
    response = api.patch(f"/api/customers/{account.customer_id}/", body)
    assert response.status_code == 400
    assert field in response.json()
    account.customer.refresh_from_db()
    assert account.customer.display_name == "Doe, Jane"
    assert counts() == before


# --- Accounts: list, filters, ordering, pagination ----------------------------------------------


def test_account_list_filters_orders_and_paginates(api, admin):
    a = make_account(actor=admin, last_name="Alpha")
    b = make_account(actor=admin, last_name="Bravo", line_of_business="telecom")
    c = make_account(actor=admin, last_name="Charlie", organisation_name="Charlie Co")
    api_admin = client_for(admin)
    api_admin.post(url(c, "status/"), {"status": "past_due", "reason": "missed bill"})

    numbers = [r["number"] for r in api.get("/api/accounts/").json()["results"]]
    assert numbers == sorted([a.number, b.number, c.number])
    desc = [r["number"] for r in api.get("/api/accounts/?ordering=-number").json()["results"]]
    assert desc == sorted(numbers, reverse=True)

    only_telecom = api.get("/api/accounts/?line_of_business=telecom").json()
    assert [r["id"] for r in only_telecom["results"]] == [b.pk]
    past_due = api.get("/api/accounts/?status=past_due&status=suspended").json()
    assert [r["id"] for r in past_due["results"]] == [c.pk]
    assert past_due["results"][0]["customer"]["display_name"] == "Charlie Co"

    page = api.get("/api/accounts/?page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert api.get("/api/accounts/?status=nonsense").status_code == 400


def test_account_list_query_count_does_not_grow_with_rows(api, admin):
    make_account(actor=admin)
    with CaptureQueriesContext(connection) as one:
        api.get("/api/accounts/")
    for _ in range(4):
        make_account(actor=admin)
    with CaptureQueriesContext(connection) as five:
        assert len(api.get("/api/accounts/").json()["results"]) == 5
    assert len(five) == len(one)


# --- Accounts: the 360 view --------------------------------------------------------------------


def test_account_360_shows_everything_the_account_page_needs(api, admin, account):
    location = account.locations.get()
    agreement_add(account=account, kind="electric", description="Residential", actor=admin)
    equipment_add(location=location, kind="Meter", serial_number="M-1", actor=admin)
    open_program = Program.objects.create(code="budget", name="Budget billing")
    ended_program = Program.objects.create(code="paperless", name="Paperless")
    program_enroll(account=account, program=open_program, actor=admin)
    program_unenroll(
        enrollment=program_enroll(account=account, program=ended_program, actor=admin),
        actor=admin,
    )
    alert_pin(account=account, kind="cash_only", actor=admin)
    alert_clear(alert=alert_pin(account=account, kind="fraud", actor=admin), actor=admin)
    note_log(account=account, summary="Called about the bill", actor=admin)
    open_case = make_case(account=account, actor=admin)

    body = api.get(url(account)).json()
    assert body["number"] == account.number
    assert body["customer"]["display_name"] == "Doe, Jane"
    assert body["locations"][0]["postal_code"] == "80202"
    contact = body["contacts"][0]
    assert contact["phones"][0]["e164"] == "+13035550147"
    assert contact["phones"][0]["display"] == "(303) 555-0147"
    assert contact["emails"][0]["email"] == "jane@example.com"
    assert body["agreements"][0]["kind"] == "electric"
    assert body["equipment"][0]["serial_number"] == "M-1"
    assert [e["program"]["code"] for e in body["open_enrollments"]] == ["budget"]
    assert [a["kind"] for a in body["active_alerts"]] == ["cash_only"]
    assert body["recent_notes"][0]["summary"] == "Called about the bill"
    assert [c["number"] for c in body["open_cases"]] == [open_case.number]


def test_account_360_query_count_is_fixed(api, admin, account):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url(account)).status_code == 200
        return len(ctx)

    def add_one_of_each(i: int) -> None:
        make_case(account=account, actor=admin, subject=f"case {i}")
        note_log(account=account, summary=f"note {i}", actor=admin)
        alert_pin(account=account, kind="other", message=str(i), actor=make_user("rep2"))
        program = Program.objects.create(code=f"p{i}", name=f"Program {i}")
        program_enroll(account=account, program=program, actor=make_user("rep1"))
        agreement_add(account=account, kind="water", description=f"w{i}", actor=admin)

    add_one_of_each(0)
    baseline = queries()
    for i in range(1, 4):
        add_one_of_each(i)
    assert queries() == baseline


def test_unknown_account_is_404(api):
    assert api.get("/api/accounts/999999/").status_code == 404
    assert api.get("/api/accounts/not-a-number/").status_code == 404


# --- Accounts: open, update, status, search ------------------------------------------------------

OPEN_BODY = {
    "kind": "person",
    "first_name": "Maria",
    "last_name": "Garcia",
    "line_of_business": "utility",
    "location": {
        "line1": "1600 Pennsylvania St",
        "city": "Denver",
        "region": "co",
        "postal_code": "80203",
        "latitude": "39.740000",
        "longitude": "-104.981000",
    },
    "contact": {
        "name": "Maria Garcia",
        "phones": [{"number": "303.555.0199", "kind": "home"}],
        "emails": ["Maria@Example.com"],
    },
}


def test_account_open_creates_customer_account_location_and_contact(api):
    response = api.post("/api/accounts/", OPEN_BODY)
    assert response.status_code == 201, response.content
    body = response.json()
    assert luhn_valid(body["number"])
    assert body["status"] == "active"
    assert body["customer"]["display_name"] == "Garcia, Maria"
    assert body["locations"][0]["region"] == "CO"
    assert body["locations"][0]["is_primary"] is True
    assert body["contacts"][0]["phones"][0]["e164"] == "+13035550199"
    assert body["contacts"][0]["emails"][0]["email"] == "maria@example.com"
    assert body["open_cases"] == []
    account = Account.objects.get(pk=body["id"])
    assert history_for(account).filter(action="create").exists()


def _with(path: str, value):
    """OPEN_BODY with one (dotted) key replaced."""
    import copy

    body = copy.deepcopy(OPEN_BODY)
    target = body
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return body


@pytest.mark.parametrize(
    ("body", "error_path"),
    [
        (_with("contact.phones.0.number", "12"), ["contact", "phones", "0", "number"]),
        (_with("contact.phones.0.number", "call me maybe"), ["contact", "phones", "0", "number"]),
        (_with("contact.emails", ["not-an-email"]), ["contact", "emails", "0"]),
        (_with("location.postal_code", "ABCDE"), ["location", "postal_code"]),
        (_with("location.time_zone", "Mars/Olympus"), ["location", "time_zone"]),
        (_with("location.latitude", "123.0"), ["location", "latitude"]),
        (_with("location.line1", "x" * 201), ["location", "line1"]),
        (_with("last_name", "x" * 101), ["last_name"]),
        (_with("line_of_business", "bakery"), ["line_of_business"]),
        (_with("last_name", ""), ["last_name"]),
        (_with("number", "1000000001"), ["number"]),
    ],
)
def test_account_open_with_bad_input_names_the_field_and_creates_nothing(api, body, error_path):
    before = counts()
    response = api.post("/api/accounts/", body, format="json")
    assert response.status_code == 400, response.content
    node = response.json()
    for key in error_path:
        node = node[key]
    assert node, response.json()
    assert counts() == before


def test_account_open_organisation_needs_its_name(api):
    body = {"kind": "organisation", "line_of_business": "field_service"}
    response = api.post("/api/accounts/", body)
    assert response.status_code == 400
    assert "organisation_name" in response.json()


def test_account_patch_changes_class_and_credit_but_not_status(api, account):
    response = api.patch(url(account), {"customer_class": "commercial", "credit_rating": "good"})
    assert response.status_code == 200, response.content
    assert response.json()["customer_class"] == "commercial"
    account.refresh_from_db()
    assert account.credit_rating == "good"

    before = counts()
    refused = api.patch(url(account), {"status": "closed"})
    assert refused.status_code == 400
    assert refused.json() == {"status": ["Unknown field."]}
    account.refresh_from_db()
    assert account.status == "active"
    assert counts() == before


def test_account_status_moves_with_a_reason(api, account):
    response = api.post(url(account, "status/"), {"status": "closed", "reason": "moved away"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    assert response.json()["closed_on"] == timezone.localdate().isoformat()
    event = history_for(account).get(action="status")
    assert event.message == "moved away"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "closed", "reason": ""}, "reason"),
        ({"status": "closed"}, "reason"),
        ({"status": "asleep", "reason": "x"}, "status"),
        ({"status": "closed", "reason": "x" * 501}, "reason"),
    ],
)
def test_account_status_bad_input_is_400(api, account, body, field):
    response = api.post(url(account, "status/"), body)
    assert response.status_code == 400
    assert field in response.json()
    account.refresh_from_db()
    assert account.status == "active"


def test_account_search_finds_by_phone_in_any_format_and_by_number(api, account):
    hits = api.get("/api/accounts/search/", {"q": "303 555 0147"}).json()
    assert hits[0]["account_id"] == account.pk
    assert hits[0]["matched"] == "phone"
    assert hits[0]["score"] > 0
    by_number = api.get("/api/accounts/search/", {"q": account.number}).json()
    assert by_number[0]["matched"] == "number"
    assert api.get("/api/accounts/search/", {"q": "zzzzqqq"}).json() == []


def test_account_search_needs_a_query(api):
    response = api.get("/api/accounts/search/")
    assert response.status_code == 400
    assert "q" in response.json()
    assert api.get("/api/accounts/search/", {"q": "x", "limit": "0"}).status_code == 400


# --- Notes ---------------------------------------------------------------------------------------


def test_notes_list_newest_first_and_log_a_note(api, admin, account):
    note_log(
        account=account,
        summary="older",
        occurred_at=timezone.now() - dt.timedelta(days=1),
        actor=admin,
    )
    response = api.post(
        url(account, "notes/"),
        {"summary": "Customer called", "channel": "email", "direction": "outbound"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["author"]["username"].startswith("rep1")
    listing = api.get(url(account, "notes/")).json()
    assert [n["summary"] for n in listing["results"]] == ["Customer called", "older"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"summary": "x" * (NOTE_MAX_LENGTH + 1)}, "summary"),
        ({"summary": "   "}, "summary"),
        ({"summary": "hi", "channel": "pigeon"}, "channel"),
        ({"summary": "hi", "occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
    ],
)
def test_note_bad_input_is_400_and_writes_nothing(api, account, body, field):
    before = counts()
    response = api.post(url(account, "notes/"), body)
    assert response.status_code == 400
    assert field in response.json()
    assert counts() == before


def test_nested_routes_of_an_unknown_account_are_404(api):
    assert api.get("/api/accounts/999999/notes/").status_code == 404
    assert api.post("/api/accounts/999999/notes/", {"summary": "x"}).status_code == 404


# --- Contacts ------------------------------------------------------------------------------------


def test_contact_add_update_phones_and_emails(api, account):
    response = api.post(
        url(account, "contacts/"),
        {
            "name": "Bob Doe",
            "role": "authorized",
            "phones": [{"number": "+1 720 555 0100"}],
            "emails": ["bob@example.com"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    contact = response.json()
    assert contact["phones"][0]["e164"] == "+17205550100"
    assert contact["is_primary"] is False
    curl = url(account, f"contacts/{contact['id']}/")

    updated = api.patch(curl, {"do_not_call": True, "preferred_channel": "email"})
    assert updated.status_code == 200
    assert updated.json()["do_not_call"] is True

    phone = api.post(curl + "phones/", {"number": "(720) 555-0111", "kind": "work"})
    assert phone.status_code == 201, phone.content
    assert phone.json()["e164"] == "+17205550111"
    email = api.post(curl + "emails/", {"email": "BOB@work.example.com"})
    assert email.status_code == 201
    assert email.json()["email"] == "bob@work.example.com"

    removed = api.delete(curl + f"phones/{phone.json()['id']}/")
    assert removed.status_code == 204
    assert not ContactPhone.objects.filter(pk=phone.json()["id"]).exists()
    hits = api.get("/api/accounts/search/", {"q": "720-555-0111"}).json()
    assert account.pk not in [h["account_id"] for h in hits if h["matched"] == "phone"]


@pytest.mark.parametrize(
    ("tail", "body", "field"),
    [
        ("phones/", {"number": "555"}, "number"),
        ("phones/", {"number": "303-555-0147", "kind": "pager"}, "kind"),
        ("emails/", {"email": "nope"}, "email"),
        ("", {"name": "x" * 201}, "name"),
        ("", {"role": "boss"}, "role"),
    ],
)
def test_contact_bad_input_is_400(api, account, tail, body, field):
    contact = account.contacts.get()
    before = counts()
    curl = url(account, f"contacts/{contact.pk}/{tail}")
    response = api.patch(curl, body) if not tail else api.post(curl, body)
    assert response.status_code == 400
    assert field in response.json()
    assert counts() == before


def test_rows_of_another_account_are_not_reachable_through_this_account(api, admin, account):
    other = make_account(actor=admin, phone="(303) 555-0188")
    other_contact = other.contacts.get()
    other_phone = other_contact.phones.get()
    own_contact = account.contacts.get()
    before = counts()
    assert api.get(url(account, f"contacts/{other_contact.pk}/")).status_code == 404
    assert (
        api.patch(url(account, f"contacts/{other_contact.pk}/"), {"name": "X"}).status_code == 404
    )
    # The phone exists, but not on this contact.
    response = api.delete(url(account, f"contacts/{own_contact.pk}/phones/{other_phone.pk}/"))
    assert response.status_code == 404
    assert api.get(url(account, f"locations/{other.locations.get().pk}/")).status_code == 404
    assert counts() == before


# --- Locations ---------------------------------------------------------------------------


def test_location_add_and_update(api, account):
    response = api.post(
        url(account, "locations/"),
        {
            "label": "Cabin",
            "line1": "1 Lake Rd",
            "city": "Ottawa",
            "region": "ON",
            "postal_code": "k1a0b1",
            "country": "ca",
            "time_zone": "America/Toronto",
        },
    )
    assert response.status_code == 201, response.content
    location = response.json()
    assert location["postal_code"] == "K1A 0B1"
    assert location["country"] == "CA"
    assert location["is_primary"] is False

    changed = api.patch(url(account, f"locations/{location['id']}/"), {"access_notes": "Dog"})
    assert changed.status_code == 200
    assert changed.json()["access_notes"] == "Dog"
    listing = api.get(url(account, "locations/")).json()
    assert listing["count"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"postal_code": "1234"}, "postal_code"),
        ({"time_zone": "Nowhere/Land"}, "time_zone"),
        ({"country": "USA"}, "country"),
        ({"longitude": "200"}, "longitude"),
        ({"account": 1}, "account"),
    ],
)
def test_location_update_bad_input_is_400(api, account, body, field):
    location = account.locations.get()
    response = api.patch(url(account, f"locations/{location.pk}/"), body)
    assert response.status_code == 400
    assert field in response.json()
    location.refresh_from_db()
    assert location.postal_code == "80202"


# --- Agreements, equipment ----------------------------------------------------------------------


def test_agreement_add_and_end_then_ending_twice_is_409(api, account):
    location = account.locations.get()
    response = api.post(
        url(account, "agreements/"),
        {"kind": "gas", "description": "Gas service", "location": location.pk},
    )
    assert response.status_code == 201, response.content
    agreement = response.json()
    assert agreement["status"] == "active"
    end_url = url(account, f"agreements/{agreement['id']}/end/")
    today = timezone.localdate().isoformat()
    ended = api.post(end_url, {"end_date": today})
    assert ended.status_code == 200
    assert ended.json()["status"] == "ended"

    before = counts()
    again = api.post(end_url, {"end_date": today})
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert counts() == before


def test_agreement_bad_input(api, admin, account):
    other_location = make_account(actor=admin).locations.get()
    before = counts()
    response = api.post(
        url(account, "agreements/"),
        {"kind": "gas", "description": "x", "location": other_location.pk},
    )
    assert response.status_code == 400
    assert "location" in response.json()
    too_long = api.post(url(account, "agreements/"), {"kind": "gas", "description": "x" * 201})
    assert "description" in too_long.json()
    assert counts() == before

    agreement = agreement_add(
        account=account,
        kind="gas",
        description="Gas",
        start_date=timezone.localdate(),
        actor=admin,
    )
    early = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    response = api.post(url(account, f"agreements/{agreement.pk}/end/"), {"end_date": early})
    assert response.status_code == 400
    assert "end_date" in response.json()


def test_equipment_add_at_a_location_of_the_account(api, admin, account):
    location = account.locations.get()
    response = api.post(
        url(account, "equipment/"),
        {"location": location.pk, "kind": "Furnace", "make": "Acme", "serial_number": "F-9"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["location"] == location.pk
    assert api.get(url(account, "equipment/")).json()["count"] == 1

    other_location = make_account(actor=admin).locations.get()
    refused = api.post(url(account, "equipment/"), {"location": other_location.pk, "kind": "X"})
    assert refused.status_code == 400
    assert "location" in refused.json()
    missing = api.post(url(account, "equipment/"), {"kind": "X"})
    assert "location" in missing.json()


# --- Programs and enrollments --------------------------------------------------------------------


def test_programs_enroll_and_end(api, account):
    program = Program.objects.create(code="budget", name="Budget billing")
    assert [p["code"] for p in api.get("/api/programs/").json()["results"]] == ["budget"]
    response = api.post(url(account, "enrollments/"), {"program": program.pk})
    assert response.status_code == 201, response.content
    enrollment = response.json()
    assert enrollment["ended_on"] is None

    before = counts()
    twice = api.post(url(account, "enrollments/"), {"program": program.pk})
    assert twice.status_code == 400
    assert "program" in twice.json()
    assert counts() == before

    end_url = url(account, f"enrollments/{enrollment['id']}/end/")
    assert api.post(end_url).json()["ended_on"] == timezone.localdate().isoformat()
    assert api.post(end_url).status_code == 409
    assert api.post(url(account, "enrollments/"), {"program": 999999}).status_code == 400


# --- Alerts ------------------------------------------------------------------------------------


def test_alerts_need_the_alerts_capability(api, account):
    before = counts()
    refused = api.post(url(account, "alerts/"), {"kind": "safety", "message": "Dog"})
    assert refused.status_code == 403
    assert counts() == before

    rep2 = client_for(make_user("rep2"))
    response = rep2.post(url(account, "alerts/"), {"kind": "safety", "severity": "critical"})
    assert response.status_code == 201, response.content
    alert_id = response.json()["id"]
    assert api.get(url(account, "alerts/")).json()["results"][0]["active"] is True

    before = counts()
    assert api.post(url(account, f"alerts/{alert_id}/clear/")).status_code == 403
    assert counts() == before
    cleared = rep2.post(url(account, f"alerts/{alert_id}/clear/"))
    assert cleared.status_code == 200
    assert cleared.json()["active"] is False
    assert rep2.post(url(account, "alerts/"), {"kind": "volcano"}).status_code == 400
