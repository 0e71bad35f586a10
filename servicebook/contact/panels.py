"""What the contact centre shows on the account page (customers.panels): the call panel of
the agent's live contact (or a form to start one), and interactions on the timeline.

The timeline shows an interaction only when it has no account note of its own: a contact
wrapped up at the console wrote its note through customers.note_log, and that note is
already on the timeline (no line twice). PBX-imported calls and answering-service
messages have no note, so they appear from here.
"""

from __future__ import annotations

from django.urls import reverse

from servicebook.core.permissions import has_capability
from servicebook.customers.panels import (
    AccountPanel,
    TimelineItem,
    register_panel,
    register_timeline_source,
)
from servicebook.users.roles import Cap

from .forms import StartContactForm
from .models import Interaction
from .selectors import interactions_visible_to, live_interaction


def call_panel_context(*, request, account) -> dict:
    """One query when the agent is not on a contact (the account page's count is pinned)."""
    if not has_capability(request.user, Cap.CONTACT_AGENT):
        return {"call_enabled": False}
    live = live_interaction(user=request.user)
    if live is None:
        return {"call_enabled": True, "start_form": StartContactForm(), "account": account}
    if live.account_id not in (None, account.pk):
        return {"call_enabled": True, "elsewhere": live, "account": account}
    from .views import call_context

    return {"call_enabled": True, "call": call_context(request, live), "account": account}


def _minutes(seconds: int) -> str:
    minutes, secs = divmod(seconds or 0, 60)
    return f"{minutes}:{secs:02d}"


def interaction_timeline(*, request, account, limit: int) -> list[TimelineItem]:
    rows = (
        interactions_visible_to(request.user)
        .filter(account=account, note__isnull=True)
        .exclude(state__in=["talking", "wrap_up"])
        .select_related("agent", "case")
        .order_by("-created_at", "-id")[:limit]
    )
    items = []
    for i in rows:
        at = i.answered_at or i.queued_at or i.created_at
        if i.channel == "phone":
            if i.handled:
                title = f"{i.get_direction_display()} call, talk {_minutes(i.talk_seconds)}"
            else:
                title = f"{i.get_direction_display()} call, not answered"
        else:
            title = f"{i.get_channel_display()} message"
        tags = [i.get_source_display()]
        if i.case_id:
            tags.append(i.case.number)
        items.append(
            TimelineItem(
                at=at,
                kind=f"interaction {i.channel}",
                title=title,
                body=i.summary[:300],
                author=i.agent.display_name if i.agent else i.get_source_display(),
                url=reverse("cases:case_detail", args=[i.case_id]) if i.case_id else "",
                tags=tags,
            )
        )
    return items


def register() -> None:
    register_panel(
        AccountPanel(
            key="contact_call",
            template="contact/partials/account_call.html",
            context=call_panel_context,
            order=0,
        )
    )
    register_timeline_source("contact", interaction_timeline)


__all__ = ["Interaction", "register"]
