"""Supervisors' editing of call scripts (Contact centre > Scripts): the script, its steps
(nodes) and each question's answers (options), and the outline that shows the tree.

**A script that has runs keeps its history.** A run copies what it showed and what was
answered into its own `answers` (step key, kind, text, answer, required, confirmed) and
keeps its own required-statement counts, so adherence and the transcripts on cases never
read the live tree again. What a run still points at is its script (PROTECT) and, while in
progress, its current step. Once a script has runs, therefore, the edits that keep those
meaningful are allowed (wording, the required flag, where a step or answer leads, order,
new steps and answers), and the ones that would break them are refused: deleting a step or
an answer, and changing a step's key or kind (the key is how a run's answers name their
steps). To restructure a script in use, copy it (a new, inactive version with every step
and answer), edit the copy, activate it and retire the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from servicebook.core.audit import audit_created, audit_record, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.permissions import require_capability
from servicebook.users.roles import Cap

from .choices import NodeKind
from .models import Script, ScriptNode, ScriptOption

IN_USE = (
    "This script has runs: its steps and answers cannot be deleted, nor a step's key or kind "
    "changed. Copy it to a new version to restructure it."
)


def script_has_runs(script: Script) -> bool:
    return script.runs.exists()


def _locked(script: Script) -> Script:
    return Script.objects.select_for_update().get(pk=script.pk)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": ["Give the script a name."]})
    return name[:100]


@transaction.atomic
def script_create(*, name: str, call_type: str, description: str = "", actor) -> Script:
    """A new, inactive script: agents see it once it has steps and is activated."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    script = Script.objects.create(
        name=_clean_name(name),
        call_type=call_type,
        description=(description or "").strip()[:300],
        active=False,
    )
    audit_created(actor=actor, obj=script)
    return script


@transaction.atomic
def script_update(*, script: Script, name: str, call_type: str, description: str = "", actor):
    """Rename a script, change its call type or description (safe with runs: a run names
    its script by reference)."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    script = _locked(script)
    before = snapshot(script, ["name", "call_type", "description"])
    script.name = _clean_name(name)
    script.call_type = call_type
    script.description = (description or "").strip()[:300]
    script.save(update_fields=["name", "call_type", "description"])
    audit_updated(actor=actor, obj=script, before=before)
    return script


@transaction.atomic
def script_set_active(*, script: Script, active: bool, actor) -> Script:
    """Activate a script (agents can start it) or retire it (runs already made keep their
    steps). A script without steps cannot be activated."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    script = _locked(script)
    if active and not script.nodes.exists():
        raise InvalidTransition("Add at least one step before activating the script.")
    before = snapshot(script, ["active"])
    script.active = active
    script.save(update_fields=["active"])
    audit_updated(actor=actor, obj=script, before=before)
    return script


@transaction.atomic
def script_copy(*, script: Script, name: str = "", actor) -> Script:
    """A new inactive version of the script with every step and answer, links re-pointed
    to the copies: the way to restructure a script that has runs."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    copy = Script.objects.create(
        name=_clean_name(name or f"{script.name} (new version)"),
        call_type=script.call_type,
        description=script.description,
        active=False,
    )
    nodes = list(script.nodes.order_by("position", "id"))
    new_by_old = {}
    for node in nodes:
        new_by_old[node.pk] = ScriptNode.objects.create(
            script=copy,
            key=node.key,
            kind=node.kind,
            text=node.text,
            required=node.required,
            position=node.position,
        )
    for node in nodes:
        if node.next_node_id in new_by_old:
            new = new_by_old[node.pk]
            new.next_node = new_by_old[node.next_node_id]
            new.save(update_fields=["next_node"])
    for option in ScriptOption.objects.filter(node__script=script).order_by("position", "id"):
        ScriptOption.objects.create(
            node=new_by_old[option.node_id],
            label=option.label,
            next_node=new_by_old.get(option.next_node_id),
            position=option.position,
        )
    audit_created(actor=actor, obj=copy, message=f"copy of script #{script.pk}")
    return copy


# --- Steps -----------------------------------------------------------------------------------


def _check_next(script: Script, next_node: ScriptNode | None, field_name: str = "next_node"):
    if next_node is not None and next_node.script_id != script.pk:
        raise ValidationFailed({field_name: ["Choose a step of this script."]})


def _node_rules(kind: str, required: bool, next_node: ScriptNode | None) -> None:
    if kind not in NodeKind.values:
        raise ValidationFailed({"kind": ["Choose question, statement or end."]})
    if required and kind != NodeKind.STATEMENT:
        raise ValidationFailed({"required": ["Only a statement can be required reading."]})
    if kind == NodeKind.END and next_node is not None:
        raise ValidationFailed({"next_node": ["An end step leads nowhere."]})


@transaction.atomic
def script_node_add(
    *,
    script: Script,
    key: str,
    kind: str,
    text: str,
    required: bool = False,
    position: int = 0,
    next_node: ScriptNode | None = None,
    actor,
) -> ScriptNode:
    """Add a step. The step with the lowest position is where the script starts."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    script = _locked(script)
    _node_rules(kind, required, next_node)
    _check_next(script, next_node)
    if not (text or "").strip():
        raise ValidationFailed({"text": ["Write what the agent says or asks."]})
    try:
        with transaction.atomic():
            node = ScriptNode.objects.create(
                script=script,
                key=key,
                kind=kind,
                text=text.strip(),
                required=required,
                position=position,
                next_node=next_node,
            )
    except IntegrityError as exc:
        raise ValidationFailed({"key": [f"This script already has a step “{key}”."]}) from exc
    audit_created(actor=actor, obj=node)
    return node


@transaction.atomic
def script_node_update(
    *,
    node: ScriptNode,
    key: str,
    kind: str,
    text: str,
    required: bool = False,
    position: int = 0,
    next_node: ScriptNode | None = None,
    actor,
) -> ScriptNode:
    """Change a step. With runs, its key and kind stay as they are (see the module)."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    script = _locked(node.script)
    node = ScriptNode.objects.get(pk=node.pk)
    _node_rules(kind, required, next_node)
    _check_next(script, next_node)
    if not (text or "").strip():
        raise ValidationFailed({"text": ["Write what the agent says or asks."]})
    if script_has_runs(script):
        if key != node.key:
            raise ValidationFailed({"key": [IN_USE]})
        if kind != node.kind:
            raise ValidationFailed({"kind": [IN_USE]})
    if kind != NodeKind.QUESTION and node.options.exists():
        raise ValidationFailed({"kind": ["Delete this question's answers first."]})
    before = snapshot(node, ["key", "kind", "text", "required", "position", "next_node"])
    node.key, node.kind, node.text = key, kind, text.strip()
    node.required, node.position, node.next_node = required, position, next_node
    try:
        with transaction.atomic():
            node.save(update_fields=["key", "kind", "text", "required", "position", "next_node"])
    except IntegrityError as exc:
        raise ValidationFailed({"key": [f"This script already has a step “{key}”."]}) from exc
    audit_updated(actor=actor, obj=node, before=before)
    return node


@transaction.atomic
def script_node_delete(*, node: ScriptNode, actor) -> None:
    """Delete a step of a script without runs (links to it and its answers go with it)."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    script = _locked(node.script)
    if script_has_runs(script):
        raise InvalidTransition(IN_USE)
    audit_record(
        actor=actor,
        action="delete",
        obj=node,
        changes={k: [v, None] for k, v in snapshot(node).items()},
    )
    ScriptNode.objects.filter(pk=node.pk).delete()


# --- Answers ----------------------------------------------------------------------------------


@transaction.atomic
def script_option_add(
    *,
    node: ScriptNode,
    label: str,
    next_node: ScriptNode | None = None,
    position: int = 0,
    actor,
) -> ScriptOption:
    """Add an answer to a question and the step it leads to (none: the script ends)."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    script = _locked(node.script)
    if node.kind != NodeKind.QUESTION:
        raise ValidationFailed({"label": ["Only a question has answers."]})
    _check_next(script, next_node)
    label = (label or "").strip()
    if not label:
        raise ValidationFailed({"label": ["Write the answer."]})
    option = ScriptOption.objects.create(
        node=node, label=label[:200], next_node=next_node, position=position
    )
    audit_created(actor=actor, obj=option)
    return option


@transaction.atomic
def script_option_update(
    *,
    option: ScriptOption,
    label: str,
    next_node: ScriptNode | None = None,
    position: int = 0,
    actor,
) -> ScriptOption:
    """Reword an answer or send it elsewhere (safe with runs: they kept the answer given)."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    script = _locked(option.node.script)
    option = ScriptOption.objects.get(pk=option.pk)
    _check_next(script, next_node)
    label = (label or "").strip()
    if not label:
        raise ValidationFailed({"label": ["Write the answer."]})
    before = snapshot(option, ["label", "next_node", "position"])
    option.label, option.next_node, option.position = label[:200], next_node, position
    option.save(update_fields=["label", "next_node", "position"])
    audit_updated(actor=actor, obj=option, before=before)
    return option


@transaction.atomic
def script_option_delete(*, option: ScriptOption, actor) -> None:
    """Delete an answer of a script without runs."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    script = _locked(option.node.script)
    if script_has_runs(script):
        raise InvalidTransition(IN_USE)
    audit_record(
        actor=actor,
        action="delete",
        obj=option,
        changes={k: [v, None] for k, v in snapshot(option).items()},
    )
    ScriptOption.objects.filter(pk=option.pk).delete()


# --- The outline -----------------------------------------------------------------------------


@dataclass
class OutlineLine:
    depth: int
    node: ScriptNode
    via: str = ""  # the answer that leads here ("" for the start and plain next steps)
    repeat: bool = False  # already shown above (a loop or a join): not expanded again
    ends_here: bool = False  # a question or statement that leads nowhere and is not an end


@dataclass
class Outline:
    lines: list[OutlineLine] = field(default_factory=list)
    unreachable: list[ScriptNode] = field(default_factory=list)
    dangling_options: list[ScriptOption] = field(default_factory=list)
    start: ScriptNode | None = None


def script_outline(script: Script) -> Outline:
    """The tree as the agent walks it, from the start step (lowest position): plain next
    steps one under the other, each answer's branch indented under its question. Steps no path
    reaches and answers that lead nowhere are listed apart. Two queries."""
    nodes = list(script.nodes.order_by("position", "id"))
    options: dict[int, list[ScriptOption]] = {n.pk: [] for n in nodes}
    by_pk = {n.pk: n for n in nodes}
    for option in ScriptOption.objects.filter(node__script=script).order_by("position", "id"):
        option.node = by_pk[option.node_id]  # no query per option when the page names its step
        options[option.node_id].append(option)
    outline = Outline(start=nodes[0] if nodes else None)
    seen: set[int] = set()

    def walk(node: ScriptNode, depth: int, via: str) -> None:
        # Iterative over plain next steps (a long linear script would otherwise recurse
        # once per step); recursive only into branches.
        while node is not None:
            if node.pk in seen:
                outline.lines.append(OutlineLine(depth, node, via, repeat=True))
                return
            seen.add(node.pk)
            branches = options[node.pk] if node.kind == NodeKind.QUESTION else []
            leads = bool(branches) or node.next_node_id is not None
            outline.lines.append(
                OutlineLine(depth, node, via, ends_here=node.kind != NodeKind.END and not leads)
            )
            if branches:
                for option in branches:
                    if option.next_node_id is None:
                        outline.dangling_options.append(option)
                    else:
                        walk(by_pk[option.next_node_id], depth + 1, option.label)
                return
            node = by_pk.get(node.next_node_id) if node.kind != NodeKind.END else None
            via = ""

    if outline.start is not None:
        walk(outline.start, 0, "")
    outline.unreachable = [n for n in nodes if n.pk not in seen]
    for node in outline.unreachable:
        outline.dangling_options.extend(o for o in options[node.pk] if o.next_node_id is None)
    return outline
