"""PostgreSQL drops the worker's connection in the middle of the nightly KPI task: the task
retries, and the night's rows end up exactly those of a clean recompute, once each."""

from datetime import timedelta

import pytest

from ccops.celery import app
from ccops.kpi_models import BacklogSnapshot, KpiSnapshot, ProcessStepSnapshot
from ccops.kpis import compute
from ccops.models import JobRun
from tests.ccops import kpi_data
from tests.ccops.kpi_data import D
from tests.services import require_redis

from .conftest import producer_on, terminate_backends, wait_for

pytestmark = pytest.mark.integration

kpi_day = kpi_data.kpi_day
work_types = kpi_data.work_types

TODAY = D + timedelta(days=1)
SNAPSHOT_MODELS = (KpiSnapshot, BacklogSnapshot, ProcessStepSnapshot)


def snapshot_rows() -> dict[str, list[tuple]]:
    """Every snapshot row, without ids and computation times, sorted."""
    out = {}
    for model in SNAPSHOT_MODELS:
        fields = [
            f.attname for f in model._meta.concrete_fields if f.name not in ("id", "computed_at")
        ]
        out[model.__name__] = sorted(model.objects.values_list(*fields), key=repr)
    return out


def clean_night() -> dict[str, list[tuple]]:
    """The rows of an undisturbed recompute of the night, computed here; then the tables are
    emptied again for the worker to fill."""
    compute.recompute_nightly(TODAY)
    rows = snapshot_rows()
    assert rows["KpiSnapshot"] and rows["BacklogSnapshot"] and rows["ProcessStepSnapshot"]
    for model in SNAPSHOT_MODELS:
        model.objects.all().delete()
    return rows


def assert_night_complete_and_once(expected):
    assert snapshot_rows() == expected
    keys = list(KpiSnapshot.objects.values_list("day", "kpi", "scope_kind", "scope_id"))
    assert len(keys) == len(set(keys))
    run = JobRun.objects.get(name="nightly_kpis", key=D.isoformat())  # one run, not one a try
    assert run.status == JobRun.Status.OK and run.finished_at is not None


def test_nightly_kpis_retry_after_the_database_connection_drops(
    kpi_day, celery_workers, fault_pause, settings
):
    require_redis()
    expected = clean_night()
    fault_pause.hold()
    worker = celery_workers(**fault_pause.env)
    with producer_on(settings.CELERY_BROKER_URL):
        result = app.send_task(
            "ccops.tasks.nightly_kpis", kwargs={"today": TODAY.isoformat()}, queue=worker.queue
        )

    # The night is written but not committed: nothing of it is visible from here.
    assert wait_for(lambda: fault_pause.reached("nightly_kpis"), timeout=60), worker.log()[-3000:]
    assert not KpiSnapshot.objects.exists() and not BacklogSnapshot.objects.exists()
    assert JobRun.objects.get(name="nightly_kpis").status == JobRun.Status.RUNNING

    # PostgreSQL drops the worker's connection under the open transaction.
    assert terminate_backends(f"ccops-{worker.queue}") >= 1
    fault_pause.release()

    assert wait_for(
        lambda: JobRun.objects.filter(name="nightly_kpis", status=JobRun.Status.OK).exists(),
        timeout=60,
    ), worker.log()[-3000:]
    log = worker.log()
    assert f"nightly_kpis[{result.id}] retry: Retry in" in log, log[-3000:]
    assert f"nightly_kpis[{result.id}] succeeded" in log
    assert_night_complete_and_once(expected)
