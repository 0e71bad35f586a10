"""The console's contact lifecycle: take, hold, hang up, wrap up; agent states and
log-in time; what the wrap-up writes (one note, not two)."""

from __future__ import annotations

import pytest

from servicebook.contact import services
from servicebook.contact.models import AgentStateSpan, Interaction
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.testing.factories import make_case, make_policy
from servicebook.customers.models import Note

from .conftest import DAY, NEXT, local

pytestmark = pytest.mark.django_db


def _call(agent, account, disposition, *, answer, holds=(), hang, wrap, case=None):
    interaction = services.interaction_start(agent=agent, account=account, actor=agent, now=answer)
    for start, end in holds:
        services.interaction_hold(interaction=interaction, actor=agent, now=start)
        services.interaction_resume(interaction=interaction, actor=agent, now=end)
    services.interaction_hang_up(interaction=interaction, actor=agent, now=hang)
    return services.interaction_wrap_up(
        interaction=interaction,
        wrap=services.WrapUp(summary="Asked about the bill", disposition=disposition, case=case),
        actor=agent,
        now=wrap,
    )


def test_talk_excludes_hold_and_handle_adds_wrap_up(agent, account, answered):
    call = _call(
        agent,
        account,
        answered,
        answer=local(2026, 2, 9, 9, 0),
        holds=[
            (local(2026, 2, 9, 9, 2), local(2026, 2, 9, 9, 3)),
            (local(2026, 2, 9, 9, 4), local(2026, 2, 9, 9, 4, 30)),
        ],
        hang=local(2026, 2, 9, 9, 6),
        wrap=local(2026, 2, 9, 9, 7),
    )
    assert (call.hold_seconds, call.hold_count) == (90, 2)
    assert call.talk_seconds == 360 - 90
    assert call.wrap_seconds == 60
    assert call.handle_seconds == 270 + 90 + 60
    assert call.counted_on == DAY


def test_wrap_up_ending_the_next_day_counts_on_the_next_day(agent, account, answered):
    call = _call(
        agent,
        account,
        answered,
        answer=local(2026, 2, 9, 23, 50),
        hang=local(2026, 2, 9, 23, 55),
        wrap=local(2026, 2, 10, 0, 1),
    )
    assert call.counted_on == NEXT
    assert (call.talk_seconds, call.wrap_seconds) == (300, 360)


def test_wrap_up_writes_one_account_note_and_the_interaction_links_it(agent, account, answered):
    before = Note.objects.filter(account=account).count()
    call = _call(
        agent,
        account,
        answered,
        answer=local(2026, 2, 9, 9, 0),
        hang=local(2026, 2, 9, 9, 5),
        wrap=local(2026, 2, 9, 9, 6),
    )
    assert Note.objects.filter(account=account).count() == before + 1
    assert call.note.summary == "Asked about the bill"
    assert call.note.occurred_at == local(2026, 2, 9, 9, 6)


def test_wrap_up_on_a_case_notes_the_case_too(agent, account, answered):
    make_policy(case_type="inquiry")
    case = make_case(account=account, case_type="inquiry")
    call = _call(
        agent,
        account,
        answered,
        answer=local(2026, 2, 9, 9, 0),
        hang=local(2026, 2, 9, 9, 5),
        wrap=local(2026, 2, 9, 9, 6),
        case=case,
    )
    assert call.case == case
    assert call.note is not None and call.note.case_ref == case.number
    assert case.notes.filter(body__contains="Asked about the bill").exists()


def test_wrap_up_needs_a_note_and_a_disposition(agent, account):
    interaction = services.interaction_start(agent=agent, account=account, actor=agent)
    with pytest.raises(ValidationFailed) as exc:
        services.interaction_wrap_up(
            interaction=interaction,
            wrap=services.WrapUp(summary=" ", disposition=None),
            actor=agent,
        )
    assert set(exc.value.errors) == {"summary", "disposition"}
    interaction.refresh_from_db()
    assert interaction.state == "talking"


def test_one_live_contact_per_agent(agent, account):
    services.interaction_start(agent=agent, account=account, actor=agent)
    with pytest.raises(InvalidTransition):
        services.interaction_start(agent=agent, account=account, actor=agent)
    assert Interaction.objects.filter(agent=agent).count() == 1


def test_second_hold_click_counts_one_hold(agent, account):
    interaction = services.interaction_start(agent=agent, account=account, actor=agent)
    services.interaction_hold(interaction=interaction, actor=agent)
    with pytest.raises(InvalidTransition):
        services.interaction_hold(interaction=interaction, actor=agent)
    interaction.refresh_from_db()
    assert interaction.hold_count == 1


def test_someone_else_cannot_touch_my_call(agent, agent2, account):
    interaction = services.interaction_start(agent=agent, account=account, actor=agent)
    with pytest.raises(InvalidTransition):
        services.interaction_hang_up(interaction=interaction, actor=agent2)


def test_states_follow_the_call_and_log_in_time_splits_at_midnight(agent, account, answered):
    services.agent_login(agent=agent, actor=agent, now=local(2026, 2, 9, 22, 0))
    services.agent_set_state(
        agent=agent, state="break", reason="lunch", actor=agent, now=local(2026, 2, 9, 22, 30)
    )
    services.agent_set_state(
        agent=agent, state="available", actor=agent, now=local(2026, 2, 9, 23, 0)
    )
    _call(
        agent,
        account,
        answered,
        answer=local(2026, 2, 9, 23, 50),
        hang=local(2026, 2, 10, 0, 10),
        wrap=local(2026, 2, 10, 0, 12),
    )
    services.agent_logout(agent=agent, actor=agent, now=local(2026, 2, 10, 1, 0))
    spans = list(AgentStateSpan.objects.filter(agent=agent).order_by("started_at"))
    assert [(s.state, s.day, s.seconds) for s in spans] == [
        ("available", DAY, 1800),
        ("break", DAY, 1800),
        ("available", DAY, 3000),
        ("on_call", DAY, 600),
        ("on_call", NEXT, 600),
        ("wrap_up", NEXT, 120),
        ("available", NEXT, 2880),
    ]
    assert spans[1].reason == "lunch"
    assert sum(s.seconds for s in spans) == 3 * 3600


def test_break_needs_a_reason_and_a_session(agent):
    with pytest.raises(InvalidTransition):
        services.agent_set_state(agent=agent, state="break", reason="lunch", actor=agent)
    services.agent_login(agent=agent, actor=agent)
    with pytest.raises(ValidationFailed):
        services.agent_set_state(agent=agent, state="break", reason="", actor=agent)


def test_cannot_go_on_break_during_a_call(agent, account):
    services.agent_login(agent=agent, actor=agent)
    services.interaction_start(agent=agent, account=account, actor=agent)
    with pytest.raises(InvalidTransition):
        services.agent_set_state(agent=agent, state="break", reason="lunch", actor=agent)
