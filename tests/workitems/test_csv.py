"""CSV import (all or nothing, idempotent, every bad row reported) and the import page."""

import csv
import io
import threading

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_back_type
from tests.services import require_postgres
from workitems import csv_io, services
from workitems.choices import EventKind, Source, Status
from workitems.errors import InvalidInput
from workitems.models import Customer, WorkItem, WorkItemEvent, WorkType

pytestmark = pytest.mark.django_db

IMPORT = reverse("workitems:import")
HEADER = "external_ref,work_type,title,details,customer_ref,customer_name,priority,created_at\n"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(lines) + "\n").encode()


GOOD = csv_bytes(
    "R-1,Claims,Water damage,Kitchen flooded,C-7,Dana Field,4,2026-01-05T09:30:00",
    "R-2,claims,Second claim,,C-7,,,",
    "R-3,Calls,Call back,,,,2,",
)


def test_good_file_imports_every_row(supervisor, back_type, front_type):
    report = csv_io.import_csv(data=GOOD, by=supervisor)
    assert report.ok and (report.rows, report.created, report.already_imported) == (3, 3, 0)
    r1 = WorkItem.objects.get(source=Source.IMPORT, external_ref="R-1")
    assert (r1.work_type, r1.title, r1.details, r1.priority) == (
        back_type,
        "Water damage",
        "Kitchen flooded",
        4,
    )
    assert r1.created_at.isoformat() == "2026-01-05T09:30:00+00:00"
    assert r1.due_at == r1.created_at + back_type.sla  # the service set the due time
    assert r1.customer.name == "Dana Field"
    r2 = WorkItem.objects.get(external_ref="R-2")
    # Same customer by ref (named on another row); its priority is the type's default.
    assert r2.customer_id == r1.customer_id and r2.priority == back_type.priority
    assert WorkItem.objects.get(external_ref="R-3").customer is None
    assert WorkItemEvent.objects.filter(kind=EventKind.CREATED, actor=supervisor).count() == 3
    assert Customer.objects.count() == 1


def test_reimport_is_idempotent(supervisor, back_type, front_type):
    csv_io.import_csv(data=GOOD, by=supervisor)
    again = csv_io.import_csv(data=GOOD, by=supervisor)
    assert again.ok and (again.created, again.already_imported) == (0, 3)
    assert WorkItem.objects.count() == 3 and WorkItemEvent.objects.count() == 3
    # A file with one new row adds only that row.
    more = csv_io.import_csv(data=GOOD + b"R-4,Calls,New one,,,,,\n", by=supervisor)
    assert (more.created, more.already_imported) == (1, 3)


def test_one_bad_row_writes_nothing_and_every_bad_row_is_listed(supervisor, back_type):
    WorkType.objects.create(
        name="Old",
        office="back",
        channel="case",
        sla=back_type.sla,
        standard_minutes=1,
        active=False,
    )
    data = csv_bytes(
        "R-1,Claims,Fine row,,,,,",
        "R-2,Nope,Bad type,,,,,",
        "R-3,Claims,,,,,9,yesterday",
        "R-1,Claims,Repeated ref,,,,,",
        ",Claims,No ref,,,,,",
        "R-6,Old,Inactive type,,,,,",
        "R-7,Claims,New customer without name,,C-NEW,,,",
        "R-8,Claims,Name without ref,,,Someone,,",
        "R-9,Claims,Future,,,,,2999-01-01T00:00:00",
        "R-10,Claims,Too many values,,,,,,extra",
    )
    report = csv_io.import_csv(data=data, by=supervisor)
    assert not report.ok and report.created == 0
    assert not WorkItem.objects.exists() and not Customer.objects.exists()
    by_line = {e.line: e.reasons for e in report.errors}
    assert set(by_line) == {3, 4, 5, 6, 7, 8, 9, 10, 11}
    assert by_line[3] == ["unknown work type 'Nope'"]
    assert by_line[4] == [
        "title is missing",
        "priority '9' is not a whole number from 1 to 5",
        "created_at 'yesterday' is not an ISO date/time (e.g. 2026-03-02T09:30:00)",
    ]
    assert by_line[5] == ["external_ref 'R-1' is repeated (first on line 2)"]
    assert by_line[6] == ["external_ref is missing"]
    assert by_line[7] == ["work type 'Old' is not active"]
    assert by_line[8] == ["customer 'C-NEW' is new: give its customer_name"]
    assert by_line[9] == ["customer_name is given without a customer_ref"]
    assert by_line[10] == ["created_at '2999-01-01T00:00:00' is in the future"]
    assert by_line[11] == ["the row has more values than the header has columns"]


def test_a_service_refusal_rolls_back_the_whole_file(supervisor, back_type, monkeypatch):
    real = services.workitem_create

    def refuse_second(**kwargs):
        if kwargs["external_ref"] == "R-2":
            raise InvalidInput("Work type Claims is not active.", field="work_type")
        return real(**kwargs)

    monkeypatch.setattr(services, "workitem_create", refuse_second)
    data = csv_bytes("R-1,Claims,One,,C-1,Ann,,", "R-2,Claims,Two,,,,,")
    report = csv_io.import_csv(data=data, by=supervisor)
    assert [(e.line, e.reasons) for e in report.errors] == [
        (3, ["Work type Claims is not active."])
    ]
    assert report.created == 0
    assert not WorkItem.objects.exists() and not Customer.objects.exists()


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "The file is empty"),
        (b"title,details\nx,y\n", "Missing column(s): external_ref, work_type"),
        (HEADER.encode(), "The file has a header but no rows."),
        ("external_ref,work_type,title\nR-1,Claims,Caf\xe9\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_unreadable_files_are_rejected_whole(supervisor, back_type, data, message):
    report = csv_io.import_csv(data=data, by=supervisor)
    assert message in report.file_error
    assert not WorkItem.objects.exists()


def test_semicolons_bom_blank_lines_and_header_case(supervisor, back_type):
    data = "\ufeffExternal Ref;Work Type;Title;Notes\nR-1;Claims;Semi;x\n\n;;;\n".encode()
    report = csv_io.import_csv(data=data, by=supervisor)
    assert report.ok and report.created == 1 and report.ignored_columns == ["notes"]
    assert WorkItem.objects.get().title == "Semi"


def test_quoted_multiline_field_and_line_numbers(supervisor, back_type):
    data = csv_bytes('R-1,Claims,Ok,"line one\nline two",,,,', "R-2,Claims,,,,,,")
    report = csv_io.import_csv(data=data, by=supervisor)
    assert [(e.line, e.external_ref) for e in report.errors] == [(4, "R-2")]


@override_settings(CSV_IMPORT_MAX_ROWS=2)
def test_row_limit(supervisor, back_type):
    report = csv_io.import_csv(data=GOOD, by=supervisor)
    assert report.file_error == (
        "The file has more than 2 rows; the limit is 2 rows per file. Split it into smaller "
        "files and import them one by one. Nothing was imported."
    )
    assert not WorkItem.objects.exists()


@override_settings(CSV_IMPORT_MAX_BYTES=100)
def test_size_limit(supervisor, back_type):
    report = csv_io.import_csv(data=GOOD, by=supervisor)
    assert report.file_error.startswith(f"The file is {len(GOOD)} bytes; the limit is 100 bytes")
    assert not WorkItem.objects.exists()


def test_template_has_the_columns_and_imports_cleanly(client, supervisor, back_type, front_type):
    client.force_login(supervisor)
    response = client.get(reverse("workitems:import_template"))
    assert response["Content-Disposition"] == 'attachment; filename="work-items-template.csv"'
    body = response.content
    assert next(csv.reader(io.StringIO(body.decode()))) == list(csv_io.COLUMNS)
    report = csv_io.import_csv(data=body, by=supervisor)
    assert report.ok and report.created == 2


# --- The page ---------------------------------------------------------------------------


def upload(client, data: bytes, name="items.csv"):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data, "text/csv")})


def test_import_page_reports_bad_rows(client, supervisor, back_type):
    client.force_login(supervisor)
    page = client.get(IMPORT).content.decode()
    assert "Download the template CSV" in page and "Claims" in page
    response = upload(client, csv_bytes("R-1,Claims,Ok,,,,,", "R-2,Nope,Bad,,,,,"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "1</strong> of 2 row(s) have errors. Nothing was imported" in page
    assert "<td>3</td><td>R-2</td><td>unknown work type &#x27;Nope&#x27;</td>" in page
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Nothing was imported from items.csv."
    ]
    assert not WorkItem.objects.exists()


def test_import_page_imports_and_reimports(client, supervisor, back_type, front_type):
    client.force_login(supervisor)
    response = upload(client, GOOD)
    assert response.status_code == 200
    assert "3 row(s) read: <strong>3</strong> imported, <strong>0</strong> already" in (
        response.content.decode()
    )
    response = upload(client, GOOD)
    assert "<strong>0</strong> imported, <strong>3</strong> already imported" in (
        response.content.decode()
    )
    assert WorkItem.objects.filter(status=Status.NEW).count() == 3


def test_import_page_form_errors(client, supervisor):
    client.force_login(supervisor)
    response = client.post(IMPORT, {})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    with override_settings(CSV_IMPORT_MAX_BYTES=10):
        response = upload(client, GOOD)
    assert response.status_code == 400
    assert "the limit is 10 bytes per file. Split it into smaller files" in (
        response.content.decode()
    )
    assert not WorkItem.objects.exists()


def test_import_page_is_for_supervisors(client, agent):
    client.force_login(agent)
    response = upload(client, GOOD)
    assert response.status_code == 403
    assert not WorkItem.objects.exists()


def test_import_page_queries(client, supervisor, back_type, django_assert_num_queries):
    client.force_login(supervisor)
    # 1 user + team, 2 roles, 3 active work types (the help text)
    with django_assert_num_queries(3):
        client.get(IMPORT)


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_the_same_file_never_duplicate(supervisor, back_type, front_type):
    require_postgres()
    barrier = threading.Barrier(2)
    reports = []

    def run():
        barrier.wait()
        try:
            reports.append(csv_io.import_csv(data=GOOD, by=supervisor))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted((r.created, r.already_imported) for r in reports) == [(0, 3), (3, 0)]
    assert WorkItem.objects.count() == 3 and Customer.objects.count() == 1


# --- Exports: cells a spreadsheet would run as formulas are written as text -------------


def test_queue_export_writes_formulas_as_text_and_numbers_as_numbers(client, supervisor, make_item):
    customer = Customer.objects.create(
        external_ref="-2+3+cmd|' /C calc'!A0", name='=HYPERLINK("http://evil","click")'
    )
    item = make_item(title="@SUM(1+1)", customer=customer, priority=4)
    client.force_login(supervisor)
    response = client.get(reverse("workitems:queue_export"))
    body = b"".join(response.streaming_content).decode()
    assert body.startswith('"id","')  # every cell quoted
    (row,) = csv.DictReader(io.StringIO(body))
    assert row["title"] == "'@SUM(1+1)"
    assert row["customer_name"] == '\'=HYPERLINK("http://evil","click")'
    assert row["customer_ref"] == "'-2+3+cmd|' /C calc'!A0"
    assert (row["id"], row["priority"]) == (str(item.pk), "4")  # numbers stay numbers


def test_queue_export_as_a_spreadsheet(client, supervisor, make_item):
    customer = Customer.objects.create(external_ref="C-9", name='=HYPERLINK("http://evil")')
    item = make_item(title="@SUM(1+1)", customer=customer, priority=4)
    client.force_login(supervisor)
    response = client.get(reverse("workitems:queue_export"), {"format": "xlsx"})
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    header, row = (list(r) for r in sheet.iter_rows(values_only=True))
    cells = dict(zip(header, row, strict=True))
    assert cells["id"] == item.pk and cells["priority"] == 4  # numbers stay numbers
    assert cells["title"] == "@SUM(1+1)"  # a string cell, not a formula
    assert cells["customer_name"] == '=HYPERLINK("http://evil")'


def test_template_writes_a_formula_work_type_name_as_text(
    client, supervisor, back_team, claims_skill
):
    make_back_type(back_team, claims_skill, name="=1+1")
    client.force_login(supervisor)
    body = client.get(reverse("workitems:import_template")).content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == list(csv_io.COLUMNS)
    assert "'=1+1" in {row[1] for row in rows[1:]}
    assert "=1+1" not in {row[1] for row in rows[1:]}
