"""Imports of the PBX's records: Master.csv (CDR) and queue_log. Matched to agents and
accounts, safe to run twice, with a report of the rows they could not use."""

from __future__ import annotations

import io

import pytest

from servicebook.contact import importers, services
from servicebook.contact.importers import import_cdr, import_queue_log
from servicebook.contact.models import AgentStateSpan, Interaction, QueueCall, Shift

from .conftest import DAY, local

pytestmark = pytest.mark.django_db


def cdr_line(
    src="3035550147",
    dst="5000",
    channel="PJSIP/trunk-00000001",
    dstchannel="PJSIP/201-0000000a",
    start="2026-02-09 09:10:00",
    answer="2026-02-09 09:10:05",
    end="2026-02-09 09:12:00",
    duration=120,
    billsec=115,
    disposition="ANSWERED",
    uniqueid="1770653400.1",
    lastapp="Queue",
    lastdata="support,t,,,300",
):
    cols = [
        "",
        src,
        dst,
        "from-trunk",
        f'"Jane Caller" <{src}>',
        channel,
        dstchannel,
        lastapp,
        lastdata,
        start,
        answer,
        end,
        str(duration),
        str(billsec),
        disposition,
        "DOCUMENTATION",
        uniqueid,
        "",
    ]
    return ",".join(f'"{c}"' if "," in c or '"' in c else c for c in cols)


def _csv(*lines) -> io.StringIO:
    return io.StringIO("\n".join(lines) + "\n")


def test_cdr_rows_become_agents_calls_matched_to_accounts(agent, account, supervisor):
    report = import_cdr(_csv(cdr_line(src="(303) 555-0147")), actor=supervisor)
    assert (report.inserted, report.rejected_count) == (1, 0)
    call = Interaction.objects.get()
    assert call.agent == agent
    assert call.account == account
    assert call.direction == "inbound"
    assert (call.talk_seconds, call.ring_seconds, call.handle_seconds) == (115, 5, 115)
    assert call.counted_on == DAY and call.handled
    assert call.queue_name == "support"


def test_importing_the_same_file_twice_counts_nothing_twice(agent, account, supervisor):
    lines = [
        cdr_line(uniqueid="1.1"),
        cdr_line(
            uniqueid="1.2",
            start="2026-02-09 10:00:00",
            answer="2026-02-09 10:00:09",
            end="2026-02-09 10:03:00",
            duration=180,
            billsec=171,
        ),
    ]
    first = import_cdr(_csv(*lines), actor=supervisor)
    second = import_cdr(_csv(*lines), actor=supervisor)
    assert (first.inserted, first.duplicates) == (2, 0)
    assert (second.inserted, second.duplicates) == (0, 2)
    assert Interaction.objects.count() == 2


def _calls(count: int, first: int = 0) -> list[str]:
    """`count` answered calls a minute apart, with call ids first..first+count-1."""
    return [
        cdr_line(
            uniqueid=f"2.{n}",
            start=f"2026-02-09 11:{n:02d}:00",
            answer=f"2026-02-09 11:{n:02d}:04",
            end=f"2026-02-09 11:{n:02d}:50",
            duration=50,
            billsec=46,
        )
        for n in range(first, first + count)
    ]


def test_a_file_of_many_batches_counts_each_batch_once(agent, account, supervisor, monkeypatch):
    """Batches of two: on PostgreSQL each batch's insert runs while the next is parsed, and
    its count must still land in the report; a second file that overlaps the first inserts
    only its new calls."""
    monkeypatch.setattr(importers, "BATCH", 2)
    first = import_cdr(_csv(*_calls(7)), actor=supervisor)
    assert (first.rows, first.inserted, first.duplicates) == (7, 7, 0)
    second = import_cdr(_csv(*_calls(7, first=4)), actor=supervisor)
    assert (second.rows, second.inserted, second.duplicates) == (7, 4, 3)
    assert Interaction.objects.count() == 11
    assert sorted(Interaction.objects.values_list("call_id", flat=True)) == sorted(
        f"2.{n}" for n in range(11)
    )
    assert set(Interaction.objects.values_list("talk_seconds", flat=True)) == {46}


def test_bad_rows_are_reported_with_their_row_number_and_the_good_ones_imported(
    agent, account, supervisor
):
    report = import_cdr(
        _csv(
            cdr_line(uniqueid="ok.1"),
            "not,enough,columns",
            cdr_line(uniqueid="bad.2", start="yesterday"),
            cdr_line(uniqueid="bad.3", dstchannel="PJSIP/999-0000000b"),
            cdr_line(uniqueid="bad.4", answer="2026-02-09 09:13:00"),
            cdr_line(uniqueid="bad.5", disposition="MAYBE"),
        ),
        actor=supervisor,
    )
    assert report.inserted == 1
    rows = dict(report.rejected)
    assert set(rows) == {2, 3, 4, 5, 6}
    assert "columns" in rows[2]
    assert "date and time" in rows[3]
    assert "no agent" in rows[4]
    assert "out of order" in rows[5]
    assert "disposition" in rows[6]
    assert "row 4:" in report.as_text()


def test_transferred_call_counts_for_each_agent_who_talked(agent, agent2, supervisor):
    report = import_cdr(
        _csv(
            cdr_line(
                uniqueid="7.1",
                dstchannel="PJSIP/201-0001",
                answer="2026-02-09 09:10:05",
                end="2026-02-09 09:12:00",
                billsec=115,
            ),
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
    assert report.inserted == 2
    first, second = Interaction.objects.order_by("answered_at")
    assert (first.agent, first.transferred, first.talk_seconds) == (agent, True, 115)
    assert (second.agent, second.transferred, second.talk_seconds) == (agent2, False, 170)


def test_unanswered_leg_is_kept_as_missed_not_handled(agent, supervisor):
    import_cdr(_csv(cdr_line(answer="", billsec=0, disposition="NO ANSWER")), actor=supervisor)
    call = Interaction.objects.get()
    assert (call.state, call.handled, call.talk_seconds) == ("missed", False, 0)


def test_outbound_call_belongs_to_the_calling_agent(agent, account, supervisor):
    import_cdr(
        _csv(
            cdr_line(
                src="201",
                dst="3035550147",
                channel="PJSIP/201-000000aa",
                dstchannel="PJSIP/trunk-000000ab",
                lastapp="Dial",
                lastdata="PJSIP/trunk/3035550147",
            )
        ),
        actor=supervisor,
    )
    call = Interaction.objects.get()
    assert (call.agent, call.direction, call.account) == (agent, "outbound", account)


def test_pbx_leg_of_a_console_call_merges_instead_of_doubling(agent, account, answered, supervisor):
    interaction = services.interaction_start(
        agent=agent, account=account, call_id="55.1", actor=agent, now=local(2026, 2, 9, 9, 10, 6)
    )
    services.interaction_wrap_up(
        interaction=interaction,
        wrap=services.WrapUp(summary="Billing", disposition=answered),
        actor=agent,
        now=local(2026, 2, 9, 9, 13),
    )
    report = import_cdr(_csv(cdr_line(uniqueid="55.1")), actor=supervisor)
    again = import_cdr(_csv(cdr_line(uniqueid="55.1")), actor=supervisor)
    assert (report.merged, report.inserted, again.inserted) == (1, 0, 0)
    interaction.refresh_from_db()
    assert Interaction.objects.count() == 1
    assert interaction.talk_seconds == 115
    assert interaction.wrap_seconds == 60  # 09:12:00 (PBX hang-up) to 09:13:00
    assert interaction.handle_seconds == 175


QUEUE_LOG = """\
1770652800|NONE|NONE|PJSIP/201|ADDMEMBER|
1770652800|NONE|NONE|PJSIP/202|ADDMEMBER|
1770653000|1.1|support|NONE|ENTERQUEUE||3035550147|1
1770653010|1.1|support|PJSIP/201|CONNECT|10|1.2|3
1770653130|1.1|support|PJSIP/201|COMPLETECALLER|10|120|1
1770653200|2.1|support|NONE|ENTERQUEUE||7205550100|1
1770653230|2.1|support|NONE|ABANDON|1|1|30
1770653300|3.1|support|NONE|ENTERQUEUE||7205550101|1
1770653303|3.1|support|NONE|ABANDON|1|1|3
1770653400|4.1|support|NONE|ENTERQUEUE||7205550102|1
1770653445|4.1|support|PJSIP/202|CONNECT|45|4.2|5
1770653505|4.1|support|PJSIP/202|COMPLETEAGENT|45|60|1
1770654000|NONE|NONE|PJSIP/201|PAUSE|lunch
1770655800|NONE|NONE|PJSIP/201|UNPAUSE|
1770656400|NONE|NONE|PJSIP/201|REMOVEMEMBER|
1770656400|NONE|NONE|PJSIP/202|REMOVEMEMBER|
"""


def test_queue_log_gives_queue_calls_and_agent_states(agent, agent2, supervisor, team):
    report = import_queue_log(io.StringIO(QUEUE_LOG), actor=supervisor)
    assert report.rejected_count == 0, report.as_text()
    calls = {c.call_id: c for c in QueueCall.objects.all()}
    assert calls["1.1"].outcome == "answered" and calls["1.1"].wait_seconds == 10
    assert calls["1.1"].agent == agent and calls["1.1"].team == team
    assert calls["2.1"].outcome == "abandoned" and calls["2.1"].wait_seconds == 30
    assert calls["4.1"].wait_seconds == 45 and calls["4.1"].talk_seconds == 60
    spans = AgentStateSpan.objects.filter(agent=agent).order_by("started_at")
    assert [s.state for s in spans] == ["available", "on_call", "available", "break", "available"]
    assert sum(s.seconds for s in spans) == 3600
    assert spans.get(state="break").reason == "lunch"


def test_queue_log_twice_counts_nothing_twice(agent, agent2, supervisor):
    import_queue_log(io.StringIO(QUEUE_LOG), actor=supervisor)
    counts = (QueueCall.objects.count(), AgentStateSpan.objects.count())
    again = import_queue_log(io.StringIO(QUEUE_LOG), actor=supervisor)
    assert (QueueCall.objects.count(), AgentStateSpan.objects.count()) == counts
    assert again.inserted == 0 and again.duplicates == 4


def test_queue_log_reports_unknown_members_and_calls_without_their_start(agent, supervisor):
    report = import_queue_log(
        io.StringIO(
            "1770652800|NONE|NONE|SIP/999|ADDMEMBER|\n"
            "1770653010|9.1|support|PJSIP/201|CONNECT|10|9.2|3\n"
            "garbage\n"
            "1770653000|8.1|support|NONE|ENTERQUEUE||3035550147|1\n"
        ),
        actor=supervisor,
    )
    reasons = dict(report.rejected)
    assert "unknown queue member" in reasons[1]
    assert "without its ENTERQUEUE" in reasons[2]
    assert "fields" in reasons[3]
    assert "no end in this file" in reasons[4]


def test_shift_attendance_and_in_shift_time_from_imported_states(agent, agent2, supervisor):
    shift = services.shift_schedule(
        agent=agent,
        starts_at=local(2026, 2, 9, 9, 0),
        ends_at=local(2026, 2, 9, 10, 0),
        actor=supervisor,
    )
    import_queue_log(io.StringIO(QUEUE_LOG), actor=supervisor)
    shift.refresh_from_db()
    assert shift.attended
    in_shift = sum(s.in_shift_seconds for s in AgentStateSpan.objects.filter(agent=agent))
    # Logged in 09:00 (1770652800) to 10:00 (REMOVEMEMBER), the lunch pause included:
    # in-shift time counts every state; adherence leaves the break out (test_metrics).
    assert in_shift == 3600
    assert Shift.objects.get(pk=shift.pk).scheduled_seconds == 3600


def test_imported_repeat_calls_count_against_first_contact_resolution(agent, account, supervisor):
    """A caller who rings again two days later was not resolved on the first call; one who
    rings again after the window was. Importing the file again changes nothing."""
    lines = [
        cdr_line(uniqueid="2.1"),
        cdr_line(
            uniqueid="2.2",
            start="2026-02-11 09:00:00",
            answer="2026-02-11 09:00:04",
            end="2026-02-11 09:05:00",
            duration=300,
            billsec=296,
        ),
        cdr_line(
            uniqueid="2.3",
            start="2026-02-25 09:00:00",
            answer="2026-02-25 09:00:04",
            end="2026-02-25 09:05:00",
            duration=300,
            billsec=296,
        ),
    ]
    report = import_cdr(_csv(*lines), actor=supervisor)
    assert report.inserted == 3
    flags = dict(Interaction.objects.values_list("call_id", "repeated"))
    assert flags == {"2.1": True, "2.2": False, "2.3": False}
    import_cdr(_csv(*lines), actor=supervisor)
    assert dict(Interaction.objects.values_list("call_id", "repeated")) == flags


def test_a_later_console_contact_makes_an_imported_call_a_repeat(agent, account, supervisor):
    """An imported call has no wrap-up: it ends at hang-up, and a console contact from the
    same account within the window marks it as a repeat."""
    import_cdr(_csv(cdr_line(uniqueid="3.1")), actor=supervisor)
    imported = Interaction.objects.get(call_id="3.1")
    assert not imported.repeated
    marked = services.mark_repeats(
        account_id=account.pk, case_id=None, before=local(2026, 2, 10, 10, 0)
    )
    assert marked == 1
    imported.refresh_from_db()
    assert imported.repeated
