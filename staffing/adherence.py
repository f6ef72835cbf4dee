"""Schedule adherence: minutes in the scheduled activity / scheduled minutes.

A presence state matches a shift's activity as in :data:`staffing.choices.ADHERENT_STATES`
(front office <-> on a contact, available, after-contact work; back office <-> casework,
available; training and shadowing <-> training; break <-> break). ``off`` blocks are not
scheduled time. Only elapsed time counts: for today, time after ``now`` is left out of both
numerator and denominator.

"No data" (``adherence`` and ``conformance`` None) when nothing was measured: no presence
state, and no approved exception, over the scheduled blocks; agents with no scheduled
blocks have no row. Conformance = minutes worked (any state but offline, the whole elapsed
day) / scheduled minutes. Approved :class:`AdherenceException` time counts as in the
activity (the union with matching presence, never twice).

Two SQL queries per call (three more when someone has an exception that day): each block
(clipped to the day) sums its overlap with the agent's matching presence in a correlated
subquery, and the blocks are grouped per agent; then the day's exceptions.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from workitems.models import PresenceChange

from .adherence_models import AdherenceException
from .choices import ADHERENT_STATES, NOT_WORKED_STATES, PRODUCTIVE_ACTIVITIES, Activity
from .models import Shift
from .timeutil import day_start

ZERO = timedelta(0)


def _matching_state() -> Q:
    """``state`` matches the outer shift's activity (a CASE over the mapping)."""
    whens = [
        When(Q(state__in=states) & Q(_activity=activity), then=Value(1))
        for activity, states in ADHERENT_STATES.items()
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def _minutes(value: timedelta | None) -> float:
    return value.total_seconds() / 60 if value else 0.0


def _window(day: date, now: datetime | None) -> tuple[datetime, datetime]:
    start, end = day_start(day), day_start(day + timedelta(days=1))
    now = now or timezone.now()
    return start, max(start, min(end, now))


def adherence_by_agent(
    *, day: date, now: datetime | None = None, agent_ids=None, team_ids=None
) -> dict[int, dict]:
    """``{agent_id: {"scheduled_minutes", "adherent_minutes", "adherence"}}`` for ``day``
    (one query). ``agent_ids``/``team_ids`` narrow it; ``adherence`` is None with no
    scheduled minutes yet."""
    start, until = _window(day, now)
    if until <= start:
        return {}
    shifts = Shift.objects.filter(start__lt=until, end__gt=start).exclude(activity=Activity.OFF)
    if agent_ids is not None:
        shifts = shifts.filter(agent_id__in=agent_ids)
    if team_ids is not None:
        shifts = shifts.filter(agent__team_id__in=team_ids)
    dt = DateTimeField()
    shifts = shifts.annotate(
        s_start=Greatest(F("start"), Value(start, output_field=dt), output_field=dt),
        s_end=Least(F("end"), Value(until, output_field=dt), output_field=dt),
    )
    overlap = ExpressionWrapper(
        Least(
            Coalesce(F("ended_at"), Value(until, output_field=dt), output_field=dt),
            OuterRef("s_end"),
            output_field=dt,
        )
        - Greatest(F("started_at"), OuterRef("s_start"), output_field=dt),
        output_field=DurationField(),
    )
    in_block = (
        PresenceChange.objects.filter(
            agent_id=OuterRef("agent_id"),
            started_at__lt=OuterRef("s_end"),
        )
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=OuterRef("s_start")))
        .order_by()
    )
    matching = (
        in_block.annotate(
            _activity=ExpressionWrapper(OuterRef("activity"), output_field=CharField())
        )
        .annotate(_match=_matching_state())
        .filter(_match=1)
        .values("agent_id")
        .annotate(total=Sum(overlap))
        .values("total")[:1]
    )
    measured = in_block.values("agent_id").annotate(total=Sum(overlap)).values("total")[:1]
    # Minutes worked in the whole (elapsed) day, scheduled or not: the same value on each of
    # the agent's rows, so it is taken with MAX, not summed.
    day_overlap = ExpressionWrapper(
        Least(
            Coalesce(F("ended_at"), Value(until, output_field=dt), output_field=dt),
            Value(until, output_field=dt),
            output_field=dt,
        )
        - Greatest(F("started_at"), Value(start, output_field=dt), output_field=dt),
        output_field=DurationField(),
    )
    worked = (
        PresenceChange.objects.filter(agent_id=OuterRef("agent_id"), started_at__lt=until)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .exclude(state__in=NOT_WORKED_STATES)
        .order_by()
        .values("agent_id")
        .annotate(total=Sum(day_overlap))
        .values("total")[:1]
    )
    zero = Value(ZERO, output_field=DurationField())
    scheduled = ExpressionWrapper(F("s_end") - F("s_start"), output_field=DurationField())
    rows = (
        shifts.annotate(
            adherent=Coalesce(Subquery(matching, output_field=DurationField()), zero),
            measured=Coalesce(Subquery(measured, output_field=DurationField()), zero),
            worked_day=Coalesce(Subquery(worked, output_field=DurationField()), zero),
        )
        .order_by()
        .values("agent_id")
        .annotate(
            scheduled=Sum(scheduled),
            adherent_total=Sum("adherent"),
            measured_total=Sum("measured"),
            worked_total=Max("worked_day"),
        )
    )
    out = {}
    rows = list(rows)
    excused = _excused_minutes(start, until, [r["agent_id"] for r in rows])
    for row in rows:
        sched = _minutes(row["scheduled"])
        adh = min(_minutes(row["adherent_total"]), sched)
        measured_min = min(_minutes(row["measured_total"]), sched)
        if row["agent_id"] in excused:  # approved exceptions: in activity, and measured
            adh, extra = excused[row["agent_id"]]
            measured_min = min(measured_min + extra, sched)
        worked_min = _minutes(row["worked_total"])
        known = bool(sched and measured_min)
        out[row["agent_id"]] = {
            "scheduled_minutes": round(sched, 2),
            "adherent_minutes": round(adh, 2),
            "measured_minutes": round(measured_min, 2),
            "worked_minutes": round(worked_min, 2),
            "adherence": (adh / sched) if known else None,
            "conformance": (worked_min / sched) if known else None,
        }
    return out


def _union_minutes(spans) -> float:
    total, cur_s, cur_e = 0.0, None, None
    for s, e in sorted(spans):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += (cur_e - cur_s).total_seconds()
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += (cur_e - cur_s).total_seconds()
    return total / 60


def _excused_minutes(start, until, agent_ids) -> dict[int, tuple[float, float]]:
    """For agents with an approved exception in ``[start, until)``: ``{agent_id: (minutes in
    the scheduled activity or excused, excused minutes not otherwise measured)}``, the union
    of matching presence and exceptions per block (so nothing counts twice). One query when
    nobody has an exception, three otherwise."""
    exceptions = list(
        AdherenceException.objects.filter(
            agent_id__in=agent_ids, start__lt=until, end__gt=start
        ).values_list("agent_id", "start", "end")
    )
    if not exceptions:
        return {}
    ids = {e[0] for e in exceptions}
    blocks = list(
        Shift.objects.filter(agent_id__in=ids, start__lt=until, end__gt=start)
        .exclude(activity=Activity.OFF)
        .values_list("agent_id", "start", "end", "activity")
    )
    changes = list(
        PresenceChange.objects.filter(agent_id__in=ids, started_at__lt=until)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .values_list("agent_id", "started_at", "ended_at", "state")
    )
    out = {}
    for agent_id in ids:
        adherent = extra = 0.0
        for a, b_s, b_e, activity in blocks:
            if a != agent_id:
                continue
            b_s, b_e = max(b_s, start), min(b_e, until)
            clip = [
                (max(s, b_s), min(e or until, b_e))
                for a2, s, e, state in changes
                if a2 == agent_id and max(s, b_s) < min(e or until, b_e)
            ]
            matching = [
                (max(s, b_s), min(e or until, b_e))
                for a2, s, e, state in changes
                if a2 == agent_id
                and state in ADHERENT_STATES.get(activity, ())
                and max(s, b_s) < min(e or until, b_e)
            ]
            excused = [
                (max(s, b_s), min(e, b_e))
                for a2, s, e in exceptions
                if a2 == agent_id and max(s, b_s) < min(e, b_e)
            ]
            adherent += _union_minutes(matching + excused)
            extra += _union_minutes(clip + excused) - _union_minutes(clip)
        out[agent_id] = (adherent, extra)
    return out


def productive_minutes_per_agent(day: date) -> dict[int, float]:
    """Scheduled front- and back-office minutes per agent on ``day`` (one SQL SUM; blocks
    clipped to the day). The KPI framework's normalised productivity divides earned
    standard minutes by this."""
    start, end = day_start(day), day_start(day + timedelta(days=1))
    dt = DateTimeField()
    duration = ExpressionWrapper(
        Least(F("end"), Value(end, output_field=dt), output_field=dt)
        - Greatest(F("start"), Value(start, output_field=dt), output_field=dt),
        output_field=DurationField(),
    )
    rows = (
        Shift.objects.filter(start__lt=end, end__gt=start, activity__in=PRODUCTIVE_ACTIVITIES)
        .order_by()
        .values("agent_id")
        .annotate(total=Sum(duration))
    )
    return {r["agent_id"]: r["total"].total_seconds() / 60 for r in rows if r["total"]}
