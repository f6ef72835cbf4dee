"""Each work-item KPI on the hand-made day of ``kpi_data``: numerator and denominator per
agent written out, then the scope-level backlog KPIs and the backlog snapshot."""

import pytest

from ccops import kpis
from ccops.kpi_models import ScopeKind
from ccops.kpis.compute import _merge_agent_rows
from workitems.kpis import DEFAULT_PRODUCTIVE_MINUTES, backlog_snapshot

from . import kpi_data
from .kpi_data import D

pytestmark = pytest.mark.django_db

# Fixtures of the hand-made day (shared with the other KPI test modules).
kpi_day = kpi_data.kpi_day
work_types = kpi_data.work_types


def per_agent(key, day=D):
    return {agent: tuple(nd) for agent, nd in _merge_agent_rows(kpis.get(key).compute(day)).items()}


def test_aht(kpi_day):
    # agent: i1 300 + i2 600 + i3 240 (hand-off) over 3; other: i5 120 / 1;
    # back: i4 1800 + i6 2400 over 2. i14 closes on D+1: not on D.
    assert per_agent("aht") == {
        kpi_day.agent.pk: (1140, 3),
        kpi_day.other_agent.pk: (120, 1),
        kpi_day.back_agent.pk: (4200, 2),
    }


def test_sla_attainment(kpi_day):
    # agent: i1 09:10 <= 10:00 yes, i2 11:00 > 10:30 no, i3 10:20 <= 11:00 yes -> 2 / 3
    # other: i5 12:05 <= 13:00 -> 1 / 1; back: i4 on time, i6 due D-1 08:00 late -> 1 / 2
    assert per_agent("sla_attainment") == {
        kpi_day.agent.pk: (2, 3),
        kpi_day.other_agent.pk: (1, 1),
        kpi_day.back_agent.pk: (1, 2),
    }


def test_productivity_with_default_productive_minutes(kpi_day, monkeypatch):
    from ccops.kpis import registry

    monkeypatch.setattr(registry._REGISTRY, "productive_minutes", None)  # no staffing
    # Earned standard minutes: Calls 6, Claims 25. Every agent-day with a completion or a
    # non-offline presence has 360 productive minutes; ``idle`` only had presence.
    assert DEFAULT_PRODUCTIVE_MINUTES == 360
    assert per_agent("productivity") == {
        kpi_day.agent.pk: (18, 360),  # 3 calls; completions and presence counted once
        kpi_day.other_agent.pk: (6, 360),
        kpi_day.back_agent.pk: (50, 360),
        kpi_day.idle.pk: (0, 360),
    }


def test_productivity_uses_registered_productive_minutes(kpi_day, monkeypatch):
    from ccops.kpis import registry

    monkeypatch.setattr(
        registry._REGISTRY,
        "productive_minutes",
        lambda day: [(kpi_day.agent.pk, 400.0), (kpi_day.idle.pk, 450.0)],
    )
    # Scheduled minutes where the agent had a shift; the default where they worked without.
    assert per_agent("productivity") == {
        kpi_day.agent.pk: (18, 400),
        kpi_day.other_agent.pk: (6, 360),
        kpi_day.back_agent.pk: (50, 360),
        kpi_day.idle.pk: (0, 450),
    }


def test_reopen_rate(kpi_day):
    # i7 (closed by agent on D-1) reopened on D 08:00 -> credited to agent; denominators
    # are the day's completions.
    assert per_agent("reopen_rate") == {
        kpi_day.agent.pk: (1, 3),
        kpi_day.other_agent.pk: (0, 1),
        kpi_day.back_agent.pk: (0, 2),
    }


def test_reopen_after_window_counts_through_follow_up_comment(kpi_day):
    from .kpi_data import at, event

    # A late reopen logs a comment with follow_up_id on the original item (i6, closed by
    # back_agent at 16:00 on D).
    i6 = kpi_day.items[5]
    event(i6, "commented", at(20), kpi_day.agent, "done", "done", follow_up_id=999)
    assert per_agent("reopen_rate")[kpi_day.back_agent.pk] == (1, 2)


def test_repeat_contact_rate(kpi_day):
    # Only i5 is a repeat: c1 had Calls item i1 three hours before. i6 (Claims, c2) is not a
    # repeat of anything before it (i2 is Calls, a different work type).
    assert per_agent("repeat_contact_rate") == {
        kpi_day.agent.pk: (0, 3),
        kpi_day.other_agent.pk: (1, 1),
        kpi_day.back_agent.pk: (0, 2),
    }


def test_first_contact_resolution(kpi_day):
    # agent: i1 followed by c1's i5, i2 followed by c2's i8 on D+1, i3 handed off -> 0 / 3
    # other: i5, no later c1 item -> 1 / 1
    # back: i4 resolved -> FCR; i6 followed by c2's i8 on D+1 -> not FCR -> 1 / 2
    assert per_agent("fcr") == {
        kpi_day.agent.pk: (0, 3),
        kpi_day.other_agent.pk: (1, 1),
        kpi_day.back_agent.pk: (1, 2),
    }
    assert kpis.get("fcr").settle_days == 7


def test_handoff_rate_front_office_only(kpi_day):
    # Front-office closures only: agent i1, i2, i3 (hand-off); other i5. Back office: none.
    assert per_agent("handoff_rate") == {kpi_day.agent.pk: (1, 3), kpi_day.other_agent.pk: (0, 1)}
    assert kpis.get("handoff_rate").offices == {"front"}


def test_backlog_kpis_per_scope(kpi_day, front_team, back_team):
    def rows(key):
        return {(kind, sid): (n, d) for kind, sid, _office, n, d in kpis.get(key).compute(D)}

    # Open at the end of D: Front A i7 (39 h, past due); Back A i9 48 h, i10 12 h,
    # i11 144 h (past due), i13 72 h (cancelled only on D+1, past due), i14 18 h.
    team_a, team_b = (ScopeKind.TEAM, front_team.pk), (ScopeKind.TEAM, back_team.pk)
    front, back, overall = (
        (ScopeKind.OFFICE, 1),
        (ScopeKind.OFFICE, 2),
        (ScopeKind.OVERALL, 0),
    )
    assert rows("backlog_open") == {
        team_a: (1, 1),
        team_b: (5, 1),
        front: (1, 1),
        back: (5, 1),
        overall: (6, 1),
    }
    assert rows("backlog_past_due") == {
        team_a: (1, 1),
        team_b: (2, 1),
        front: (1, 1),
        back: (2, 1),
        overall: (3, 1),
    }
    p50 = rows("backlog_age_p50")
    # Back A ages 12 18 48 72 144: median 48; overall 12 18 39 48 72 144: (39 + 48) / 2.
    assert p50[team_a] == (pytest.approx(39), 1)
    assert p50[team_b] == (pytest.approx(48), 1)
    assert p50[overall] == (pytest.approx(43.5), 1)
    p90 = rows("backlog_age_p90")
    # percentile_cont(0.9): Back A rank 0.9 * 4 = 3.6 -> 72 + 0.6 * 72 = 115.2;
    # overall rank 4.5 -> 72 + 0.5 * 72 = 108.
    assert p90[team_b] == (pytest.approx(115.2), 1)
    assert p90[overall] == (pytest.approx(108), 1)


def test_backlog_snapshot_rows(kpi_day, front_team, back_team):
    rows = {(r["work_type_id"], r["team_id"]): r for r in backlog_snapshot(D)}
    calls = rows[(kpi_day.calls.pk, front_team.pk)]
    claims = rows[(kpi_day.claims.pk, back_team.pk)]
    # Calls/Front A: arrivals i1 i2 i3 i5; closed i1 i2 i3 (hand-off) i5; open i7.
    assert (calls["open"], calls["past_due"], calls["arrivals"], calls["completions"]) == (
        1,
        1,
        4,
        4,
    )
    # Claims/Back A: arrivals i4 i10 i14; closed i4 i6; open i9 i10 i11 i13 i14.
    assert (claims["open"], claims["past_due"], claims["arrivals"], claims["completions"]) == (
        5,
        2,
        3,
        2,
    )
    assert claims["age_p50_hours"] == pytest.approx(48)
    assert claims["age_max_hours"] == pytest.approx(144)
    assert claims["office"] == "back"


def test_an_item_waiting_on_the_customer_at_the_days_end_is_not_past_due(kpi_day, back_team):
    """The end-of-day backlog counts past due as the live one does (``past_due_at_end_q``):
    an item pending since before the day's end had its clock stopped then."""
    from workitems.choices import Status
    from workitems.models import WorkItem

    def past_due():
        return {
            (kind, sid): n
            for kind, sid, _office, n, _d in kpis.get("backlog_past_due").compute(D)
            if kind == ScopeKind.TEAM
        }

    claims = kpi_day.claims

    def snapshot_past_due():
        rows = backlog_snapshot(D)
        return sum(
            r["past_due"]
            for r in rows
            if (r["work_type_id"], r["team_id"]) == (claims.pk, back_team.pk)
        )

    before = past_due()[(ScopeKind.TEAM, back_team.pk)]
    snapshot_before = snapshot_past_due()
    # Both due on D-1 and open at the end of D; one waits on the customer since D 12:00,
    # the other only since D+1 09:00 (its clock still ran at the end of D).
    waiting = kpi_data.make_item(
        claims, kpi_data.at(9, days=-4), team=back_team, status=Status.PENDING
    )
    later = kpi_data.make_item(
        claims, kpi_data.at(9, days=-4), team=back_team, status=Status.PENDING
    )
    WorkItem.objects.filter(pk=waiting.pk).update(sla_paused_at=kpi_data.at(12))
    WorkItem.objects.filter(pk=later.pk).update(sla_paused_at=kpi_data.at(9, days=1))
    assert waiting.due_at < kpi_data.at(0) and later.due_at < kpi_data.at(0)
    assert past_due()[(ScopeKind.TEAM, back_team.pk)] == before + 1
    assert snapshot_past_due() == snapshot_before + 1


def test_registry_declares_every_work_item_kpi():
    expected = {
        "aht",
        "sla_attainment",
        "productivity",
        "reopen_rate",
        "repeat_contact_rate",
        "fcr",
        "handoff_rate",
        "backlog_open",
        "backlog_past_due",
        "backlog_age_p50",
        "backlog_age_p90",
    }
    assert expected <= set(kpis.kpi_keys())
    assert "360" in kpis.get("productivity").description
    for key in expected:
        definition = kpis.get(key)
        assert definition.description and definition.app_label == "workitems"
