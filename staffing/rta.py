"""Real-time adherence: who is out of their scheduled activity right now, for how long.

An agent on a scheduled block (not ``off``) is out of adherence when their current presence
state is not one of the block's states in :data:`staffing.choices.ADHERENT_STATES` (offline
counts as out). The episode starts at the later of the presence change and the block's start.
Out longer than the grace period (setting ``ADHERENCE_GRACE_MINUTES``, default 5) is an
alert, unless an approved :class:`~staffing.models.AdherenceException` covers now. Each
alert is told once per episode to the agent's team supervisor (key: agent + episode start).
Three queries whatever the floor's size: blocks on now (with agent, team), presence now,
exceptions on now.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ccops import notifications
from ccops.choices import Role
from workitems.choices import PresenceState
from workitems.models import AgentPresence

from .adherence_models import AdherenceException
from .choices import ADHERENT_STATES, Activity
from .errors import InvalidInput, NotAllowed
from .models import Shift
from .permissions import can_edit_shifts_of, supervised_team_ids

MAX_EXCEPTION_HOURS = 12


def grace() -> timedelta:
    return timedelta(minutes=getattr(settings, "ADHERENCE_GRACE_MINUTES", 5))


def adherence_alerts(*, now: datetime | None = None, team_ids=None) -> list[dict]:
    """Agents out of adherence past the grace period now, longest first: ``{"agent",
    "team", "activity", "activity_label", "state", "state_label", "since", "minutes"}``."""
    now = now or timezone.now()
    blocks = (
        Shift.objects.filter(start__lte=now, end__gt=now)
        .exclude(activity=Activity.OFF)
        .select_related("agent__team__supervisor")
        .order_by("agent_id", "start")
    )
    if team_ids is not None:
        blocks = blocks.filter(agent__team_id__in=team_ids)
    blocks = {b.agent_id: b for b in blocks}
    if not blocks:
        return []
    presence = {
        p["agent_id"]: p
        for p in AgentPresence.objects.filter(agent_id__in=list(blocks)).values(
            "agent_id", "state", "since"
        )
    }
    excused = set(
        AdherenceException.objects.filter(
            agent_id__in=list(blocks), start__lte=now, end__gt=now
        ).values_list("agent_id", flat=True)
    )
    limit = grace()
    out = []
    for agent_id, block in blocks.items():
        p = presence.get(agent_id) or {"state": PresenceState.OFFLINE, "since": None}
        if p["state"] in ADHERENT_STATES.get(block.activity, ()) or agent_id in excused:
            continue
        since = max(block.start, p["since"]) if p["since"] else block.start
        if now - since < limit:
            continue
        out.append(
            {
                "agent": block.agent,
                "team": block.agent.team,
                "activity": block.activity,
                "activity_label": block.get_activity_display(),
                "state": p["state"],
                "state_label": PresenceState(p["state"]).label,
                "since": since,
                "minutes": int((now - since).total_seconds() // 60),
            }
        )
    out.sort(key=lambda a: (a["since"], a["agent"].username))
    return out


def alert_key(agent_id: int, since: datetime) -> str:
    return f"adherence:{agent_id}:{since.isoformat()}"


def adherence_scan(*, now: datetime | None = None) -> int:
    """Tell each alert's team supervisor, once per episode. Returns how many alerts are on."""
    alerts = adherence_alerts(now=now)
    url = reverse("staffing:intraday")
    for a in alerts:
        supervisor = a["team"].supervisor if a["team"] else None
        notifications.notify(
            notifications.Kind.ADHERENCE_ALERT,
            [supervisor],
            title=f"{a['agent']} out of adherence since {timezone.localtime(a['since']):%H:%M}",
            body=(
                f"Scheduled: {a['activity_label']}; presence: {a['state_label']} "
                f"for {a['minutes']} minutes."
            ),
            url=url,
            key=alert_key(a["agent"].pk, a["since"]),
        )
    return len(alerts)


def adherence_exception_create(*, agent, start, end, reason: str, by) -> AdherenceException:
    """Record approved time (counts as adherent, silences alerts). Supervisors for their own
    teams' agents, planners and admins for anyone."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give a reason for the exception.", field="reason")
    if start is None:
        raise InvalidInput("Give the start.", field="start")
    if end is None:
        raise InvalidInput("Give the end.", field="end")
    if end <= start:
        raise InvalidInput("The end must be after the start.", field="end")
    if end - start > timedelta(hours=MAX_EXCEPTION_HOURS):
        raise InvalidInput(f"An exception lasts at most {MAX_EXCEPTION_HOURS} hours.", field="end")
    if not can_edit_shifts_of(by, agent):
        raise NotAllowed("You may only record exceptions for your own team's agents.")
    with transaction.atomic():
        return AdherenceException.objects.create(
            agent=agent, start=start, end=end, reason=reason[:200], approved_by=by
        )


def exceptions_visible_to(user):
    """Planners (and admins) see every exception; supervisors their teams' agents'."""
    qs = AdherenceException.objects.order_by("-start", "agent_id")
    if not user.is_authenticated:
        return qs.none()
    if user.has_role(Role.PLANNER):
        return qs
    if user.has_role(Role.SUPERVISOR):
        return qs.filter(agent__team__supervisor=user)
    return qs.none()


def supervised_alerts(user, *, now=None) -> list[dict]:
    """The alerts a page shows ``user``: all for planners, their teams' for supervisors."""
    if user.has_role(Role.PLANNER):
        return adherence_alerts(now=now)
    if user.has_role(Role.SUPERVISOR):
        return adherence_alerts(now=now, team_ids=list(supervised_team_ids(user)))
    return []
