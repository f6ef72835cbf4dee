"""Overview, office, team and agent pages, and the agent's own scorecard."""

from django import forms
from django.contrib.auth.models import Group
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from workitems.models import WorkType
from workitems.selectors import BACKLOG_MAX_AGE_SECONDS, backlog_snapshot
from workitems.today import TODAY_MAX_AGE_SECONDS, office_today_snapshot

from ...choices import Office
from ...kpi_models import OFFICE_SCOPE_IDS, ScopeKind
from ...kpis import goals as goal_rules
from ...models import Team, User
from .. import builders
from ..live import POLL_SECONDS
from ..selectors import KPI_MAX_AGE_SECONDS, overview_figures, queue_totals, series, totals
from .base import EVERY_ROLE, DashboardView, chart_json

OFFICE_LABELS = dict(Office.choices)
LIVE_TEAM_ATTRS = {
    "class": "form-select form-select-sm w-auto",
    "id": "live-team",
    "data-autosubmit": True,
}


def _office_scope_labels() -> dict[str, str]:
    return {
        f"office:{OFFICE_SCOPE_IDS[Office.FRONT]}": "Front office",
        f"office:{OFFICE_SCOPE_IDS[Office.BACK]}": "Back office",
        "overall:0": "Overall",
    }


def live_note(as_of) -> str:
    return (
        f"As of {timezone.localtime(as_of):%H:%M:%S}: counts are shared between pages for up "
        f"to {BACKLOG_MAX_AGE_SECONDS} seconds."
    )


def today_tiles_context(request, selected_teams, scope_name: str) -> dict:
    """The today tiles' context (the overview page and its polled partial): the shared
    snapshot (``office_today_snapshot``) of the selected teams' offices."""
    tiles, tiles_as_of = office_today_snapshot(teams=selected_teams)
    offices = {t.office for t in selected_teams} if selected_teams else set(OFFICE_LABELS)
    return {
        "tiles": [t for t in tiles if t.office in offices],
        "tiles_as_of": tiles_as_of,
        "tiles_max_age": TODAY_MAX_AGE_SECONDS,
        "tiles_url": f"{reverse('dashboard:today_tiles')}?{request.GET.urlencode()}",
        "poll_seconds": POLL_SECONDS,
        "scope_name": scope_name,
    }


class OverviewView(DashboardView):
    """Today first: tiles per office (``workitems.today``: contacts waiting, longest wait,
    service level today; cases due today, at risk, past due; agents by state) for the
    supervisor's own teams by default; then trends, shared goals front and back side by side,
    the live backlog and the team comparison. Queries (constant in teams, agents and days):
    teams, live backlog, today's tiles (3), goals and their adjustments, and (when not cached)
    office totals, overall totals, team totals and the chart series. The live backlog is a
    reading at most ``BACKLOG_MAX_AGE_SECONDS`` old and the KPI aggregates at most
    ``KPI_MAX_AGE_SECONDS``; the page says so."""

    template_name = "ccops/dashboard/overview.html"

    def live_team(self, teams):
        """``?team=<id>|mine|all``: the teams the page is about (``None``: all). A supervisor
        starts on their own team (``mine`` when they lead several)."""
        wanted = self.request.GET.get("team", "")
        own = [t for t in teams if t.supervisor_id == self.request.user.pk]
        if wanted == "all":
            return None, None, ""
        if wanted == "mine" or (not wanted and len(own) > 1):
            if own:
                return "mine", own, ""
            return None, None, "team: you lead no team; showing all teams."
        if wanted:
            by_id = {str(t.pk): t for t in teams}
            if wanted not in by_id:
                return None, None, f"team: no team with id {wanted!r}; showing all teams."
            return by_id[wanted], [by_id[wanted]], ""
        return (own[0], own, "") if own else (None, None, "")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period, user = self.period, self.request.user
        teams = list(Team.objects.order_by("office", "name"))
        selected, selected_teams, team_error = self.live_team(teams)
        live_team = selected if isinstance(selected, Team) else None
        if selected == "mine":
            live, live_as_of = _merged_backlog(selected_teams)
            scope_name = "my teams"
        else:
            live, live_as_of = backlog_snapshot(team=live_team)
            scope_name = str(live_team) if live_team else ""
        tiles_context = today_tiles_context(self.request, selected_teams, scope_name)
        goals = goal_rules.load_goals(period.start, period.end)
        figures = overview_figures(period)
        query = self.request.GET.copy()
        query.pop("export", None)
        query.pop("team", None)
        own = [t for t in teams if t.supervisor_id == user.pk]
        team_choices = [(t.pk, t.name) for t in teams]
        mine = [("mine", "My teams")] if len(own) > 1 else []
        title = (
            f"Today, live: open work of {scope_name}" if scope_name else "Today, live: open work"
        )
        context.update(
            teams=teams,
            live_team=live_team,
            **tiles_context,
            live_team_select=forms.Select(
                choices=[("all", "All teams"), *mine, *team_choices]
            ).render(
                "team",
                selected if selected == "mine" else (live_team.pk if live_team else "all"),
                attrs=LIVE_TEAM_ATTRS,
            ),
            team_error=team_error,
            tables=[
                builders.live_backlog_table(live, title, note=live_note(live_as_of)),
                builders.goals_table(figures["office"], figures["overall"], goals, period),
                builders.team_comparison_table(
                    teams,
                    figures["team"],
                    goals,
                    period,
                    query.urlencode(),
                    highlight={t.pk for t in own},
                ),
            ],
            chart=chart_json(figures["series"], _office_scope_labels()),
            kpi_max_age_seconds=KPI_MAX_AGE_SECONDS,
        )
        return context


def _merged_backlog(teams):
    """The live backlog of several teams: their rows summed per work type."""
    merged: dict = {}
    as_of = None
    for team in teams:
        rows, read_at = backlog_snapshot(team=team)
        as_of = read_at if as_of is None else min(as_of, read_at)
        for r in rows:
            m = merged.setdefault(
                r["work_type_id"],
                {**r, "open": 0, "unassigned": 0, "past_due": 0, "oldest_age_seconds": 0},
            )
            m["open"] += r["open"]
            m["unassigned"] += r["unassigned"]
            m["past_due"] += r["past_due"]
            m["oldest_age_seconds"] = max(m["oldest_age_seconds"], r["oldest_age_seconds"])
    rows = sorted(merged.values(), key=lambda r: (r["office"], r["work_type"]))
    return rows, as_of or timezone.now()


def queue_names(ids) -> list[dict]:
    """The queues' names and owning teams, by name (one query; none without ids)."""
    if not ids:
        return []
    rows = WorkType.objects.filter(pk__in=list(ids)).order_by("name")
    return [
        {"id": pk, "name": name, "team": team}
        for pk, name, team in rows.values_list("pk", "name", "owning_team__name")
    ]


class OfficeView(DashboardView):
    """One office: its teams ranked, its queues (the queue KPIs per work type, the period's
    last day and the period: yesterday's service level per queue by default), its trend and
    its live backlog."""

    template_name = "ccops/dashboard/office.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        office = kwargs["office"]
        if office not in OFFICE_SCOPE_IDS:
            raise Http404("No such office.")
        period = self.period
        teams = list(Team.objects.filter(office=office).order_by("name"))
        goals = goal_rules.load_goals(period.start, period.end)
        team_values = totals(ScopeKind.TEAM, period, office=office)
        backlog, live_as_of = backlog_snapshot()
        live = [r for r in backlog if r["office"] == office]
        queue_values = queue_totals(period, office=office)
        queues = queue_names(queue_values)
        scope = (ScopeKind.OFFICE, OFFICE_SCOPE_IDS[office])
        label = OFFICE_LABELS[office]
        context.update(
            office=office,
            office_label=label,
            tables=[
                builders.team_comparison_table(
                    teams, team_values, goals, period, self.request.GET.urlencode()
                ),
                *(
                    [builders.queues_table(queues, queue_values, goals, period, office)]
                    if queues or office == Office.FRONT
                    else []
                ),
                builders.live_backlog_table(
                    live, f"Today, live: open work of the {label}", note=live_note(live_as_of)
                ),
            ],
            chart=chart_json(
                series([scope, (ScopeKind.OVERALL, 0)], period),
                {f"office:{scope[1]}": label, "overall:0": "Overall"},
            ),
        )
        return context


class TeamView(DashboardView):
    """One team: its agents against their own targets, its trend, its live backlog."""

    template_name = "ccops/dashboard/team.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period = self.period
        team = get_object_or_404(Team.objects.select_related("supervisor"), pk=kwargs["pk"])
        agents = list(
            User.objects.filter(team=team, is_active=True)
            .prefetch_related(Prefetch("groups", queryset=Group.objects.only("name")))
            .order_by("username")
        )
        for agent in agents:  # primary_role reads the prefetched groups, not a query each
            agent._role_names = frozenset(g.name for g in agent.groups.all())
        goals = goal_rules.load_goals(period.start, period.end)
        agent_values = totals(ScopeKind.AGENT, period, team_id=team.pk)
        office_id = OFFICE_SCOPE_IDS[team.office]
        live, live_as_of = backlog_snapshot(team=team)
        context.update(
            team=team,
            tables=[
                builders.agents_table(
                    agents, agent_values, goals, period, self.request.GET.urlencode(), team.office
                ),
                builders.live_backlog_table(
                    live, f"Today, live: open work of {team}", note=live_note(live_as_of)
                ),
            ],
            chart=chart_json(
                series([(ScopeKind.TEAM, team.pk), (ScopeKind.OFFICE, office_id)], period),
                {f"team:{team.pk}": team.name, f"office:{office_id}": OFFICE_LABELS[team.office]},
            ),
        )
        return context


class ScorecardMixin:
    template_name = "ccops/dashboard/scorecard.html"

    def scorecard_context(self, person):
        period = self.period
        goals = goal_rules.load_goals(period.start, period.end)
        values = totals(ScopeKind.AGENT, period, scope_ids=[person.pk])
        team_values = (
            totals(ScopeKind.TEAM, period, scope_ids=[person.team_id]) if person.team_id else {}
        )
        office = person.team.office if person.team_id else ""
        office_values = (
            totals(ScopeKind.OFFICE, period, scope_ids=[OFFICE_SCOPE_IDS[office]]) if office else {}
        )
        scopes = {f"agent:{person.pk}": str(person)}
        chart_scopes = [(ScopeKind.AGENT, person.pk)]
        if person.team_id:
            scopes[f"team:{person.team_id}"] = person.team.name
            chart_scopes.append((ScopeKind.TEAM, person.team_id))
        return {
            "person": person,
            "tables": [
                builders.scorecard_table(person, values, team_values, office_values, goals, period)
            ],
            "chart": chart_json(series(chart_scopes, period), scopes),
        }


class AgentView(ScorecardMixin, DashboardView):
    """An agent's scorecard as their supervisor (or planner, QA, HR) sees it."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = get_object_or_404(
            User.objects.select_related("team").prefetch_related("groups"), pk=kwargs["pk"]
        )
        person._role_names = frozenset(g.name for g in person.groups.all())
        context.update(self.scorecard_context(person), own=False)
        return context


class MyScorecardView(ScorecardMixin, DashboardView):
    """The signed-in person's own scorecard: the only dashboard page agents open."""

    required_roles = EVERY_ROLE
    export_stem = "my-scorecard"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.scorecard_context(self.request.user), own=True)
        return context
