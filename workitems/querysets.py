from django.db import models
from django.utils import timezone

from ccops.choices import Role

from .choices import OPEN_STATUSES, Status

# THE past-due rule, one place: an open item whose due time has passed and whose SLA clock
# runs. An item waiting on the customer (pending) has its clock stopped
# (``services._sla_clock_changes``): it is neither past due nor at risk, however old its
# stored due time. Status-based, so counts stay index-only scans of the open-items partial
# indexes (``wi_open_type_due``, ``wi_open_team_due`` hold the status). Every count of past
# due or at-risk work (backlog, dashboard tiles, wallboard, queue filter, alerts) and
# ``WorkItem.sla_state`` use these.
RUNNING_STATUSES = tuple(s for s in OPEN_STATUSES if s != Status.PENDING)


def running_q(prefix: str = "") -> models.Q:
    """Open items whose SLA clock runs (``prefix``: a relation path such as ``"items__"``)."""
    return models.Q(**{f"{prefix}status__in": RUNNING_STATUSES})


def past_due_q(now, prefix: str = "") -> models.Q:
    """Open, clock running, due before ``now``."""
    return running_q(prefix) & models.Q(**{f"{prefix}due_at__lt": now})


def past_due_at_end_q(end) -> models.Q:
    """:func:`past_due_q` at the end of a day already over (the nightly backlog KPIs and
    snapshot, over the items open at ``end``): due before ``end``, unless its clock was
    stopped then, i.e. it has waited on the customer since before ``end`` and still does
    (``sla_paused_at``, kept while an item is pending). An item's status at a past moment
    is not stored: the nightly run, just after the day, sees the day's end as it was; a
    backfill long after counts an item that waited then but resumed since as the stored
    (moved on) due time says."""
    return models.Q(due_at__lt=end) & ~models.Q(status=Status.PENDING, sla_paused_at__lt=end)


def is_past_due(status: str, due_at, now) -> bool:
    """:func:`past_due_q` on one item's values (pages, exports, the API)."""
    return status in RUNNING_STATUSES and due_at is not None and due_at < now


def at_risk_q(now, prefix: str = "") -> models.Q:
    """Open, clock running, at risk from before ``now`` and not yet past due."""
    return running_q(prefix) & models.Q(
        **{f"{prefix}at_risk_at__lte": now, f"{prefix}due_at__gte": now}
    )


class WorkItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def unassigned(self):
        return self.filter(status=Status.NEW)

    def past_due(self, now=None):
        """Past due by :func:`past_due_q` (paused items excluded)."""
        return self.filter(past_due_q(now or timezone.now()))

    def visible_to(self, user):
        """Supervisors, planners, QA, HR and admins see all work; agents see what they hold
        or closed (done items keep their assignee), what their team owns, and the open queue."""
        if not user.is_authenticated:
            return self.none()
        if user.has_role(Role.SUPERVISOR, Role.PLANNER, Role.QA, Role.HR):
            return self
        if not user.has_role(Role.AGENT):
            return self.none()
        q = models.Q(assignee=user) | models.Q(status=Status.NEW)
        if user.team_id:
            q |= models.Q(team_id=user.team_id)
        return self.filter(q)
