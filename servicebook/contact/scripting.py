"""Call scripts as guided trees: starting one on a contact, answering step by step along
its branches, and the transcript that lands on the case.

The answers are kept on the run as structured rows (step, question, answer, required,
confirmed) for adherence; the case gets them as one readable internal note at wrap-up,
so whoever opens the case sees what the customer was asked and said.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from servicebook.cases.services import case_add_note
from servicebook.core.audit import audit_created, audit_record
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.permissions import require_capability
from servicebook.users.roles import Cap

from .choices import InteractionState, NodeKind
from .models import Interaction, Script, ScriptNode, ScriptOption, ScriptRun


def first_node(script: Script) -> ScriptNode | None:
    return script.nodes.order_by("position", "id").first()


@transaction.atomic
def script_start(
    *, script: Script, interaction: Interaction | None = None, actor, now=None
) -> ScriptRun:
    """Start the script on a live contact (or on its own, for practice)."""
    require_capability(actor, Cap.CONTACT_AGENT)
    if not script.active:
        raise ValidationFailed({"script": ["This script is retired."]})
    if interaction is not None:
        if interaction.agent_id != actor.pk:
            raise InvalidTransition("This contact is handled by someone else.")
        if interaction.state not in (InteractionState.TALKING, InteractionState.WRAP_UP):
            raise InvalidTransition("Scripts run on a contact in progress.")
    start = first_node(script)
    if start is None:
        raise ValidationFailed({"script": ["This script has no steps yet."]})
    run = ScriptRun.objects.create(
        script=script,
        interaction=interaction,
        case=interaction.case if interaction is not None else None,
        agent=actor,
        current_node=start,
        started_at=now or timezone.now(),
    )
    if start.kind == NodeKind.END:
        _finish(run, start, now or timezone.now())
        run.save()
    audit_created(actor=actor, obj=run)
    return run


def _finish(run: ScriptRun, end_node: ScriptNode | None, now: dt.datetime) -> None:
    if end_node is not None and end_node.kind == NodeKind.END:
        run.answers = [*run.answers, {"step": end_node.key, "kind": "end", "text": end_node.text}]
    run.current_node = None
    run.finished_at = now


@transaction.atomic
def script_answer(
    *,
    run: ScriptRun,
    option: ScriptOption | None = None,
    text: str = "",
    confirmed: bool = False,
    actor,
    now: dt.datetime | None = None,
) -> ScriptRun:
    """Answer the current step and move along the branch it leads to.

    A question with options takes one of them (its branch decides the next step); a
    question without options takes a free answer; a statement is confirmed as read (a
    required one that is not confirmed counts against adherence, but the call goes on:
    the agent is not blocked from helping the customer).
    """
    require_capability(actor, Cap.CONTACT_AGENT)
    now = now or timezone.now()
    run = (
        ScriptRun.objects.select_for_update(of=("self",))
        .select_related("current_node")
        .get(pk=run.pk)
    )
    if run.agent_id != actor.pk:
        raise InvalidTransition("This script is being run by someone else.")
    node = run.current_node
    if run.finished_at is not None or node is None:
        raise InvalidTransition("This script is finished.")
    entry = {"step": node.key, "kind": node.kind, "text": node.text}
    if node.kind == NodeKind.QUESTION:
        options = list(node.options.all())
        if options:
            if option is None or option.node_id != node.pk:
                raise ValidationFailed({"option": ["Choose one of the answers."]})
            entry["answer"] = option.label
            next_node = option.next_node
        else:
            answer = (text or "").strip()
            if not answer:
                raise ValidationFailed({"text": ["Write the customer's answer."]})
            entry["answer"] = answer[:1000]
            next_node = node.next_node
    elif node.kind == NodeKind.STATEMENT:
        entry["required"] = node.required
        entry["confirmed"] = bool(confirmed)
        if node.required:
            run.required_total += 1
            run.required_confirmed += 1 if confirmed else 0
        next_node = node.next_node
    else:
        next_node = None
    run.answers = [*run.answers, entry]
    if next_node is None or next_node.kind == NodeKind.END:
        _finish(run, next_node, now)
    else:
        run.current_node = next_node
    run.save()
    audit_record(actor=actor, action="script_step", obj=run, changes={"step": [None, node.key]})
    return run


def run_transcript(run: ScriptRun) -> str:
    """The run as a note: each question with the answer, each statement as read or not."""
    lines = [f"Script “{run.script.name}”:"]
    for entry in run.answers:
        if entry.get("kind") == NodeKind.QUESTION:
            lines.append(f"- {entry['text']} — {entry.get('answer', '')}")
        elif entry.get("kind") == NodeKind.STATEMENT:
            mark = "read" if entry.get("confirmed") else "NOT confirmed"
            required = " (required)" if entry.get("required") else ""
            lines.append(f"- Statement{required} {mark}: {entry['text']}")
    if run.finished_at is None:
        lines.append("(script not finished)")
    return "\n".join(lines)[:10_000]


@transaction.atomic
def script_post_to_case(*, run: ScriptRun, actor) -> None:
    """Put a run's answers on its case now (a run started after the case was chosen)."""
    if run.case_id is None:
        raise ValidationFailed({"case": ["This run is not on a case."]})
    case_add_note(case=run.case, body=run_transcript(run), actor=actor)
