"""Appointment offers: for a request (place, skills, duration, date range, territory) the
best start times, ranked by the travel they add and how well they fit the day.

How a slot is found, per technician and date (docs/scheduling.md):

1. The technician qualifies on the date: active, documents current (scheduling.compliance),
   every required skill held and not backed only by expired certificates, serving the
   territory (listed on it, or belonging to a branch that is).
2. Their working time that day is the shift (weekly pattern or the date's override) minus
   the lunch break and time off. What is already booked splits it into gaps; each gap lies
   between a previous stop (the job before, or home at the start of the day) and a next
   stop (the job after, or home at the end).
3. In a gap the job fits when the technician can drive from the previous stop, do the work
   and drive on to the next stop in time (the drive home must fit the shift, as for the
   day optimizer: no overtime is offered). Starts are on a grid of
   SCHEDULING_OFFER_STEP_MINUTES in the technician's zone, and at least
   SCHEDULING_OFFER_MIN_LEAD_MINUTES from now.
4. Cost of a slot = the travel it adds (prev -> job -> next minus prev -> next, in minutes,
   with the optimizer's travel provider) + a fit penalty: a quarter of the smaller idle
   piece it leaves on either side (a slot that hugs a job or the start of the day keeps the
   rest of the gap whole for other work). Ties go to the earlier start.
5. The answer is the best SCHEDULING_OFFER_LIMIT slots, one per start time (the best
   technician for it), at most one per gap first (so the list spreads over the days and
   people before it offers neighbouring times of the same gap).

The loader reads the roster in a fixed number of queries and the appointments as plain
tuples, so a two-week request over 100 fully booked technicians stays well under the
300 ms bar (benchmarks/offers.py).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import FloatField
from django.db.models.functions import Cast
from django.utils import timezone

from . import availability, selectors
from . import travel as travel_mod
from .choices import ACTIVE_STATUSES
from .models import Appointment, Technician, TechnicianSkill, Territory
from .optimizer.travel import Point


@dataclass(frozen=True)
class OfferRequest:
    """What the customer needs: where, which skills (ids), how long, between which dates,
    optionally in which territory and within which hours of the day (local wall clock)."""

    duration_minutes: int
    start_date: dt.date
    end_date: dt.date
    latitude: float | None = None
    longitude: float | None = None
    postal_code: str = ""
    skill_ids: frozenset[int] = frozenset()
    territory: Territory | None = None
    earliest: dt.time | None = None
    latest: dt.time | None = None
    # Absolute bounds for the start (the work order's customer window).
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    # A work order being rebooked: its own appointment does not block.
    work_order_id: int | None = None


@dataclass(frozen=True)
class Offer:
    technician_id: int
    technician_name: str
    date: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    window_start: dt.datetime
    window_end: dt.datetime
    added_travel_minutes: int
    travel_minutes: int
    cost: float
    rank: int = 0


@dataclass
class OfferResult:
    offers: list[Offer]
    technicians_considered: int
    territories: list[Territory] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _eligible_technicians(request: OfferRequest) -> tuple[list[Technician], list[Territory]]:
    base = Technician.objects.filter(active=True)
    if request.territory is not None:
        territories = [request.territory]
    else:
        territories = selectors.territories_containing(
            postal_code=request.postal_code,
            latitude=request.latitude,
            longitude=request.longitude,
        )
    if territories:
        ids = selectors.technicians_in_territories([t.pk for t in territories]).values("pk")
        base = base.filter(pk__in=ids)
    # Holding every required skill is necessary (a certificate may still void one on the
    # day: the roster decides that); filtering here spares loading the days of everyone
    # else, which is most of the cost with a full book.
    for skill_id in sorted(request.skill_ids):
        base = base.filter(
            pk__in=TechnicianSkill.objects.filter(skill_id=skill_id).values("technician_id")
        )
    return list(base.select_related("subcontractor", "branch")), territories


def _grid_up(instant: dt.datetime, tz: ZoneInfo, step: int) -> dt.datetime:
    """The first start on the step grid (minutes from local midnight) at or after instant."""
    local = instant.astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = (local - midnight).total_seconds() / 60
    slots = math.ceil(minutes / step - 1e-9)
    return (midnight + dt.timedelta(minutes=slots * step)).astimezone(dt.UTC)


def find_offers(request: OfferRequest, *, now: dt.datetime | None = None) -> OfferResult:
    """The best slots for the request (see the module docstring)."""
    now = now or timezone.now()
    step = max(5, settings.SCHEDULING_OFFER_STEP_MINUTES)
    limit = settings.SCHEDULING_OFFER_LIMIT
    lead = now + dt.timedelta(minutes=settings.SCHEDULING_OFFER_MIN_LEAD_MINUTES)
    window_len = dt.timedelta(minutes=settings.SCHEDULING_ARRIVAL_WINDOW_MINUTES)
    duration = dt.timedelta(minutes=request.duration_minutes)
    job = travel_mod.point(request.latitude, request.longitude)

    technicians, territories = _eligible_technicians(request)
    roster = selectors.roster_load(
        technicians, start=request.start_date, end=request.end_date, with_appointments=False
    )
    # Appointments as tuples: (technician, start, end, lat, lng) - no model instances.
    lo = dt.datetime.combine(request.start_date - dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    hi = dt.datetime.combine(request.end_date + dt.timedelta(days=2), dt.time(0), tzinfo=dt.UTC)
    booked = Appointment.objects.filter(
        technician_id__in=[t.pk for t in technicians],
        status__in=ACTIVE_STATUSES,
        starts_at__lt=hi,
        ends_at__gt=lo,
    )
    if request.work_order_id:
        booked = booked.exclude(work_order_id=request.work_order_id)
    busy: dict[int, list[tuple]] = defaultdict(list)
    # Coordinates as floats straight from the database: no Decimal made and unmade per row.
    booked = booked.annotate(
        lat=Cast("work_order__location__latitude", FloatField()),
        lng=Cast("work_order__location__longitude", FloatField()),
    )
    for tid, s, e, lat, lng in booked.order_by("starts_at").values_list(
        "technician_id", "starts_at", "ends_at", "lat", "lng"
    ):
        busy[tid].append((s, e, Point(lat, lng) if lat is not None and lng is not None else None))

    provider = travel_mod.provider()
    candidates: list[tuple[float, dt.datetime, int, tuple, Offer]] = []
    dates = availability.days(request.start_date, request.end_date)
    for tech in technicians:
        tz = ZoneInfo(tech.time_zone)
        home = travel_mod.point(tech.home_latitude, tech.home_longitude)
        mine = busy.get(tech.pk, [])
        legs = None
        for date in dates:
            day = roster.day(tech, date)
            if day.shift is None or day.problems or not request.skill_ids <= day.skills:
                continue
            if day.shift.end <= lead:
                continue
            if legs is None:
                # One small matrix per technician: the job, home and their booked places.
                legs = travel_mod.Legs(
                    [p for p in [job, home, *(b[2] for b in mine)] if p is not None], provider
                )
            day_busy = [b for b in mine if b[0] < day.shift.end and b[1] > day.shift.start]
            earliest_local = latest_local = None
            if request.earliest:
                earliest_local = availability.local_instant(date, request.earliest, tz)
            if request.latest:
                latest_local = availability.local_instant(date, request.latest, tz)
            for gap_index, (gs, ge) in enumerate(
                availability.subtract(day.working, [(b[0], b[1]) for b in day_busy])
            ):
                before = [b for b in day_busy if b[1] <= gs]
                after = [b for b in day_busy if b[0] >= ge]
                prev_point = before[-1][2] if before else home
                next_point = after[0][2] if after else home
                to_job = legs.seconds(prev_point, job)
                from_job = legs.seconds(job, next_point)
                direct = legs.seconds(prev_point, next_point)
                added = max(0, to_job + from_job - direct)
                # The drive to the next stop must fit before it; to home, before shift end.
                last_end = ge - dt.timedelta(seconds=from_job)
                if not after:
                    last_end = min(last_end, day.shift.end - dt.timedelta(seconds=from_job))
                first_start = max(gs + dt.timedelta(seconds=to_job), lead)
                if earliest_local:
                    first_start = max(first_start, earliest_local)
                if request.not_before:
                    first_start = max(first_start, request.not_before)
                start = _grid_up(first_start, tz, step)
                latest_start = last_end - duration
                if latest_local:
                    latest_start = min(latest_start, latest_local)
                if request.not_after:
                    latest_start = min(latest_start, request.not_after)
                while start <= latest_start:
                    end = start + duration
                    idle_before = (start - (gs + dt.timedelta(seconds=to_job))).total_seconds()
                    idle_after = (last_end - end).total_seconds()
                    fit = min(idle_before, idle_after) / 60 / 4
                    cost = added / 60 + fit
                    # The Offer itself is made only for the few chosen (below).
                    candidates.append(
                        (
                            cost,
                            start,
                            tech.pk,
                            (tech.pk, date, gap_index),
                            (tech, date, added, to_job),
                        )
                    )
                    start += dt.timedelta(minutes=step)
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    chosen: list[Offer] = []
    starts: set[dt.datetime] = set()
    gaps: set[tuple] = set()
    for spread in (True, False):
        for cost, start, _, gap, (tech, date, added, to_job) in candidates:
            if len(chosen) >= limit:
                break
            if start in starts or (spread and gap in gaps):
                continue
            offer = Offer(
                technician_id=tech.pk,
                technician_name=tech.name,
                date=date,
                starts_at=start,
                ends_at=start + duration,
                window_start=start,
                window_end=start + window_len,
                added_travel_minutes=round(added / 60),
                travel_minutes=round(to_job / 60),
                cost=round(cost, 2),
            )
            chosen.append(offer)
            starts.add(start)
            gaps.add(gap)
    ranked = [Offer(**{**o.__dict__, "rank": i}) for i, o in enumerate(chosen, start=1)]
    notes = []
    if job is None:
        notes.append("The place has no coordinates: travel is not counted.")
    if not territories and request.territory is None:
        notes.append("No territory covers the place: every technician was considered.")
    return OfferResult(
        offers=ranked,
        technicians_considered=len(technicians),
        territories=territories,
        notes=notes,
    )


def request_for_work_order(
    work_order, *, start_date: dt.date | None = None, end_date: dt.date | None = None, now=None
) -> OfferRequest:
    """An offer request from a work order: its place, skills, duration and, when it has
    one, the customer's window (dates and hours of the day)."""
    now = now or timezone.now()
    location = work_order.location
    tz = ZoneInfo(location.time_zone or settings.TIME_ZONE)
    earliest = latest = None
    not_before = not_after = None
    if work_order.window_start and work_order.window_end:
        not_before, not_after = work_order.window_start, work_order.window_end
        ws, we = work_order.window_start.astimezone(tz), work_order.window_end.astimezone(tz)
        start_date = start_date or ws.date()
        end_date = end_date or we.date()
        if ws.date() == we.date():
            earliest, latest = ws.time(), we.time()
    today = now.astimezone(tz).date()
    start_date = max(start_date or today, today)
    end_date = end_date or start_date + dt.timedelta(days=settings.SCHEDULING_OFFER_MAX_DAYS - 1)
    return OfferRequest(
        duration_minutes=work_order.estimated_minutes,
        start_date=start_date,
        end_date=max(end_date, start_date),
        latitude=float(location.latitude) if location.latitude is not None else None,
        longitude=float(location.longitude) if location.longitude is not None else None,
        postal_code=location.postal_code,
        skill_ids=frozenset(work_order.required_skills.values_list("pk", flat=True)),
        earliest=earliest,
        latest=latest,
        not_before=not_before,
        not_after=not_after,
        work_order_id=work_order.pk,
    )


__all__ = ["Offer", "OfferRequest", "OfferResult", "Point", "find_offers", "request_for_work_order"]
