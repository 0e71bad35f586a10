"""Reads of the contact centre, each starting from what the user may see: an agent sees
their own live work; supervisors see everyone's."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from servicebook.core.permissions import has_capability
from servicebook.customers.selectors import accounts_visible_to
from servicebook.users.roles import Cap

from .choices import ContactChannel, InteractionState, PopState
from .models import (
    AgentSession,
    AgentStateSpan,
    Disposition,
    Interaction,
    ScreenPop,
    Script,
    ScriptRun,
)


def interactions_visible_to(user) -> QuerySet[Interaction]:
    """Everyone in the contact centre sees the book's interactions (as staff see every
    account and case: a representative reads a colleague's call on the timeline); acting
    on a live contact is its agent's alone (the services check)."""
    if any(
        has_capability(user, cap)
        for cap in (Cap.CONTACT_AGENT, Cap.CONTACT_SUPERVISE, Cap.CONTACT_QUALITY)
    ):
        return Interaction.objects.all()
    return Interaction.objects.none()


def live_interaction(*, user) -> Interaction | None:
    """The contact the agent is on (talking or in wrap-up), if any."""
    return (
        Interaction.objects.filter(
            agent=user,
            source="console",
            state__in=[InteractionState.TALKING, InteractionState.WRAP_UP],
        )
        .select_related("account__customer")
        .first()
    )


def agent_status(*, user) -> dict:
    """What the agent state bar shows: session, current state and since when."""
    session = AgentSession.objects.filter(agent=user, ended_at__isnull=True).first()
    span = (
        AgentStateSpan.objects.filter(agent=user, ended_at__isnull=True).first()
        if session
        else None
    )
    return {"session": session, "span": span}


def ringing_pop(*, user, now: dt.datetime | None = None) -> ScreenPop | None:
    """The newest call ringing for this agent, if it is still fresh."""
    now = now or timezone.now()
    fresh = now - dt.timedelta(seconds=settings.CONTACT_POP_TTL_SECONDS)
    return (
        ScreenPop.objects.filter(agent=user, state=PopState.RINGING, received_at__gte=fresh)
        .order_by("-received_at")
        .first()
    )


def pop_accounts(*, user, pop: ScreenPop) -> list:
    if not pop.account_ids:
        return []
    return list(accounts_visible_to(user).filter(pk__in=pop.account_ids).select_related("customer"))


def dispositions() -> QuerySet[Disposition]:
    return Disposition.objects.filter(active=True)


def scripts_for(*, call_type: str = "") -> QuerySet[Script]:
    qs = Script.objects.filter(active=True)
    return qs.filter(call_type=call_type) if call_type else qs


def open_run(*, user, interaction: Interaction) -> ScriptRun | None:
    return (
        ScriptRun.objects.filter(interaction=interaction, agent=user)
        .select_related("script", "current_node")
        .order_by("-started_at")
        .first()
    )


def unmatched_messages(*, user) -> QuerySet[Interaction]:
    """Answering-service messages waiting for an agent to tell the account."""
    if not has_capability(user, Cap.CONTACT_AGENT):
        return Interaction.objects.none()
    return Interaction.objects.filter(
        channel=ContactChannel.ANSWERING_SERVICE, state=InteractionState.QUEUED
    ).order_by("created_at")


def script_adherence(*, start: dt.date, end: dt.date, script_id: int | None = None) -> list[dict]:
    """Required statements confirmed out of those reached, per script version and agent, for
    runs started in [start, end] (of one script version when `script_id` is given). Each
    version is its own row: a copy may keep its original's name, and its figures must not
    blur with the version it replaced."""
    zone = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    runs = ScriptRun.objects.filter(started_at__gte=lo, started_at__lt=hi)
    if script_id:
        runs = runs.filter(script_id=script_id)
    rows = (
        runs.values(
            "script_id",
            "script__name",
            "script__active",
            "agent__username",
            "agent__first_name",
            "agent__last_name",
        )
        .annotate(
            runs=Count("id"),
            finished=Count("finished_at"),
            required=Sum("required_total"),
            confirmed=Sum("required_confirmed"),
        )
        .order_by("script__name", "script_id", "agent__username")
    )
    result = []
    for r in rows:
        required = r["required"] or 0
        result.append(
            {
                "script": r["script__name"],
                "script_id": r["script_id"],
                "script_active": r["script__active"],
                "agent": f"{r['agent__first_name']} {r['agent__last_name']}".strip()
                or r["agent__username"],
                "runs": r["runs"],
                "finished": r["finished"],
                "required": required,
                "confirmed": r["confirmed"] or 0,
                "percent": round(100.0 * (r["confirmed"] or 0) / required, 1) if required else None,
            }
        )
    return result


def evaluable_interactions(*, user, agent_id: int | None = None, limit: int = 50):
    """Recent handled calls a supervisor may score (newest first)."""
    qs = interactions_visible_to(user).filter(handled=True, agent__isnull=False)
    if agent_id:
        qs = qs.filter(agent_id=agent_id)
    return qs.select_related("agent", "account__customer", "disposition").order_by(
        "-counted_on", "-id"
    )[:limit]
