"""A real Celery worker on Redis runs the nightly KPI task against the test database."""

from datetime import timedelta

import pytest

from ccops.celery import app
from ccops.kpi_models import BacklogSnapshot, KpiSnapshot
from ccops.models import JobRun
from tests.ccops import kpi_data
from tests.ccops.kpi_data import D

from .conftest import wait_for

pytestmark = pytest.mark.integration

# Fixtures of the hand-made day (shared with the other KPI test modules).
kpi_day = kpi_data.kpi_day
work_types = kpi_data.work_types


def _finished():
    return JobRun.objects.filter(name="nightly_kpis", key=D.isoformat()).exclude(
        status=JobRun.Status.RUNNING
    )


def test_worker_runs_nightly_kpis_through_redis(celery_worker_proc, settings, kpi_day):
    producer_conf = {"task_always_eager": False, "broker_url": settings.CELERY_BROKER_URL}
    old = {k: app.conf[k] for k in producer_conf}
    app.conf.update(producer_conf)
    try:
        today = (D + timedelta(days=1)).isoformat()
        app.send_task("ccops.tasks.nightly_kpis", kwargs={"today": today}, queue=celery_worker_proc)
        assert wait_for(lambda: _finished().exists(), timeout=90), "worker never finished it"
        # Sent again (a beat double-fire or a retry): the same rows, nothing added.
        first = sorted(KpiSnapshot.objects.values_list("kpi", "scope_kind", "scope_id", "value"))
        app.send_task("ccops.tasks.nightly_kpis", kwargs={"today": today}, queue=celery_worker_proc)
        assert wait_for(lambda: _finished().count() == 2, timeout=90)
    finally:
        app.conf.update(old)
    assert set(_finished().values_list("status", flat=True)) == {JobRun.Status.OK}
    overall = KpiSnapshot.objects.get(day=D, kpi="aht", scope_kind="overall")
    assert (overall.numerator, overall.denominator) == (5460, 6)
    assert KpiSnapshot.objects.get(day=D, kpi="backlog_open", scope_kind="overall").value == 6
    assert BacklogSnapshot.objects.filter(day=D).count() == 2
    # FCR of the day that settled (D - 7) was recomputed too: nothing there, no rows.
    assert not KpiSnapshot.objects.filter(day=D - timedelta(days=7)).exists()
    again = sorted(KpiSnapshot.objects.values_list("kpi", "scope_kind", "scope_id", "value"))
    assert again == first
