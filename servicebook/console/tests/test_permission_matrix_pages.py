"""Every console page and form action against every role: allowed, or 403 with nothing
changed. A new page without a row in ENDPOINTS fails the completeness test."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from servicebook.cases.models import ChecklistItem, ChecklistTemplate, ResolutionCode
from servicebook.core.testing.factories import (
    PASSWORD,
    make_account,
    make_case,
    make_policy,
    make_user,
)
from servicebook.customers.models import AccountAlert, Program, ProgramEnrollment
from servicebook.users.roles import ROLE_CAPABILITIES, Role

# Every app's pages: a new page without a row in ENDPOINTS fails the completeness test.
NAMESPACES = (
    "console",
    "customers",
    "cases",
    "ledger",
    "billing",
    "payments",
    "workorders",
    "scheduling",
    "contact",
    "receivables",
    "credit",
    "inventory",
    "integrations",
)


@pytest.fixture
def world(db):
    """One of everything a page can point at."""
    admin = make_user("admin")
    make_policy()
    account = make_account(actor=admin)
    contact = account.contacts.get()
    phone = account.phones.get()
    location = account.locations.get()
    from servicebook.customers.services import agreement_add, alert_pin, program_enroll

    agreement = agreement_add(
        account=account,
        kind="electric",
        description="Residential electric",
        location=location,
        actor=admin,
    )
    program = Program.objects.create(code="budget", name="Budget billing")
    enrollment = program_enroll(account=account, program=program, actor=admin)
    alert = alert_pin(account=account, kind="cash_only", actor=admin)
    case = make_case(account=account, actor=admin, case_type="inquiry")
    template = ChecklistTemplate.objects.create(case_type="inquiry", name="Basics")
    item = ChecklistItem.objects.create(
        template=template, prompt="Verified identity?", required=False
    )
    code = ResolutionCode.objects.create(code="explained", label="Explained")
    return {
        "account": account,
        "contact": contact,
        "phone": phone,
        "agreement": agreement,
        "enrollment": enrollment,
        "alert": alert,
        "case": case,
        "item": item,
        "code": code,
        "program": program,
    }


# name -> (method, kwargs from world, POST data from world)
ENDPOINTS = {
    "console:home": ("get", lambda w: {}, None),
    "console:search": ("get", lambda w: {}, None),
    "console:suggest": ("get", lambda w: {}, None),
    "console:history": (
        "get",
        lambda w: {"app_label": "customers", "model": "account", "pk": w["account"].pk},
        None,
    ),
    "customers:account_new": ("get", lambda w: {}, None),
    "customers:account_detail": ("get", lambda w: {"pk": w["account"].pk}, None),
    "customers:account_note": (
        "post",
        lambda w: {"pk": w["account"].pk},
        lambda w: {"channel": "phone", "direction": "inbound", "summary": "Asked about a bill"},
    ),
    "customers:account_status": (
        "post",
        lambda w: {"pk": w["account"].pk},
        lambda w: {"status": "past_due", "reason": "test"},
    ),
    "customers:contact_add": (
        "post",
        lambda w: {"pk": w["account"].pk},
        lambda w: {
            "name": "Sam Roe",
            "role": "authorized",
            "phone_kind": "mobile",
            "preferred_channel": "phone",
        },
    ),
    "customers:phone_add": (
        "post",
        lambda w: {"pk": w["account"].pk, "contact_pk": w["contact"].pk},
        lambda w: {"number": "720-555-0199", "kind": "home"},
    ),
    "customers:email_add": (
        "post",
        lambda w: {"pk": w["account"].pk, "contact_pk": w["contact"].pk},
        lambda w: {"email": "second@example.com"},
    ),
    "customers:phone_remove": (
        "post",
        lambda w: {"pk": w["account"].pk, "phone_pk": w["phone"].pk},
        lambda w: {},
    ),
    "customers:location_add": (
        "post",
        lambda w: {"pk": w["account"].pk},
        lambda w: {
            "line1": "1 Main St",
            "city": "Denver",
            "region": "CO",
            "postal_code": "80203",
            "time_zone": "America/Denver",
        },
    ),
    "customers:agreement_add": (
        "post",
        lambda w: {"pk": w["account"].pk},
        lambda w: {"kind": "water", "description": "Water service"},
    ),
    "customers:agreement_end": (
        "post",
        lambda w: {"pk": w["account"].pk, "agreement_pk": w["agreement"].pk},
        lambda w: {},
    ),
    "customers:equipment_add": (
        "post",
        lambda w: {"pk": w["account"].pk},
        lambda w: {"location": w["account"].locations.get().pk, "kind": "Furnace"},
    ),
    "customers:alert_add": (
        "post",
        lambda w: {"pk": w["account"].pk},
        lambda w: {"kind": "safety", "severity": "warning"},
    ),
    "customers:alert_clear": (
        "post",
        lambda w: {"pk": w["account"].pk, "alert_pk": w["alert"].pk},
        lambda w: {},
    ),
    "customers:enroll": (
        "post",
        lambda w: {"pk": w["account"].pk},
        lambda w: {
            "program": Program.objects.create(
                code=f"p{Program.objects.count()}", name="Paperless"
            ).pk
        },
    ),
    "customers:unenroll": (
        "post",
        lambda w: {"pk": w["account"].pk, "enrollment_pk": w["enrollment"].pk},
        lambda w: {},
    ),
    "cases:queue": ("get", lambda w: {"view": "all"}, None),
    "cases:case_new": (
        "post",
        lambda w: {"account_pk": w["account"].pk},
        lambda w: {
            "case_type": "inquiry",
            "priority": "normal",
            "subject": "Question",
            "channel": "phone",
        },
    ),
    "cases:case_detail": ("get", lambda w: {"pk": w["case"].pk}, None),
    "cases:case_clock": ("get", lambda w: {"pk": w["case"].pk}, None),
    "cases:case_note": (
        "post",
        lambda w: {"pk": w["case"].pk},
        lambda w: {"body": "Looked into it", "visibility": "internal"},
    ),
    "cases:case_contact": (
        "post",
        lambda w: {"pk": w["case"].pk},
        lambda w: {"channel": "phone", "direction": "outbound", "summary": "Called back"},
    ),
    "cases:case_transition": (
        "post",
        lambda w: {"pk": w["case"].pk},
        lambda w: {"to_status": "waiting_customer"},
    ),
    "cases:case_take": ("post", lambda w: {"pk": w["case"].pk}, lambda w: {}),
    "cases:case_assign": ("post", lambda w: {"pk": w["case"].pk}, lambda w: {"queue": ""}),
    "cases:case_escalate": (
        "post",
        lambda w: {"pk": w["case"].pk},
        lambda w: {"reason": "Angry customer"},
    ),
    "cases:case_resolve": (
        "post",
        lambda w: {"pk": w["case"].pk},
        lambda w: {"resolution_code": w["code"].pk},
    ),
    "cases:case_close": ("post", lambda w: {"pk": w["case"].pk}, lambda w: {}),
    "cases:case_reopen": (
        "post",
        lambda w: {"pk": w["case"].pk},
        lambda w: {"reason": "Came back"},
    ),
    "cases:case_priority": ("post", lambda w: {"pk": w["case"].pk}, lambda w: {"priority": "high"}),
    "cases:case_checklist": (
        "post",
        lambda w: {"pk": w["case"].pk},
        lambda w: {"item": w["item"].pk, "answer": "yes"},
    ),
    "cases:case_consent": (
        "post",
        lambda w: {"pk": w["case"].pk},
        lambda w: {
            "subject": "premise_access",
            "granted": "yes",
            "given_by": "Jane",
            "method": "verbal_phone",
        },
    ),
}


# >>> contact: pages
def _contact(w) -> dict:
    """The contact centre's objects, made on first use: an agent's live call on the world's
    account (other users reach its pages but it is not theirs: 404, never 403), a ringing
    pop, a script run, an unmatched answering-service message and a disposition."""
    if "contact_centre" not in w:
        from servicebook.contact import scripting, services
        from servicebook.contact.models import Script, ScriptNode
        from servicebook.core.testing.factories import make_agent, make_disposition

        agent = make_agent("rep1")
        disposition = make_disposition()
        call = services.interaction_start(agent=agent, account=w["account"], actor=agent)
        pbx, _ = services.pbx_issue_token(name="matrix")
        pop = services.screen_pop_receive(
            pbx=pbx, caller="303 555 0147", extension=agent.agent_profile.extension
        )
        script = Script.objects.create(name="Billing", call_type="inquiry")
        ScriptNode.objects.create(script=script, key="greet", kind="statement", text="Hello")
        run = scripting.script_start(script=script, interaction=call, actor=agent)
        message, _ = services.answering_message_receive(
            message=services.AnsweringMessage(
                message_id="matrix-1", received_at=call.created_at, body="Call me"
            ),
            actor=make_user("admin"),
        )
        w["contact_centre"] = {
            "call": call,
            "pop": pop,
            "script": script,
            "run": run,
            "message": message,
            "disposition": disposition,
        }
    return w["contact_centre"]


def _call_pk(w) -> dict:
    return {"pk": _contact(w)["call"].pk}


ENDPOINTS.update(
    {
        "contact:agent_bar": ("get", lambda w: {}, None),
        "contact:agent_incoming": ("get", lambda w: {}, None),
        "contact:agent_state": ("post", lambda w: {}, lambda w: {"action": "login"}),
        "contact:pop_take": ("post", lambda w: {"pk": _contact(w)["pop"].pk}, lambda w: {}),
        "contact:pop_dismiss": ("post", lambda w: {"pk": _contact(w)["pop"].pk}, lambda w: {}),
        "contact:contact_start": (
            "post",
            lambda w: {"account_pk": w["account"].pk},
            lambda w: {"channel": "phone", "direction": "outbound"},
        ),
        "contact:call": ("get", _call_pk, None),
        "contact:call_hold": ("post", _call_pk, lambda w: {}),
        "contact:call_hang_up": ("post", _call_pk, lambda w: {}),
        "contact:call_account": (
            "post",
            _call_pk,
            lambda w: {"account_number": w["account"].number},
        ),
        "contact:call_wrap_up": (
            "post",
            _call_pk,
            lambda w: {"summary": "Done", "disposition": _contact(w)["disposition"].pk},
        ),
        "contact:script_start": (
            "post",
            _call_pk,
            lambda w: {"script": _contact(w)["script"].pk},
        ),
        "contact:script_answer": (
            "post",
            lambda w: {"pk": _contact(w)["run"].pk},
            lambda w: {"confirmed": "yes"},
        ),
        "contact:messages": ("get", lambda w: {}, None),
        "contact:message_match": (
            "post",
            lambda w: {"pk": _contact(w)["message"].pk},
            lambda w: {"account_number": w["account"].number},
        ),
        "contact:dashboard": ("get", lambda w: {}, None),
        "contact:metrics_export": ("get", lambda w: {}, None),
        "contact:import": ("get", lambda w: {}, None),
        "contact:adherence": ("get", lambda w: {}, None),
        "contact:quality": ("get", lambda w: {}, None),
        "contact:evaluate": ("get", _call_pk, None),
    }
)


def _planning(w) -> dict:
    """The Schedule and Scripts pages' objects: a shift of the world's agent, and a script
    without runs with a question and one answer."""
    if "contact_planning" not in w:
        import datetime as dt

        from servicebook.contact import schedule, script_editor
        from servicebook.contact.schedule import local_instant

        admin = make_user("admin")
        agent = _contact(w)["call"].agent
        day = dt.date(2030, 1, 7)
        shift = schedule.shift_add(
            agent=agent,
            starts_at=local_instant(day, dt.time(8)),
            ends_at=local_instant(day, dt.time(16)),
            actor=admin,
        )
        script = script_editor.script_create(name="Move in", call_type="inquiry", actor=admin)
        node = script_editor.script_node_add(
            script=script, key="when", kind="question", text="When?", actor=admin
        )
        option = script_editor.script_option_add(node=node, label="Soon", actor=admin)
        w["contact_planning"] = {
            "agent": agent,
            "shift": shift,
            "script": script,
            "node": node,
            "option": option,
        }
    return w["contact_planning"]


def _plan_pk(key: str):
    return lambda w: {"pk": _planning(w)[key].pk}


ENDPOINTS.update(
    {
        "contact:schedule": ("get", lambda w: {}, None),
        "contact:shift_add": (
            "post",
            lambda w: {},
            lambda w: {
                "agent": _planning(w)["agent"].pk,
                "day": "2030-01-08",
                "starts_at": "08:00",
                "ends_at": "16:00",
            },
        ),
        "contact:shift_edit": ("get", _plan_pk("shift"), None),
        "contact:shift_delete": ("post", _plan_pk("shift"), lambda w: {}),
        "contact:schedule_copy": ("post", lambda w: {}, lambda w: {"week": "2030-01-14"}),
        "contact:scripts": ("get", lambda w: {}, None),
        "contact:script_new": (
            "post",
            lambda w: {},
            lambda w: {"name": "Billing", "call_type": "inquiry"},
        ),
        "contact:script_edit": ("get", _plan_pk("script"), None),
        "contact:script_active": ("post", _plan_pk("script"), lambda w: {"active": "1"}),
        "contact:script_copy": ("post", _plan_pk("script"), lambda w: {}),
        "contact:script_node_add": (
            "post",
            _plan_pk("script"),
            lambda w: {"key": "bye", "kind": "end", "text": "Thanks"},
        ),
        "contact:script_node": ("get", _plan_pk("node"), None),
        "contact:script_node_delete": ("post", _plan_pk("node"), lambda w: {}),
        "contact:script_option_add": (
            "post",
            _plan_pk("node"),
            lambda w: {"label": "Later"},
        ),
        "contact:script_option_edit": (
            "post",
            _plan_pk("option"),
            lambda w: {"label": "Very soon"},
        ),
        "contact:script_option_delete": ("post", _plan_pk("option"), lambda w: {}),
    }
)
# <<< contact


# >>> workorders: pages
def _wo(w) -> dict:
    """The work-order objects, made on first use: work orders in the states their actions
    start from, a checklist question, a task and a line on the one on site, a completed one
    with its after-visit call, and a maintenance plan."""
    if "workorders" not in w:
        import datetime as dt

        from django.utils import timezone

        from servicebook.core.testing.factories import make_completion_code, make_work_order
        from servicebook.customers.services import agreement_add
        from servicebook.workorders import maintenance, services
        from servicebook.workorders.models import WorkChecklist, WorkChecklistItem

        admin = make_user("admin")
        account = w["account"]
        checklist = WorkChecklist.objects.create(work_type="repair", name="Safety")
        item = WorkChecklistItem.objects.create(
            checklist=checklist, prompt="Power off?", required=False
        )
        code = make_completion_code()

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
        w["workorders"] = {
            "new": order("new"),
            "scheduled": order("scheduled"),
            "dispatched": order("dispatched"),
            "on_site": on_site,
            "completed": completed,
            "follow_up": completed.follow_up_tasks.get(),
            "item": item,
            "code": code,
            "task": task,
            "line": line,
            "agreement": agreement,
            "plan": plan,
        }
    return w["workorders"]


def _wo_pk(state: str):
    return lambda w: {"pk": _wo(w)[state].pk}


ENDPOINTS.update(
    {
        "workorders:workorder_list": ("get", lambda w: {}, None),
        "workorders:workorder_new": (
            "post",
            lambda w: {"account_pk": w["account"].pk},
            lambda w: {
                "work_type": "repair",
                "summary": "No heat",
                "location": w["account"].locations.get().pk,
                "estimated_minutes": 60,
            },
        ),
        "workorders:workorder_detail": ("get", _wo_pk("on_site"), None),
        "workorders:workorder_edit": (
            "post",
            _wo_pk("new"),
            lambda w: {"summary": "Changed", "priority": "high", "estimated_minutes": 45},
        ),
        "workorders:workorder_dispatch": ("post", _wo_pk("scheduled"), lambda w: {}),
        "workorders:workorder_unschedule": ("post", _wo_pk("scheduled"), lambda w: {}),
        "workorders:workorder_travel": ("post", _wo_pk("dispatched"), lambda w: {}),
        "workorders:workorder_arrive": ("post", _wo_pk("dispatched"), lambda w: {}),
        "workorders:workorder_complete": (
            "post",
            _wo_pk("on_site"),
            lambda w: {"notes": "Done", "completion_code": _wo(w)["code"].pk, "signer_name": "Jo"},
        ),
        "workorders:workorder_incomplete": (
            "post",
            _wo_pk("on_site"),
            lambda w: {"reason": "no_access"},
        ),
        "workorders:workorder_close": ("post", _wo_pk("completed"), lambda w: {}),
        "workorders:workorder_cancel": ("post", _wo_pk("new"), lambda w: {"reason": "No need"}),
        "workorders:workorder_checklist": (
            "post",
            _wo_pk("on_site"),
            lambda w: {"item": _wo(w)["item"].pk, "answer": "yes"},
        ),
        "workorders:workorder_task_add": (
            "post",
            _wo_pk("on_site"),
            lambda w: {"description": "Check the flue"},
        ),
        "workorders:workorder_task_done": (
            "post",
            lambda w: {"pk": _wo(w)["on_site"].pk, "task_pk": _wo(w)["task"].pk},
            lambda w: {"done": "true"},
        ),
        "workorders:workorder_line_add": (
            "post",
            _wo_pk("on_site"),
            lambda w: {
                "kind": "labour",
                "description": "Diagnosis",
                "quantity": "1",
                "unit": "h",
                "unit_price": "85",
            },
        ),
        "workorders:workorder_line_remove": (
            "post",
            lambda w: {"pk": _wo(w)["on_site"].pk, "line_pk": _wo(w)["line"].pk},
            lambda w: {},
        ),
        "workorders:followup_list": ("get", lambda w: {}, None),
        "workorders:followup_done": (
            "post",
            _wo_pk("follow_up"),
            lambda w: {"outcome": "Happy customer"},
        ),
        "workorders:plan_list": ("get", lambda w: {}, None),
        "workorders:plan_new": (
            "post",
            lambda w: {"account_pk": w["account"].pk},
            lambda w: {
                "name": "Boiler",
                "agreement": _wo(w)["agreement"].pk,
                "frequency": "yearly",
                "interval": 1,
                "start_date": "2031-01-15",
                "work_type": "preventive_maintenance",
                "priority": "normal",
                "estimated_minutes": 60,
                "window_start_time": "08:00",
                "window_end_time": "17:00",
            },
        ),
        "workorders:plan_detail": ("get", _wo_pk("plan"), None),
        "workorders:plan_edit": (
            "post",
            _wo_pk("plan"),
            lambda w: {
                "name": "Tune-up",
                "summary": "Tune-up visit",
                "priority": "high",
                "estimated_minutes": 90,
                "window_start_time": "09:00",
                "window_end_time": "15:00",
            },
        ),
        "workorders:plan_active": ("post", _wo_pk("plan"), lambda w: {"active": "false"}),
        "workorders:plan_generate": ("post", _wo_pk("plan"), lambda w: {}),
    }
)
# <<< workorders: pages


# >>> scheduling: pages
def _sched(w) -> dict:
    """The scheduling objects, made on first use: a subcontractor company with current
    documents and its technician working every day, appointments three days ahead
    (scheduled, dispatched), an unassigned work order, an emergency, a territory and an
    optimizer proposal for that day. Field users reach the job pages but the jobs are not
    theirs: 404, never 403."""
    if "scheduling" not in w:
        import datetime as dt

        from django.utils import timezone

        from servicebook.core.testing.factories import (
            make_located_work_order,
            make_subcontractor,
            make_technician,
        )
        from servicebook.scheduling import planning, services
        from servicebook.scheduling.models import OptimizerRun

        admin = make_user("admin")
        company = make_subcontractor(
            actor=admin, documents_until=timezone.localdate() + dt.timedelta(days=400)
        )
        tech = make_technician(
            actor=admin,
            kind="subcontractor",
            subcontractor=company,
            week=dict.fromkeys(range(7), ("00:00", "23:59", None, 0)),
            max_overtime_minutes=720,
        )
        day = timezone.localdate() + dt.timedelta(days=3)

        def booked(hour: int):
            return services.appointment_book(
                work_order=make_located_work_order(actor=admin, work_type="inspection"),
                technician=tech,
                starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(hour))),
                actor=admin,
            )

        scheduled = booked(9)
        dispatched = services.appointment_dispatch(appointment=booked(11), actor=admin)
        territory = services.territory_save(
            code="matrix", name="Matrix", postal_codes=["80202"], actor=admin
        )
        w["scheduling"] = {
            "company": company,
            "technician": tech,
            "scheduled": scheduled,
            "dispatched": dispatched,
            "new": make_located_work_order(actor=admin, work_type="inspection"),
            "emergency": make_located_work_order(actor=admin, work_type="emergency"),
            "territory": territory,
            "run": OptimizerRun.objects.create(
                date=day, seconds=1, board_token=planning.board_token(day), created_by=admin
            ),
            "day": day.isoformat(),
            "start": timezone.make_aware(dt.datetime.combine(day, dt.time(15))).isoformat(),
        }
    return w["scheduling"]


def _s_pk(name: str):
    return lambda w: {"pk": _sched(w)[name].pk}


ENDPOINTS.update(
    {
        "scheduling:board": ("get", lambda w: {}, None),
        "scheduling:board_assign": (
            "post",
            lambda w: {},
            lambda w: {
                "work_order": _sched(w)["new"].pk,
                "technician": _sched(w)["technician"].pk,
                "date": _sched(w)["day"],
                "start": "15:00",
            },
        ),
        "scheduling:board_dispatch_day": (
            "post",
            lambda w: {},
            lambda w: {"date": _sched(w)["day"]},
        ),
        "scheduling:board_emergency": (
            "post",
            lambda w: {},
            lambda w: {
                "work_order": _sched(w)["emergency"].pk,
                "technician": _sched(w)["technician"].pk,
            },
        ),
        "scheduling:board_move": (
            "post",
            _s_pk("scheduled"),
            lambda w: {
                "technician": _sched(w)["technician"].pk,
                "date": _sched(w)["day"],
                "start": "16:00",
            },
        ),
        "scheduling:board_unassign": ("post", _s_pk("scheduled"), lambda w: {}),
        "scheduling:board_lock": ("post", _s_pk("scheduled"), lambda w: {"locked": "on"}),
        "scheduling:board_dispatch": ("post", _s_pk("scheduled"), lambda w: {}),
        "scheduling:optimizer_run": (
            "post",
            lambda w: {},
            lambda w: {"date": _sched(w)["day"], "seconds": 1},
        ),
        "scheduling:optimizer_accept": ("post", _s_pk("run"), lambda w: {}),
        "scheduling:optimizer_discard": ("post", _s_pk("run"), lambda w: {}),
        "scheduling:offers": ("get", lambda w: {}, None),
        "scheduling:book": (
            "post",
            lambda w: {},
            lambda w: {
                "work_order": _sched(w)["new"].pk,
                "technician": _sched(w)["technician"].pk,
                "starts_at": _sched(w)["start"],
            },
        ),
        "scheduling:my_day": ("get", lambda w: {}, None),
        "scheduling:field_action": (
            "post",
            lambda w: {"pk": _sched(w)["dispatched"].pk, "action": "travel"},
            lambda w: {},
        ),
        "scheduling:technicians": ("get", lambda w: {}, None),
        "scheduling:technician_new": ("get", lambda w: {}, None),
        "scheduling:technician_detail": ("get", _s_pk("technician"), None),
        "scheduling:technician_edit": (
            "post",
            lambda w: {"pk": _sched(w)["technician"].pk, "section": "training"},
            lambda w: {"course": "Gas safety", "completed_on": "2026-01-05", "hours": "4"},
        ),
        "scheduling:subcontractors": ("get", lambda w: {}, None),
        "scheduling:subcontractor_new": (
            "post",
            lambda w: {},
            lambda w: {"code": "newco", "name": "NewCo", "cost_per_hour": "0", "cost_per_day": "0"},
        ),
        "scheduling:subcontractor_detail": ("get", _s_pk("company"), None),
        "scheduling:subcontractor_edit": (
            "post",
            lambda w: {"pk": _sched(w)["company"].pk, "section": "document"},
            lambda w: {"kind": "license", "reference": "L-9", "expires_on": "2031-01-01"},
        ),
        "scheduling:territories": ("get", lambda w: {}, None),
        "scheduling:territory_new": ("get", lambda w: {}, None),
        "scheduling:territory_detail": ("get", _s_pk("territory"), None),
    }
)
# <<< scheduling


# >>> billing: pages
def _bill(w) -> dict:
    """The billing objects, made on first use: a catalog, the account on cycle 1, an issued
    invoice, a draft with a line, a recurring charge on the world's agreement, a bill run."""
    if "billing" not in w:
        import datetime as dt

        from servicebook.billing import billrun, recurring
        from servicebook.billing import services as billing
        from servicebook.billing.models import BillCycle
        from servicebook.core.testing.factories import (
            make_catalog_item,
            make_invoice,
            make_tax_code,
        )

        admin = make_user("admin")
        tax = make_tax_code()
        labour = make_catalog_item("matrix-labour", kind="labour", tax_code=tax)
        service = make_catalog_item("matrix-internet", kind="recurring", price="60.00")
        billing.billing_profile_set(
            account=w["account"], cycle=BillCycle.objects.get(number=1), actor=admin
        )
        invoice = make_invoice(account=w["account"], lines=[(labour, 1)], actor=admin)
        draft = make_invoice(account=w["account"], lines=[(labour, 2)], actor=admin, issue=False)
        charge = recurring.recurring_charge_add(
            agreement=w["agreement"],
            catalog_item=service,
            start_date=w["agreement"].start_date,
            actor=admin,
        )
        w["billing"] = {
            "labour": labour,
            "service": service,
            "invoice": invoice,
            "draft": draft,
            "draft_line": draft.lines.get(),
            "charge": charge,
            "run": billrun.bill_run_start(cycle=2, period="2026-01", actor=admin),
            "soon": dt.date.today() + dt.timedelta(days=10),
        }
    return w["billing"]


def _bill_pk(name: str):
    return lambda w: {"pk": _bill(w)[name].pk}


def _statement(w) -> dict:
    return {"pk": w["account"].pk, "period": "2026-05"}


def _catalog_body(w) -> dict:
    from servicebook.ledger.models import LedgerAccount

    return {
        "code": f"item-{_bill(w)['labour'].pk}-new",
        "name": "Tune-up",
        "kind": "labour",
        "unit": "visit",
        "price": "149.00",
        "revenue_account": LedgerAccount.objects.get(code="4400").pk,
        "active": "on",
    }


ENDPOINTS.update(
    {
        "billing:invoice_list": ("get", lambda w: {}, None),
        "billing:invoice_detail": ("get", _bill_pk("invoice"), None),
        "billing:invoice_pdf": ("get", _bill_pk("invoice"), None),
        "billing:invoice_new": ("post", lambda w: {"account_pk": w["account"].pk}, lambda w: {}),
        "billing:invoice_line_add": (
            "post",
            _bill_pk("draft"),
            lambda w: {"catalog_item": _bill(w)["labour"].pk, "quantity": "1"},
        ),
        "billing:invoice_line_remove": (
            "post",
            lambda w: {"pk": _bill(w)["draft"].pk, "line_pk": _bill(w)["draft_line"].pk},
            lambda w: {},
        ),
        "billing:invoice_issue": ("post", _bill_pk("draft"), lambda w: {}),
        "billing:invoice_credit": (
            "post",
            _bill_pk("invoice"),
            lambda w: {"reason": "Billed in error", "void": "on"},
        ),
        "billing:invoice_send": (
            "post",
            _bill_pk("invoice"),
            lambda w: {"to_email": "jane@example.com"},
        ),
        "billing:account_billing": ("get", lambda w: {"pk": w["account"].pk}, None),
        "billing:profile_set": (
            "post",
            lambda w: {"pk": w["account"].pk},
            lambda w: {"cycle": _bill(w)["run"].cycle_id, "delivery": "paper"},
        ),
        "billing:charge_add": (
            "post",
            lambda w: {"pk": w["account"].pk},
            lambda w: {
                "agreement": w["agreement"].pk,
                "catalog_item": _bill(w)["service"].pk,
                "quantity": "1",
                "frequency": "monthly",
            },
        ),
        "billing:charge_stop": (
            "post",
            _bill_pk("charge"),
            lambda w: {"end_date": _bill(w)["soon"].isoformat()},
        ),
        "billing:charge_change": (
            "post",
            _bill_pk("charge"),
            lambda w: {"effective_date": _bill(w)["soon"].isoformat(), "quantity": "2"},
        ),
        "billing:statement": ("get", _statement, None),
        "billing:statement_pdf": ("get", _statement, None),
        "billing:statement_send": (
            "post",
            _statement,
            lambda w: {"to_email": "jane@example.com"},
        ),
        "billing:catalog": ("get", lambda w: {}, None),
        "billing:catalog_add": ("post", lambda w: {}, _catalog_body),
        "billing:catalog_edit": ("get", _bill_pk("labour"), None),
        "billing:run_list": ("get", lambda w: {}, None),
        "billing:run_start": ("post", lambda w: {}, lambda w: {"cycle": 1, "period": "2026-06"}),
        "billing:run_detail": ("get", _bill_pk("run"), None),
    }
)
# <<< billing: pages


# >>> payments: pages
def _pay(w) -> dict:
    """The payments objects, made on first use: an invoice paid by a cash overpayment (so
    there is credit), a refund and an adjustment waiting for approval, a second invoice
    with a disputed amount, a held deposit, a second account, and a bank-file credit that
    matched no account."""
    if "payments" not in w:
        import uuid

        from servicebook.core.testing.factories import (
            make_catalog_item,
            make_invoice,
            make_tax_code,
        )
        from servicebook.payments import services as pay
        from servicebook.payments.bankfiles.services import bank_file_import
        from servicebook.payments.models import AdjustmentReason

        admin = make_user("admin")
        account = w["account"]
        item = make_catalog_item(
            "matrix-pay", price="100.00", tax_code=make_tax_code("matrix-exempt", "0")
        )
        invoice = make_invoice(account=account, lines=[(item, 1)], actor=admin)
        second = make_invoice(account=account, lines=[(item, 3)], actor=admin)
        # Allocated by hand to the first invoice: the rest is credit, whatever else the
        # account owes when other blocks' objects were made first.
        payment = pay.payment_post(
            account=account,
            amount="150.00",
            method="cash",
            channel="counter",
            idempotency_key="matrix-pay-1",
            allocations=[(invoice.open_item, "100.00")],
            actor=admin,
        )
        refund = pay.refund_request(
            payment=payment,
            amount="20.00",
            reason="Overpaid",
            request_approval=True,
            idempotency_key="matrix-refund-1",
            actor=admin,
        )
        goodwill = AdjustmentReason.objects.get(code="goodwill")
        adjustment = pay.adjustment_post(
            account=account,
            amount="5.00",
            direction="credit",
            reason=goodwill,
            memo="Matrix",
            request_approval=True,
            idempotency_key="matrix-adjust-1",
            actor=admin,
        )
        dispute = pay.dispute_open(
            item=second.open_item, amount="10.00", reason="Not received", actor=admin
        )
        deposit = pay.deposit_bill(account=account, amount="50.00", actor=admin)
        pay.deposit_collect(
            deposit=deposit,
            amount="50.00",
            method="cash",
            channel="counter",
            idempotency_key="matrix-deposit-1",
            actor=admin,
        )
        header = "account_number,amount,check_number,date,invoice_reference\n"
        bank_file_import(
            content=(header + ",30.00,2001,2026-11-20,\n").encode(), name="q.csv", actor=admin
        )
        from servicebook.payments.models import BankFileItem

        w["payments"] = {
            "payment": payment,
            "refund": refund,
            "adjustment": adjustment,
            "goodwill": goodwill,
            "second": second,
            "dispute": dispute,
            "deposit": deposit,
            "other": make_account(actor=admin, first_name="Sam", phone="(720) 555-0100"),
            "item": BankFileItem.objects.get(status="exception"),
            "file": BankFileItem.objects.get(status="exception").file,
            "key": lambda: f"page:{uuid.uuid4().hex}",
        }
    return w["payments"]


def _pay_pk(name: str):
    return lambda w: {"pk": _pay(w)[name].pk}


def _pay_account(w) -> dict:
    _pay(w)
    return {"pk": w["account"].pk}


def _bank_upload(w) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    _pay(w)
    text = "account_number,amount,check_number,date,invoice_reference\n"
    text += f"{w['account'].number},12.00,3001,2026-11-20,\n"
    return {"file": SimpleUploadedFile("lockbox.csv", text.encode(), "text/csv")}


ENDPOINTS.update(
    {
        "payments:account": ("get", _pay_account, None),
        "payments:take": (
            "post",
            _pay_account,
            lambda w: {
                "idempotency_key": _pay(w)["key"](),
                "amount": "10.00",
                "method": "cash",
                "channel": "counter",
            },
        ),
        "payments:adjustment_add": (
            "post",
            _pay_account,
            lambda w: {
                "idempotency_key": _pay(w)["key"](),
                "reason": _pay(w)["goodwill"].pk,
                "direction": "credit",
                "amount": "1.00",
                "memo": "Goodwill",
            },
        ),
        "payments:transfer_add": (
            "post",
            _pay_account,
            lambda w: {
                "idempotency_key": _pay(w)["key"](),
                "to_account": _pay(w)["other"].number,
                "amount": "5.00",
                "reason": "Paid on the wrong account",
            },
        ),
        "payments:deposit_bill": ("post", _pay_account, lambda w: {"amount": "75.00"}),
        "payments:dispute_add": (
            "post",
            _pay_account,
            lambda w: {
                "item": _pay(w)["second"].open_item_id,
                "amount": "5.00",
                "reason": "Never received",
            },
        ),
        "payments:payment_detail": ("get", _pay_pk("payment"), None),
        "payments:payment_reverse": ("post", _pay_pk("payment"), lambda w: {"reason": "nsf"}),
        "payments:payment_reallocate": (
            "post",
            _pay_pk("payment"),
            lambda w: {f"alloc_{_pay(w)['second'].open_item_id}": "50.00"},
        ),
        "payments:payment_refund": (
            "post",
            _pay_pk("payment"),
            lambda w: {
                "idempotency_key": _pay(w)["key"](),
                "amount": "5.00",
                "reason": "Overpaid",
                "request_approval": "on",
            },
        ),
        "payments:deposit_collect": (
            "post",
            _pay_pk("deposit"),
            lambda w: {
                "idempotency_key": _pay(w)["key"](),
                "amount": "5.00",
                "method": "cash",
                "channel": "counter",
            },
        ),
        "payments:deposit_apply": ("post", _pay_pk("deposit"), lambda w: {}),
        "payments:deposit_refund": ("post", _pay_pk("deposit"), lambda w: {}),
        "payments:dispute_resolve": (
            "post",
            _pay_pk("dispute"),
            lambda w: {"outcome": "denied", "note": "The charge stands"},
        ),
        "payments:approvals": ("get", lambda w: {}, None),
        "payments:refund_approve": ("post", _pay_pk("refund"), lambda w: {"note": "Fine"}),
        "payments:refund_reject": ("post", _pay_pk("refund"), lambda w: {"note": "No"}),
        "payments:adjustment_approve": (
            "post",
            _pay_pk("adjustment"),
            lambda w: {"note": "Fine"},
        ),
        "payments:adjustment_reject": ("post", _pay_pk("adjustment"), lambda w: {"note": "No"}),
        "payments:bank_files": ("post", lambda w: {}, _bank_upload),
        "payments:bank_file_detail": ("get", _pay_pk("file"), None),
        "payments:exceptions": ("get", lambda w: {}, None),
        "payments:exception_match": (
            "post",
            _pay_pk("item"),
            lambda w: {"account_number": w["account"].number},
        ),
        "payments:exception_return": ("post", _pay_pk("item"), lambda w: {"note": "Not ours"}),
    }
)
# <<< payments: pages


# >>> receivables: pages
ENDPOINTS.update(
    {
        "receivables:aging": ("get", lambda w: {}, None),
        "receivables:aging_export": ("get", lambda w: {}, None),
        "receivables:worklist": ("get", lambda w: {}, None),
        "receivables:policies": ("get", lambda w: {}, None),
        "receivables:account_collection": ("get", lambda w: {"pk": w["account"].pk}, None),
        "receivables:promise_create": (
            "post",
            lambda w: {"pk": w["account"].pk},
            lambda w: {"amount": "25.00", "promised_on": "2099-01-15"},
        ),
        "receivables:medical_certificate_create": (
            "post",
            lambda w: {"pk": w["account"].pk},
            lambda w: {"starts_on": "2026-11-20", "ends_on": "2026-12-20"},
        ),
        "receivables:write_off_create": (
            "post",
            lambda w: {"pk": w["account"].pk},
            lambda w: {"reason": "Moved away", "confirm": "on"},
        ),
        "receivables:referral_create": (
            "post",
            lambda w: {"pk": w["account"].pk},
            lambda w: {"agency": _recv(w)["agency"]},
        ),
        "receivables:referral_recall": (
            "post",
            lambda w: {"pk": _recv(w)["referral"]},
            lambda w: {"reason": "error", "note": "Wrong account"},
        ),
        "receivables:agencies": ("get", lambda w: {}, None),
        "receivables:agency_files_make": ("post", lambda w: {}, lambda w: {}),
        "receivables:agency_file_download": ("get", lambda w: {"pk": _recv(w)["file"]}, None),
        "receivables:letters_print": ("get", lambda w: {}, None),
        "receivables:letters_mark_printed": ("post", lambda w: {}, lambda w: {"letter": ["1"]}),
    }
)


def _recv(w) -> dict:
    """An agency, an open referral of the world's account and a placement file (rows: the
    pages only read, recall or serve them)."""
    if "recv" not in w:
        import datetime as dt

        from servicebook.receivables.models import AgencyFile, AgencyReferral, CollectionAgency

        agency = CollectionAgency.objects.create(name="Acme Recovery", code="acme")
        referral = AgencyReferral.objects.create(
            account=w["account"], agency=agency, amount="120.00", referred_on=dt.date.today()
        )
        file = AgencyFile.objects.create(
            agency=agency, kind="placement", on=dt.date.today(), content="account_number\n", rows=0
        )
        w["recv"] = {"agency": agency.pk, "referral": referral.pk, "file": file.pk}
    return w["recv"]


# <<< receivables


# >>> credit: pages
def _credit(w) -> dict:
    """The credit objects, made on first use: an active arrangement and a bankruptcy case
    in force on the world's account (rows, as the pages only read or end them)."""
    if "credit" not in w:
        import datetime as dt
        from decimal import Decimal

        from servicebook.credit.models import Bankruptcy, PaymentArrangement, Restoration

        today = dt.date.today()
        arrangement = PaymentArrangement.objects.create(
            account=w["account"], arrears=Decimal("100.00"), installment_count=2, started_on=today
        )
        case = Bankruptcy.objects.create(
            account=w["account"],
            petition_date=today,
            chapter="7",
            court="D. Colo.",
            case_number="26-0001",
        )
        restoration = Restoration.objects.create(
            account=w["account"], opened_on=today, paid_on=today, status="reconnect_stopped"
        )
        w["credit"] = {
            "arrangement": arrangement.pk,
            "bankruptcy": case.pk,
            "restoration": restoration.pk,
        }
    return w["credit"]


ENDPOINTS.update(
    {
        "credit:arrangement": ("get", lambda w: {"pk": w["account"].pk}, None),
        "credit:arrangement_create": (
            "post",
            lambda w: {"pk": w["account"].pk},
            lambda w: {"installments": "2"},
        ),
        "credit:arrangement_cancel": (
            "post",
            lambda w: {"pk": _credit(w)["arrangement"]},
            lambda w: {"reason": "Paid another way"},
        ),
        "credit:restoration_open": ("post", lambda w: {"pk": w["account"].pk}, lambda w: {}),
        "credit:restoration_reconnect": (
            "post",
            lambda w: {"pk": _credit(w)["restoration"]},
            lambda w: {},
        ),
        "credit:deposit_bill": (
            "post",
            lambda w: {"pk": w["account"].pk},
            lambda w: {"installments": "1"},
        ),
        "credit:deposit_waiver": (
            "post",
            lambda w: {"pk": w["account"].pk},
            lambda w: {"kind": "guarantor", "detail": "Pat Doe"},
        ),
        "credit:bankruptcy": ("get", lambda w: {"pk": w["account"].pk}, None),
        "credit:bankruptcy_file": (
            "post",
            lambda w: {"pk": w["account"].pk},
            lambda w: {
                "petition_date": "2026-01-05",
                "chapter": "13",
                "court": "D. Colo.",
                "case_number": "26-0002",
            },
        ),
        "credit:bankruptcy_claim": (
            "post",
            lambda w: {"pk": _credit(w)["bankruptcy"]},
            lambda w: {"amount": "10.00", "filed_on": "2030-01-01"},
        ),
        "credit:bankruptcy_close": (
            "post",
            lambda w: {"pk": _credit(w)["bankruptcy"]},
            lambda w: {"status": "dismissed", "on": "2030-01-01"},
        ),
    }
)
# <<< credit


# >>> inventory: pages
def _inv(w) -> dict:
    """The inventory objects, made on first use: a vendor, two locations, a stocked item,
    a price list, purchase orders in each state an action needs, and sales orders."""
    if "inventory" not in w:
        from servicebook.core.testing.factories import make_catalog_item
        from servicebook.inventory import purchasing, sales
        from servicebook.inventory import services as inv
        from servicebook.users.models import ApprovalLimit

        admin = make_user("admin")
        for role in ("service_admin", "supervisor", "admin"):
            ApprovalLimit.objects.get_or_create(
                role=role, kind="purchase_order", defaults={"max_amount": "10000"}
            )
        part = make_catalog_item("matrix-part", kind="part", price="25.00", revenue_code="4300")
        vendor = inv.vendor_create(
            code="matrix-v", name="Matrix Supply", email="po@matrix.example", actor=admin
        )
        store = inv.warehouse_create(code="matrix-main", name="Main", actor=admin)
        branch = inv.warehouse_create(code="matrix-branch", name="Branch", actor=admin)
        item = inv.item_create(
            catalog_item=part,
            sku="MTX-1",
            preferred_vendor=vendor,
            reorder_point="100",
            reorder_quantity="10",
            standard_cost="9.00",
            actor=admin,
        )
        inv.stock_receive(item=item, warehouse=store, quantity="50", actor=admin)
        import datetime as dt

        price_list = inv.price_list_create(
            name="Matrix residential",
            customer_class="residential",
            valid_from=dt.date(2026, 1, 1),
            actor=admin,
        )
        inv.price_list_line_set(
            price_list=price_list, catalog_item=part, percent_off="5", actor=admin
        )

        def order(*steps):
            po = purchasing.purchase_order_create(vendor=vendor, deliver_to=store, actor=admin)
            purchasing.purchase_order_line_add(order=po, item=item, quantity="4", actor=admin)
            for step in steps:
                step(po)
            po.refresh_from_db()
            return po

        submit = lambda po: purchasing.purchase_order_submit(order=po, actor=admin)  # noqa: E731
        approve = lambda po: purchasing.purchase_order_approve(order=po, actor=admin)  # noqa: E731
        receive = lambda po: purchasing.purchase_order_receive(  # noqa: E731
            order=po, warehouse=store, quantities={po.lines.get().pk: "4"}, actor=admin
        )

        def sale(*steps):
            so = sales.sales_order_create(account=w["account"], warehouse=store, actor=admin)
            sales.sales_order_line_add(order=so, catalog_item=part, quantity="1", actor=admin)
            for step in steps:
                step(order=so, actor=admin)
            so.refresh_from_db()
            return so

        w["inventory"] = {
            "vendor": vendor,
            "store": store,
            "branch": branch,
            "item": item,
            "part": part,
            "price_list": price_list,
            "po_draft": order(),
            "po_waiting": order(submit),
            "po_approved": order(submit, approve),
            "po_received": order(submit, approve, receive),
            "sale_draft": sale(),
            "sale_confirmed": sale(sales.sales_order_confirm),
            "sale_fulfilled": sale(sales.sales_order_confirm, sales.sales_order_fulfil),
        }
    return w["inventory"]


def _inv_pk(name: str):
    return lambda w: {"pk": _inv(w)[name].pk}


def _inv_new_part():
    from servicebook.core.testing.factories import make_catalog_item

    return make_catalog_item("matrix-new-part", kind="part")


def _inv_file(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("rows.csv", text.encode(), content_type="text/csv")


ENDPOINTS.update(
    {
        "inventory:items": ("get", lambda w: {}, None),
        "inventory:item_add": (
            "post",
            lambda w: {},
            lambda w: {
                "catalog_item": _inv_new_part().pk,
                "sku": "MTX-NEW",
                "reorder_point": "1",
                "reorder_quantity": "5",
                "standard_cost": "1.00",
            },
        ),
        "inventory:items_export": ("get", lambda w: {}, None),
        "inventory:items_import": (
            "post",
            lambda w: {},
            lambda w: {
                "file": _inv_file(
                    "catalog_code,sku,reorder_point\nmatrix-part,MTX-1,7\nnope,X-2,1\n"
                ),
                "dry_run": "on",
            },
        ),
        "inventory:item_detail": ("get", _inv_pk("item"), None),
        "inventory:stock_receive": (
            "post",
            _inv_pk("item"),
            lambda w: {"warehouse": _inv(w)["store"].pk, "quantity": "2"},
        ),
        "inventory:stock_transfer": (
            "post",
            _inv_pk("item"),
            lambda w: {
                "from_warehouse": _inv(w)["store"].pk,
                "to_warehouse": _inv(w)["branch"].pk,
                "quantity": "2",
            },
        ),
        "inventory:stock_count": (
            "post",
            _inv_pk("item"),
            lambda w: {"warehouse": _inv(w)["store"].pk, "counted": "30", "reason": "Count"},
        ),
        "inventory:warehouses": ("get", lambda w: {}, None),
        "inventory:warehouse_add": (
            "post",
            lambda w: {},
            lambda w: {"code": "matrix-new", "name": "New site", "kind": "site"},
        ),
        "inventory:vendors": ("get", lambda w: {}, None),
        "inventory:vendor_add": (
            "post",
            lambda w: {},
            lambda w: {"code": "matrix-v2", "name": "Second supplier", "kind": "vendor"},
        ),
        "inventory:price_lists": ("get", lambda w: {}, None),
        "inventory:price_list_add": (
            "post",
            lambda w: {},
            lambda w: {
                "name": "Commercial",
                "customer_class": "commercial",
                "valid_from": "2026-01-01",
                "priority": "0",
            },
        ),
        "inventory:price_list_detail": ("get", _inv_pk("price_list"), None),
        "inventory:price_list_line_set": (
            "post",
            _inv_pk("price_list"),
            lambda w: {
                "catalog_item": _inv(w)["part"].pk,
                "min_quantity": "10",
                "unit_price": "20.00",
            },
        ),
        "inventory:price_list_export": ("get", _inv_pk("price_list"), None),
        "inventory:price_list_import": (
            "post",
            _inv_pk("price_list"),
            lambda w: {"file": _inv_file("item_code,min_quantity,unit_price\nmatrix-part,5,21\n")},
        ),
        "inventory:price_check": ("get", lambda w: {}, None),
        "inventory:reorder": ("get", lambda w: {}, None),
        "inventory:reorder_draft": (
            "post",
            lambda w: {"vendor_pk": _inv(w)["vendor"].pk},
            lambda w: {},
        ),
        "inventory:po_list": ("get", lambda w: {}, None),
        "inventory:po_add": ("post", lambda w: {}, lambda w: {"vendor": _inv(w)["vendor"].pk}),
        "inventory:po_detail": ("get", _inv_pk("po_approved"), None),
        "inventory:po_pdf": ("get", _inv_pk("po_draft"), None),
        "inventory:po_line_add": (
            "post",
            _inv_pk("po_draft"),
            lambda w: {"description": "Crane hire", "quantity": "1", "unit_cost": "300"},
        ),
        "inventory:po_submit": ("post", _inv_pk("po_draft"), lambda w: {}),
        "inventory:po_approve": ("post", _inv_pk("po_waiting"), lambda w: {"note": "ok"}),
        "inventory:po_reject": ("post", _inv_pk("po_waiting"), lambda w: {"reason": "No"}),
        "inventory:po_cancel": ("post", _inv_pk("po_draft"), lambda w: {"reason": "Not needed"}),
        "inventory:po_send": (
            "post",
            _inv_pk("po_approved"),
            lambda w: {"to_email": "po@matrix.example"},
        ),
        "inventory:po_receive": (
            "post",
            _inv_pk("po_approved"),
            lambda w: {
                "warehouse": _inv(w)["store"].pk,
                f"line_{_inv(w)['po_approved'].lines.get().pk}": "1",
            },
        ),
        "inventory:po_match": (
            "post",
            _inv_pk("po_received"),
            lambda w: {"bill_number": "B-9", "amount": "36.00"},
        ),
        "inventory:sale_new": (
            "post",
            lambda w: {"account_pk": w["account"].pk},
            lambda w: {"warehouse": _inv(w)["store"].pk},
        ),
        "inventory:sale_detail": ("get", _inv_pk("sale_draft"), None),
        "inventory:sale_line_add": (
            "post",
            _inv_pk("sale_draft"),
            lambda w: {"catalog_item": _inv(w)["part"].pk, "quantity": "2"},
        ),
        "inventory:sale_confirm": ("post", _inv_pk("sale_draft"), lambda w: {}),
        "inventory:sale_fulfil": ("post", _inv_pk("sale_confirmed"), lambda w: {}),
        "inventory:sale_cancel": ("post", _inv_pk("sale_confirmed"), lambda w: {}),
        "inventory:sale_invoice": ("post", _inv_pk("sale_fulfilled"), lambda w: {}),
        "inventory:sale_counter": ("post", _inv_pk("sale_draft"), lambda w: {}),
    }
)
# <<< inventory


# >>> integrations: pages
def _integ(w) -> dict:
    """The integrations objects, made on first use: a webhook partner with an endpoint
    (to a closed local port) and a token, a portal partner, both linked to a cancelled work
    order, so there is a dead delivery and an open portal task."""
    if "integrations" not in w:
        from servicebook.core.testing.factories import make_work_order
        from servicebook.integrations import delivery as sender
        from servicebook.integrations import services as integ
        from servicebook.integrations.models import Delivery, PortalTask
        from servicebook.workorders.services import workorder_cancel

        boss = make_user("supervisor")
        admin = make_user("admin")
        hooks = integ.partner_create(
            name="Matrix Warranty", kind="warranty", connector="webhook", actor=boss
        )
        portal = integ.partner_create(
            name="Matrix Portal", kind="carrier", connector="portal", actor=boss
        )
        spare = integ.partner_create(
            name="Matrix Spare", kind="other", connector="portal", actor=boss
        )
        endpoint, _ = integ.endpoint_create(
            partner=hooks,
            url="http://127.0.0.1:9/matrix",
            event_types=["workorder.status_changed"],
            max_attempts=1,
            actor=boss,
        )
        token, _ = integ.token_issue(partner=hooks, actor=boss)
        order = make_work_order(account=w["account"], actor=admin)
        link = integ.link_create(partner=hooks, work_order=order, actor=boss)
        integ.link_create(partner=portal, work_order=order, actor=boss)
        workorder_cancel(work_order=order, reason="matrix", actor=admin)
        sender.deliver_due()
        w["integrations"] = {
            "partner": hooks.pk,
            "spare": spare.pk,
            "endpoint": endpoint.pk,
            "token": token.pk,
            "order": order.pk,
            "link": link.pk,
            "delivery": Delivery.objects.get(endpoint=endpoint).pk,
            "task": PortalTask.objects.get(partner=portal).pk,
        }
    return w["integrations"]


def _ig(key):
    return lambda w: {"pk": _integ(w)[key]}


ENDPOINTS.update(
    {
        "integrations:partners": ("get", lambda w: {}, None),
        "integrations:partner_create": (
            "post",
            lambda w: {},
            lambda w: {"name": "New Partner", "kind": "lender", "connector": "webhook"},
        ),
        "integrations:partner_detail": ("get", _ig("partner"), None),
        "integrations:partner_update": (
            "post",
            _ig("partner"),
            lambda w: {"name": "Matrix Warranty", "kind": "warranty", "connector": "webhook"},
        ),
        "integrations:endpoint_create": (
            "post",
            _ig("partner"),
            lambda w: (
                {"url": "https://p.example/h", "event_types": ["workorder.status_changed"]}
                | {"scope": "linked"}
            ),
        ),
        "integrations:token_issue": ("post", _ig("partner"), lambda w: {"label": "second"}),
        "integrations:endpoint_toggle": ("post", _ig("endpoint"), lambda w: {}),
        "integrations:endpoint_detail": ("get", _ig("endpoint"), None),
        "integrations:endpoint_update": (
            "post",
            _ig("endpoint"),
            lambda w: (
                {"url": "http://127.0.0.1:9/matrix", "event_types": ["workorder.status_changed"]}
                | {"scope": "linked", "active": "on"}
            ),
        ),
        "integrations:endpoint_rotate": ("post", _ig("endpoint"), lambda w: {}),
        "integrations:token_revoke": ("post", _ig("token"), lambda w: {}),
        "integrations:link_create": (
            "post",
            _ig("order"),
            lambda w: {"partner": _integ(w)["spare"], "external_reference": "R-1"},
        ),
        "integrations:link_remove": ("post", _ig("link"), lambda w: {}),
        "integrations:deliveries": ("get", lambda w: {}, None),
        "integrations:delivery_detail": ("get", _ig("delivery"), None),
        "integrations:delivery_replay": ("post", _ig("delivery"), lambda w: {}),
        "integrations:portal_tasks": ("get", lambda w: {}, None),
        "integrations:portal_task_done": ("post", _ig("task"), lambda w: {"reference": "P-1"}),
    }
)
# <<< integrations


# >>> quotes: pages
# The quotes namespace joins the walk here (the customer's public link pages live in their
# own namespace, quote_link, and are tested in quotes/tests/test_link_pages.py).
NAMESPACES = (*NAMESPACES, "quotes")


def _quotes(w) -> dict:
    """The quotes objects, made on first use: a draft quote with a line on the world's
    account, and a subcontractor quote on a work order of that account."""
    if "quotes" not in w:
        from servicebook.core.testing.factories import (
            make_catalog_item,
            make_subcontractor,
            make_work_order,
        )
        from servicebook.quotes import services as quotes
        from servicebook.quotes import subcontract

        admin = make_user("admin")
        item = make_catalog_item("matrix-quote-labour", price="80.00")
        draft = quotes.quote_create(account=w["account"], title="Matrix draft", actor=admin)
        line = quotes.quote_line_add(
            option=draft.options.get(), catalog_item=item, quantity=1, actor=admin
        )
        company = make_subcontractor(name="Matrix Mechanical", actor=admin)
        job = make_work_order(actor=admin, account=w["account"], summary="Matrix job")
        sub = subcontract.subquote_submit(
            work_order=job, amount="250.00", subcontractor=company, actor=admin
        )
        # A coordinator's approval leaves the purchase order to a purchaser.
        from servicebook.users.models import ApprovalLimit

        ApprovalLimit.objects.create(
            role="dispatcher", kind="subcontractor_quote", max_amount="1000.00"
        )
        approved = subcontract.subquote_approve(
            quote=subcontract.subquote_submit(
                work_order=job, amount="150.00", subcontractor=company, actor=admin
            ),
            actor=make_user("dispatcher"),
        )
        w["quotes"] = {
            "draft": draft,
            "line": line,
            "item": item,
            "sub": sub,
            "approved": approved,
        }
    return w["quotes"]


def _qpk(name: str):
    return lambda w: {"pk": _quotes(w)[name].pk}


ENDPOINTS.update(
    {
        "quotes:list": ("get", lambda w: {}, None),
        "quotes:new": (
            "post",
            lambda w: {"account_pk": w["account"].pk},
            lambda w: {"title": "New boiler", "work_type": "repair", "options": "Good, Best"},
        ),
        "quotes:detail": ("get", _qpk("draft"), None),
        "quotes:pdf": ("get", _qpk("draft"), None),
        "quotes:line_add": (
            "post",
            _qpk("draft"),
            lambda w: {
                "option": _quotes(w)["draft"].options.get().pk,
                "catalog_item": _quotes(w)["item"].pk,
                "quantity": "2",
            },
        ),
        "quotes:line_remove": (
            "post",
            lambda w: {"pk": _quotes(w)["draft"].pk, "line_pk": _quotes(w)["line"].pk},
            lambda w: {},
        ),
        "quotes:option_add": ("post", _qpk("draft"), lambda w: {"label": "Best"}),
        "quotes:send": ("post", _qpk("draft"), lambda w: {}),
        "quotes:revise": ("post", _qpk("draft"), lambda w: {}),
        "quotes:invoice": ("post", _qpk("draft"), lambda w: {}),
        "quotes:sub_queue": ("get", lambda w: {}, None),
        "quotes:sub_detail": ("get", _qpk("sub"), None),
        "quotes:sub_approve": ("post", _qpk("sub"), lambda w: {"note": "ok"}),
        "quotes:sub_reject": ("post", _qpk("sub"), lambda w: {"reason": "Too dear"}),
        "quotes:sub_raise_po": ("post", _qpk("approved"), lambda w: {}),
        "quotes:sub_new_pick": ("get", lambda w: {}, None),
        "quotes:sub_new": (
            "post",
            lambda w: {"work_order_pk": _quotes(w)["sub"].work_order_id},
            lambda w: {
                "subcontractor": _quotes(w)["sub"].subcontractor_id,
                "lines-TOTAL_FORMS": "1",
                "lines-INITIAL_FORMS": "0",
                "lines-0-description": "Matrix line",
                "lines-0-quantity": "1",
                "lines-0-unit_cost": "40.00",
            },
        ),
    }
)


def _partner_req(w) -> dict:
    """A portal partner and a request sent to it for a work order of the world's account."""
    if "partner_req" not in w:
        from servicebook.core.testing.factories import make_work_order
        from servicebook.integrations import services as integ
        from servicebook.quotes import partner

        admin = make_user("admin")
        company = integ.partner_create(
            name="Matrix Warranty Co", kind="warranty", connector="portal", actor=admin
        )
        job = make_work_order(actor=admin, account=w["account"], summary="Matrix partner job")
        sent = partner.partner_request_send(
            account=w["account"], work_order=job, partner=company, summary="Matrix", actor=admin
        )
        w["partner_req"] = {"partner": company, "job": job, "request": sent}
    return w["partner_req"]


ENDPOINTS.update(
    {
        "quotes:partner_list": ("get", lambda w: {}, None),
        "quotes:partner_detail": ("get", lambda w: {"pk": _partner_req(w)["request"].pk}, None),
        "quotes:partner_transition": (
            "post",
            lambda w: {"pk": _partner_req(w)["request"].pk},
            lambda w: {"status": "acknowledged", "reference": "W-1"},
        ),
        "quotes:partner_send": (
            "post",
            lambda w: {"work_order_pk": _partner_req(w)["job"].pk},
            lambda w: {"partner": _partner_req(w)["partner"].pk, "summary": "Warranty part"},
        ),
    }
)
# <<< quotes


# >>> transfer: pages (accounts and technicians import / export)
def _transfer_file(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("rows.csv", text.encode(), content_type="text/csv")


ENDPOINTS.update(
    {
        "customers:accounts_transfer": ("get", lambda w: {}, None),
        "customers:accounts_export": ("get", lambda w: {}, None),
        "customers:accounts_import": (
            "post",
            lambda w: {},
            lambda w: {
                "file": _transfer_file(
                    "account_number,kind,last_name,line_of_business\n"
                    ",person,Matrix,utility\n,robot,X,utility\n"
                ),
                "dry_run": "on",
            },
        ),
        "scheduling:technicians_transfer": ("get", lambda w: {}, None),
        "scheduling:technicians_export": ("get", lambda w: {}, None),
        "scheduling:technicians_import": (
            "post",
            lambda w: {},
            lambda w: {
                "file": _transfer_file("first_name,last_name\nMat,Rix\n,Nameless\n"),
                "dry_run": "on",
            },
        ),
    }
)
# <<< transfer


# >>> contracts: pages
NAMESPACES = (*NAMESPACES, "contracts")


def _contracts(w) -> dict:
    """The contracts objects, made on first use: a draft contract with a coverage line on
    the world's account, and a new work order there (billing it is a 409: not completed)."""
    if "contracts" not in w:
        import datetime as dt

        from django.utils import timezone

        from servicebook.contracts import services as contracts
        from servicebook.core.testing.factories import make_work_order

        admin = make_user("admin")
        today = timezone.localdate()
        contract = contracts.contract_create(
            account=w["account"],
            name="Matrix contract",
            start_date=today,
            end_date=today + dt.timedelta(days=364),
            actor=admin,
        )
        line = contracts.coverage_add(contract=contract, work_type="repair", actor=admin)
        job = make_work_order(actor=admin, account=w["account"], summary="Matrix contract job")
        w["contracts"] = {"contract": contract, "line": line, "job": job}
    return w["contracts"]


def _ctpk(w) -> dict:
    return {"pk": _contracts(w)["contract"].pk}


ENDPOINTS.update(
    {
        "contracts:list": ("get", lambda w: {}, None),
        "contracts:new": (
            "post",
            lambda w: {"account_pk": w["account"].pk},
            lambda w: {
                "name": "New contract",
                "start_date": "2026-01-01",
                "end_date": "2026-12-31",
                "renewal_term_months": "12",
                "notice_days": "30",
                "visits_per_year": "2",
            },
        ),
        "contracts:detail": ("get", _ctpk, None),
        "contracts:edit": ("get", _ctpk, None),
        "contracts:coverage_add": (
            "post",
            _ctpk,
            lambda w: {"work_type": "install", "applies_to": "both", "covered_percent": "50"},
        ),
        "contracts:coverage_remove": (
            "post",
            lambda w: {"pk": _contracts(w)["contract"].pk, "line_pk": _contracts(w)["line"].pk},
            lambda w: {},
        ),
        "contracts:po_add": (
            "post",
            _ctpk,
            lambda w: {"number": "PO-M-1", "amount_authorised": "500.00"},
        ),
        "contracts:activate": ("post", _ctpk, lambda w: {}),
        "contracts:cancel": ("post", _ctpk, lambda w: {"reason": "Customer left"}),
        "contracts:workorder_bill": (
            "post",
            lambda w: {"work_order_pk": _contracts(w)["job"].pk},
            lambda w: {},
        ),
    }
)
# <<< contracts


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _page_patterns():
    return {
        name: pattern for name, pattern in _named_patterns() if name.split(":")[0] in NAMESPACES
    }


def test_every_console_page_is_in_the_matrix():
    missing = set(_page_patterns()) - set(ENDPOINTS)
    assert not missing, f"add these pages to the permission matrix: {sorted(missing)}"


def test_every_page_declares_its_capability():
    """Each page is gated by a capability (home is open to any logged-in user)."""
    undeclared = [
        name
        for name, pattern in _page_patterns().items()
        if name != "console:home" and not getattr(pattern.callback, "required_capability", None)
    ]
    assert not undeclared, undeclared


def _state() -> dict[str, int]:
    """Row counts of every Servicebook table, and the audit trail."""
    counts = {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_config.name.startswith("servicebook.")
    }
    counts["alerts_active"] = AccountAlert.objects.filter(active=True).count()
    counts["enrollments_open"] = ProgramEnrollment.objects.filter(ended_on__isnull=True).count()
    return counts


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_role_is_allowed_or_refused_with_nothing_changed(client, world, role, name):
    user = make_user(role)
    assert client.login(username=user.username, password=PASSWORD)
    method, kwargs, data = ENDPOINTS[name]
    url = reverse(name, kwargs=kwargs(world))
    pattern = _page_patterns()[name]
    capability = getattr(pattern.callback, "required_capability", None)
    allowed = capability is None or capability in ROLE_CAPABILITIES[role]
    payload = data(world) if data else None
    before = _state()
    response = client.post(url, payload) if method == "post" else client.get(url)
    if allowed:
        assert response.status_code != 403, f"{role} should reach {name}"
        assert response.status_code < 500
    else:
        assert response.status_code == 403, (
            f"{role} must not reach {name} (got {response.status_code})"
        )
        after = _state()
        # Logging in writes a login audit row before the request; nothing after it.
        assert after == before, (
            f"{role} on {name} changed { {k for k in after if after[k] != before[k]} }"
        )


def test_anonymous_is_sent_to_log_in(client, world):
    for name, (method, kwargs, data) in ENDPOINTS.items():
        url = reverse(name, kwargs=kwargs(world))
        response = (
            client.post(url, data(world) if data else {}) if method == "post" else client.get(url)
        )
        assert response.status_code == 302 and "/auth/login/" in response["Location"], name
