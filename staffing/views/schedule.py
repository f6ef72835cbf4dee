"""Schedule pages: the weekly grid per team (paginated by team), shift add/delete, CSV
export and import, and an agent's own schedule."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from ccops import exports
from ccops.choices import Role
from ccops.permissions import RoleRequiredMixin

from .. import csv_io, selectors, services, time_off_selectors
from ..errors import StaffingError
from ..forms import ShiftForm, ShiftImportForm
from ..models import Shift
from ..timeutil import day_start
from .common import ShiftEditorRequired, add_domain_error, date_param, redirect_back, week_of
from .time_off import panel_context as time_off_panel

User = get_user_model()
TEAMS_PER_PAGE = 2


def _grid_url(team_id=None, week=None, page=None) -> str:
    params = []
    if team_id:
        params.append(f"team={team_id}")
    if week:
        params.append(f"week={week.isoformat()}")
    if page:
        params.append(f"page={page}")
    return reverse("staffing:schedule") + ("?" + "&".join(params) if params else "")


class ScheduleGridView(ShiftEditorRequired, TemplateView):
    """A week of shifts for a page of teams: agents x days, each cell the day's blocks.

    Queries: team choices, team count, the page of teams, members, their week's shifts,
    and the add-shift form's agent list: constant whatever the team sizes."""

    template_name = "staffing/schedule.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        week = week_of(date_param(self.request, "week", timezone.localdate()))
        teams = selectors.teams_for_schedule(user)
        team_choices = list(teams.values_list("pk", "name"))
        team_id = self.request.GET.get("team")
        if team_id and team_id.isdigit():
            teams = teams.filter(pk=int(team_id))
        paginator = Paginator(teams, TEAMS_PER_PAGE)
        page = paginator.get_page(self.request.GET.get("page"))
        page_teams = list(page.object_list)
        grid = selectors.schedule_grid(teams=page_teams, week_start=week)
        time_off_selectors.attach_time_off([r for b in grid for r in b["rows"]], week, 7)
        agents = User.objects.filter(team__in=[t.pk for t in page_teams], is_active=True)
        form = kwargs.get("form") or ShiftForm(
            agents=agents, initial={"day": max(week, timezone.localdate())}
        )
        if "form" in kwargs:
            form.fields["agent"].queryset = agents
        query = [f"week={week.isoformat()}"]
        if team_id and team_id.isdigit():
            query.append(f"team={team_id}")
        ctx.update(
            week=week,
            days=[week + timedelta(days=i) for i in range(7)],
            prev_week=week - timedelta(days=7),
            next_week=week + timedelta(days=7),
            grid=grid,
            page_obj=page,
            paginator=paginator,
            is_paginated=paginator.num_pages > 1,
            query_string="&".join(query),
            team_choices=team_choices,
            team_id=int(team_id) if team_id and team_id.isdigit() else None,
            form=form,
            import_form=ShiftImportForm(),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        """Add a shift block from the form under the grid."""
        agents = User.objects.filter(is_active=True)
        form = ShiftForm(request.POST, agents=agents)
        if form.is_valid():
            data = form.cleaned_data
            try:
                shift = services.shift_create(
                    agent=data["agent"],
                    start=data["start"],
                    end=data["end"],
                    activity=data["activity"],
                    note=data["note"],
                    by=request.user,
                )
            except StaffingError as exc:
                if exc.status_code == 403:
                    self.raise_exception = True
                    return self.handle_no_permission()
                add_domain_error(form, exc)
                if "start" in exc.errors or "end" in exc.errors:
                    form.add_error(
                        "start_time", " ".join(exc.errors.get("start", exc.errors.get("end")))
                    )
            else:
                messages.success(request, f"Added {shift}.")
                return redirect_back(request, _grid_url(week=week_of(data["day"])))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ShiftDeleteView(ShiftEditorRequired, View):
    def post(self, request, pk):
        shift = get_object_or_404(Shift.objects.select_related("agent"), pk=pk)
        week = week_of(timezone.localtime(shift.start).date())
        try:
            services.shift_delete(shift=shift, by=request.user)
        except StaffingError as exc:
            if exc.status_code == 403:
                return HttpResponse(exc.message, status=403)
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Removed {shift}.")
        return redirect_back(request, _grid_url(week=week))


class ScheduleExportView(ShiftEditorRequired, View):
    """CSV (or ``?format=xlsx``) of the week's shifts of the teams the user may open (or one
    ``team``)."""

    def get(self, request):
        week = week_of(date_param(request, "week", timezone.localdate()))
        teams = selectors.teams_for_schedule(request.user)
        team_id = request.GET.get("team")
        if team_id and team_id.isdigit():
            teams = teams.filter(pk=int(team_id))
        start, end = day_start(week), day_start(week + timedelta(days=7))
        shifts = (
            Shift.objects.filter(agent__team__in=teams, start__gte=start, start__lt=end)
            .select_related("agent")
            .order_by("agent__username", "start")
        )
        rows = csv_io.shift_rows(shifts.iterator(chunk_size=2000))
        return exports.table_response(
            request, csv_io.HEADER, rows, f"shifts-{week.isoformat()}", title="Shifts"
        )


class ScheduleImportView(ShiftEditorRequired, TemplateView):
    template_name = "staffing/schedule_import.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", ShiftImportForm())
        ctx["header"] = ",".join(csv_io.HEADER)
        return ctx

    def post(self, request):
        form = ShiftImportForm(request.POST, request.FILES)
        line_errors = {}
        if form.is_valid():
            try:
                rows = csv_io.read_shifts(form.cleaned_data["file"].read())
                result = services.shifts_import(
                    rows=rows, by=request.user, replace=form.cleaned_data["replace"]
                )
            except StaffingError as exc:
                form.add_error(None, exc.message)
                line_errors = {k: v for k, v in exc.errors.items() if k != "file"}
                if "file" in exc.errors:
                    form.add_error("file", " ".join(exc.errors["file"]))
            else:
                messages.success(
                    request,
                    f"Imported {result['created']} shift(s)"
                    + (f", replaced {result['deleted']}." if result["deleted"] else "."),
                )
                week = week_of(timezone.localtime(rows[0].start).date())
                return redirect(_grid_url(week=week))
        ctx = self.get_context_data(form=form, line_errors=list(line_errors.items())[:200])
        return self.render_to_response(ctx, status=400)


class MyScheduleView(RoleRequiredMixin, TemplateView):
    """An agent's own shifts for the next two weeks (one query)."""

    template_name = "staffing/my_schedule.html"
    required_roles = (Role.AGENT,)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        start = week_of(date_param(self.request, "week", timezone.localdate()))
        shifts = list(selectors.my_shifts(user=self.request.user, start=start, days=14))
        days = []
        for i in range(14):
            d = start + timedelta(days=i)
            blocks = [s for s in shifts if timezone.localtime(s.start).date() == d]
            days.append({"day": d, "shifts": blocks})
        off = time_off_selectors.time_off_by_day([self.request.user.pk], start, 14)
        for i, day in enumerate(days):
            day["time_off"] = off.get(self.request.user.pk, [[]] * 14)[i]
        ctx.update(
            days=days,
            start=start,
            prev_week=start - timedelta(days=7),
            next_week=start + timedelta(days=7),
            **time_off_panel(self.request.user),
        )
        return ctx
