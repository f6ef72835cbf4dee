"""Recognition: kudos rules, and incentive awards from KPI results (idempotent)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ccops.choices import Office, Role
from tests.factories import TeamFactory, make_user
from training import services
from training.choices import RecognitionKind
from training.errors import InvalidInput, NotAllowed
from training.models import IncentiveScheme, Recognition

pytestmark = pytest.mark.django_db

WEEK = (date(2026, 3, 2), date(2026, 3, 8))


def test_peer_kudos_fixed_points_and_daily_limit(agent, back_agent, other_agent):
    r = services.recognition_give(
        agent=back_agent, by=agent, kind="peer_kudos", reason="Fixed my hand-off fast", points=99
    )
    assert r.points == services.KUDOS_POINTS and r.given_by == agent
    for _ in range(services.KUDOS_PER_DAY - 1):
        services.recognition_give(agent=other_agent, by=agent, kind="peer_kudos", reason="Thanks")
    with pytest.raises(InvalidInput) as err:
        services.recognition_give(agent=other_agent, by=agent, kind="peer_kudos", reason="More")
    assert err.value.field == "agent"
    assert Recognition.objects.filter(given_by=agent).count() == services.KUDOS_PER_DAY


def test_kudos_rules(agent, back_agent, supervisor, qa, norole):
    with pytest.raises(InvalidInput) as err:
        services.recognition_give(agent=agent, by=agent, kind="peer_kudos", reason="me")
    assert err.value.field == "agent"
    with pytest.raises(InvalidInput) as err:
        services.recognition_give(agent=supervisor, by=agent, kind="peer_kudos", reason="x")
    assert err.value.field == "agent"  # only agents collect points
    with pytest.raises(InvalidInput) as err:
        services.recognition_give(agent=back_agent, by=agent, kind="peer_kudos", reason="")
    assert err.value.field == "reason"
    with pytest.raises(NotAllowed):
        services.recognition_give(agent=back_agent, by=agent, kind="goal_met", reason="x", points=5)
    with pytest.raises(NotAllowed):
        services.recognition_give(agent=back_agent, by=norole, kind="peer_kudos", reason="x")
    with pytest.raises(InvalidInput) as err:
        services.recognition_give(
            agent=back_agent, by=qa, kind="qa_excellence", reason="x", points=500
        )
    assert err.value.field == "points"
    with pytest.raises(InvalidInput) as err:
        services.recognition_give(
            agent=back_agent, by=supervisor, kind="idea_implemented", reason="x", points=5
        )
    assert err.value.field == "kind"
    r = services.recognition_give(
        agent=back_agent, by=qa, kind="qa_excellence", reason="100% three weeks", points=30
    )
    assert r.points == 30 and r.kind == RecognitionKind.QA_EXCELLENCE
    assert Recognition.objects.count() == 1


@pytest.fixture
def scheme(db, hr):
    return services.scheme_create(
        by=hr,
        name="Team SLA week",
        kpi="sla_attainment",
        scope_kind="team",
        comparison="gte",
        threshold=90,
        points=20,
    )


def test_team_scheme_awards_each_agent_once(scheme, db):
    good = TeamFactory(name="Claims", office=Office.BACK)
    bad = TeamFactory(name="Billing", office=Office.BACK)
    members = [make_user(Role.AGENT, username=f"c{i}", team=good) for i in range(3)]
    make_user(Role.AGENT, username="gone", team=good, is_active=False)
    make_user(Role.SUPERVISOR, username="lead", team=good)
    make_user(Role.AGENT, username="b1", team=bad)
    results = [
        ("team", good.pk, *WEEK, 93.5),
        ("team", bad.pk, *WEEK, 88.0),
        ("agent", members[0].pk, *WEEK, 99.0),  # another scope kind: ignored
    ]
    assert services.award_from_kpi_results(scheme, results) == 3
    awards = Recognition.objects.filter(scheme=scheme)
    assert sorted(awards.values_list("agent__username", flat=True)) == ["c0", "c1", "c2"]
    first = awards.first()
    assert first.points == 20 and first.kind == RecognitionKind.GOAL_MET
    assert first.period_start == WEEK[0] and first.given_on == WEEK[1]
    assert first.kpi_value == 93.5
    # Idempotent: the nightly job re-running the same week creates nothing.
    assert services.award_from_kpi_results(scheme, results) == 0
    assert services.award_from_kpi_results(scheme, iter(results)) == 0
    assert Recognition.objects.count() == 3
    # The next week is a new period.
    next_week = [("team", good.pk, WEEK[0] + timedelta(days=7), WEEK[1] + timedelta(days=7), 95)]
    assert services.award_from_kpi_results(scheme, next_week) == 3


def test_lower_is_better_agent_scheme_and_inactive(hr, agent, back_agent):
    scheme = services.scheme_create(
        by=hr,
        name="Low reopen",
        kpi="reopen_rate",
        scope_kind="agent",
        comparison="lte",
        threshold=2,
        points=10,
        office="back",
    )
    results = [("agent", back_agent.pk, *WEEK, 1.5), ("agent", agent.pk, *WEEK, 0.5)]
    # agent is front office: the scheme is for the back office only.
    assert services.award_from_kpi_results(scheme, results) == 1
    IncentiveScheme.objects.filter(pk=scheme.pk).update(active=False)
    scheme.refresh_from_db()
    assert (
        services.award_from_kpi_results(
            scheme, [("agent", back_agent.pk, date(2026, 4, 6), date(2026, 4, 12), 0)]
        )
        == 0
    )


def test_office_scheme_uses_kpi_office_ids(hr, agent, back_agent):
    scheme = services.scheme_create(
        by=hr,
        name="Back office SLA",
        kpi="sla_attainment",
        scope_kind="office",
        comparison="gte",
        threshold=80,
        points=5,
    )
    assert services.award_from_kpi_results(scheme, [("office", 2, *WEEK, 85.0)]) == 1
    assert Recognition.objects.get().agent == back_agent


def test_scheme_validation(hr, agent):
    base = {
        "by": hr,
        "name": "S",
        "kpi": "aht",
        "scope_kind": "team",
        "comparison": "gte",
        "threshold": 1,
        "points": 1,
    }
    for change, field in [
        ({"scope_kind": "planet"}, "scope_kind"),
        ({"threshold": "high"}, "threshold"),
        ({"points": 0}, "points"),
        ({"name": ""}, "name"),
        ({"period": "decade"}, "period"),
    ]:
        with pytest.raises(InvalidInput) as err:
            services.scheme_create(**{**base, **change})
        assert err.value.field == field
    with pytest.raises(NotAllowed):
        services.scheme_create(**{**base, "by": agent})
    assert not IncentiveScheme.objects.exists()


def test_nightly_job_reads_kpi_snapshots(scheme, db):
    from ccops.kpi_models import KpiSnapshot as Snapshot

    team = TeamFactory(name="Claims", office=Office.BACK)
    make_user(Role.AGENT, username="c1", team=team)
    start, end = WEEK
    for n in range(7):
        # 19/20 completed in time each day: 95% for the week.
        Snapshot.objects.create(
            day=start + timedelta(days=n),
            kpi="sla_attainment",
            scope_kind="team",
            scope_id=team.pk,
            team=team,
            office="back",
            numerator=19,
            denominator=20,
            value=0.95,
        )
    results = services.kpi_results(scheme, start, end)
    assert results == [("team", team.pk, start, end, pytest.approx(95.0))]
    # Run on the Tuesday after: the closed week is awarded, twice over gives one award.
    assert services.incentives_award(day=end + timedelta(days=2)) == {"Team SLA week": 1}
    assert services.incentives_award(day=end + timedelta(days=2)) == {"Team SLA week": 0}


def test_period_bounds():
    assert services.period_bounds("week", date(2026, 3, 5)) == WEEK
    assert services.period_bounds("month", date(2026, 2, 14)) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    assert services.period_bounds("day", date(2026, 2, 14)) == (date(2026, 2, 14),) * 2
    assert timezone.localdate()  # settings sane
