"""What every dashboard page shares: roles, the period, tables exportable as CSV, charts."""

import json

from django.http import HttpResponseBadRequest
from django.views.generic import TemplateView

from ...choices import Role
from ...permissions import RoleRequiredMixin
from ..forms import PeriodForm
from ..selectors import PERIODS
from ..tables import export_response

# Supervisors see every team; planners, QA and HR read the same pages. Admins hold every role.
DASHBOARD_ROLES = (Role.SUPERVISOR, Role.PLANNER, Role.QA, Role.HR)
EVERY_ROLE = tuple(Role.values)


class DashboardView(RoleRequiredMixin, TemplateView):
    """A page of tables and charts over a period; ``?export=<table>`` returns that table as
    CSV instead of the page."""

    required_roles = DASHBOARD_ROLES
    export_stem = "dashboard"

    def get(self, request, *args, **kwargs):
        self.period_form = PeriodForm(request.GET or None)
        self.period = self.period_form.period_or_default()
        export = request.GET.get("export")
        context = self.get_context_data(**kwargs)
        tables = {t.name: t for t in context.get("tables", [])}
        if export:
            if export not in tables:
                names = ", ".join(sorted(tables)) or "none"
                return HttpResponseBadRequest(
                    f"export: unknown table {export!r} (tables on this page: {names})",
                    content_type="text/plain",
                )
            return export_response(request, tables[export], self.export_stem)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("export", None)
        query.pop("period", None)
        context.update(
            period=self.period,
            period_form=self.period_form,
            periods=PERIODS,
            query_without_period=query.urlencode(),
            query_string=self.request.GET.urlencode(),
        )
        return context


def chart_json(data: dict, scopes: dict[str, str]) -> str:
    """Chart payload for ``static/ccops/dashboard.js`` (read from a data- attribute)."""
    return json.dumps({**data, "scopes": scopes}, separators=(",", ":"))
