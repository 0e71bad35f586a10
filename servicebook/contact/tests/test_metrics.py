"""The metric definitions on hand-built call sets: holds, transfers, abandoned calls,
calls crossing midnight, wrap-up ending the next day, re-import, attendance and adherence,
first-contact resolution, quality; and the API contract."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from servicebook.contact import services
from servicebook.contact.importers import import_cdr, import_queue_log
from servicebook.contact.metrics import metrics_for_period
from servicebook.contact.models import EvaluationCriterion, EvaluationForm
from servicebook.contact.quality import evaluation_record, weighted_score
from servicebook.core.testing.factories import make_account, make_user

from .conftest import DAY, NEXT, local
from .test_imports import QUEUE_LOG, _csv, cdr_line

pytestmark = pytest.mark.django_db


def _call(agent, account, disposition, answer, hang, wrap, holds=(), case=None):
    i = services.interaction_start(agent=agent, account=account, actor=agent, now=answer)
    for start, end in holds:
        services.interaction_hold(interaction=i, actor=agent, now=start)
        services.interaction_resume(interaction=i, actor=agent, now=end)
    services.interaction_hang_up(interaction=i, actor=agent, now=hang)
    return services.interaction_wrap_up(
        interaction=i,
        wrap=services.WrapUp(summary="Call", disposition=disposition, case=case),
        actor=agent,
        now=wrap,
    )


@pytest.fixture
def day_of_calls(agent, agent2, account, answered):
    """Riley: one call with two holds on the 9th, one crossing midnight into the 10th.
    Marisol: one call whose wrap-up ends after midnight (counts on the 10th)."""
    _call(
        agent,
        account,
        answered,
        local(2026, 2, 9, 9, 0),
        local(2026, 2, 9, 9, 6),
        local(2026, 2, 9, 9, 7),
        holds=[
            (local(2026, 2, 9, 9, 2), local(2026, 2, 9, 9, 3)),
            (local(2026, 2, 9, 9, 4), local(2026, 2, 9, 9, 4, 30)),
        ],
    )
    _call(
        agent,
        None,
        answered,
        local(2026, 2, 9, 23, 58),
        local(2026, 2, 10, 0, 3),
        local(2026, 2, 10, 0, 4),
    )
    _call(
        agent2,
        None,
        answered,
        local(2026, 2, 9, 23, 50),
        local(2026, 2, 9, 23, 55),
        local(2026, 2, 10, 0, 1),
    )


def _row(result, key):
    return next(r for r in result.rows if r["key"] == key)


def test_averages_per_agent_over_the_calls_counted_in_the_period(
    day_of_calls, agent, agent2, supervisor
):
    one_day = metrics_for_period(user=supervisor, start=DAY, end=DAY, group_by="agent")
    riley = _row(one_day, str(agent.pk))
    assert riley["calls_handled"] == 1
    assert (riley["avg_talk_seconds"], riley["avg_hold_seconds"], riley["hold_count"]) == (
        270,
        90,
        2,
    )
    assert (riley["avg_wrap_seconds"], riley["avg_handle_seconds"]) == (60, 420)
    # Marisol's call wrapped up after midnight: it counts on the 10th, though her time on
    # it before midnight is log-in time of the 9th.
    marisol = _row(one_day, str(agent2.pk))
    assert (marisol["calls_handled"], marisol["on_call_seconds"]) == (0, 300)

    two_days = metrics_for_period(user=supervisor, start=DAY, end=NEXT, group_by="agent")
    riley = _row(two_days, str(agent.pk))
    assert riley["calls_handled"] == 2
    assert riley["avg_talk_seconds"] == (270 + 300) // 2
    assert riley["avg_handle_seconds"] == (420 + 360) // 2
    assert riley["days_worked"] == 2 and riley["calls_per_day"] == 1.0


def test_call_crossing_midnight_counts_once_on_the_day_it_ended(day_of_calls, supervisor):
    by_day = metrics_for_period(user=supervisor, start=DAY, end=NEXT, group_by="day")
    assert [(r["key"], r["calls_handled"]) for r in by_day.rows] == [
        (DAY.isoformat(), 1),
        (NEXT.isoformat(), 2),
    ]
    assert by_day.total["calls_handled"] == 3


def test_team_rows_add_up_to_the_total(day_of_calls, supervisor, team):
    by_team = metrics_for_period(user=supervisor, start=DAY, end=NEXT, group_by="team")
    assert [r["label"] for r in by_team.rows] == ["Customer care"]
    assert by_team.rows[0]["calls_handled"] == by_team.total["calls_handled"] == 3
    assert by_team.rows[0]["handle_seconds"] == 420 + 360 + 660


def test_abandon_rate_and_service_level_from_the_queue_log(agent, agent2, supervisor, team):
    import_queue_log(io.StringIO(QUEUE_LOG), actor=supervisor)
    result = metrics_for_period(user=supervisor, start=DAY, end=DAY, group_by="team")
    row = result.rows[0]
    # Four callers: answered in 10 s, abandoned after 30 s, abandoned after 3 s (a short
    # abandon, not offered), answered in 45 s. Offered 3; within 20 s: 1; abandoned: 1.
    assert (row["offered_calls"], row["answered_calls"], row["abandoned_calls"]) == (3, 2, 1)
    assert row["answered_within_threshold"] == 1
    assert row["service_level_percent"] == 33.3
    assert row["abandon_rate_percent"] == 33.3
    by_agent = metrics_for_period(user=supervisor, start=DAY, end=DAY, group_by="agent")
    assert all(r["service_level_percent"] is None for r in by_agent.rows)
    assert by_agent.total["service_level_percent"] == 33.3


def test_caller_sent_away_by_the_queue_is_offered_and_unanswered_not_abandoned(
    agent, agent2, supervisor, team
):
    timeout = (
        "1770653600|5.1|support|NONE|ENTERQUEUE||7205550103|1\n"
        "1770653900|5.1|support|NONE|EXITWITHTIMEOUT|1|1|300\n"
    )
    import_queue_log(io.StringIO(QUEUE_LOG + timeout), actor=supervisor)
    row = metrics_for_period(user=supervisor, start=DAY, end=DAY, group_by="team").rows[0]
    # The four callers of QUEUE_LOG (3 offered, 2 answered, 1 abandoned) and one timeout.
    assert (row["offered_calls"], row["answered_calls"], row["abandoned_calls"]) == (4, 2, 1)
    assert row["abandon_rate_percent"] == 25.0
    assert row["service_level_percent"] == 25.0


def test_service_level_threshold_is_a_setting(agent, agent2, supervisor, settings):
    settings.CONTACT_SERVICE_LEVEL_SECONDS = 60
    import_queue_log(io.StringIO(QUEUE_LOG), actor=supervisor)
    result = metrics_for_period(user=supervisor, start=DAY, end=DAY, group_by="day")
    assert result.total["service_level_percent"] == 66.7


def test_transferred_call_is_a_handled_call_for_both_agents(agent, agent2, supervisor):
    import_cdr(
        _csv(
            cdr_line(uniqueid="7.1", dstchannel="PJSIP/201-0001", billsec=115),
            cdr_line(
                uniqueid="7.1",
                dstchannel="PJSIP/202-0002",
                start="2026-02-09 09:12:00",
                answer="2026-02-09 09:12:10",
                end="2026-02-09 09:15:00",
                duration=180,
                billsec=170,
            ),
        ),
        actor=supervisor,
    )
    result = metrics_for_period(user=supervisor, start=DAY, end=DAY, group_by="agent")
    assert {r["key"]: r["avg_talk_seconds"] for r in result.rows} == {
        str(agent.pk): 115,
        str(agent2.pk): 170,
    }


def test_reimport_leaves_every_figure_unchanged(agent, agent2, account, supervisor):
    cdr = [
        cdr_line(
            uniqueid=f"9.{n}",
            start=f"2026-02-09 1{n}:00:00",
            answer=f"2026-02-09 1{n}:00:07",
            end=f"2026-02-09 1{n}:04:00",
        )
        for n in range(5)
    ]
    import_cdr(_csv(*cdr), actor=supervisor)
    import_queue_log(io.StringIO(QUEUE_LOG), actor=supervisor)
    first = metrics_for_period(user=supervisor, start=DAY, end=DAY, group_by="day").total
    import_cdr(_csv(*cdr), actor=supervisor)
    import_queue_log(io.StringIO(QUEUE_LOG), actor=supervisor)
    again = metrics_for_period(user=supervisor, start=DAY, end=DAY, group_by="day").total
    assert first == again
    assert first["calls_handled"] == 5 and first["login_seconds"] == 2 * 3600


def test_log_in_phone_time_attendance_and_adherence(agent, agent2, supervisor):
    services.shift_schedule(
        agent=agent,
        starts_at=local(2026, 2, 9, 9, 0),
        ends_at=local(2026, 2, 9, 11, 0),
        break_minutes=30,
        actor=supervisor,
    )
    services.shift_schedule(
        agent=agent,
        starts_at=local(2026, 2, 10, 9, 0),
        ends_at=local(2026, 2, 10, 11, 0),
        actor=supervisor,
    )
    import_queue_log(io.StringIO(QUEUE_LOG), actor=supervisor)
    row = _row(metrics_for_period(user=supervisor, start=DAY, end=NEXT), str(agent.pk))
    # Logged in 09:00-10:00 with a 30-minute lunch pause and a 2-minute call.
    assert (row["login_seconds"], row["on_call_seconds"], row["break_seconds"]) == (3600, 120, 1800)
    assert row["phone_time_percent"] == 3.3
    assert (row["shifts_scheduled"], row["shifts_attended"], row["attendance_percent"]) == (
        2,
        1,
        50.0,
    )
    # In shift and not on break: 1800 s, out of 2 h + 2 h scheduled less 30 min planned break.
    assert row["adherent_seconds"] == 1800
    assert row["adherence_percent"] == round(100 * 1800 / (4 * 3600 - 1800), 1)


def test_first_contact_resolution_counts_repeats_within_the_window(
    agent, answered, supervisor, settings
):
    settings.CONTACT_FCR_DAYS = 7
    repeat = make_account(actor=supervisor, last_name="Again", phone="(303) 555-0199")
    once = make_account(actor=supervisor, last_name="Once", phone="(303) 555-0188")
    _call(
        agent,
        repeat,
        answered,
        local(2026, 2, 9, 9, 0),
        local(2026, 2, 9, 9, 5),
        local(2026, 2, 9, 9, 6),
    )
    _call(
        agent,
        once,
        answered,
        local(2026, 2, 9, 10, 0),
        local(2026, 2, 9, 10, 5),
        local(2026, 2, 9, 10, 6),
    )
    # The first caller rings again three days later: their first contact did not resolve it.
    _call(
        agent,
        repeat,
        answered,
        local(2026, 2, 12, 9, 0),
        local(2026, 2, 12, 9, 5),
        local(2026, 2, 12, 9, 6),
    )
    row = metrics_for_period(user=supervisor, start=DAY, end=DAY).rows[0]
    assert (row["fcr_contacts"], row["fcr_resolved"], row["fcr_percent"]) == (2, 1, 50.0)


def test_weighted_quality_score_and_average_per_agent(agent, account, answered, supervisor):
    form = EvaluationForm.objects.create(name="Calls")
    greet = EvaluationCriterion.objects.create(form=form, label="Greeting", weight=1, max_points=5)
    solve = EvaluationCriterion.objects.create(form=form, label="Solved it", weight=3, max_points=5)
    call = _call(
        agent,
        account,
        answered,
        local(2026, 2, 9, 9, 0),
        local(2026, 2, 9, 9, 5),
        local(2026, 2, 9, 9, 6),
    )
    first = evaluation_record(
        form=form, interaction=call, points={greet.pk: 5, solve.pk: 3}, actor=supervisor
    )
    second = evaluation_record(
        form=form, interaction=call, points={greet.pk: 2, solve.pk: 5}, actor=supervisor
    )
    assert first.score == Decimal("70.00")  # (1*5/5 + 3*3/5) / 4
    assert second.score == Decimal("85.00")  # (1*2/5 + 3*5/5) / 4
    assert weighted_score([(1, 1, 3)]) == Decimal("33.33")
    row = metrics_for_period(user=supervisor, start=DAY, end=DAY).rows[0]
    assert (row["evaluations"], row["quality_score"]) == (2, 77.5)


def test_metrics_api_contract(day_of_calls, agent, supervisor):
    client = APIClient()
    client.force_authenticate(supervisor)
    for path in ("/api/contact/metrics", "/api/contact/metrics/"):
        response = client.get(path, {"from": "2026-02-09", "to": "2026-02-10", "group_by": "agent"})
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["from"], body["to"], body["group_by"]) == ("2026-02-09", "2026-02-10", "agent")
        riley = next(r for r in body["rows"] if r["key"] == str(agent.pk))
        assert riley["calls_handled"] == 2 and riley["avg_handle_seconds"] == 390
        assert body["total"]["calls_handled"] == 3
        assert any(d["term"] == "Handle time" for d in body["definitions"])


def test_metrics_api_refuses_a_bad_period_and_agents(day_of_calls, agent, supervisor):
    client = APIClient()
    client.force_authenticate(supervisor)
    assert (
        client.get("/api/contact/metrics", {"from": "2026-02-10", "to": "2026-02-09"}).status_code
        == 400
    )
    assert client.get("/api/contact/metrics", {"from": "x", "to": "2026-02-09"}).status_code == 400
    assert (
        client.get(
            "/api/contact/metrics", {"from": "2026-02-09", "to": "2026-02-09", "group_by": "moon"}
        ).status_code
        == 400
    )
    client.force_authenticate(make_user("rep1"))
    assert (
        client.get("/api/contact/metrics", {"from": "2026-02-09", "to": "2026-02-09"}).status_code
        == 403
    )


def test_docs_write_every_metric_definition_as_the_dashboard_does(settings):
    """docs/contact.md repeats the dashboard's definitions (metrics.definitions(), one
    source); with the default settings every one must be there word for word."""
    from pathlib import Path

    from servicebook.contact.metrics import definitions

    settings.CONTACT_SHORT_ABANDON_SECONDS = 5
    settings.CONTACT_SERVICE_LEVEL_SECONDS = 20
    settings.CONTACT_SERVICE_LEVEL_TARGET_PERCENT = 80
    settings.CONTACT_FCR_DAYS = 7
    doc = (Path(__file__).resolve().parents[3] / "docs" / "contact.md").read_text()
    for term, text in definitions():
        assert f"| {term} | {text} |" in doc, term


def test_one_agents_quality_score_over_time(agent, agent2, account, answered, supervisor):
    """Scores per agent over time: the API (and the dashboard) narrowed to one agent, by
    day, gives that agent's score each day and nobody else's."""
    form = EvaluationForm.objects.create(name="Calls")
    mark = EvaluationCriterion.objects.create(form=form, label="Overall", weight=1, max_points=4)
    for who, day, points in ((agent, 9, 2), (agent, 10, 4), (agent2, 10, 1)):
        call = _call(
            who,
            account,
            answered,
            local(2026, 2, day, 9, 0),
            local(2026, 2, day, 9, 5),
            local(2026, 2, day, 9, 6),
        )
        evaluation_record(form=form, interaction=call, points={mark.pk: points}, actor=supervisor)
    client = APIClient()
    client.force_authenticate(supervisor)
    query = {"from": "2026-02-09", "to": "2026-02-10", "group_by": "day", "agent": agent.pk}
    body = client.get("/api/contact/metrics", query).json()
    assert [(r["key"], r["quality_score"]) for r in body["rows"]] == [
        ("2026-02-09", 50.0),
        ("2026-02-10", 100.0),
    ]
    assert body["total"]["calls_handled"] == 2 and body["total"]["quality_score"] == 75.0
    assert body["total"]["offered_calls"] == 0  # queue figures are no one agent's
    client.force_login(supervisor)
    page = client.get(
        "/contact/dashboard/",
        {"start": "2026-02-09", "end": "2026-02-10", "group_by": "day", "agent": agent.pk},
    )
    assert page.status_code == 200
    assert [r["raw"]["quality_score"] for r in page.context["rows"]] == [50.0, 100.0]
    assert b"chart-service-level" not in page.content  # no queue figures for one agent
    everyone = client.get("/contact/dashboard/", {"start": "2026-02-09", "end": "2026-02-10"})
    assert b"chart-service-level" in everyone.content
