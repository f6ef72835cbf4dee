"""Staffing plans' audit trail: every change names who, when and what (a line's what-if
volume too, on the plan's trail), shown on the plan page to supervisors and admins."""

from datetime import timedelta

import pytest
from django.utils import timezone

from staffing import services
from staffing.models import PlanLine

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def make_plan(planner):
    return services.plan_create(name="Week 10", start=MONDAY, end=MONDAY, by=planner)


def test_every_plan_service_names_the_planner(planner, front_type):
    plan = make_plan(planner)
    plan = services.plan_update(plan=plan, by=planner, name="Week 10 final", shrinkage=0.35)
    plan = services.plan_publish(plan=plan, by=planner)
    records = list(plan.history.order_by("history_id"))
    assert {r.history_user for r in records} == {planner}
    assert [r.history_type for r in records] == ["+", "~", "~", "~", "~"]
    assert records[1].history_change_reason == "Lines built"
    assert records[-1].status == "published" and records[-1].published_at is not None
    copy = services.plan_copy(plan=plan, by=planner)
    assert copy.history.get().history_change_reason == "Copied from Week 10 final"
    services.plan_delete(plan=copy, by=planner)
    deleted = copy.history.model.objects.filter(id=copy.pk).latest()
    assert (deleted.history_type, deleted.history_user) == ("-", planner)


def test_history_rows_show_from_and_to(planner, front_type):
    from ccops.audit import history_rows

    plan = make_plan(planner)
    before = timezone.now()
    services.plan_update(plan=plan, by=planner, shrinkage=0.25)
    services.plan_publish(plan=plan, by=planner)
    rows = history_rows(plan)
    assert rows[0].who == str(planner) and before <= rows[0].when <= timezone.now()
    changed = {c.field: (c.old, c.new) for c in rows[0].changes}
    assert changed["status"] == ("Draft", "Published")
    shrinkage = next(r for r in rows if any(c.field == "shrinkage" for c in r.changes))
    assert [(c.old, c.new) for c in shrinkage.changes if c.field == "shrinkage"] == [
        ("0.3", "0.25")
    ]


def test_line_override_is_on_the_plan_trail_with_old_and_new_volume(client, planner, front_type):
    plan = make_plan(planner)
    line = PlanLine.objects.get(plan=plan, interval_start=at(MONDAY, 10))
    client.force_login(planner)
    url = f"/staffing/plans/{plan.pk}/lines/{line.pk}/override/"
    client.post(url, {"override_volume": "12"})
    client.post(url, {"override_volume": ""})
    reasons = list(
        plan.history.filter(history_change_reason__startswith="What-if")
        .order_by("history_id")
        .values_list("history_user", "history_change_reason")
    )
    assert reasons == [
        (planner.pk, "What-if volume of Calls 2026-03-02 10:00: forecast → 12"),
        (planner.pk, "What-if volume of Calls 2026-03-02 10:00: 12 → forecast"),
    ]


@pytest.mark.parametrize("persona", ["supervisor", "admin_user"])
def test_supervisors_and_admins_see_the_plan_history(client, request, persona, planner):
    plan = make_plan(planner)
    services.plan_publish(plan=plan, by=planner)
    client.force_login(request.getfixturevalue(persona))
    page = client.get(f"/staffing/plans/{plan.pk}/").content.decode()
    assert 'data-testid="audit-history"' in page
    assert "Status: Draft &rarr; Published" in page and str(planner) in page


def test_planners_read_the_plan_without_its_history(client, planner):
    plan = make_plan(planner)
    client.force_login(planner)
    response = client.get(f"/staffing/plans/{plan.pk}/")
    assert response.status_code == 200 and response.context["show_history"] is False
    assert 'data-testid="audit-history"' not in response.content.decode()


def test_plan_page_queries_do_not_grow_with_the_history(
    client, planner, supervisor, django_assert_num_queries
):
    plan = make_plan(planner)
    url = f"/staffing/plans/{plan.pk}/"
    client.force_login(supervisor)
    # 1-2 session, user (with team and groups); 3 the plan; 4 day summary; 5 the day's lines;
    # 6 history
    # records with users and predecessor ids; 8 predecessors; 9 users named in the changes
    # (the creation record's created_by)
    with django_assert_num_queries(8):
        client.get(url)
    for i in range(60):
        services.plan_update(
            plan=plan, by=planner if i % 2 else supervisor, name=f"Week 10 v{i}", shrinkage=0.3
        )
    # The same, less 9: the latest 50 records only rename, no user is named in a change.
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["history"]) == 50


def test_rebuild_and_timestamps_over_days(planner, front_type):
    plan = make_plan(planner)
    services.plan_update(plan=plan, by=planner, end=MONDAY + timedelta(days=1))
    latest = plan.history.latest()
    assert latest.history_change_reason == "Lines rebuilt after the change"
    assert plan.history.filter(end=MONDAY + timedelta(days=1)).exists()
