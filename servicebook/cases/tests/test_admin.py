"""The admin is where supervisors keep case policies: gated by capability and audited,
inline rows and many-to-many members included."""

from __future__ import annotations

import pytest
from django.urls import reverse

from servicebook.cases.models import ChecklistItem, Queue, SlaPolicy
from servicebook.core.audit import history_for
from servicebook.core.testing.factories import PASSWORD, make_calendar, make_policy, make_user

pytestmark = pytest.mark.django_db


def login(client, role):
    user = make_user(role)
    assert client.login(username=user.username, password=PASSWORD)
    return user


def test_a_supervisor_changes_an_sla_target_and_it_is_audited(client):
    supervisor = login(client, "supervisor")
    policy = make_policy(first_response=60, resolution=480)
    url = reverse("admin:cases_slapolicy_change", args=[policy.pk])
    response = client.post(
        url,
        {
            "case_type": policy.case_type,
            "priority": policy.priority,
            "calendar": policy.calendar_id,
            "first_response_minutes": 30,
            "resolution_minutes": 480,
            "at_risk_percent": 75,
            "auto_escalate": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert policy.first_response_minutes == 30
    event = history_for(policy).get(action="update")
    assert event.actor == supervisor
    assert event.changes["first_response_minutes"] == [60, 30]


def test_a_representative_cannot_reach_the_policy_admin(client):
    login(client, "rep2")
    policy = make_policy()
    response = client.get(reverse("admin:cases_slapolicy_change", args=[policy.pk]))
    assert response.status_code in (302, 403)
    assert (
        SlaPolicy.objects.get(pk=policy.pk).first_response_minutes == policy.first_response_minutes
    )


def test_queue_members_and_checklist_items_edited_in_the_admin_are_audited(client):
    supervisor = login(client, "supervisor")
    colleague = make_user("rep1")
    response = client.post(
        reverse("admin:cases_queue_add"),
        {
            "name": "Billing",
            "slug": "billing",
            "description": "",
            "members": [colleague.pk],
            "default_for_types": "[]",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    queue = Queue.objects.get(slug="billing")
    assert any(
        e.changes.get("members") == [[], [colleague.pk]]
        for e in history_for(queue).filter(action="update")
    )

    response = client.post(
        reverse("admin:cases_checklisttemplate_add"),
        {
            "case_type": "trouble_ticket",
            "line_of_business": "telecom",
            "name": "No internet",
            "active": "on",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-position": "1",
            "items-0-prompt": "Modem lights on?",
            "items-0-answer_kind": "yes_no",
            "items-0-choices": "[]",
            "items-0-required": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    item = ChecklistItem.objects.get(prompt="Modem lights on?")
    created = history_for(item).get(action="create")
    assert created.actor == supervisor


def test_holidays_added_to_a_calendar_in_the_admin_are_audited(client):
    login(client, "supervisor")
    calendar = make_calendar("Office")
    response = client.post(
        reverse("admin:core_businesscalendar_change", args=[calendar.pk]),
        {
            "name": "Office",
            "time_zone": "America/Denver",
            "weekly_hours": '{"0": [["08:00", "17:00"]]}',
            "holidays-TOTAL_FORMS": "1",
            "holidays-INITIAL_FORMS": "0",
            "holidays-MIN_NUM_FORMS": "0",
            "holidays-MAX_NUM_FORMS": "1000",
            "holidays-0-date": "2026-12-25",
            "holidays-0-name": "Christmas",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    holiday = calendar.holidays.get()
    assert history_for(holiday).filter(action="create").exists()
