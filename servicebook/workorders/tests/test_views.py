"""The work-order pages: the list with filters, new (from an account and a case), the
work-order page and its actions, follow-ups, maintenance plans, and the account page's
panel and timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from servicebook.core.testing.factories import (
    PASSWORD,
    make_case,
    make_skill,
    make_user,
    make_work_order,
)
from servicebook.customers.services import agreement_add
from servicebook.workorders import maintenance as pm
from servicebook.workorders.models import FollowUp, MaintenancePlan, WorkOrder

from .conftest import local


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def desk(client, dispatcher):
    return login(client, dispatcher)


def test_new_work_order_from_the_account_with_a_window_in_the_locations_zone(
    desk, account, dispatcher
):
    hvac = make_skill("hvac", "HVAC")
    location = account.locations.get()
    url = reverse("workorders:workorder_new", args=[account.pk])
    assert desk.get(url).status_code == 200
    response = desk.post(
        url,
        {
            "work_type": "repair",
            "priority": "",
            "summary": "No heat",
            "location": location.pk,
            "skills": [hvac.pk],
            "estimated_minutes": 90,
            "window_date": "2030-03-10",
            "window_from": "08:00",
            "window_to": "12:00",
        },
    )
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workorders:workorder_detail", args=[order.pk])
    # 8:00 on 10 March 2030 in Denver is after the DST change: UTC-6.
    assert order.window_start == dt.datetime(2030, 3, 10, 14, tzinfo=dt.UTC)
    assert order.window_end == dt.datetime(2030, 3, 10, 18, tzinfo=dt.UTC)
    assert list(order.required_skills.all()) == [hvac] and order.estimated_minutes == 90
    page = desk.get(response["Location"]).content.decode()
    assert "Sun Mar 10, 8:00 AM \u2013 12:00 PM MDT" in page


def test_new_work_order_refuses_half_a_window_and_creates_nothing(desk, account):
    response = desk.post(
        reverse("workorders:workorder_new", args=[account.pk]),
        {
            "work_type": "repair",
            "summary": "No heat",
            "location": account.locations.get().pk,
            "estimated_minutes": 60,
            "window_date": "2030-03-10",
        },
    )
    assert response.status_code == 400
    assert "Give the day and both times" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_new_work_order_from_a_case_is_prefilled_and_linked(desk, account):
    case = make_case(account=account, actor=make_user("rep2"), subject="Sparks at the outlet")
    url = reverse("workorders:workorder_new", args=[account.pk]) + f"?case={case.pk}"
    page = desk.get(url).content.decode()
    assert "Sparks at the outlet" in page and case.number in page
    desk.post(
        url,
        {
            "case": case.pk,
            "work_type": "repair",
            "summary": "",
            "location": account.locations.get().pk,
            "estimated_minutes": 60,
        },
    )
    order = WorkOrder.objects.get()
    assert order.case == case and order.summary == "Sparks at the outlet"


def test_the_case_page_offers_a_new_work_order(desk, account):
    case = make_case(account=account, actor=make_user("rep2"))
    page = desk.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert reverse("workorders:workorder_new", args=[account.pk]) + f"?case={case.pk}" in page


def test_a_case_of_another_account_is_404(desk, account):
    other = make_case(actor=make_user("rep2"))
    url = reverse("workorders:workorder_new", args=[account.pk]) + f"?case={other.pk}"
    assert desk.get(url).status_code == 404


def test_the_work_order_page_walks_the_lifecycle(desk, account, dispatcher, repaired):
    order = make_work_order(account=account, actor=dispatcher, status="scheduled")
    url = reverse("workorders:workorder_detail", args=[order.pk])
    page = desk.get(url).content.decode()
    assert "Dispatch" in page and "Complete work order" not in page
    for name in ("workorder_dispatch", "workorder_travel", "workorder_arrive"):
        assert desk.post(reverse(f"workorders:{name}", args=[order.pk])).status_code == 302
    page = desk.get(url).content.decode()
    assert "Complete work order" in page
    response = desk.post(
        reverse("workorders:workorder_complete", args=[order.pk]),
        {"notes": "", "completion_code": repaired.pk, "signer_name": ""},
    )
    assert response.status_code == 400
    assert "Write what was done" in response.content.decode() or "required" in (
        response.content.decode()
    )
    desk.post(
        reverse("workorders:workorder_complete", args=[order.pk]),
        {"notes": "Replaced igniter", "completion_code": repaired.pk, "signer_name": "Jane"},
    )
    order.refresh_from_db()
    assert order.status == "completed" and FollowUp.objects.filter(work_order=order).exists()
    assert desk.post(reverse("workorders:workorder_close", args=[order.pk])).status_code == 302
    assert WorkOrder.objects.get(pk=order.pk).status == "closed"


def test_a_refused_move_is_409_on_the_page_and_changes_nothing(desk, account, dispatcher):
    order = make_work_order(account=account, actor=dispatcher, status="new")
    response = desk.post(reverse("workorders:workorder_arrive", args=[order.pk]))
    assert response.status_code == 409
    assert WorkOrder.objects.get(pk=order.pk).status == "new"


def test_carrier_dispatch_page_shows_the_missing_consent(desk, account, dispatcher):
    order = make_work_order(
        account=account, actor=dispatcher, work_type="carrier_dispatch", status="scheduled"
    )
    page = desk.get(reverse("workorders:workorder_detail", args=[order.pk])).content.decode()
    assert 'data-testid="consent-missing"' in page
    response = desk.post(reverse("workorders:workorder_dispatch", args=[order.pk]))
    assert response.status_code == 409 and "consent" in response.content.decode()


def test_lines_tasks_and_checklist_from_the_page(desk, account, dispatcher):
    order = make_work_order(account=account, actor=dispatcher, status="on_site")
    desk.post(
        reverse("workorders:workorder_line_add", args=[order.pk]),
        {"kind": "part", "description": "Igniter", "quantity": "2", "unit": "ea"}
        | {"unit_price": "24.50"},
    )
    line = order.lines.get()
    assert str(line.amount) == "49.00"
    desk.post(reverse("workorders:workorder_task_add", args=[order.pk]), {"description": "Test"})
    task = order.tasks.get()
    desk.post(reverse("workorders:workorder_task_done", args=[order.pk, task.pk]), {"done": "true"})
    task.refresh_from_db()
    assert task.done
    desk.post(reverse("workorders:workorder_line_remove", args=[order.pk, line.pk]))
    assert not order.lines.exists()


def test_the_list_filters_and_sorts(desk, account, dispatcher):
    a = make_work_order(account=account, actor=dispatcher, summary="Alpha leak")
    b = make_work_order(account=account, actor=dispatcher, work_type="install", summary="Beta")
    c = make_work_order(account=account, actor=dispatcher, summary="Gamma", status="closed")
    url = reverse("workorders:workorder_list")
    page = desk.get(url).content.decode()
    assert a.number in page and b.number in page and c.number not in page  # open only
    page = desk.get(url, {"work_type": "install"}).content.decode()
    assert b.number in page and a.number not in page
    page = desk.get(url, {"status": "closed"}).content.decode()
    assert c.number in page and a.number not in page
    page = desk.get(url, {"q": "alpha"}).content.decode()
    assert a.number in page and b.number not in page
    partial = desk.get(url, {"sort": "priority"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.content.decode()


def test_the_list_query_count_does_not_grow_with_the_page(desk, account, dispatcher):
    make_work_order(account=account, actor=dispatcher)
    with CaptureQueriesContext(connection) as one:
        desk.get(reverse("workorders:workorder_list"))
    for i in range(15):
        make_work_order(account=account, actor=dispatcher, summary=f"job {i}")
    with CaptureQueriesContext(connection) as many:
        desk.get(reverse("workorders:workorder_list"))
    assert len(many) == len(one)


def test_follow_up_calls_are_listed_and_recorded(desk, account, dispatcher):
    order = make_work_order(account=account, actor=dispatcher, status="completed")
    page = desk.get(reverse("workorders:followup_list")).content.decode()
    assert order.number in page
    follow_up = FollowUp.objects.get(work_order=order)
    response = desk.post(reverse("workorders:followup_done", args=[follow_up.pk]), {"outcome": ""})
    assert response.status_code == 400
    desk.post(reverse("workorders:followup_done", args=[follow_up.pk]), {"outcome": "All good"})
    follow_up.refresh_from_db()
    assert follow_up.status == "done" and follow_up.outcome == "All good"


# --- The account page ---------------------------------------------------------------------


def test_the_account_page_shows_open_work_orders_and_their_timeline(desk, account, dispatcher):
    open_order = make_work_order(account=account, actor=dispatcher, summary="Open one")
    done = make_work_order(
        account=account, actor=dispatcher, summary="Done one", status="completed"
    )
    page = desk.get(reverse("customers:account_detail", args=[account.pk])).content.decode()
    panel = page[page.index('id="work-orders"') :]
    panel = panel[: panel.index("</section>")]
    assert open_order.number in panel and done.number not in panel
    assert reverse("workorders:workorder_new", args=[account.pk]) in panel
    assert f"Work order {done.number} completed" in page
    assert f"Work order {open_order.number} created" in page


def test_a_role_without_work_orders_sees_no_panel(client, account):
    from servicebook.users.roles import ROLE_CAPABILITIES

    roles = [r for r, caps in ROLE_CAPABILITIES.items() if "accounts.view" in caps]
    assert all("workorders.view" in ROLE_CAPABILITIES[r] for r in roles)


# --- Maintenance plans --------------------------------------------------------------------


def test_a_plan_from_the_page_generates_visits_and_shows_overdue(client, account, settings):
    settings.PM_HORIZON_DAYS = 40
    manager = make_user("service_admin")
    login(client, manager)
    agreement = agreement_add(
        account=account,
        kind="maintenance",
        description="Comfort plan",
        location=account.locations.get(),
        actor=make_user("admin"),
    )
    today = dt.date.today()
    response = client.post(
        reverse("workorders:plan_new", args=[account.pk]),
        {
            "name": "Furnace tune-up",
            "agreement": agreement.pk,
            "frequency": "monthly",
            "interval": 1,
            "start_date": today.isoformat(),
            "work_type": "preventive_maintenance",
            "priority": "normal",
            "estimated_minutes": 60,
            "tasks": "Replace filter\nCheck flue\n",
            "window_start_time": "08:00",
            "window_end_time": "17:00",
        },
    )
    plan = MaintenancePlan.objects.get()
    assert response.status_code == 302
    assert plan.tasks == ["Replace filter", "Check flue"]
    assert plan.visits.count() == 2
    page = client.get(reverse("workorders:plan_detail", args=[plan.pk])).content.decode()
    assert plan.visits.first().work_order.number in page
    assert client.get(reverse("workorders:plan_list")).status_code == 200
    response = client.post(reverse("workorders:plan_active", args=[plan.pk]), {"active": "false"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert not plan.active


def test_plan_list_shows_overdue_visits(client, account):
    manager = make_user("service_admin")
    login(client, manager)
    agreement = agreement_add(
        account=account,
        kind="maintenance",
        description="Comfort plan",
        location=account.locations.get(),
        actor=make_user("admin"),
    )
    long_ago = local(2025, 1, 5, 9)
    plan = pm.pm_plan_create(
        account=account,
        agreement=agreement,
        name="Old plan",
        frequency="yearly",
        start_date=dt.date(2025, 1, 10),
        actor=manager,
        now=long_ago,
    )
    page = client.get(reverse("workorders:plan_list")).content.decode()
    assert "Overdue visits" in page and plan.visits.get().work_order.number in page
