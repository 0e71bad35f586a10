"""The case lifecycle: open, note, assign, wait, resolve, close, reopen; who may do what;
and every refused action leaves the case, its timeline and the audit trail as they were."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from servicebook.cases.models import (
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
from servicebook.cases.selectors import checklist_for
from servicebook.cases.services import (
    case_add_note,
    case_assign,
    case_close,
    case_escalate,
    case_log_contact,
    case_open,
    case_reopen,
    case_resolve,
    case_set_priority,
    case_transition,
    checklist_answer,
    consent_record,
    consent_revoke,
)
from servicebook.core.audit import history_for
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.models import AuditEvent
from servicebook.core.testing.factories import make_account, make_user
from servicebook.customers.models import Note
from servicebook.users.services import user_set_active

from .conftest import MONDAY

pytestmark = pytest.mark.django_db

LATER = MONDAY + dt.timedelta(hours=1)


def open_case(account, actor, **kwargs) -> Case:
    kwargs.setdefault("now", MONDAY)
    return case_open(
        account=account, case_type="trouble_ticket", subject="No dial tone", actor=actor, **kwargs
    )


def state(case: Case) -> tuple:
    """Everything a refused action must leave untouched."""
    return (
        Case.objects.filter(pk=case.pk).values().get(),
        CaseEvent.objects.filter(case=case).count(),
        CaseNote.objects.filter(case=case).count(),
        ChecklistAnswer.objects.filter(case=case).count(),
        ConsentRecord.objects.count(),
        AuditEvent.objects.count(),
    )


def kinds(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))


# --- opening -------------------------------------------------------------------------------------


def test_a_new_case_is_numbered_routed_to_its_queue_and_audited(account, rep1):
    repair = Queue.objects.create(
        name="Repair", slug="repair", default_for_types=["trouble_ticket"]
    )
    Queue.objects.create(name="Billing", slug="billing", default_for_types=["billing_dispute"])
    case = open_case(account, rep1)

    assert case.number == "C0000001"
    assert open_case(account, rep1).number == "C0000002"
    assert case.status == "new"
    assert case.queue == repair
    assert case.created_at == MONDAY
    assert case.created_by == rep1
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.to_status, event.at, event.actor) == ("created", "new", MONDAY, rep1)
    assert history_for(case).get().action == "create"


def test_a_case_opened_with_an_assignee_is_open_at_once(account, rep1):
    case = open_case(account, rep1, assignee=rep1)
    assert (case.status, case.assignee) == ("open", rep1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"subject": "   "}, "subject"),
        ({"case_type": "rant"}, "case_type"),
        ({"priority": "whenever"}, "priority"),
        ({"description": "x" * 10_001}, "description"),
    ],
)
def test_opening_with_bad_input_names_the_field_and_writes_nothing(account, rep1, kwargs, field):
    base = {"case_type": "trouble_ticket", "subject": "No dial tone"}
    base.update(kwargs)
    audit = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        case_open(account=account, actor=rep1, **base)
    assert exc.value.field == field
    assert not Case.objects.exists()
    assert AuditEvent.objects.count() == audit


def test_opening_on_another_accounts_location_is_refused(account, rep1, supervisor):
    other = make_account(actor=supervisor)
    with pytest.raises(ValidationFailed) as exc:
        open_case(account, rep1, location=other.locations.get())
    assert exc.value.field == "location"
    assert not Case.objects.exists()


def test_opening_for_someone_else_needs_cases_assign(account, rep1, rep2):
    with pytest.raises(PermissionDenied):
        open_case(account, rep1, assignee=rep2)
    assert not Case.objects.exists()
    assert open_case(account, rep2, assignee=rep1).assignee == rep1


def test_a_deactivated_user_cannot_open_cases(account, rep1, supervisor):
    user_set_active(user=rep1, active=False, actor=make_user("admin"))
    with pytest.raises(PermissionDenied):
        open_case(account, rep1)
    assert not Case.objects.exists()


# --- notes and assignment ----------------------------------------------------------------------


def test_a_note_on_a_new_case_opens_it(account, rep1):
    case = open_case(account, rep1)
    note = case_add_note(case=case, body="Checked the line", actor=rep1, now=LATER)
    case.refresh_from_db()
    assert case.status == "open"
    assert note.visibility == "internal"
    assert kinds(case) == ["created", "note", "status"]
    assert history_for(case).filter(action="note").exists()


def test_a_canned_response_fills_an_empty_note(account, rep1):
    canned = CannedResponse.objects.create(title="Outage", body="We know about the outage.")
    case = open_case(account, rep1)
    note = case_add_note(case=case, body="", canned_response=canned, actor=rep1, now=LATER)
    assert note.body == "We know about the outage."


@pytest.mark.parametrize(
    ("body", "visibility", "field"),
    [
        ("   ", "internal", "body"),
        ("Hi", "shouted", "visibility"),
        ("x" * 10_001, "internal", "body"),
    ],
)
def test_a_bad_note_is_refused_and_the_case_stays_new(account, rep1, body, visibility, field):
    case = open_case(account, rep1)
    before = state(case)
    with pytest.raises(ValidationFailed) as exc:
        case_add_note(case=case, body=body, visibility=visibility, actor=rep1, now=LATER)
    assert exc.value.field == field
    assert state(case) == before


def test_assigning_a_new_case_opens_it(account, rep1, rep2):
    case = open_case(account, rep1)
    case_assign(case=case, assignee=rep1, actor=rep2, now=LATER)
    case.refresh_from_db()
    assert (case.status, case.assignee) == ("open", rep1)
    event = CaseEvent.objects.get(case=case, kind="assigned")
    assert event.data["assignee"] == rep1.username
    assert history_for(case).filter(action="assign").exists()


def test_anyone_working_cases_may_take_one_for_themselves(account, rep1, supervisor):
    case = open_case(account, supervisor)
    case_assign(case=case, assignee=rep1, actor=rep1, now=LATER)
    case.refresh_from_db()
    assert case.assignee == rep1


def test_assigning_to_someone_else_or_another_queue_needs_cases_assign(account, rep1, rep2):
    queue = Queue.objects.create(name="Tier II", slug="tier-2")
    case = open_case(account, rep1)
    before = state(case)
    with pytest.raises(PermissionDenied):
        case_assign(case=case, assignee=rep2, actor=rep1, now=LATER)
    with pytest.raises(PermissionDenied):
        case_assign(case=case, queue=queue, actor=rep1, now=LATER)
    assert state(case) == before

    case_assign(case=case, assignee=rep1, queue=queue, actor=rep2, now=LATER)
    case.refresh_from_db()
    assert (case.assignee, case.queue) == (rep1, queue)


def test_a_case_cannot_be_assigned_to_someone_who_cannot_work_cases(account, rep1, rep2):
    case = open_case(account, rep2)
    user_set_active(user=rep1, active=False, actor=make_user("admin"))
    before = state(case)
    with pytest.raises(ValidationFailed) as exc:
        case_assign(case=case, assignee=rep1, actor=rep2, now=LATER)
    assert exc.value.field == "assignee"
    assert state(case) == before


def test_a_case_cannot_be_opened_for_or_escalated_to_someone_who_cannot_work_cases(
    account, rep1, rep2
):
    user_set_active(user=rep1, active=False, actor=make_user("admin"))
    with pytest.raises(ValidationFailed) as exc:
        open_case(account, rep2, assignee=rep1)
    assert exc.value.field == "assignee"
    assert not Case.objects.exists()

    case = open_case(account, rep2)
    before = state(case)
    with pytest.raises(ValidationFailed) as exc:
        case_escalate(case=case, reason="Angry", assignee=rep1, actor=rep2, now=LATER)
    assert exc.value.field == "assignee"
    assert state(case) == before


# --- waiting states -------------------------------------------------------------------------------


def test_an_open_case_moves_between_the_waiting_states_and_back(account, rep1):
    case = open_case(account, rep1, assignee=rep1)
    path = ["waiting_customer", "waiting_third_party", "open", "waiting_third_party", "open"]
    for i, status in enumerate(path, start=1):
        now = MONDAY + dt.timedelta(minutes=i)
        case_transition(case=case, to_status=status, reason=f"step {i}", actor=rep1, now=now)
    case.refresh_from_db()
    assert case.status == "open"
    moves = CaseEvent.objects.filter(case=case, kind="status").order_by("at", "id")
    assert [(m.from_status, m.to_status) for m in moves] == [
        ("open", "waiting_customer"),
        ("waiting_customer", "waiting_third_party"),
        ("waiting_third_party", "open"),
        ("open", "waiting_third_party"),
        ("waiting_third_party", "open"),
    ]
    assert moves[0].reason == "step 1"
    assert history_for(case).filter(action="status").count() == 5


def test_an_unknown_status_is_refused_as_bad_input(account, rep1):
    case = open_case(account, rep1)
    before = state(case)
    with pytest.raises(ValidationFailed) as exc:
        case_transition(case=case, to_status="on_hold", actor=rep1, now=LATER)
    assert exc.value.field == "status"
    assert state(case) == before


# --- resolving, closing, reopening --------------------------------------------------------------


def test_resolving_requires_a_resolution_code(account, rep1):
    case = open_case(account, rep1, assignee=rep1)
    before = state(case)
    with pytest.raises(ValidationFailed) as exc:
        case_resolve(case=case, resolution_code=None, actor=rep1, now=LATER)
    assert exc.value.field == "resolution_code"
    assert state(case) == before


def test_a_resolution_code_must_fit_the_case(account, rep1):
    case = open_case(account, rep1, assignee=rep1)
    billing_only = ResolutionCode.objects.create(
        code="credited", label="Credited", case_types=["billing_dispute"]
    )
    retired = ResolutionCode.objects.create(code="old", label="Old", active=False)
    before = state(case)
    for code in (billing_only, retired):
        with pytest.raises(ValidationFailed) as exc:
            case_resolve(case=case, resolution_code=code, actor=rep1, now=LATER)
        assert exc.value.field == "resolution_code"
    assert state(case) == before


@pytest.fixture
def diagnostics(db):
    template = ChecklistTemplate.objects.create(case_type="trouble_ticket", name="No dial tone")
    return {
        "power": ChecklistItem.objects.create(
            template=template, position=1, prompt="Modem powered on?", answer_kind="yes_no"
        ),
        "lights": ChecklistItem.objects.create(
            template=template,
            position=2,
            prompt="Which light is red?",
            answer_kind="choice",
            choices=["DSL", "Internet", "None"],
        ),
        "signal": ChecklistItem.objects.create(
            template=template, position=3, prompt="Line voltage", answer_kind="number"
        ),
        "notes": ChecklistItem.objects.create(
            template=template,
            position=4,
            prompt="Anything else?",
            answer_kind="text",
            required=False,
        ),
    }


def test_resolving_requires_the_required_diagnostics(account, rep1, fixed, diagnostics):
    case = open_case(account, rep1, assignee=rep1)
    checklist_answer(case=case, item=diagnostics["power"], answer="yes", actor=rep1, now=LATER)
    before = state(case)
    with pytest.raises(ValidationFailed) as exc:
        case_resolve(case=case, resolution_code=fixed, actor=rep1, now=LATER)
    assert exc.value.field == "checklist"
    assert "Which light is red?" in exc.value.message
    assert "Line voltage" in exc.value.message
    assert "Anything else?" not in exc.value.message  # optional
    assert state(case) == before

    checklist_answer(case=case, item=diagnostics["lights"], answer="DSL", actor=rep1, now=LATER)
    checklist_answer(case=case, item=diagnostics["signal"], answer="48.5", actor=rep1, now=LATER)
    case_resolve(case=case, resolution_code=fixed, summary="Reset", actor=rep1, now=LATER)
    case.refresh_from_db()
    assert case.status == "resolved"


def test_resolving_records_the_code_summary_and_time(account, rep1, fixed):
    case = open_case(account, rep1, assignee=rep1)
    case_resolve(
        case=case, resolution_code=fixed, summary=" Replaced the jack ", actor=rep1, now=LATER
    )
    case.refresh_from_db()
    assert (case.status, case.resolution_code, case.resolution_summary, case.resolved_at) == (
        "resolved",
        fixed,
        "Replaced the jack",
        LATER,
    )
    event = CaseEvent.objects.get(case=case, kind="resolved")
    assert (event.from_status, event.to_status, event.data) == (
        "open",
        "resolved",
        {"code": "fixed"},
    )
    assert history_for(case).filter(action="resolve").exists()


def test_a_waiting_case_may_be_resolved(account, rep1, fixed):
    case = open_case(account, rep1, assignee=rep1)
    case_transition(case=case, to_status="waiting_customer", actor=rep1, now=LATER)
    case_resolve(case=case, resolution_code=fixed, actor=rep1, now=LATER + dt.timedelta(hours=1))
    case.refresh_from_db()
    assert case.status == "resolved"


def test_a_resolved_case_closes(account, rep1, fixed):
    case = open_case(account, rep1, assignee=rep1)
    case_resolve(case=case, resolution_code=fixed, actor=rep1, now=LATER)
    case_close(case=case, actor=rep1, now=LATER + dt.timedelta(days=1))
    case.refresh_from_db()
    assert (case.status, case.closed_at) == ("closed", LATER + dt.timedelta(days=1))
    assert kinds(case)[-1] == "closed"
    assert history_for(case).filter(action="close").exists()


def test_a_tier_one_rep_reopens_a_resolved_case(account, rep1, fixed):
    case = open_case(account, rep1, assignee=rep1)
    case_resolve(case=case, resolution_code=fixed, actor=rep1, now=LATER)
    case_reopen(
        case=case, reason="Still no dial tone", actor=rep1, now=LATER + dt.timedelta(hours=1)
    )
    case.refresh_from_db()
    assert (case.status, case.reopen_count, case.resolved_at, case.resolution_code) == (
        "open",
        1,
        None,
        None,
    )
    event = CaseEvent.objects.get(case=case, kind="reopened")
    assert (event.from_status, event.reason) == ("resolved", "Still no dial tone")


def test_a_closed_case_reopens_only_with_cases_reopen(account, rep1, rep2, supervisor, fixed):
    case = open_case(account, rep1, assignee=rep1)
    case_resolve(case=case, resolution_code=fixed, actor=rep1, now=LATER)
    case_close(case=case, actor=rep1, now=LATER)
    before = state(case)
    with pytest.raises(PermissionDenied):
        case_reopen(case=case, reason="Came back", actor=rep1, now=LATER)
    assert state(case) == before

    for who in (rep2, supervisor):
        case_reopen(case=case, reason="Came back", actor=who, now=LATER)
        case.refresh_from_db()
        assert (case.status, case.closed_at) == ("open", None)
        case_resolve(case=case, resolution_code=fixed, actor=who, now=LATER)
        case_close(case=case, actor=who, now=LATER)
    case.refresh_from_db()
    assert case.reopen_count == 2


def test_reopening_needs_a_reason(account, rep1, fixed):
    case = open_case(account, rep1, assignee=rep1)
    case_resolve(case=case, resolution_code=fixed, actor=rep1, now=LATER)
    before = state(case)
    with pytest.raises(ValidationFailed) as exc:
        case_reopen(case=case, reason="  ", actor=rep1, now=LATER)
    assert exc.value.field == "reason"
    assert state(case) == before


# --- every action the state does not allow ------------------------------------------------------


def _in_state(status, account, actor, code) -> Case:
    case = open_case(account, actor, assignee=None if status == "new" else actor)
    if status == "waiting_customer":
        case_transition(case=case, to_status=status, actor=actor, now=LATER)
    if status in ("resolved", "closed"):
        case_resolve(case=case, resolution_code=code, actor=actor, now=LATER)
    if status == "closed":
        case_close(case=case, actor=actor, now=LATER)
    case.refresh_from_db()
    assert case.status == status
    return case


def _move(to):
    return lambda case, actor, code, item: case_transition(
        case=case, to_status=to, actor=actor, now=LATER
    )


DISALLOWED = {
    "new -> new": ("new", _move("new")),
    "open -> open": ("open", _move("open")),
    "open -> resolved by transition": ("open", _move("resolved")),
    "open -> closed by transition": ("open", _move("closed")),
    "resolved -> open by transition": ("resolved", _move("open")),
    "closed -> waiting": ("closed", _move("waiting_customer")),
    "close a new case": ("new", lambda c, a, code, i: case_close(case=c, actor=a, now=LATER)),
    "close an open case": ("open", lambda c, a, code, i: case_close(case=c, actor=a, now=LATER)),
    "close a waiting case": (
        "waiting_customer",
        lambda c, a, code, i: case_close(case=c, actor=a, now=LATER),
    ),
    "close a closed case": ("closed", lambda c, a, code, i: case_close(case=c, actor=a, now=LATER)),
    "reopen an open case": (
        "open",
        lambda c, a, code, i: case_reopen(case=c, reason="why", actor=a, now=LATER),
    ),
    "resolve a resolved case": (
        "resolved",
        lambda c, a, code, i: case_resolve(case=c, resolution_code=code, actor=a, now=LATER),
    ),
    "resolve a closed case": (
        "closed",
        lambda c, a, code, i: case_resolve(case=c, resolution_code=code, actor=a, now=LATER),
    ),
    "note on a closed case": (
        "closed",
        lambda c, a, code, i: case_add_note(case=c, body="hello", actor=a, now=LATER),
    ),
    "assign a resolved case": (
        "resolved",
        lambda c, a, code, i: case_assign(case=c, assignee=a, actor=a, now=LATER),
    ),
    "escalate a closed case": (
        "closed",
        lambda c, a, code, i: case_escalate(case=c, reason="angry", actor=a, now=LATER),
    ),
    "re-prioritise a resolved case": (
        "resolved",
        lambda c, a, code, i: case_set_priority(case=c, priority="high", actor=a, now=LATER),
    ),
    "diagnose a closed case": (
        "closed",
        lambda c, a, code, i: checklist_answer(case=c, item=i, answer="yes", actor=a, now=LATER),
    ),
}


@pytest.mark.parametrize("name", list(DISALLOWED))
def test_an_action_the_state_does_not_allow_raises_and_changes_nothing(
    name, account, supervisor, fixed
):
    status, action = DISALLOWED[name]
    template = ChecklistTemplate.objects.create(case_type="trouble_ticket", name="Line")
    item = ChecklistItem.objects.create(template=template, prompt="Powered?", required=False)
    case = _in_state(status, account, supervisor, fixed)
    before = state(case)
    with pytest.raises(InvalidTransition):
        action(case, supervisor, fixed, item)
    assert state(case) == before


# --- priority and escalation -------------------------------------------------------------------


def test_a_priority_change_is_recorded_on_the_timeline(account, rep1):
    case = open_case(account, rep1)
    case_set_priority(case=case, priority="urgent", reason="Medical", actor=rep1, now=LATER)
    case.refresh_from_db()
    assert case.priority == "urgent"
    event = CaseEvent.objects.get(case=case, kind="priority")
    assert (event.data, event.reason) == ({"from": "normal", "to": "urgent"}, "Medical")
    with pytest.raises(ValidationFailed):
        case_set_priority(case=case, priority="asap", actor=rep1, now=LATER)


def test_a_manual_escalation_needs_a_reason_and_raises_the_level(account, rep1):
    tier2 = Queue.objects.create(name="Tier II", slug="tier-2")
    case = open_case(account, rep1)
    before = state(case)
    with pytest.raises(ValidationFailed) as exc:
        case_escalate(case=case, reason="   ", actor=rep1, now=LATER)
    assert exc.value.field == "reason"
    assert state(case) == before

    case_escalate(case=case, reason="Third outage this month", queue=tier2, actor=rep1, now=LATER)
    case.refresh_from_db()
    assert (case.escalation_level, case.escalated_at, case.queue, case.status) == (
        1,
        LATER,
        tier2,
        "open",
    )
    event = CaseEvent.objects.get(case=case, kind="escalated")
    assert event.reason == "Third outage this month"
    assert event.data == {"level": 1, "automatic": False, "queue": "Tier II"}
    assert history_for(case).get(action="escalate").message == "Third outage this month"


def test_escalating_to_another_person_needs_cases_assign(account, rep1, rep2):
    case = open_case(account, rep1)
    before = state(case)
    with pytest.raises(PermissionDenied):
        case_escalate(case=case, reason="Angry", assignee=rep2, actor=rep1, now=LATER)
    assert state(case) == before
    case_escalate(case=case, reason="Angry", assignee=rep1, actor=rep2, now=LATER)
    case.refresh_from_db()
    assert case.assignee == rep1


# --- diagnostics checklist --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "answer", "stored"),
    [
        ("power", "YES", "yes"),
        ("power", " no ", "no"),
        ("lights", "Internet", "Internet"),
        ("signal", "48.5", "48.5"),
        ("signal", "-3", "-3"),
        ("notes", "Customer has two phones", "Customer has two phones"),
    ],
)
def test_a_checklist_answer_is_kept_in_its_normal_form(
    account, rep1, diagnostics, item, answer, stored
):
    case = open_case(account, rep1)
    row = checklist_answer(case=case, item=diagnostics[item], answer=answer, actor=rep1, now=LATER)
    assert row.answer == stored
    assert CaseEvent.objects.get(case=case, kind="checklist").data["answer"] == stored
    assert history_for(case).filter(action="checklist").exists()


@pytest.mark.parametrize(
    ("item", "answer", "message"),
    [
        ("power", "maybe", "Answer yes or no."),
        ("power", "", "Answer yes or no."),
        ("lights", "Blue", "Choose one of: DSL, Internet, None."),
        ("lights", "dsl", "Choose one of"),
        ("signal", "about 48", "Enter a number."),
        ("signal", "", "Enter a number."),
        ("signal", "nan", "Enter a number."),
        ("signal", "inf", "Enter a number."),
        ("notes", "   ", "Enter an answer."),
        ("notes", "x" * 501, "under 500 characters"),
    ],
)
def test_a_checklist_answer_that_does_not_fit_its_kind_is_refused(
    account, rep1, diagnostics, item, answer, message
):
    case = open_case(account, rep1)
    before = state(case)
    with pytest.raises(ValidationFailed) as exc:
        checklist_answer(case=case, item=diagnostics[item], answer=answer, actor=rep1, now=LATER)
    assert exc.value.field == "answer"
    assert message in exc.value.message
    assert state(case) == before


def test_answering_again_replaces_the_answer(account, rep1, diagnostics):
    case = open_case(account, rep1)
    checklist_answer(case=case, item=diagnostics["power"], answer="no", actor=rep1, now=LATER)
    checklist_answer(case=case, item=diagnostics["power"], answer="yes", actor=rep1, now=LATER)
    assert list(ChecklistAnswer.objects.filter(case=case).values_list("answer", flat=True)) == [
        "yes"
    ]


def test_a_question_of_another_case_type_is_refused(account, rep1):
    billing = ChecklistTemplate.objects.create(case_type="billing_dispute", name="Dispute")
    item = ChecklistItem.objects.create(template=billing, prompt="Bill number?", answer_kind="text")
    case = open_case(account, rep1)
    before = state(case)
    with pytest.raises(ValidationFailed) as exc:
        checklist_answer(case=case, item=item, answer="123", actor=rep1, now=LATER)
    assert exc.value.field == "item"
    assert state(case) == before


def test_a_checklist_for_another_line_of_business_neither_applies_nor_blocks(account, rep1):
    """The account is a utility's: the telecom modem checklist does not ask, does not
    accept answers and does not hold up the resolution."""
    assert account.line_of_business == "utility"
    telecom = ChecklistTemplate.objects.create(
        case_type="trouble_ticket", line_of_business="telecom", name="No internet"
    )
    modem = ChecklistItem.objects.create(template=telecom, prompt="Modem lights on?")
    utility = ChecklistTemplate.objects.create(
        case_type="trouble_ticket", line_of_business="utility", name="Power out"
    )
    breaker = ChecklistItem.objects.create(template=utility, prompt="Main breaker on?")
    case = open_case(account, rep1)
    assert [row["item"] for row in checklist_for(case=case)] == [breaker]
    with pytest.raises(ValidationFailed) as exc:
        checklist_answer(case=case, item=modem, answer="yes", actor=rep1, now=LATER)
    assert exc.value.field == "item"
    checklist_answer(case=case, item=breaker, answer="yes", actor=rep1, now=LATER)
    code = ResolutionCode.objects.create(code="restored", label="Restored")
    assert case_resolve(case=case, resolution_code=code, actor=rep1, now=LATER).status == "resolved"


# --- consent -------------------------------------------------------------------------------------


def test_a_consent_is_recorded_on_the_account_and_the_case_timeline(account, rep1):
    case = open_case(account, rep1)
    record = consent_record(
        account=account,
        case=case,
        subject="carrier_dispatch",
        given_by=" Jane Doe ",
        method="verbal_phone",
        details="Recorded call 4471",
        actor=rep1,
    )
    assert (record.given_by, record.granted, record.recorded_by) == ("Jane Doe", True, rep1)
    event = CaseEvent.objects.get(case=case, kind="consent")
    assert event.data == {"subject": "carrier_dispatch", "granted": True, "by": "Jane Doe"}
    assert history_for(record).get().action == "create"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"given_by": "  "}, "given_by"),
        ({"subject": "everything"}, "subject"),
        ({"method": "telepathy"}, "method"),
        ({"details": "x" * 501}, "details"),
        ({"given_at": "future"}, "given_at"),
        ({"case": "other account"}, "case"),
    ],
)
def test_a_consent_with_bad_input_names_the_field_and_records_nothing(
    account, rep1, supervisor, kwargs, field
):
    base = {"subject": "carrier_dispatch", "given_by": "Jane Doe", "method": "verbal_phone"}
    base.update(kwargs)
    if base.get("given_at") == "future":
        base["given_at"] = timezone.now() + dt.timedelta(hours=1)
    if base.get("case") == "other account":
        base["case"] = open_case(make_account(actor=supervisor), rep1)
    audit = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        consent_record(account=account, actor=rep1, **base)
    assert exc.value.field == field
    assert not ConsentRecord.objects.exists()
    assert AuditEvent.objects.count() == audit


def test_a_consent_is_withdrawn_once(account, rep1):
    record = consent_record(
        account=account, subject="call_recording", given_by="Jane", method="portal", actor=rep1
    )
    consent_revoke(record=record, actor=rep1, now=LATER)
    record.refresh_from_db()
    assert record.revoked_at == LATER
    with pytest.raises(InvalidTransition):
        consent_revoke(record=record, actor=rep1)
    record.refresh_from_db()
    assert record.revoked_at == LATER


# --- logging a contact ---------------------------------------------------------------------------


def test_logging_an_outbound_contact_notes_the_account_and_answers_the_customer(account, rep1):
    case = open_case(account, rep1)
    case_log_contact(
        case=case, summary="Left a voicemail", direction="outbound", actor=rep1, now=LATER
    )
    case.refresh_from_db()
    assert case.first_responded_at == LATER
    note = Note.objects.get(account=account)
    assert (note.case_ref, note.direction, note.occurred_at) == (case.number, "outbound", LATER)
    assert CaseNote.objects.get(case=case).body == "[phone, outbound] Left a voicemail"


def test_logging_an_inbound_contact_is_no_response(account, rep1):
    case = open_case(account, rep1)
    case_log_contact(case=case, summary="Customer called back", actor=rep1, now=LATER)
    case.refresh_from_db()
    assert case.first_responded_at is None
    assert case.status == "open"
