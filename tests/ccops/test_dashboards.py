"""Dashboard pages on the hand-made day: numbers shown, drill-down, CSV export, bad input,
permissions and constant query counts."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ccops.choices import Office, TenureBand
from ccops.kpi_models import GoalAdjustment, KpiSnapshot, SharedGoal
from ccops.kpis import compute
from tests.factories import TeamFactory

from . import kpi_data
from .kpi_data import D

pytestmark = pytest.mark.django_db

# Fixtures of the hand-made day (shared with the other KPI test modules).
kpi_day = kpi_data.kpi_day
work_types = kpi_data.work_types

WEEK = {"period": 7, "end": D.isoformat()}


@pytest.fixture
def computed(kpi_day):
    compute.recompute_day(D)
    SharedGoal.objects.create(
        name="SLA 80 %", kpi="sla_attainment", target=80, effective_from=date(2026, 1, 1)
    )
    goal = SharedGoal.objects.create(
        name="Productivity", kpi="productivity", target=10, effective_from=date(2026, 1, 1)
    )
    GoalAdjustment.objects.create(goal=goal, tenure_band=TenureBand.NEW_HIRE, factor=0.8)
    return kpi_day


def table(response, name):
    return next(t for t in response.context["tables"] if t.name == name)


def texts(tbl):
    return [[c.text for c in row] for row in tbl.rows]


def test_overview_goals_side_by_side_and_team_ranking(client, supervisor, computed):
    client.force_login(supervisor)
    response = client.get(reverse("dashboard:overview"), WEEK)
    assert response.status_code == 200
    goals = {row[0]: row for row in texts(table(response, "goals"))}
    sla = goals["SLA attainment (%)"]
    # Front office 3 of 4 on time = 75 % vs 80 %: 94 %; back office 1 of 2 = 50 %: 62 %.
    # (Every figure with its unit.)
    assert sla[1:4] == ["75.0 %", "80.0 %", "94 %"]
    assert sla[4:7] == ["50.0 %", "80.0 %", "62 %"]
    assert sla[7] == "66.7 %"
    assert goals["Hand-off rate (%)"][4] == "n/a"
    # Ranked on the goal index (mean attainment, capped at 150 %):
    # Front B: SLA 100 % -> 125, productivity 6/360 = 1.7 % vs 10 -> 17: 71.
    # Front A: SLA 66.7 % -> 83, productivity 18/360 = 5 % -> 50: 67.
    # Back A: SLA 50 % -> 62, productivity 50/720 = 6.9 % -> 69: 66.
    teams = texts(table(response, "teams"))
    assert [(row[0], row[1], row[3]) for row in teams] == [
        ("1", "Front B", "71"),
        ("2", "Front A", "67"),
        ("3", "Back A", "66"),
    ]
    team_cells = table(response, "teams").rows[1]
    assert team_cells[1].url.startswith(reverse("dashboard:team", args=[supervisor.team_id]))
    assert team_cells[1].css == "fw-bold"  # the supervisor's own team stands out


def test_overview_live_backlog_defaults_to_supervisors_team(client, supervisor, computed):
    client.force_login(supervisor)
    response = client.get(reverse("dashboard:overview"), WEEK)
    # Open now in Front A: i7 (reopened) and i8 (arrived D+1).
    assert texts(table(response, "live_backlog")) == [
        ["Calls", "Front office", "2", "2", "2", response.context["tables"][0].rows[0][5].text]
    ]
    everyone = client.get(reverse("dashboard:overview"), {**WEEK, "team": "all"})
    live = {row[0]: row[2] for row in texts(table(everyone, "live_backlog"))}
    assert live == {"Calls": "2", "Claims": "3"}  # i9 i10 i11
    bad = client.get(reverse("dashboard:overview"), {**WEEK, "team": "999"})
    assert "no team with id" in bad.content.decode()
    # Both shared readings say so on the page.
    page = response.content.decode()
    assert "As of " in table(response, "live_backlog").note
    assert "shared between pages for up to 2 seconds" in page
    assert "shares them between readers for up to 60 seconds" in page
    assert 'id="live-team" data-autosubmit>' in page
    assert f'<option value="{supervisor.team_id}" selected>Front A</option>' in page


def test_trend_chart_payload(client, supervisor, computed):
    import json

    client.force_login(supervisor)
    response = client.get(reverse("dashboard:overview"), WEEK)
    payload = json.loads(response.context["chart"])
    assert payload["labels"][-1] == D.isoformat() and len(payload["labels"]) == 7
    aht = payload["kpis"]["aht"]["series"]
    assert aht["overall:0"][-1] == pytest.approx(910 / 60, abs=0.05)  # minutes
    assert aht["office:1"][-1] == pytest.approx(315 / 60, abs=0.05)
    assert set(payload["scopes"]) == {"office:1", "office:2", "overall:0"}
    long = json.loads(client.get(reverse("dashboard:overview"), {"period": 90}).context["chart"])
    assert long["bucket"] == "week"


def test_period_switch_and_bad_period(client, supervisor, computed):
    client.force_login(supervisor)
    response = client.get(reverse("dashboard:overview"), {"period": 30, "end": D.isoformat()})
    assert response.context["period"].start == D - timedelta(days=29)
    bad = client.get(reverse("dashboard:overview"), {"period": 12, "end": "2026-02-30"})
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "period:" in body and "end:" in body and "Showing the default period" in body
    assert bad.context["period"].days == 30


def test_csv_export_of_tables(client, supervisor, computed):
    client.force_login(supervisor)
    response = client.get(reverse("dashboard:overview"), {**WEEK, "export": "teams"})
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0][:4] == ["Rank", "Team", "Office", "Goal index (%)"]
    assert lines[1][:3] == ["1", "Front B", "Front office"] and lines[1][3].startswith("71")
    sheet = client.get(reverse("dashboard:overview"), {**WEEK, "export": "teams", "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(sheet.content)).worksheets[0].iter_rows(values_only=True))
    assert list(rows[0][:4]) == ["Rank", "Team", "Office", "Goal index (%)"]
    assert rows[1][:3] == (1, "Front B", "Front office") and 71 <= rows[1][3] < 72
    bad = client.get(reverse("dashboard:overview"), {**WEEK, "export": "nope"})
    assert bad.status_code == 400 and b"export: unknown table 'nope'" in bad.content


def test_drill_down_office_team_agent(client, supervisor, computed, back_team):
    client.force_login(supervisor)
    office = client.get(reverse("dashboard:office", args=["back"]), WEEK)
    assert [row[1] for row in texts(table(office, "teams"))] == ["Back A"]
    assert client.get(reverse("dashboard:office", args=["middle"])).status_code == 404
    team = client.get(reverse("dashboard:team", args=[back_team.pk]), WEEK)
    agents = {row[0]: row for row in texts(table(team, "agents"))}
    assert set(agents) == {str(computed.back_agent), str(computed.idle)}
    columns = table(team, "agents").columns
    aht = columns.index("Average handle time (min)")
    assert agents[str(computed.back_agent)][aht] == "35.0"  # 4200 s / 2 = 35 min
    person = client.get(reverse("dashboard:agent", args=[computed.back_agent.pk]), WEEK)
    card = {row[0]: row for row in texts(table(person, "scorecard"))}
    assert card["Average handle time (min)"][1:] == ["35.0", "-", "-", "35.0", "35.0"]
    assert "Hand-off rate (%)" not in card  # a front-office KPI


def test_agent_scorecard_with_tenure_adjusted_target(client, computed, agent):
    agent.hire_date = D - timedelta(days=30)  # a new hire on D: 80 % of the target of 10
    agent.save()
    client.force_login(agent)
    response = client.get(reverse("dashboard:me"), WEEK)
    card = {row[0]: row for row in texts(table(response, "scorecard"))}
    # Productivity 18 / 360 = 5 % against 8 % -> 62 %.
    assert card["Productivity (normalised) (%)"][1:4] == ["5.0", "8.0", "62 %"]
    assert card["Average handle time (min)"][1] == "6.3"  # 1140 s / 3
    export = client.get(reverse("dashboard:me"), {**WEEK, "export": "scorecard"})
    assert "my-scorecard-scorecard.csv" in export["Content-Disposition"]


@pytest.mark.parametrize("fixture", ["planner", "qa", "hr", "supervisor", "admin_user"])
def test_staff_roles_read_dashboards(client, request, fixture, computed):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get(reverse("dashboard:overview"), WEEK).status_code == 200
    assert client.get(reverse("dashboard:process_map"), WEEK).status_code == 200


def test_agents_see_only_their_scorecard(client, computed, agent, norole, back_team):
    client.force_login(agent)
    for url in (
        reverse("dashboard:overview"),
        reverse("dashboard:office", args=["front"]),
        reverse("dashboard:team", args=[back_team.pk]),
        reverse("dashboard:agent", args=[computed.back_agent.pk]),
        reverse("dashboard:process_map"),
    ):
        assert client.get(url).status_code == 403, url
    assert client.get(reverse("dashboard:me")).status_code == 200
    client.force_login(norole)
    assert client.get(reverse("dashboard:me")).status_code == 403
    client.logout()
    response = client.get(reverse("dashboard:overview"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_process_map_page(client, supervisor, computed):
    client.force_login(supervisor)
    response = client.get(reverse("dashboard:process_map"), {"period": 7, "end": D.isoformat()})
    body = response.content.decode()
    assert "<svg" in body and "Handed off" in body
    waits = texts(table(response, "waits"))
    assert waits[0][:3] == ["Claims", "Assigned", "In progress"]
    by_office = client.get(
        reverse("dashboard:process_map"), {"period": 7, "end": D.isoformat(), "level": "office"}
    )
    assert by_office.context["flow"].level == "office"
    bad = client.get(reverse("dashboard:process_map"), {"level": "planet"})
    assert "level: choose one of" in bad.content.decode()
    export = client.get(reverse("dashboard:process_map"), {**WEEK, "export": "paths"})
    header = next(csv.reader(io.StringIO(export.getvalue().decode())))
    assert header == ["From", "To", "Kind", "Items", "Median", "p90"]


# --- Query counts: constant in teams, agents and days of history -----------------------


def add_history(teams: int, days: int):
    """More teams and a longer history of team/office rows: must not add queries."""
    rows = []
    for n in range(teams):
        team = TeamFactory(name=f"Extra {n}", office=Office.BACK)
        for i in range(days):
            for kind, sid in (("team", team.pk), ("office", 2), ("overall", 0)):
                rows.append(
                    KpiSnapshot(
                        day=D - timedelta(days=i), kpi="aht", scope_kind=kind,
                        scope_id=sid if kind != "team" else team.pk, team=team if kind == "team"
                        else None, office="back", numerator=600, denominator=2, value=300,
                    )
                )  # fmt: skip
    KpiSnapshot.objects.bulk_create(rows, ignore_conflicts=True)


# 1 user + team, 2 roles, 3 teams, 4 live backlog, 5-10 today's tiles (the queues' time zones,
# open items per office, service level from the measured contacts (their queues' time zones,
# the aggregate) and, none measured, from today's items, agents by state), 11 goals, 12 goal
# adjustments, 13 office totals, 14 overall totals, 15 team totals, 16 chart series. 4-10 and
# 13-16 are shared through the cache for a while (BACKLOG_MAX_AGE_SECONDS,
# TODAY_MAX_AGE_SECONDS and KPI_MAX_AGE_SECONDS): a page read again within that time makes
# 1-3, 11 and 12 only.
OVERVIEW_QUERIES = 16
OVERVIEW_QUERIES_SHARED = 5


def test_overview_query_count_is_constant(
    client, supervisor, computed, django_assert_num_queries, fresh_cache, longer_live_readings
):
    client.force_login(supervisor)
    params = {"period": 90, "end": D.isoformat()}
    with django_assert_num_queries(OVERVIEW_QUERIES):
        first = client.get(reverse("dashboard:overview"), params)
    with django_assert_num_queries(OVERVIEW_QUERIES_SHARED):
        again = client.get(reverse("dashboard:overview"), params)
    assert texts(table(again, "teams")) == texts(table(first, "teams"))
    assert again.context["chart"] == first.context["chart"]
    add_history(teams=5, days=60)
    fresh_cache()  # as when the shared figures have expired
    # The same, plus the session: an emptied cache sends ``cached_db`` to the database.
    with django_assert_num_queries(OVERVIEW_QUERIES + 1):
        response = client.get(reverse("dashboard:overview"), params)
    assert len(table(response, "teams").rows) == 3 + 5


def test_team_and_scorecard_query_counts(client, supervisor, computed, back_team, agent,
                                         django_assert_num_queries):  # fmt: skip
    client.force_login(supervisor)
    # 1 user + team, 2 roles, 3 team + supervisor, 4 agents, 5 their
    # groups, 6 goals, 7 adjustments, 8 agent totals, 9 live backlog, 10 chart series
    with django_assert_num_queries(10):
        client.get(reverse("dashboard:team", args=[back_team.pk]), WEEK)
    # 1 user + team, 2 roles, 3 the person + team, 4 their groups,
    # 5 goals, 6 adjustments, 7 agent totals, 8 team totals, 9 office totals, 10 chart series
    with django_assert_num_queries(10):
        client.get(reverse("dashboard:agent", args=[computed.back_agent.pk]), WEEK)
    client.force_login(agent)
    # 1 user + team, 2 roles, 3 goals, 4 adjustments, 5-7 agent/team/office
    # totals, 8 chart series
    with django_assert_num_queries(8):
        client.get(reverse("dashboard:me"), WEEK)
    # 1 user + team, 2 roles, 3 office teams, 4 goals, 5 adjustments,
    # 6 team totals, 7 queue totals (none: no names to read), 8 live backlog, 9 chart series
    client.force_login(supervisor)
    with django_assert_num_queries(9):
        client.get(reverse("dashboard:office", args=["back"]), WEEK)


def test_process_map_query_count(client, supervisor, computed, django_assert_num_queries):
    client.force_login(supervisor)
    # 1 user + team, 2 roles, 3 the period's process-step snapshots
    with django_assert_num_queries(3):
        client.get(reverse("dashboard:process_map"), WEEK)
