"""The field force pages: technicians (details, documents, skills, certifications,
onboarding, training, weekly shifts, overrides, time off, calendar link), subcontractor
companies and territories. Reading needs `scheduling.view`; changing, `scheduling.manage`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from servicebook.core.errors import ValidationFailed
from servicebook.core.permissions import capability_required
from servicebook.core.views import form_action
from servicebook.users.roles import Cap

from .. import compliance, selectors, services
from ..forms import (
    CertificationForm,
    DocumentForm,
    OnboardingForm,
    OverrideForm,
    SkillsForm,
    SubcontractorForm,
    TechnicianForm,
    TerritoryForm,
    TimeOffForm,
    TrainingForm,
    WeekForm,
)
from ..models import OnboardingStep, TimeOff

TECHNICIAN_FIELDS = (
    "first_name",
    "last_name",
    "branch",
    "employee_number",
    "phone",
    "email",
    "home_address",
    "home_latitude",
    "home_longitude",
    "time_zone",
    "cost_per_hour",
    "max_overtime_minutes",
    "hired_on",
    "active",
)


def _user_by_name(username: str):
    if not username:
        return None
    user = get_user_model().objects.filter(username__iexact=username.strip()).first()
    if user is None:
        raise ValidationFailed({"username": [f"No login named “{username}”."]})
    return user


# --- Technicians ----------------------------------------------------------------------------


@capability_required(Cap.SCHEDULING_VIEW)
def technicians(request: HttpRequest) -> HttpResponse:
    """Everyone in the field force with what blocks them today."""
    today = selectors.local_date(timezone.now())
    techs = selectors.technicians_visible_to(request.user).select_related("branch", "subcontractor")
    show = request.GET.get("show", "active")
    if show == "active":
        techs = techs.filter(active=True)
    roster = selectors.roster_load(techs, start=today, end=today, with_appointments=False)
    rows = []
    for tech in roster.technicians:
        day = roster.day(tech, today)
        rows.append(
            {
                "technician": tech,
                "skills": sorted(roster.codes(day.skills)),
                "problems": [p.message for p in day.problems],
                "shift": day.shift,
            }
        )
    return render(
        request,
        "scheduling/technicians.html",
        {"rows": rows, "show": show, "form": TechnicianForm(), "today": today},
    )


@capability_required(Cap.SCHEDULING_MANAGE)
def technician_new(request: HttpRequest) -> HttpResponse:
    form = TechnicianForm(request.POST or None)

    def page(form, status=200):
        return render(request, "scheduling/technician_new.html", {"form": form}, status=status)

    if request.method != "POST":
        return page(form)

    def call(d):
        return services.technician_create(
            kind=d["kind"],
            subcontractor=d["subcontractor"],
            user=_user_by_name(d["username"]),
            actor=request.user,
            **{k: d[k] for k in TECHNICIAN_FIELDS},
        )

    return form_action(
        request,
        form,
        call,
        done=lambda t: f"{t.name} added.",
        success_url=lambda t: reverse("scheduling:technician_detail", args=[t.pk]),
        failed=page,
    )


def _technician_forms(tech) -> dict:
    return {
        "details_form": TechnicianForm(
            initial={
                **{f: getattr(tech, f) for f in TECHNICIAN_FIELDS},
                "kind": tech.kind,
                "subcontractor": tech.subcontractor_id,
                "username": tech.user.username if tech.user_id else "",
            }
        ),
        "document_form": DocumentForm(),
        "skills_form": SkillsForm(
            initial={"skills": list(tech.skills.values_list("skill_id", flat=True))}
        ),
        "certification_form": CertificationForm(),
        "onboarding_form": OnboardingForm(),
        "training_form": TrainingForm(),
        "week_form": WeekForm(technician=tech),
        "override_form": OverrideForm(initial={"working": True}),
        "time_off_form": TimeOffForm(),
    }


def _technician_page(request, tech, *, forms=None, open_form="", status=200):
    today = selectors.local_date(timezone.now(), tech.time_zone)
    day = selectors.technician_day(tech, today)
    steps = [s for s in OnboardingStep.objects.filter(active=True) if s.applies_to(tech)]
    done = {r.step_id: r for r in tech.onboarding.select_related("completed_by")}
    docs = list(tech.documents.all())
    company_docs = list(tech.subcontractor.documents.all()) if tech.subcontractor_id else []
    in_force = {d.pk for d in compliance.in_force(docs).values()} | {
        d.pk for d in compliance.in_force(company_docs).values()
    }
    context = {
        "technician": tech,
        "today": today,
        "day": day,
        "skills": sorted(selectors.roster_load([tech], start=today, end=today).codes(day.skills)),
        "held": tech.skills.select_related("skill"),
        "certifications": tech.certifications.select_related("skill"),
        "documents": docs,
        "company_documents": company_docs,
        "in_force": in_force,
        "onboarding": [{"step": s, "record": done.get(s.pk)} for s in steps],
        "training": tech.training.all(),
        "overrides": tech.shift_overrides.filter(date__gte=today)[:20],
        "time_off": tech.time_off.filter(ends_at__gte=timezone.now())[:20],
        "open_form": open_form,
        "feed_url": request.build_absolute_uri(
            reverse("scheduling-calendar-detail", args=[tech.calendar_token])
        ),
        **_technician_forms(tech),
        **(forms or {}),
    }
    return render(request, "scheduling/technician_detail.html", context, status=status)


@capability_required(Cap.SCHEDULING_VIEW)
def technician_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tech = selectors.technician_get(user=request.user, pk=pk)
    return _technician_page(request, tech)


def _aware_in(value: dt.datetime, zone: str) -> dt.datetime:
    """A datetime-local value read in the technician's zone (the form read it in the
    business zone)."""
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return naive.replace(tzinfo=ZoneInfo(zone))


SECTIONS = {
    "details": TechnicianForm,
    "document": DocumentForm,
    "skills": SkillsForm,
    "certification": CertificationForm,
    "onboarding": OnboardingForm,
    "training": TrainingForm,
    "week": WeekForm,
    "override": OverrideForm,
    "time-off": TimeOffForm,
    "time-off-cancel": None,
    "calendar": None,
}


@require_POST
@capability_required(Cap.SCHEDULING_MANAGE)
def technician_edit(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """One change to a technician, by section of their page."""
    if section not in SECTIONS:
        raise Http404("No such section.")
    tech = selectors.technician_get(user=request.user, pk=pk)
    actor = request.user
    form_class = SECTIONS[section]
    if form_class is WeekForm:
        form = WeekForm(request.POST, technician=tech)
    elif form_class is not None:
        form = form_class(request.POST)
    else:
        form = SkillsForm({})  # no fields to validate

    def call(d):
        if section == "details":
            return services.technician_update(
                technician=tech,
                user=_user_by_name(d["username"]),
                actor=actor,
                **{k: d[k] for k in TECHNICIAN_FIELDS},
            )
        if section == "document":
            return services.document_add(technician=tech, actor=actor, **d)
        if section == "skills":
            return services.technician_set_skills(technician=tech, skills=d["skills"], actor=actor)
        if section == "certification":
            return services.certification_add(technician=tech, actor=actor, **d)
        if section == "onboarding":
            return services.onboarding_complete(technician=tech, actor=actor, **d)
        if section == "training":
            return services.training_add(technician=tech, actor=actor, **d)
        if section == "week":
            return services.shifts_set_week(technician=tech, week=form.week(), actor=actor)
        if section == "override":
            return services.shift_override_set(
                technician=tech,
                date=d["date"],
                working=d["working"],
                start=d["start"],
                end=d["end"],
                break_start=d["break_start"],
                break_minutes=d["break_minutes"] or 0,
                reason=d["reason"],
                actor=actor,
            )
        if section == "time-off":
            return services.time_off_add(
                technician=tech,
                kind=d["kind"],
                starts_at=_aware_in(d["starts_at"], tech.time_zone),
                ends_at=_aware_in(d["ends_at"], tech.time_zone),
                reason=d["reason"],
                actor=actor,
            )
        if section == "time-off-cancel":
            raw = request.POST.get("time_off", "")
            row = get_object_or_404(TimeOff, technician=tech, pk=int(raw) if raw.isdigit() else 0)
            return services.time_off_cancel(time_off=row, actor=actor)
        return services.technician_calendar_reset(technician=tech, actor=actor)

    key = section.replace("-", "_").replace("_cancel", "")
    return form_action(
        request,
        form,
        call,
        done="Saved.",
        success_url=reverse("scheduling:technician_detail", args=[tech.pk]) + f"#{section}",
        failed=lambda form, status: _technician_page(
            request, tech, forms={f"{key}_form": form}, open_form=section, status=status
        ),
    )


# --- Subcontractors -------------------------------------------------------------------------


@capability_required(Cap.SCHEDULING_VIEW)
def subcontractors(request: HttpRequest) -> HttpResponse:
    today = selectors.local_date(timezone.now())
    companies = selectors.subcontractors_visible_to(request.user).prefetch_related("documents")
    rows = []
    for company in companies:
        problems = compliance.document_problems(
            holder=company.name,
            documents=company.documents.all(),
            required=compliance.required_for_company(),
            on=today,
        )
        rows.append({"company": company, "problems": [p.message for p in problems]})
    return render(
        request,
        "scheduling/subcontractors.html",
        {"rows": rows, "form": SubcontractorForm()},
    )


SUB_FIELDS = ("name", "contact_name", "phone", "email", "cost_per_hour", "cost_per_day", "active")


@require_POST
@capability_required(Cap.SCHEDULING_MANAGE)
def subcontractor_new(request: HttpRequest) -> HttpResponse:
    form = SubcontractorForm(request.POST)
    return form_action(
        request,
        form,
        lambda d: services.subcontractor_create(
            code=d["code"], actor=request.user, **{k: d[k] for k in SUB_FIELDS}
        ),
        done=lambda c: f"{c.name} added.",
        success_url=lambda c: reverse("scheduling:subcontractor_detail", args=[c.pk]),
        failed=lambda form, status: render(
            request,
            "scheduling/subcontractors.html",
            {"rows": [], "form": form, "open_form": "new"},
            status=status,
        ),
    )


def _subcontractor_page(request, company, *, forms=None, status=200):
    today = selectors.local_date(timezone.now())
    docs = list(company.documents.all())
    context = {
        "company": company,
        "documents": docs,
        "in_force": {d.pk for d in compliance.in_force(docs).values()},
        "problems": [
            p.message
            for p in compliance.document_problems(
                holder=company.name,
                documents=docs,
                required=compliance.required_for_company(),
                on=today,
            )
        ],
        "technicians": company.technicians.all(),
        "users": company.users.all(),
        "details_form": SubcontractorForm(
            initial={"code": company.code, **{k: getattr(company, k) for k in SUB_FIELDS}}
        ),
        "document_form": DocumentForm(),
        **(forms or {}),
    }
    return render(request, "scheduling/subcontractor_detail.html", context, status=status)


@capability_required(Cap.SCHEDULING_VIEW)
def subcontractor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_object_or_404(selectors.subcontractors_visible_to(request.user), pk=pk)
    return _subcontractor_page(request, company)


@require_POST
@capability_required(Cap.SCHEDULING_MANAGE)
def subcontractor_edit(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    if section not in ("details", "document"):
        raise Http404("No such section.")
    company = get_object_or_404(selectors.subcontractors_visible_to(request.user), pk=pk)
    form = SubcontractorForm(request.POST) if section == "details" else DocumentForm(request.POST)

    def call(d):
        if section == "details":
            return services.subcontractor_update(
                subcontractor=company, actor=request.user, **{k: d[k] for k in SUB_FIELDS}
            )
        return services.document_add(subcontractor=company, actor=request.user, **d)

    return form_action(
        request,
        form,
        call,
        done="Saved.",
        success_url=reverse("scheduling:subcontractor_detail", args=[company.pk]),
        failed=lambda form, status: _subcontractor_page(
            request, company, forms={f"{section}_form": form}, status=status
        ),
    )


# --- Territories ----------------------------------------------------------------------------


@capability_required(Cap.SCHEDULING_VIEW)
def territories(request: HttpRequest) -> HttpResponse:
    rows = selectors.territories_visible_to(request.user).prefetch_related(
        "technicians", "branches"
    )
    return render(request, "scheduling/territories.html", {"territories": rows})


def _territory_call(request, territory):
    def call(d):
        return services.territory_save(
            territory=territory,
            code=d["code"],
            name=d["name"],
            postal_codes=d["postal_codes"],
            polygons=d["polygons"],
            technicians=d["technicians"],
            branches=d["branches"],
            active=d["active"],
            actor=request.user,
        )

    return call


@capability_required(Cap.SCHEDULING_MANAGE)
def territory_new(request: HttpRequest) -> HttpResponse:
    form = TerritoryForm(request.POST or None)

    def page(form, status=200):
        return render(
            request,
            "scheduling/territory_form.html",
            {"form": form, "territory": None},
            status=status,
        )

    if request.method != "POST":
        return page(form)
    return form_action(
        request,
        form,
        _territory_call(request, None),
        done=lambda t: f"Territory {t.name} added.",
        success_url=lambda t: reverse("scheduling:territory_detail", args=[t.pk]),
        failed=page,
    )


@capability_required(Cap.SCHEDULING_VIEW)
def territory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A territory's page; its form saves changes (with scheduling.manage)."""
    import json

    territory = get_object_or_404(selectors.territories_visible_to(request.user), pk=pk)
    initial = {
        "code": territory.code,
        "name": territory.name,
        "postal_codes": " ".join(territory.postal_codes or []),
        "polygons": json.dumps(territory.polygons) if territory.polygons else "",
        "technicians": list(territory.technicians.values_list("pk", flat=True)),
        "branches": list(territory.branches.values_list("pk", flat=True)),
        "active": territory.active,
    }

    def page(form, status=200):
        return render(
            request,
            "scheduling/territory_form.html",
            {"form": form, "territory": territory},
            status=status,
        )

    if request.method != "POST":
        return page(TerritoryForm(initial=initial))
    from servicebook.core.permissions import require_capability

    require_capability(request.user, Cap.SCHEDULING_MANAGE)
    return form_action(
        request,
        TerritoryForm(request.POST),
        _territory_call(request, territory),
        done="Territory saved.",
        success_url=reverse("scheduling:territory_detail", args=[territory.pk]),
        failed=page,
    )
