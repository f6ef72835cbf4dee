"""The process map of the hand-made day: paths, time on each step (histograms in the nightly
snapshot), hand-offs and bounce-backs, read back for a period in one query."""

import pytest

from ccops.kpi_models import PROCESS_BUCKETS, ProcessStepSnapshot
from ccops.kpis import compute, day_bounds
from ccops.kpis.process_map import duration, flows, hist_percentile, layout, step_rows

from . import kpi_data
from .kpi_data import D

pytestmark = pytest.mark.django_db

# Fixtures of the hand-made day (shared with the other KPI test modules).
kpi_day = kpi_data.kpi_day
work_types = kpi_data.work_types

MIN = 1 / 60  # a minute in hours


def hist(row):
    return {b: row[b] for b in PROCESS_BUCKETS if row[b]}


def test_step_rows_count_each_path_and_bucket_the_time_on_it(kpi_day):
    rows = {
        (r["work_type_id"], r["from_status"], r["to_node"]): r for r in step_rows(*day_bounds(D))
    }
    calls, claims = kpi_day.calls.pk, kpi_day.claims.pk
    # i1 i2 i3 i5 each taken 1 minute after arrival: bucket h1 = [1 min, 5 min).
    taken = rows[(calls, "new", "assigned")]
    assert (taken["count"], taken["timed"], hist(taken)) == (4, 4, {"h1": 4})
    assert taken["total_hours"] == pytest.approx(4 * MIN)
    # Assigned before starting: i5 2 and i1 4 minutes (h1), i3 15 minutes (h3 = [15, 30)),
    # i2 79 minutes (h5 = [1 h, 2 h)).
    started = rows[(calls, "assigned", "in_progress")]
    assert (started["count"], hist(started)) == (4, {"h1": 2, "h3": 1, "h5": 1})
    assert started["total_hours"] == pytest.approx(100 * MIN)
    assert rows[(calls, "in_progress", "done")]["count"] == 3
    assert rows[(calls, "in_progress", "handed_off")]["count"] == 1
    # i7's reopen: done on D-1 09:10 -> new on D 08:00 = 22 h 50 min (h9 = [16 h, 24 h)).
    reopen = rows[(calls, "done", "new")]
    assert hist(reopen) == {"h9": 1}
    assert reopen["total_hours"] == pytest.approx(22 + 50 / 60)
    # i6 waited from its assignment on D-3 08:01 to its start on D 15:20 (79.3 h, h12);
    # i4 from 10:21 to 14:30 (4.15 h, h7): the previous change may lie before the day.
    claims_start = rows[(claims, "assigned", "in_progress")]
    assert hist(claims_start) == {"h7": 1, "h12": 1}


def test_nightly_snapshot_and_the_period_read_back(kpi_day):
    compute.recompute_day(D)
    first = sorted(ProcessStepSnapshot.objects.values_list("work_type", "from_status", "count"))
    compute.recompute_day(D)  # replaced, not duplicated
    assert sorted(ProcessStepSnapshot.objects.values_list("work_type", "from_status", "count")) == (
        first
    )
    pm = flows(D, D, level="work_type")
    edges = {(e.source, e.target): e for e in pm.edges}
    assert edges[(("Calls", "new"), ("Calls", "assigned"))].count == 4
    # The median of four 1-minute steps, read from the [1, 5) minute bucket: 3 minutes.
    assert edges[(("Calls", "new"), ("Calls", "assigned"))].median_hours == pytest.approx(3 * MIN)
    handoff = edges[(("Calls", "handed_off"), ("Claims", "new"))]
    assert (handoff.kind, handoff.count) == ("handoff", 1)
    assert edges[(("Calls", "done"), ("Calls", "new"))].kind == "bounce"
    # Longest median wait among open statuses: Claims assigned -> in progress.
    top = pm.longest_waits[0]
    assert (top.source, top.target) == (("Claims", "assigned"), ("Claims", "in_progress"))
    # Closed on D: 3 calls done, 1 handed off, 2 claims done; 1 reopen.
    assert (pm.closed, pm.reopened, pm.returned, pm.bounced) == (6, 1, 0, 1)
    assert pm.bounce_rate == pytest.approx(1 / 6)
    assert flows(D.replace(day=1), D.replace(day=9)).edges == []


def test_office_and_team_levels(kpi_day):
    compute.recompute_day(D)
    by_office = {(e.source, e.target): e for e in flows(D, D, level="office").edges}
    assert by_office[(("front", "new"), ("front", "assigned"))].count == 4
    assert by_office[(("front", "handed_off"), ("back", "new"))].count == 1
    by_team = {(e.source, e.target): e for e in flows(D, D, level="team").edges}
    assert by_team[(("Back A", "in_progress"), ("Back A", "done"))].count == 2
    assert by_team[(("Front A", "handed_off"), ("Back A", "new"))].kind == "handoff"
    with pytest.raises(ValueError):
        flows(D, D, level="nope")


def test_hist_percentile_interpolates_inside_the_bucket():
    counts = [0] * len(PROCESS_BUCKETS)
    counts[4] = 2  # [0.5 h, 1 h)
    counts[5] = 2  # [1 h, 2 h)
    assert hist_percentile(counts, 0.5) == pytest.approx(1.0)
    assert hist_percentile(counts, 0.25) == pytest.approx(0.75)
    assert hist_percentile(counts, 1.0) == pytest.approx(2.0)
    assert hist_percentile([0] * len(PROCESS_BUCKETS), 0.5) is None


def test_layout_places_front_lanes_first_and_draws_bounces_backwards():
    steps = [
        {"group": "Claims", "office_": "back", "from_status": "new", "to_node": "assigned",
         "n": 5, "median": 2.0, "p90": 3.0},
        {"group": "Calls", "office_": "front", "from_status": "done", "to_node": "new",
         "n": 1, "median": 30.0, "p90": 30.0},
    ]  # fmt: skip
    pm = layout(steps, [], "work_type")
    assert [lane["label"] for lane in pm.lanes] == ["Calls", "Claims"]
    bounce = next(e for e in pm.edges if e.kind == "bounce")
    assert "C" in bounce.path and bounce.label_y < min(n.y for n in pm.nodes)
    assert pm.edges[0].width > bounce.width  # thicker for more items
    assert duration(0.5) == "30 min" and duration(5) == "5.0 h" and duration(72) == "3.0 d"
