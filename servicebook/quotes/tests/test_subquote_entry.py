"""The staff page entering a subcontractor's quote on a work order (issue 7): lines from a
formset (blank rows skipped), the service's refusals shown naming the page's row with
nothing created, the capability, and the links from the work-order box and the queue."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from servicebook.core.testing.factories import PASSWORD, make_user
from servicebook.quotes.models import SubcontractorQuote

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, coordinator):
    assert client.login(username=coordinator.username, password=PASSWORD)
    return client


def _post(company, rows, **extra) -> dict:
    """The page's POST: the company, and the formset's rows (five on the page)."""
    data = {
        "subcontractor": company.pk,
        "notes": extra.pop("notes", ""),
        "lines-TOTAL_FORMS": "5",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
        **extra,
    }
    for i in range(5):
        description, quantity, cost = rows[i] if i < len(rows) and rows[i] else ("", "1", "")
        data |= {
            f"lines-{i}-description": description,
            f"lines-{i}-quantity": quantity,
            f"lines-{i}-unit_cost": cost,
        }
    return data


def test_staff_enters_a_quote_with_two_lines_and_it_waits_in_the_queue(
    staff, coordinator, sub_world
):
    url = reverse("quotes:sub_new", args=[sub_world["job"].pk])
    assert staff.get(url).status_code == 200
    # The second row is left blank: skipped, not an error.
    rows = [("Remove old boiler", "1", "400.00"), None, ("Labour, hours", "2.5", "90.00")]
    response = staff.post(url, _post(sub_world["company"], rows, notes="Crane extra"))
    quote = SubcontractorQuote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("quotes:sub_detail", args=[quote.pk])
    assert quote.total == Decimal("625.00")
    assert (quote.subcontractor, quote.submitted_by) == (sub_world["company"], coordinator)
    assert [(li.position, li.description) for li in quote.lines.order_by("position")] == [
        (1, "Remove old boiler"),
        (2, "Labour, hours"),
    ]
    queue = staff.get(reverse("quotes:sub_queue")).content.decode()
    assert quote.number in queue and "625.00" in queue


def test_a_bad_line_is_refused_naming_its_row_and_nothing_is_created(staff, sub_world):
    url = reverse("quotes:sub_new", args=[sub_world["job"].pk])
    rows = [
        ("Remove old boiler", "1", "400.00"),
        None,
        ("Crane", "1", "-50.00"),  # the page's row 3 is the service's line 2
        ("", "1", "75.00"),
    ]
    response = staff.post(url, _post(sub_world["company"], rows))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Line 3: Quantity above zero and a cost of zero or more." in page
    assert "Line 4: Describe the line." in page
    assert 'value="Crane"' in page  # what was typed comes back
    assert not SubcontractorQuote.objects.exists()


def test_no_company_chosen_is_a_form_error_and_nothing_is_created(staff, sub_world):
    url = reverse("quotes:sub_new", args=[sub_world["job"].pk])
    data = _post(sub_world["company"], [("Remove old boiler", "1", "400.00")])
    data["subcontractor"] = ""
    response = staff.post(url, data)
    assert response.status_code == 400 and b"id_sub_new_subcontractor_errors" in response.content
    assert not SubcontractorQuote.objects.exists()


def test_without_quotes_submit_the_page_is_refused_and_the_box_has_no_link(client, sub_world):
    rep = make_user("rep1")  # sees work orders and quotes, may not submit one
    assert client.login(username=rep.username, password=PASSWORD)
    url = reverse("quotes:sub_new", args=[sub_world["job"].pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _post(sub_world["company"], [("X", "1", "10")])).status_code == 403
    assert not SubcontractorQuote.objects.exists()
    page = client.get(reverse("workorders:workorder_detail", args=[sub_world["job"].pk]))
    assert b'data-testid="subquotes-panel"' in page.content and url.encode() not in page.content


def test_the_work_order_box_and_the_queue_lead_to_the_page(staff, sub_world):
    job = sub_world["job"]
    url = reverse("quotes:sub_new", args=[job.pk])
    page = staff.get(reverse("workorders:workorder_detail", args=[job.pk])).content.decode()
    assert f'href="{url}"' in page and "Enter a subcontractor quote" in page
    queue = staff.get(reverse("quotes:sub_queue")).content.decode()
    assert reverse("quotes:sub_new_pick") in queue
    picked = staff.get(reverse("quotes:sub_new_pick"), {"work_order": job.number.lower()})
    assert picked.status_code == 302 and picked["Location"] == url
    unknown = staff.get(reverse("quotes:sub_new_pick"), {"work_order": "WO-NOPE"})
    assert unknown.status_code == 404 and b"No work order WO-NOPE." in unknown.content
