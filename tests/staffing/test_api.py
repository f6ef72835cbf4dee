"""Staffing API: calculators with validation, plans, lines, forecasts, overrides, shifts."""

from datetime import timedelta

import pytest

from staffing import services
from staffing.erlang import required_agents
from staffing.models import ForecastOverride, ForecastValue, PlanLine, Shift, StaffingPlan

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db

ERLANG = "/api/v1/staffing/erlang/"
BACKLOG = "/api/v1/staffing/backlog-plan/"
BASE = {
    "volume": 100,
    "aht_seconds": 180,
    "interval_minutes": 30,
    "target_service_level": 0.8,
    "target_answer_seconds": 20,
    "shrinkage": 0.3,
}


# --- Erlang -------------------------------------------------------------------------------


def test_erlang_c(api_as, planner):
    body = api_as(planner).post(ERLANG, BASE, format="json").json()
    ref = required_agents(100, 180, 1800, 0.8, 20, shrinkage=0.3)
    assert body["agents"] == 14 == ref.agents and body["scheduled_agents"] == 20
    assert body["service_level"] == pytest.approx(ref.service_level)
    assert body["asa_seconds"] == pytest.approx(ref.asa_seconds)
    assert body["occupancy"] == pytest.approx(10 / 14)
    assert body["wait_probability"] == pytest.approx(ref.wait_probability)
    assert body["abandon_rate"] is None and body["model"] == "erlang_c"


def test_erlang_a_with_patience(api_as, supervisor):
    body = api_as(supervisor).post(ERLANG, BASE | {"patience_seconds": 60}, format="json").json()
    assert body["model"] == "erlang_a"
    assert 0 < body["abandon_rate"] < 0.2
    assert body["agents"] <= 14  # abandonment relieves the queue


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"volume": -1}, "volume"),
        ({"target_service_level": 1.2}, "target_service_level"),
        ({"target_service_level": 0}, "target_service_level"),
        ({"aht_seconds": 0}, "aht_seconds"),
        ({"shrinkage": 1}, "shrinkage"),
        ({"interval_minutes": 0}, "interval_minutes"),
        ({"max_occupancy": 1.5}, "max_occupancy"),
        ({"patience_seconds": 0}, "patience_seconds"),
        ({"volume": "lots"}, "volume"),
        ({"volume": 1e12}, "volume"),  # absurd load: refused, not computed for hours
        # 100% answered within 0 seconds: impossible whatever the number of agents.
        ({"target_service_level": 1, "target_answer_seconds": 0}, "target_service_level"),
    ],
)
def test_erlang_bad_input_is_400_naming_the_field(api_as, planner, change, field):
    response = api_as(planner).post(ERLANG, BASE | change, format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"] and field in body["detail"]


# Each numeric input at the edges of a double and of its domain (the fuzz's finding: a
# denormal AHT made the backlog plan divide by zero). 10**30 is an integer beyond any float
# the field would keep exactly; JSON has no NaN or infinity (the parser refuses them).
EXTREMES = [0, 5e-324, -5e-324, 1e308, -1e308, 10**30]
ERLANG_FIELDS = {
    # field: the extremes that are valid input (all others must be a 400 naming the field)
    "volume": {0, 5e-324},  # a denormal volume is no traffic: 0 agents
    "aht_seconds": set(),
    "interval_minutes": set(),
    "target_service_level": set(),
    "target_answer_seconds": {0, 5e-324},
    "shrinkage": {0, 5e-324},
    "max_occupancy": set(),
    "patience_seconds": set(),
}
ERLANG_BOUNDS = [
    ("volume", 100_000, 200),  # 10,000 erlangs (the traffic limit is 20,000)
    ("aht_seconds", 1, 200),
    ("aht_seconds", 8 * 3600, 200),
    ("aht_seconds", 8 * 3600 + 1, 400),
    ("target_service_level", 0.01, 200),
    ("target_service_level", 1, 200),
    ("target_answer_seconds", 3600, 200),
    ("shrinkage", 0.9, 200),
    ("shrinkage", 0.95, 400),
    ("max_occupancy", 0.1, 200),
    ("patience_seconds", 1, 200),
    ("patience_seconds", 3600, 200),
    ("patience_seconds", 0.5, 400),
]


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize("field", ERLANG_FIELDS)
@pytest.mark.parametrize("patience", [None, 60], ids=["erlang_c", "erlang_a"])
def test_erlang_extreme_numbers_are_400_naming_the_field_or_an_answer(
    api_as, planner, field, value, patience
):
    body = BASE | {"patience_seconds": patience, field: value}
    response = api_as(planner).post(ERLANG, body, format="json")
    if value in ERLANG_FIELDS[field]:
        assert response.status_code == 200, response.json()
        assert response.json()["agents"] >= 0
    else:
        assert response.status_code == 400, response.json()
        assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize(("field", "value", "status"), ERLANG_BOUNDS)
@pytest.mark.parametrize("patience", [None, 60], ids=["erlang_c", "erlang_a"])
def test_erlang_domain_limits(api_as, planner, field, value, status, patience):
    body = BASE | {"patience_seconds": patience} | {field: value}
    response = api_as(planner).post(ERLANG, body, format="json")
    assert response.status_code == status, response.json()
    if status == 400:
        assert list(response.json()["errors"]) == [field]
    else:
        assert response.json()["agents"] >= 1


def test_erlang_a_long_answer_target_is_answered_fast(api_as, planner):
    # With an hour's target every answered caller is answered in time: the SL is the answered
    # share, found without integrating the queue over the hour (that took minutes).
    body = BASE | {"volume": 100_000, "aht_seconds": 10, "interval_minutes": 1}
    response = api_as(planner).post(
        ERLANG, body | {"patience_seconds": 60, "target_answer_seconds": 3600}, format="json"
    )
    assert response.status_code == 200
    result = response.json()
    assert result["service_level"] == pytest.approx(1 - result["abandon_rate"])


def test_erlang_missing_fields(api_as, planner):
    body = api_as(planner).post(ERLANG, {}, format="json").json()
    assert {"volume", "aht_seconds", "target_service_level"} <= set(body["errors"])


def test_calculators_refuse_other_roles(api, api_as, agent, qa):
    assert api.post(ERLANG, BASE, format="json").status_code in (401, 403)
    for user in (agent, qa):
        assert api_as(user).post(ERLANG, BASE, format="json").status_code == 403
        assert api_as(user).post(BACKLOG, {}, format="json").status_code == 403


# --- Backlog plan -------------------------------------------------------------------------

PLAN = {
    "start": "2026-03-02",
    "arrivals": [20, 10, 10, 10, 10],
    "aht_minutes": 30,
    "sla_working_days": 2,
    "productive_hours": 7.5,
    "shrinkage": 0,
}


def test_backlog_plan_hand_computed(api_as, planner):
    body = api_as(planner).post(BACKLOG, PLAN, format="json").json()
    # 15 items per agent-day; each day's items are due two working days later.
    assert body["required_agents"] == [0, 0, 2, 0, 1]
    assert [d["date"] for d in body["days"]] == [
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
        "2026-03-05",
        "2026-03-06",
    ]
    assert [d["backlog_end"] for d in body["days"]] == [20, 30, 10, 20, 15]
    assert body["past_due_end"] == 0 and body["level_agents"] == 1


def test_backlog_plan_with_agents_and_late_backlog(api_as, planner):
    data = PLAN | {
        "agents": [1, 1, 1, 1, 1],
        "starting_backlog": [{"count": 5, "due_date": "2026-02-27"}],
        "weekdays_only": True,
    }
    body = api_as(planner).post(BACKLOG, data, format="json").json()
    day0 = body["days"][0]
    assert (day0["completions"], day0["completed_late"], day0["backlog_end"]) == (15, 5, 10)
    assert body["first_breach_date"] == "2026-03-02"
    assert body["required_agents"][0] == 1  # the 5 late items are due on day one


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"arrivals": [5, -1]}, "arrivals"),
        ({"arrivals": []}, "arrivals"),
        ({"aht_minutes": 0}, "aht_minutes"),
        ({"productive_hours": 25}, "productive_hours"),
        ({"shrinkage": 1.0}, "shrinkage"),
        ({"agents": [1, 2]}, "agents"),
        ({"sla_working_days": -1}, "sla_working_days"),
        ({"starting_backlog": [{"count": -2, "due_date": "2026-03-01"}]}, "starting_backlog"),
    ],
)
def test_backlog_plan_bad_input(api_as, planner, change, field):
    response = api_as(planner).post(BACKLOG, PLAN | change, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


BACKLOG_FIELDS = {
    "aht_minutes": set(),
    "sla_working_days": {0},
    "productive_hours": set(),
    "shrinkage": {0, 5e-324},
}


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize("field", BACKLOG_FIELDS)
def test_backlog_extreme_numbers_are_400_naming_the_field_or_an_answer(
    api_as, planner, field, value
):
    response = api_as(planner).post(BACKLOG, PLAN | {field: value}, format="json")
    if value in BACKLOG_FIELDS[field]:
        assert response.status_code == 200, response.json()
        assert len(response.json()["days"]) == len(PLAN["arrivals"])
    else:
        assert response.status_code == 400, response.json()
        assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize("field", ["arrivals", "agents"])
@pytest.mark.parametrize("value", [-5e-324, 5e-324, 1e308, 10**30])
def test_backlog_extreme_list_values(api_as, planner, field, value):
    response = api_as(planner).post(BACKLOG, PLAN | {field: [value] * 5}, format="json")
    if field == "agents" and value == 5e-324:
        assert response.status_code == 200  # a denormal of an agent: no capacity, no crash
        assert response.json()["days"][0]["completions"] == 0
    else:
        assert response.status_code == 400, response.json()
        assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"aht_minutes": 1 / 60}, 200, None),  # one second an item
        ({"aht_minutes": 480}, 200, None),  # a whole shift an item
        ({"aht_minutes": 0.01}, 400, "aht_minutes"),
        ({"productive_hours": 1}, 200, None),
        ({"productive_hours": 24}, 200, None),
        ({"productive_hours": 0.5}, 400, "productive_hours"),
        ({"shrinkage": 0.9}, 200, None),
        ({"shrinkage": 0.95}, 400, "shrinkage"),
        ({"start": "2999-12-31", "arrivals": [10_000_000] * 366}, 200, None),
        ({"start": "3000-01-01"}, 400, "start"),  # the horizon would pass date.max
        ({"holidays": ["2026-01-01"] * 367}, 400, "holidays"),
        ({"starting_backlog": [{"count": 1, "due_date": "2026-03-01"}] * 367}, 400, None),
    ],
)
def test_backlog_domain_limits(api_as, planner, change, status, field):
    response = api_as(planner).post(BACKLOG, PLAN | change, format="json")
    assert response.status_code == status, response.json()
    if status == 400:
        assert list(response.json()["errors"]) == [field or next(iter(change))]


# --- Plans --------------------------------------------------------------------------------


@pytest.fixture
def plan(planner, front_type):
    ForecastValue.objects.create(
        work_type=front_type,
        interval_start=at(MONDAY, 10),
        granularity="30min",
        volume=100,
        aht_seconds=180,
        method="holt_winters",
    )
    return services.plan_create(name="W10", start=MONDAY, end=MONDAY, by=planner)


def test_plan_create_builds_lines(api_as, planner, front_type):
    response = api_as(planner).post(
        "/api/v1/staffing/plans/",
        {"name": "Week", "start": "2026-03-02", "end": "2026-03-03"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft" and body["line_count"] == 96
    assert PlanLine.objects.filter(plan_id=body["id"]).count() == 96


def test_plan_create_validation(api_as, planner):
    response = api_as(planner).post(
        "/api/v1/staffing/plans/",
        {"name": "X", "start": "2026-03-02", "end": "2026-03-01", "shrinkage": 1.5},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"shrinkage"}
    response = api_as(planner).post(
        "/api/v1/staffing/plans/",
        {"name": "X", "start": "2026-03-02", "end": "2026-03-01"},
        format="json",
    )
    assert "end" in response.json()["errors"]
    assert not StaffingPlan.objects.exists()


def test_plans_list_queries(api_as, planner, supervisor, plan, django_assert_num_queries):
    services.plan_copy(plan=plan, by=planner)
    client = api_as(supervisor)
    # count, the page of plans annotated with line counts (roles cached on the user)
    with django_assert_num_queries(3):  # + the supervisor's groups for the role check
        body = client.get("/api/v1/staffing/plans/").json()
    assert body["count"] == 2 and {p["line_count"] for p in body["results"]} == {48}


def test_published_plan_refuses_edits_409(api_as, planner, plan, front_type):
    client = api_as(planner)
    assert client.post(f"/api/v1/staffing/plans/{plan.pk}/publish/").json()["status"] == "published"
    for response in (
        client.patch(f"/api/v1/staffing/plans/{plan.pk}/", {"name": "New"}, format="json"),
        client.delete(f"/api/v1/staffing/plans/{plan.pk}/"),
        client.post(f"/api/v1/staffing/plans/{plan.pk}/build/"),
    ):
        assert response.status_code == 409
        assert "read-only" in response.json()["detail"]
    line = PlanLine.objects.get(plan=plan, interval_start=at(MONDAY, 10))
    response = client.patch(
        f"/api/v1/staffing/plan-lines/{line.pk}/", {"override_volume": 5}, format="json"
    )
    assert response.status_code == 409
    copy = client.post(f"/api/v1/staffing/plans/{plan.pk}/copy/", {"name": "What if"})
    assert copy.status_code == 201 and copy.json()["copied_from"] == plan.pk
    assert copy.json()["status"] == "draft" and copy.json()["line_count"] == 48


def test_plan_line_override(api_as, planner, supervisor, plan):
    line = PlanLine.objects.get(plan=plan, interval_start=at(MONDAY, 10))
    url = f"/api/v1/staffing/plan-lines/{line.pk}/"
    assert api_as(supervisor).patch(url, {"override_volume": 0}, format="json").status_code == 403
    body = api_as(planner).patch(url, {"override_volume": 0}, format="json").json()
    assert (body["override_volume"], body["required_agents"], body["gap"]) == (0, 0, 0)
    response = api_as(planner).patch(url, {"override_volume": -5}, format="json")
    assert response.status_code == 400 and "override_volume" in response.json()["errors"]
    body = api_as(planner).patch(url, {"override_volume": None}, format="json").json()
    assert body["required_agents"] == 20


def test_plan_lines_list_queries(api_as, supervisor, plan, django_assert_num_queries):
    client = api_as(supervisor)
    with django_assert_num_queries(3):  # groups, count, page of lines with their work type
        body = client.get(f"/api/v1/staffing/plan-lines/?plan={plan.pk}&short=true").json()
    assert body["count"] == 1 and body["results"][0]["required_agents"] == 20


def test_plans_refuse_agents(api_as, agent, plan):
    assert api_as(agent).get("/api/v1/staffing/plans/").status_code == 403
    assert api_as(agent).get("/api/v1/staffing/plan-lines/").status_code == 403


# --- Forecasts and overrides --------------------------------------------------------------


def test_forecasts_list_with_override_and_queries(
    api_as, planner, front_type, django_assert_num_queries
):
    for h in (9, 10, 11):
        ForecastValue.objects.create(
            work_type=front_type,
            interval_start=at(MONDAY, h),
            granularity="30min",
            volume=h,
            aht_seconds=200,
            method="mean",
        )
    services.forecast_override_set(
        work_type=front_type, interval_start=at(MONDAY, 10), volume=50, by=planner
    )
    client = api_as(planner)
    with django_assert_num_queries(3):  # groups, count, page (override in a subquery)
        body = client.get(f"/api/v1/staffing/forecasts/?work_type={front_type.pk}").json()
    assert [(r["volume"], r["override_volume"]) for r in body["results"]] == [
        (9, None),
        (10, 50),
        (11, None),
    ]


def test_forecast_rebuild_endpoint(api_as, planner, supervisor, back_type):
    url = "/api/v1/staffing/forecasts/rebuild/"
    assert api_as(supervisor).post(url, {"work_type": back_type.pk}).status_code == 403
    body = api_as(planner).post(url, {"work_type": back_type.pk, "horizon_days": 3}).json()
    assert body["method"] == "mean" and body["horizon_periods"] == 3
    response = api_as(planner).post(url, {"work_type": back_type.pk, "horizon_days": 0})
    assert response.status_code == 400 and "horizon_days" in response.json()["errors"]
    builds = api_as(supervisor).get("/api/v1/staffing/forecast-builds/").json()
    assert builds["count"] == 1 and builds["results"][0]["work_type_name"] == "Claims"


def test_override_crud(api_as, planner, front_type, django_assert_num_queries):
    client = api_as(planner)
    url = "/api/v1/staffing/forecast-overrides/"
    data = {"work_type": front_type.pk, "interval_start": at(MONDAY, 10).isoformat(), "volume": 7}
    created = client.post(url, data | {"reason": "Mailing"}, format="json")
    assert created.status_code == 201 and created.json()["volume"] == 7
    bad = client.post(url, data | {"interval_start": at(MONDAY, 10, 5).isoformat()}, format="json")
    assert bad.status_code == 400 and "interval_start" in bad.json()["errors"]
    negative = client.post(url, data | {"volume": -1}, format="json")
    assert negative.status_code == 400 and "volume" in negative.json()["errors"]
    pk = created.json()["id"]
    assert client.patch(f"{url}{pk}/", {"volume": 9}, format="json").json()["volume"] == 9
    with django_assert_num_queries(2):  # count, page (groups cached on the forced user)
        assert client.get(url).json()["count"] == 1
    assert client.delete(f"{url}{pk}/").status_code == 204
    assert not ForecastOverride.objects.exists()


# --- Shifts -------------------------------------------------------------------------------

SHIFTS = "/api/v1/staffing/shifts/"


def shift_data(user, h1, h2, activity="front_office"):
    return {
        "agent": user.pk,
        "start": at(MONDAY, h1).isoformat(),
        "end": at(MONDAY, h2).isoformat(),
        "activity": activity,
    }


def test_shift_crud_and_overlap_400(api_as, planner, agent):
    client = api_as(planner)
    created = client.post(SHIFTS, shift_data(agent, 9, 12), format="json")
    assert created.status_code == 201 and created.json()["minutes"] == 180
    response = client.post(SHIFTS, shift_data(agent, 11, 13), format="json")
    assert response.status_code == 400
    assert "start" in response.json()["errors"] and "Overlaps" in response.json()["detail"]
    response = client.post(SHIFTS, shift_data(agent, 12, 9), format="json")
    assert response.status_code == 400 and "end" in response.json()["errors"]
    response = client.post(SHIFTS, shift_data(agent, 13, 14, "nap"), format="json")
    assert response.status_code == 400 and "activity" in response.json()["errors"]
    pk = created.json()["id"]
    moved = client.patch(f"{SHIFTS}{pk}/", {"end": at(MONDAY, 13).isoformat()}, format="json")
    assert moved.json()["minutes"] == 240
    assert client.delete(f"{SHIFTS}{pk}/").status_code == 204
    assert not Shift.objects.exists()


def test_shift_rights(api_as, supervisor, agent, other_agent, qa):
    sup = api_as(supervisor)
    assert sup.post(SHIFTS, shift_data(agent, 9, 12), format="json").status_code == 201
    response = sup.post(SHIFTS, shift_data(other_agent, 9, 12), format="json")
    assert response.status_code == 403
    assert api_as(agent).post(SHIFTS, shift_data(agent, 13, 14), format="json").status_code == 403
    assert api_as(qa).get(SHIFTS).json()["results"] == []


def test_agents_see_only_their_own_shifts(api_as, planner, agent, other_agent):
    services.shift_create(
        agent=agent, start=at(MONDAY, 9), end=at(MONDAY, 12), activity="front_office", by=planner
    )
    services.shift_create(
        agent=other_agent,
        start=at(MONDAY, 9),
        end=at(MONDAY, 12),
        activity="front_office",
        by=planner,
    )
    body = api_as(agent).get(SHIFTS).json()
    assert [r["agent_username"] for r in body["results"]] == ["agent"]


def test_shifts_list_queries(api_as, planner, agent, back_agent, django_assert_num_queries):
    for i, user in enumerate([agent, back_agent]):
        for d in range(3):
            services.shift_create(
                agent=user,
                start=at(MONDAY + timedelta(days=d), 9 + i),
                end=at(MONDAY + timedelta(days=d), 12 + i),
                activity="front_office",
                by=planner,
            )
    client = api_as(planner)
    with django_assert_num_queries(1):  # the page of shifts with the agent joined (no count)
        body = client.get(SHIFTS, {"starts_after": at(MONDAY, 0).isoformat()}).json()
    assert len(body["results"]) == 6 and body["next"] is None
