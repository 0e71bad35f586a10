"""The cases API over HTTP with token authentication: list filters and ordering, the case
page, every lifecycle action through its service, bad input answered with a 400 naming the
field, and an action the case's state does not allow answered with a 409 that changes
nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from servicebook.cases.models import (
    TEXT_MAX_LENGTH,
    CannedResponse,
    Case,
    CaseEvent,
    CaseNote,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    ConsentRecord,
    Queue,
    ResolutionCode,
)
from servicebook.cases.services import (
    case_close,
    case_resolve,
    case_set_priority,
    checklist_answer,
    consent_record,
)
from servicebook.core.audit import history_for
from servicebook.core.models import AuditEvent
from servicebook.core.testing.factories import make_account, make_case, make_policy, make_user
from servicebook.customers.models import Note

pytestmark = pytest.mark.django_db

TABLES = [Case, CaseNote, CaseEvent, ChecklistAnswer, ConsentRecord, Note, AuditEvent]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def case_state(case: Case) -> dict:
    case = Case.objects.get(pk=case.pk)
    return {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}


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
    """A tier-I representative: works cases, may not assign to others or reopen closed."""
    return client_for(rep1)


@pytest.fixture
def account(admin):
    return make_account(actor=admin, last_name="Case")


@pytest.fixture
def case(account, admin):
    return make_case(account=account, actor=admin)


@pytest.fixture
def code(db):
    return ResolutionCode.objects.create(code="fixed", label="Fixed")


@pytest.fixture
def checklist(db):
    template = ChecklistTemplate.objects.create(case_type="trouble_ticket", name="Line check")
    lights = ChecklistItem.objects.create(template=template, position=1, prompt="Modem lights on?")
    speed = ChecklistItem.objects.create(
        template=template, position=2, prompt="Speed", answer_kind="number", required=False
    )
    return template, lights, speed


def act(api, case, action: str, body=None):
    return api.post(f"/api/cases/{case.pk}/{action}/", body or {}, format="json")


# --- List, filters, ordering --------------------------------------------------------------------


def test_case_list_filters(api, admin, account):
    other = make_account(actor=admin)
    urgent = make_case(account=account, actor=admin, priority="urgent", subject="Outage")
    low = make_case(account=other, actor=admin, priority="low", subject="Question")
    case_set_priority(case=low, priority="low", actor=admin)

    def ids(query: str) -> list[int]:
        response = api.get(f"/api/cases/{query}")
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert set(ids("")) == {urgent.pk, low.pk}
    assert ids(f"?account={other.pk}") == [low.pk]
    assert ids("?priority=urgent") == [urgent.pk]
    assert ids("?q=outage") == [urgent.pk]
    assert ids(f"?q={low.number}") == [low.pk]
    assert set(ids("?active=true&unassigned=true")) == {urgent.pk, low.pk}
    assert ids("?status=closed") == []
    assert api.get("/api/cases/?priority=whenever").status_code == 400


def test_case_list_orders_priority_by_urgency_and_due_dates_with_empty_last(api, admin, account):
    make_policy(priority="high")
    normal = make_case(account=account, actor=admin, priority="normal")
    urgent = make_case(account=account, actor=admin, priority="urgent")
    high = make_case(account=account, actor=admin, priority="high")
    low = make_case(account=account, actor=admin, priority="low")

    def order(ordering: str) -> list[int]:
        results = api.get(f"/api/cases/?ordering={ordering}").json()["results"]
        return [r["id"] for r in results]

    assert order("priority") == [urgent.pk, high.pk, normal.pk, low.pk]
    assert order("-priority") == [low.pk, normal.pk, high.pk, urgent.pk]
    # Only the high case has an SLA policy, so only it has a due date; it sorts first both
    # ways up the cases without one sort last on SQLite and PostgreSQL alike.
    assert order("resolution_due")[0] == high.pk
    assert order("-resolution_due")[0] == high.pk
    assert order("-created_at") == [low.pk, high.pk, urgent.pk, normal.pk]


def test_case_list_query_count_does_not_grow_with_rows(api, admin, account):
    make_case(account=account, actor=admin)
    with CaptureQueriesContext(connection) as one:
        api.get("/api/cases/")
    for _ in range(4):
        make_case(account=make_account(actor=admin), actor=admin)
    with CaptureQueriesContext(connection) as five:
        assert len(api.get("/api/cases/").json()["results"]) == 5
    assert len(five) == len(one)


# --- Open and read -------------------------------------------------------------------------------


def test_case_open_starts_the_sla_clock_and_routes_to_the_types_queue(api, account):
    make_policy(case_type="complaint", priority="high", first_response=60, resolution=480)
    queue = Queue.objects.create(
        name="Complaints", slug="complaints", default_for_types=["complaint"]
    )
    location = account.locations.get()
    response = api.post(
        "/api/cases/",
        {
            "account": account.pk,
            "case_type": "complaint",
            "priority": "high",
            "subject": "Rude technician",
            "location": location.pk,
            "channel": "email",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("C")
    assert body["status"] == "new"
    assert body["queue"]["id"] == queue.pk
    assert body["resolution_due"] is not None
    assert body["first_response_due"] is not None
    assert body["sla_paused"] is False
    assert body["events"][0]["kind"] == "created"
    assert body["account"] == {"id": account.pk, "number": account.number, "name": "Case, Jane"}


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"account": 999999}, "account"),
        ({"account": "abc"}, "account"),
        ({"subject": "x" * 201}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"description": "x" * (TEXT_MAX_LENGTH + 1)}, "description"),
        ({"case_type": "whim"}, "case_type"),
        ({"priority": "asap"}, "priority"),
        ({"channel": "telepathy"}, "channel"),
        ({"assignee": 999999}, "assignee"),
        ({"location": 999999}, "location"),
        ({"status": "closed"}, "status"),
    ],
)
def test_case_open_bad_input_names_the_field_and_opens_nothing(api, account, patch, field):
    body = {"account": account.pk, "case_type": "inquiry", "subject": "Hello", **patch}
    before = counts()
    response = api.post("/api/cases/", body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before


def test_case_open_refuses_a_location_of_another_account(api, admin, account):
    other_location = make_account(actor=admin).locations.get()
    before = counts()
    response = api.post(
        "/api/cases/",
        {
            "account": account.pk,
            "case_type": "inquiry",
            "subject": "x",
            "location": other_location.pk,
        },
    )
    assert response.status_code == 400
    assert "location" in response.json()
    assert counts() == before


def test_case_open_assigning_someone_else_needs_the_assign_capability(api, account):
    colleague = make_user("rep1")
    before = counts()
    body = {"account": account.pk, "case_type": "inquiry", "subject": "x", "assignee": colleague.pk}
    assert api.post("/api/cases/", body).status_code == 403
    assert counts() == before
    supervisor = client_for(make_user("supervisor"))
    response = supervisor.post("/api/cases/", body)
    assert response.status_code == 201
    assert response.json()["assignee"]["id"] == colleague.pk
    assert response.json()["status"] == "open"


def test_case_detail_shows_timeline_checklist_and_consents(api, admin, case, checklist):
    _, lights, _ = checklist
    checklist_answer(case=case, item=lights, answer="Yes", actor=admin)
    consent_record(
        account=case.account,
        case=case,
        subject="carrier_dispatch",
        given_by="Jane",
        method="verbal_phone",
        actor=admin,
    )
    act(api, case, "notes", {"body": "Checked the line", "visibility": "customer"})

    body = api.get(f"/api/cases/{case.pk}/").json()
    assert [n["body"] for n in body["notes"]] == ["Checked the line"]
    assert [e["kind"] for e in body["events"]][:2] == ["created", "checklist"]
    assert body["first_responded_at"] is not None
    entries = {e["item"]["prompt"]: e["answer"] for e in body["checklist"]}
    assert entries["Modem lights on?"]["answer"] == "yes"
    assert entries["Speed"] is None
    assert body["consents"][0]["subject"] == "carrier_dispatch"
    assert api.get("/api/cases/999999/").status_code == 404


# --- Actions -------------------------------------------------------------------------------------


def test_note_with_a_canned_response_and_a_blank_note_is_refused(api, case):
    canned = CannedResponse.objects.create(title="Thanks", body="Thank you for calling.")
    response = act(api, case, "notes", {"canned_response": canned.pk, "visibility": "customer"})
    assert response.status_code == 201, response.content
    assert response.json()["body"] == "Thank you for calling."
    assert Case.objects.get(pk=case.pk).status == "open"

    before = counts()
    blank = act(api, case, "notes", {"body": "  "})
    assert blank.status_code == 400
    assert "body" in blank.json()
    too_long = act(api, case, "notes", {"body": "x" * (TEXT_MAX_LENGTH + 1)})
    assert "body" in too_long.json()
    assert act(api, case, "notes", {"body": "x", "visibility": "public"}).status_code == 400
    assert counts() == before


def test_transition_pauses_the_clock_and_an_illegal_move_is_409(api, case):
    response = act(api, case, "transition", {"status": "waiting_customer", "reason": "asked"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "waiting_customer"
    assert response.json()["sla_paused"] is True

    before, state = counts(), case_state(case)
    illegal = act(api, case, "transition", {"status": "resolved"})
    assert illegal.status_code == 409
    assert illegal.json()["code"] == "invalid_transition"
    assert counts() == before and case_state(case) == state
    unknown = act(api, case, "transition", {"status": "sleeping"})
    assert unknown.status_code == 400
    assert "status" in unknown.json()


def test_assign_to_self_to_someone_else_and_to_nobody(api, rep1, case):
    taken = act(api, case, "assign", {"assignee": rep1.pk})
    assert taken.status_code == 200, taken.content
    assert taken.json()["assignee"]["id"] == rep1.pk
    assert taken.json()["status"] == "open"

    colleague = make_user("rep1")
    before, state = counts(), case_state(case)
    assert act(api, case, "assign", {"assignee": colleague.pk}).status_code == 403
    assert counts() == before and case_state(case) == state

    queue = Queue.objects.create(name="Tier II", slug="tier2")
    rep2 = client_for(make_user("rep2"))
    moved = act(rep2, case, "assign", {"assignee": colleague.pk, "queue": queue.pk})
    assert moved.status_code == 200
    assert moved.json()["queue"]["id"] == queue.pk
    nothing = act(rep2, case, "assign", {})
    assert nothing.status_code == 400
    assert "assignee" in nothing.json()


def test_escalate_needs_a_reason_and_raises_the_level(api, case):
    missing = act(api, case, "escalate", {"reason": ""})
    assert missing.status_code == 400
    assert "reason" in missing.json()
    response = act(api, case, "escalate", {"reason": "Customer is angry"})
    assert response.status_code == 200
    assert response.json()["escalation_level"] == 1
    assert response.json()["escalated_at"] is not None


def test_resolve_needs_the_diagnostics_and_a_fitting_code(api, case, code, checklist):
    _, lights, _ = checklist
    before, state = counts(), case_state(case)
    unanswered = act(api, case, "resolve", {"resolution_code": code.pk, "summary": "done"})
    assert unanswered.status_code == 400
    assert "checklist" in unanswered.json()
    misfit = ResolutionCode.objects.create(
        code="refund", label="Refund", case_types=["billing_dispute"]
    )
    wrong = act(api, case, "resolve", {"resolution_code": misfit.pk})
    assert wrong.status_code == 400
    assert "resolution_code" in wrong.json()
    assert act(api, case, "resolve", {"resolution_code": 999999}).status_code == 400
    assert counts() == before and case_state(case) == state

    answered = act(api, case, "checklist", {"item": lights.pk, "answer": "yes"})
    assert answered.status_code == 200, answered.content
    assert answered.json()["answer"] == "yes"
    resolved = act(api, case, "resolve", {"resolution_code": code.pk, "summary": "Reset"})
    assert resolved.status_code == 200, resolved.content
    body = resolved.json()
    assert body["status"] == "resolved"
    assert body["resolution_code"]["code"] == "fixed"
    assert body["resolved_at"] is not None

    before, state = counts(), case_state(case)
    again = act(api, case, "resolve", {"resolution_code": code.pk})
    assert again.status_code == 409
    assert counts() == before and case_state(case) == state


def test_checklist_answers_are_validated_by_kind(api, admin, case, checklist):
    _, lights, speed = checklist
    other_template = ChecklistTemplate.objects.create(case_type="billing_dispute", name="Bill")
    foreign = ChecklistItem.objects.create(template=other_template, prompt="Which bill?")
    before = counts()
    for body, field in [
        ({"item": lights.pk, "answer": "maybe"}, "answer"),
        ({"item": speed.pk, "answer": "fast"}, "answer"),
        ({"item": foreign.pk, "answer": "yes"}, "item"),
        ({"item": 999999, "answer": "yes"}, "item"),
        ({"item": lights.pk, "answer": "x" * 501}, "answer"),
    ]:
        response = act(api, case, "checklist", body)
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()
    assert counts() == before


def test_close_only_from_resolved_and_reopen_rules(api, admin, case, code):
    before, state = counts(), case_state(case)
    early = act(api, case, "close", {"reason": "done"})
    assert early.status_code == 409
    assert counts() == before and case_state(case) == state
    before = counts()
    assert act(api, case, "reopen", {"reason": "why not"}).status_code == 409
    assert counts() == before

    case_resolve(case=case, resolution_code=code, actor=admin)
    missing = act(api, case, "reopen", {"reason": ""})
    assert missing.status_code == 400
    # A tier-I representative reopens a resolved case...
    reopened = act(api, case, "reopen", {"reason": "Still broken"})
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["status"] == "open"
    assert reopened.json()["reopen_count"] == 1

    case_resolve(case=Case.objects.get(pk=case.pk), resolution_code=code, actor=admin)
    closed = act(api, case, "close", {"reason": "confirmed"})
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_at"] is not None

    # ... but not a closed one; tier II may.
    before, state = counts(), case_state(case)
    assert act(api, case, "reopen", {"reason": "again"}).status_code == 403
    assert counts() == before and case_state(case) == state
    rep2 = client_for(make_user("rep2"))
    assert act(rep2, case, "reopen", {"reason": "again"}).json()["status"] == "open"


def test_closed_case_refuses_notes_and_changes_with_409(api, admin, case, code, checklist):
    checklist_answer(case=case, item=checklist[1], answer="no", actor=admin)
    case_resolve(case=case, resolution_code=code, actor=admin)
    case_close(case=Case.objects.get(pk=case.pk), actor=admin)
    colleague = make_user("rep1")
    rep2 = client_for(make_user("rep2"))
    before, state = counts(), case_state(case)
    for action, body in [
        ("notes", {"body": "hello"}),
        ("transition", {"status": "open"}),
        ("assign", {"assignee": colleague.pk}),
        ("escalate", {"reason": "x"}),
        ("priority", {"priority": "high"}),
        ("resolve", {"resolution_code": code.pk}),
        ("close", {}),
        ("checklist", {"item": checklist[1].pk, "answer": "yes"}),
    ]:
        response = act(rep2, case, action, body)
        assert response.status_code == 409, (action, response.content)
    assert counts() == before and case_state(case) == state


def test_priority_change_moves_the_sla_targets(api, case):
    make_policy(priority="urgent", first_response=15, resolution=60)
    response = act(api, case, "priority", {"priority": "urgent", "reason": "outage"})
    assert response.status_code == 200, response.content
    assert response.json()["priority"] == "urgent"
    assert response.json()["resolution_due"] is not None
    bad = act(api, case, "priority", {"priority": "someday"})
    assert bad.status_code == 400
    assert "priority" in bad.json()
    assert history_for(case).filter(action="priority").count() == 1


# --- Consents ------------------------------------------------------------------------------------


def test_consent_record_list_and_revoke(api, account, case):
    response = api.post(
        "/api/consents/",
        {
            "account": account.pk,
            "case": case.pk,
            "subject": "carrier_dispatch",
            "given_by": "Jane Case",
            "method": "verbal_phone",
        },
    )
    assert response.status_code == 201, response.content
    consent = response.json()
    assert consent["granted"] is True
    assert CaseEvent.objects.filter(case=case, kind="consent").exists()
    listing = api.get(f"/api/consents/?account={account.pk}").json()
    assert [c["id"] for c in listing["results"]] == [consent["id"]]

    revoked = api.post(f"/api/consents/{consent['id']}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    before = counts()
    assert api.post(f"/api/consents/{consent['id']}/revoke/").status_code == 409
    assert counts() == before


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"account": 999999}, "account"),
        ({"given_by": ""}, "given_by"),
        ({"given_by": "x" * 201}, "given_by"),
        ({"method": "telepathy"}, "method"),
        ({"subject": "everything"}, "subject"),
        ({"given_at": (timezone.now() + dt.timedelta(days=2)).isoformat()}, "given_at"),
        ({"details": "x" * 501}, "details"),
        ({"case": 999999}, "case"),
    ],
)
def test_consent_bad_input_is_400(api, account, patch, field):
    body = {
        "account": account.pk,
        "subject": "premise_access",
        "given_by": "Jane",
        "method": "email",
        **patch,
    }
    before = counts()
    response = api.post("/api/consents/", body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before


def test_consent_for_a_case_of_another_account_is_refused(api, admin, account):
    other_case = make_case(account=make_account(actor=admin), actor=admin)
    body = {
        "account": account.pk,
        "case": other_case.pk,
        "subject": "premise_access",
        "given_by": "Jane",
        "method": "email",
    }
    before = counts()
    response = api.post("/api/consents/", body)
    assert response.status_code == 400
    assert "case" in response.json()
    assert counts() == before


# --- Reference lists ---------------------------------------------------------------------


def test_reference_lists_show_active_rows(api, rep1, checklist):
    queue = Queue.objects.create(
        name="Billing", slug="billing", default_for_types=["billing_dispute"]
    )
    queue.members.add(rep1)
    Queue.objects.create(name="Old", slug="old", active=False)
    ResolutionCode.objects.create(code="explained", label="Explained", case_types=["inquiry"])
    ResolutionCode.objects.create(code="gone", label="Gone", active=False)
    CannedResponse.objects.create(title="Hello", body="Hello!", case_type="inquiry")
    CannedResponse.objects.create(title="Any", body="For all")

    queues = api.get("/api/queues/").json()["results"]
    assert [q["slug"] for q in queues] == ["billing"]
    assert queues[0]["members"][0]["id"] == rep1.pk
    assert queues[0]["default_for_types"] == ["billing_dispute"]
    codes = api.get("/api/resolution-codes/").json()["results"]
    assert [c["code"] for c in codes] == ["explained"]
    canned = api.get("/api/canned-responses/?case_type=inquiry").json()["results"]
    assert [c["title"] for c in canned] == ["Hello"]
    assert {c["case_type"] for c in api.get("/api/canned-responses/").json()["results"]} == {
        "inquiry",
        "",
    }
    templates = api.get("/api/checklists/").json()["results"]
    assert [i["prompt"] for i in templates[0]["items"]] == ["Modem lights on?", "Speed"]
    template_id = templates[0]["id"]
    assert api.get(f"/api/checklists/{template_id}/").json()["name"] == "Line check"


def test_logging_an_outbound_contact_notes_the_case_and_the_account_and_is_a_first_response(
    api, case
):
    response = act(
        api,
        case,
        "contact",
        {"channel": "phone", "direction": "outbound", "summary": "Called back"},
    )
    assert response.status_code == 201, response.json()
    case.refresh_from_db()
    assert case.first_responded_at is not None
    assert case.notes.filter(body__contains="Called back").exists()
    assert case.account.notes.filter(summary="Called back", case_ref=case.number).exists()


def test_logging_a_contact_without_a_summary_names_the_field(api, case):
    before = counts()
    response = act(api, case, "contact", {"channel": "phone"})
    assert response.status_code == 400
    assert "summary" in response.json()
    assert counts() == before
