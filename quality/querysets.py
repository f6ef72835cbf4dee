"""Who sees which evaluations and coaching sessions (the single place the scope rule lives)."""

from django.db import models
from django.db.models import Q

from ccops.choices import Role

from .choices import AGENT_VISIBLE_STATUSES, SCORED_STATUSES, EvaluationStatus


def supervised_team_ids(user):
    """Subquery of the ids of the teams ``user`` supervises."""
    from ccops.models import Team

    return Team.objects.filter(supervisor=user).values("id")


class EvaluationQuerySet(models.QuerySet):
    def scored(self):
        return self.filter(status__in=SCORED_STATUSES)

    def visible_to(self, user):
        """QA and admins: every evaluation. Supervisors: non-draft evaluations of the teams
        they supervise. Agents: their own, once submitted. Everyone: what they evaluate."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_role(Role.QA):
            return self
        q = Q(evaluator=user)
        if user.has_role(Role.SUPERVISOR):
            q |= Q(team_id__in=supervised_team_ids(user)) & ~Q(status=EvaluationStatus.DRAFT)
        if user.has_role(Role.AGENT):
            q |= Q(agent=user, status__in=AGENT_VISIBLE_STATUSES)
        return self.filter(q)


class CoachingSessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """QA and admins: all. Supervisors: their teams' agents. Agents: their own. Coaches:
        the sessions they hold."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_role(Role.QA):
            return self
        q = Q(coach=user) | Q(agent=user)
        if user.has_role(Role.SUPERVISOR):
            q |= Q(agent__team_id__in=supervised_team_ids(user))
        return self.filter(q)
