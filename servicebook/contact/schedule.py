"""The supervisor's shift schedule: a week of shifts per agent, and the writes behind the
Schedule page (change, remove, copy last week).

Adding one shift is `services.shift_schedule`; everything here goes through the same rules
(end after start, breaks shorter than the shift, no two shifts of one agent overlapping) and
recounts the in-shift seconds and the attendance around every shift it touches, so the
metrics' attendance and adherence follow the schedule whether a shift is entered before
or after the day it covers.

Times are wall-clock times in the business zone (TIME_ZONE): a 08:00-16:00 shift is
08:00-16:00 local on both sides of a DST change, and copying a week keeps the wall clock
(seven calendar days later, not 168 hours).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from servicebook.core.audit import audit_record, audit_updated, snapshot
from servicebook.core.errors import ValidationFailed
from servicebook.core.permissions import require_capability
from servicebook.users.models import User
from servicebook.users.roles import Cap

from .models import Shift, Team
from .services import recompute_shift_overlap, shift_length, shift_schedule
from .timeutil import business_day

OVERLAP_MESSAGE = "This overlaps another shift of the agent."


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week the day falls in."""
    return day - dt.timedelta(days=day.weekday())


def local_instant(day: dt.date, at: dt.time) -> dt.datetime:
    """A wall-clock time on a business-zone date, as an aware instant."""
    return timezone.make_aware(dt.datetime.combine(day, at), timezone.get_current_timezone())


def _lock_agent(agent) -> None:
    """Serialise shift writes of one agent (the overlap check reads, then writes): the agent's
    row is locked on PostgreSQL; SQLite's writers are serialised by its IMMEDIATE
    transactions."""
    list(User.objects.select_for_update().filter(pk=agent.pk).values_list("pk", flat=True))


def _overlaps(agent_id: int, starts_at: dt.datetime, ends_at: dt.datetime, *, exclude=None):
    qs = Shift.objects.filter(agent_id=agent_id, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


@transaction.atomic
def shift_add(
    *, agent, starts_at: dt.datetime, ends_at: dt.datetime, break_minutes: int = 0, actor
) -> Shift:
    """Schedule a shift from the Schedule page: `shift_schedule` with the agent locked, so
    two supervisors adding overlapping shifts at once cannot both succeed."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    _lock_agent(agent)
    shift = shift_schedule(
        agent=agent, starts_at=starts_at, ends_at=ends_at, break_minutes=break_minutes, actor=actor
    )
    shift.refresh_from_db(fields=["attended"])  # recounted by an UPDATE after the insert
    return shift


@transaction.atomic
def shift_update(
    *, shift: Shift, starts_at: dt.datetime, ends_at: dt.datetime, break_minutes: int = 0, actor
) -> Shift:
    """Move or resize a shift (the agent stays). The spans the shift used to cover and the
    ones it covers now are both recounted, and its attendance with them."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    _lock_agent(shift.agent)
    shift = Shift.objects.get(pk=shift.pk)
    scheduled = shift_length(starts_at, ends_at, break_minutes)
    if _overlaps(shift.agent_id, starts_at, ends_at, exclude=shift.pk):
        raise ValidationFailed({"starts_at": [OVERLAP_MESSAGE]})
    before = snapshot(shift, ["starts_at", "ends_at", "day", "break_minutes"])
    old_start, old_end = shift.starts_at, shift.ends_at
    shift.starts_at, shift.ends_at = starts_at, ends_at
    shift.day = business_day(starts_at)
    shift.scheduled_seconds = scheduled
    shift.break_minutes = break_minutes
    try:
        with transaction.atomic():
            shift.save(
                update_fields=["starts_at", "ends_at", "day", "scheduled_seconds", "break_minutes"]
            )
    except IntegrityError as exc:
        raise ValidationFailed({"starts_at": ["The agent already has this shift."]}) from exc
    recompute_shift_overlap(shift.agent_id, old_start, old_end)
    recompute_shift_overlap(shift.agent_id, starts_at, ends_at)
    shift.refresh_from_db(fields=["attended"])
    audit_updated(actor=actor, obj=shift, before=before)
    return shift


@transaction.atomic
def shift_remove(*, shift: Shift, actor) -> None:
    """Take a shift off the schedule; the time it covered is no longer in-shift time."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    _lock_agent(shift.agent)
    audit_record(
        actor=actor,
        action="delete",
        obj=shift,
        changes={k: [v, None] for k, v in snapshot(shift).items()},
    )
    agent_id, start, end = shift.agent_id, shift.starts_at, shift.ends_at
    Shift.objects.filter(pk=shift.pk).delete()
    recompute_shift_overlap(agent_id, start, end)


@dataclass
class CopyReport:
    copied: int = 0
    skipped: int = 0
    skipped_shifts: list[str] = field(default_factory=list)


def _week_later(at: dt.datetime, days: int) -> dt.datetime:
    local = timezone.localtime(at)
    return local_instant(local.date() + dt.timedelta(days=days), local.time())


@transaction.atomic
def shift_copy_week(*, to_week: dt.date, team: Team | None = None, actor) -> CopyReport:
    """Copy the shifts of the week before `to_week` into it, for a team's agents (or every
    agent), at the same wall-clock times. A shift that would overlap one already there is
    skipped, so copying twice copies nothing the second time."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    target = week_start(to_week)
    source = target - dt.timedelta(days=7)
    shifts = Shift.objects.filter(
        day__gte=source, day__lt=target, agent__agent_profile__active=True
    ).select_related("agent")
    if team is not None:
        shifts = shifts.filter(agent__agent_profile__team=team)
    report = CopyReport()
    locked: set[int] = set()
    for old in shifts.order_by("agent_id", "starts_at"):
        if old.agent_id not in locked:
            _lock_agent(old.agent)
            locked.add(old.agent_id)
        starts_at, ends_at = _week_later(old.starts_at, 7), _week_later(old.ends_at, 7)
        if ends_at <= starts_at or _overlaps(old.agent_id, starts_at, ends_at):
            report.skipped += 1
            report.skipped_shifts.append(
                f"{old.agent.display_name} {timezone.localtime(starts_at):%a %b %-d %H:%M}"
            )
            continue
        shift_schedule(
            agent=old.agent,
            starts_at=starts_at,
            ends_at=ends_at,
            break_minutes=old.break_minutes,
            actor=actor,
        )
        report.copied += 1
    audit_record(
        actor=actor,
        action="shift_copy_week",
        obj=team,
        changes={"week": [source.isoformat(), target.isoformat()]},
        message=f"copied {report.copied}, skipped {report.skipped}",
    )
    return report


# --- Reads -----------------------------------------------------------------------------------


@dataclass
class WeekRow:
    agent: User
    days: list[list[Shift]]


def schedule_week(*, week: dt.date, team: Team | None = None) -> tuple[list[dt.date], list]:
    """The week's days and one row per active agent (of the team), each day's shifts in it:
    two queries whatever the number of agents."""
    monday = week_start(week)
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    agents = User.objects.filter(agent_profile__active=True).select_related("agent_profile")
    if team is not None:
        agents = agents.filter(agent_profile__team=team)
    agents = list(agents.order_by("first_name", "last_name", "username"))
    rows = {a.pk: WeekRow(agent=a, days=[[] for _ in days]) for a in agents}
    for shift in Shift.objects.filter(
        agent_id__in=list(rows), day__gte=days[0], day__lte=days[-1]
    ).order_by("starts_at"):
        rows[shift.agent_id].days[(shift.day - monday).days].append(shift)
    return days, list(rows.values())
