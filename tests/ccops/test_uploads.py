"""Upload limits: every CSV import refuses a too-large file or too many rows with a message
naming the limit (never a 500, nothing written), and an oversized request body gets a clear
400 page, or the API's JSON error shape."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from ccops import uploads
from staffing import csv_io as shift_csv
from staffing.errors import InvalidInput
from staffing.models import Shift
from workitems import csv_io as item_csv
from workitems.models import WorkItem

pytestmark = pytest.mark.django_db

ITEM_HEADER = "external_ref,work_type,title\n"
SHIFT_HEADER = "agent,date,start,end,activity,note\n"


def item_rows(n: int) -> bytes:
    return (ITEM_HEADER + "".join(f"R-{i},Claims,Title {i}\n" for i in range(n))).encode()


def shift_rows(n: int) -> bytes:
    return (SHIFT_HEADER + "agent,2026-03-02,09:00,10:00,front_office,\n" * n).encode()


def upload(data: bytes, name="file.csv"):
    return SimpleUploadedFile(name, data, "text/csv")


# --- The shared validator ------------------------------------------------------------------


def test_human_size():
    assert uploads.human_size(5 * 1024 * 1024) == "5 MB"
    assert uploads.human_size(int(6.25 * 1024 * 1024)) == "6.2 MB"
    assert uploads.human_size(2048) == "2 KB"
    assert uploads.human_size(10) == "10 bytes"


def test_count_rows_reads_csv_records_not_lines():
    text = 'a,b\n1,"two\nlines"\n\n3,x\n'
    assert uploads.count_rows(text, stop_after=100) == 2  # quoted newline, blank line
    assert uploads.count_rows("a;b\n1;2\n3;4\n", stop_after=100) == 2
    # An oversized file is not read to the end.
    assert uploads.count_rows("h\n" + "x\n" * 1000, stop_after=10) == 11


@override_settings(CSV_IMPORT_MAX_ROWS=3, CSV_IMPORT_MAX_BYTES=1000)
def test_check_csv_limits():
    uploads.check_csv(item_rows(3))  # at the limit: fine
    with pytest.raises(uploads.UploadRejected, match="more than 3 rows; the limit is 3 rows"):
        uploads.check_csv(item_rows(4))
    with pytest.raises(uploads.UploadRejected, match="the limit is 1000 bytes per file"):
        uploads.check_csv(b"x" * 1001)


def test_default_limits_are_the_settings(settings):
    assert settings.CSV_IMPORT_MAX_BYTES == 5 * 1024 * 1024
    assert settings.CSV_IMPORT_MAX_ROWS == 5_000
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2_621_440


# --- Work item import --------------------------------------------------------------------


def test_workitem_import_refuses_a_file_over_5_mb(client, supervisor):
    client.force_login(supervisor)
    big = item_rows(10) + b"#" * (5 * 1024 * 1024)
    response = client.post(reverse("workitems:import"), {"file": upload(big)})
    assert response.status_code == 400
    page = response.content.decode()
    # Just over the limit: the sizes are shown in bytes, so they differ visibly.
    assert (
        f"The file is {len(big):,} bytes; the limit is 5 MB (5,242,880 bytes) per file. "
        "Split it into smaller files and import them one by one. Nothing was imported."
    ) in page
    assert not WorkItem.objects.exists()


def test_workitem_import_refuses_more_than_5000_rows(client, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse("workitems:import"), {"file": upload(item_rows(5_001))})
    assert response.status_code == 400
    assert "The file has more than 5,000 rows; the limit is 5,000 rows per file." in (
        response.content.decode()
    )
    assert not WorkItem.objects.exists()


@override_settings(CSV_IMPORT_MAX_ROWS=2)
def test_workitem_import_service_holds_the_same_limit(supervisor):
    report = item_csv.import_csv(data=item_rows(3), by=supervisor)
    assert report.file_error.startswith("The file has more than 2 rows; the limit is 2 rows")
    assert not WorkItem.objects.exists()


def test_workitem_import_page_states_the_limits(client, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("workitems:import")).content.decode()
    assert "at most 5 MB and 5,000 rows" in page  # the field's help text
    assert "Limits: 5 MB and 5,000 rows per file." in page


# --- Shift import ------------------------------------------------------------------------


@override_settings(CSV_IMPORT_MAX_BYTES=1000)
def test_shift_import_refuses_a_too_large_file(client, planner, agent):
    client.force_login(planner)
    response = client.post(reverse("staffing:schedule_import"), {"file": upload(shift_rows(40))})
    assert response.status_code == 400
    assert "; the limit is 1000 bytes per file. Split it into smaller files" in (
        response.content.decode()
    )
    assert not Shift.objects.exists()


@override_settings(SHIFT_IMPORT_MAX_ROWS=2)
def test_shift_import_refuses_too_many_rows(client, planner, agent):
    client.force_login(planner)
    response = client.post(reverse("staffing:schedule_import"), {"file": upload(shift_rows(3))})
    assert response.status_code == 400
    assert "The file has more than 2 rows; the limit is 2 rows per file." in (
        response.content.decode()
    )
    assert not Shift.objects.exists()


def test_shift_import_default_row_limit(settings):
    assert settings.SHIFT_IMPORT_MAX_ROWS == 20_000
    with pytest.raises(InvalidInput) as caught:
        shift_csv.read_shifts(shift_rows(20_001))
    assert caught.value.errors == {
        "file": [
            "The file has more than 20,000 rows; the limit is 20,000 rows per file. Split it "
            "into smaller files and import them one by one. Nothing was imported."
        ]
    }


# --- Request bodies over DATA_UPLOAD_MAX_MEMORY_SIZE -------------------------------------


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_oversized_form_post_gets_a_clear_400_page(supervisor):
    client = Client()
    client.force_login(supervisor)
    response = client.post(reverse("workitems:import"), {"note": "x" * 5000})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="bad-request"' in page
    assert "larger than the 1 KB limit, so it was not processed and nothing was saved" in page


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_oversized_api_body_gets_the_json_error_shape(api_as, admin_user):
    api = api_as(admin_user)
    body = json.dumps({"name": "x" * 5000})
    response = api.post("/api/v1/worktypes/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["detail"].startswith("The request is larger than the 1 KB limit")
    assert data["errors"] == {"non_field_errors": [data["detail"]]}
