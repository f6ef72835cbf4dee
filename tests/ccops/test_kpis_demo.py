"""The KPI demo hook: goals, a pilot and a snapshot backfill of the demo history."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from ccops import demo_kpis
from ccops.demo import DemoContext, new_context
from ccops.kpi_models import BacklogSnapshot, KpiSnapshot, Pilot, SharedGoal
from ccops.models import Team

pytestmark = pytest.mark.django_db


def test_after_seed_backfills_history_and_is_idempotent(monkeypatch, capsys):
    monkeypatch.setattr(DemoContext, "history_days", 5, raising=False)
    call_command("seed_demo", "--agents", "8", "--seed", "3")
    ctx = new_context(3)
    ctx.teams = list(Team.objects.order_by("pk"))
    demo_kpis.after_seed(ctx)
    yesterday = ctx.today - timedelta(days=1)
    overall = KpiSnapshot.objects.filter(scope_kind="overall")
    assert overall.filter(kpi="aht", denominator__gt=0).exists()  # weekdays have work
    days = set(overall.values_list("day", flat=True))
    assert max(days) == yesterday and len(days) >= 5  # the whole history, to yesterday
    assert BacklogSnapshot.objects.filter(day=yesterday).exists()
    assert SharedGoal.objects.filter(name="Productivity 85 %").get().adjustments.count() == 2
    pilot = Pilot.objects.get()
    assert list(pilot.pilot_teams.all()) == [ctx.teams[0]]
    counts = (KpiSnapshot.objects.count(), SharedGoal.objects.count(), Pilot.objects.count())
    demo_kpis.after_seed(ctx)
    assert (KpiSnapshot.objects.count(), SharedGoal.objects.count(), Pilot.objects.count()) == (
        counts
    )
