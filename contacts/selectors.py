"""Reads of contact statistics, aggregated in SQL (DOMAIN.md, "Queues measured from contact
events"). Staffing's intraday page, the wallboard, the dashboard's tiles and the nightly KPIs
read queues through here.

A contact counts on the day of its offer **in its queue's time zone**: the zone of the
calendar that governs the queue (``workitems.calendars.queue_time_zones``: the work type's
calendar, else its owning team's or that team's site's, else ``TIME_ZONE``). Contacts whose
offer has not arrived yet are not counted. Per queue and day:

- offered: contacts offered; answered: those with an answer;
- abandoned: those that left unanswered; short_abandoned: abandoned within
  ``SHORT_ABANDON_SECONDS`` (wait <= the setting) of the offer;
- answered_within_target: answered with wait <= the work type's ``sla_answer_seconds``;
- service_level = answered_within_target / (offered - short_abandoned);
- asa_seconds = total wait of answered / answered;
- aht_seconds = (talk + hold + wrap) / handled, handled = answered and ended.
A figure whose denominator is 0 is None.

Several queues are read in ONE grouped query whatever their time zones: each queue's own
window ``[start, end)`` is a condition on the ``(queue, offered_at)`` index, the windows
OR-ed (queues sharing a window share a condition). Resolving the zones is one more query.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db.models import Count, F, Q, Sum

from ccops import kpis
from workitems.calendars import queue_time_zones, today_bounds
from workitems.models import WorkType

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


Windows = dict[int, tuple[datetime, datetime]]


def day_windows(day: date, queue_ids=None) -> tuple[Windows, dict[int, str]]:
    """Each queue's ``day`` as ``[start, end)`` in its own time zone, and the zone's name
    (``queue_ids``: ids or a WorkType queryset; None: every work type). One query."""
    zones = queue_time_zones(queue_ids)
    return (
        {qid: kpis.day_bounds(day, tz) for qid, tz in zones.items()},
        {qid: tz.key for qid, tz in zones.items()},
    )


def today_windows(now: datetime, queue_ids=None) -> Windows:
    """Each queue's today so far: from midnight of ``now``'s day in the queue's time zone
    until ``now``. One query."""
    return {qid: (today_bounds(now, tz)[0], now) for qid, tz in queue_time_zones(queue_ids).items()}


def _offered_in(windows: Windows):
    """Contacts offered in their queue's window: one ``queue IN (...) AND offered_at``
    range per distinct window, OR-ed."""
    by_window: dict[tuple, list[int]] = {}
    for qid, window in windows.items():
        by_window.setdefault(window, []).append(qid)
    match = Q(pk__in=[])
    for (start, end), ids in sorted(by_window.items()):
        match |= Q(queue_id__in=sorted(ids), offered_at__gte=start, offered_at__lt=end)
    return Contact.objects.filter(match).order_by()


def queue_stats(*, queue_id: int, day: date) -> dict | None:
    """One queue's figures for one day in its time zone, and the zone's name
    (``time_zone``); ``None`` when there is no such work type. Two queries: the zone (which
    also finds the queue), the aggregate."""
    windows, names = day_windows(day, [queue_id])
    if queue_id not in windows:
        return None
    sums = _offered_in(windows).aggregate(**_sums())
    return figures({k: v or 0 for k, v in sums.items()}) | {"time_zone": names[queue_id]}


def queue_sums_by_queue(windows: Windows) -> dict[int, dict]:
    """Per queue offered in its window: its sums with its owning team and office, in ONE
    grouped query (the KPIs roll queues up to team, office and overall from these)."""
    if not windows:
        return {}
    rows = (
        _offered_in(windows)
        .values("queue_id", "queue__owning_team_id", "queue__owning_team__office", "queue__office")
        .annotate(**_sums())
    )
    return {r["queue_id"]: {k: (v or 0) if k in _sums() else v for k, v in r.items()} for r in rows}


def queue_sums_on_day(day: date, queue_ids=None) -> dict[int, dict]:
    """:func:`queue_sums_by_queue` of each queue's ``day`` in its time zone (2 queries)."""
    return queue_sums_by_queue(day_windows(day, queue_ids)[0])


def queue_stats_today(*, queue_ids, now: datetime) -> dict[int, dict]:
    """For intraday and the wallboard: each queue's figures from the start of its day (its
    time zone) until ``now``. Two queries."""
    return {
        qid: figures(sums)
        for qid, sums in queue_sums_by_queue(today_windows(now, queue_ids)).items()
    }


def today_service_level(*, teams=None, now: datetime):
    """Today's front-office service level from measured contacts (the queues owned by
    ``teams``, or all; each queue's today in its time zone), for the dashboard's tiles;
    ``None`` when no contact was offered today. Registered with ``workitems.today`` (see
    ``apps.py``). Two queries."""
    from workitems.today import ServiceLevel

    queues = None if teams is None else WorkType.objects.filter(owning_team__in=teams)
    windows = today_windows(now, None if queues is None else queues.values("pk"))
    if not windows:
        return None
    sums = {k: v or 0 for k, v in _offered_in(windows).aggregate(**_sums()).items()}
    if not sums["offered"]:
        return None
    return ServiceLevel(
        sums["answered_within_target"],
        sums["offered"] - sums["short_abandoned"],
        "contact events",
    )
