"""The recompute service: roll-ups equal values computed straight from the items, re-running a
day gives identical rows, two concurrent runs leave one set, the nightly plan, the command."""

import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum

from ccops.kpi_models import BacklogSnapshot, KpiSnapshot
from ccops.kpis import compute
from tests.services import require_postgres
from workitems.models import WorkItem

from . import kpi_data
from .kpi_data import D, at

pytestmark = pytest.mark.django_db

# Fixtures of the hand-made day (shared with the other KPI test modules).
kpi_day = kpi_data.kpi_day
work_types = kpi_data.work_types


def snap(kpi, kind, scope_id):
    row = KpiSnapshot.objects.get(day=D, kpi=kpi, scope_kind=kind, scope_id=scope_id)
    return row.numerator, row.denominator, row.value


def all_rows():
    return sorted(
        KpiSnapshot.objects.values_list(
            "day", "kpi", "scope_kind", "scope_id", "team_id", "office", "numerator",
            "denominator", "value",
        )
    )  # fmt: skip


def test_rollups_are_sums_of_agent_rows(kpi_day, front_team, other_team, back_team):
    result = compute.recompute_day(D)
    assert result.backlog_rows == 2  # Calls/Front A and Claims/Back A
    # AHT: Front A (agent) 1140 / 3, Front B (other_agent) 120 / 1, Back A 4200 / 2.
    assert snap("aht", "team", front_team.pk) == (1140, 3, 380)
    assert snap("aht", "team", other_team.pk) == (120, 1, 120)
    assert snap("aht", "team", back_team.pk) == (4200, 2, 2100)
    assert snap("aht", "office", 1) == (1260, 4, 315)
    assert snap("aht", "office", 2) == (4200, 2, 2100)
    assert snap("aht", "overall", 0) == (5460, 6, 910)
    # Hand-off rate applies to the front office only: no back-office row.
    assert snap("handoff_rate", "office", 1) == (1, 4, 0.25)
    assert not KpiSnapshot.objects.filter(kpi="handoff_rate", scope_kind="office", scope_id=2)
    # Productivity: Back A = back_agent 50 + idle 0 over 2 x 360.
    assert snap("productivity", "team", back_team.pk) == (50, 720, 50 / 720)
    # Agent rows carry the agent's team and office.
    row = KpiSnapshot.objects.get(day=D, kpi="aht", scope_kind="agent", scope_id=kpi_day.agent.pk)
    assert (row.team_id, row.office) == (front_team.pk, "front")


def test_team_and_office_values_equal_direct_computation_from_items(kpi_day):
    compute.recompute_day(D)
    # Straight from the items (not the events): closed on D, grouped by the closer's team.
    closed = WorkItem.objects.filter(completed_at__date=D)
    direct_team = {
        r["assignee__team_id"]: r
        for r in closed.values("assignee__team_id").annotate(
            handle=Sum("handle_seconds"),
            n=Count("id"),
            on_time=Count("id", filter=Q(completed_at__lte=F("due_at"))),
        )
    }
    for team_id, r in direct_team.items():
        assert snap("aht", "team", team_id)[2] == pytest.approx(r["handle"] / r["n"])
        assert snap("sla_attainment", "team", team_id)[2] == pytest.approx(r["on_time"] / r["n"])
    direct_office = closed.values("assignee__team__office").annotate(
        handle=Sum("handle_seconds"),
        n=Count("id"),
        on_time=Count("id", filter=Q(completed_at__lte=F("due_at"))),
        earned=Sum("work_type__standard_minutes"),
    )
    for r in direct_office:
        scope_id = {"front": 1, "back": 2}[r["assignee__team__office"]]
        assert snap("aht", "office", scope_id)[2] == pytest.approx(r["handle"] / r["n"])
        assert snap("sla_attainment", "office", scope_id)[2] == pytest.approx(r["on_time"] / r["n"])
    # Overall SLA: i1, i3, i5, i4 on time of 6 closed.
    assert snap("sla_attainment", "overall", 0)[:2] == (4, 6)


def test_running_a_day_twice_gives_identical_rows(kpi_day):
    compute.recompute_day(D)
    first = all_rows()
    backlog_first = list(
        BacklogSnapshot.objects.values_list("work_type", "team", "open", "arrivals")
    )
    compute.recompute_day(D)
    assert all_rows() == first
    assert len(first) == KpiSnapshot.objects.count()
    assert sorted(
        BacklogSnapshot.objects.values_list("work_type", "team", "open", "arrivals")
    ) == sorted(backlog_first)


def test_rerun_replaces_rows_that_no_longer_apply(kpi_day):
    compute.recompute_day(D)
    overall = snap("aht", "overall", 0)
    # A row the day's data no longer gives (written before a correction: items and their
    # events are never deleted, so the stale row is planted): idle closed nothing on D.
    row = KpiSnapshot.objects.get(
        day=D, kpi="aht", scope_kind="agent", scope_id=kpi_day.other_agent.pk
    )
    row.pk, row.scope_id = None, kpi_day.idle.pk
    row.save()
    compute.recompute_day(D)
    assert not KpiSnapshot.objects.filter(
        kpi="aht", scope_kind="agent", scope_id=kpi_day.idle.pk
    ).exists()
    assert snap("aht", "overall", 0) == overall


def test_recompute_selected_kpis_leaves_others(kpi_day):
    compute.recompute_day(D)
    before = KpiSnapshot.objects.get(day=D, kpi="fcr", scope_kind="overall")
    compute.recompute_day(D, kpi_keys=["aht"], backlog=False)
    assert KpiSnapshot.objects.get(pk=before.pk).computed_at == before.computed_at
    with pytest.raises(ValueError, match="unknown KPI: nope"):
        compute.recompute_day(D, kpi_keys=["nope"])


def test_nightly_plan_recomputes_yesterday_and_the_settled_fcr_day():
    today = D + timedelta(days=1)
    plan = compute.nightly_days(today)
    assert plan[0] == (D, None)
    settled = dict(plan[1:])
    assert "fcr" in settled[D - timedelta(days=7)]


def test_recompute_range_with_progress(kpi_day):
    seen = []
    results = compute.recompute_range(
        D - timedelta(days=1), D, progress=lambda i, n, r: seen.append((i, n, r.day))
    )
    assert [r.day for r in results] == [D - timedelta(days=1), D]
    assert seen == [(1, 2, D - timedelta(days=1)), (2, 2, D)]
    # D-1: agent completed i7.
    row = KpiSnapshot.objects.get(day=D - timedelta(days=1), kpi="aht", scope_kind="overall")
    assert (row.numerator, row.denominator) == (100, 1)


def test_command_backfills_with_progress_bar(kpi_day):
    out = StringIO()
    call_command("recompute_kpis", "--from", "2026-03-09", "--to", "2026-03-10", stdout=out)
    text = out.getvalue()
    assert "2/2" in text and "100%" in text
    assert KpiSnapshot.objects.filter(day=D, kpi="aht", scope_kind="overall").exists()
    assert KpiSnapshot.objects.filter(day=D - timedelta(days=1)).exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "2026-13-01", "--to", "2026-03-10"], "--from"),
        (["--from", "2026-03-10", "--to", "2026-03-01"], "--to"),
        (["--from", "2026-03-10", "--to", "2026-03-10", "--kpi", "nope"], "nope"),
    ],
)
def test_command_rejects_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("recompute_kpis", *args, stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_leave_one_set_of_rows_and_never_interleave(kpi_day):
    require_postgres()
    compute.recompute_day(D)
    expected = [r[:4] + r[6:] for r in all_rows()]
    errors, timings = [], {}

    def hold_lock():
        # A first run holding the day's lock for a while (as a long recompute would).
        try:
            with transaction.atomic():
                compute.lock_day(D)
                timings["held"] = time.monotonic()
                time.sleep(1.0)
                timings["released"] = time.monotonic()
        finally:
            connection.close()

    def run():
        try:
            compute.recompute_day(D)
            timings.setdefault("done", []).append(time.monotonic())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    while "held" not in timings:
        time.sleep(0.01)
    runners = [threading.Thread(target=run) for _ in range(2)]
    for t in runners:
        t.start()
    for t in [holder, *runners]:
        t.join(30)
    assert not errors
    # Both runs waited for the holder: they never ran inside another run's transaction.
    assert all(done >= timings["released"] for done in timings["done"])
    assert [r[:4] + r[6:] for r in all_rows()] == expected
    assert KpiSnapshot.objects.filter(day=D).count() == len(expected)


def test_day_bounds_use_project_time_zone(settings):
    from ccops.kpis import day_bounds

    settings.TIME_ZONE = "Europe/London"
    from django.utils import timezone

    with timezone.override("Europe/London"):
        start, end = day_bounds(D)
    assert (end - start) == timedelta(days=1)
    assert start.utcoffset() == timedelta(0)  # 10 March: GMT
    assert at(0) == start
