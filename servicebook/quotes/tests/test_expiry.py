"""The daily sweep: sent quotes past valid-until become expired, once; the link refuses
them; answered, draft and still-valid quotes are left alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from servicebook.core.models import AuditEvent
from servicebook.quotes import services
from servicebook.quotes.expiry import quotes_expire
from servicebook.quotes.models import Quote

from .conftest import draft_quote, token_of

pytestmark = pytest.mark.django_db


def _sent(account, coordinator, part, labour, smtp, capture, *, days: int):
    quote = draft_quote(
        account,
        coordinator,
        part,
        labour,
        valid_until=timezone.localdate() + dt.timedelta(days=days),
    )
    with capture(execute=True):
        quote = services.quote_send(quote=quote, actor=coordinator, base_url="http://testserver")
    return quote, token_of(smtp)


def test_sweep_expires_sent_quotes_past_validity_once(
    account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks
):
    old, token = _sent(
        account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks, days=1
    )
    fresh, _ = _sent(
        account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks, days=10
    )
    draft = draft_quote(
        account,
        coordinator,
        part,
        labour,
        valid_until=timezone.localdate() + dt.timedelta(days=1),
    )
    in_three_days = timezone.localdate() + dt.timedelta(days=3)
    assert quotes_expire(today=in_three_days) == 1
    assert quotes_expire(today=in_three_days) == 0  # idempotent
    assert Quote.objects.get(pk=old.pk).status == "expired"
    assert Quote.objects.get(pk=fresh.pk).status == "sent"
    assert Quote.objects.get(pk=draft.pk).status == "draft"
    assert AuditEvent.objects.filter(action="expire", object_id=str(old.pk)).count() == 1
    with pytest.raises(services.LinkRefused, match="expired"):
        services.quote_accept(token=token, option_id=None)


def test_sweep_leaves_a_quote_on_its_last_valid_day(
    account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks
):
    quote, _ = _sent(
        account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks, days=2
    )
    assert quotes_expire(today=quote.valid_until) == 0
    assert quotes_expire(today=quote.valid_until + dt.timedelta(days=1)) == 1


def test_an_expired_quote_can_be_revised(
    account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks
):
    quote, _ = _sent(
        account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks, days=1
    )
    quotes_expire(today=timezone.localdate() + dt.timedelta(days=5))
    revision = services.quote_revise(quote=Quote.objects.get(pk=quote.pk), actor=coordinator)
    assert (revision.status, revision.revision) == ("draft", 2)


def test_command_and_periodic_task_are_wired(
    account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks
):
    quote, _ = _sent(
        account, coordinator, part, labour, smtp, django_capture_on_commit_callbacks, days=1
    )
    as_of = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    call_command("quotes-expire", "--as-of", as_of)
    assert Quote.objects.get(pk=quote.pk).status == "expired"
    assert any(
        path == "servicebook.quotes.tasks.quotes_expire_daily"
        for path, _ in settings.PERIODIC_TASKS
    )
