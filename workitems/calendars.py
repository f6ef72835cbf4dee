"""Which calendar an item's SLA counts in, and its SLA times: the glue between the
calendar rows and the pure rule in ``business_hours``.

Every due time in ccops comes from :func:`sla_clock_for` (creation, demo data) or
:func:`business_hours.shift_for_pause` (a pending item coming back); pages, queue order,
KPIs and plans read the stored result.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Case, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from ccops import kpis

from .business_hours import BusinessCalendar, SlaClock, sla_clock, working_days
from .calendar_models import Calendar


def _closed_on(day, *, holiday_days, closed_ranges) -> bool:
    if holiday_days is not None and day in holiday_days:
        return True
    return any(first <= day <= last for first, last in closed_ranges)


def business_calendar(calendar: Calendar | None) -> BusinessCalendar | None:
    """The plain-value calendar of a ``Calendar`` row (2 queries: hours, closures)."""
    if calendar is None:
        return None
    weekly: dict[int, list] = {}
    for weekday, opens, closes in calendar.hours.values_list("weekday", "opens", "closes"):
        weekly.setdefault(weekday, []).append((opens, closes))
    closed_ranges, instants = [], []
    for first, last, start, end in calendar.closures.values_list(
        "first_day", "last_day", "starts_at", "ends_at"
    ):
        if first is not None:
            closed_ranges.append((first, last))
        else:
            instants.append((start, end))
    holiday_days = (
        holidays.country_holidays(
            calendar.holiday_country, subdiv=calendar.holiday_subdivision or None
        )
        if calendar.holiday_country
        else None
    )
    return BusinessCalendar(
        tz=calendar.time_zone,
        weekly={w: tuple(sorted(v, key=lambda iv: iv[0])) for w, v in weekly.items()},
        closed_on=partial(
            _closed_on, holiday_days=holiday_days, closed_ranges=tuple(closed_ranges)
        ),
        closures=tuple(sorted(instants)),
        name=f"Calendar {calendar.name!r}",
    )


def calendar_for(*, work_type, team=None) -> Calendar | None:
    """The work type's calendar, else the team's, else the team's site's, else none (24x7).
    No query when the work type has one loaded or there is neither calendar nor team."""
    if work_type.calendar_id is not None:
        return work_type.calendar
    if team is None:
        return None
    # One query: the team's own calendar first, else its site's.
    own = Calendar.teams.through.objects.filter(team=team).values("calendar_id")
    match = Q(pk__in=own)
    if team.site:
        match |= Q(site=team.site)
    return (
        Calendar.objects.filter(match)
        .annotate(is_own=Case(When(pk__in=own, then=Value(0)), default=Value(1)))
        .order_by("is_own", "pk")
        .first()
    )


def queue_time_zones(work_types: Iterable | None = None) -> dict[int, ZoneInfo]:
    """THE time zone each work type's (queue's) day is counted in: the zone of the calendar
    that governs it, resolved as :func:`calendar_for` does for its owning team (the type's
    own calendar, else the owning team's, else the calendar of that team's site), else the
    project's ``TIME_ZONE``. ``work_types``: ids or a ``WorkType`` queryset (None: every
    type). Queue statistics (API, intraday, wallboard, tiles) and the queue KPIs count "the
    day" through here. One query, whatever the number of types."""
    from .models import WorkType

    own = (
        Calendar.teams.through.objects.filter(team=OuterRef("owning_team"))
        .order_by("calendar_id")
        .values("calendar__time_zone")[:1]
    )
    site = (
        Calendar.objects.filter(site=OuterRef("owning_team__site"))
        .exclude(site="")
        .values("time_zone")[:1]
    )
    rows = WorkType.objects.order_by()
    if work_types is not None:
        rows = rows.filter(pk__in=work_types)
    rows = rows.values_list("pk", "calendar__time_zone", Subquery(own), Subquery(site))
    default = timezone.get_default_timezone()
    zones: dict[str, ZoneInfo] = {}
    out = {}
    for pk, *names in rows:
        name = next((n for n in names if n), None)
        out[pk] = zones.setdefault(name, ZoneInfo(name)) if name else default
    return out


def today_bounds(now: datetime, tz) -> tuple[datetime, datetime]:
    """The day ``now`` falls on in ``tz``, as ``[start, end)`` (a queue's today)."""
    return kpis.day_bounds(timezone.localtime(now, tz).date(), tz)


def queue_day_q(now: datetime, field: str, *, type_field: str = "work_type_id", zones=None) -> Q:
    """``field`` (a time such as ``due_at``) falls on today, today being each queue's own
    day (:func:`queue_time_zones`) at ``now``: one range per time zone in use, on the rows'
    work type (``type_field``). ``zones``: the :func:`queue_time_zones` already read (else
    one query). The dashboard's tiles and the wallboard count "due today" with it."""
    zones = queue_time_zones() if zones is None else zones
    by_zone: dict[ZoneInfo, list[int]] = {}
    for pk, tz in zones.items():
        by_zone.setdefault(tz, []).append(pk)
    q = Q(pk__in=[])  # no work type: nothing is due today
    for tz, ids in by_zone.items():
        start, end = today_bounds(now, tz)
        q |= Q(**{f"{type_field}__in": ids, f"{field}__gte": start, f"{field}__lt": end})
    return q


def time_zone_for(work_type) -> ZoneInfo:
    """The time zone of one work type's day (:func:`queue_time_zones`; one query)."""
    pk = getattr(work_type, "pk", work_type)
    return queue_time_zones([pk]).get(pk, timezone.get_default_timezone())


def day_bounds_for(work_type, day: date) -> tuple[datetime, datetime]:
    """A queue's ``day`` in its own time zone (:func:`queue_time_zones`)."""
    return kpis.day_bounds(day, time_zone_for(work_type))


def sla_clock_for(*, work_type, start: datetime, team=None) -> SlaClock:
    """THE due times of an item of ``work_type`` arriving at ``start`` (for ``team``)."""
    calendar = business_calendar(calendar_for(work_type=work_type, team=team))
    return work_type_clock(work_type=work_type, start=start, calendar=calendar)


def work_type_clock(*, work_type, start: datetime, calendar: BusinessCalendar | None) -> SlaClock:
    """The same with the calendar already resolved and built (bulk writers such as the
    demo build each calendar once)."""
    return sla_clock(
        start=start,
        resolution=work_type.sla or timedelta(0),
        at_risk_share=work_type.at_risk_percent / 100,
        first_response=work_type.first_response_sla,
        calendar=calendar,
    )


def calendar_of_item(item) -> BusinessCalendar | None:
    """The calendar an existing item's clock counts in (for a pause's shift)."""
    return business_calendar(calendar_for(work_type=item.work_type, team=item.team))


def sla_working_days(work_type) -> int:
    """The type's resolution SLA in whole working days of its own calendar (24x7: days),
    for staffing's day-level backlog plans."""
    calendar = business_calendar(work_type.calendar) if work_type.calendar_id else None
    return working_days(work_type.sla or timedelta(0), calendar)
