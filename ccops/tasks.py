import logging
import os
import time

from celery import shared_task
from django.db import DatabaseError, InterfaceError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from .models import JobRun
from .notifications import deliver_outbox  # noqa: F401 - registered for the worker and beat

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(DatabaseError, BrokerError),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
    acks_late=True,
)
def heartbeat(key: str = "") -> int:
    """Record that a worker ran; used by health checks and the integration tests."""
    now = timezone.now()
    run = JobRun.objects.create(
        name="heartbeat", key=key, status=JobRun.Status.OK, started_at=now, finished_at=now
    )
    return run.pk


# --- KPI framework ----------------------------------------------------------------------

# A dropped database connection surfaces as OperationalError (the statement that hit it) or
# InterfaceError (psycopg2: "connection already closed" on the next use): both are retried,
# with exponential backoff, at most five times. Every attempt is idempotent (see compute).
KPI_RETRY = {
    "autoretry_for": (DatabaseError, InterfaceError, BrokerError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "retry_kwargs": {"max_retries": 5},
    "acks_late": True,
    "bind": True,
}


def fault_point(name: str) -> None:
    """Test-only fault injection, off unless ``CCOPS_FAULT_PAUSE_FILE`` is set (the fault
    tests set it in their worker's environment). While that file exists, the task holds here
    (at most 60 s) after touching ``<file>.<name>.reached``, so a test can drop the database
    connection or kill the worker at a known point, then remove the file to let it go on."""
    path = os.environ.get("CCOPS_FAULT_PAUSE_FILE")
    if not path or not os.path.exists(path):
        return
    logger.warning("fault point %s: holding while %s exists", name, path)
    with open(f"{path}.{name}.reached", "a") as reached:
        reached.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + 60
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)


def _record(run_id: int, **fields) -> None:
    """Update the JobRun even if the failure that brought us here broke the connection:
    an unusable connection is closed and the update tried once more on a fresh one."""
    try:
        JobRun.objects.filter(pk=run_id).update(**fields)
    except (DatabaseError, InterfaceError):
        connection.close()
        JobRun.objects.filter(pk=run_id).update(**fields)


def _run_job(name: str, key: str, work, task_id: str | None = None):
    """Run ``work()`` recorded as a JobRun (failed runs are recorded, then re-raised).

    One JobRun per task, not per attempt: a retry, or a redelivery after the worker running
    it died (acks_late), carries the same task id and takes over that task's unfinished row
    instead of leaving a "running" row behind and adding another."""
    marker = f"task {task_id}" if task_id else ""
    run = None
    if task_id:
        run = (
            JobRun.objects.filter(name=name, key=key, detail__startswith=marker)
            .exclude(status=JobRun.Status.OK)
            .first()
        )
    if run is None:
        run = JobRun.objects.create(name=name, key=key, detail=marker)
    else:
        JobRun.objects.filter(pk=run.pk).update(
            status=JobRun.Status.RUNNING, started_at=timezone.now(), finished_at=None
        )
    try:
        detail = work()
    except Exception as exc:
        prefix = f"{marker}: " if marker else ""
        _record(
            run.pk,
            status=JobRun.Status.FAILED,
            finished_at=timezone.now(),
            detail=f"{prefix}{exc.__class__.__name__}: {exc}"[:2000],
        )
        raise
    _record(run.pk, status=JobRun.Status.OK, finished_at=timezone.now(), detail=str(detail)[:2000])
    return detail


@shared_task(**KPI_RETRY)
def nightly_kpis(self, today: str = "") -> list[dict]:
    """Snapshot backlogs and recompute yesterday's KPIs for every scope (and the day that has
    just settled for late KPIs such as FCR). Idempotent: re-running replaces the same rows;
    runs of the same day are serialised by the per-day lock. The night is one transaction:
    a connection lost or a worker killed part-way leaves nothing of that attempt behind."""
    from datetime import date, timedelta

    from .kpis import compute

    day = date.fromisoformat(today) if today else timezone.localdate()
    key = (day - timedelta(days=1)).isoformat()

    def work():
        with transaction.atomic():
            results = [r.as_dict() for r in compute.recompute_nightly(day)]
            fault_point("nightly_kpis")  # test-only: written, not yet committed
            return results

    return _run_job("nightly_kpis", key, work, task_id=self.request.id)


@shared_task(**KPI_RETRY)
def recompute_kpis_day(self, day: str, kpis: list[str] | None = None) -> dict:
    """Recompute one day (all KPIs, or those named): for backfills spread over workers."""
    from datetime import date

    from .kpis import compute

    return _run_job(
        "recompute_kpis",
        day,
        lambda: compute.recompute_day(date.fromisoformat(day), kpi_keys=kpis).as_dict(),
        task_id=self.request.id,
    )
