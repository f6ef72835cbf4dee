"""Reads of contact statistics, aggregated in SQL (DOMAIN.md, "Queues measured from contact
events"). Staffing's intraday page and the nightly KPIs read queues through here.

A contact counts on the day (project time zone) of its offer; contacts whose offer has not
arrived yet are not counted. Per queue and day:

- offered: contacts offered; answered: those with an answer;
- abandoned: those that left unanswered; short_abandoned: abandoned within
  ``SHORT_ABANDON_SECONDS`` (wait <= the setting) of the offer;
- answered_within_target: answered with wait <= the work type's ``sla_answer_seconds``;
- service_level = answered_within_target / (offered - short_abandoned);
- asa_seconds = total wait of answered / answered;
- aht_seconds = (talk + hold + wrap) / handled, handled = answered and ended.
A figure whose denominator is 0 is None.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from ccops import kpis

from .models import Contact

ANSWERED = Q(answered_at__isnull=False)
ABANDONED = Q(answered_at__isnull=True, abandoned_at__isnull=False)
HANDLED = ANSWERED & Q(ended_at__isnull=False)
FIELDS = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "answered_within_target",
    "service_level",
    "asa_seconds",
    "aht_seconds",
)


def short_abandon_seconds() -> int:
    return int(getattr(settings, "SHORT_ABANDON_SECONDS", 5))


def _sums():
    """The per-queue sums every figure is made of (one rule for the API, KPIs, intraday)."""
    return {
        "offered": Count("id"),
        "answered": Count("id", filter=ANSWERED),
        "abandoned": Count("id", filter=ABANDONED),
        "short_abandoned": Count(
            "id", filter=ABANDONED & Q(wait_seconds__lte=short_abandon_seconds())
        ),
        "answered_within_target": Count(
            "id", filter=ANSWERED & Q(wait_seconds__lte=F("queue__sla_answer_seconds"))
        ),
        "wait_answered": Sum("wait_seconds", filter=ANSWERED),
        "handled": Count("id", filter=HANDLED),
        "handle_seconds": Sum(
            F("talk_seconds") + F("hold_seconds") + F("wrap_seconds"), filter=HANDLED
        ),
    }


def _ratio(numerator, denominator) -> float | None:
    return None if not denominator else (numerator or 0) / denominator


def figures(sums: dict) -> dict:
    """The published figures from a row of :func:`_sums` (or of several added together)."""
    return {
        "offered": sums["offered"],
        "answered": sums["answered"],
        "abandoned": sums["abandoned"],
        "short_abandoned": sums["short_abandoned"],
        "answered_within_target": sums["answered_within_target"],
        "service_level": _ratio(
            sums["answered_within_target"], sums["offered"] - sums["short_abandoned"]
        ),
        "asa_seconds": _ratio(sums["wait_answered"], sums["answered"]),
        "aht_seconds": _ratio(sums["handle_seconds"], sums["handled"]),
    }


def _offered_between(start: datetime, end: datetime):
    return Contact.objects.filter(
        offered_at__gte=start, offered_at__lt=end, queue__isnull=False
    ).order_by()


def queue_stats(*, queue_id: int, day: date) -> dict:
    """One queue's figures for one day, in ONE query."""
    start, end = kpis.day_bounds(day)
    sums = _offered_between(start, end).filter(queue_id=queue_id).aggregate(**_sums())
    return figures({k: v or 0 for k, v in sums.items()})


def queue_sums_by_queue(*, start: datetime, end: datetime, queue_ids=None) -> dict[int, dict]:
    """Per queue offered in ``[start, end)``: its sums with its owning team and office, in
    ONE grouped query (the KPIs roll queues up to team, office and overall from these)."""
    rows = _offered_between(start, end)
    if queue_ids is not None:
        rows = rows.filter(queue_id__in=list(queue_ids))
    rows = rows.values(
        "queue_id", "queue__owning_team_id", "queue__owning_team__office", "queue__office"
    ).annotate(**_sums())
    return {r["queue_id"]: {k: (v or 0) if k in _sums() else v for k, v in r.items()} for r in rows}


def queue_stats_today(*, queue_ids, now: datetime) -> dict[int, dict]:
    """For intraday: each queue's figures from the start of ``now``'s day until ``now``."""
    start, _ = kpis.day_bounds(timezone.localtime(now).date())
    return {
        qid: figures(sums)
        for qid, sums in queue_sums_by_queue(start=start, end=now, queue_ids=queue_ids).items()
    }


def today_service_level(*, teams=None, now: datetime):
    """Today's front-office service level from measured contacts (the queues owned by
    ``teams``, or all), for the dashboard's tiles; ``None`` when no contact was offered
    today. Registered with ``workitems.today`` (see ``apps.py``). One query."""
    from workitems.today import ServiceLevel

    start, _ = kpis.day_bounds(timezone.localtime(now).date())
    rows = _offered_between(start, now)
    if teams is not None:
        rows = rows.filter(queue__owning_team__in=teams)
    sums = {k: v or 0 for k, v in rows.aggregate(**_sums()).items()}
    if not sums["offered"]:
        return None
    return ServiceLevel(
        sums["answered_within_target"],
        sums["offered"] - sums["short_abandoned"],
        "contact events",
    )
