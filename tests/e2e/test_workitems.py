"""Work pages in a real browser: an agent's next item, bulk assign, CSV import, the customer's
status link."""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from ccops.choices import Office
from training.models import AgentSkill, Skill
from workitems import services, status_links
from workitems.choices import Channel, PresenceState, Status
from workitems.models import AgentPresence, Customer, WorkItem, WorkType

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def calls(front_team):
    skill = Skill.objects.create(name="Inbound calls", office=Office.FRONT)
    return WorkType.objects.create(
        name="Calls",
        office=Office.FRONT,
        channel=Channel.CALL,
        sla=timedelta(hours=1),
        standard_minutes=6,
        required_skill=skill,
        owning_team=front_team,
    )


@pytest.fixture
def claims(back_team):
    return WorkType.objects.create(
        name="Claims",
        office=Office.BACK,
        channel=Channel.CASE,
        sla=timedelta(days=2),
        standard_minutes=25,
        owning_team=back_team,
    )


def test_agent_takes_the_next_item_and_marks_it_done(page, login, agent, calls):
    AgentSkill.objects.create(agent=agent, skill=calls.required_skill, level=3)
    customer = Customer.objects.create(external_ref="C-1", name="Alice Example")
    item = services.workitem_create(work_type=calls, title="Where is my parcel", customer=customer)
    login("agent")
    assert page.url.endswith("/work/")
    current = page.locator("[data-testid=current-item]")
    assert "You are not holding an item." in current.inner_text()

    page.click("[data-testid=next-item]")
    page.wait_for_load_state()
    assert f"#{item.pk} Where is my parcel" in current.inner_text()
    assert "Alice Example" in current.inner_text()

    page.fill("[data-testid=form-complete] textarea[name=note]", "Ships today")
    page.click("[data-testid=form-complete] [type=submit]")
    page.wait_for_load_state()
    assert f"#{item.pk} is done." in page.locator(".alert-success").inner_text()
    assert "Where is my parcel" not in current.inner_text()
    assert page.locator("[data-testid=queue-empty]").is_visible()
    assert page.locator("[data-testid=next-item]").is_visible()
    item.refresh_from_db()
    assert item.status == Status.DONE

    # The state selector submits itself on change (static JS, no inline script).
    with page.expect_navigation():
        page.select_option("[data-testid=presence-form] select", "break")
    assert page.locator("[data-testid=presence-state]").inner_text() == "Break"
    assert AgentPresence.objects.get(agent=agent).state == PresenceState.BREAK


def test_supervisor_bulk_assigns_from_the_queue(page, login, supervisor, agent, calls):
    items = [services.workitem_create(work_type=calls, title=f"Call {n}") for n in range(2)]
    login("super")
    assert page.url.endswith("/work/queue/")
    assert page.locator("[data-testid=queue-row]").count() == 2
    assert "Calls" in page.locator("[data-testid=backlog]").inner_text()

    page.check("[data-select-all=items]")  # ticks both rows
    page.select_option("#bulk-assign select[name=agent]", str(agent.pk))
    page.click("#bulk-assign [type=submit]")
    page.wait_for_load_state()
    assert "Assigned 2 item(s) to Agent." in page.locator(".alert-success").inner_text()
    cells = page.locator("[data-testid=queue-row] [data-testid=assignee]").all_inner_texts()
    assert cells == ["Agent", "Agent"]
    assert {i.assignee_id for i in WorkItem.objects.filter(pk__in=[i.pk for i in items])} == {
        agent.pk
    }

    # The filtered queue as a spreadsheet: the rows the page shows, assignee included.
    with page.expect_download() as info:
        page.click("[data-testid=export-xlsx]")
    sheet = load_workbook(io.BytesIO(info.value.path().read_bytes()), read_only=True).worksheets[0]
    header, *rows = (list(row) for row in sheet.iter_rows(values_only=True))
    assert info.value.suggested_filename.endswith(".xlsx")
    assert sorted(row[header.index("id")] for row in rows) == sorted(i.pk for i in items)


def test_supervisor_imports_a_csv_with_a_bad_row(page, login, supervisor, claims):
    login("super")
    page.click("[data-testid=nav-area-work]")  # the menu's areas are dropdowns
    page.click("[data-testid=nav] >> text=Import")
    page.wait_for_url("**/work/import/")
    data = (
        b"external_ref,work_type,title,priority\n"
        b"R-1,Claims,Water damage,3\n"
        b"R-2,Unknown type,Theft,9\n"
    )
    page.set_input_files("#id_file", {"name": "cases.csv", "mimeType": "text/csv", "buffer": data})
    page.click("[data-testid=import-form] [type=submit]")
    page.wait_for_load_state()
    report = page.locator("[data-testid=import-report]").inner_text()
    assert "1 of 2 row(s) have errors. Nothing was imported" in report
    row = page.locator("[data-testid=import-error]").inner_text()
    assert "3" in row and "R-2" in row
    assert "unknown work type 'Unknown type'" in row
    assert "priority '9' is not a whole number from 1 to 5" in row
    assert not WorkItem.objects.exists()


def test_customer_status_page_without_login(page, calls, agent):
    item = services.workitem_create(work_type=calls, title="Refund")
    page.goto(status_links.status_path(item))
    assert page.locator("[data-testid=headline]").inner_text() == "We have received your request"
    assert page.locator("[data-testid=reference]").inner_text() == str(item.pk)
    assert "Expected completion" in page.content()
    assert "/accounts/login/" not in page.url
    page.goto(status_links.status_path(item)[:-3] + "xx/")
    assert "We could not find this case" in page.content()
