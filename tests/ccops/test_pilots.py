"""Pilot results on synthetic snapshots: a known effect is detected, no effect is not, and too
few days say so. Plus the pilot pages and their permissions."""

from datetime import date, timedelta

import numpy as np
import pytest
from django.urls import reverse

from ccops import pilot_stats
from ccops.choices import Role
from ccops.kpi_models import KpiSnapshot, Pilot
from ccops.kpis import pilots
from tests.factories import TeamFactory, make_user

pytestmark = pytest.mark.django_db

START = date(2026, 2, 1)
TODAY = date(2026, 4, 1)


def write_days(agent, team, first: date, days: int, aht_seconds, rng, sd=20.0):
    """Agent snapshot rows of AHT: 10 calls a day averaging ``aht_seconds`` (+ noise)."""
    KpiSnapshot.objects.bulk_create(
        [
            KpiSnapshot(
                day=first + timedelta(days=i),
                kpi="aht",
                scope_kind="agent",
                scope_id=agent.pk,
                team=team,
                office="front",
                numerator=10 * (aht_seconds + rng.normal(0, sd)),
                denominator=10,
            )
            for i in range(days)
        ]
    )


@pytest.fixture
def groups(db):
    pilot_team, control_team = TeamFactory(name="Pilot T"), TeamFactory(name="Control T")
    pilot_agents = [make_user(Role.AGENT, team=pilot_team) for _ in range(2)]
    control_agents = [make_user(Role.AGENT, team=control_team) for _ in range(2)]
    return pilot_team, control_team, pilot_agents, control_agents


def make_pilot(pilot_team, control_agents, **extra):
    pilot = Pilot.objects.create(
        name=extra.pop("name", "Callback scripts"),
        hypothesis="A shorter script lowers AHT.",
        kpis=["aht"],
        starts_on=START,
        ends_on=START + timedelta(days=27),
        **extra,
    )
    pilot.pilot_teams.add(pilot_team)
    pilot.control_agents.add(*control_agents)
    return pilot


def populate(groups, effect_seconds, seed, days=28):
    pilot_team, control_team, pilot_agents, control_agents = groups
    rng = np.random.default_rng(seed)
    before = START - timedelta(days=days)
    for agent in pilot_agents:
        write_days(agent, pilot_team, before, days, 400, rng)
        write_days(agent, pilot_team, START, days, 400 + 15 + effect_seconds, rng)
    for agent in control_agents:
        write_days(agent, control_team, before, days, 380, rng)
        write_days(agent, control_team, START, days, 380 + 15, rng)  # the same seasonal drift


@pytest.mark.parametrize("method", ["hac", "welch", "bootstrap"])
def test_known_effect_is_detected(groups, method):
    populate(groups, effect_seconds=-60, seed=1)
    pilot = make_pilot(groups[0], groups[3], method=method)
    (outcome,) = pilots.results(pilot, today=TODAY)
    result = outcome.result
    assert result.enough_data and result.significant
    # AHT is shown in minutes: the pilot lowered it by 60 s = 1 minute relative to control.
    assert result.effect == pytest.approx(-1.0, abs=0.15)
    assert result.ci_low < -0.8 and result.ci_high < 0
    assert result.n == dict.fromkeys(result.n, 28)
    assert result.verdict.startswith("The pilot group improved Average handle time by 1.0 min")


def test_no_effect_is_not_detected(groups):
    populate(groups, effect_seconds=0, seed=2)
    pilot = make_pilot(groups[0], groups[3])
    (outcome,) = pilots.results(pilot, today=TODAY)
    assert outcome.result.enough_data and not outcome.result.significant
    assert outcome.result.ci_low < 0 < outcome.result.ci_high
    assert outcome.result.verdict.startswith("No significant difference")


def test_not_enough_data_says_so(groups):
    populate(groups, effect_seconds=-60, seed=3, days=3)
    pilot = make_pilot(groups[0], groups[3])
    (outcome,) = pilots.results(pilot, today=TODAY)
    assert not outcome.result.enough_data and outcome.result.p_value is None
    assert outcome.result.verdict.startswith("Not enough data yet")


def test_periods_default_to_the_pilot_length_and_stop_at_yesterday(groups):
    pilot = make_pilot(groups[0], groups[3])
    spans = pilots.periods(pilot, today=START + timedelta(days=10))
    assert spans.before == (START - timedelta(days=28), START - timedelta(days=1))
    assert spans.during == (START, START + timedelta(days=9))
    pilot.baseline_days = 14
    assert pilots.periods(pilot, today=TODAY).before[0] == START - timedelta(days=14)


def test_group_daily_value_is_sum_over_sum(groups):
    pilot_team, _control_team, pilot_agents, _ = groups
    for agent, (n, d) in zip(pilot_agents, [(600, 2), (1200, 6)], strict=True):
        KpiSnapshot.objects.create(
            day=START, kpi="aht", scope_kind="agent", scope_id=agent.pk, team=pilot_team,
            office="front", numerator=n, denominator=d,
        )  # fmt: skip
    values = pilots.daily_values([], [pilot_team.pk], ["aht"], START, START)
    assert values["aht"][START] == pytest.approx(1800 / 8 / 60)  # minutes, not mean of means


# --- Pages ----------------------------------------------------------------------------


def test_pilot_pages_for_supervisor(client, supervisor, groups):
    populate(groups, effect_seconds=-60, seed=1)
    pilot = make_pilot(groups[0], groups[3])
    client.force_login(supervisor)
    listing = client.get(reverse("dashboard:pilot_list"))
    assert "Callback scripts" in listing.content.decode()
    detail = client.get(reverse("dashboard:pilot_detail", args=[pilot.pk]))
    body = detail.content.decode()
    assert detail.status_code == 200 and "A shorter script lowers AHT." in body
    assert "Average handle time" in body and ("improved" in body or "Not enough data" in body)
    csv = client.get(reverse("dashboard:pilot_detail", args=[pilot.pk]), {"export": "results"})
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.getvalue().decode().startswith('"KPI","Pilot before",')


def test_supervisor_creates_pilot_and_bad_input_names_fields(client, supervisor, groups):
    pilot_team, control_team, pilot_agents, control_agents = groups
    client.force_login(supervisor)
    url = reverse("dashboard:pilot_create")
    data = {
        "name": "Buddy escalations",
        "hypothesis": "Buddies cut hand-offs.",
        "kpis": ["handoff_rate", "fcr"],
        "pilot_teams": [pilot_team.pk],
        "control_teams": [control_team.pk],
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-31",
        "method": "welch",
        "alpha": "0.05",
    }
    response = client.post(url, data)
    pilot = Pilot.objects.get(name="Buddy escalations")
    assert response.status_code == 302 and response.url == reverse(
        "dashboard:pilot_detail", args=[pilot.pk]
    )
    assert pilot.kpis == ["handoff_rate", "fcr"] and pilot.created_by == supervisor
    bad = {
        **data,
        "name": "Overlap",
        "kpis": ["nope"],
        "control_teams": [pilot_team.pk],
        "ends_on": "2026-02-01",
    }
    response = client.post(url, bad)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"kpis", "ends_on", "control_teams"} <= set(errors)
    assert not Pilot.objects.filter(name="Overlap").exists()


def test_pilot_permissions(client, agent, qa, groups):
    pilot = make_pilot(groups[0], groups[3])
    client.force_login(agent)
    assert client.get(reverse("dashboard:pilot_list")).status_code == 403
    assert client.get(reverse("dashboard:pilot_detail", args=[pilot.pk])).status_code == 403
    client.force_login(qa)  # reads, cannot create
    assert client.get(reverse("dashboard:pilot_detail", args=[pilot.pk])).status_code == 200
    assert client.get(reverse("dashboard:pilot_create")).status_code == 403
    client.logout()
    response = client.get(reverse("dashboard:pilot_list"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_pilot_list_query_count(client, supervisor, groups, django_assert_num_queries):
    for n in range(3):
        make_pilot(groups[0], groups[3], name=f"Pilot {n}")
    client.force_login(supervisor)
    # 1 user + team, 2 roles, 3 count, 4 pilots page,
    # 5-8 prefetch pilot agents, pilot teams, control agents, control teams
    with django_assert_num_queries(8):
        response = client.get(reverse("dashboard:pilot_list"))
    assert len(response.context["pilots"]) == 3


def test_pilot_detail_query_count(client, supervisor, groups, django_assert_num_queries):
    populate(groups, effect_seconds=-60, seed=1, days=6)
    pilot = make_pilot(groups[0], groups[3])
    client.force_login(supervisor)
    # 1 user + team, 2 roles, 3 the pilot, 4-7 its four group relations,
    # 8 pilot group daily values, 9 control group daily values, 10-11 the same for the
    # planning window (minimum detectable effect), 12 the pilot's history
    # records with their users (one record: no predecessors or related names to load)
    with django_assert_num_queries(12):
        response = client.get(reverse("dashboard:pilot_detail", args=[pilot.pk]))
    assert len(response.context["outcomes"]) == 1


def write_kpi(agent, team, kpi, first, values):
    KpiSnapshot.objects.bulk_create(
        [
            KpiSnapshot(
                day=first + timedelta(days=i),
                kpi=kpi,
                scope_kind="agent",
                scope_id=agent.pk,
                team=team,
                office="front",
                numerator=v,
                denominator=10,
            )
            for i, v in enumerate(values)
        ]
    )


def test_paired_verdicts_are_holm_adjusted_across_the_pilots_kpis(groups, api_as, supervisor):
    """AHT moves (-60 s), FCR does not: the pilot's two p-values are adjusted together, the
    verdicts say which moved and how sure; the API gives the same with the MDE."""
    pilot_team, control_team, pilot_agents, control_agents = groups
    populate(groups, effect_seconds=-60, seed=4)
    rng = np.random.default_rng(5)
    for agent, team in [(a, pilot_team) for a in pilot_agents] + [
        (a, control_team) for a in control_agents
    ]:
        write_kpi(agent, team, "fcr", START - timedelta(days=28), rng.binomial(10, 0.7, 56))
    pilot = make_pilot(pilot_team, control_agents, method="hac")
    pilot.kpis = ["aht", "fcr"]
    pilot.save()
    aht, fcr = pilots.results(pilot, today=TODAY)
    expected = pilot_stats.holm([aht.result.p_value, fcr.result.p_value])
    assert [aht.result.p_adjusted, fcr.result.p_adjusted] == pytest.approx(expected)
    assert aht.result.significant and not fcr.result.significant
    assert aht.result.paired_days == {"before": 28, "during": 28}
    assert "Holm-adjusted over 2 KPIs" in aht.result.verdict
    assert "this KPI moved" in aht.result.verdict
    assert fcr.result.verdict.startswith("No significant difference")
    assert aht.result.effect == pytest.approx(-1.0, abs=0.15)  # minutes
    assert aht.result.effect_size < 0

    (plan_aht, plan_fcr) = pilots.planning(pilot, today=TODAY)
    assert plan_aht.mde.history_days == 28 and plan_aht.mde.mde > 0
    assert (plan_aht.mde.n_before, plan_aht.mde.n_during) == (28, 28)

    rows = api_as(supervisor).get(f"/api/v1/pilots/{pilot.pk}/results/").json()
    assert [r["kpi"] for r in rows] == ["aht", "fcr"]
    assert rows[0]["p_adjusted"] == pytest.approx(expected[0])
    assert rows[0]["mde"] == pytest.approx(plan_aht.mde.mde)
    assert rows[0]["method"] == "hac" and rows[0]["significant"] is True


def test_pilot_page_shows_the_minimum_detectable_effect(client, supervisor, groups):
    populate(groups, effect_seconds=0, seed=3)
    pilot = make_pilot(groups[0], groups[3])
    client.force_login(supervisor)
    response = client.get(reverse("dashboard:pilot_detail", args=[pilot.pk]))
    plan = response.context["tables"][1]
    (row,) = plan.rows
    mde = pilots.planning(pilot)[0].mde
    assert row[1].text == f"{mde.mde:,.1f}" and mde.mde > 0
    assert "Minimum detectable effect" in response.content.decode()
