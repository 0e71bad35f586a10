"""Import and export of technicians: the export reads back in with no change, bad rows are
listed with their row number and column while the good rows are kept, a dry run changes
nothing, CSV and XLSX both, and a file with a wrong header is refused whole."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from servicebook.core.models import AuditEvent
from servicebook.core.testing.factories import (
    PASSWORD,
    make_skill,
    make_subcontractor,
    make_technician,
    make_user,
)
from servicebook.core.transfer import BadFile, read_rows, to_csv, to_xlsx
from servicebook.scheduling import services, transfer
from servicebook.scheduling.models import Technician, Territory

COLS = transfer.TECHNICIAN_COLUMNS


def _rows(text: str, name: str = "t.csv"):
    return read_rows(name, text.encode(), COLS, required=transfer.REQUIRED, strict=True)


def _csv(*lines: str) -> str:
    return ",".join(COLS) + "\n" + "".join(line + "\n" for line in lines)


@pytest.fixture
def crew(admin):
    login = make_user("technician", username="alex")
    north = services.territory_save(code="north", name="North", actor=admin)
    services.territory_save(code="south", name="South", actor=admin)
    make_skill("gas")
    alex = make_technician(first_name="Alex", last_name="Ames", skills=["hvac"], user=login)
    services.territory_save(territory=north, technicians=[alex], actor=admin)
    services.certification_add(
        technician=alex,
        name="EPA 608",
        skill=make_skill("hvac"),
        expires_on=dt.date(2027, 3, 31),
        actor=admin,
    )
    company = make_subcontractor(actor=admin)
    sam = make_technician(
        first_name="Sam", last_name="Sub", kind="subcontractor", subcontractor=company, home=None
    )
    return {"alex": alex, "sam": sam, "company": company}


def test_export_then_import_changes_nothing(crew, admin):
    text = to_csv(COLS, transfer.technicians_table())
    assert "alex" in text and "north" in text and "EPA 608 (hvac) until 2027-03-31" in text
    assert crew["company"].code in text
    audits = AuditEvent.objects.count()
    report = transfer.technicians_import(rows=_rows(text), dry_run=False, actor=admin)
    assert (report.rows, report.unchanged, report.created, report.updated) == (2, 2, 0, 0)
    assert not report.rejected
    assert AuditEvent.objects.count() == audits


def test_xlsx_round_trip_and_update(crew, admin):
    data = to_xlsx(COLS, transfer.technicians_table(), "technicians")
    rows = read_rows("t.xlsx", data, COLS, required=transfer.REQUIRED, strict=True)
    assert rows[0]["home_latitude"] == "39.7392"
    rows[0]["skills"] = "gas; hvac"
    rows[0]["territories"] = "south"
    report = transfer.technicians_import(rows=rows, dry_run=False, actor=admin)
    assert (report.updated, report.unchanged, report.rejected) == (1, 1, [])
    alex = crew["alex"]
    assert sorted(alex.skills.values_list("skill__code", flat=True)) == ["gas", "hvac"]
    assert list(alex.territories.values_list("code", flat=True)) == ["south"]
    assert not Territory.objects.get(code="north").technicians.exists()


def test_bad_rows_are_listed_and_good_rows_kept(crew, admin):
    alex = crew["alex"]
    text = _csv(
        ",Nia,Noor,employee,,,E-7,,,,12 Oak St,39.7,-104.9,America/Denver,north,gas,,yes",
        ",Bad,Zone,employee,,,,,,,,,,Mars/Base,,,,",
        ",No,Company,subcontractor,,,,,,,,,,,,,,",
        f",Ann,Dup,employee,,,,{alex.user.username},,,,,,,,,,",
        ",Ann,Skill,employee,,,,,,,,,,,,plumbing,,",
        "999999,Who,Ever,employee,,,,,,,,,,,,,,",
        f"{alex.pk},Alexander,Ames,employee,,,,alex,,,,39.7392,-104.9903,America/Denver,"
        "north,hvac,,no",
        ",Lat,Only,employee,,,,,,,,91,,,,,,maybe",
    )
    before = Technician.objects.count()
    report = transfer.technicians_import(rows=_rows(text), dry_run=False, actor=admin)
    assert (report.created, report.updated) == (1, 1)
    assert [(r, f) for r, f, _ in report.rejected] == [
        (3, "time_zone"),
        (4, "subcontractor"),
        (5, "user"),
        (6, "skills"),
        (7, "id"),
        (9, "active"),
    ]
    assert Technician.objects.count() == before + 1
    nia = Technician.objects.get(last_name="Noor")
    assert (nia.employee_number, nia.home_address) == ("E-7", "12 Oak St")
    assert list(nia.skills.values_list("skill__code", flat=True)) == ["gas"]
    assert list(nia.territories.values_list("code", flat=True)) == ["north"]
    alex.refresh_from_db()
    assert (alex.first_name, alex.active) == ("Alexander", False)
    # A row refused after its technician was made leaves nothing (row 6: the skill).
    assert not Technician.objects.filter(last_name="Skill").exists()


def test_dry_run_changes_nothing(crew, admin):
    text = to_csv(COLS, transfer.technicians_table()).replace("Alex", "Alexis")
    text += ",New,Person,employee,,,,,,,,,,,south,gas,,\n"
    audits = AuditEvent.objects.count()
    report = transfer.technicians_import(rows=_rows(text), dry_run=True, actor=admin)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert AuditEvent.objects.count() == audits
    assert not Technician.objects.filter(last_name="Person").exists()
    assert Technician.objects.filter(first_name="Alex").exists()


def test_wrong_header_is_refused():
    with pytest.raises(BadFile, match="Missing column"):
        _rows("name,kind\nAlex,employee\n")
    with pytest.raises(BadFile, match="Unknown column"):
        _rows("first_name,last_name,shoe_size\nA,B,9\n")
    with pytest.raises(BadFile, match="Excel"):
        _rows("not a zip", name="t.xlsx")


def test_pages(client, crew, admin, dispatcher):
    assert client.login(username=admin.username, password=PASSWORD)
    page = client.get(reverse("scheduling:technicians_transfer"))
    assert page.status_code == 200 and b"Import technicians" in page.content
    csv_body = b"".join(client.get(reverse("scheduling:technicians_export")).streaming_content)
    assert csv_body.startswith(b"id,first_name,last_name")
    xlsx = client.get(reverse("scheduling:technicians_export") + "?format=xlsx")
    upload = SimpleUploadedFile("t.xlsx", b"".join(xlsx.streaming_content))
    done = client.post(reverse("scheduling:technicians_import"), {"file": upload, "dry_run": "on"})
    assert done.status_code == 200 and b"2 unchanged" in done.content
    refused = client.post(
        reverse("scheduling:technicians_import"),
        {"file": SimpleUploadedFile("t.csv", b"\xff\xfe bad")},
    )
    assert refused.status_code == 400 and b"UTF-8" in refused.content
