"""CSV and Excel import and export of technicians: one row a technician, with their
company or branch, login, home base, territories and skills.

The export writes the columns the import reads. A blank id makes a new technician; an id
updates that technician where the file differs (a row already as the file says writes
nothing). Territories and skills are the full set: the import makes the technician's set
what the cell lists. Every write goes through the scheduling services (capability
scheduling.manage, validation, audit). The engine is servicebook.core.transfer.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from servicebook.core.errors import ValidationFailed
from servicebook.core.transfer import FALSE, TRUE, UNCHANGED, ImportReport, run_import
from servicebook.workorders.models import Skill

from . import services
from .choices import TechnicianKind
from .models import Branch, Certification, Subcontractor, Technician, Territory

TECHNICIAN_COLUMNS = [
    "id",
    "first_name",
    "last_name",
    "kind",
    "subcontractor",
    "branch",
    "employee_number",
    "user",
    "phone",
    "email",
    "home_address",
    "home_latitude",
    "home_longitude",
    "time_zone",
    "territories",
    "skills",
    "certifications",
    "active",
]
REQUIRED = ["first_name", "last_name"]
# Plain text fields the import sets as they are in the file.
TEXT_FIELDS = ["first_name", "last_name", "employee_number", "phone", "email", "home_address"]
EXPORT_CHUNK = 1_000
SEPARATOR = ";"


def _split(value: str) -> list[str]:
    return [p.strip() for p in (value or "").split(SEPARATOR) if p.strip()]


def _by_code(model, code: str, column: str):
    if not code:
        return None
    found = model.objects.filter(code=code.strip()).first()
    if found is None:
        raise ValidationFailed({column: [f"No {model._meta.verbose_name} with code “{code}”."]})
    return found


def _user(username: str):
    if not username:
        return None
    user = get_user_model().objects.filter(username__iexact=username.strip()).first()
    if user is None:
        raise ValidationFailed({"user": [f"No login named “{username}”."]})
    return user


def _coordinate(value: str, column: str):
    if not value:
        return None
    try:
        number = Decimal(value)
    except ArithmeticError as exc:
        raise ValidationFailed({column: [f"“{value}” is not a number of degrees."]}) from exc
    if not number.is_finite():
        raise ValidationFailed({column: [f"“{value}” is not a number of degrees."]})
    return number.quantize(Decimal("0.000001")) if abs(number) <= 180 else number


def _active(value: str) -> bool:
    text = (value or "").strip().lower()
    if text not in TRUE | FALSE:
        raise ValidationFailed({"active": [f"“{value}” is not yes or no."]})
    # A blank cell keeps a new technician active: a row is usually someone who works.
    return text in TRUE or text == ""


def _fields(row: dict) -> dict:
    """The technician's own fields the file gives, as the services take them."""
    values = {name: row[name] for name in TEXT_FIELDS if name in row}
    if "branch" in row:
        values["branch"] = _by_code(Branch, row["branch"], "branch")
    if "user" in row:
        values["user"] = _user(row["user"])
    if "home_latitude" in row:
        values["home_latitude"] = _coordinate(row["home_latitude"], "home_latitude")
    if "home_longitude" in row:
        values["home_longitude"] = _coordinate(row["home_longitude"], "home_longitude")
    if row.get("time_zone"):
        values["time_zone"] = row["time_zone"]
    if "active" in row:
        values["active"] = _active(row["active"])
    return values


def _skills(row: dict) -> list[Skill]:
    codes = _split(row.get("skills", ""))
    found = {s.code: s for s in Skill.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed({"skills": [f"No skill with code {', '.join(missing)}."]})
    return list(found.values())


def _territories(row: dict) -> list[Territory]:
    codes = _split(row.get("territories", ""))
    found = {t.code: t for t in Territory.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed({"territories": [f"No territory {', '.join(missing)}."]})
    return list(found.values())


def _set_memberships(tech: Technician, row: dict, actor) -> bool:
    changed = False
    if "skills" in row:
        wanted = _skills(row)
        have = set(tech.skills.values_list("skill_id", flat=True))
        if have != {s.pk for s in wanted}:
            services.technician_set_skills(technician=tech, skills=wanted, actor=actor)
            changed = True
    if "territories" in row:
        wanted = {t.pk: t for t in _territories(row)}
        have = {t.pk: t for t in tech.territories.all()}
        for pk in wanted.keys() - have.keys():
            territory = wanted[pk]
            members = [*territory.technicians.all(), tech]
            services.territory_save(territory=territory, technicians=members, actor=actor)
        for pk in have.keys() - wanted.keys():
            territory = have[pk]
            members = territory.technicians.exclude(pk=tech.pk)
            services.territory_save(territory=territory, technicians=members, actor=actor)
        changed = changed or wanted.keys() != have.keys()
    return changed


def technicians_import(*, rows: list[dict], dry_run: bool, actor) -> ImportReport:
    """Create technicians (blank id) or update them (by id) from rows."""

    def apply(row: dict) -> bool | None:
        values = _fields(row)
        kind = row.get("kind") or TechnicianKind.EMPLOYEE
        company = _by_code(Subcontractor, row.get("subcontractor", ""), "subcontractor")
        if not row.get("id"):
            tech = services.technician_create(
                kind=kind, subcontractor=company, actor=actor, **values
            )
            _set_memberships(tech, row, actor)
            return True
        if not row["id"].isdigit():
            raise ValidationFailed({"id": [f"“{row['id']}” is not a technician id."]})
        tech = Technician.objects.filter(pk=int(row["id"])).first()
        if tech is None:
            raise ValidationFailed({"id": [f"No technician {row['id']}."]})
        if "kind" in row and (kind != tech.kind or company != tech.subcontractor):
            # The services keep who employs someone fixed; a move is a new technician.
            raise ValidationFailed({"kind": ["A technician's employer does not change here."]})
        diff = {k: v for k, v in values.items() if getattr(tech, k) != v}
        if diff:
            services.technician_update(technician=tech, actor=actor, **diff)
        changed = _set_memberships(tech, row, actor)
        return False if (diff or changed) else UNCHANGED

    return run_import("Technicians", rows, apply, dry_run=dry_run)


# --- Export -------------------------------------------------------------------------------------


def technicians_table() -> Iterator[list]:
    """Every technician, one row each, read a chunk at a time."""
    techs = (
        Technician.objects.select_related("branch", "subcontractor", "user")
        .prefetch_related(
            "territories",
            "skills__skill",
            Prefetch(
                "certifications",
                queryset=Certification.objects.select_related("skill").order_by("name", "id"),
            ),
        )
        .order_by("last_name", "first_name", "id")
    )
    for t in techs.iterator(chunk_size=EXPORT_CHUNK):
        yield [
            t.pk,
            t.first_name,
            t.last_name,
            t.kind,
            t.subcontractor.code if t.subcontractor else "",
            t.branch.code if t.branch else "",
            t.employee_number,
            t.user.username if t.user else "",
            t.phone,
            t.email,
            t.home_address,
            t.home_latitude,
            t.home_longitude,
            t.time_zone,
            "; ".join(sorted(x.code for x in t.territories.all())),
            "; ".join(sorted(s.skill.code for s in t.skills.all())),
            "; ".join(
                f"{c.name}{f' ({c.skill.code})' if c.skill else ''}"
                f" until {c.expires_on.isoformat() if c.expires_on else 'no expiry'}"
                for c in t.certifications.all()
            ),
            "yes" if t.active else "no",
        ]
