"""Staffing pages: who may open them, what they show, and their query counts (constant in
the number of rows: each count is asserted before and after adding more rows)."""

import csv
from datetime import timedelta

import pytest
from django.utils import timezone

from ccops.choices import Role
from staffing import services
from staffing.backlog import working_days
from staffing.models import (
    ForecastBuild,
    ForecastOverride,
    ForecastValue,
    PlanLine,
    Shift,
    StaffingPlan,
)
from tests.factories import make_user

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db

READ_PAGES = [
    "/staffing/erlang/",
    "/staffing/backlog/",
    "/staffing/forecasts/",
    "/staffing/plans/",
    "/staffing/intraday/",
]


@pytest.mark.parametrize("url", READ_PAGES + ["/staffing/schedule/", "/staffing/my-schedule/"])
def test_anonymous_goes_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", READ_PAGES + ["/staffing/schedule/", "/staffing/schedule/import/"])
@pytest.mark.parametrize("persona", ["agent", "qa", "hr", "norole"])
def test_other_roles_get_403(client, request, url, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("persona", ["supervisor", "qa", "norole"])
def test_my_schedule_is_for_agents(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/staffing/my-schedule/").status_code == 403


@pytest.mark.parametrize("persona", ["planner", "supervisor", "admin_user"])
def test_readers_open_every_page(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in READ_PAGES + ["/staffing/schedule/"]:
        assert client.get(url).status_code == 200, url


def test_bad_dates_in_the_query_string_fall_back(client, planner):
    client.force_login(planner)
    for url in (
        "/staffing/forecasts/?day=2026-13-45",
        "/staffing/schedule/?week=2026-02-31",
        "/staffing/intraday/?at=99:99",
    ):
        assert client.get(url).status_code == 200, url


def test_planner_home_is_the_plans_list(client, planner):
    client.force_login(planner)
    assert client.get("/")["Location"] == "/staffing/plans/"


def test_navigation_by_role(client, planner, agent):
    client.force_login(planner)
    labels = [i["label"] for i in client.get("/staffing/plans/").context["nav_items"]]
    assert {"Erlang calculator", "Backlog plan", "Plans", "Schedule", "Intraday"} <= set(labels)
    client.force_login(agent)
    labels = [i["label"] for i in client.get("/staffing/my-schedule/").context["nav_items"]]
    assert "My schedule" in labels and "Plans" not in labels


# --- Calculators ------------------------------------------------------------------------


def test_erlang_page_computes_without_queries(client, planner, django_assert_num_queries):
    client.force_login(planner)
    url = (
        "/staffing/erlang/?volume=100&aht_seconds=180&interval_minutes=30"
        "&target_service_level=0.8&target_answer_seconds=20&shrinkage=0.3"
    )
    with django_assert_num_queries(2):  # session, user (with team and groups)
        response = client.get(url)
    assert response.context["result"]["agents"] == 14
    assert 'data-testid="erlang-agents">14<' in response.content.decode()
    assert len(response.context["chart"]["curve"]) == 25  # 2..26 agents


def test_erlang_page_htmx_partial_and_errors(client, planner):
    client.force_login(planner)
    response = client.get(
        "/staffing/erlang/?volume=-5&aht_seconds=0&interval_minutes=30"
        "&target_service_level=0.8&target_answer_seconds=20&shrinkage=0.3",
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert set(response.context["form"].errors) == {"volume", "aht_seconds"}
    impossible = client.get(
        "/staffing/erlang/?volume=10&aht_seconds=180&interval_minutes=30"
        "&target_service_level=1&target_answer_seconds=0&shrinkage=0"
    )
    assert "target_service_level" in impossible.context["form"].errors


def test_backlog_page_projects(client, planner, django_assert_num_queries):
    client.force_login(planner)
    url = (
        "/staffing/backlog/?start=2026-03-02&arrivals=20,10,10,10,10&aht_minutes=30"
        "&sla_working_days=2&productive_hours=7.5&shrinkage=0&starting_backlog=0"
        "&starting_past_due=0&weekdays_only=on"
    )
    with django_assert_num_queries(3):  # session, user (with team and groups), back-office types
        response = client.get(url)
    assert response.context["result"]["required_agents"] == [0, 0, 2, 0, 1]
    assert 'data-testid="level-agents">1<' in response.content.decode()
    bad = client.get(url.replace("aht_minutes=30", "aht_minutes=0"))
    assert "aht_minutes" in bad.context["form"].errors and bad.context["result"] is None


def test_backlog_page_fills_from_a_work_type(client, planner, back_type):
    # The plan starts on the first working day from today (Monday when run on a weekend).
    first_day = working_days(timezone.localdate(), 1, weekdays_only=True)[0]
    ForecastValue.objects.create(
        work_type=back_type,
        interval_start=at(first_day, 0),
        granularity="day",
        volume=12,
        aht_seconds=1200,
        method="mean",
    )
    client.force_login(planner)
    response = client.get(f"/staffing/backlog/?work_type={back_type.pk}")
    form = response.context["form"]
    assert form.cleaned_data["aht_minutes"] == 20 and form.cleaned_data["sla_working_days"] == 2
    assert form.cleaned_data["start"] == first_day
    assert form.cleaned_data["arrivals"][0] == 12


# --- Plans ------------------------------------------------------------------------------


def make_plan(planner, front_type, name="W10", days=1):
    ForecastValue.objects.create(
        work_type=front_type,
        interval_start=at(MONDAY, 10),
        granularity="30min",
        volume=100,
        aht_seconds=180,
        method="mean",
    )
    return services.plan_create(
        name=name, start=MONDAY, end=MONDAY + timedelta(days=days - 1), by=planner
    )


def test_plan_list_queries_constant(
    client, planner, supervisor, front_type, django_assert_num_queries
):
    plan = make_plan(planner, front_type)
    client.force_login(supervisor)
    # session, user (with team and groups), count, the page of plans with their line counts
    with django_assert_num_queries(4):
        response = client.get("/staffing/plans/")
    assert [p.line_count for p in response.context["plans"]] == [48]
    for i in range(3):
        services.plan_copy(plan=plan, by=planner, name=f"Copy {i}")
    with django_assert_num_queries(4):
        response = client.get("/staffing/plans/")
    assert len(response.context["plans"]) == 4
    assert "New plan" not in response.content.decode()  # supervisors read only


def test_plan_create_page(client, planner, supervisor, front_type):
    client.force_login(supervisor)
    data = {
        "name": "Next week",
        "start": "2026-03-02",
        "end": "2026-03-03",
        "target_service_level": 0.8,
        "shrinkage": 0.3,
        "productive_hours": 7.5,
    }
    assert client.post("/staffing/plans/", data).status_code == 403
    client.force_login(planner)
    response = client.post("/staffing/plans/", data | {"end": "2026-03-01"})
    assert response.status_code == 400 and "end" in response.context["form"].errors
    response = client.post("/staffing/plans/", data | {"target_service_level": 2})
    assert "target_service_level" in response.context["form"].errors
    assert not StaffingPlan.objects.exists()
    response = client.post("/staffing/plans/", data)
    plan = StaffingPlan.objects.get()
    assert response["Location"] == f"/staffing/plans/{plan.pk}/" and plan.lines.count() == 96


def test_plan_detail_queries_constant(
    client, planner, supervisor, front_type, back_type, django_assert_num_queries
):
    plan = make_plan(planner, front_type, days=2)
    client.force_login(supervisor)
    url = f"/staffing/plans/{plan.pk}/?day=2026-03-02"
    # user (with team and groups; the session from the cache), the plan (creator, source
    # joined), day summary (one GROUP BY), the day's lines with their work type; the History
    # (supervisors): its records with their users, their predecessors, the users named in
    # the changes (created_by)
    with django_assert_num_queries(8):
        response = client.get(url)
    ten = next(ln for ln in response.context["front_lines"] if ln.interval_start == at(MONDAY, 10))
    assert ten.required_agents == 20
    assert len(response.context["summary"]) == 4  # 2 types x 2 days
    assert response.context["editable"] is False  # supervisors read
    services.plan_update(plan=plan, by=planner, end=MONDAY + timedelta(days=6))
    with django_assert_num_queries(8):
        response = client.get(url)
    assert len(response.context["summary"]) == 14


def test_plan_editor_override_and_publish(client, planner, front_type):
    plan = make_plan(planner, front_type)
    client.force_login(planner)
    line = PlanLine.objects.get(plan=plan, interval_start=at(MONDAY, 10))
    url = f"/staffing/plans/{plan.pk}/lines/{line.pk}/override/"
    response = client.post(url, {"override_volume": "0"})
    assert response["Location"] == f"/staffing/plans/{plan.pk}/?day=2026-03-02"
    line.refresh_from_db()
    assert (line.override_volume, line.required_agents) == (0, 0)
    client.post(url, {"override_volume": "-4"})
    line.refresh_from_db()
    assert line.override_volume == 0
    huge = client.post(url, {"override_volume": "5.6e16"}, follow=True)
    assert "Must be from 0 to 100,000." in huge.content.decode()  # the form names the limit
    line.refresh_from_db()
    assert line.override_volume == 0
    client.post(f"/staffing/plans/{plan.pk}/publish/")
    page = client.get(f"/staffing/plans/{plan.pk}/").content.decode()
    assert "Published · read-only" in page and "override-save" not in page
    client.post(url, {"override_volume": "50"})
    line.refresh_from_db()
    assert line.override_volume == 0  # refused: published
    client.post(f"/staffing/plans/{plan.pk}/copy/", {"name": "What if"})
    copy = StaffingPlan.objects.get(name="What if")
    assert copy.copied_from == plan and copy.status == "draft"
    client.post(f"/staffing/plans/{copy.pk}/delete/")
    assert not StaffingPlan.objects.filter(pk=copy.pk).exists()


def test_plan_actions_refused_to_supervisors(client, planner, supervisor, front_type):
    plan = make_plan(planner, front_type)
    client.force_login(supervisor)
    for action in ("publish", "build", "copy", "delete"):
        assert client.post(f"/staffing/plans/{plan.pk}/{action}/").status_code == 403
    plan.refresh_from_db()
    assert plan.status == "draft"


# --- Forecast pages ---------------------------------------------------------------------


def test_forecast_pages(
    client, planner, supervisor, front_type, back_type, django_assert_num_queries
):
    services.forecast_build(work_type=back_type, as_of=MONDAY)
    client.force_login(supervisor)
    # session, user (with team and groups), active types, the day's totals (GROUP BY), latest
    # builds, events to come (with their types)
    with django_assert_num_queries(6):
        response = client.get("/staffing/forecasts/?day=2026-03-02")
    assert [r["work_type"].name for r in response.context["rows"]] == ["Claims", "Calls"]
    services.forecast_build(work_type=front_type, as_of=MONDAY)
    with django_assert_num_queries(6):
        response = client.get("/staffing/forecasts/?day=2026-03-02")
    assert response.context["rows"][1]["build"].method == "mean"
    # One type: session, user (with team and groups), the type, latest build, history counts,
    # forecast values, overrides
    with django_assert_num_queries(7):
        response = client.get(f"/staffing/forecasts/{front_type.pk}/?day=2026-03-02")
    assert len(response.context["rows"]) == 48
    assert len(response.context["chart"]["labels"]) == (28 + 14) * 48
    moment = at(MONDAY, 10).isoformat()
    assert (
        client.post(
            f"/staffing/forecasts/{front_type.pk}/", {"interval_start": moment, "volume": 9}
        ).status_code
        == 403
    )
    client.force_login(planner)
    client.post(
        f"/staffing/forecasts/{front_type.pk}/",
        {"interval_start": moment, "volume": 9, "reason": "Mailing"},
    )
    override = ForecastOverride.objects.get()
    assert (override.volume, override.reason, override.by) == (9, "Mailing", planner)
    client.post(f"/staffing/forecasts/{front_type.pk}/", {"interval_start": moment, "volume": ""})
    assert not ForecastOverride.objects.exists()
    client.post("/staffing/forecasts/rebuild/", {"work_type": front_type.pk})
    assert ForecastBuild.objects.filter(work_type=front_type, as_of=timezone.localdate()).exists()


# --- Schedule ---------------------------------------------------------------------------


def week_of_shifts(planner, users, week=MONDAY):
    for user in users:
        for d in range(5):
            day = week + timedelta(days=d)
            services.shift_create(
                agent=user, start=at(day, 9), end=at(day, 12), activity="front_office", by=planner
            )
            services.shift_create(
                agent=user, start=at(day, 12), end=at(day, 12, 30), activity="break", by=planner
            )


def test_schedule_grid_queries_constant(
    client, planner, supervisor, agent, front_team, django_assert_num_queries
):
    week_of_shifts(planner, [agent])
    client.force_login(supervisor)
    url = "/staffing/schedule/?week=2026-03-02"
    # session, user (with team and groups), team choices, team count, page of teams, members,
    # their week's shifts (prefetch), their approved time off, the add form's agents
    with django_assert_num_queries(9):
        response = client.get(url)
    (block,) = response.context["grid"]
    (row,) = [r for r in block["rows"] if r["agent"] == agent]
    assert [len(cell) for cell in row["cells"]] == [2, 2, 2, 2, 2, 0, 0]
    assert row["productive_hours"] == 15.0
    more = [make_user(Role.AGENT, username=f"x{i}", team=front_team) for i in range(4)]
    week_of_shifts(planner, more)
    with django_assert_num_queries(9):
        response = client.get(url)
    assert len(response.context["grid"][0]["rows"]) == 6  # supervisor, agent, 4 more
    assert response.content.decode().count('data-testid="shift"') == 50


def test_schedule_teams_paginate(client, planner, django_assert_num_queries):
    from tests.factories import TeamFactory

    for i in range(5):
        TeamFactory(name=f"T{i}")
    client.force_login(planner)
    response = client.get("/staffing/schedule/?page=3")
    assert [b["team"].name for b in response.context["grid"]] == ["T4"]
    assert response.context["paginator"].num_pages == 3


def test_supervisor_adds_and_removes_own_team_shift(client, supervisor, agent, other_agent):
    client.force_login(supervisor)
    data = {
        "agent": agent.pk,
        "day": "2026-03-02",
        "start_time": "09:00",
        "end_time": "13:00",
        "activity": "front_office",
    }
    response = client.post("/staffing/schedule/", data)
    assert response.status_code == 302
    shift = Shift.objects.get()
    assert (shift.start, shift.end, shift.created_by) == (at(MONDAY, 9), at(MONDAY, 13), supervisor)
    response = client.post("/staffing/schedule/", data | {"start_time": "12:00"})
    assert response.status_code == 400
    assert "Overlaps" in " ".join(response.context["form"].errors["start_time"])
    response = client.post("/staffing/schedule/", data | {"agent": other_agent.pk})
    assert response.status_code == 403
    theirs = Shift.objects.create(
        agent=other_agent, start=at(MONDAY, 9), end=at(MONDAY, 10), activity="front_office"
    )
    assert client.post(f"/staffing/schedule/shifts/{theirs.pk}/delete/").status_code == 403
    client.post(f"/staffing/schedule/shifts/{shift.pk}/delete/")
    assert list(Shift.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_schedule_export_and_import(client, planner, agent):
    week_of_shifts(planner, [agent])
    client.force_login(planner)
    response = client.get("/staffing/schedule/export.csv?week=2026-03-02")
    text = response.getvalue().decode()
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == ["agent", "date", "start", "end", "activity", "note"]
    assert ["agent", "2026-03-02", "09:00", "12:00", "front_office", ""] in rows
    assert len(rows) == 11
    from io import BytesIO

    upload = BytesIO(text.replace("2026-03-0", "2026-03-1").encode())
    upload.name = "week.csv"
    response = client.post("/staffing/schedule/import/", {"file": upload})
    assert response.status_code == 302 and Shift.objects.count() == 20
    bad = BytesIO(b"agent,date,start,end,activity,note\nagent,2026-03-20,09:00,10:00,nap,\n")
    bad.name = "bad.csv"
    response = client.post("/staffing/schedule/import/", {"file": bad})
    assert response.status_code == 400
    assert response.context["line_errors"][0][0] == "line 2"
    assert Shift.objects.count() == 20


def test_my_schedule(client, planner, agent, other_agent, django_assert_num_queries):
    week_of_shifts(planner, [agent, other_agent])
    client.force_login(agent)
    # session, user (with team and groups), the agent's shifts, their approved time off, and
    # the time-off panel: requests, allowance (+ the year's approved days without one),
    # shifts to offer, open offers, own trades
    with django_assert_num_queries(10):
        response = client.get("/staffing/my-schedule/?week=2026-03-02")
    assert sum(len(d["shifts"]) for d in response.context["days"]) == 10


# --- Intraday ---------------------------------------------------------------------------


def test_intraday_queries_constant(
    client,
    planner,
    supervisor,
    front_team,
    back_team,
    front_type,
    back_type,
    django_assert_num_queries,
):
    today = timezone.localdate()
    people = [make_user(Role.AGENT, username=f"a{i}", team=front_team) for i in range(2)]
    people += [make_user(Role.AGENT, username=f"b{i}", team=back_team) for i in range(2)]

    def schedule(users):
        for i, user in enumerate(users):
            services.shift_create(
                agent=user,
                start=at(today, 9),
                end=at(today, 17),
                activity="front_office" if i % 2 == 0 else "back_office",
                by=planner,
            )

    schedule(people)
    client.force_login(supervisor)
    # session, user (with team and groups), work types, published plan, front forecast values and
    # overrides, back forecast values and overrides, arrivals today, backlog by type, open
    # items by due day, the queues' time zones and today's contact statistics per queue (each
    # from its own local midnight), today's shifts, skills, tiers,
    # presence, adherence so far (+ its exceptions); the adherence alerts (supervised teams,
    # blocks now, presence now, exceptions now) and today's applied flex moves
    with django_assert_num_queries(24):
        response = client.get("/staffing/intraday/?at=10:00")
    snap = response.context["snapshot"]
    assert snap["on_shift_now"] == 4 and snap["out_of_adherence_total"] == 4
    more = [make_user(Role.AGENT, username=f"c{i}", team=back_team) for i in range(4)]
    schedule(more)
    with django_assert_num_queries(24):
        response = client.get("/staffing/intraday/?at=10:00", HTTP_HX_REQUEST="true")
    assert response.context["snapshot"]["on_shift_now"] == 8
    assert "<html" not in response.content.decode()  # the htmx refresh gets the panel only
    assert client.get("/staffing/intraday/?at=25:99").context["at_error"]
