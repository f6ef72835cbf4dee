"""Adherence in the demo: presence history follows the shifts, so adherence is real (not 0 %
for everyone) and days nobody was measured are "no data"."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from ccops.models import User
from staffing.adherence import adherence_by_agent
from staffing.demo import _presence_history
from staffing.kpis import adherence_rows
from workitems.models import PresenceChange

pytestmark = pytest.mark.django_db


def test_demo_adherence_is_measured_and_plausible(demo_center):
    demo_center()
    today = timezone.localdate()
    # The last weekday before today: everyone scheduled, history along the shifts.
    day = today - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    rows = adherence_by_agent(day=day)
    agents = set(User.objects.filter(username__startswith="agent").values_list("pk", flat=True))
    measured = {a: r for a, r in rows.items() if r["adherence"] is not None}
    assert len(measured) >= len(rows) - 1 >= 5  # at most one on a booked day off
    values = [r["adherence"] for r in measured.values()]
    assert all(0.8 <= v <= 1.0 for v in values), values
    assert sum(values) / len(values) < 1.0  # late logins, overrun breaks: not perfect either
    assert all(0.9 <= r["conformance"] <= 1.1 for r in measured.values())
    kpi = {a: (n, d) for a, n, d in adherence_rows(day)}
    assert set(kpi) == set(measured) and set(kpi) <= agents | set(rows)
    # The history is closed intervals up to each agent's current state, never overlapping.
    for agent_id in list(measured)[:3]:
        spans = list(
            PresenceChange.objects.filter(agent_id=agent_id)
            .order_by("started_at")
            .values_list("started_at", "ended_at")
        )
        assert spans[-1][1] is None
        for (s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
            assert e1 == s2 and s1 < e1
    # Re-seeding replaces the history instead of adding to it.
    count = PresenceChange.objects.count()
    ctx = SimpleNamespace(agents=list(User.objects.filter(pk__in=rows)), today=today)
    assert _presence_history(ctx) > 0
    assert PresenceChange.objects.count() == count
    assert adherence_by_agent(day=day) == rows
