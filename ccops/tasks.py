from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from .models import JobRun


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

KPI_RETRY = {
    "autoretry_for": (DatabaseError, BrokerError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "retry_kwargs": {"max_retries": 5},
    "acks_late": True,
}


def _run_job(name: str, key: str, work):
    """Run ``work()`` recorded as a JobRun (failed runs are recorded, then re-raised)."""
    run = JobRun.objects.create(name=name, key=key)
    try:
        detail = work()
    except Exception as exc:
        JobRun.objects.filter(pk=run.pk).update(
            status=JobRun.Status.FAILED,
            finished_at=timezone.now(),
            detail=f"{exc.__class__.__name__}: {exc}"[:2000],
        )
        raise
    JobRun.objects.filter(pk=run.pk).update(
        status=JobRun.Status.OK, finished_at=timezone.now(), detail=str(detail)[:2000]
    )
    return detail


@shared_task(**KPI_RETRY)
def nightly_kpis(today: str = "") -> list[dict]:
    """Snapshot backlogs and recompute yesterday's KPIs for every scope (and the day that has
    just settled for late KPIs such as FCR). Idempotent: re-running replaces the same rows;
    runs of the same day are serialised by the per-day lock."""
    from datetime import date, timedelta

    from .kpis import compute

    day = date.fromisoformat(today) if today else timezone.localdate()
    key = (day - timedelta(days=1)).isoformat()
    return _run_job(
        "nightly_kpis", key, lambda: [r.as_dict() for r in compute.recompute_nightly(day)]
    )


@shared_task(**KPI_RETRY)
def recompute_kpis_day(day: str, kpis: list[str] | None = None) -> dict:
    """Recompute one day (all KPIs, or those named): for backfills spread over workers."""
    from datetime import date

    from .kpis import compute

    return _run_job(
        "recompute_kpis",
        day,
        lambda: compute.recompute_day(date.fromisoformat(day), kpi_keys=kpis).as_dict(),
    )
