"""The API's permission matrix: every endpoint against every role, and anonymous.

MATRIX below is the policy written down once: for each (method, route) the capabilities a
caller must hold. For each role the test sends a valid request and checks that

* a role holding the capabilities is let through: a 2xx (the body is valid, the objects
  are in the right state, so anything else is a bug);
* any other role gets 403 and nothing changed: every row of every model of the touched
  apps (and the audit trail) is compared before and after;
* anonymous callers get 401 and nothing changed, except on the public endpoints.

Each role's request runs in a savepoint that is rolled back, so every role meets the same
objects in the same state. The route list comes from the URL resolver: an API endpoint
added without a MATRIX entry fails `test_every_api_endpoint_has_a_matrix_entry`. The same
module checks the schema: it lists every endpoint, generates without warnings, and the
Swagger UI loads nothing from outside the site.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from django.apps import apps
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from servicebook.cases.models import (
    CannedResponse,
    ChecklistItem,
    ChecklistTemplate,
    Queue,
    ResolutionCode,
)
from servicebook.cases.services import (
    case_close,
    case_resolve,
    checklist_answer,
    consent_record,
)
from servicebook.core.testing.factories import PASSWORD, make_account, make_case, make_user
from servicebook.customers.models import Program
from servicebook.customers.services import (
    agreement_add,
    alert_pin,
    contact_phone_add,
    equipment_add,
    note_log,
    program_enroll,
)
from servicebook.users.roles import Cap, Role, capabilities_for

pytestmark = pytest.mark.django_db

PUBLIC = None  # anyone, signed in or not
SIGNED_IN: frozenset[str] = frozenset()  # any signed-in user, whatever the role

# Every Servicebook app, and the API tokens: a refused request must change none of their rows.
WATCHED_APPS = [
    *(c.label for c in apps.get_app_configs() if c.name.startswith("servicebook.")),
    "authtoken",
]


# --- The objects every request is made against ------------------------------------------------


@dataclass
class World:
    """One of everything an endpoint can point at, in the state its action needs."""

    ids: dict[str, int] = field(default_factory=dict)
    clients: dict[str | None, APIClient] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)


def build_world() -> World:
    w = World()
    admin = make_user("admin")
    for role in Role:
        user = admin if role == Role.ADMIN else make_user(role.value)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        w.clients[role.value] = client
    w.clients[None] = APIClient()
    token_user = make_user("rep1")
    w.usernames["token_user"] = token_user.username
    colleague = make_user("rep1")

    account = make_account(actor=admin, last_name="Matrix", phone="(303) 555-0147")
    location = account.locations.get()
    contact = account.contacts.get()
    extra_phone = contact_phone_add(contact=contact, number="720-555-0100", actor=admin)
    agreement = agreement_add(account=account, kind="electric", description="Home", actor=admin)
    equipment = equipment_add(location=location, kind="Meter", actor=admin)
    enrolled_program = Program.objects.create(code="budget", name="Budget billing")
    free_program = Program.objects.create(code="paperless", name="Paperless")
    enrollment = program_enroll(account=account, program=enrolled_program, actor=admin)
    alert = alert_pin(account=account, kind="cash_only", actor=admin)
    note_log(account=account, summary="First call", actor=admin)

    queue = Queue.objects.create(name="Tier II", slug="tier2")
    code = ResolutionCode.objects.create(code="fixed", label="Fixed")
    canned = CannedResponse.objects.create(title="Thanks", body="Thank you.")
    template = ChecklistTemplate.objects.create(case_type="trouble_ticket", name="Line")
    item = ChecklistItem.objects.create(template=template, prompt="Lights on?")

    case = make_case(account=account, actor=admin)  # new, unassigned
    checklist_answer(case=case, item=item, answer="yes", actor=admin)
    resolved = make_case(account=account, actor=admin, subject="Resolved one")
    checklist_answer(case=resolved, item=item, answer="no", actor=admin)
    resolved = case_resolve(case=resolved, resolution_code=code, actor=admin)
    closed = make_case(account=account, actor=admin, subject="Closed one")
    checklist_answer(case=closed, item=item, answer="no", actor=admin)
    closed = case_close(
        case=case_resolve(case=closed, resolution_code=code, actor=admin), actor=admin
    )
    consent = consent_record(
        account=account,
        case=case,
        subject="carrier_dispatch",
        given_by="Jane Matrix",
        method="verbal_phone",
        actor=admin,
    )
    w.ids.update(
        account=account.pk,
        customer=account.customer_id,
        location=location.pk,
        contact=contact.pk,
        phone=extra_phone.pk,
        agreement=agreement.pk,
        equipment=equipment.pk,
        program=enrolled_program.pk,
        free_program=free_program.pk,
        enrollment=enrollment.pk,
        alert=alert.pk,
        queue=queue.pk,
        code=code.pk,
        canned=canned.pk,
        template=template.pk,
        item=item.pk,
        case=case.pk,
        resolved=resolved.pk,
        closed=closed.pk,
        consent=consent.pk,
        colleague=colleague.pk,
    )
    return w


# --- The matrix ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """Who may call one endpoint, and a valid request to call it with."""

    caps: frozenset[str] | None
    path: Callable[[dict[str, int]], dict[str, int]] = lambda ids: {}
    body: Callable[[World], dict[str, Any]] | None = None
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Idempotency-Key": ...}

    def meta(self) -> dict[str, str]:
        """The headers as the test client takes them: `Idempotency-Key` ->
        `HTTP_IDEMPOTENCY_KEY`."""
        return {"HTTP_" + k.upper().replace("-", "_"): v for k, v in self.headers.items()}


def caps(*names: str) -> frozenset[str]:
    return frozenset(names)


ACC = "/api/accounts/{account_pk}"
VIEW, EDIT = caps(Cap.ACCOUNTS_VIEW), caps(Cap.ACCOUNTS_EDIT)
NOTE, ALERTS = caps(Cap.ACCOUNTS_NOTE), caps(Cap.ACCOUNTS_ALERTS)
CASES_VIEW, WORK = caps(Cap.CASES_VIEW), caps(Cap.CASES_WORK)


def account(ids):
    return {"account_pk": ids["account"]}


def child(name: str):
    return lambda ids: {"account_pk": ids["account"], "pk": ids[name]}


def pk(name: str):
    return lambda ids: {"pk": ids[name]}


OPEN_ACCOUNT = {
    "kind": "person",
    "first_name": "New",
    "last_name": "Customer",
    "line_of_business": "telecom",
    "location": {"line1": "1 Main St", "city": "Denver", "region": "CO", "postal_code": "80202"},
    "contact": {"name": "New Customer", "phones": [{"number": "303-555-0123"}]},
}

MATRIX: dict[tuple[str, str], Rule] = {
    # Public and signed-in endpoints
    ("GET", "/api/schema/"): Rule(PUBLIC),
    ("GET", "/api/docs/"): Rule(PUBLIC),
    ("POST", "/api/auth/token/"): Rule(
        PUBLIC, body=lambda w: {"username": w.usernames["token_user"], "password": PASSWORD}
    ),
    ("GET", "/api/me/"): Rule(SIGNED_IN),
    # Customers
    ("GET", "/api/customers/"): Rule(VIEW),
    ("GET", "/api/customers/{pk}/"): Rule(VIEW, pk("customer")),
    ("PATCH", "/api/customers/{pk}/"): Rule(
        EDIT, pk("customer"), body=lambda w: {"first_name": "Janet"}
    ),
    # Accounts
    ("GET", "/api/accounts/"): Rule(VIEW),
    ("POST", "/api/accounts/"): Rule(EDIT, body=lambda w: OPEN_ACCOUNT),
    ("GET", "/api/accounts/search/"): Rule(VIEW, query="?q=matrix"),
    ("GET", "/api/accounts/{pk}/"): Rule(VIEW, pk("account")),
    ("PATCH", "/api/accounts/{pk}/"): Rule(
        EDIT, pk("account"), body=lambda w: {"jurisdiction": "CO-Denver"}
    ),
    ("POST", "/api/accounts/{pk}/status/"): Rule(
        EDIT, pk("account"), body=lambda w: {"status": "past_due", "reason": "missed"}
    ),
    # Notes
    ("GET", f"{ACC}/notes/"): Rule(VIEW, account),
    ("POST", f"{ACC}/notes/"): Rule(NOTE, account, body=lambda w: {"summary": "Called"}),
    # Contacts
    ("GET", f"{ACC}/contacts/"): Rule(VIEW, account),
    ("POST", f"{ACC}/contacts/"): Rule(EDIT, account, body=lambda w: {"name": "Second"}),
    ("GET", f"{ACC}/contacts/{{pk}}/"): Rule(VIEW, child("contact")),
    ("PATCH", f"{ACC}/contacts/{{pk}}/"): Rule(
        EDIT, child("contact"), body=lambda w: {"do_not_call": True}
    ),
    ("POST", f"{ACC}/contacts/{{pk}}/phones/"): Rule(
        EDIT, child("contact"), body=lambda w: {"number": "303-555-0177"}
    ),
    ("DELETE", f"{ACC}/contacts/{{pk}}/phones/{{phone_pk}}/"): Rule(
        EDIT, lambda ids: {**child("contact")(ids), "phone_pk": ids["phone"]}
    ),
    ("POST", f"{ACC}/contacts/{{pk}}/emails/"): Rule(
        EDIT, child("contact"), body=lambda w: {"email": "second@example.com"}
    ),
    # Locations
    ("GET", f"{ACC}/locations/"): Rule(VIEW, account),
    ("POST", f"{ACC}/locations/"): Rule(
        EDIT,
        account,
        body=lambda w: {
            "line1": "2 Side St",
            "city": "Denver",
            "region": "CO",
            "postal_code": "80203",
        },
    ),
    ("GET", f"{ACC}/locations/{{pk}}/"): Rule(VIEW, child("location")),
    ("PATCH", f"{ACC}/locations/{{pk}}/"): Rule(
        EDIT, child("location"), body=lambda w: {"access_notes": "Gate 4"}
    ),
    # Agreements
    ("GET", f"{ACC}/agreements/"): Rule(VIEW, account),
    ("POST", f"{ACC}/agreements/"): Rule(
        EDIT, account, body=lambda w: {"kind": "water", "description": "Water"}
    ),
    ("GET", f"{ACC}/agreements/{{pk}}/"): Rule(VIEW, child("agreement")),
    ("POST", f"{ACC}/agreements/{{pk}}/end/"): Rule(
        EDIT, child("agreement"), body=lambda w: {"end_date": timezone.localdate().isoformat()}
    ),
    # Equipment
    ("GET", f"{ACC}/equipment/"): Rule(VIEW, account),
    ("POST", f"{ACC}/equipment/"): Rule(
        EDIT, account, body=lambda w: {"location": w.ids["location"], "kind": "Modem"}
    ),
    ("GET", f"{ACC}/equipment/{{pk}}/"): Rule(VIEW, child("equipment")),
    # Enrollments and programs
    ("GET", f"{ACC}/enrollments/"): Rule(VIEW, account),
    ("POST", f"{ACC}/enrollments/"): Rule(
        EDIT, account, body=lambda w: {"program": w.ids["free_program"]}
    ),
    ("GET", f"{ACC}/enrollments/{{pk}}/"): Rule(VIEW, child("enrollment")),
    ("POST", f"{ACC}/enrollments/{{pk}}/end/"): Rule(EDIT, child("enrollment")),
    ("GET", "/api/programs/"): Rule(VIEW),
    ("GET", "/api/programs/{pk}/"): Rule(VIEW, pk("program")),
    # Alerts
    ("GET", f"{ACC}/alerts/"): Rule(VIEW, account),
    ("POST", f"{ACC}/alerts/"): Rule(ALERTS, account, body=lambda w: {"kind": "safety"}),
    ("GET", f"{ACC}/alerts/{{pk}}/"): Rule(VIEW, child("alert")),
    ("POST", f"{ACC}/alerts/{{pk}}/clear/"): Rule(ALERTS, child("alert")),
    # Cases
    ("GET", "/api/cases/"): Rule(CASES_VIEW, query="?ordering=priority&active=true"),
    ("POST", "/api/cases/"): Rule(
        WORK,
        body=lambda w: {"account": w.ids["account"], "case_type": "inquiry", "subject": "Hi"},
    ),
    ("GET", "/api/cases/{pk}/"): Rule(CASES_VIEW, pk("case")),
    ("POST", "/api/cases/{pk}/notes/"): Rule(WORK, pk("case"), body=lambda w: {"body": "Note"}),
    ("POST", "/api/cases/{pk}/transition/"): Rule(
        WORK, pk("case"), body=lambda w: {"status": "waiting_customer"}
    ),
    # Assigning to someone else needs cases.assign on top of cases.work (the service checks).
    ("POST", "/api/cases/{pk}/assign/"): Rule(
        caps(Cap.CASES_WORK, Cap.CASES_ASSIGN),
        pk("case"),
        body=lambda w: {"assignee": w.ids["colleague"]},
    ),
    ("POST", "/api/cases/{pk}/escalate/"): Rule(
        caps(Cap.CASES_ESCALATE), pk("case"), body=lambda w: {"reason": "Angry"}
    ),
    ("POST", "/api/cases/{pk}/resolve/"): Rule(
        WORK, pk("case"), body=lambda w: {"resolution_code": w.ids["code"]}
    ),
    ("POST", "/api/cases/{pk}/close/"): Rule(WORK, pk("resolved"), body=lambda w: {}),
    # Reopening a closed case needs cases.reopen on top of cases.work.
    ("POST", "/api/cases/{pk}/reopen/"): Rule(
        caps(Cap.CASES_WORK, Cap.CASES_REOPEN), pk("closed"), body=lambda w: {"reason": "Again"}
    ),
    ("POST", "/api/cases/{pk}/priority/"): Rule(
        WORK, pk("case"), body=lambda w: {"priority": "high"}
    ),
    ("POST", "/api/cases/{pk}/checklist/"): Rule(
        WORK, pk("case"), body=lambda w: {"item": w.ids["item"], "answer": "no"}
    ),
    # Logging a contact writes the account timeline too, which needs accounts.note.
    ("POST", "/api/cases/{pk}/contact/"): Rule(
        caps(Cap.CASES_WORK, Cap.ACCOUNTS_NOTE), pk("case"), body=lambda w: {"summary": "Called"}
    ),
    # Consents
    ("GET", "/api/consents/"): Rule(CASES_VIEW),
    ("POST", "/api/consents/"): Rule(
        WORK,
        body=lambda w: {
            "account": w.ids["account"],
            "subject": "premise_access",
            "given_by": "Jane",
            "method": "email",
        },
    ),
    ("GET", "/api/consents/{pk}/"): Rule(CASES_VIEW, pk("consent")),
    ("POST", "/api/consents/{pk}/revoke/"): Rule(WORK, pk("consent")),
    # Reference lists
    ("GET", "/api/queues/"): Rule(CASES_VIEW),
    ("GET", "/api/queues/{pk}/"): Rule(CASES_VIEW, pk("queue")),
    ("GET", "/api/resolution-codes/"): Rule(CASES_VIEW),
    ("GET", "/api/resolution-codes/{pk}/"): Rule(CASES_VIEW, pk("code")),
    ("GET", "/api/canned-responses/"): Rule(CASES_VIEW),
    ("GET", "/api/canned-responses/{pk}/"): Rule(CASES_VIEW, pk("canned")),
    ("GET", "/api/checklists/"): Rule(CASES_VIEW),
    ("GET", "/api/checklists/{pk}/"): Rule(CASES_VIEW, pk("template")),
}


# >>> contact: api
def _contact_ids(ids: dict) -> dict:
    """A handled call to read (made on first use)."""
    if "interaction" not in ids:
        from servicebook.contact import services
        from servicebook.core.testing.factories import make_agent, make_disposition

        agent = make_agent("rep1")
        call = services.interaction_start(agent=agent, actor=agent)
        services.interaction_wrap_up(
            interaction=call,
            wrap=services.WrapUp(summary="Call", disposition=make_disposition()),
            actor=agent,
        )
        ids["interaction"] = call.pk
    return {"pk": ids["interaction"]}


def _pop_body(w: World) -> dict:
    """The PBX's request: its token, and a number ringing at an agent's extension."""
    from servicebook.contact.services import pbx_issue_token
    from servicebook.core.testing.factories import make_agent

    make_agent("rep1", extension="4242")
    _, token = pbx_issue_token(name="matrix")
    return {"token": token, "caller": "303.555.0147", "extension": "4242", "call_id": "m.1"}


CONTACT_AGENT, CONTACT_SUPERVISE = caps(Cap.CONTACT_AGENT), caps(Cap.CONTACT_SUPERVISE)
MONTH = "?from=2026-02-01&to=2026-02-28&group_by=team"
MATRIX.update(
    {
        ("GET", "/api/contact/interactions/"): Rule(CONTACT_AGENT),
        ("GET", "/api/contact/interactions/{pk}/"): Rule(CONTACT_AGENT, _contact_ids),
        # A message becomes a callback case, which needs cases.work too.
        ("POST", "/api/contact/answering-messages/"): Rule(
            caps(Cap.CONTACT_AGENT, Cap.CASES_WORK),
            body=lambda w: (
                {"message_id": "m-1", "callback_number": "(303) 555-0147"}
                | {"body": "Please call back"}
            ),
        ),
        ("GET", "/api/contact/metrics/"): Rule(CONTACT_SUPERVISE, query=MONTH),
        ("GET", "/api/contact/metrics"): Rule(CONTACT_SUPERVISE, query=MONTH),
        # The PBX authenticates with its token, whoever (or no one) is signed in.
        ("POST", "/api/contact/screen-pop/"): Rule(PUBLIC, body=_pop_body),
    }
)
# <<< contact


# >>> workorders: api
def _wo_ids(ids: dict) -> dict:
    """Work orders in the states their actions start from, a checklist question, a task, a
    line, an after-visit call, a maintenance plan and the reference rows (made on first
    use); returns ids["workorders"]."""
    if "workorders" not in ids:
        import datetime as dt

        from servicebook.core.testing.factories import (
            make_completion_code,
            make_skill,
            make_work_order,
        )
        from servicebook.customers.models import Account
        from servicebook.workorders import maintenance, services
        from servicebook.workorders.models import WorkChecklist, WorkChecklistItem

        admin = make_user("admin")
        account = Account.objects.get(pk=ids["account"])
        checklist = WorkChecklist.objects.create(work_type="repair", name="Safety")
        item = WorkChecklistItem.objects.create(
            checklist=checklist, prompt="Power off?", required=False
        )

        def order(status):
            return make_work_order(account=account, actor=admin, status=status)

        on_site = order("on_site")
        task = services.workorder_task_add(work_order=on_site, description="Test", actor=admin)
        line = services.workorder_line_add(
            work_order=on_site,
            kind="part",
            description="Fuse",
            quantity="1",
            unit="ea",
            unit_price="3.50",
            actor=admin,
        )
        completed = order("completed")
        agreement = agreement_add(
            account=account, kind="maintenance", description="Comfort plan", actor=admin
        )
        plan = maintenance.pm_plan_create(
            account=account,
            agreement=agreement,
            name="Tune-up",
            frequency="quarterly",
            start_date=timezone.localdate() + dt.timedelta(days=3),
            actor=admin,
        )
        ids["workorders"] = {
            "new": order("new").pk,
            "scheduled": order("scheduled").pk,
            "dispatched": order("dispatched").pk,
            "on_site": on_site.pk,
            "completed": completed.pk,
            "follow_up": completed.follow_up_tasks.get().pk,
            "item": item.pk,
            "checklist": checklist.pk,
            "code": make_completion_code().pk,
            "skill": make_skill("hvac").pk,
            "task": task.pk,
            "line": line.pk,
            "agreement": agreement.pk,
            "plan": plan.pk,
        }
    return ids["workorders"]


def _account_of(ids: dict) -> int:
    from servicebook.workorders.models import WorkOrder

    return WorkOrder.objects.get(pk=ids["on_site"]).account_id


def wo(name: str):
    return lambda ids: {"pk": _wo_ids(ids)[name]}


def _wo_body(build):
    """A body built from the work-order ids (made on first use)."""
    return lambda w: build(_wo_ids(w.ids))


def _plan_time(days: int, hour: int) -> str:
    import datetime as dt

    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour))).isoformat()


WO_VIEW = caps(Cap.WORKORDERS_VIEW)
WO = "/api/workorders/{pk}"


def wo_caps(*names: str) -> frozenset[str]:
    """Every work-order endpoint needs workorders.view on top of its own capability."""
    return caps(Cap.WORKORDERS_VIEW, *names)


MATRIX.update(
    {
        ("GET", "/api/workorders/"): Rule(WO_VIEW, query="?open=true&ordering=-planned_start"),
        ("POST", "/api/workorders/"): Rule(
            wo_caps(Cap.WORKORDERS_CREATE),
            body=lambda w: {"account": w.ids["account"], "work_type": "repair", "summary": "Leak"},
        ),
        ("GET", f"{WO}/"): Rule(WO_VIEW, wo("on_site")),
        ("PATCH", f"{WO}/"): Rule(
            wo_caps(Cap.WORKORDERS_EDIT), wo("new"), body=lambda w: {"summary": "Changed"}
        ),
        ("POST", f"{WO}/schedule/"): Rule(
            wo_caps(Cap.WORKORDERS_DISPATCH),
            wo("new"),
            body=lambda w: {"planned_start": _plan_time(2, 9), "planned_end": _plan_time(2, 10)},
        ),
        ("POST", f"{WO}/unschedule/"): Rule(
            wo_caps(Cap.WORKORDERS_DISPATCH), wo("scheduled"), body=lambda w: {}
        ),
        ("POST", f"{WO}/dispatch/"): Rule(
            wo_caps(Cap.WORKORDERS_DISPATCH), wo("scheduled"), body=lambda w: {}
        ),
        ("POST", f"{WO}/travel/"): Rule(
            wo_caps(Cap.WORKORDERS_COMPLETE), wo("dispatched"), body=lambda w: {}
        ),
        ("POST", f"{WO}/arrive/"): Rule(
            wo_caps(Cap.WORKORDERS_COMPLETE), wo("dispatched"), body=lambda w: {}
        ),
        ("POST", f"{WO}/complete/"): Rule(
            wo_caps(Cap.WORKORDERS_COMPLETE),
            wo("on_site"),
            body=lambda w: {"notes": "Done", "completion_code": "repaired", "signer_name": "Jo"},
        ),
        ("POST", f"{WO}/incomplete/"): Rule(
            wo_caps(Cap.WORKORDERS_COMPLETE), wo("on_site"), body=lambda w: {"reason": "no_access"}
        ),
        ("POST", f"{WO}/close/"): Rule(
            wo_caps(Cap.WORKORDERS_EDIT), wo("completed"), body=lambda w: {}
        ),
        ("POST", f"{WO}/cancel/"): Rule(
            wo_caps(Cap.WORKORDERS_EDIT), wo("new"), body=lambda w: {"reason": "Not needed"}
        ),
        ("POST", f"{WO}/checklist/"): Rule(
            wo_caps(Cap.WORKORDERS_COMPLETE),
            wo("on_site"),
            body=_wo_body(lambda ids: {"item": ids["item"], "answer": "yes"}),
        ),
        ("POST", f"{WO}/tasks/"): Rule(
            wo_caps(Cap.WORKORDERS_COMPLETE), wo("on_site"), body=lambda w: {"description": "Flue"}
        ),
        ("POST", f"{WO}/tasks/{{task_pk}}/"): Rule(
            wo_caps(Cap.WORKORDERS_COMPLETE),
            lambda ids: {"pk": _wo_ids(ids)["on_site"], "task_pk": _wo_ids(ids)["task"]},
            body=lambda w: {"done": True},
        ),
        ("POST", f"{WO}/lines/"): Rule(
            wo_caps(Cap.WORKORDERS_COMPLETE),
            wo("on_site"),
            body=lambda w: {
                "kind": "labour",
                "description": "Diagnosis",
                "quantity": "1.5",
                "unit": "h",
                "unit_price": "85.00",
            },
        ),
        ("DELETE", f"{WO}/lines/{{line_pk}}/"): Rule(
            wo_caps(Cap.WORKORDERS_COMPLETE),
            lambda ids: {"pk": _wo_ids(ids)["on_site"], "line_pk": _wo_ids(ids)["line"]},
        ),
        ("GET", "/api/follow-ups/"): Rule(WO_VIEW, query="?status=open"),
        ("GET", "/api/follow-ups/{pk}/"): Rule(WO_VIEW, wo("follow_up")),
        ("POST", "/api/follow-ups/{pk}/done/"): Rule(
            wo_caps(Cap.WORKORDERS_EDIT), wo("follow_up"), body=lambda w: {"outcome": "Happy"}
        ),
        ("GET", "/api/pm-plans/"): Rule(WO_VIEW, query="?active=true"),
        ("POST", "/api/pm-plans/"): Rule(
            wo_caps(Cap.PM_MANAGE),
            body=_wo_body(
                lambda ids: {
                    "account": _account_of(ids),
                    "agreement": ids["agreement"],
                    "name": "Boiler",
                    "frequency": "yearly",
                    "start_date": "2031-01-15",
                }
            ),
        ),
        ("GET", "/api/pm-plans/{pk}/"): Rule(WO_VIEW, wo("plan")),
        ("PATCH", "/api/pm-plans/{pk}/"): Rule(
            wo_caps(Cap.PM_MANAGE), wo("plan"), body=lambda w: {"name": "Renamed", "tasks": ["A"]}
        ),
        ("POST", "/api/pm-plans/{pk}/generate/"): Rule(
            wo_caps(Cap.PM_MANAGE), wo("plan"), body=lambda w: {}
        ),
        ("GET", "/api/skills/"): Rule(WO_VIEW),
        ("GET", "/api/skills/{pk}/"): Rule(WO_VIEW, wo("skill")),
        ("GET", "/api/completion-codes/"): Rule(WO_VIEW),
        ("GET", "/api/completion-codes/{pk}/"): Rule(WO_VIEW, wo("code")),
        ("GET", "/api/workorder-checklists/"): Rule(WO_VIEW, query="?work_type=repair"),
        ("GET", "/api/workorder-checklists/{pk}/"): Rule(WO_VIEW, wo("checklist")),
    }
)
# <<< workorders


# >>> scheduling: api
def _sched_ids(ids: dict) -> dict:
    """The scheduling objects, made on first use: a subcontractor company with current
    documents and an office login (the subcontractor role's user), its technician linked to
    the technician role's user and working every day, appointments three days ahead in the
    states their actions start from (scheduled, dispatched, on site), an unassigned work
    order, an emergency, a territory, time off and an optimizer proposal for that day."""
    if "scheduling" not in ids:
        import datetime as dt

        from servicebook.core.testing.factories import (
            make_completion_code,
            make_located_work_order,
            make_subcontractor,
            make_technician,
        )
        from servicebook.scheduling import planning, services
        from servicebook.scheduling.models import OptimizerRun
        from servicebook.users.models import User

        admin = make_user("admin")
        company = make_subcontractor(
            actor=admin, documents_until=timezone.localdate() + dt.timedelta(days=400)
        )
        office = User.objects.filter(role=Role.SUBCONTRACTOR).order_by("pk").first()
        services.subcontractor_set_users(subcontractor=company, users=[office], actor=admin)
        every_day = dict.fromkeys(range(7), ("00:00", "23:59", None, 0))
        tech = make_technician(
            actor=admin,
            kind="subcontractor",
            subcontractor=company,
            week=every_day,
            user=User.objects.filter(role=Role.TECHNICIAN).order_by("pk").first(),
            max_overtime_minutes=720,
        )
        day = timezone.localdate() + dt.timedelta(days=3)

        def at(hour: int, days: int = 0) -> dt.datetime:
            return timezone.make_aware(dt.datetime.combine(day, dt.time(hour))) + dt.timedelta(
                days=days
            )

        def booked(hour: int):
            job = make_located_work_order(actor=admin, work_type="inspection")
            return services.appointment_book(
                work_order=job, technician=tech, starts_at=at(hour), actor=admin
            )

        scheduled = booked(9)
        dispatched = services.appointment_dispatch(appointment=booked(11), actor=admin)
        on_site = services.appointment_dispatch(appointment=booked(13), actor=admin)
        on_site = services.appointment_arrive(appointment=on_site, actor=admin)
        territory = services.territory_save(
            code="matrix", name="Matrix", postal_codes=["80202"], technicians=[tech], actor=admin
        )
        off = services.time_off_add(
            technician=tech,
            starts_at=at(0, days=2),
            ends_at=at(0, days=3),
            actor=admin,
        )
        new = make_located_work_order(actor=admin, work_type="inspection")
        emergency = make_located_work_order(actor=admin, work_type="emergency")
        run = OptimizerRun.objects.create(
            date=day, seconds=1, board_token=planning.board_token(day), created_by=admin
        )
        ids["scheduling"] = {
            "company": company.pk,
            "technician": tech.pk,
            "token": tech.calendar_token,
            "scheduled": scheduled.pk,
            "dispatched": dispatched.pk,
            "on_site": on_site.pk,
            "territory": territory.pk,
            "time_off": off.pk,
            "new": new.pk,
            "emergency": emergency.pk,
            "run": run.pk,
            "code": make_completion_code("fixed", "Fixed").code,
            "day": day.isoformat(),
            "at": at,
        }
    return ids["scheduling"]


def sched(name: str):
    return lambda ids: {"pk": _sched_ids(ids)[name]}


def _sched_body(build):
    return lambda w: build(_sched_ids(w.ids))


SCH = "/api/scheduling"
S_JOBS, S_VIEW, S_BOOK = (
    caps(Cap.SCHEDULING_JOBS),
    caps(Cap.SCHEDULING_VIEW),
    caps(Cap.SCHEDULING_BOOK),
)
S_DISPATCH, S_MANAGE, S_FIELD = (
    caps(Cap.SCHEDULING_DISPATCH),
    caps(Cap.SCHEDULING_MANAGE),
    caps(Cap.SCHEDULING_FIELD),
)
MATRIX.update(
    {
        # Technicians: field users see themselves (or their crew) only.
        ("GET", f"{SCH}/technicians/"): Rule(S_JOBS),
        ("GET", f"{SCH}/technicians/{{pk}}/"): Rule(S_JOBS, sched("technician")),
        ("POST", f"{SCH}/technicians/"): Rule(
            S_MANAGE, body=lambda w: {"first_name": "New", "last_name": "Tech"}
        ),
        ("PATCH", f"{SCH}/technicians/{{pk}}/"): Rule(
            S_MANAGE, sched("technician"), body=lambda w: {"phone": "303-555-0100"}
        ),
        ("POST", f"{SCH}/technicians/{{pk}}/shifts/"): Rule(
            S_MANAGE, sched("technician"), body=lambda w: {"days": [{"weekday": 6}]}
        ),
        ("POST", f"{SCH}/technicians/{{pk}}/documents/"): Rule(
            S_MANAGE,
            sched("technician"),
            body=lambda w: {"kind": "license", "reference": "L-2", "expires_on": "2031-01-01"},
        ),
        ("GET", f"{SCH}/subcontractors/"): Rule(S_JOBS),
        ("GET", f"{SCH}/subcontractors/{{pk}}/"): Rule(S_JOBS, sched("company")),
        ("POST", f"{SCH}/subcontractors/{{pk}}/documents/"): Rule(
            S_MANAGE,
            sched("company"),
            body=lambda w: {"kind": "insurance", "reference": "I-2", "expires_on": "2031-01-01"},
        ),
        ("GET", f"{SCH}/time-off/"): Rule(S_VIEW),
        ("POST", f"{SCH}/time-off/"): Rule(
            S_MANAGE,
            body=_sched_body(
                lambda ids: {
                    "technician": ids["technician"],
                    "starts_at": ids["at"](0, days=5).isoformat(),
                    "ends_at": ids["at"](0, days=6).isoformat(),
                }
            ),
        ),
        ("DELETE", f"{SCH}/time-off/{{pk}}/"): Rule(S_MANAGE, sched("time_off")),
        ("GET", f"{SCH}/territories/"): Rule(S_VIEW),
        ("GET", f"{SCH}/territories/{{pk}}/"): Rule(S_VIEW, sched("territory")),
        ("POST", f"{SCH}/territories/"): Rule(
            S_MANAGE, body=lambda w: {"code": "north", "name": "North", "postal_codes": ["80221"]}
        ),
        ("PATCH", f"{SCH}/territories/{{pk}}/"): Rule(
            S_MANAGE, sched("territory"), body=lambda w: {"name": "Renamed"}
        ),
        # Offers and booking (representatives book from the call).
        ("GET", f"{SCH}/offers/"): Rule(
            S_BOOK,
            lambda ids: {"_": _sched_ids(ids)["new"]},
            query="?duration=60&postal_code=80202&skills=",
        ),
        ("GET", f"{SCH}/appointments/"): Rule(S_JOBS),
        ("GET", f"{SCH}/appointments/{{pk}}/"): Rule(S_JOBS, sched("scheduled")),
        ("POST", f"{SCH}/appointments/"): Rule(
            S_BOOK,
            body=_sched_body(
                lambda ids: {
                    "work_order": ids["new"],
                    "technician": ids["technician"],
                    "starts_at": ids["at"](15).isoformat(),
                }
            ),
        ),
        ("POST", f"{SCH}/appointments/{{pk}}/move/"): Rule(
            S_BOOK,
            sched("scheduled"),
            body=_sched_body(lambda ids: {"starts_at": ids["at"](16).isoformat()}),
        ),
        ("POST", f"{SCH}/appointments/{{pk}}/unassign/"): Rule(
            S_DISPATCH, sched("scheduled"), body=lambda w: {"reason": "customer away"}
        ),
        ("POST", f"{SCH}/appointments/{{pk}}/lock/"): Rule(
            S_DISPATCH, sched("scheduled"), body=lambda w: {"locked": True}
        ),
        ("POST", f"{SCH}/appointments/{{pk}}/dispatch/"): Rule(
            S_DISPATCH, sched("scheduled"), body=lambda w: {}
        ),
        ("POST", f"{SCH}/appointments/emergency/"): Rule(
            S_DISPATCH,
            body=_sched_body(
                lambda ids: {"work_order": ids["emergency"], "technician": ids["technician"]}
            ),
        ),
        # The technician's moves: their own jobs (the world's technician and its company).
        ("POST", f"{SCH}/appointments/{{pk}}/travel/"): Rule(
            S_FIELD, sched("dispatched"), body=lambda w: {}
        ),
        ("POST", f"{SCH}/appointments/{{pk}}/arrive/"): Rule(
            S_FIELD, sched("dispatched"), body=lambda w: {}
        ),
        ("POST", f"{SCH}/appointments/{{pk}}/complete/"): Rule(
            S_FIELD,
            sched("on_site"),
            body=_sched_body(
                lambda ids: {
                    "notes": "Checked",
                    "completion_code": ids["code"],
                    "signer_name": "Jo",
                    "lines": [
                        {
                            "kind": "part",
                            "description": "Filter",
                            "quantity": "1",
                            "unit": "ea",
                            "unit_price": "12.00",
                        }
                    ],
                }
            ),
        ),
        ("POST", f"{SCH}/appointments/{{pk}}/incomplete/"): Rule(
            S_FIELD, sched("on_site"), body=lambda w: {"reason": "parts_needed"}
        ),
        # The board and the day optimizer.
        ("GET", f"{SCH}/board/"): Rule(S_VIEW, lambda ids: {"_": _sched_ids(ids)["day"]}),
        ("GET", f"{SCH}/optimizer-runs/"): Rule(S_VIEW),
        ("GET", f"{SCH}/optimizer-runs/{{pk}}/"): Rule(S_VIEW, sched("run")),
        ("POST", f"{SCH}/optimizer-runs/"): Rule(
            S_DISPATCH, body=_sched_body(lambda ids: {"date": ids["day"], "seconds": 1})
        ),
        ("POST", f"{SCH}/optimizer-runs/{{pk}}/accept/"): Rule(
            S_DISPATCH, sched("run"), body=lambda w: {}
        ),
        ("POST", f"{SCH}/optimizer-runs/{{pk}}/discard/"): Rule(
            S_DISPATCH, sched("run"), body=lambda w: {}
        ),
        # The calendar feed: the token in the URL is the secret; no login.
        ("GET", f"{SCH}/calendar/{{token}}/"): Rule(
            PUBLIC, lambda ids: {"token": _sched_ids(ids)["token"]}
        ),
    }
)
# <<< scheduling


# >>> billing: api
def _bill_ids(ids: dict) -> dict:
    """A catalog, the account on cycle 1, an issued invoice, a draft with a line and a bill
    run (made on first use); returns ids["billing"]."""
    if "billing" not in ids:
        from servicebook.billing import billrun
        from servicebook.billing import services as billing
        from servicebook.billing.models import BillCycle
        from servicebook.core.testing.factories import (
            make_catalog_item,
            make_invoice,
            make_tax_code,
        )
        from servicebook.customers.models import Account

        admin = make_user("admin")
        account = Account.objects.get(pk=ids["account"])
        labour = make_catalog_item("api-labour", kind="labour", tax_code=make_tax_code())
        billing.billing_profile_set(
            account=account, cycle=BillCycle.objects.get(number=1), actor=admin
        )
        invoice = make_invoice(account=account, lines=[(labour, 1)], actor=admin)
        draft = make_invoice(account=account, lines=[(labour, 2)], actor=admin, issue=False)
        run = billrun.bill_run_start(cycle=2, period="2026-01", actor=admin)
        ids["billing"] = {
            "labour": labour.pk,
            "invoice": invoice.pk,
            "invoice_line": invoice.lines.get().pk,
            "draft": draft.pk,
            "tax": labour.tax_code_id,
            "run": run.pk,
            "revenue": labour.revenue_account_id,
        }
    return ids["billing"]


def bill(name: str):
    return lambda ids: {"pk": _bill_ids(ids)[name]}


def _bill_body(build):
    return lambda w: build(_bill_ids(w.ids))


BILL_VIEW = caps(Cap.BILLING_VIEW)
INV = "/api/invoices/{pk}"

MATRIX.update(
    {
        ("GET", "/api/invoices/"): Rule(BILL_VIEW, query="?status=issued&status=draft"),
        ("POST", "/api/invoices/"): Rule(
            caps(Cap.BILLING_EDIT), body=lambda w: {"account": w.ids["account"], "memo": "Visit"}
        ),
        ("GET", f"{INV}/"): Rule(BILL_VIEW, bill("invoice")),
        ("POST", f"{INV}/lines/"): Rule(
            caps(Cap.BILLING_EDIT),
            bill("draft"),
            body=_bill_body(lambda ids: {"catalog_item": ids["labour"], "quantity": "2"}),
        ),
        ("POST", f"{INV}/issue/"): Rule(caps(Cap.BILLING_ISSUE), bill("draft"), body=lambda w: {}),
        ("POST", f"{INV}/credit-notes/"): Rule(
            caps(Cap.BILLING_CREDIT),
            bill("invoice"),
            body=_bill_body(
                lambda ids: {
                    "reason": "Goodwill",
                    "lines": [{"line": ids["invoice_line"], "amount": "10.00"}],
                }
            ),
        ),
        ("GET", f"{INV}/pdf/"): Rule(BILL_VIEW, bill("invoice")),
        ("POST", f"{INV}/send/"): Rule(
            caps(Cap.BILLING_SEND), bill("invoice"), body=lambda w: {"to_email": "j@example.com"}
        ),
        ("GET", "/api/catalog-items/"): Rule(BILL_VIEW),
        ("POST", "/api/catalog-items/"): Rule(
            caps(Cap.BILLING_CATALOG),
            body=_bill_body(
                lambda ids: {
                    "code": "tune-up",
                    "name": "Tune-up",
                    "kind": "labour",
                    "price": "149.00",
                    "revenue_account": ids["revenue"],
                    "tax_code": ids["tax"],
                }
            ),
        ),
        ("GET", "/api/catalog-items/{pk}/"): Rule(BILL_VIEW, bill("labour")),
        ("PATCH", "/api/catalog-items/{pk}/"): Rule(
            caps(Cap.BILLING_CATALOG), bill("labour"), body=lambda w: {"price": "99.00"}
        ),
        ("GET", "/api/tax-codes/"): Rule(BILL_VIEW),
        ("GET", "/api/tax-codes/{pk}/"): Rule(BILL_VIEW, bill("tax")),
        ("GET", "/api/bill-runs/"): Rule(BILL_VIEW),
        ("GET", "/api/bill-runs/{pk}/"): Rule(BILL_VIEW, bill("run")),
        ("POST", "/api/bill-runs/"): Rule(
            caps(Cap.BILLING_RUN), body=lambda w: {"cycle": 1, "period": "2026-06"}
        ),
    }
)
# <<< billing


# >>> payments: api
def _pay_ids(ids: dict) -> dict:
    """The payments objects, made on first use: approval limits per role (the payments
    tests' limits, and the administrator's), invoices and a check payment on the account
    that paid them with 35.00 of credit left over, a card and a bank account on file, a
    refund and an adjustment waiting for approval (asked for by a colleague), a transfer to
    a second account with an open invoice under dispute, a held deposit, a billed one on the
    second account, a third account with no deposit, and a bank file with a credit waiting
    in the exception queue; returns ids["payments"]."""
    if "payments" not in ids:
        import datetime as dt

        from servicebook.core.testing.factories import (
            make_catalog_item,
            make_invoice,
            make_tax_code,
        )
        from servicebook.customers.models import Account
        from servicebook.payments import services as payments
        from servicebook.payments.bankfiles import services as bank
        from servicebook.payments.bankfiles.bai2 import write
        from servicebook.payments.models import AdjustmentReason
        from servicebook.users.services import approval_limit_set

        admin = make_user("admin")
        colleague = make_user("billing")  # asks for what waits; a role's user approves it
        account = Account.objects.get(pk=ids["account"])
        other = make_account(actor=admin, first_name="Sam", phone="(720) 555-0100")
        spare = make_account(actor=admin, first_name="Lee", phone="(720) 555-0101")
        today = timezone.localdate()
        service = make_catalog_item("pay-service", tax_code=make_tax_code("exempt", "0"))

        def invoice(on, amount, days_ago):
            issued = today - dt.timedelta(days=days_ago)
            return make_invoice(account=on, lines=[(service, 1, amount)], issued_on=issued)

        invoice(account, "100.00", 40)
        newer = invoice(account, "60.00", 10)
        disputed = invoice(other, "80.00", 20)
        payment = payments.payment_post(
            account=account,
            amount="200.00",
            method="check",
            channel="phone",
            check_number="1001",
            idempotency_key="matrix-payment",
            actor=admin,
        )
        card = payments.card_tokenize(
            account=account,
            number="4242 4242 4242 4242",
            exp_month=12,
            exp_year=today.year + 3,
            cvc="123",
            save=True,
            actor=admin,
        )
        payments.bank_account_add(
            account=account, routing_number="011000015", account_number="123456789", actor=admin
        )
        transfer = payments.transfer_post(
            from_account=account,
            to_account=other,
            amount="5.00",
            reason="Paid on the wrong account",
            idempotency_key="matrix-transfer",
            actor=admin,
        )
        # Asked for before any role has a limit, so both wait for approval.
        refund = payments.refund_request(
            payment=payment,
            amount="15.00",
            reason="Overpaid",
            request_approval=True,
            idempotency_key="matrix-refund",
            actor=colleague,
        )
        goodwill = AdjustmentReason.objects.get(code="goodwill")
        adjustment = payments.adjustment_post(
            account=account,
            amount="30.00",
            direction="credit",
            reason=goodwill,
            memo="Outage",
            request_approval=True,
            idempotency_key="matrix-adjustment",
            actor=colleague,
        )
        for role, refunds, adjustments in [
            ("rep1", "50.00", "0.00"),
            ("rep2", "200.00", "0.00"),
            ("billing", "1000.00", "500.00"),
            ("collections", "500.00", "250.00"),
            ("supervisor", "10000.00", "5000.00"),
            ("admin", "10000.00", "5000.00"),
        ]:
            approval_limit_set(role=role, kind="refund", max_amount=refunds, actor=None)
            approval_limit_set(role=role, kind="adjustment", max_amount=adjustments, actor=None)
        dispute = payments.dispute_open(
            item=disputed.open_item, amount="20.00", reason="Never had the visit", actor=admin
        )
        held = payments.deposit_bill(account=account, amount="100.00", actor=admin)
        payments.deposit_collect(
            deposit=held,
            amount="100.00",
            method="check",
            channel="counter",
            check_number="2001",
            idempotency_key="matrix-deposit",
            actor=admin,
        )
        billed = payments.deposit_bill(account=other, amount="80.00", actor=admin)
        unmatched = bank.bank_file_import(
            content=write(as_of=today, details=[("115", 4200, "LBX9", "", "NO REF")]).encode(),
            name="queue.bai",
            actor=admin,
        )
        ids["payments"] = {
            "account": account.pk,
            "payment": payment.pk,
            "newer": newer.open_item_id,
            "card": card.pk,
            "transfer": transfer.pk,
            "refund": refund.pk,
            "adjustment": adjustment.pk,
            "reason": goodwill.pk,
            "other": other.pk,
            "spare": spare.pk,
            "disputed": disputed.open_item_id,
            "dispute": dispute.pk,
            "held": held.pk,
            "billed": billed.pk,
            "bank_file": unmatched.file.pk,
            "bank_item": unmatched.file.items.get().pk,
            "account_number": account.number,
        }
    return ids["payments"]


def pay(name: str):
    return lambda ids: {"pk": _pay_ids(ids)[name]}


def _pay_body(build):
    return lambda w: build(_pay_ids(w.ids))


def _paid(ids: dict) -> dict:
    """No path arguments: the objects are made so that a list has rows to show."""
    _pay_ids(ids)
    return {}


def _bank_file(ids: dict) -> dict:
    """A second file (another file id): a check for the account, matched by its number."""
    from servicebook.payments.bankfiles.bai2 import write

    details = [("115", 5000, "LBX1", ids["account_number"], "CHECK 1001")]
    text = write(as_of=timezone.localdate(), details=details, file_id="2")
    return {"name": "today.bai", "content": text}


PAY_VIEW, TAKE = caps(Cap.PAYMENTS_VIEW), caps(Cap.PAYMENTS_TAKE)
REFUND, ADJUST = caps(Cap.PAYMENTS_REFUND), caps(Cap.PAYMENTS_ADJUST)
DEPOSITS, BANK_FILES = caps(Cap.PAYMENTS_DEPOSITS), caps(Cap.PAYMENTS_BANK_FILES)
# What posts a payment (a matched bank credit too) needs payments.take (the service checks).
BANK_POSTS = caps(Cap.PAYMENTS_BANK_FILES, Cap.PAYMENTS_TAKE)
KEY = {"Idempotency-Key": "matrix-1"}  # money-moving requests (payments.idempotency)
CARD_BODY = {"card_number": "4242 4242 4242 4242", "exp_month": 12, "cvc": "123"}

MATRIX.update(
    {
        # Payments
        ("GET", "/api/payments/"): Rule(PAY_VIEW, _paid, query="?status=posted&method=check"),
        ("POST", "/api/payments/"): Rule(
            TAKE,
            body=_pay_body(
                lambda ids: (
                    {"account": ids["account"], "amount": "25.00", "method": "card"}
                    | {"card": ids["card"]}
                )
            ),
            headers=KEY,
        ),
        ("GET", "/api/payments/{pk}/"): Rule(PAY_VIEW, pay("payment")),
        ("POST", "/api/payments/{pk}/reverse/"): Rule(
            caps(Cap.PAYMENTS_REVERSE),
            pay("payment"),
            body=lambda w: {"reason": "nsf", "note": "Bounced"},
            headers=KEY,
        ),
        ("POST", "/api/payments/{pk}/reallocate/"): Rule(
            caps(Cap.PAYMENTS_TRANSFER),
            pay("payment"),
            body=_pay_body(lambda ids: {"allocations": [{"item": ids["newer"], "amount": "60"}]}),
            headers=KEY,
        ),
        ("POST", "/api/payments/apply-credit/"): Rule(
            TAKE, body=_pay_body(lambda ids: {"account": ids["account"]}), headers=KEY
        ),
        # Refunds and adjustments
        ("GET", "/api/refunds/"): Rule(PAY_VIEW, _paid, query="?status=pending"),
        ("POST", "/api/refunds/"): Rule(
            REFUND,
            body=_pay_body(
                lambda ids: {"payment": ids["payment"], "amount": "10.00", "reason": "Overpaid"}
            ),
            headers=KEY,
        ),
        ("GET", "/api/refunds/{pk}/"): Rule(PAY_VIEW, pay("refund")),
        ("POST", "/api/refunds/{pk}/approve/"): Rule(
            REFUND, pay("refund"), body=lambda w: {"note": "Checked"}, headers=KEY
        ),
        ("POST", "/api/refunds/{pk}/reject/"): Rule(
            REFUND, pay("refund"), body=lambda w: {"note": "Credit is owed"}
        ),
        ("GET", "/api/adjustments/"): Rule(PAY_VIEW, _paid, query="?status=pending"),
        ("POST", "/api/adjustments/"): Rule(
            ADJUST,
            body=_pay_body(
                lambda ids: {
                    "account": ids["account"],
                    "amount": "5.00",
                    "direction": "credit",
                    "reason": "goodwill",
                    "memo": "Sorry for the wait",
                }
            ),
            headers=KEY,
        ),
        ("GET", "/api/adjustments/{pk}/"): Rule(PAY_VIEW, pay("adjustment")),
        ("POST", "/api/adjustments/{pk}/approve/"): Rule(
            ADJUST, pay("adjustment"), body=lambda w: {"note": "Checked"}, headers=KEY
        ),
        ("POST", "/api/adjustments/{pk}/reject/"): Rule(
            ADJUST, pay("adjustment"), body=lambda w: {"note": "No outage there"}
        ),
        ("GET", "/api/adjustment-reasons/"): Rule(PAY_VIEW),
        ("GET", "/api/adjustment-reasons/{pk}/"): Rule(PAY_VIEW, pay("reason")),
        # Transfers
        ("GET", "/api/transfers/"): Rule(PAY_VIEW, _paid),
        ("POST", "/api/transfers/"): Rule(
            caps(Cap.PAYMENTS_TRANSFER),
            body=_pay_body(
                lambda ids: (
                    {"from_account": ids["account"], "to_account": ids["other"]}
                    | {"amount": "5.00", "reason": "Paid on the wrong account"}
                )
            ),
            headers=KEY,
        ),
        ("GET", "/api/transfers/{pk}/"): Rule(PAY_VIEW, pay("transfer")),
        # Deposits and disputes
        ("GET", "/api/deposits/"): Rule(PAY_VIEW, _paid, query="?status=held&status=billed"),
        ("POST", "/api/deposits/"): Rule(
            DEPOSITS,
            body=_pay_body(
                lambda ids: {"account": ids["spare"], "amount": "150.00", "reason": "New service"}
            ),
        ),
        ("GET", "/api/deposits/{pk}/"): Rule(PAY_VIEW, pay("held")),
        ("POST", "/api/deposits/{pk}/collect/"): Rule(
            TAKE,
            pay("billed"),
            body=lambda w: {"amount": "30.00", "method": "check", "check_number": "3001"},
            headers=KEY,
        ),
        ("POST", "/api/deposits/{pk}/apply/"): Rule(
            DEPOSITS, pay("held"), body=lambda w: {}, headers=KEY
        ),
        # Refunding a deposit also needs a refund limit covering it (a record, not a role).
        ("POST", "/api/deposits/{pk}/refund/"): Rule(
            DEPOSITS, pay("held"), body=lambda w: {}, headers=KEY
        ),
        ("POST", "/api/deposits/{pk}/cancel/"): Rule(
            DEPOSITS, pay("billed"), body=lambda w: {"reason": "Waived by policy"}
        ),
        ("GET", "/api/disputes/"): Rule(PAY_VIEW, _paid, query="?status=open"),
        ("POST", "/api/disputes/"): Rule(
            caps(Cap.PAYMENTS_DISPUTE),
            body=_pay_body(
                lambda ids: {"item": ids["disputed"], "amount": "10.00", "reason": "Not mine"}
            ),
        ),
        ("GET", "/api/disputes/{pk}/"): Rule(PAY_VIEW, pay("dispute")),
        ("POST", "/api/disputes/{pk}/resolve/"): Rule(
            ADJUST,
            pay("dispute"),
            body=lambda w: {"outcome": "upheld", "note": "Meter misread"},
            headers=KEY,
        ),
        # Cards and bank accounts
        ("GET", "/api/card-tokens/"): Rule(PAY_VIEW, _paid),
        ("POST", "/api/card-tokens/"): Rule(
            TAKE,
            body=lambda w: (
                CARD_BODY | {"account": w.ids["account"], "exp_year": timezone.localdate().year + 2}
            ),
        ),
        ("GET", "/api/bank-accounts/"): Rule(PAY_VIEW, _paid),
        ("POST", "/api/bank-accounts/"): Rule(
            TAKE,
            body=lambda w: {
                "account": w.ids["account"],
                "routing_number": "011000015",
                "account_number": "987654321",
                "account_type": "savings",
            },
        ),
        # Bank files and their exception queue
        ("GET", "/api/bank-files/"): Rule(BANK_FILES, _paid),
        ("POST", "/api/bank-files/"): Rule(BANK_POSTS, body=_pay_body(_bank_file)),
        ("GET", "/api/bank-files/{pk}/"): Rule(BANK_FILES, pay("bank_file")),
        ("GET", "/api/bank-file-items/"): Rule(BANK_FILES, _paid, query="?status=exception"),
        ("GET", "/api/bank-file-items/{pk}/"): Rule(BANK_FILES, pay("bank_item")),
        ("POST", "/api/bank-file-items/{pk}/match/"): Rule(
            BANK_POSTS,
            pay("bank_item"),
            body=_pay_body(lambda ids: {"account": ids["account"]}),
            headers=KEY,
        ),
        ("POST", "/api/bank-file-items/{pk}/return/"): Rule(
            BANK_FILES, pay("bank_item"), body=lambda w: {"note": "Unknown remitter"}
        ),
    }
)
# <<< payments


# >>> receivables: api
MATRIX.update(
    {
        ("GET", "/api/receivables/aging"): Rule(
            caps(Cap.RECEIVABLES_VIEW), query="?as_of=2026-11-20&basis=invoice_date"
        ),
        ("GET", f"{ACC}/write-offs/"): Rule(caps(Cap.RECEIVABLES_VIEW), lambda ids: _recv(ids)),
        ("POST", f"{ACC}/write-offs/"): Rule(
            caps(Cap.RECEIVABLES_WRITE_OFF),
            lambda ids: _recv(ids),
            body=lambda w: {"reason": "Moved away, no forwarding address"},
        ),
    }
)


def _recv(ids: dict) -> dict:
    """A final-billed account owing 120.00, and a write-off limit for every role that holds
    receivables.write_off (the limit is the service's rule, not the matrix's subject)."""
    if "recv" not in ids:
        import datetime as dt
        from decimal import Decimal

        from servicebook.core.testing.factories import make_catalog_item, make_invoice
        from servicebook.customers.services import account_set_status
        from servicebook.users.roles import ROLE_CAPABILITIES
        from servicebook.users.services import approval_limit_set

        admin = make_user("admin")
        for role, granted in ROLE_CAPABILITIES.items():
            if Cap.RECEIVABLES_WRITE_OFF in granted:
                approval_limit_set(
                    role=role, kind="write_off", max_amount=Decimal("1000.00"), actor=admin
                )
        account = make_account(actor=admin, first_name="Wo", phone="(720) 555-0131")
        make_invoice(
            account=account,
            lines=[(make_catalog_item("recv-service"), 1, "120.00")],
            issued_on=timezone.localdate() - dt.timedelta(days=90),
            actor=admin,
        )
        account_set_status(account=account, status="final_billed", reason="moved", actor=admin)
        ids["recv"] = account.pk
    return {"account_pk": ids["recv"]}


# <<< receivables


# >>> credit: api
def _credit_ids(ids: dict) -> dict:
    """The credit objects, made on first use: an arrangement policy and a restoration
    policy (a 25.00 fee, no deposit); an account with arrears and nothing else (set up an
    arrangement, file a bankruptcy), one with an active arrangement, a disconnected one
    owing a past-due invoice (open a restoration), one with a paid restoration, and one
    with a bankruptcy in force; returns ids["credit"]."""
    if "credit" not in ids:
        import datetime as dt
        from decimal import Decimal

        from servicebook.core.testing.factories import (
            make_catalog_item,
            make_invoice,
            make_tax_code,
        )
        from servicebook.credit.models import (
            ArrangementPolicy,
            Bankruptcy,
            PaymentArrangement,
            Restoration,
            RestorationPolicy,
        )
        from servicebook.customers.models import Account

        admin = make_user("admin")
        today = timezone.localdate()
        item = make_catalog_item("credit-service", tax_code=make_tax_code("exempt", "0"))
        ArrangementPolicy.objects.create(name="Matrix", min_arrears=Decimal("1.00"))
        RestorationPolicy.objects.create(
            name="Matrix", fee_amount=Decimal("25.00"), include_deposit=False
        )

        def owing(first_name, phone):
            account = make_account(actor=admin, first_name=first_name, phone=phone)
            make_invoice(
                account=account,
                lines=[(item, 1, "120.00")],
                issued_on=today - dt.timedelta(days=60),
                actor=admin,
            )
            return account

        arrears = owing("Ari", "(720) 555-0111")
        arranged = owing("Bo", "(720) 555-0112")
        arrangement = PaymentArrangement.objects.create(
            account=arranged, arrears=Decimal("120.00"), installment_count=2, started_on=today
        )
        disconnected = owing("Cy", "(720) 555-0113")
        Account.objects.filter(pk=disconnected.pk).update(status="disconnected")
        restored = make_account(actor=admin, first_name="Di", phone="(720) 555-0114")
        restoration = Restoration.objects.create(
            account=restored, status="paid", opened_on=today, paid_on=today
        )
        bankrupt = make_account(actor=admin, first_name="Ed", phone="(720) 555-0115")
        case = Bankruptcy.objects.create(
            account=bankrupt,
            petition_date=today,
            chapter="7",
            court="D. Colo.",
            case_number="26-0001",
        )
        ids["credit"] = {
            "arrears": arrears.pk,
            "arranged": arranged.pk,
            "arrangement": arrangement.pk,
            "disconnected": disconnected.pk,
            "restored": restored.pk,
            "restoration": restoration.pk,
            "bankrupt": bankrupt.pk,
            "case": case.pk,
        }
    return ids["credit"]


def _cr(account: str, name: str | None = None):
    def path(ids):
        c = _credit_ids(ids)
        return {"account_pk": c[account], **({"pk": c[name]} if name else {})}

    return path


CR_VIEW = caps(Cap.CREDIT_VIEW)
CR_ARRANGE, CR_MANAGE = caps(Cap.CREDIT_ARRANGE), caps(Cap.CREDIT_MANAGE)
CR = "/api/accounts/{account_pk}"
MATRIX.update(
    {
        ("GET", f"{CR}/arrangements/"): Rule(CR_VIEW, _cr("arranged")),
        ("POST", f"{CR}/arrangements/"): Rule(
            CR_ARRANGE, _cr("arrears"), body=lambda w: {"installments": 2}
        ),
        ("GET", f"{CR}/arrangements/{{pk}}/"): Rule(CR_VIEW, _cr("arranged", "arrangement")),
        ("POST", f"{CR}/arrangements/{{pk}}/cancel/"): Rule(
            CR_ARRANGE, _cr("arranged", "arrangement"), body=lambda w: {"reason": "Paid"}
        ),
        ("GET", f"{CR}/arrangements/proposal/"): Rule(
            CR_VIEW, _cr("arrears"), query="?installments=3"
        ),
        ("GET", f"{CR}/restorations/"): Rule(CR_VIEW, _cr("restored")),
        # The fee is an invoice billed by billing's policy-fee service as the caller.
        ("POST", f"{CR}/restorations/"): Rule(
            caps(Cap.CREDIT_MANAGE, Cap.BILLING_FEES),
            _cr("disconnected"),
            body=lambda w: {},
        ),
        ("GET", f"{CR}/restorations/{{pk}}/"): Rule(CR_VIEW, _cr("restored", "restoration")),
        ("GET", f"{CR}/restorations/quote/"): Rule(CR_VIEW, _cr("disconnected")),
        ("GET", f"{CR}/bankruptcies/"): Rule(CR_MANAGE, _cr("bankrupt")),
        ("POST", f"{CR}/bankruptcies/"): Rule(
            CR_MANAGE,
            _cr("arrears"),
            body=lambda w: {
                "petition_date": "2026-01-05",
                "chapter": "13",
                "court": "D. Colo.",
                "case_number": "26-0002",
            },
        ),
        ("GET", f"{CR}/bankruptcies/{{pk}}/"): Rule(CR_MANAGE, _cr("bankrupt", "case")),
        ("POST", f"{CR}/bankruptcies/{{pk}}/claim/"): Rule(
            CR_MANAGE,
            _cr("bankrupt", "case"),
            body=lambda w: {"amount": "10.00", "filed_on": "2030-01-01"},
        ),
        ("POST", f"{CR}/bankruptcies/{{pk}}/close/"): Rule(
            CR_MANAGE,
            _cr("bankrupt", "case"),
            body=lambda w: {"status": "dismissed", "on": "2030-01-01"},
        ),
    }
)
# <<< credit


# >>> inventory: api
def _inv_ids(ids: dict) -> dict:
    """A stocked item at two locations, a spare catalog part, a vendor, and sales and
    purchase orders in the state each action needs (made on first use)."""
    if "inventory" not in ids:
        from servicebook.core.testing.factories import make_catalog_item
        from servicebook.customers.models import Account
        from servicebook.inventory import purchasing, sales
        from servicebook.inventory import services as inv
        from servicebook.users.models import ApprovalLimit

        admin = make_user("admin")
        for role in ("service_admin", "supervisor", "admin"):
            ApprovalLimit.objects.get_or_create(
                role=role, kind="purchase_order", defaults={"max_amount": "10000"}
            )
        account = Account.objects.get(pk=ids["account"])
        part = make_catalog_item("api-part", kind="part", price="30.00", revenue_code="4300")
        spare = make_catalog_item("api-spare", kind="part", price="5.00", revenue_code="4300")
        vendor = inv.vendor_create(
            code="api-v", name="API Supply", email="v@x.example", actor=admin
        )
        store = inv.warehouse_create(code="api-main", name="Main", actor=admin)
        branch = inv.warehouse_create(code="api-branch", name="Branch", actor=admin)
        item = inv.item_create(catalog_item=part, sku="API-1", standard_cost="10", actor=admin)
        inv.stock_receive(item=item, warehouse=store, quantity="50", actor=admin)

        def po(*steps):
            order = purchasing.purchase_order_create(vendor=vendor, actor=admin)
            purchasing.purchase_order_line_add(order=order, item=item, quantity="3", actor=admin)
            for step in steps:
                step(order)
            return order

        def submit(o):
            purchasing.purchase_order_submit(order=o, actor=admin)

        def approve(o):
            purchasing.purchase_order_approve(order=o, actor=admin)

        def receive(o):
            purchasing.purchase_order_receive(
                order=o, warehouse=store, quantities={o.lines.get().pk: "3"}, actor=admin
            )

        def so(*steps):
            order = sales.sales_order_create(account=account, warehouse=store, actor=admin)
            sales.sales_order_line_add(order=order, catalog_item=part, quantity="1", actor=admin)
            for step in steps:
                step(order=order, actor=admin)
            return order

        approved = po(submit, approve)
        ids["inventory"] = {
            "item": item.pk,
            "part": part.pk,
            "spare": spare.pk,
            "vendor": vendor.pk,
            "store": store.pk,
            "branch": branch.pk,
            "po_draft": po().pk,
            "po_waiting": po(submit).pk,
            "po_approved": approved.pk,
            "po_line": approved.lines.get().pk,
            "po_received": po(submit, approve, receive).pk,
            "so_draft": so().pk,
            "so_confirmed": so(sales.sales_order_confirm).pk,
            "so_fulfilled": so(sales.sales_order_confirm, sales.sales_order_fulfil).pk,
        }
    return ids["inventory"]


def inv_pk(name: str):
    return lambda ids: {"pk": _inv_ids(ids)[name]}


def _inv_body(build):
    return lambda w: build(_inv_ids(w.ids))


INV_VIEW, INV_MANAGE = caps(Cap.INVENTORY_VIEW), caps(Cap.INVENTORY_MANAGE)
INV_SELL, INV_BUY = caps(Cap.INVENTORY_SELL), caps(Cap.INVENTORY_PURCHASE)
INV_INVOICE = caps(Cap.BILLING_SALES)
ITEMS, SO, PO = (
    "/api/inventory/items",
    "/api/inventory/sales-orders",
    "/api/inventory/purchase-orders",
)

MATRIX.update(
    {
        ("GET", f"{ITEMS}/"): Rule(INV_VIEW),
        ("POST", f"{ITEMS}/"): Rule(
            INV_MANAGE,
            body=_inv_body(
                lambda i: {
                    "catalog_item": i["spare"],
                    "sku": "API-2",
                    "reorder_point": "2",
                    "reorder_quantity": "10",
                }
            ),
        ),
        ("GET", f"{ITEMS}/{{pk}}/"): Rule(INV_VIEW, inv_pk("item")),
        ("PATCH", f"{ITEMS}/{{pk}}/"): Rule(
            INV_MANAGE, inv_pk("item"), body=lambda w: {"reorder_point": "7"}
        ),
        ("POST", f"{ITEMS}/{{pk}}/receive/"): Rule(
            INV_MANAGE,
            inv_pk("item"),
            body=_inv_body(lambda i: {"warehouse": i["store"], "quantity": "5"}),
        ),
        ("POST", f"{ITEMS}/{{pk}}/transfer/"): Rule(
            INV_MANAGE,
            inv_pk("item"),
            body=_inv_body(
                lambda i: {
                    "from_warehouse": i["store"],
                    "to_warehouse": i["branch"],
                    "quantity": "5",
                }
            ),
        ),
        ("POST", f"{ITEMS}/{{pk}}/count/"): Rule(
            INV_MANAGE,
            inv_pk("item"),
            body=_inv_body(
                lambda i: {"warehouse": i["store"], "counted": "40", "reason": "Cycle count"}
            ),
        ),
        ("GET", "/api/inventory/stock/"): Rule(INV_VIEW, query="?warehouse=1&item=1"),
        ("POST", "/api/inventory/prices/"): Rule(
            INV_VIEW,
            body=lambda w: {
                "account": w.ids["account"],
                "items": [{"catalog_item": _inv_ids(w.ids)["part"], "quantity": "3"}],
            },
        ),
        ("GET", f"{SO}/"): Rule(INV_VIEW),
        ("GET", f"{SO}/{{pk}}/"): Rule(INV_VIEW, inv_pk("so_draft")),
        ("POST", f"{SO}/"): Rule(
            INV_SELL,
            body=lambda w: {
                "account": w.ids["account"],
                "warehouse": _inv_ids(w.ids)["store"],
                "lines": [{"catalog_item": _inv_ids(w.ids)["part"], "quantity": "2"}],
            },
        ),
        ("POST", f"{SO}/{{pk}}/confirm/"): Rule(INV_SELL, inv_pk("so_draft"), body=lambda w: {}),
        ("POST", f"{SO}/{{pk}}/fulfil/"): Rule(INV_SELL, inv_pk("so_confirmed"), body=lambda w: {}),
        ("POST", f"{SO}/{{pk}}/cancel/"): Rule(INV_SELL, inv_pk("so_confirmed"), body=lambda w: {}),
        ("POST", f"{SO}/{{pk}}/invoice/"): Rule(
            INV_INVOICE, inv_pk("so_fulfilled"), body=lambda w: {}
        ),
        ("POST", f"{SO}/{{pk}}/counter-sale/"): Rule(
            INV_INVOICE, inv_pk("so_draft"), body=lambda w: {}
        ),
        ("GET", f"{PO}/"): Rule(INV_VIEW),
        ("GET", f"{PO}/{{pk}}/"): Rule(INV_VIEW, inv_pk("po_approved")),
        ("GET", f"{PO}/{{pk}}/pdf/"): Rule(INV_VIEW, inv_pk("po_draft")),
        ("POST", f"{PO}/"): Rule(
            INV_BUY,
            body=_inv_body(
                lambda i: {
                    "vendor": i["vendor"],
                    "lines": [
                        {"item": i["item"], "quantity": "2"},
                        {"description": "Crane hire", "quantity": "1", "unit_cost": "250.00"},
                    ],
                }
            ),
        ),
        ("POST", f"{PO}/{{pk}}/submit/"): Rule(INV_BUY, inv_pk("po_draft"), body=lambda w: {}),
        ("POST", f"{PO}/{{pk}}/approve/"): Rule(
            INV_BUY, inv_pk("po_waiting"), body=lambda w: {"note": "ok"}
        ),
        ("POST", f"{PO}/{{pk}}/reject/"): Rule(
            INV_BUY, inv_pk("po_waiting"), body=lambda w: {"reason": "Wrong vendor"}
        ),
        ("POST", f"{PO}/{{pk}}/cancel/"): Rule(
            INV_BUY, inv_pk("po_draft"), body=lambda w: {"reason": "Not needed"}
        ),
        ("POST", f"{PO}/{{pk}}/send/"): Rule(INV_BUY, inv_pk("po_approved"), body=lambda w: {}),
        ("POST", f"{PO}/{{pk}}/receive/"): Rule(
            INV_BUY,
            inv_pk("po_approved"),
            body=_inv_body(
                lambda i: {
                    "warehouse": i["store"],
                    "lines": [{"line": i["po_line"], "quantity": "1"}],
                }
            ),
        ),
        ("POST", f"{PO}/{{pk}}/bill/"): Rule(
            INV_BUY,
            inv_pk("po_received"),
            body=lambda w: {"bill_number": "B-7", "amount": "30.00"},
        ),
    }
)
# <<< inventory


# >>> integrations: api
MATRIX_PARTNER_TOKEN = "sbp_matrix-partner-token"


def _integ_ids(ids: dict) -> dict:
    """A webhook partner with an endpoint (to a closed local port, one attempt) linked to a
    cancelled work order, so there is a dead delivery; a portal partner with an open task;
    the partner's inbound token with a known value (made on first use)."""
    if "integ_partner" not in ids:
        from servicebook.core.testing.factories import make_work_order
        from servicebook.integrations import delivery as sender
        from servicebook.integrations import services as integ
        from servicebook.integrations.models import Delivery, InboundToken, PortalTask
        from servicebook.workorders.services import workorder_cancel

        boss = make_user("supervisor")
        admin = make_user("admin")
        hooks = integ.partner_create(
            name="Matrix Warranty", kind="warranty", connector="webhook", actor=boss
        )
        portal = integ.partner_create(
            name="Matrix Portal", kind="carrier", connector="portal", actor=boss
        )
        endpoint, _ = integ.endpoint_create(
            partner=hooks,
            url="http://127.0.0.1:9/matrix",
            event_types=["workorder.status_changed"],
            max_attempts=1,
            actor=boss,
        )
        order = make_work_order(actor=admin)
        integ.link_create(partner=hooks, work_order=order, external_reference="M-1", actor=boss)
        integ.link_create(partner=portal, work_order=order, actor=boss)
        workorder_cancel(work_order=order, reason="matrix", actor=admin)
        sender.deliver_due()
        InboundToken.objects.create(
            partner=hooks, prefix="sbp_matrix", token_hash=integ.token_hash(MATRIX_PARTNER_TOKEN)
        )
        ids.update(
            integ_partner=hooks.pk,
            integ_portal=portal.pk,
            integ_delivery=Delivery.objects.get(endpoint=endpoint).pk,
            integ_task=PortalTask.objects.get(partner=portal).pk,
            integ_order=order.pk,
            integ_fresh_order=make_work_order(actor=admin).pk,
        )
    return ids


def integ(name: str):
    return lambda ids: {"pk": _integ_ids(ids)[name]}


I_VIEW, I_TASKS = caps(Cap.INTEGRATIONS_VIEW), caps(Cap.INTEGRATIONS_TASKS)
IG = "/api/integrations"
MATRIX.update(
    {
        ("GET", f"{IG}/partners/"): Rule(I_VIEW),
        ("GET", f"{IG}/partners/{{pk}}/"): Rule(I_VIEW, integ("integ_partner")),
        ("GET", f"{IG}/deliveries/"): Rule(I_VIEW, query="?status=dead"),
        ("GET", f"{IG}/deliveries/{{pk}}/"): Rule(I_VIEW, integ("integ_delivery")),
        ("POST", f"{IG}/deliveries/{{pk}}/replay/"): Rule(
            I_TASKS, integ("integ_delivery"), body=lambda w: {"reason": "matrix"}
        ),
        ("GET", f"{IG}/portal-tasks/"): Rule(I_TASKS, query="?status=open"),
        ("POST", f"{IG}/portal-tasks/{{pk}}/done/"): Rule(
            I_TASKS, integ("integ_task"), body=lambda w: {"reference": "P-1"}
        ),
        ("GET", f"{IG}/links/"): Rule(I_VIEW),
        ("POST", f"{IG}/links/"): Rule(
            I_TASKS,
            body=lambda w: {
                "partner": _integ_ids(w.ids)["integ_portal"],
                "work_order": w.ids["integ_fresh_order"],
            },
        ),
        # A partner's call: its token (in the header that does not clash with the test
        # clients' user tokens), whoever (or no one) is signed in.
        ("POST", f"{IG}/inbound/"): Rule(
            PUBLIC,
            body=lambda w: {
                "event_id": f"m-{_integ_ids(w.ids)['integ_order']}",
                "type": "workorder.note",
                "data": {"reference": "M-1", "text": "Claim approved"},
            },
            headers={"Servicebook-Partner-Token": MATRIX_PARTNER_TOKEN},
        ),
    }
)
# <<< integrations


# >>> quotes: api
def _quote_ids(ids: dict) -> dict:
    """The quotes objects, made on first use: a draft quote with a line and a sent one on
    the world's account, a catalog item; a subcontractor company whose office login is the
    subcontractor role's user, its technician booked on a job, and a quote of its on it."""
    if "quotes" not in ids:
        import datetime as dt

        from servicebook.core.testing.factories import (
            make_catalog_item,
            make_subcontractor,
            make_technician,
            make_work_order,
        )
        from servicebook.customers.models import Account
        from servicebook.quotes import services as quotes
        from servicebook.quotes import subcontract
        from servicebook.scheduling.models import Appointment
        from servicebook.scheduling.services import subcontractor_set_users
        from servicebook.users.models import ApprovalLimit, User

        admin = make_user("admin")
        account = Account.objects.get(pk=ids["account"])
        item = make_catalog_item("matrix-quote-labour", price="80.00")
        draft = quotes.quote_create(account=account, title="Matrix draft", actor=admin)
        quotes.quote_line_add(
            option=draft.options.get(), catalog_item=item, quantity=1, actor=admin
        )
        sent = quotes.quote_create(account=account, title="Matrix sent", actor=admin)
        quotes.quote_line_add(option=sent.options.get(), catalog_item=item, quantity=2, actor=admin)
        quotes.quote_send(quote=sent, actor=admin)
        company = make_subcontractor(name="Matrix Mechanical", actor=admin)
        office = User.objects.filter(role=Role.SUBCONTRACTOR).order_by("pk").first()
        subcontractor_set_users(subcontractor=company, users=[office], actor=admin)
        tech = make_technician(kind="subcontractor", subcontractor=company, actor=admin)
        job = make_work_order(actor=admin, account=account, summary="Matrix job")
        start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
        Appointment.objects.create(
            work_order=job, technician=tech, starts_at=start, ends_at=start + dt.timedelta(hours=1)
        )
        sub = subcontract.subquote_submit(
            work_order=job, amount="250.00", subcontractor=company, actor=admin
        )
        ApprovalLimit.objects.create(
            role=Role.DISPATCHER, kind="subcontractor_quote", max_amount="1000.00"
        )
        approved = subcontract.subquote_submit(
            work_order=job, amount="150.00", subcontractor=company, actor=admin
        )
        # Approved without its purchase order: what an approver without inventory.purchase
        # leaves (a custom role; the built-in approvers all buy, so their approval makes it).
        type(approved).objects.filter(pk=approved.pk).update(status="approved")
        ids["quotes"] = {
            "approved": approved.pk,
            "draft": draft.pk,
            "sent": sent.pk,
            "item": item.pk,
            "company": company.pk,
            "job": job.pk,
            "sub": sub.pk,
        }
    return ids["quotes"]


def _q(name: str):
    return lambda ids: {"pk": _quote_ids(ids)[name]}


Q_READ = caps(Cap.QUOTES_VIEW, Cap.ACCOUNTS_VIEW)
MATRIX.update(
    {
        ("GET", "/api/quotes/"): Rule(Q_READ, path=lambda ids: _quote_ids(ids) and {}),
        ("POST", "/api/quotes/"): Rule(
            caps(Cap.QUOTES_EDIT, Cap.ACCOUNTS_VIEW),
            body=lambda w: {"account": w.ids["account"], "title": "New boiler"},
        ),
        ("GET", "/api/quotes/{pk}/"): Rule(Q_READ, _q("draft")),
        ("POST", "/api/quotes/{pk}/lines/"): Rule(
            caps(Cap.QUOTES_EDIT, Cap.ACCOUNTS_VIEW),
            _q("draft"),
            body=lambda w: {"catalog_item": _quote_ids(w.ids)["item"], "quantity": "2"},
        ),
        ("POST", "/api/quotes/{pk}/send/"): Rule(
            caps(Cap.QUOTES_EDIT, Cap.ACCOUNTS_VIEW), _q("draft"), body=lambda w: {}
        ),
        ("POST", "/api/quotes/{pk}/revise/"): Rule(
            caps(Cap.QUOTES_EDIT, Cap.ACCOUNTS_VIEW), _q("sent"), body=lambda w: {}
        ),
        ("GET", "/api/subcontractor-quotes/"): Rule(
            caps(Cap.QUOTES_VIEW), path=lambda ids: _quote_ids(ids) and {}
        ),
        ("POST", "/api/subcontractor-quotes/"): Rule(
            caps(Cap.QUOTES_SUBMIT),
            body=lambda w: {
                "work_order": _quote_ids(w.ids)["job"],
                "subcontractor": _quote_ids(w.ids)["company"],
                "lines": [{"description": "Pump", "quantity": "1", "unit_cost": "120.00"}],
            },
        ),
        ("GET", "/api/subcontractor-quotes/{pk}/"): Rule(caps(Cap.QUOTES_VIEW), _q("sub")),
        ("POST", "/api/subcontractor-quotes/{pk}/approve/"): Rule(
            caps(Cap.QUOTES_APPROVE), _q("sub"), body=lambda w: {}
        ),
        ("POST", "/api/subcontractor-quotes/{pk}/purchase-order/"): Rule(
            caps(Cap.INVENTORY_PURCHASE), _q("approved"), body=lambda w: {}
        ),
        ("POST", "/api/subcontractor-quotes/{pk}/reject/"): Rule(
            caps(Cap.QUOTES_APPROVE), _q("sub"), body=lambda w: {"reason": "Too dear"}
        ),
    }
)


def _partner_req_ids(ids: dict) -> dict:
    """A portal partner and a request sent to it for a work order of the world's account."""
    if "partner_req" not in ids:
        from servicebook.core.testing.factories import make_work_order
        from servicebook.customers.models import Account
        from servicebook.integrations import services as integ
        from servicebook.quotes import partner

        admin = make_user("admin")
        account = Account.objects.get(pk=ids["account"])
        company = integ.partner_create(
            name="Matrix Warranty Co", kind="warranty", connector="portal", actor=admin
        )
        job = make_work_order(actor=admin, account=account, summary="Matrix partner job")
        sent = partner.partner_request_send(
            account=account, work_order=job, partner=company, summary="Matrix", actor=admin
        )
        ids["partner_req"] = {"partner": company.pk, "job": job.pk, "request": sent.pk}
    return ids["partner_req"]


PR_EDIT = caps(Cap.QUOTES_EDIT, Cap.ACCOUNTS_VIEW)
MATRIX.update(
    {
        ("GET", "/api/partner-requests/"): Rule(
            Q_READ, path=lambda ids: _partner_req_ids(ids) and {}
        ),
        ("POST", "/api/partner-requests/"): Rule(
            PR_EDIT,
            body=lambda w: {
                "work_order": _partner_req_ids(w.ids)["job"],
                "partner": _partner_req_ids(w.ids)["partner"],
                "summary": "Warranty part",
                "amount": "120.00",
            },
        ),
        ("GET", "/api/partner-requests/{pk}/"): Rule(
            Q_READ, lambda ids: {"pk": _partner_req_ids(ids)["request"]}
        ),
        ("POST", "/api/partner-requests/{pk}/status/"): Rule(
            PR_EDIT,
            lambda ids: {"pk": _partner_req_ids(ids)["request"]},
            body=lambda w: {"status": "acknowledged", "reference": "W-1"},
        ),
    }
)
# <<< quotes


# >>> contracts: api
def _contract_ids(ids: dict) -> dict:
    """The contracts objects, made on first use: a draft contract on the world's account
    and a work order there to decide coverage for."""
    if "contracts" not in ids:
        import datetime as dt

        from servicebook.contracts import services as contracts
        from servicebook.core.testing.factories import make_work_order
        from servicebook.customers.models import Account

        admin = make_user("admin")
        account = Account.objects.get(pk=ids["account"])
        today = timezone.localdate()
        contract = contracts.contract_create(
            account=account,
            name="Matrix contract",
            start_date=today,
            end_date=today + dt.timedelta(days=364),
            actor=admin,
        )
        job = make_work_order(actor=admin, account=account, summary="Matrix contract job")
        ids["contracts"] = {"contract": contract.pk, "job": job.pk}
    return ids["contracts"]


MATRIX.update(
    {
        ("GET", "/api/contracts/"): Rule(
            caps(Cap.CONTRACTS_VIEW), path=lambda ids: _contract_ids(ids) and {}
        ),
        ("POST", "/api/contracts/"): Rule(
            caps(Cap.CONTRACTS_MANAGE, Cap.ACCOUNTS_VIEW),
            body=lambda w: {
                "account": w.ids["account"],
                "name": "API contract",
                "start_date": "2026-01-01",
                "end_date": "2026-12-31",
            },
        ),
        ("GET", "/api/contracts/{pk}/"): Rule(
            caps(Cap.CONTRACTS_VIEW), lambda ids: {"pk": _contract_ids(ids)["contract"]}
        ),
        ("GET", "/api/contracts/coverage/{work_order}/"): Rule(
            caps(Cap.CONTRACTS_VIEW, Cap.WORKORDERS_VIEW),
            lambda ids: {"work_order": _contract_ids(ids)["job"]},
        ),
    }
)
# <<< contracts


# --- Walking the URL resolver ---------------------------------------------------------------


def _route(pattern_text: str) -> str:
    """`api/accounts/<int:account_pk>/notes/` -> `/api/accounts/{account_pk}/notes/`."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern_text)


def _methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:  # a viewset route: {http method: action}
        return [m.upper() for m in actions if m not in ("head", "options")]
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    return [
        m.upper()
        for m in view_class.http_method_names
        if m not in ("head", "options") and hasattr(view_class, m)
    ]


def api_endpoints() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            text = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, text)
            elif isinstance(p, URLPattern) and text.startswith("api/"):
                for method in _methods(p.callback):
                    found.add((method, _route(text)))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_api_endpoint_has_a_matrix_entry():
    endpoints = api_endpoints()
    missing = sorted(endpoints - MATRIX.keys())
    stale = sorted(MATRIX.keys() - endpoints)
    assert not missing, f"API endpoints without a permission-matrix entry: {missing}"
    assert not stale, f"Matrix entries for endpoints that no longer exist: {stale}"


# --- The matrix itself --------------------------------------------------------------------------


def watched_rows() -> dict[str, list[dict]]:
    """Every row of every model of the watched apps: a refused request must change none."""
    rows = {}
    for label in WATCHED_APPS:
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = list(model.objects.order_by("pk").values())
    return rows


def allowed(rule: Rule, role: str | None) -> bool:
    if rule.caps is PUBLIC:
        return True
    if role is None:
        return False
    return rule.caps <= capabilities_for(role)


@pytest.mark.parametrize(("method", "route"), sorted(MATRIX), ids=lambda v: v)
def test_endpoint_against_every_role(method, route):
    world = build_world()
    rule = MATRIX[(method, route)]
    url = route.format(**rule.path(world.ids)) + rule.query
    body = rule.body(world) if rule.body else None
    before = watched_rows()
    failures = []
    for role in [*Role.values, None]:
        client = world.clients[role]
        with transaction.atomic():
            response = client.generic(
                method,
                url,
                data=None if body is None else json.dumps(body),
                content_type="application/json",
                **rule.meta(),
            )
            code = response.status_code
            who = role or "anonymous"
            if allowed(rule, role):
                if not 200 <= code < 300:
                    failures.append(f"{who}: expected 2xx, got {code} {response.content[:300]!r}")
            else:
                expected = 403 if role else 401
                if code != expected:
                    failures.append(f"{who}: expected {expected}, got {code}")
                elif watched_rows() != before:
                    failures.append(f"{who}: refused with {code} but rows changed")
            transaction.set_rollback(True)
    assert not failures, f"{method} {url}:\n" + "\n".join(failures)


def test_every_role_is_allowed_something_and_refused_by_someone():
    """A guard on the matrix itself: the capability sets it names really separate roles
    (if every entry were allowed to everyone the matrix would test nothing)."""
    refused = {
        role
        for rule in MATRIX.values()
        for role in Role.values
        if rule.caps and not allowed(rule, role)
    }
    assert {Role.REP_1, Role.DISPATCHER, Role.SERVICE_ADMIN} <= refused
    assert Role.ADMIN not in refused


# --- The schema and the docs -------------------------------------------------------------------


def _schema_route(route: str) -> str:
    return route.replace("{pk}", "{id}")


def test_schema_lists_every_endpoint_with_its_methods():
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    documented = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    expected = {
        (m, _schema_route(r)) for m, r in api_endpoints() if r not in ("/api/schema/", "/api/docs/")
    }
    assert expected - documented == set()
    assert documented - expected == set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in {"post", "patch"} and not path.endswith(("/end/", "/clear/", "/revoke/")):
                assert "requestBody" in operation, f"{method} {path} has no request body"
            assert any(code.startswith("2") for code in operation["responses"]), (method, path)


def test_schema_generates_without_warnings(tmp_path, settings):
    settings.DEBUG = True
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "openapi" in target.read_text()


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def test_swagger_ui_loads_only_local_files(settings):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    parser = _Assets()
    parser.feed(html)
    assert parser.urls, "the page references no assets at all?"
    for url in parser.urls:
        assert url.startswith("/") and not url.startswith("//"), f"external asset: {url}"
        if url.startswith(settings.STATIC_URL):
            # Shipped with the sidecar package, found by collectstatic.
            assert finders.find(url.removeprefix(settings.STATIC_URL).split("?")[0]), url
    assert "cdn" not in html.lower()
    # The split view serves its start-up script from the same URL (no inline script, so the
    # content security policy holds); it, too, must point only at this site.
    script_urls = [u for u in parser.urls if "script" in u]
    for url in script_urls:
        script = APIClient().get(url).content.decode()
        assert "http://" not in script and "https://" not in script


# --- Malformed input never makes a server error ---------------------------------------------------

BAD_VALUES: list[Any] = [
    None,
    2**70,
    -1,
    "",
    "x" * 20_000,
    "nul\x00byte",
    [1, "two"],
    {"nested": {"deep": 1}},
    True,
    "2026-13-45T99:99:99",
]
BAD_QUERY_VALUES = ["", "x" * 300, "-1", "9" * 30, "nul\x00byte", "1.5", "2026-13-45"]


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


@functools.cache
def _operations() -> list[tuple[str, str, list[str], list[str]]]:
    """(method, route, request properties, query parameter names) from the schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    result = []
    for (method, route), _rule in sorted(MATRIX.items()):
        operation = schema["paths"].get(_schema_route(route), {}).get(method.lower())
        if operation is None:
            continue
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        props = sorted(_resolve(schema, body["schema"]).get("properties", {})) if body else []
        query = sorted(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
        result.append((method, route, props, query))
    return result


@pytest.mark.parametrize(
    ("method", "route"),
    [key for key in sorted(MATRIX) if key[1] not in ("/api/schema/", "/api/docs/")],
    ids=lambda v: v,
)
def test_malformed_input_never_causes_a_server_error(method, route):
    """A small schema-driven fuzz: each body field and query parameter of the endpoint set
    to values of the wrong type, size or shape, one at a time, as the administrator (who
    may do everything, so the input reaches the deepest code). 4xx is fine; 5xx is not."""
    world = build_world()
    client = world.clients[Role.ADMIN.value]
    rule = MATRIX[(method, route)]
    url = route.format(**rule.path(world.ids))
    valid_body = rule.body(world) if rule.body else {}
    (operation,) = [op for op in _operations() if op[:2] == (method, route)]
    _, _, props, query = operation
    requests: list[tuple[str, Any]] = []
    for name in props:
        requests += [(url, {**valid_body, name: value}) for value in BAD_VALUES]
    for name in query:
        requests += [
            (f"{url}?{urlencode({name: value})}", valid_body or None) for value in BAD_QUERY_VALUES
        ]
    requests += [(url, ["not", "an", "object"]), (url, "just a string")]
    client.raise_request_exception = False
    errors = []
    for target, body in requests:
        with transaction.atomic():
            response = client.generic(
                method,
                target,
                data=None if body is None else json.dumps(body),
                content_type="application/json",
                **rule.meta(),
            )
            if response.status_code >= 500:
                errors.append(f"{target} {json.dumps(body)[:200]} -> {response.status_code}")
            transaction.set_rollback(True)
    assert not errors, "\n".join(errors)
