"""Real races on PostgreSQL (skipped on SQLite, which serialises writers): threads with
their own connections released together. Awards are paid once, the kudos limit and the
buddy cap hold, and two promotions of the same agent have one winner."""

import threading
from datetime import date

import pytest
from django.db import connection

from ccops.choices import Office, Role
from tests.factories import TeamFactory, make_user
from tests.services import require_postgres
from training import services
from training.choices import IdeaStatus, TierChangeKind
from training.errors import Conflict, InvalidInput
from training.models import BuddyPairing, Idea, Recognition, TierChange

pytestmark = pytest.mark.django_db(transaction=True)


def race(calls):
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=20)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported to the test by position
            errors[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return results, errors


def check_concurrent_incentive_runs_pay_once(hr):
    team = TeamFactory(name="Claims", office=Office.BACK)
    for i in range(5):
        make_user(Role.AGENT, username=f"c{i}", team=team)
    scheme = services.scheme_create(
        by=hr,
        name="SLA",
        kpi="sla_attainment",
        scope_kind="team",
        comparison="gte",
        threshold=90,
        points=20,
    )
    results_in = [("team", team.pk, date(2026, 3, 2), date(2026, 3, 8), 95.0)]
    results, errors = race(
        [lambda: services.award_from_kpi_results(scheme, results_in) for _ in range(4)]
    )
    assert errors == [None] * 4
    assert sorted(results) == [0, 0, 0, 5]
    assert Recognition.objects.filter(scheme=scheme).count() == 5


def check_concurrent_idea_awards_pay_once(agent, back_agent, hr):
    idea = Idea.objects.create(
        title="T", description="D", submitted_by=agent, status=IdeaStatus.IMPLEMENTED
    )
    idea.co_authors.add(back_agent)
    results, errors = race([lambda: services.idea_award_points(idea=idea) for _ in range(4)])
    assert errors == [None] * 4
    assert sorted(results) == [0, 0, 0, 2]
    assert Recognition.objects.filter(idea=idea).count() == 2


def check_kudos_limit_holds_under_a_burst(agent, back_agent):
    agent.has_role(Role.AGENT)
    calls = [
        lambda: services.recognition_give(
            agent=back_agent, by=agent, kind="peer_kudos", reason="Thanks"
        )
        for _ in range(6)
    ]
    results, errors = race(calls)
    assert sum(r is not None for r in results) == services.KUDOS_PER_DAY
    assert all(isinstance(e, InvalidInput) for e in errors if e is not None)
    assert Recognition.objects.filter(given_by=agent).count() == services.KUDOS_PER_DAY


def check_buddy_cap_holds_when_pairing_at_once(hr, back_agent, front_team):
    fronts = [make_user(Role.AGENT, username=f"f{i}", team=front_team) for i in range(6)]
    for user in (*fronts, hr, back_agent):
        user.has_role(Role.AGENT)
    results, errors = race(
        [lambda f=f: services.buddy_pair(agent=f, buddy=back_agent, by=hr) for f in fronts]
    )
    assert sum(r is not None for r in results) == services.load_cap()
    assert all(isinstance(e, InvalidInput) for e in errors if e is not None)
    assert BuddyPairing.objects.filter(buddy=back_agent).count() == services.load_cap()


def check_double_promotion_has_one_winner(agent, hr, skills, ladder):
    services.agent_skill_set(agent=agent, skill=skills["calls"], level=2, by=hr)
    services.agent_skill_set(agent=agent, skill=skills["claims"], level=2, by=hr)
    hr.has_role(Role.HR)
    results, errors = race(
        [lambda: services.tier_promote(agent=agent, tier=ladder[2], by=hr) for _ in range(3)]
    )
    assert sum(r is not None for r in results) == 1
    assert all(isinstance(e, Conflict) for e in errors if e is not None)
    assert TierChange.objects.filter(agent=agent, kind=TierChangeKind.PROMOTION).count() == 1


# Each transactional test costs a full flush of the database on teardown (seconds on
# PostgreSQL), so the races run in two tests.


def test_awards_are_paid_once_under_races(hr, agent, back_agent):
    require_postgres()
    check_concurrent_incentive_runs_pay_once(hr)
    check_concurrent_idea_awards_pay_once(agent, back_agent, hr)
    check_kudos_limit_holds_under_a_burst(agent, back_agent)


def test_caps_and_promotions_hold_under_races(hr, agent, back_agent, front_team, skills, ladder):
    require_postgres()
    check_buddy_cap_holds_when_pairing_at_once(hr, back_agent, front_team)
    check_double_promotion_has_one_winner(agent, hr, skills, ladder)
