"""The work-order lifecycle in the API: create, read, every action as a POST, the 409s,
the reference lists, maintenance plans and the account's 360 view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from servicebook.cases.services import consent_record
from servicebook.core.testing.factories import (
    make_case,
    make_skill,
    make_user,
    make_work_order,
)
from servicebook.customers.services import agreement_add
from servicebook.workorders.models import WorkChecklist, WorkChecklistItem, WorkOrder


@pytest.fixture
def api(dispatcher):
    client = APIClient()
    client.force_authenticate(dispatcher)
    return client


def iso(days: int, hour: int) -> str:
    from django.utils import timezone

    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour))).isoformat()


def test_create_and_walk_the_whole_lifecycle(api, account, repaired):
    hvac = make_skill("hvac")
    created = api.post(
        "/api/workorders/",
        {
            "account": account.pk,
            "work_type": "repair",
            "summary": "No heat",
            "skills": ["hvac"],
            "estimated_minutes": 90,
            "window_start": iso(2, 8),
            "window_end": iso(2, 12),
            "tasks": ["Check igniter"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "new" and body["required_skills"] == [hvac.code]
    assert body["location"]["time_zone"] == "America/Denver"
    url = f"/api/workorders/{body['id']}"
    steps = [
        ("schedule", {"planned_start": iso(2, 9), "planned_end": iso(2, 10)}, "scheduled"),
        ("dispatch", {}, "dispatched"),
        ("travel", {"note": "leaving the shop"}, "en_route"),
        ("arrive", {}, "on_site"),
    ]
    for action, payload, status in steps:
        response = api.post(f"{url}/{action}/", payload, format="json")
        assert response.status_code == 200, (action, response.content)
        assert response.json()["status"] == status
    task = body["tasks"][0]["id"]
    assert api.post(f"{url}/tasks/{task}/", {"done": True}, format="json").status_code == 200
    line = api.post(
        f"{url}/lines/",
        {"kind": "part", "description": "Igniter", "quantity": "1", "unit": "ea"}
        | {"unit_price": "24.50"},
        format="json",
    )
    assert line.status_code == 201 and line.json()["lines_total"] == "24.50"
    done = api.post(
        f"{url}/complete/",
        {"notes": "Replaced igniter", "completion_code": "repaired", "signer_name": "Jane"},
        format="json",
    ).json()
    assert done["status"] == "completed" and done["completion_code"]["code"] == "repaired"
    assert done["after_visit_calls"][0]["status"] == "open"
    assert [e["kind"] for e in done["events"]][:2] == ["created", "scheduled"]
    closed = api.post(f"{url}/close/", {}, format="json").json()
    assert closed["status"] == "closed"


def test_a_move_the_status_does_not_allow_is_409_and_changes_nothing(api, account, dispatcher):
    order = make_work_order(account=account, actor=dispatcher)
    response = api.post(f"/api/workorders/{order.pk}/arrive/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert WorkOrder.objects.get(pk=order.pk).status == "new"


def test_carrier_dispatch_without_consent_is_409_consent_required(api, account, dispatcher):
    order = make_work_order(
        account=account, actor=dispatcher, work_type="carrier_dispatch", status="scheduled"
    )
    detail = api.get(f"/api/workorders/{order.pk}/").json()
    assert detail["carrier_consent"] == {"required": True, "consent": None}
    response = api.post(f"/api/workorders/{order.pk}/dispatch/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "consent_required"
    consent_record(
        account=account,
        subject="carrier_dispatch",
        given_by="Jane",
        method="verbal_phone",
        actor=make_user("rep1"),
    )
    response = api.post(f"/api/workorders/{order.pk}/dispatch/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["carrier_consent"]["consent"]["given_by"] == "Jane"


def test_completion_errors_name_their_fields(api, account, dispatcher):
    checklist = WorkChecklist.objects.create(work_type="repair", name="Safety")
    WorkChecklistItem.objects.create(checklist=checklist, prompt="Gas off?")
    order = make_work_order(account=account, actor=dispatcher, status="on_site")
    response = api.post(
        f"/api/workorders/{order.pk}/complete/",
        {"notes": " ", "completion_code": "nonexistent", "signer_name": ""},
        format="json",
    )
    assert response.status_code == 400
    assert {"completion_code", "signer_name"} <= set(response.json())


def test_incomplete_returns_the_return_visit(api, account, dispatcher):
    order = make_work_order(account=account, actor=dispatcher, status="on_site")
    body = api.post(
        f"/api/workorders/{order.pk}/incomplete/", {"reason": "parts_needed"}, format="json"
    ).json()
    assert body["status"] == "incomplete" and len(body["return_visits"]) == 1
    assert WorkOrder.objects.get(pk=body["return_visits"][0]).follow_up_of_id == order.pk


def test_create_from_a_case_and_bad_input(api, account):
    case = make_case(account=account, actor=make_user("rep2"), subject="Outage")
    body = api.post(
        "/api/workorders/",
        {"account": account.pk, "case": case.pk, "work_type": "emergency"},
        format="json",
    ).json()
    assert body["summary"] == "Outage" and body["case"] == case.pk and body["priority"] == "urgent"
    response = api.post(
        "/api/workorders/",
        {"account": account.pk, "work_type": "repair", "summary": "x", "status": "closed"},
        format="json",
    )
    assert response.status_code == 400 and "status" in response.json()
    response = api.post(
        "/api/workorders/",
        {"account": account.pk, "work_type": "repair", "summary": "x", "skills": ["nope"]},
        format="json",
    )
    assert response.status_code == 400 and "skills" in response.json()


def test_list_filters_and_query_count(api, account, dispatcher):
    a = make_work_order(account=account, actor=dispatcher, work_type="install")
    make_work_order(account=account, actor=dispatcher, status="closed")
    listed = api.get("/api/workorders/?open=true").json()
    assert [r["number"] for r in listed["results"]] == [a.number]
    assert api.get("/api/workorders/?work_type=repair&open=true").json()["count"] == 0
    assert api.get("/api/workorders/?status=bogus").status_code == 400
    with CaptureQueriesContext(connection) as one:
        api.get("/api/workorders/")
    for _ in range(5):
        make_work_order(account=account, actor=dispatcher, skills=[make_skill("gas")])
    with CaptureQueriesContext(connection) as many:
        assert api.get("/api/workorders/").json()["count"] == 7
    assert len(many) == len(one)


def test_field_roles_are_refused_the_work_order_api(account, dispatcher):
    client = APIClient()
    client.force_authenticate(make_user("technician"))
    order = make_work_order(account=account, actor=dispatcher, status="dispatched")
    assert client.get("/api/workorders/").status_code == 403
    assert client.post(f"/api/workorders/{order.pk}/travel/", {}, format="json").status_code == 403


def test_the_account_360_view_lists_open_work_orders(api, account, dispatcher):
    open_order = make_work_order(account=account, actor=dispatcher)
    make_work_order(account=account, actor=dispatcher, status="completed")
    body = api.get(f"/api/accounts/{account.pk}/").json()
    assert [o["number"] for o in body["open_work_orders"]] == [open_order.number]


def test_maintenance_plans_over_the_api(account, settings):
    settings.PM_HORIZON_DAYS = 100
    client = APIClient()
    client.force_authenticate(make_user("service_admin"))
    agreement = agreement_add(
        account=account, kind="maintenance", description="Comfort", actor=make_user("admin")
    )
    from django.utils import timezone

    start = timezone.localdate() + dt.timedelta(days=5)
    created = client.post(
        "/api/pm-plans/",
        {
            "account": account.pk,
            "agreement": agreement.pk,
            "name": "Tune-up",
            "frequency": "monthly",
            "start_date": start.isoformat(),
            "tasks": ["Filter"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    plan = created.json()
    assert len(plan["visits"]) >= 3 and plan["tasks"] == ["Filter"]
    again = client.post(f"/api/pm-plans/{plan['id']}/generate/", {}, format="json")
    assert again.json()["visits"] == 0
    ended = client.patch(f"/api/pm-plans/{plan['id']}/", {"active": False}, format="json")
    assert ended.status_code == 200 and ended.json()["active"] is False
    assert (
        client.post(f"/api/pm-plans/{plan['id']}/generate/", {}, format="json").status_code == 409
    )
    refused = client.patch(f"/api/pm-plans/{plan['id']}/", {"frequency": "weekly"}, format="json")
    assert refused.status_code == 400


def test_reference_lists(api, repaired):
    make_skill("hvac", "HVAC")
    assert [s["code"] for s in api.get("/api/skills/").json()["results"]] == ["hvac"]
    assert [c["code"] for c in api.get("/api/completion-codes/").json()["results"]] == ["repaired"]
