from django.db import models
from django.utils import timezone

from ccops.choices import Role

from .choices import OPEN_STATUSES, Status


class WorkItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def unassigned(self):
        return self.filter(status=Status.NEW)

    def past_due(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())

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
