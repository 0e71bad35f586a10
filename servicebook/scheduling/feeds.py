"""The technician's calendar feed: their appointments as iCalendar events (scheduling.ical),
in the technician's own time zone."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from . import ical
from .choices import AppointmentStatus
from .models import Appointment, Technician


def technician_feed(
    technician: Technician, *, base_url: str, now: dt.datetime | None = None
) -> str:
    """The feed text: jobs from SCHEDULING_CALENDAR_PAST_DAYS ago to
    SCHEDULING_CALENDAR_FUTURE_DAYS ahead, cancelled ones left out (a calendar app drops an
    event that leaves the feed)."""
    now = now or timezone.now()
    start = now - dt.timedelta(days=settings.SCHEDULING_CALENDAR_PAST_DAYS)
    end = now + dt.timedelta(days=settings.SCHEDULING_CALENDAR_FUTURE_DAYS)
    appointments = (
        Appointment.objects.filter(technician=technician, starts_at__lt=end, ends_at__gt=start)
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("work_order__location", "work_order__account__customer")
        .order_by("starts_at", "id")
    )
    host = base_url.split("//", 1)[-1].split("/", 1)[0] or "servicebook"
    my_day = base_url.rstrip("/") + reverse("scheduling:my_day")
    events = []
    for a in appointments:
        wo = a.work_order
        location = wo.location
        lines = [wo.summary, f"Work order {wo.number} ({wo.get_work_type_display()})"]
        if a.window_start:
            lines.append(
                "Customer expects you "
                f"{a.window_start.astimezone(a.starts_at.tzinfo):%H:%M}"
                f"-{a.window_end.astimezone(a.starts_at.tzinfo):%H:%M}"
            )
        if location.access_notes:
            lines.append(f"Access: {location.access_notes}")
        events.append(
            ical.Event(
                uid=f"appointment-{a.pk}@{host}",
                start=a.starts_at,
                end=a.ends_at,
                summary=f"{wo.number} {wo.account.customer.display_name}: {wo.summary}"[:200],
                stamp=a.updated_at,
                location=location.one_line,
                description="\n".join(lines),
                status="CONFIRMED" if a.status != AppointmentStatus.SCHEDULED else "TENTATIVE",
                url=f"{my_day}?date={a.starts_at.date().isoformat()}",
                geo=(float(location.latitude), float(location.longitude))
                if location.latitude is not None and location.longitude is not None
                else None,
            )
        )
    return ical.calendar(
        name=f"{technician.name}: jobs", time_zone=technician.time_zone, events=events, now=now
    )
