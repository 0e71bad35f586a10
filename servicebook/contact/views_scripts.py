"""The supervisor's script editor (Contact centre > Scripts): the list, a script's outline
and steps, each step's answers, activation and new versions. The rules, including what may
change once a script has runs, are in script_editor.py."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from servicebook.core.permissions import capability_required
from servicebook.core.views import button_action, form_action
from servicebook.users.roles import Cap

from . import script_editor
from .forms import ScriptForm, ScriptNodeForm, ScriptOptionForm
from .models import Script, ScriptNode, ScriptOption

SUPERVISE = Cap.CONTACT_SUPERVISE


def _editor_url(script: Script) -> str:
    return reverse("contact:script_edit", args=[script.pk])


def _node_url(node: ScriptNode) -> str:
    return reverse("contact:script_node", args=[node.pk])


def _nested(lines) -> tuple[list[dict], str]:
    """The outline's lines as nested lists: before each line, the tags that close the lines
    above it and open its level (fixed tags only, nothing from the data)."""
    items, depth = [], 0
    for i, line in enumerate(lines):
        if i == 0:
            before = "<ul>" * line.depth
        elif line.depth > depth:
            before = "<ul>" * (line.depth - depth)
        else:
            before = "</li>" + "</ul></li>" * (depth - line.depth)
        items.append({"line": line, "before": mark_safe(before)})  # noqa: S308 (fixed tags)
        depth = line.depth
    tail = ("</li>" + "</ul></li>" * depth) if items else ""
    return items, mark_safe(tail)  # noqa: S308 (fixed tags)


def _list(request: HttpRequest, *, form: ScriptForm | None = None, status: int = 200):
    scripts = Script.objects.annotate(
        run_count=Count("runs", distinct=True), step_count=Count("nodes", distinct=True)
    ).order_by("-active", "call_type", "name")
    return render(
        request,
        "contact/scripts.html",
        {"scripts": scripts, "form": form or ScriptForm()},
        status=status,
    )


@capability_required(SUPERVISE)
def script_list(request: HttpRequest) -> HttpResponse:
    """Every script with its call type, state, steps and runs; a form to start a new one."""
    return _list(request)


@require_POST
@capability_required(SUPERVISE)
def script_new(request: HttpRequest) -> HttpResponse:
    form = ScriptForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: script_editor.script_create(
            name=d["name"],
            call_type=d["call_type"],
            description=d["description"],
            actor=request.user,
        ),
        done="Script created. Add its steps, then activate it.",
        success_url=_editor_url,
        failed=lambda form, status: _list(request, form=form, status=status),
    )


def _editor(request: HttpRequest, script: Script, *, forms: dict | None = None, status=200):
    forms = forms or {}
    has_runs = script_editor.script_has_runs(script)
    outline = script_editor.script_outline(script)
    outline_items, outline_tail = _nested(outline.lines)
    nodes = list(script.nodes.annotate(option_count=Count("options")).select_related("next_node"))
    context = {
        "script": script,
        "has_runs": has_runs,
        "run_count": script.runs.count() if has_runs else 0,
        "outline": outline,
        "outline_items": outline_items,
        "outline_tail": outline_tail,
        "nodes": nodes,
        "form": forms.get("script")
        or ScriptForm(
            initial={
                "name": script.name,
                "call_type": script.call_type,
                "description": script.description,
            }
        ),
        "node_form": forms.get("node")
        or ScriptNodeForm(
            script=script,
            initial={"position": max((n.position for n in nodes), default=0) + 1},
        ),
        "in_use": script_editor.IN_USE,
    }
    return render(request, "contact/scripts_edit.html", context, status=status)


@capability_required(SUPERVISE)
def script_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The script's outline from its start step, its steps, and its name and call type."""
    script = get_object_or_404(Script, pk=pk)
    if request.method != "POST":
        return _editor(request, script)
    form = ScriptForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: script_editor.script_update(
            script=script,
            name=d["name"],
            call_type=d["call_type"],
            description=d["description"],
            actor=request.user,
        ),
        done="Script saved.",
        success_url=_editor_url,
        failed=lambda form, status: _editor(request, script, forms={"script": form}, status=status),
    )


@require_POST
@capability_required(SUPERVISE)
def script_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Activate (agents can start it) or retire the script."""
    script = get_object_or_404(Script, pk=pk)
    active = request.POST.get("active") == "1"
    return button_action(
        request,
        lambda: script_editor.script_set_active(script=script, active=active, actor=request.user),
        done="Script activated." if active else "Script retired: agents can no longer start it.",
        success_url=_editor_url(script),
        failed=lambda status: _editor(request, script, status=status),
    )


@require_POST
@capability_required(SUPERVISE)
def script_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """A new inactive version of the script to restructure."""
    script = get_object_or_404(Script, pk=pk)
    copies = []
    response = button_action(
        request,
        lambda: copies.append(
            script_editor.script_copy(
                script=script, name=request.POST.get("name", ""), actor=request.user
            )
        ),
        done="New version made (inactive): edit it, activate it, then retire the old one.",
        success_url=_editor_url(script),
        failed=lambda status: _editor(request, script, status=status),
    )
    if copies:
        return redirect(_editor_url(copies[0]))
    return response


@require_POST
@capability_required(SUPERVISE)
def script_node_add(request: HttpRequest, pk: int) -> HttpResponse:
    script = get_object_or_404(Script, pk=pk)
    form = ScriptNodeForm(request.POST, script=script)
    return form_action(
        request,
        form,
        lambda d: script_editor.script_node_add(
            script=script,
            key=d["key"],
            kind=d["kind"],
            text=d["text"],
            required=d["required"],
            position=d.get("position") or 0,
            next_node=d.get("next_node"),
            actor=request.user,
        ),
        done=lambda n: f"Step “{n.key}” added.",
        success_url=lambda n: _node_url(n) if n.kind == "question" else _editor_url(script),
        failed=lambda form, status: _editor(request, script, forms={"node": form}, status=status),
    )


def _node_page(request, node: ScriptNode, *, forms: dict | None = None, status: int = 200):
    forms = forms or {}
    script = node.script
    options = list(node.options.select_related("next_node"))
    rows = []
    for option in options:
        form = forms.get(("option", option.pk)) or ScriptOptionForm(
            script=script,
            initial={
                "label": option.label,
                "next_node": option.next_node_id,
                "position": option.position,
            },
            auto_id=f"id_option{option.pk}_%s",
        )
        rows.append({"option": option, "form": form})
    context = {
        "script": script,
        "node": node,
        "has_runs": script_editor.script_has_runs(script),
        "in_use": script_editor.IN_USE,
        "form": forms.get("node")
        or ScriptNodeForm(
            script=script,
            initial={
                "key": node.key,
                "kind": node.kind,
                "text": node.text,
                "required": node.required,
                "position": node.position,
                "next_node": node.next_node_id,
            },
        ),
        "rows": rows,
        "option_form": forms.get("new_option")
        or ScriptOptionForm(
            script=script,
            initial={"position": max((o.position for o in options), default=0) + 1},
        ),
    }
    return render(request, "contact/scripts_node.html", context, status=status)


@capability_required(SUPERVISE)
def script_node(request: HttpRequest, pk: int) -> HttpResponse:
    """One step: its kind, text and where it leads; a question's answers."""
    node = get_object_or_404(ScriptNode.objects.select_related("script"), pk=pk)
    if request.method != "POST":
        return _node_page(request, node)
    form = ScriptNodeForm(request.POST, script=node.script)
    return form_action(
        request,
        form,
        lambda d: script_editor.script_node_update(
            node=node,
            key=d["key"],
            kind=d["kind"],
            text=d["text"],
            required=d["required"],
            position=d.get("position") or 0,
            next_node=d.get("next_node"),
            actor=request.user,
        ),
        done="Step saved.",
        success_url=lambda n: _editor_url(n.script),
        failed=lambda form, status: _node_page(request, node, forms={"node": form}, status=status),
    )


@require_POST
@capability_required(SUPERVISE)
def script_node_delete(request: HttpRequest, pk: int) -> HttpResponse:
    node = get_object_or_404(ScriptNode.objects.select_related("script"), pk=pk)
    return button_action(
        request,
        lambda: script_editor.script_node_delete(node=node, actor=request.user),
        done=f"Step “{node.key}” deleted.",
        success_url=_editor_url(node.script),
        failed=lambda status: _node_page(request, node, status=status),
    )


@require_POST
@capability_required(SUPERVISE)
def script_option_add(request: HttpRequest, pk: int) -> HttpResponse:
    node = get_object_or_404(ScriptNode.objects.select_related("script"), pk=pk)
    form = ScriptOptionForm(request.POST, script=node.script)
    return form_action(
        request,
        form,
        lambda d: script_editor.script_option_add(
            node=node,
            label=d["label"],
            next_node=d.get("next_node"),
            position=d.get("position") or 0,
            actor=request.user,
        ),
        done="Answer added.",
        success_url=_node_url(node),
        failed=lambda form, status: _node_page(
            request, node, forms={"new_option": form}, status=status
        ),
    )


@require_POST
@capability_required(SUPERVISE)
def script_option_edit(request: HttpRequest, pk: int) -> HttpResponse:
    option = get_object_or_404(ScriptOption.objects.select_related("node__script"), pk=pk)
    node = option.node
    form = ScriptOptionForm(request.POST, script=node.script, auto_id=f"id_option{pk}_%s")
    return form_action(
        request,
        form,
        lambda d: script_editor.script_option_update(
            option=option,
            label=d["label"],
            next_node=d.get("next_node"),
            position=d.get("position") or 0,
            actor=request.user,
        ),
        done="Answer saved.",
        success_url=_node_url(node),
        failed=lambda form, status: _node_page(
            request, node, forms={("option", pk): form}, status=status
        ),
    )


@require_POST
@capability_required(SUPERVISE)
def script_option_delete(request: HttpRequest, pk: int) -> HttpResponse:
    option = get_object_or_404(ScriptOption.objects.select_related("node__script"), pk=pk)
    node = option.node
    return button_action(
        request,
        lambda: script_editor.script_option_delete(option=option, actor=request.user),
        done=f"Answer “{option.label}” deleted.",
        success_url=_node_url(node),
        failed=lambda status: _node_page(request, node, status=status),
    )
