"""The admins' audit trail export: a date range in, a CSV of who changed what and when out
(django-simple-history records of every tracked model, and customer erasures)."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ccops.audit import TRAIL_HEADER, audited
from ccops.kpi_models import SharedGoal
from workitems.erasure import customer_erase
from workitems.models import Customer

pytestmark = pytest.mark.django_db
URL = reverse("ccops:audit_export")


@pytest.fixture
def customer():
    return Customer.objects.create(external_ref="C-1", name="Alice Example")


def export(client, start: date, end: date):
    return client.get(URL, {"start": start.isoformat(), "end": end.isoformat()})


def rows_of(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    reader = csv.reader(io.StringIO(body))
    assert next(reader) == TRAIL_HEADER
    return [dict(zip(TRAIL_HEADER, line, strict=True)) for line in reader]


def make_goal(by, name="Service level", target=80):
    goal = SharedGoal(
        name=name, kpi="fcr", office="front", target=target, effective_from=date(2026, 1, 1)
    )
    audited(goal, by).save()
    return goal


def change_goal(goal, by, **changes):
    for field, value in changes.items():
        setattr(goal, field, value)
    audited(goal, by).save()


def today() -> date:
    return timezone.localdate()


def test_admin_sees_the_form_in_the_menu(client, admin_user):
    client.force_login(admin_user)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="audit-export-form"' in page and "Download CSV" in page
    assert response.context["form"].initial["end"] == today()
    assert any(i["name"] == "ccops:audit_export" for i in response.context["nav_items"])


@pytest.mark.parametrize("persona", ["agent", "supervisor", "planner", "qa", "hr", "norole"])
def test_other_roles_are_refused(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert export(client, today(), today()).status_code == 403
    home = client.get(reverse("ccops:team_list"))
    names = [i["name"] for i in home.context["nav_items"]] if home.status_code == 200 else []
    assert "ccops:audit_export" not in names


def test_anonymous_goes_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_csv_says_who_changed_what_and_when_oldest_first(
    client, admin_user, supervisor, planner, customer
):
    goal = make_goal(supervisor)
    change_goal(goal, planner, target=92.5)
    erasure = customer_erase(customer=customer, by=admin_user)
    client.force_login(admin_user)

    rows = rows_of(export(client, today(), today()))

    goal_rows = [r for r in rows if r["object_type"] == "shared goal"]
    assert [(r["action"], r["who"]) for r in goal_rows] == [
        ("Created", str(supervisor)),
        ("Changed", str(planner)),
    ]
    assert goal_rows[1]["object_id"] == str(goal.pk)
    assert goal_rows[1]["changes"] == "target: 80.0 -> 92.5"
    assert "name: — -> Service level" in goal_rows[0]["changes"]
    erased = next(r for r in rows if r["action"] == "Erased")
    assert erased["who"] == str(admin_user)
    assert erased["object_type"] == "customer" and erased["object_id"] == str(customer.pk)
    assert erased["reason"] == "Request (right to erasure)"
    assert f"work items: — -> {erasure.items} erased" in erased["changes"]
    whens = [datetime.fromisoformat(r["when"]) for r in rows]
    assert whens == sorted(whens)
    assert whens[-1] == timezone.localtime(erasure.erased_at).replace(microsecond=0)


def test_only_the_range_is_exported(client, admin_user, supervisor):
    old = make_goal(supervisor, name="Old goal")
    SharedGoal.history.filter(id=old.pk).update(history_date=timezone.now() - timedelta(days=40))
    make_goal(supervisor, name="New goal")
    client.force_login(admin_user)

    recent = rows_of(export(client, today() - timedelta(days=7), today()))
    goals = {r["object_id"] for r in recent if r["object_type"] == "shared goal"}
    assert str(old.pk) not in goals and goals
    earlier = rows_of(export(client, today() - timedelta(days=45), today() - timedelta(days=35)))
    assert [(r["object_type"], r["object_id"]) for r in earlier] == [("shared goal", str(old.pk))]


def test_a_bad_range_shows_the_form_again(client, admin_user):
    client.force_login(admin_user)
    backwards = export(client, today(), today() - timedelta(days=1))
    assert backwards.status_code == 400
    assert "The end is before the start." in backwards.content.decode()
    too_long = export(client, today() - timedelta(days=400), today())
    assert too_long.status_code == 400 and "At most 366 days" in too_long.content.decode()
    garbage = client.get(URL, {"start": "yesterday", "end": ""})
    assert garbage.status_code == 400


def test_typed_text_that_looks_like_a_formula_is_written_as_text(client, admin_user, supervisor):
    goal = make_goal(supervisor)
    goal._change_reason = '=HYPERLINK("http://evil")'
    change_goal(goal, supervisor, target=81)
    client.force_login(admin_user)
    rows = rows_of(export(client, today(), today()))
    changed = next(r for r in rows if r["action"] == "Changed")
    assert changed["reason"] == '\'=HYPERLINK("http://evil")'


def test_the_same_rows_as_a_spreadsheet(client, admin_user, supervisor):
    goal = make_goal(supervisor)
    goal._change_reason = '=HYPERLINK("http://evil")'
    change_goal(goal, supervisor, target=81)
    client.force_login(admin_user)
    page = client.get(URL).content.decode()
    assert 'name="format" type="submit" value="xlsx"' in page and "Download Excel" in page
    response = client.get(
        URL, {"start": today().isoformat(), "end": today().isoformat(), "format": "xlsx"}
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    header, *rows = (list(r) for r in sheet.iter_rows(values_only=True))
    assert header == TRAIL_HEADER
    csv_rows = rows_of(export(client, today(), today()))
    assert len(rows) == len(csv_rows) >= 2
    changed = next(dict(zip(header, r, strict=True)) for r in rows if r[2] == "Changed")
    assert changed["reason"] == '=HYPERLINK("http://evil")'  # a string cell, not a formula


def test_queries_do_not_grow_with_the_rows(client, admin_user, supervisor, planner):
    """Per historical model: its records with their users and predecessor ids (1 a chunk of
    500), the predecessors (1 where there are any), then an empty page that ends it (1). The
    erasures: their chunk with the admins' names (1), and the empty page (1). So the same
    count for 2 changes and 1 erasure as for 31 and 11."""
    client.force_login(admin_user)
    goal = make_goal(supervisor)
    change_goal(goal, planner, target=1)
    customer_erase(customer=Customer.objects.create(external_ref="X", name="X"), by=admin_user)

    def count():
        with CaptureQueriesContext(connection) as captured:
            rows = rows_of(export(client, today(), today()))
        return len(captured), len(rows)

    few, few_rows = count()
    for target in range(2, 31):
        change_goal(goal, planner if target % 2 else supervisor, target=target)
    for n in range(10):
        customer = Customer.objects.create(external_ref=f"X{n}", name=f"Customer {n}")
        customer_erase(customer=customer, by=admin_user)
    many, many_rows = count()
    assert many_rows == few_rows + 29 + 10
    assert many == few
