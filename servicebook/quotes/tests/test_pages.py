"""The quotes pages: the account page's Quotes box with New quote, the quote page's
actions, the review queue; and the customer's public link pages (no login, CSRF on the
answers, a clear page and nothing changed for a used, expired or tampered link)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from servicebook.core.testing.factories import PASSWORD
from servicebook.quotes import services
from servicebook.quotes.models import Quote

from .conftest import draft_quote, token_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, coordinator):
    assert client.login(username=coordinator.username, password=PASSWORD)
    return client


def _sent(account, coordinator, part, labour, smtp, capture, **kw):
    quote = draft_quote(account, coordinator, part, labour, **kw)
    with capture(execute=True):
        services.quote_send(quote=quote, actor=coordinator, base_url="http://testserver")
    return Quote.objects.get(pk=quote.pk), token_of(smtp)


def test_the_account_page_lists_quotes_and_opens_a_new_one(staff, account, labour):
    page = staff.get(reverse("customers:account_detail", args=[account.pk]))
    assert page.status_code == 200 and b"New quote" in page.content
    response = staff.post(
        reverse("quotes:new", args=[account.pk]),
        {"title": "New boiler", "options": "Good, Better, Best", "work_type": "install"},
    )
    quote = Quote.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/quotes/{quote.pk}/")
    assert [o.label for o in quote.options.all()] == ["Good", "Better", "Best"]
    response = staff.post(
        reverse("quotes:line_add", args=[quote.pk]),
        {"option": quote.options.first().pk, "catalog_item": labour.pk, "quantity": "1.5"},
    )
    assert response.status_code == 302
    page = staff.get(reverse("quotes:detail", args=[quote.pk]))
    assert b"Labour Hour" in page.content and b"$142.50" in page.content
    assert (
        b"New boiler" in staff.get(reverse("customers:account_detail", args=[account.pk])).content
    )


def test_sending_from_the_page_needs_lines(staff, account, coordinator):
    quote = services.quote_create(account=account, title="Empty", actor=coordinator)
    response = staff.post(reverse("quotes:send", args=[quote.pk]), {})
    assert response.status_code == 400 and b"Add lines" in response.content
    assert Quote.objects.get(pk=quote.pk).status == "draft"


def test_the_link_page_opens_without_login_and_accepts_with_csrf(
    account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks
):
    quote, token = _sent(
        account,
        coordinator,
        part,
        labour,
        smtp,
        django_capture_on_commit_callbacks,
        options=("Good", "Best"),
    )
    browser = Client(enforce_csrf_checks=True)
    url = reverse("quote_link:open", args=[token])
    page = browser.get(url)
    assert page.status_code == 200 and b"Replace furnace filters" in page.content
    assert b"<script" not in page.content  # nothing for the CSP to refuse
    best = quote.options.get(label="Best")
    # Without the CSRF token the answer is refused and nothing changes.
    refused = browser.post(reverse("quote_link:accept", args=[token]), {"option": best.pk})
    assert refused.status_code == 403
    assert Quote.objects.get(pk=quote.pk).status == "sent"
    csrf = browser.cookies["csrftoken"].value
    done = browser.post(
        reverse("quote_link:accept", args=[token]),
        {"option": best.pk, "csrfmiddlewaretoken": csrf},
    )
    assert done.status_code == 302
    assert b"accepted" in browser.get(done["Location"]).content
    quote.refresh_from_db()
    assert quote.status == "converted" and quote.chosen_option == best
    again = browser.get(url)
    assert again.status_code == 410 and b"already answered" in again.content


def test_tampered_expired_and_declined_links_are_clear_pages(
    client, account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks
):
    quote, token = _sent(
        account,
        coordinator,
        part,
        labour,
        smtp,
        django_capture_on_commit_callbacks,
        valid_until=timezone.localdate() + dt.timedelta(days=1),
    )
    bad = client.get(reverse("quote_link:open", args=[token + "x"]))
    assert bad.status_code == 404 and b"not valid" in bad.content
    refused = client.post(reverse("quote_link:accept", args=[token + "x"]), {})
    assert refused.status_code == 404
    Quote.objects.filter(pk=quote.pk).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    expired = client.get(reverse("quote_link:open", args=[token]))
    assert expired.status_code == 410 and b"expired" in expired.content
    assert client.post(reverse("quote_link:decline", args=[token]), {}).status_code == 410
    assert Quote.objects.get(pk=quote.pk).status == "sent"
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate())
    declined = client.post(reverse("quote_link:decline", args=[token]), {"reason": "Too dear"})
    assert declined.status_code == 302
    assert Quote.objects.get(pk=quote.pk).status == "declined"


def test_the_review_queue_shows_open_subcontractor_quotes(staff, sub_world):
    from servicebook.quotes import subcontract

    quote = subcontract.subquote_submit(
        work_order=sub_world["job"], amount="120", actor=sub_world["login"]
    )
    page = staff.get(reverse("quotes:sub_queue"))
    assert page.status_code == 200 and quote.number.encode() in page.content
    response = staff.post(reverse("quotes:sub_reject", args=[quote.pk]), {"reason": ""})
    assert response.status_code == 400
    quote.refresh_from_db()
    assert quote.status == "submitted"
