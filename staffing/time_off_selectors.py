"""Reads for time off and shift trades: balances (SQL aggregate), the coverage a request
leaves (for auto-approval), who sees which requests and trades. Pure reads."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ccops.choices import Office, Role
from ccops.models import Team
from training import selectors as training_selectors
from workitems.models import WorkType

from . import schedule_selectors as ssel
from . import time_off as rules
from .choices import PRODUCTIVE_ACTIVITIES, Activity
from .models import (
    ScheduleCoverage,
    Shift,
    ShiftTrade,
    TimeOffAllowance,
    TimeOffKind,
    TimeOffRequest,
)
from .permissions import supervised_team_ids
from .timeutil import day_start

ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=8, decimal_places=2))


def year_window(year: int) -> tuple[datetime, datetime]:
    return day_start(date(year, 1, 1)), day_start(date(year + 1, 1, 1))


def holiday_taken(agent, year: int, *, exclude_pk=None) -> Decimal:
    """Days of approved holiday starting in ``year`` (SQL SUM)."""
    begin, end = year_window(year)
    qs = TimeOffRequest.objects.filter(
        agent=agent,
        kind=TimeOffKind.HOLIDAY,
        status=TimeOffRequest.Status.APPROVED,
        start__gte=begin,
        start__lt=end,
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.aggregate(n=Coalesce(Sum("days"), ZERO))["n"]


def balance(agent, year: int) -> dict:
    """``{"year", "allowed", "taken", "balance"}``: allowed days of the year's allowance (0
    without one) minus approved holiday days starting in that year, in one query."""
    begin, end = year_window(year)
    taken = Sum(
        "agent__time_off_requests__days",
        filter=Q(
            agent__time_off_requests__kind=TimeOffKind.HOLIDAY,
            agent__time_off_requests__status=TimeOffRequest.Status.APPROVED,
            agent__time_off_requests__start__gte=begin,
            agent__time_off_requests__start__lt=end,
        ),
    )
    row = (
        TimeOffAllowance.objects.filter(agent=agent, year=year)
        .annotate(taken=Coalesce(taken, ZERO))
        .values("days", "taken")
        .first()
    )
    if row is None:
        used = holiday_taken(agent, year)
        return {"year": year, "allowed": Decimal(0), "taken": used, "balance": -used}
    return {
        "year": year,
        "allowed": row["days"],
        "taken": row["taken"],
        "balance": row["days"] - row["taken"],
    }


# --- Balances of many agents (the Holiday balances page) -----------------------------------

BALANCE_READERS = (Role.PLANNER, Role.HR, Role.SUPERVISOR)


def balance_teams_for(user):
    """Teams whose agents' balances ``user`` sees: all for planners, HR and admins; their
    own teams for supervisors."""
    if user.has_role(Role.PLANNER, Role.HR):
        return Team.objects.order_by("name")
    return Team.objects.filter(pk__in=supervised_team_ids(user)).order_by("name")


def balances(user, year: int, *, team_id: int | None = None):
    """Each agent ``user`` may see with their ``allowed`` days of ``year`` (0 without an
    allowance), ``taken`` (approved holiday starting that year), ``pending`` (requested
    holiday) and ``balance`` (allowed - taken), as one grouped SQL query (the allowance a
    correlated subquery, so the request join does not multiply it). Ordered by team, name."""
    begin, end = year_window(year)
    in_year = Q(
        time_off_requests__kind=TimeOffKind.HOLIDAY,
        time_off_requests__start__gte=begin,
        time_off_requests__start__lt=end,
    )
    approved = in_year & Q(time_off_requests__status=TimeOffRequest.Status.APPROVED)
    pending = in_year & Q(time_off_requests__status=TimeOffRequest.Status.REQUESTED)
    allowed = TimeOffAllowance.objects.filter(agent=OuterRef("pk"), year=year).values("days")[:1]
    qs = get_user_model().objects.filter(is_active=True, groups__name=Role.AGENT)
    if not user.has_role(Role.PLANNER, Role.HR):
        qs = qs.filter(team_id__in=supervised_team_ids(user))
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    return (
        qs.annotate(
            allowed=Coalesce(Subquery(allowed, output_field=DecimalField()), ZERO),
            taken=Coalesce(Sum("time_off_requests__days", filter=approved), ZERO),
            pending=Coalesce(Sum("time_off_requests__days", filter=pending), ZERO),
        )
        .annotate(balance=F("allowed") - F("taken"))
        .select_related("team")
        .order_by("team__name", "last_name", "first_name", "username")
    )


def day_spans(start: datetime, end: datetime):
    """Per local day the span touches: ``(day_start, day_end, start, end)``."""
    first = timezone.localtime(start).date()
    last = timezone.localtime(end - timedelta(microseconds=1)).date()
    out = []
    for d in rules.local_days(first, last):
        a, b = day_start(d), day_start(d + timedelta(days=1))
        out.append((a, b, max(start, a), min(end, b)))
    return out


def days_counted(agent, start: datetime, end: datetime) -> Decimal:
    r = ssel.rules_for([agent])[agent.pk]
    hours = rules.contract_day_hours(r.max_week_minutes / 60, r.days_off)
    return rules.count_days(day_spans(start, end), hours)


def overlapping_requests(agent, start: datetime, end: datetime, *, exclude_pk=None):
    qs = TimeOffRequest.objects.filter(
        agent=agent,
        status__in=(TimeOffRequest.Status.REQUESTED, TimeOffRequest.Status.APPROVED),
        start__lt=end,
        end__gt=start,
    )
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


def approved_time_off(agent_ids, start: datetime, end: datetime):
    """``(agent_id, start, end)`` of approved time off overlapping the window."""
    return TimeOffRequest.objects.filter(
        agent_id__in=agent_ids,
        status=TimeOffRequest.Status.APPROVED,
        start__lt=end,
        end__gt=start,
    ).values_list("agent_id", "start", "end")


def _overlap_hours(a: datetime, b: datetime, c: datetime, d: datetime) -> float:
    return max(0.0, (min(b, d) - max(a, c)).total_seconds() / 3600)


def day_coverage(agent, start: datetime, end: datetime) -> list[rules.DayCoverage] | None:
    """The published coverage of each day the span touches with ``agent``'s work in the span
    removed; None when a day has no published target (then nothing is auto-approved)."""
    spans = day_spans(start, end)
    begin, finish = spans[0][0], spans[-1][1]
    rows = list(
        ScheduleCoverage.objects.filter(
            run__published=True, work_type__isnull=True, start__gte=begin, start__lt=finish
        ).values_list("start", "end", "office", "required", "scheduled")
    )
    blocks = list(
        Shift.objects.filter(start__lt=finish, end__gt=begin, activity__in=PRODUCTIVE_ACTIVITIES)
        .select_related("agent__team")
        .only("agent_id", "start", "end", "activity", "agent__team__office")
    )
    mine = [b for b in blocks if b.agent_id == agent.pk]
    others = {b.agent for b in blocks if b.agent_id != agent.pk}
    types = list(WorkType.objects.filter(active=True))
    offices = ssel.agent_offices(sorted(others, key=lambda u: u.pk), types, begin.date())
    crossed = {pk for pk, o in offices.items() if len(o) > 1}
    out = []
    for day_begin, day_end, s, e in spans:
        day_rows = [r for r in rows if day_begin <= r[0] < day_end]
        if not day_rows:
            return None
        fs = fp = bs = bp = 0.0
        for r_start, r_end, office, required, scheduled in day_rows:
            activity = Activity.FRONT_OFFICE if office == Office.FRONT else Activity.BACK_OFFICE
            removed = sum(
                _overlap_hours(b.start, b.end, max(s, r_start), min(e, r_end))
                for b in mine
                if b.activity == activity
            )
            if office == Office.FRONT:
                hours = (r_end - r_start).total_seconds() / 3600
                have = scheduled * hours - removed
                fs += max(0.0, required * hours - have)
                fp += max(0.0, have - required * hours)
            else:
                have = scheduled - removed
                bs += max(0.0, required - have)
                bp += max(0.0, have - required)
        cross = defaultdict(float)
        for b in blocks:
            if b.agent_id in crossed:
                cross[b.activity] += _overlap_hours(b.start, b.end, day_begin, day_end)
        out.append(
            rules.DayCoverage(
                day=day_begin.date(),
                front_short=fs,
                front_surplus=fp,
                back_short=bs,
                back_surplus=bp,
                front_cross=cross[Activity.FRONT_OFFICE],
                back_cross=cross[Activity.BACK_OFFICE],
            )
        )
    return out


def buddy_off(agent, start: datetime, end: datetime) -> bool:
    """Whether the agent's buddy (training's pairing) has approved time off on a day the
    span touches."""
    pairing = training_selectors.my_buddy(agent)
    if pairing is None:
        return False
    spans = day_spans(start, end)
    return TimeOffRequest.objects.filter(
        agent_id=pairing.buddy_id,
        status=TimeOffRequest.Status.APPROVED,
        start__lt=spans[-1][1],
        end__gt=spans[0][0],
    ).exists()


# --- Who sees what --------------------------------------------------------------------------


def can_decide_for(user, agent) -> bool:
    """Their supervisor (team.supervisor), a planner or an admin."""
    if not (user and user.is_authenticated):
        return False
    if user.has_role(Role.PLANNER):
        return True
    return (
        user.has_role(Role.SUPERVISOR)
        and agent.team_id is not None
        and agent.team_id in supervised_team_ids(user)
    )


def requests_visible_to(user):
    """Own for agents; their teams' for supervisors; all for planners and admins."""
    qs = TimeOffRequest.objects.select_related("agent", "decided_by")
    if user.has_role(Role.PLANNER):
        return qs
    if user.has_role(Role.SUPERVISOR):
        return qs.filter(Q(agent__team_id__in=supervised_team_ids(user)) | Q(agent=user))
    return qs.filter(agent=user)


def pending_requests_for(user):
    return (
        requests_visible_to(user)
        .filter(status=TimeOffRequest.Status.REQUESTED)
        .exclude(agent=user)
        .order_by("start", "pk")
    )


def trades_visible_to(user):
    """Offers and takes of one's own plus open offers; a supervisor's teams'; all for
    planners and admins."""
    qs = ShiftTrade.objects.select_related("offered_by", "taken_by")
    if user.has_role(Role.PLANNER):
        return qs
    if user.has_role(Role.SUPERVISOR):
        teams = supervised_team_ids(user)
        return qs.filter(Q(offered_by__team_id__in=teams) | Q(taken_by__team_id__in=teams))
    return qs.filter(Q(offered_by=user) | Q(taken_by=user) | Q(status=ShiftTrade.Status.OFFERED))


def trades_awaiting(user):
    """Taken trades the user may approve."""
    qs = trades_visible_to(user).filter(status=ShiftTrade.Status.TAKEN)
    return qs.exclude(offered_by=user).order_by("start", "pk")


def open_offers_for(user, now=None):
    """Offered future shifts of other agents (the taker's checks run when they take)."""
    now = now or timezone.now()
    return (
        ShiftTrade.objects.filter(status=ShiftTrade.Status.OFFERED, start__gt=now)
        .exclude(offered_by=user)
        .select_related("offered_by")
        .order_by("start", "pk")
    )


def my_trades(user):
    return (
        ShiftTrade.objects.filter(Q(offered_by=user) | Q(taken_by=user))
        .select_related("offered_by", "taken_by")
        .order_by("-start", "-pk")
    )


def offerable_shifts(user, now=None):
    """The agent's future work blocks not already on offer (first block of each day)."""
    now = now or timezone.now()
    taken = ShiftTrade.objects.filter(
        status__in=(ShiftTrade.Status.OFFERED, ShiftTrade.Status.TAKEN)
    ).values("shift_id")
    return (
        Shift.objects.filter(agent=user, start__gt=now, activity__in=PRODUCTIVE_ACTIVITIES)
        .exclude(pk__in=taken)
        .order_by("start")
    )


# --- Time off on the grids ------------------------------------------------------------------


def time_off_by_day(agent_ids, first: date, days: int) -> dict[int, list[list]]:
    """Approved time off per agent and day of ``days`` days from ``first`` (one query)."""
    begin, end = day_start(first), day_start(first + timedelta(days=days))
    out: dict[int, list[list]] = {}
    rows = TimeOffRequest.objects.filter(
        agent_id__in=list(agent_ids),
        status=TimeOffRequest.Status.APPROVED,
        start__lt=end,
        end__gt=begin,
    ).order_by("start")
    for req in rows:
        cells = out.setdefault(req.agent_id, [[] for _ in range(days)])
        for i in range(days):
            a = day_start(first + timedelta(days=i))
            b = day_start(first + timedelta(days=i + 1))
            if req.start < b and req.end > a:
                cells[i].append(req)
    return out


def attach_time_off(rows: list[dict], first: date, days: int) -> list[dict]:
    """Sets ``row["time_off"]`` (a list per day) on grid rows that have an ``agent``."""
    off = time_off_by_day([r["agent"].pk for r in rows], first, days)
    empty = [[] for _ in range(days)]
    for row in rows:
        row["time_off"] = off.get(row["agent"].pk, empty)
    return rows


def attach_grid(grid: dict | None, run) -> dict:
    """A run's grid with approved time off per row (an empty grid when ``grid`` is None)."""
    if grid is None:
        return {"days": [], "rows": []}
    attach_time_off(grid["rows"], run.week_start, 7)
    return grid
