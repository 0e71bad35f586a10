"""Appointment offers honour shifts, time off, skills (with valid certifications),
territory, documents and existing bookings, and rank by added travel and fit."""

from __future__ import annotations

import datetime as dt

import pytest

from servicebook.core.testing.factories import (
    make_located_work_order,
    make_skill,
    make_subcontractor,
    make_technician,
)
from servicebook.scheduling import services
from servicebook.scheduling.offers import OfferRequest, find_offers, request_for_work_order

from .conftest import MONDAY, local

pytestmark = pytest.mark.django_db

# Downtown Denver, and a place 25 km south.
DOWNTOWN = (39.7392, -104.9903)
SOUTH = (39.5150, -104.9900)


def request(**kw):
    base = {
        "duration_minutes": 60,
        "start_date": MONDAY,
        "end_date": MONDAY,
        "latitude": DOWNTOWN[0],
        "longitude": DOWNTOWN[1],
    }
    return OfferRequest(**{**base, **kw})


def test_offers_start_on_the_grid_within_shift_and_outside_lunch(admin, now, settings):
    settings.SCHEDULING_OFFER_LIMIT = 50
    make_technician(actor=admin, home=DOWNTOWN)
    offers = find_offers(request(), now=now).offers
    assert offers
    for offer in offers:
        start = offer.starts_at.astimezone(local(2026, 2, 9).tzinfo)
        assert start.minute in (0, 30)
        assert local(2026, 2, 9, 8) <= offer.starts_at
        assert offer.ends_at <= local(2026, 2, 9, 17)
        assert not (
            offer.starts_at < local(2026, 2, 9, 12, 30) and offer.ends_at > local(2026, 2, 9, 12)
        )


def test_the_nearest_technician_is_offered_first(admin, now):
    near = make_technician(actor=admin, home=DOWNTOWN, first_name="Near")
    make_technician(actor=admin, home=SOUTH, first_name="Far")
    best = find_offers(request(), now=now).offers[0]
    assert best.technician_id == near.pk
    assert best.added_travel_minutes == 0


def test_booked_time_and_time_off_are_not_offered(admin, dispatcher, now, settings):
    settings.SCHEDULING_OFFER_LIMIT = 50
    tech = make_technician(actor=admin, home=DOWNTOWN)
    job = make_located_work_order(actor=admin, estimated_minutes=120)
    services.appointment_book(
        work_order=job, technician=tech, starts_at=local(2026, 2, 9, 8), actor=dispatcher, now=now
    )
    services.time_off_add(
        technician=tech, starts_at=local(2026, 2, 9, 14), ends_at=local(2026, 2, 9, 17), actor=admin
    )
    offers = find_offers(request(), now=now).offers
    assert offers
    for offer in offers:
        assert offer.starts_at >= local(2026, 2, 9, 10)  # after the booking (+ no drive)
        assert offer.ends_at <= local(2026, 2, 9, 14)


def test_offers_after_a_far_job_leave_time_to_drive(admin, dispatcher, now, settings):
    settings.SCHEDULING_OFFER_LIMIT = 50
    tech = make_technician(actor=admin, home=DOWNTOWN)
    far = make_located_work_order(actor=admin, latitude=str(SOUTH[0]), longitude=str(SOUTH[1]))
    services.appointment_book(
        work_order=far, technician=tech, starts_at=local(2026, 2, 9, 9), actor=dispatcher, now=now
    )
    offers = [
        o for o in find_offers(request(), now=now).offers if o.starts_at > local(2026, 2, 9, 9)
    ]
    # 25 km x 1.3 at 40 km/h is about 49 minutes: nothing at 10:00 or 10:30.
    assert min(o.starts_at for o in offers) >= local(2026, 2, 9, 11)


def test_skills_must_be_held_and_certified(admin, now):
    gas = make_skill("gas")
    holder = make_technician(actor=admin, skills=[gas], first_name="Holder")
    lapsed = make_technician(actor=admin, skills=[gas], first_name="Lapsed")
    services.certification_add(
        technician=lapsed, name="Gas", skill=gas, expires_on=dt.date(2026, 1, 31), actor=admin
    )
    make_technician(actor=admin, first_name="Nogas")
    offers = find_offers(request(skill_ids=frozenset({gas.pk})), now=now).offers
    assert offers and {o.technician_id for o in offers} == {holder.pk}


def test_a_company_with_expired_insurance_is_not_offered(admin, now):
    lapsed = make_subcontractor(actor=admin, documents_until=dt.date(2026, 2, 1))
    make_technician(actor=admin, kind="subcontractor", subcontractor=lapsed)
    assert find_offers(request(), now=now).offers == []


def test_territory_limits_who_is_offered(admin, now):
    inside = make_technician(actor=admin, first_name="Inside")
    make_technician(actor=admin, first_name="Outside")
    services.territory_save(
        code="downtown", name="Downtown", postal_codes="80202", technicians=[inside], actor=admin
    )
    result = find_offers(request(postal_code="80202-4411"), now=now)
    assert {o.technician_id for o in result.offers} == {inside.pk}
    assert [t.code for t in result.territories] == ["downtown"]


def test_a_branch_serves_its_territory(admin, now):
    from servicebook.scheduling.models import Branch

    branch = Branch.objects.create(code="north", name="North")
    member = make_technician(actor=admin, branch=branch)
    make_technician(actor=admin)
    services.territory_save(
        code="north",
        name="North",
        polygons=[[[[-105.1, 39.7], [-104.9, 39.7], [-104.9, 39.8], [-105.1, 39.8]]]],
        branches=[branch],
        actor=admin,
    )
    offers = find_offers(request(), now=now).offers
    assert {o.technician_id for o in offers} == {member.pk}


def test_days_off_are_skipped_and_the_range_spans_days(admin, now, settings):
    settings.SCHEDULING_OFFER_LIMIT = 100
    make_technician(actor=admin)
    offers = find_offers(
        request(start_date=MONDAY, end_date=MONDAY + dt.timedelta(days=6)), now=now
    ).offers
    assert {o.date.weekday() for o in offers} <= {0, 1, 2, 3, 4}
    assert len({o.date for o in offers}) == 5


def test_request_from_a_work_order_keeps_its_window(admin, now, settings):
    settings.SCHEDULING_OFFER_LIMIT = 50
    make_technician(actor=admin)
    job = make_located_work_order(
        actor=admin,
        skills=[],
        window_start=local(2026, 2, 9, 13),
        window_end=local(2026, 2, 9, 15),
        now=now,
    )
    offers = find_offers(request_for_work_order(job, now=now), now=now).offers
    assert offers
    assert all(local(2026, 2, 9, 13) <= o.starts_at <= local(2026, 2, 9, 15) for o in offers)


def test_one_offer_per_start_time_and_spread_first(admin, now):
    for _ in range(3):
        make_technician(actor=admin)
    offers = find_offers(request(), now=now).offers
    starts = [o.starts_at for o in offers]
    assert len(starts) == len(set(starts))
    assert [o.rank for o in offers] == list(range(1, len(offers) + 1))
