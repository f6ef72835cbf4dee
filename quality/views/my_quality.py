"""The agent's own quality: scores over time, evaluations to acknowledge or dispute."""

from django.views.generic import ListView

from ccops.choices import Role
from ccops.permissions import RoleRequiredMixin

from .. import selectors
from ..choices import SCORED_STATUSES
from ..models import Evaluation


class MyQualityView(RoleRequiredMixin, ListView):
    required_roles = (Role.AGENT,)
    template_name = "quality/my_quality.html"
    paginate_by = 20

    def get_queryset(self):
        return (
            Evaluation.objects.filter(agent=self.request.user, status__in=SCORED_STATUSES)
            .select_related("item", "work_type", "scorecard", "evaluator")
            .order_by("-submitted_at", "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = selectors.agent_summary(self.request.user)
        context["weekly"] = selectors.agent_weekly_scores(self.request.user)
        return context
