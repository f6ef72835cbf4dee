"""The KPI API: snapshots with filters, definitions, goals CRUD, pilots CRUD and results."""

from datetime import date

import pytest

from ccops.choices import Role
from ccops.kpi_models import GoalAdjustment, Pilot, SharedGoal
from ccops.kpis import compute
from tests.factories import make_user

from . import kpi_data
from .kpi_data import D

pytestmark = pytest.mark.django_db

# Fixtures of the hand-made day (shared with the other KPI test modules).
kpi_day = kpi_data.kpi_day
work_types = kpi_data.work_types


@pytest.fixture
def computed(kpi_day):
    compute.recompute_day(D)
    return kpi_day


def test_snapshots_filtered_by_kpi_scope_and_dates(api_as, supervisor, computed):
    api = api_as(supervisor)
    response = api.get(
        "/api/v1/kpis/",
        {"kpi": "aht,sla_attainment", "scope_kind": "office", "day_from": "2026-03-10",
         "day_to": "2026-03-10"},
    )  # fmt: skip
    assert response.status_code == 200
    rows = {(r["kpi"], r["office"]): r for r in response.json()["results"]}
    assert set(rows) == {
        ("aht", "front"),
        ("aht", "back"),
        ("sla_attainment", "front"),
        ("sla_attainment", "back"),
    }
    front = rows[("aht", "front")]
    assert (front["numerator"], front["denominator"], front["value"]) == (1260, 4, 315)
    assert front["display_value"] == 5.2  # minutes
    empty = api.get("/api/v1/kpis/", {"day_from": "2026-03-11"}).json()
    assert empty["results"] == [] and empty["next"] is None


@pytest.mark.parametrize(
    "params, field",
    [
        ({"kpi": "nope"}, "kpi"),
        ({"day_from": "2026-02-30"}, "day_from"),
        ({"scope_kind": "planet"}, "scope_kind"),
        ({"scope_id": "x"}, "scope_id"),
    ],
)
def test_snapshot_filters_reject_bad_input_naming_the_field(api_as, supervisor, params, field):
    response = api_as(supervisor).get("/api/v1/kpis/", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_agent_reads_only_own_rows(api_as, computed):
    rows = api_as(computed.agent).get("/api/v1/kpis/", {"page_size": 500}).json()["results"]
    assert rows and {(r["scope_kind"], r["scope_id"]) for r in rows} == {
        ("agent", computed.agent.pk)
    }


def test_snapshot_list_query_count(api_as, supervisor, computed, django_assert_num_queries):
    api = api_as(supervisor)
    # 1 user's groups (role check), 2 the page (by cursor: no count)
    with django_assert_num_queries(2):
        response = api.get("/api/v1/kpis/", {"page_size": 500})
    assert len(response.json()["results"]) > 50
    assert api.get("/api/v1/kpis/", {"page_size": 10}).json()["next"]


def test_definitions(api_as, agent):
    response = api_as(agent).get("/api/v1/kpis/definitions/")
    assert response.status_code == 200
    by_key = {d["key"]: d for d in response.json()}
    assert by_key["aht"]["direction"] == "lower" and by_key["aht"]["unit"] == "min"
    assert by_key["handoff_rate"]["offices"] == ["front"]
    assert "360" in by_key["productivity"]["description"]


def test_unauthenticated_is_refused(api):
    for url in ("/api/v1/kpis/", "/api/v1/kpis/definitions/", "/api/v1/goals/", "/api/v1/pilots/"):
        assert api.get(url).status_code in (401, 403), url


GOAL = {
    "name": "Productivity 85",
    "kpi": "productivity",
    "office": "",
    "target": 85,
    "effective_from": "2026-01-01",
    "adjustments": [{"tenure_band": "new_hire", "factor": 0.8}],
}


def test_goal_crud_by_supervisor(api_as, supervisor):
    api = api_as(supervisor)
    created = api.post("/api/v1/goals/", GOAL, format="json")
    assert created.status_code == 201, created.json()
    goal = SharedGoal.objects.get(pk=created.json()["id"])
    assert goal.created_by == supervisor
    assert list(goal.adjustments.values_list("tenure_band", "factor")) == [("new_hire", 0.8)]
    changed = api.patch(
        f"/api/v1/goals/{goal.pk}/",
        {"target": 90, "adjustments": [{"role": "Agent", "factor": 0.95}]},
        format="json",
    )
    assert changed.status_code == 200
    goal.refresh_from_db()
    assert goal.target == 90
    assert list(goal.adjustments.values_list("role", "factor")) == [("Agent", 0.95)]
    assert api.delete(f"/api/v1/goals/{goal.pk}/").status_code == 204
    assert not GoalAdjustment.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"kpi": "nope"}, "kpi"),
        ({"effective_to": "2025-01-01"}, "effective_to"),
        ({"adjustments": [{"factor": 0}]}, "adjustments"),
        ({"adjustments": [{"role": "Agent", "factor": 1}, {"role": "Agent", "factor": 2}]},
         "adjustments"),
        ({"office": "middle"}, "office"),
        ({"target": "lots"}, "target"),
    ],
)  # fmt: skip
def test_goal_bad_input_is_400_naming_the_field(api_as, supervisor, change, field):
    response = api_as(supervisor).post("/api/v1/goals/", {**GOAL, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_goal_permissions(api_as, agent, qa):
    assert api_as(agent).get("/api/v1/goals/").status_code == 200  # their targets
    assert api_as(agent).post("/api/v1/goals/", GOAL, format="json").status_code == 403
    assert api_as(qa).post("/api/v1/goals/", GOAL, format="json").status_code == 403


def test_goal_list_query_count(api_as, agent, django_assert_num_queries):
    for n in range(3):
        goal = SharedGoal.objects.create(
            name=f"G{n}", kpi="aht", target=n + 5, effective_from=date(2026, 1, n + 1)
        )
        GoalAdjustment.objects.create(goal=goal, tenure_band="new_hire", factor=1.2)
    # 1 count, 2 page, 3 adjustments
    with django_assert_num_queries(3):
        response = api_as(agent).get("/api/v1/goals/")
    assert [len(g["adjustments"]) for g in response.json()["results"]] == [1, 1, 1]
    active = api_as(agent).get("/api/v1/goals/", {"active_on": "2026-01-02"}).json()
    assert active["count"] == 2


def pilot_payload(agent, other_agent):
    return {
        "name": "Short scripts",
        "hypothesis": "Shorter scripts cut AHT.",
        "kpis": ["aht"],
        "pilot_agents": [agent.pk],
        "control_agents": [other_agent.pk],
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-10",
        "method": "welch",
        "alpha": 0.05,
    }


def test_pilot_crud_and_results(api_as, supervisor, computed):
    api = api_as(supervisor)
    created = api.post(
        "/api/v1/pilots/", pilot_payload(computed.agent, computed.other_agent), format="json"
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    results = api.get(f"/api/v1/pilots/{pk}/results/")
    assert results.status_code == 200
    (aht,) = results.json()
    # One day of data in each group during the pilot, none before: not enough data.
    assert aht["kpi"] == "aht" and aht["enough_data"] is False
    assert aht["n"] == {
        "pilot_before": 0,
        "pilot_during": 1,
        "control_before": 0,
        "control_during": 1,
    }
    assert aht["verdict"].startswith("Not enough data yet")
    assert api.patch(f"/api/v1/pilots/{pk}/", {"alpha": 0.1}, format="json").status_code == 200
    assert Pilot.objects.get(pk=pk).alpha == 0.1


def test_only_the_pilots_creator_or_an_admin_changes_it(api_as, supervisor, admin_user, computed):
    pk = (
        api_as(supervisor)
        .post("/api/v1/pilots/", pilot_payload(computed.agent, computed.other_agent), format="json")
        .json()["id"]
    )
    other = make_user(Role.SUPERVISOR, username="othersuper")
    api = api_as(other)
    assert api.get(f"/api/v1/pilots/{pk}/").status_code == 200  # reading is open to staff
    refused = api.patch(f"/api/v1/pilots/{pk}/", {"alpha": 0.2}, format="json")
    assert refused.status_code == 403 and "created this" in refused.json()["detail"]
    assert api.delete(f"/api/v1/pilots/{pk}/").status_code == 403
    assert Pilot.objects.get(pk=pk).alpha == 0.05
    admin = api_as(admin_user)
    assert admin.patch(f"/api/v1/pilots/{pk}/", {"alpha": 0.2}, format="json").status_code == 200
    assert Pilot.objects.get(pk=pk).alpha == 0.2


@pytest.mark.parametrize(
    "change, field",
    [
        ({"kpis": ["nope"]}, "kpis"),
        ({"kpis": []}, "kpis"),
        ({"ends_on": "2026-02-01"}, "ends_on"),
        ({"control_agents": "SAME"}, "control_agents"),
        ({"pilot_agents": []}, "pilot_teams"),
        ({"alpha": 0.9}, "alpha"),
        ({"method": "guess"}, "method"),
    ],
)
def test_pilot_bad_input_is_400_naming_the_field(api_as, supervisor, agent, other_agent, change,
                                                 field):  # fmt: skip
    payload = pilot_payload(agent, other_agent)
    if change.get("control_agents") == "SAME":
        change = {"control_agents": [agent.pk]}
    response = api_as(supervisor).post("/api/v1/pilots/", {**payload, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_pilot_permissions(api_as, agent, other_agent, planner):
    payload = pilot_payload(agent, other_agent)
    assert api_as(agent).get("/api/v1/pilots/").status_code == 403
    assert api_as(planner).get("/api/v1/pilots/").status_code == 200
    assert api_as(planner).post("/api/v1/pilots/", payload, format="json").status_code == 403


def test_pilot_list_query_count(api_as, planner, agent, other_agent, django_assert_num_queries):
    for n in range(3):
        pilot = Pilot.objects.create(
            name=f"P{n}", hypothesis="h", kpis=["aht"], starts_on=D, ends_on=D
        )
        pilot.pilot_agents.add(agent)
        pilot.control_agents.add(other_agent)
    # 1 planner's groups (role check), 2 count, 3 page, 4-7 the four group relations
    with django_assert_num_queries(7):
        response = api_as(planner).get("/api/v1/pilots/")
    assert [p["pilot_agents"] for p in response.json()["results"]] == [[agent.pk]] * 3


def test_rollup_by_week_and_month_is_sum_over_sum(api_as, supervisor, computed):
    from datetime import timedelta

    compute.recompute_day(D - timedelta(days=1))  # i7 closed by agent on D-1: 100 s
    api = api_as(supervisor)
    params = {"kpi": "aht", "scope_kind": "overall", "bucket": "week"}
    (week,) = api.get("/api/v1/kpis/rollup/", params).json()["results"]
    # D-1 (100 s / 1) and D (5460 s / 6) are in the week of Monday 9 March 2026.
    assert week["period"] == "2026-03-09"
    assert (week["numerator"], week["denominator"]) == (5560, 7)
    assert week["value"] == pytest.approx(5560 / 7)
    days = api.get("/api/v1/kpis/rollup/", {**params, "bucket": "day"}).json()["results"]
    assert [d["period"] for d in days] == ["2026-03-10", "2026-03-09"]
    month = api.get("/api/v1/kpis/rollup/", {**params, "bucket": "month"}).json()["results"]
    assert month[0]["period"] == "2026-03-01"
    bad = api.get("/api/v1/kpis/rollup/", {**params, "bucket": "year"})
    assert bad.status_code == 400 and "bucket" in bad.json()["errors"]
