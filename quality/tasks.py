from datetime import date

from celery import shared_task
from django.db import DatabaseError

from .services import previous_week_start, sample_draw, week_start_of


@shared_task(
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
    acks_late=True,
)
def draw_weekly_sample(week_start: str | None = None, per_agent: int | None = None) -> int:
    """Draw the QA sample of a week (default: last week). Safe to re-run: it only tops up."""
    if week_start:
        week = week_start_of(date.fromisoformat(week_start))
    else:
        week = previous_week_start()
    return sample_draw(week_start=week, per_agent=per_agent).count
