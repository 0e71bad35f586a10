"""Whether a technician may be sent out on a date: documents in force and skills that count.

Rules (documented in docs/scheduling.md):

* Documents. For each kind (insurance, license), the holder's document with the latest
  expiry is the one in force (a renewal is a new document; the old one stays as history).
  A document in force that expired before the day of the work blocks dispatch of the
  technician — and, for a subcontractor company's document, of every technician of that
  company. A kind listed as required (SCHEDULING_REQUIRED_DOCUMENTS_SUBCONTRACTOR for
  companies, SCHEDULING_REQUIRED_DOCUMENTS_TECHNICIAN for every technician) and missing
  also blocks. A document is good through its expiry date (inclusive).
* Skills. A technician's skill counts on a day unless certifications back it (name the
  same skill) and none of them is valid that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from .choices import DocumentKind, TechnicianKind


@dataclass(frozen=True)
class Problem:
    """Why a technician cannot be dispatched (one line for a person to read)."""

    field: str
    message: str


def _valid(expires_on: dt.date | None, on: dt.date) -> bool:
    return expires_on is None or expires_on >= on


def in_force(documents: Iterable) -> dict[str, object]:
    """kind -> the document with the latest expiry (no expiry beats any date)."""
    best: dict[str, object] = {}
    for doc in documents:
        current = best.get(doc.kind)
        if current is None or _later(doc.expires_on, current.expires_on):
            best[doc.kind] = doc
    return best


def _later(a: dt.date | None, b: dt.date | None) -> bool:
    if a is None:
        return b is not None
    if b is None:
        return False
    return a > b


def _label(kind: str) -> str:
    try:
        return DocumentKind(kind).label
    except ValueError:
        return kind


def document_problems(
    *,
    holder: str,
    documents: Iterable,
    required: Iterable[str],
    on: dt.date,
) -> list[Problem]:
    """What is wrong with one holder's documents on a date."""
    problems = []
    forced = in_force(documents)
    for kind in required:
        if kind not in forced:
            problems.append(Problem("documents", f"{holder} has no {_label(kind).lower()}."))
    for kind, doc in sorted(forced.items()):
        if not _valid(doc.expires_on, on):
            problems.append(
                Problem(
                    "documents",
                    f"{holder}'s {_label(kind).lower()} {doc.reference} expired on "
                    f"{doc.expires_on:%Y-%m-%d}.",
                )
            )
    return problems


def required_for_company() -> list[str]:
    return list(settings.SCHEDULING_REQUIRED_DOCUMENTS_SUBCONTRACTOR)


def required_for_technician() -> list[str]:
    return list(settings.SCHEDULING_REQUIRED_DOCUMENTS_TECHNICIAN)


def technician_problems(
    technician,
    *,
    on: dt.date,
    own_documents: Iterable,
    company_documents: Iterable = (),
) -> list[Problem]:
    """Everything that blocks dispatching this technician on `on`: inactive, their own
    documents, and their subcontractor company's (inactive company, documents)."""
    problems: list[Problem] = []
    if not technician.active:
        problems.append(Problem("technician", f"{technician.name} is no longer active."))
    problems += document_problems(
        holder=technician.name,
        documents=own_documents,
        required=required_for_technician(),
        on=on,
    )
    if technician.kind == TechnicianKind.SUBCONTRACTOR and technician.subcontractor_id:
        company = technician.subcontractor
        if not company.active:
            problems.append(Problem("subcontractor", f"{company.name} is no longer active."))
        problems += document_problems(
            holder=company.name,
            documents=company_documents,
            required=required_for_company(),
            on=on,
        )
    return problems


def skills_on(skill_ids: Iterable[int], certifications: Iterable, on: dt.date) -> frozenset[int]:
    """The skill ids that count on a date: held, and not backed only by expired
    certificates. A certificate not yet issued on the date does not back it either."""
    backing: dict[int, bool] = {}
    for cert in certifications:
        if cert.skill_id is None:
            continue
        valid = _valid(cert.expires_on, on) and (cert.issued_on is None or cert.issued_on <= on)
        backing[cert.skill_id] = backing.get(cert.skill_id, False) or valid
    return frozenset(s for s in skill_ids if backing.get(s, True))
