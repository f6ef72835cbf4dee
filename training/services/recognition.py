"""Recognition and incentives: kudos and awards by people, points from KPI results.

Automatic awards are idempotent by a unique key on their source (scheme + agent + period),
so the nightly job can be re-run, retried or run twice at once without paying twice.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from ccops.choices import Office, Role
from ccops.kpis.selectors import period_values
from ccops.models import User

from ..choices import Comparison, Period, RecognitionKind, ScopeKind
from ..errors import InvalidInput, NotAllowed
from ..models import IncentiveScheme, Recognition
from .common import (
    choice,
    integer,
    lock_users,
    manages,
    require_agent,
    require_hr,
    text,
    today,
)

KUDOS_POINTS = 5
KUDOS_PER_DAY = 3
MAX_POINTS = 100

# Who may give each kind by hand (implemented ideas are awarded by the idea board).
GIVERS = {
    RecognitionKind.PEER_KUDOS: None,  # anyone with a role
    RecognitionKind.QA_EXCELLENCE: (Role.QA, Role.HR, Role.SUPERVISOR),
    RecognitionKind.GOAL_MET: (Role.HR, Role.SUPERVISOR),
}
# Kinds QA gives to any agent: QA evaluates every team's work.
ANY_AGENT_ROLES = {RecognitionKind.QA_EXCELLENCE: (Role.QA,)}
# Awards by hand (not kudos) an agent may receive per kind and day, from everyone together.
AWARDS_PER_AGENT_PER_DAY = 1


def awards_per_agent_per_day() -> int:
    return int(getattr(settings, "RECOGNITION_AWARDS_PER_AGENT_PER_DAY", AWARDS_PER_AGENT_PER_DAY))


def recognition_give(*, agent: User, by: User, kind: str, reason: str, points=None) -> Recognition:
    """Recognise an agent. Peer kudos are worth ``KUDOS_POINTS`` and each person may give
    ``KUDOS_PER_DAY`` a day (counted under a lock on the giver's row); other kinds are given
    by their roles with 1..100 points, by a supervisor to their teams' agents only (HR and
    admins: anyone; QA excellence: QA too), and an agent receives at most
    ``awards_per_agent_per_day()`` of each kind a day (counted under a lock on the agent's
    row)."""
    kind = choice(kind, RecognitionKind, field="kind")
    if kind not in GIVERS:
        raise InvalidInput("Implemented ideas are awarded from the idea board.", field="kind")
    roles = GIVERS[kind]
    if roles is None:
        if not by.role_names and not by.is_superuser:
            raise NotAllowed("You need a role to give kudos.")
    elif not by.has_role(*roles):
        raise NotAllowed(f"Your role cannot give {RecognitionKind(kind).label.lower()}.")
    if agent.pk == by.pk:
        raise InvalidInput("You cannot recognise yourself.", field="agent")
    require_agent(agent, field="agent")
    for_anyone = ANY_AGENT_ROLES.get(kind)
    if roles is not None and not ((for_anyone and by.has_role(*for_anyone)) or manages(by, agent)):
        # Supervisors award the agents of the teams they lead; HR (and admins) anyone.
        raise NotAllowed(f"Only HR or {agent}'s supervisor may give them this award.")
    reason = text(reason, field="reason", required=True, max_length=300)
    if kind == RecognitionKind.PEER_KUDOS:
        points = KUDOS_POINTS
    else:
        points = integer(points, field="points", low=1, high=MAX_POINTS)
    on = today()
    with transaction.atomic():
        if kind == RecognitionKind.PEER_KUDOS:
            lock_users([by.pk])
            given = Recognition.objects.filter(
                given_by=by, kind=RecognitionKind.PEER_KUDOS, given_on=on
            ).count()
            if given >= KUDOS_PER_DAY:
                raise InvalidInput(
                    f"You have given {given} kudos today, the most for one day.", field="agent"
                )
        else:
            # Counted under a lock on the agent's row, so concurrent awards queue here and
            # the last of a burst sees the others' rows.
            lock_users([agent.pk])
            cap = awards_per_agent_per_day()
            received = Recognition.objects.filter(
                agent=agent, kind=kind, given_on=on, scheme__isnull=True
            ).count()
            if received >= cap:
                raise InvalidInput(
                    f"{agent} has had {received} {RecognitionKind(kind).label.lower()} "
                    f"award(s) today, the most for one day.",
                    field="agent",
                )
        return Recognition.objects.create(
            agent=agent, kind=kind, points=points, reason=reason, given_by=by, given_on=on
        )


def scheme_create(
    *,
    by: User,
    name: str,
    kpi: str,
    scope_kind: str,
    comparison: str,
    threshold,
    points,
    period: str = Period.WEEK,
    office: str = "",
    description: str = "",
) -> IncentiveScheme:
    require_hr(by, "define incentive schemes")
    name = text(name, field="name", required=True, max_length=120)
    kpi = text(kpi, field="kpi", required=True, max_length=40)
    if IncentiveScheme.objects.filter(name__iexact=name).exists():
        raise InvalidInput(f"A scheme named {name} exists.", field="name")
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        raise InvalidInput("Threshold must be a number.", field="threshold")
    if threshold != threshold or threshold in (float("inf"), float("-inf")):
        raise InvalidInput("Threshold must be a number.", field="threshold")
    if office and office not in Office.values:
        raise InvalidInput("Choose front, back or leave blank.", field="office")
    with transaction.atomic():
        return IncentiveScheme.objects.create(
            name=name,
            kpi=kpi,
            scope_kind=choice(scope_kind, ScopeKind, field="scope_kind"),
            comparison=choice(comparison, Comparison, field="comparison"),
            threshold=threshold,
            points=integer(points, field="points", low=1, high=1000),
            period=choice(period, Period, field="period"),
            office=office,
            description=text(description, field="description"),
            created_by=by,
        )


def award_from_kpi_results(scheme: IncentiveScheme, results: Iterable[tuple]) -> int:
    """Award ``scheme``'s points for KPI results that meet its target. Returns new awards.

    ``results``: ``(scope_kind, scope_id, period_start, period_end, value)`` tuples, with
    ``scope_kind`` ``"agent"`` (scope_id = user id), ``"team"`` (team id) or ``"office"``
    (1 front, 2 back, as ccops KPI snapshots number them) and ``value`` in the KPI's display
    unit (95.0 for 95%). Results of another scope kind are ignored. A team or office result
    awards each of its active agents.

    The nightly KPI job feeds this (``training.tasks.award_incentives`` rolls the
    ``ccops`` KPI snapshots of the closed period up per scope and calls it). Idempotent: one
    award per (scheme, agent, period start), enforced by a unique constraint, so a re-run
    or a concurrent run creates nothing new.
    """
    if not scheme.active:
        return 0
    met: dict[date, tuple[date, list[tuple[str, int, float]]]] = {}
    for scope_kind, scope_id, start, end, value in results:
        if scope_kind != scheme.scope_kind or not scheme.is_met(value):
            continue
        met.setdefault(start, (end, []))[1].append((scope_kind, int(scope_id), float(value)))
    if not met:
        return 0
    created = 0
    with transaction.atomic():
        # One awarder per scheme at a time: the count of new rows is then exact.
        IncentiveScheme.objects.select_for_update().filter(pk=scheme.pk).first()
        for start, (end, scopes) in sorted(met.items()):
            created += _award_period(scheme, start, end, scopes)
    return created


OFFICE_BY_ID = {1: Office.FRONT, 2: Office.BACK}


def _award_period(scheme, start: date, end: date, scopes) -> int:
    value_of: dict[int, float] = {}
    agents = User.objects.filter(is_active=True, groups__name=Role.AGENT)
    if scheme.office:
        agents = agents.filter(team__office=scheme.office)
    kind = scheme.scope_kind
    ids = [scope_id for _, scope_id, _ in scopes]
    if kind == ScopeKind.AGENT:
        rows = agents.filter(pk__in=ids).values_list("pk", "pk")
    elif kind == ScopeKind.TEAM:
        rows = agents.filter(team_id__in=ids).values_list("pk", "team_id")
    else:
        offices = [OFFICE_BY_ID[i] for i in ids if i in OFFICE_BY_ID]
        rows = agents.filter(team__office__in=offices).values_list("pk", "team__office")
    scope_value = {
        (OFFICE_BY_ID.get(sid, sid) if kind == ScopeKind.OFFICE else sid): v for _, sid, v in scopes
    }
    for agent_id, scope in rows:
        value_of[agent_id] = scope_value[scope]
    already = set(
        Recognition.objects.filter(scheme=scheme, period_start=start).values_list(
            "agent_id", flat=True
        )
    )
    label = {Period.DAY: "day", Period.WEEK: "week", Period.MONTH: "month"}[scheme.period]
    new = [
        Recognition(
            agent_id=agent_id,
            points=scheme.points,
            kind=RecognitionKind.GOAL_MET,
            reason=f"{scheme.name}: {scheme.kpi} {value:g} for the {label} of {start}"[:300],
            given_on=end,
            scheme=scheme,
            period_start=start,
            period_end=end,
            kpi_value=value,
        )
        for agent_id, value in sorted(value_of.items())
        if agent_id not in already
    ]
    Recognition.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """The closed period of ``period`` kind that ``day`` falls in (weeks start Monday)."""
    if period == Period.DAY:
        return day, day
    if period == Period.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    start = day.replace(day=1)
    nxt = (start + timedelta(days=32)).replace(day=1)
    return start, nxt - timedelta(days=1)


def kpi_results(scheme: IncentiveScheme, start: date, end: date) -> list[tuple]:
    """The scheme's KPI over ``start..end`` per scope, rolled up from the KPI framework's
    daily snapshots (sum of numerators / sum of denominators, in SQL)."""
    values = period_values(kpi=scheme.kpi, scope_kind=scheme.scope_kind, start=start, end=end)
    return [(scheme.scope_kind, scope_id, start, end, v) for scope_id, v in values.items()]


def incentives_award(*, day: date) -> dict:
    """Award every active scheme for its period that ended before ``day`` (the nightly job)."""
    out = {}
    for scheme in IncentiveScheme.objects.filter(active=True):
        start, end = period_bounds(scheme.period, day - timedelta(days=1))
        if end >= day:
            # The period is still running: award the previous one.
            start, end = period_bounds(scheme.period, start - timedelta(days=1))
        out[scheme.name] = award_from_kpi_results(scheme, kpi_results(scheme, start, end))
    return out


def may_give(user) -> list[str]:
    """The kinds ``user`` may give by hand (for forms)."""
    kinds = []
    for kind, roles in GIVERS.items():
        allowed = bool(user.role_names or user.is_superuser) if roles is None else None
        if allowed is None:
            allowed = user.has_role(*roles)
        if allowed:
            kinds.append(kind)
    return kinds
