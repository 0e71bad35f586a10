"""The dispatch board and the technician's phone view, in real Chromium.

(a) A dispatcher opens tomorrow's board, gives an unassigned job to a technician by click
(the Assign panel) and another by drag and drop onto a technician's row, runs the day
optimizer from the board, sees the proposal beside the current plan and accepts it.
(b) A technician on a phone-sized screen sees today's jobs in order, taps on my way,
arrived, and completes the job with notes, a part and the signer's name.

Both stay free of console errors and CSP violations; the database agrees with the page.
Screenshots: var/screenshots/board.png and technician.png (docs/screenshots/ has copies
taken from the demo data)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from servicebook.core.testing.browser import (
    BrowserLog,
    assert_fits_width,
    login,
    save_screenshot,
)
from servicebook.core.testing.factories import (
    PASSWORD,
    make_completion_code,
    make_located_work_order,
    make_technician,
    make_user,
)
from servicebook.scheduling import selectors, services
from servicebook.scheduling.choices import AppointmentStatus, RunStatus
from servicebook.scheduling.models import Appointment, OptimizerRun
from servicebook.workorders.models import WorkOrder

pytestmark = pytest.mark.browser

EVERY_DAY = dict.fromkeys(range(7), ("07:00", "18:00", "12:00", 30))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute)).replace(tzinfo=selectors.zone())


@pytest.fixture
def tomorrow_board(transactional_db, settings):
    # Polls stay out of the way of the clicks (the poll itself is tested in test_views).
    settings.SCHEDULING_BOARD_POLL_SECONDS = 60
    admin = make_user("admin")
    dispatcher = make_user(
        "dispatcher", username="disp.browser", first_name="Dana", last_name="Dispatch"
    )
    day = selectors.local_date(timezone.now()) + dt.timedelta(days=1)
    ann = make_technician(
        actor=admin, first_name="Ann", last_name="Archer", skills=["hvac"], week=EVERY_DAY
    )
    bob = make_technician(
        actor=admin, first_name="Bob", last_name="Baker", week=EVERY_DAY, home=(39.70, -104.95)
    )
    spots = [("39.7500", "-104.9990"), ("39.7400", "-104.9800"), ("39.7600", "-105.0200")]
    jobs = [
        make_located_work_order(
            actor=admin,
            latitude=lat,
            longitude=lng,
            summary=f"Job {n}",
            skills=["hvac"] if n == 0 else [],
            window_start=at(day, 8),
            window_end=at(day, 17),
        )
        for n, (lat, lng) in enumerate(spots)
    ]
    booked = make_located_work_order(
        actor=admin, latitude="39.7300", longitude="-104.9500", summary="Booked already"
    )
    services.appointment_book(
        work_order=booked, technician=bob, starts_at=at(day, 15), actor=dispatcher
    )
    return {"day": day, "ann": ann, "bob": bob, "jobs": jobs, "booked": booked}


def test_dispatcher_assigns_by_click_and_drag_then_accepts_the_optimizer_plan(
    page: Page, live_server, tomorrow_board, browser_log: BrowserLog
):
    data = tomorrow_board
    day, ann, bob = data["day"], data["ann"], data["bob"]
    first, second, third = data["jobs"]
    login(page, live_server.url, "disp.browser", PASSWORD)
    page.goto(f"{live_server.url}/scheduling/board/?date={day.isoformat()}")
    expect(page.get_by_role("heading", name="Dispatch board")).to_be_visible()
    for job in data["jobs"]:
        expect(page.get_by_test_id(f"unassigned-{job.number}")).to_be_visible()
    assert_fits_width(page)

    # By click: Assign opens the panel (htmx); choose Ann at 09:00.
    page.get_by_test_id(f"unassigned-{first.number}").get_by_role("link", name="Assign").click()
    panel = page.locator("#board-panel")
    expect(panel.get_by_role("heading", name=re.compile(first.number))).to_be_visible()
    panel.get_by_label("Technician").select_option(str(ann.pk))
    panel.get_by_label("Arrival").fill("09:00")
    panel.get_by_role("button", name="Assign", exact=True).click()
    ann_row = page.locator(f"#board-live .tl-track[data-technician='{ann.pk}']")
    expect(ann_row.get_by_test_id(f"job-{first.number}")).to_be_visible()
    expect(page.locator(".board-messages")).to_contain_text(f"{first.number} given to Ann Archer")
    expect(page.get_by_test_id(f"unassigned-{first.number}")).to_have_count(0)
    expect(page.locator("#board-panel")).to_contain_text("Done.")  # the panel let go of its job

    # By drag: the second job onto Bob's row, dropped at about 10:00.
    bob_row = page.locator(f"#board-live .tl-track[data-technician='{bob.pk}']")
    box = bob_row.bounding_box()
    tl = page.locator("#board-live .tl").first
    start, end = int(tl.get_attribute("data-start")), int(tl.get_attribute("data-end"))
    x = box["width"] * (10 * 60 - start) / (end - start)
    # Picked up by its heading (where a hand grabs it), dropped on Bob's timeline.
    page.get_by_test_id(f"unassigned-{second.number}").drag_to(
        bob_row,
        source_position={"x": 12, "y": 12},
        target_position={"x": x, "y": box["height"] / 2},
    )
    expect(bob_row.get_by_test_id(f"job-{second.number}")).to_be_visible()
    dragged = Appointment.objects.get(work_order=second, status=AppointmentStatus.SCHEDULED)
    assert dragged.technician == bob
    assert dragged.starts_at.astimezone(selectors.zone()).hour in (9, 10)

    # The optimizer from the board: the proposal beside the current plan.
    page.get_by_text("Plan with the optimizer").click()
    page.get_by_label("Time limit (seconds)").fill("1")
    page.locator(".board-run").get_by_role("button", name="Run").click()
    proposal = page.locator("#proposal")
    expect(proposal.get_by_role("heading", name=re.compile("Optimizer proposal"))).to_be_visible()
    expect(proposal.get_by_role("columnheader", name="Current plan")).to_be_visible()
    expect(proposal.get_by_role("columnheader", name="Proposal")).to_be_visible()
    jobs_row = proposal.get_by_role("row", name=re.compile("Jobs placed"))
    expect(jobs_row).to_contain_text("3 / 4")  # now: three on the board
    expect(jobs_row).to_contain_text("4 / 4")  # proposed: the fourth placed too
    page.evaluate("window.scrollTo(0, 0)")
    save_screenshot(page, "board")
    run = OptimizerRun.objects.get()
    assert run.status == RunStatus.PROPOSED
    assert Appointment.objects.filter(work_order=third).count() == 0

    proposal.get_by_role("button", name="Accept the proposal").click()
    expect(page.locator(".messages")).to_contain_text("Proposal applied")
    expect(page.get_by_test_id(f"job-{third.number}")).to_be_visible()
    run.refresh_from_db()
    assert run.status == RunStatus.ACCEPTED
    live = Appointment.objects.filter(status=AppointmentStatus.SCHEDULED)
    assert set(live.values_list("work_order_id", flat=True)) == {
        *(j.pk for j in data["jobs"]),
        data["booked"].pk,
    }
    assert live.get(work_order=first).technician == ann  # the hvac job stays with Ann
    browser_log.assert_clean("dispatch board")


PHONE = {"width": 390, "height": 844}


@pytest.fixture
def technician_today(transactional_db):
    admin = make_user("admin")
    user = make_user("technician", username="tech.browser", first_name="Tess", last_name="Field")
    tech = make_technician(
        actor=admin, first_name="Tess", last_name="Field", user=user, week=EVERY_DAY
    )
    make_completion_code("repaired", "Repaired")
    today = selectors.local_date(timezone.now())
    # Booked and dispatched early this morning (the clock of the booking is the morning's,
    # so the test holds at any hour).
    morning = at(today, 0, 5)
    orders = []
    for hour, summary in (
        (8, "Furnace not heating"),
        (11, "Water heater leaking"),
        (14, "Check the thermostat"),
    ):
        wo = make_located_work_order(actor=admin, summary=summary, now=morning)
        appt = services.appointment_book(
            work_order=wo, technician=tech, starts_at=at(today, hour), actor=admin, now=morning
        )
        services.appointment_dispatch(appointment=appt, actor=admin, now=morning)
        orders.append(wo)
    return {"tech": tech, "orders": orders, "today": today}


def test_technician_completes_a_job_on_the_phone(
    browser, live_server, technician_today, browser_log: BrowserLog
):
    from servicebook.core.testing.browser import _CSP_LISTENER

    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US", timezone_id="America/Denver"
    )
    context.expose_function("__servicebookCspViolation", browser_log.on_csp_violation)
    context.add_init_script(_CSP_LISTENER)
    page = context.new_page()
    page.on("console", browser_log.on_console)
    page.on("pageerror", browser_log.on_page_error)
    try:
        page.goto(f"{live_server.url}/auth/login/")
        page.get_by_label("Username").fill("tech.browser")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server.url}/scheduling/my-day/")
        cards = page.get_by_test_id("job-card")
        expect(cards).to_have_count(3)
        numbers = [wo.number for wo in technician_today["orders"]]
        texts = cards.all_inner_texts()
        assert [next(n for n in numbers if n in t) for t in texts] == numbers  # in order
        assert_fits_width(page, PHONE["width"])

        first = cards.first
        first.get_by_role("button", name="On my way").click()
        expect(cards.first.get_by_test_id("job-status")).to_have_text("On the way")
        cards.first.get_by_role("button", name="Arrived").click()
        expect(cards.first.get_by_test_id("job-status")).to_have_text("On site")
        card = cards.first
        card.get_by_label("What was done").fill("Replaced the ignitor; heats again.")
        card.locator("select[name$='-0-kind']").select_option("part")
        card.locator("input[name$='-0-quantity']").fill("1")
        card.locator("input[name$='-0-description']").fill("Hot surface ignitor")
        card.locator("input[name$='-0-unit_price']").fill("48.50")
        card.get_by_label("How it ended").select_option(label="Repaired")
        card.get_by_label("Signed by").fill("Pat Customer")
        assert_fits_width(page, PHONE["width"])
        page.evaluate("window.scrollTo(0, 0)")
        save_screenshot(page, "technician")
        card.get_by_role("button", name=re.compile("Complete W")).click()
        expect(page.locator(".messages")).to_contain_text("completed")
        expect(cards.first.get_by_test_id("job-status")).to_have_text("Completed")
        expect(cards.first).to_contain_text("signed by Pat Customer")
        browser_log.assert_clean("technician day")
    finally:
        context.close()
    done = WorkOrder.objects.get(pk=technician_today["orders"][0].pk)
    assert done.status == "completed"
    assert done.signer_name == "Pat Customer"
    line = done.lines.get()
    assert line.description == "Hot surface ignitor" and str(line.unit_price) == "48.50"
    assert Appointment.objects.get(work_order=done).status == AppointmentStatus.COMPLETED
