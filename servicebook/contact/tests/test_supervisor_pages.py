"""The supervisor's Schedule and Scripts pages: the services behind them (overlaps refused,
copying a week, what may change in a script with runs, the outline's unreachable steps) and
the pages themselves, through the test client with CSRF checks on."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from servicebook.contact import schedule, script_editor, scripting, services
from servicebook.contact.metrics import metrics_for_period
from servicebook.contact.models import AgentStateSpan, Script, ScriptNode, ScriptOption, Shift, Team
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.models import AuditEvent
from servicebook.core.testing.factories import PASSWORD, make_agent

from .conftest import DAY, NEXT, local

pytestmark = pytest.mark.django_db

MONDAY = DAY  # Monday 9 February 2026
PREV_MONDAY = DAY - dt.timedelta(days=7)


def _shift(agent, supervisor, day, start_h, end_h, break_minutes=0):
    return schedule.shift_add(
        agent=agent,
        starts_at=local(day.year, day.month, day.day, start_h),
        ends_at=local(day.year, day.month, day.day, end_h),
        break_minutes=break_minutes,
        actor=supervisor,
    )


def _logged_in_between(agent, start, end):
    services.agent_login(agent=agent, actor=agent, now=start)
    services.agent_logout(agent=agent, actor=agent, now=end)


# --- Shift services ------------------------------------------------------------------------------


def test_overlapping_shift_is_refused_on_the_start_field(agent, supervisor):
    _shift(agent, supervisor, DAY, 8, 16)
    with pytest.raises(ValidationFailed) as refused:
        _shift(agent, supervisor, DAY, 15, 20)
    assert "overlaps" in refused.value.errors["starts_at"][0]
    assert Shift.objects.count() == 1


def test_shift_that_ends_before_it_starts_is_refused_on_the_end_field(agent, supervisor):
    with pytest.raises(ValidationFailed) as refused:
        _shift(agent, supervisor, DAY, 16, 8)
    assert "ends after it starts" in refused.value.errors["ends_at"][0]
    assert not Shift.objects.exists()


def test_back_to_back_shifts_and_other_agents_do_not_overlap(agent, agent2, supervisor):
    _shift(agent, supervisor, DAY, 8, 12)
    _shift(agent, supervisor, DAY, 12, 16)
    _shift(agent2, supervisor, DAY, 8, 16)
    assert Shift.objects.count() == 3


def test_an_agent_cannot_schedule_shifts(agent):
    with pytest.raises(PermissionDenied):
        _shift(agent, agent, DAY, 8, 16)
    assert not Shift.objects.exists()


def test_moving_a_shift_recounts_attendance_and_in_shift_time(agent, supervisor):
    _logged_in_between(agent, local(2026, 2, 9, 9), local(2026, 2, 9, 10))
    shift = _shift(agent, supervisor, DAY, 8, 16)
    assert shift.attended is True
    assert AgentStateSpan.objects.get(agent=agent).in_shift_seconds == 3600

    moved = schedule.shift_update(
        shift=shift,
        starts_at=local(2026, 2, 10, 8),
        ends_at=local(2026, 2, 10, 16),
        break_minutes=30,
        actor=supervisor,
    )

    assert (moved.day, moved.break_minutes, moved.attended) == (NEXT, 30, False)
    assert moved.scheduled_seconds == 8 * 3600
    assert AgentStateSpan.objects.get(agent=agent).in_shift_seconds == 0
    row = metrics_for_period(user=supervisor, start=DAY, end=NEXT).rows[0]
    assert (row["shifts_scheduled"], row["shifts_attended"]) == (1, 0)
    event = AuditEvent.objects.filter(action="update", object_id=str(shift.pk)).get()
    assert event.changes["break_minutes"] == [0, 30]


def test_changing_a_shift_may_not_overlap_another_but_may_overlap_itself(agent, supervisor):
    morning = _shift(agent, supervisor, DAY, 8, 12)
    _shift(agent, supervisor, DAY, 13, 17)
    schedule.shift_update(
        shift=morning,
        starts_at=local(2026, 2, 9, 7),
        ends_at=local(2026, 2, 9, 11),
        actor=supervisor,
    )
    with pytest.raises(ValidationFailed) as refused:
        schedule.shift_update(
            shift=morning,
            starts_at=local(2026, 2, 9, 7),
            ends_at=local(2026, 2, 9, 14),
            actor=supervisor,
        )
    assert "starts_at" in refused.value.errors
    morning.refresh_from_db()
    assert timezone.localtime(morning.ends_at).hour == 11


def test_removing_a_shift_takes_its_time_out_of_adherence(agent, supervisor):
    _logged_in_between(agent, local(2026, 2, 9, 9), local(2026, 2, 9, 10))
    shift = _shift(agent, supervisor, DAY, 8, 16)
    schedule.shift_remove(shift=shift, actor=supervisor)
    assert not Shift.objects.exists()
    assert AgentStateSpan.objects.get(agent=agent).in_shift_seconds == 0
    assert AuditEvent.objects.filter(action="delete", object_id=str(shift.pk)).exists()


def test_copy_week_copies_the_teams_shifts_and_skips_overlaps(agent, agent2, supervisor, team):
    other_team = Team.objects.create(name="Collections desk")
    outsider = make_agent("rep1", team=other_team)
    _shift(agent, supervisor, PREV_MONDAY, 8, 16, break_minutes=30)
    _shift(agent, supervisor, PREV_MONDAY + dt.timedelta(days=1), 9, 17)
    _shift(agent2, supervisor, PREV_MONDAY, 10, 18)
    _shift(outsider, supervisor, PREV_MONDAY, 8, 16)
    # agent2 already works Monday morning this week: the copy would overlap it.
    _shift(agent2, supervisor, MONDAY, 7, 11)

    report = schedule.shift_copy_week(
        to_week=MONDAY + dt.timedelta(days=3), team=team, actor=supervisor
    )

    assert (report.copied, report.skipped) == (2, 1)
    copied = list(Shift.objects.filter(agent=agent, day__gte=MONDAY).order_by("starts_at"))
    assert [(s.day, timezone.localtime(s.starts_at).hour, s.break_minutes) for s in copied] == [
        (MONDAY, 8, 30),
        (MONDAY + dt.timedelta(days=1), 9, 0),
    ]
    assert not Shift.objects.filter(agent=outsider, day__gte=MONDAY).exists()
    assert Shift.objects.filter(agent=agent2, day=MONDAY).count() == 1

    again = schedule.shift_copy_week(to_week=MONDAY, team=team, actor=supervisor)
    assert (again.copied, again.skipped) == (0, 3)
    assert AuditEvent.objects.filter(action="shift_copy_week").count() == 2


def test_copied_shifts_keep_the_wall_clock_across_a_dst_change(agent, supervisor):
    # 8 March 2026 is the US change to daylight time: Monday 2 March 08:00 MST becomes
    # Monday 9 March 08:00 MDT, not 09:00.
    source = dt.date(2026, 3, 2)
    _shift(agent, supervisor, source, 8, 16)
    schedule.shift_copy_week(to_week=dt.date(2026, 3, 9), actor=supervisor)
    copy = Shift.objects.get(day=dt.date(2026, 3, 9))
    assert timezone.localtime(copy.starts_at).hour == 8
    assert copy.scheduled_seconds == 8 * 3600


def test_copied_shifts_count_in_attendance(agent, supervisor):
    _shift(agent, supervisor, PREV_MONDAY, 8, 16)
    _logged_in_between(agent, local(2026, 2, 9, 8, 5), local(2026, 2, 9, 15))
    schedule.shift_copy_week(to_week=MONDAY, actor=supervisor)
    row = metrics_for_period(user=supervisor, start=MONDAY, end=MONDAY).rows[0]
    assert (row["shifts_scheduled"], row["shifts_attended"]) == (1, 1)
    assert row["adherence_percent"] > 80


def test_week_grid_puts_each_shift_under_its_agent_and_day(agent, agent2, supervisor, team):
    _shift(agent, supervisor, MONDAY + dt.timedelta(days=2), 8, 16)
    days, rows = schedule.schedule_week(week=MONDAY + dt.timedelta(days=4), team=team)
    assert days[0] == MONDAY and len(days) == 7
    by_agent = {r.agent.pk: r for r in rows}
    assert set(by_agent) == {agent.pk, agent2.pk}
    assert [len(cell) for cell in by_agent[agent.pk].days] == [0, 0, 1, 0, 0, 0, 0]


# --- Script services -----------------------------------------------------------------------------


@pytest.fixture
def tree(supervisor):
    """ask (question): Yes -> safety (required statement) -> done (end); No -> (nothing);
    orphan (statement) reached by nothing."""
    script = script_editor.script_create(
        name="Outage", call_type="trouble_ticket", actor=supervisor
    )
    done = script_editor.script_node_add(
        script=script, key="done", kind="end", text="Thanks.", position=9, actor=supervisor
    )
    safety = script_editor.script_node_add(
        script=script,
        key="safety",
        kind="statement",
        text="Stay away from downed lines.",
        required=True,
        position=2,
        next_node=done,
        actor=supervisor,
    )
    ask = script_editor.script_node_add(
        script=script,
        key="ask",
        kind="question",
        text="Is the power out?",
        position=1,
        actor=supervisor,
    )
    orphan = script_editor.script_node_add(
        script=script,
        key="orphan",
        kind="statement",
        text="Never read.",
        position=5,
        actor=supervisor,
    )
    yes = script_editor.script_option_add(node=ask, label="Yes", next_node=safety, actor=supervisor)
    no = script_editor.script_option_add(node=ask, label="No", position=2, actor=supervisor)
    return {
        "script": script,
        "ask": ask,
        "safety": safety,
        "done": done,
        "orphan": orphan,
        "yes": yes,
        "no": no,
    }


def test_outline_walks_from_the_start_and_flags_unreachable_steps_and_dangling_answers(tree):
    outline = script_editor.script_outline(tree["script"])
    assert [(line.depth, line.node.key, line.via) for line in outline.lines] == [
        (0, "ask", ""),
        (1, "safety", "Yes"),
        (1, "done", ""),
    ]
    assert [n.key for n in outline.unreachable] == ["orphan"]
    assert [o.label for o in outline.dangling_options] == ["No"]
    # The orphan statement leads nowhere, but it is listed as unreachable, not walked.
    assert not any(line.ends_here for line in outline.lines)


def test_outline_shows_a_loop_once(tree, supervisor):
    script_editor.script_option_update(
        option=tree["no"], label="Not sure", next_node=tree["ask"], position=2, actor=supervisor
    )
    outline = script_editor.script_outline(tree["script"])
    repeats = [(line.node.key, line.via) for line in outline.lines if line.repeat]
    assert repeats == [("ask", "Not sure")]
    assert outline.dangling_options == []


def test_new_script_is_inactive_until_it_has_steps(supervisor):
    script = script_editor.script_create(name="Billing", call_type="inquiry", actor=supervisor)
    assert script.active is False
    with pytest.raises(InvalidTransition):
        script_editor.script_set_active(script=script, active=True, actor=supervisor)
    script_editor.script_node_add(
        script=script, key="hello", kind="statement", text="Hello", actor=supervisor
    )
    assert script_editor.script_set_active(script=script, active=True, actor=supervisor).active


def test_step_rules_are_checked(tree, supervisor):
    other = script_editor.script_create(name="Other", call_type="inquiry", actor=supervisor)
    with pytest.raises(ValidationFailed) as refused:
        script_editor.script_node_add(
            script=tree["script"], key="ask", kind="question", text="Again?", actor=supervisor
        )
    assert "key" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        script_editor.script_node_add(
            script=tree["script"],
            key="q2",
            kind="question",
            text="?",
            required=True,
            actor=supervisor,
        )
    assert "required" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        script_editor.script_option_add(node=tree["safety"], label="Yes", actor=supervisor)
    assert "label" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        script_editor.script_node_add(
            script=other,
            key="x",
            kind="statement",
            text="x",
            next_node=tree["done"],
            actor=supervisor,
        )
    assert "next_node" in refused.value.errors
    assert ScriptNode.objects.filter(script=tree["script"]).count() == 4


def test_a_script_without_runs_can_lose_steps_and_answers(tree, supervisor):
    script_editor.script_option_delete(option=tree["no"], actor=supervisor)
    script_editor.script_node_delete(node=tree["orphan"], actor=supervisor)
    assert not ScriptNode.objects.filter(key="orphan").exists()
    assert not ScriptOption.objects.filter(label="No").exists()


def test_a_script_with_runs_keeps_its_history(tree, supervisor, agent):
    tree["script"] = script_editor.script_set_active(
        script=tree["script"], active=True, actor=supervisor
    )
    run = scripting.script_start(script=tree["script"], actor=agent)
    run = scripting.script_answer(run=run, option=tree["yes"], actor=agent)
    run = scripting.script_answer(run=run, confirmed=True, actor=agent)
    answers = run.answers

    with pytest.raises(InvalidTransition):
        script_editor.script_node_delete(node=tree["orphan"], actor=supervisor)
    with pytest.raises(InvalidTransition):
        script_editor.script_option_delete(option=tree["no"], actor=supervisor)
    with pytest.raises(ValidationFailed) as refused:
        script_editor.script_node_update(
            node=tree["safety"], key="safety2", kind="statement", text="x", actor=supervisor
        )
    assert "key" in refused.value.errors
    # Rewording is safe: the run kept the text it showed.
    script_editor.script_node_update(
        node=tree["safety"],
        key="safety",
        kind="statement",
        text="Keep ten metres from downed lines.",
        required=True,
        position=2,
        next_node=tree["done"],
        actor=supervisor,
    )
    run.refresh_from_db()
    assert run.answers == answers
    assert run.answers[1]["text"] == "Stay away from downed lines."
    assert (run.required_total, run.required_confirmed) == (1, 1)
    assert ScriptNode.objects.filter(script=tree["script"]).count() == 4


def test_copy_makes_an_inactive_version_with_its_own_links(tree, supervisor):
    copy = script_editor.script_copy(script=tree["script"], actor=supervisor)
    assert copy.active is False and copy.pk != tree["script"].pk
    nodes = {n.key: n for n in copy.nodes.all()}
    assert set(nodes) == {"ask", "safety", "done", "orphan"}
    assert nodes["safety"].next_node == nodes["done"]
    yes = ScriptOption.objects.get(node=nodes["ask"], label="Yes")
    assert yes.next_node == nodes["safety"]
    outline = script_editor.script_outline(copy)
    assert [n.key for n in outline.unreachable] == ["orphan"]


def test_retired_script_cannot_be_started(tree, supervisor, agent):
    tree["script"] = script_editor.script_set_active(
        script=tree["script"], active=True, actor=supervisor
    )
    retired = script_editor.script_set_active(script=tree["script"], active=False, actor=supervisor)
    with pytest.raises(ValidationFailed):
        scripting.script_start(script=retired, actor=agent)


# --- Pages ---------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _post(client, page_url, url, data):
    """Open the page (it sets the CSRF cookie), then post its form with the token."""
    assert client.get(page_url).status_code == 200
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def _schedule_url(day=MONDAY, team=None):
    url = f"{reverse('contact:schedule')}?week={day.isoformat()}"
    return f"{url}&team={team.pk}" if team else url


def test_schedule_page_shows_the_week_with_attendance(agent, agent2, supervisor, team):
    outsider = make_agent("rep1", team=Team.objects.create(name="Other desk"), first_name="Zed")
    _logged_in_between(agent, local(2026, 2, 9, 9), local(2026, 2, 9, 10))
    _shift(agent, supervisor, MONDAY, 8, 16)
    _shift(agent2, supervisor, MONDAY, 12, 20)
    page = _client(supervisor).get(_schedule_url(MONDAY + dt.timedelta(days=2), team))
    html = page.content.decode()
    assert page.status_code == 200
    grid = html[html.index('data-testid="schedule-grid"') : html.index("</table>")]
    assert "Riley" in grid and "Marisol" in grid and "Zed" not in grid
    assert "08:00\u201316:00" in grid and "12:00\u201320:00" in grid
    assert grid.count("attended") == 1 and grid.count("absent") == 1
    assert f"week=2026-02-02&amp;team={team.pk}" in html  # previous week keeps the team
    assert "week=2026-02-16" in html
    assert outsider.display_name not in grid


def test_supervisor_adds_a_shift_on_the_page(agent, supervisor, team):
    client = _client(supervisor)
    response = _post(
        client,
        _schedule_url(),
        reverse("contact:shift_add"),
        {
            "agent": agent.pk,
            "day": "2026-02-11",
            "starts_at": "07:30",
            "ends_at": "15:30",
            "break_minutes": "30",
        },
    )
    assert response.status_code == 302
    shift = Shift.objects.get()
    assert timezone.localtime(shift.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-02-11 07:30"
    assert (shift.day, shift.break_minutes, shift.scheduled_seconds) == (
        dt.date(2026, 2, 11),
        30,
        8 * 3600,
    )
    assert "week=2026-02-09" in response["Location"]


def test_overlapping_shift_on_the_page_shows_the_error_on_the_start_field(agent, supervisor):
    _shift(agent, supervisor, MONDAY, 8, 16)
    response = _post(
        _client(supervisor),
        _schedule_url(),
        reverse("contact:shift_add"),
        {"agent": agent.pk, "day": "2026-02-09", "starts_at": "15:00", "ends_at": "18:00"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    errors = re.search(r'id="id_newshift_starts_at_errors"[^>]*>(.*?)</ul>', html, re.S)
    assert errors and "overlaps another shift" in errors.group(1)
    assert Shift.objects.count() == 1


def test_end_before_start_on_the_page_shows_the_error_on_the_end_field(agent, supervisor):
    response = _post(
        _client(supervisor),
        _schedule_url(),
        reverse("contact:shift_add"),
        {"agent": agent.pk, "day": "2026-02-09", "starts_at": "15:00", "ends_at": "09:00"},
    )
    assert response.status_code == 400
    assert 'id="id_newshift_ends_at_errors"' in response.content.decode()
    assert not Shift.objects.exists()


def test_supervisor_changes_and_removes_a_shift_on_the_page(agent, supervisor):
    shift = _shift(agent, supervisor, MONDAY, 8, 16)
    client = _client(supervisor)
    edit_url = reverse("contact:shift_edit", args=[shift.pk])
    response = _post(
        client,
        edit_url,
        edit_url,
        {"day": "2026-02-10", "starts_at": "09:00", "ends_at": "17:00", "break_minutes": "45"},
    )
    assert response.status_code == 302
    shift.refresh_from_db()
    assert (shift.day, shift.break_minutes) == (NEXT, 45)
    assert timezone.localtime(shift.starts_at).hour == 9
    response = _post(client, edit_url, reverse("contact:shift_delete", args=[shift.pk]), {})
    assert response.status_code == 302
    assert not Shift.objects.exists()


def test_copy_week_on_the_page_reports_copied_and_skipped(agent, agent2, supervisor, team):
    _shift(agent, supervisor, PREV_MONDAY, 8, 16)
    _shift(agent2, supervisor, PREV_MONDAY, 8, 16)
    _shift(agent2, supervisor, MONDAY, 9, 10)
    client = _client(supervisor)
    response = _post(
        client,
        _schedule_url(),
        reverse("contact:schedule_copy"),
        {"week": "2026-02-09", "team": team.pk},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Copied 1 shift from the week before; skipped 1" in page
    assert Shift.objects.filter(day=MONDAY).count() == 2


def test_forms_without_the_csrf_token_are_refused(agent, supervisor):
    client = _client(supervisor)
    response = client.post(
        reverse("contact:shift_add"),
        {"agent": agent.pk, "day": "2026-02-09", "starts_at": "08:00", "ends_at": "16:00"},
    )
    assert response.status_code == 403
    assert not Shift.objects.exists()


def test_agents_cannot_open_the_supervisor_pages(agent):
    client = _client(agent)
    assert client.get(reverse("contact:schedule")).status_code == 403
    assert client.get(reverse("contact:scripts")).status_code == 403


def test_scripts_page_lists_scripts_with_runs_and_adherence(tree, supervisor, agent):
    tree["script"] = script_editor.script_set_active(
        script=tree["script"], active=True, actor=supervisor
    )
    scripting.script_start(script=tree["script"], actor=agent)
    html = _client(supervisor).get(reverse("contact:scripts")).content.decode()
    table = html[html.index('data-testid="scripts"') :]
    row = table[table.index("Outage") : table.index("</tr>", table.index("Outage"))]
    assert "Trouble ticket" in row or "trouble" in row.lower()
    assert "active" in row
    assert re.search(r'<td class="num">4</td>\s*<td class="num">1</td>', row)
    assert reverse("contact:adherence") in row


def test_supervisor_builds_a_script_on_the_pages(supervisor):
    client = _client(supervisor)
    response = _post(
        client,
        reverse("contact:scripts"),
        reverse("contact:script_new"),
        {"name": "Move in", "call_type": "inquiry", "description": ""},
    )
    assert response.status_code == 302
    script = Script.objects.get(name="Move in")
    editor = reverse("contact:script_edit", args=[script.pk])
    assert response["Location"] == editor

    response = _post(
        client,
        editor,
        reverse("contact:script_node_add", args=[script.pk]),
        {"key": "date", "kind": "question", "text": "Moving in when?", "position": "1"},
    )
    ask = ScriptNode.objects.get(script=script, key="date")
    assert response["Location"] == reverse("contact:script_node", args=[ask.pk])
    _post(
        client,
        editor,
        reverse("contact:script_node_add", args=[script.pk]),
        {"key": "bye", "kind": "end", "text": "Welcome!", "position": "5"},
    )
    _post(
        client,
        editor,
        reverse("contact:script_node_add", args=[script.pk]),
        {"key": "lost", "kind": "statement", "text": "Nobody reads this.", "position": "3"},
    )
    bye = ScriptNode.objects.get(script=script, key="bye")
    node_page = reverse("contact:script_node", args=[ask.pk])
    response = _post(
        client,
        node_page,
        reverse("contact:script_option_add", args=[ask.pk]),
        {"label": "This month", "next_node": bye.pk, "position": "1"},
    )
    assert response.status_code == 302
    _post(
        client,
        node_page,
        reverse("contact:script_option_add", args=[ask.pk]),
        {"label": "Not sure", "position": "2"},
    )
    response = _post(
        client, editor, reverse("contact:script_active", args=[script.pk]), {"active": "1"}
    )
    assert response.status_code == 302
    script.refresh_from_db()
    assert script.active

    html = client.get(editor).content.decode()
    outline = html[
        html.index('data-testid="outline-tree"') : html.index('data-testid="unreachable"')
    ]
    assert outline.index(">date<") < outline.index("“This month”") < outline.index(">bye<")
    assert "<ul><li>" in outline.replace("\n", "").replace(" ", "")  # the branch is indented
    unreachable = html[html.index('data-testid="unreachable"') :]
    assert ">lost<" in unreachable[: unreachable.index("</ul>")]
    dangling = html[html.index('data-testid="dangling"') :]
    assert "Not sure" in dangling[: dangling.index("</ul>")]


def test_edits_that_would_lose_history_are_refused_on_the_pages(tree, supervisor, agent):
    tree["script"] = script_editor.script_set_active(
        script=tree["script"], active=True, actor=supervisor
    )
    scripting.script_start(script=tree["script"], actor=agent)
    client = _client(supervisor)
    node_page = reverse("contact:script_node", args=[tree["orphan"].pk])
    html = client.get(node_page).content.decode()
    assert "Delete step" not in html and "Copy it to a new version" in html
    response = _post(
        client, node_page, reverse("contact:script_node_delete", args=[tree["orphan"].pk]), {}
    )
    assert response.status_code == 409
    assert ScriptNode.objects.filter(pk=tree["orphan"].pk).exists()
    response = _post(
        client,
        node_page,
        node_page,
        {"key": "renamed", "kind": "statement", "text": "Never read.", "position": "5"},
    )
    assert response.status_code == 400
    assert ScriptNode.objects.get(pk=tree["orphan"].pk).key == "orphan"

    editor = reverse("contact:script_edit", args=[tree["script"].pk])
    response = _post(client, editor, reverse("contact:script_copy", args=[tree["script"].pk]), {})
    copy = Script.objects.exclude(pk=tree["script"].pk).get()
    assert response["Location"] == reverse("contact:script_edit", args=[copy.pk])
    assert copy.nodes.count() == 4 and not copy.active


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_schedule_page_costs_the_same_for_more_agents_and_shifts(agent, supervisor, team):
    client = _client(supervisor)
    _shift(agent, supervisor, MONDAY, 8, 16)
    few = _queries(client, _schedule_url())
    for n in range(4):
        extra = make_agent("rep1", team=team)
        for d in range(5):
            _shift(extra, supervisor, MONDAY + dt.timedelta(days=d), 8 + n, 16 + n)
    assert _queries(client, _schedule_url()) == few


def test_script_editor_costs_the_same_for_more_steps(tree, supervisor):
    client = _client(supervisor)
    url = reverse("contact:script_edit", args=[tree["script"].pk])
    few = _queries(client, url)
    previous = tree["done"]
    for n in range(6):
        previous = script_editor.script_node_add(
            script=tree["script"],
            key=f"extra{n}",
            kind="statement",
            text=f"Extra {n}",
            position=20 + n,
            next_node=previous,
            actor=supervisor,
        )
    assert _queries(client, url) == few


def test_a_night_shift_ends_the_next_morning(agent, supervisor):
    response = _post(
        _client(supervisor),
        _schedule_url(),
        reverse("contact:shift_add"),
        {"agent": agent.pk, "day": "2026-02-11", "starts_at": "22:00", "ends_at": "06:00"},
    )
    assert response.status_code == 302
    shift = Shift.objects.get()
    assert timezone.localtime(shift.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-02-11 22:00"
    assert timezone.localtime(shift.ends_at).strftime("%Y-%m-%d %H:%M") == "2026-02-12 06:00"
    assert (shift.day, shift.scheduled_seconds) == (dt.date(2026, 2, 11), 8 * 3600)


def test_a_shift_longer_than_the_setting_is_refused_on_the_end_field(agent, supervisor, settings):
    settings.CONTACT_SHIFT_MAX_HOURS = 12
    response = _post(
        _client(supervisor),
        _schedule_url(),
        reverse("contact:shift_add"),
        {"agent": agent.pk, "day": "2026-02-11", "starts_at": "06:00", "ends_at": "19:00"},
    )
    assert response.status_code == 400
    errors = re.search(
        r'id="id_newshift_ends_at_errors"[^>]*>(.*?)</ul>', response.content.decode(), re.S
    )
    assert errors and "at most 12 hours" in errors.group(1)
    assert not Shift.objects.exists()
