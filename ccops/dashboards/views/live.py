"""Pages that update themselves: the wallboard (a TV page per office) and the partials the
wallboard and the overview's today tiles poll (``ccops.dashboards.live``)."""

from django.http import Http404
from django.views.generic import TemplateView

from ...models import Team
from ...permissions import RoleRequiredMixin
from ..live import LIVE_MAX_AGE_SECONDS, OFFICE_LABELS, POLL_SECONDS, wallboard_snapshot
from .base import DASHBOARD_ROLES
from .overview import OverviewView, today_tiles_context


class WallboardView(RoleRequiredMixin, TemplateView):
    """Per office, large and dark for a TV: front office per queue (contacts waiting,
    longest wait, service level and ASA today), back office per casework type (due today,
    at risk, past due, open backlog), agents by state. The body polls its partial."""

    required_roles = DASHBOARD_ROLES
    template_name = "ccops/dashboard/wallboard.html"

    def get_context_data(self, **kwargs):
        office = kwargs["office"]
        if office not in OFFICE_LABELS:
            raise Http404(f"office: {office!r} is not one of {', '.join(OFFICE_LABELS)}")
        return {
            "board": wallboard_snapshot(office=office),
            "offices": list(OFFICE_LABELS.items()),
            "poll_seconds": POLL_SECONDS,
            "max_age_seconds": LIVE_MAX_AGE_SECONDS,
        }


class WallboardPartialView(WallboardView):
    """The wallboard's body alone: a cache read while the shared aggregate is fresh."""

    template_name = "ccops/dashboard/_wallboard.html"


class TodayTilesPartialView(RoleRequiredMixin, TemplateView):
    """The overview's today tiles alone, for the same ``?team=`` as the page."""

    required_roles = DASHBOARD_ROLES
    template_name = "ccops/dashboard/_today_tiles.html"
    live_team = OverviewView.live_team

    def get_context_data(self, **kwargs):
        teams = list(Team.objects.order_by("office", "name"))
        selected, selected_teams, _ = self.live_team(teams)
        if selected == "mine":
            scope_name = "my teams"
        else:
            scope_name = str(selected) if isinstance(selected, Team) else ""
        return today_tiles_context(self.request, selected_teams, scope_name)
