"""The agent's call, in real Chromium: log in to take calls, the PBX announces a ringing
call, the console pops it (polling), the agent takes it, the account opens with the call
timer running, the agent follows the script (a branch and a required statement), puts the
caller on hold and back, and wraps up with a note, a disposition and a new case. The page
stays free of console errors and CSP violations and fits the desk screen; the database
agrees with what the page said."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient

from servicebook.contact import services
from servicebook.contact.models import Interaction, Script, ScriptNode, ScriptOption, ScriptRun
from servicebook.core.testing.browser import BrowserLog, assert_fits_width, login, save_screenshot
from servicebook.core.testing.factories import (
    PASSWORD,
    make_account,
    make_agent,
    make_disposition,
    make_policy,
    make_user,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(transactional_db, settings):
    settings.CONTACT_POP_POLL_SECONDS = 1
    agent = make_agent(
        "rep1", extension="201", username="agent.browser", first_name="Riley", last_name="Chen"
    )
    account = make_account(actor=make_user("admin"), last_name="Caller", phone="(303) 555-0147")
    make_policy(case_type="trouble_ticket")
    make_disposition("outage", "Outage reported")
    script = Script.objects.create(name="Power problem", call_type="trouble_ticket")
    greet = ScriptNode.objects.create(
        script=script,
        key="greet",
        kind="statement",
        position=1,
        required=True,
        text="This call may be recorded.",
    )
    out = ScriptNode.objects.create(
        script=script, key="out", kind="question", position=2, text="Is the power out?"
    )
    safety = ScriptNode.objects.create(
        script=script,
        key="safety",
        kind="statement",
        position=3,
        required=True,
        text="Stay away from downed lines.",
    )
    billing = ScriptNode.objects.create(
        script=script, key="billing", kind="statement", position=4, text="Let me look at your bill."
    )
    greet.next_node = out
    greet.save()
    ScriptOption.objects.create(node=out, label="Yes, it is out", next_node=safety, position=1)
    ScriptOption.objects.create(node=out, label="No", next_node=billing, position=2)
    _, token = services.pbx_issue_token(name="Asterisk")
    return {"agent": agent, "account": account, "token": token}


def test_agent_takes_a_screen_popped_call_through_a_script_to_wrap_up(
    page: Page, live_server, desk, browser_log: BrowserLog
):
    login(page, live_server.url, "agent.browser", PASSWORD)
    bar = page.locator("#agent-bar")
    expect(bar).to_contain_text("Logged out")
    bar.get_by_role("button", name="Log in to take calls").click()
    expect(page.get_by_test_id("agent-state")).to_contain_text("Available")

    # The PBX announces the ringing call; the console learns of it by polling.
    response = APIClient().post(
        "/api/contact/screen-pop/",
        {"caller": "303.555.0147", "extension": "201", "call_id": "1770653400.7"},
        format="json",
        HTTP_X_PBX_TOKEN=desk["token"],
    )
    assert response.status_code == 200
    pop = page.get_by_test_id("screen-pop")
    expect(pop).to_contain_text("Incoming call", timeout=8000)
    save_screenshot(page, "contact-1-screen-pop", full_page=False)
    pop.get_by_role("button", name=re.compile("Take call: Caller, Jane")).click()

    expect(page).to_have_url(re.compile(rf"/accounts/{desk['account'].pk}/"))
    panel = page.locator("#call-panel")
    expect(panel.get_by_test_id("call-timer")).to_have_text(re.compile(r"^0:0[1-9]$"), timeout=5000)
    expect(page.get_by_test_id("agent-state")).to_contain_text("On a call")

    panel.get_by_role("combobox", name="Call script").select_option(label="Power problem")
    panel.get_by_role("button", name="Start script").click()
    expect(panel).to_contain_text("This call may be recorded.")
    panel.get_by_label("I read this to the customer").check()
    panel.get_by_role("button", name="Next").click()
    expect(panel).to_contain_text("Is the power out?")
    panel.get_by_role("button", name="Yes, it is out").click()
    expect(panel).to_contain_text("Stay away from downed lines.")
    panel.get_by_label("I read this to the customer").check()
    panel.get_by_role("button", name="Next").click()
    expect(panel).to_contain_text("2 of 2 required statements read")

    panel.get_by_role("button", name="Hold").click()
    expect(panel.get_by_role("button", name="Resume")).to_be_visible()
    page.wait_for_timeout(1200)
    panel.get_by_label("Note").fill("Power out on the whole block since 6 pm;")
    panel.get_by_role("button", name="Resume").click()
    expect(panel.get_by_role("button", name="Hold")).to_be_visible()
    expect(panel).to_contain_text("1 hold")
    # Hold and resume redraw the call's head only: the note being typed is still there.
    expect(panel.get_by_label("Note")).to_have_value("Power out on the whole block since 6 pm;")

    panel.get_by_label("Note").fill("Power out on the whole block since 6 pm; safety advice given.")
    panel.get_by_label("Disposition").select_option(label="Outage reported")
    panel.get_by_label("Or open a case").select_option(label="Trouble ticket")
    assert_fits_width(page)
    save_screenshot(page, "contact-2-call-panel")
    panel.get_by_role("button", name="Finish wrap-up").click()

    expect(page.locator(".messages")).to_contain_text("Contact wrapped up")
    expect(page.get_by_test_id("agent-state")).to_contain_text("Available")
    expect(page.locator("#timeline")).to_contain_text("Power out on the whole block")
    save_screenshot(page, "contact-3-wrapped-up")
    browser_log.assert_clean("call journey")

    call = Interaction.objects.get()
    assert call.state == "done" and call.handled and call.call_id == "1770653400.7"
    assert call.hold_count == 1 and call.hold_seconds >= 1
    assert call.disposition.code == "outage"
    assert call.case is not None and call.case.case_type == "trouble_ticket"
    assert call.case.notes.filter(body__contains="Is the power out? — Yes, it is out").exists()
    run = ScriptRun.objects.get()
    assert (run.required_confirmed, run.required_total) == (2, 2)
