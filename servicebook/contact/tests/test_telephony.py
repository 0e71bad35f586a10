"""Caller-ID screen pop (the PBX's endpoint, the agent's console), and answering-service
messages by email or API queued as callback cases."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from servicebook.contact import services
from servicebook.contact.answering import parse_answering_email
from servicebook.contact.models import Interaction, ScreenPop
from servicebook.core.errors import InvalidTransition
from servicebook.core.testing.factories import PASSWORD, make_account, make_policy, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pbx_token(db):
    _, token = services.pbx_issue_token(name="Asterisk")
    return token


def _pop(token, **body):
    return APIClient().post("/api/contact/screen-pop/", body, format="json", HTTP_X_PBX_TOKEN=token)


@pytest.mark.parametrize(
    "caller",
    [
        "(303) 555-0147",
        "303.555.0147",
        "3035550147",
        "+1 303 555 0147",
        "1-303-555-0147",
        "13035550147",
    ],
)
def test_screen_pop_finds_the_account_for_a_number_in_any_format(pbx_token, agent, account, caller):
    response = _pop(pbx_token, caller=caller, extension="201", call_id=f"c-{caller}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["agent"] == agent.username
    assert body["caller_number"] == "+13035550147"
    assert [a["id"] for a in body["accounts"]] == [account.pk]


def test_screen_pop_needs_the_pbx_token_not_a_session(pbx_token, agent, account, supervisor):
    assert _pop("wrong", caller="3035550147", extension="201").status_code == 403
    client = APIClient()
    client.force_authenticate(supervisor)
    assert (
        client.post(
            "/api/contact/screen-pop/", {"caller": "3035550147", "extension": "201"}, format="json"
        ).status_code
        == 403
    )
    assert ScreenPop.objects.count() == 0


def test_the_same_ring_announced_twice_is_one_pop(pbx_token, agent, account):
    first = _pop(pbx_token, caller="3035550147", extension="201", call_id="1.1").json()
    second = _pop(pbx_token, caller="3035550147", extension="201", call_id="1.1").json()
    assert first["pop"] == second["pop"] and ScreenPop.objects.count() == 1


def test_unknown_number_pops_with_no_account(pbx_token, agent, account):
    body = _pop(pbx_token, caller="720 555 0999", extension="PJSIP/201").json()
    assert body["accounts"] == [] and body["agent"] == agent.username


def test_agent_console_shows_the_pop_and_taking_it_opens_the_account(
    client, pbx_token, agent, account
):
    _pop(pbx_token, caller="303-555-0147", extension="201", call_id="9.9")
    client.login(username=agent.username, password=PASSWORD)
    fragment = client.get(reverse("contact:agent_incoming")).content.decode()
    assert "Incoming call" in fragment and account.number in fragment
    pop = ScreenPop.objects.get()
    response = client.post(reverse("contact:pop_take", args=[pop.pk]), {"account": account.pk})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("customers:account_detail", args=[account.pk]))
    call = Interaction.objects.get()
    assert (call.agent, call.account, call.state, call.call_id) == (
        agent,
        account,
        "talking",
        "9.9",
    )
    assert call.ring_at == pop.received_at
    page = client.get(reverse("customers:account_detail", args=[account.pk])).content.decode()
    assert 'data-testid="call-timer"' in page and "Finish wrap-up" in page


def test_a_pop_is_taken_once(pbx_token, agent, account):
    _pop(pbx_token, caller="3035550147", extension="201", call_id="2.2")
    pop = ScreenPop.objects.get()
    services.pop_take(pop=pop, actor=agent)
    with pytest.raises(InvalidTransition):
        services.pop_take(pop=pop, actor=agent)
    assert Interaction.objects.count() == 1


def test_another_agent_cannot_take_my_pop(pbx_token, agent, agent2, account):
    _pop(pbx_token, caller="3035550147", extension="201")
    with pytest.raises(InvalidTransition):
        services.pop_take(pop=ScreenPop.objects.get(), actor=agent2)


EMAIL = b"""From: Night Desk <desk@answering.example>
To: callbacks@utility.example
Subject: Message for Customer Care
Date: Mon, 09 Feb 2026 22:14:00 -0700
Message-ID: <msg-42@answering.example>
Content-Type: text/plain; charset=utf-8

Caller: Jane Caller
Phone: (303) 555-0147
Message: No heat since this evening.
Please call back before 9.
"""


def test_answering_email_is_parsed():
    message = parse_answering_email(EMAIL)
    assert message.message_id == "msg-42@answering.example"
    assert message.caller_name == "Jane Caller"
    assert message.callback_number == "(303) 555-0147"
    assert message.body.startswith("Message for Customer Care\nNo heat since this evening.")
    assert "call back before 9" in message.body


def test_answering_message_becomes_a_callback_case_with_its_sla_once(account, supervisor):
    make_policy(case_type="callback", priority="high", first_response=30, resolution=240)
    rep = make_user("rep1")
    interaction, created = services.answering_message_receive(
        message=parse_answering_email(EMAIL), source="email", actor=rep
    )
    again, created_again = services.answering_message_receive(
        message=parse_answering_email(EMAIL), source="email", actor=rep
    )
    assert (created, created_again) == (True, False) and again.pk == interaction.pk
    case = interaction.case
    assert (case.case_type, case.priority, case.account) == ("callback", "high", account)
    assert case.first_response_due is not None and case.sla_policy is not None
    assert interaction.channel == "answering_service" and interaction.state == "done"


def test_unmatched_message_waits_until_an_agent_names_the_account(agent, supervisor):
    other = make_account(actor=supervisor, last_name="Elsewhere", phone="720-555-0111")
    message = services.AnsweringMessage(
        message_id="m-9", received_at=timezone.now(), callback_number="970 555 0100", body="Call me"
    )
    interaction, _ = services.answering_message_receive(message=message, actor=agent)
    assert interaction.state == "queued" and interaction.case is None
    case = services.answering_message_match(interaction=interaction, account=other, actor=agent)
    interaction.refresh_from_db()
    assert interaction.case == case and case.case_type == "callback"
    with pytest.raises(InvalidTransition):
        services.answering_message_match(interaction=interaction, account=other, actor=agent)


def test_answering_message_api(account, agent):
    client = APIClient()
    client.force_authenticate(agent)
    body = {"message_id": "api-1", "callback_number": "303 555 0147", "body": "Leak"}
    first = client.post("/api/contact/answering-messages/", body, format="json")
    second = client.post("/api/contact/answering-messages/", body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["case"] and first.json()["case"] == second.json()["case"]
