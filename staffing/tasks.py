"""Staffing's Celery tasks: thin, idempotent wrappers over services."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from ccops.models import JobRun

from . import services


@shared_task(
    autoretry_for=(DatabaseError, BrokerError),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
    acks_late=True,
)
def rebuild_forecasts(as_of: str | None = None) -> dict:
    """Nightly: refit every active work type's forecast from the history up to yesterday.

    Idempotent: values upsert on (work type, interval) and the build row on (work type,
    day), so a retried or repeated night leaves the same rows."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    run = JobRun.objects.create(name="staffing.rebuild_forecasts", key=day.isoformat())
    try:
        builds = services.forecast_build_all(as_of=day)
    except Exception as exc:
        run.status, run.finished_at, run.detail = JobRun.Status.FAILED, timezone.now(), str(exc)
        run.save(update_fields=["status", "finished_at", "detail"])
        raise
    run.status, run.finished_at = JobRun.Status.OK, timezone.now()
    run.detail = ", ".join(f"{b.work_type}: {b.method}" for b in builds)[:2000]
    run.save(update_fields=["status", "finished_at", "detail"])
    return {"as_of": day.isoformat(), "work_types": len(builds)}


@shared_task(
    autoretry_for=(DatabaseError, BrokerError),
    retry_backoff=True,
    retry_kwargs={"max_retries": 3},
    acks_late=True,
    soft_time_limit=600,
)
def schedule_run(run_id: int) -> dict:
    """Solve one queued schedule run (its status and progress are written as it goes).
    Idempotent: a run already claimed or finished is left alone."""
    run = services.schedule_run_execute(run_id=run_id)
    return {"run": run.pk, "status": run.status}


@shared_task(
    autoretry_for=(DatabaseError, BrokerError),
    retry_backoff=True,
    retry_kwargs={"max_retries": 3},
    acks_late=True,
    soft_time_limit=600,
)
def schedule_run_part(run_id: int, team_id: int) -> dict:
    """One team's solve of a run split by team (larger centers)."""
    run = services.schedule_run_part_execute(run_id=run_id, team_id=team_id)
    return {"run": run.pk, "team": team_id, "status": run.status}


@shared_task
def adherence_scan():
    """Every minute: alerts for agents out of adherence past the grace period."""
    from .rta import adherence_scan as scan

    return scan()
