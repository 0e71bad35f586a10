"""Call scripts: branching on answers, required statements and adherence, answers landing
on the case at wrap-up."""

from __future__ import annotations

import datetime as dt

import pytest

from servicebook.contact import scripting, services
from servicebook.contact.models import Script, ScriptNode, ScriptOption
from servicebook.contact.selectors import script_adherence
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.testing.factories import make_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def outage_script(db):
    """Greeting (required) -> "Is the power out?" yes -> "Whole street?" (free answer) ->
    safety statement (required) -> end; no -> billing statement -> end."""
    script = Script.objects.create(name="Power problem", call_type="trouble_ticket")
    greet = ScriptNode.objects.create(
        script=script,
        key="greet",
        kind="statement",
        position=1,
        required=True,
        text="Thank you for calling. This call may be recorded.",
    )
    out = ScriptNode.objects.create(
        script=script, key="out", kind="question", position=2, text="Is the power out?"
    )
    street = ScriptNode.objects.create(
        script=script, key="street", kind="question", position=3, text="Are the neighbours out too?"
    )
    safety = ScriptNode.objects.create(
        script=script,
        key="safety",
        kind="statement",
        position=4,
        required=True,
        text="Stay away from downed lines.",
    )
    billing = ScriptNode.objects.create(
        script=script,
        key="billing",
        kind="statement",
        position=5,
        text="Let me look at your account.",
    )
    end = ScriptNode.objects.create(
        script=script, key="end", kind="end", position=9, text="Thank you."
    )
    greet.next_node = out
    greet.save()
    street.next_node = safety
    street.save()
    safety.next_node = end
    safety.save()
    billing.next_node = end
    billing.save()
    yes = ScriptOption.objects.create(node=out, label="Yes", next_node=street, position=1)
    no = ScriptOption.objects.create(node=out, label="No", next_node=billing, position=2)
    return {"script": script, "yes": yes, "no": no}


@pytest.fixture
def call(agent, account):
    return services.interaction_start(agent=agent, account=account, actor=agent)


def test_yes_branch_asks_about_the_street_and_reads_the_safety_statement(
    outage_script, call, agent
):
    run = scripting.script_start(script=outage_script["script"], interaction=call, actor=agent)
    run = scripting.script_answer(run=run, confirmed=True, actor=agent)
    run = scripting.script_answer(run=run, option=outage_script["yes"], actor=agent)
    assert run.current_node.key == "street"
    run = scripting.script_answer(run=run, text="Whole block", actor=agent)
    run = scripting.script_answer(run=run, confirmed=False, actor=agent)
    assert run.finished_at is not None
    assert [a["step"] for a in run.answers] == ["greet", "out", "street", "safety", "end"]
    assert (run.required_confirmed, run.required_total) == (1, 2)


def test_no_branch_skips_the_outage_questions(outage_script, call, agent):
    run = scripting.script_start(script=outage_script["script"], interaction=call, actor=agent)
    run = scripting.script_answer(run=run, confirmed=True, actor=agent)
    run = scripting.script_answer(run=run, option=outage_script["no"], actor=agent)
    assert run.current_node.key == "billing"
    run = scripting.script_answer(run=run, confirmed=True, actor=agent)
    assert run.finished_at and [a["step"] for a in run.answers] == [
        "greet",
        "out",
        "billing",
        "end",
    ]
    assert (run.required_confirmed, run.required_total) == (1, 1)


def test_a_question_with_options_needs_one_of_them(outage_script, call, agent):
    run = scripting.script_start(script=outage_script["script"], interaction=call, actor=agent)
    run = scripting.script_answer(run=run, confirmed=True, actor=agent)
    with pytest.raises(ValidationFailed):
        scripting.script_answer(run=run, text="maybe", actor=agent)
    other = ScriptOption.objects.create(node=ScriptNode.objects.get(key="greet"), label="x")
    with pytest.raises(ValidationFailed):
        scripting.script_answer(run=run, option=other, actor=agent)


def test_a_finished_script_takes_no_more_answers(outage_script, call, agent):
    run = scripting.script_start(script=outage_script["script"], interaction=call, actor=agent)
    for step in [{"confirmed": True}, {"option": outage_script["no"]}, {"confirmed": True}]:
        run = scripting.script_answer(run=run, actor=agent, **step)
    with pytest.raises(InvalidTransition):
        scripting.script_answer(run=run, confirmed=True, actor=agent)


def test_answers_land_on_the_case_at_wrap_up(outage_script, call, agent, answered):
    make_policy(case_type="trouble_ticket")
    run = scripting.script_start(script=outage_script["script"], interaction=call, actor=agent)
    run = scripting.script_answer(run=run, confirmed=True, actor=agent)
    run = scripting.script_answer(run=run, option=outage_script["yes"], actor=agent)
    run = scripting.script_answer(run=run, text="Whole block", actor=agent)
    run = scripting.script_answer(run=run, confirmed=True, actor=agent)
    done = services.interaction_wrap_up(
        interaction=call,
        wrap=services.WrapUp(
            summary="Outage on Larimer", disposition=answered, new_case_type="trouble_ticket"
        ),
        actor=agent,
    )
    case = done.case
    assert case.subject == "Outage on Larimer"
    transcript = case.notes.get(body__startswith="Script")
    assert "Is the power out? — Yes" in transcript.body
    assert "Are the neighbours out too? — Whole block" in transcript.body
    assert "Statement (required) read: Stay away from downed lines." in transcript.body
    run.refresh_from_db()
    assert run.case == case


def test_adherence_per_script_and_agent(outage_script, call, agent):
    run = scripting.script_start(script=outage_script["script"], interaction=call, actor=agent)
    run = scripting.script_answer(run=run, confirmed=False, actor=agent)
    run = scripting.script_answer(run=run, option=outage_script["no"], actor=agent)
    scripting.script_answer(run=run, confirmed=True, actor=agent)
    today = run.started_at.astimezone().date()
    rows = script_adherence(start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1))
    assert [(r["script"], r["required"], r["confirmed"], r["percent"]) for r in rows] == [
        ("Power problem", 1, 0, 0.0)
    ]


def test_adherence_keeps_each_script_version_apart_and_filters_to_one(
    outage_script, call, agent, agent2, supervisor, account
):
    from servicebook.contact.script_editor import script_copy, script_set_active

    old = outage_script["script"]
    run = scripting.script_start(script=old, interaction=call, actor=agent)
    scripting.script_answer(run=run, confirmed=False, actor=agent)
    # The new version keeps the name (a supervisor's choice); its runs are its own.
    new = script_copy(script=old, name="Power problem", actor=supervisor)
    new = script_set_active(script=new, active=True, actor=supervisor)
    script_set_active(script=old, active=False, actor=supervisor)
    second = services.interaction_start(agent=agent2, account=account, actor=agent2)
    run = scripting.script_start(script=new, interaction=second, actor=agent2)
    scripting.script_answer(run=run, confirmed=True, actor=agent2)
    today = run.started_at.astimezone().date()
    span = {"start": today - dt.timedelta(days=1), "end": today + dt.timedelta(days=1)}

    rows = script_adherence(**span)
    assert sorted((r["script_id"], r["script_active"], r["confirmed"]) for r in rows) == [
        (old.pk, False, 0),
        (new.pk, True, 1),
    ]
    only_new = script_adherence(**span, script_id=new.pk)
    assert [(r["script_id"], r["runs"], r["confirmed"]) for r in only_new] == [(new.pk, 1, 1)]
