"""Browser test of the audit trail export: an admin opens it from the menu, picks a period
and downloads the CSV, which names who changed a goal (from -> to) and who erased a
customer."""

import csv
import io
from datetime import date

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ccops.audit import TRAIL_HEADER, audited
from ccops.kpi_models import SharedGoal
from workitems.erasure import customer_erase
from workitems.models import Customer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_downloads_the_audit_trail_of_a_period(page, login, admin_user, supervisor):
    goal = audited(
        SharedGoal(
            name="First contact resolution", kpi="fcr", target=80, effective_from=date(2026, 1, 1)
        ),
        supervisor,
    )
    goal.save()
    goal.target = 87.5
    audited(goal, supervisor).save()
    customer = Customer.objects.create(external_ref="C-9", name="Alice Example")
    customer_erase(customer=customer, by=admin_user)
    today = timezone.localdate().isoformat()

    login("boss")
    page.click("[data-testid=nav-area-admin]")  # the menu's areas are dropdowns
    page.click("[data-testid=nav] >> text=Audit export")
    page.wait_for_url("**/core/audit/export/")
    page.fill("#id_start", today)
    page.fill("#id_end", today)
    with page.expect_download() as info:
        page.click("[data-testid=audit-export-form] input[name=download]")
    download = info.value
    day = today.replace("-", "")
    assert download.suggested_filename == f"audit-trail-{day}-{day}.csv"
    with open(download.path(), encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))
    assert lines[0] == TRAIL_HEADER
    rows = [dict(zip(TRAIL_HEADER, line, strict=True)) for line in lines[1:]]
    changed = next(r for r in rows if r["action"] == "Changed")
    assert (changed["who"], changed["object_type"], changed["changes"]) == (
        str(supervisor),
        "shared goal",
        "target: 80.0 -> 87.5",
    )
    erased = next(r for r in rows if r["action"] == "Erased")
    assert (erased["who"], erased["object_id"]) == (str(admin_user), str(customer.pk))
    assert "Alice" not in repr(rows)  # the trail names the customer by id only

    # The same period as a spreadsheet, from the form's second button.
    with page.expect_download() as info:
        page.click("[data-testid=download-xlsx]")
    sheet = load_workbook(io.BytesIO(info.value.path().read_bytes()), read_only=True).worksheets[0]
    header, *cells = (list(row) for row in sheet.iter_rows(values_only=True))
    assert info.value.suggested_filename == f"audit-trail-{day}-{day}.xlsx"
    assert header == TRAIL_HEADER and len(cells) == len(rows)
