"""Recognition: leaderboards (per office and across offices, normalised), giving kudos and
awards, points statements, incentive schemes."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from ccops.choices import Office
from ccops.models import User
from ccops.permissions import RoleRequiredMixin

from .. import selectors, services
from ..errors import TrainingError
from ..forms import RecognitionForm, SchemeForm, agents_qs
from ..models import IncentiveScheme
from ..services.common import is_hr, manages
from .common import EVERYONE, HR, apply_errors, query_string


class LeaderboardView(RoleRequiredMixin, TemplateView):
    """Agents and teams by points. Within an office: raw points. Across offices: the index
    (points against the office's points per agent, 100 = average), so an office that gives
    fewer points, or is bigger, competes fairly."""

    required_roles = EVERYONE
    template_name = "training/leaderboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        win = selectors.window(params.get("window", "month"), timezone.localdate())
        office = params.get("office", "")
        office = office if office in Office.values else ""
        averages = selectors.office_averages(start=win.start, end=win.end)
        agents = selectors.agent_leaderboard(
            start=win.start, end=win.end, averages=averages, office=office
        )
        page = Paginator(agents, 25).get_page(params.get("page"))
        teams = selectors.team_leaderboard(
            start=win.start, end=win.end, averages=averages, office=office
        )
        context.update(
            window=win,
            windows=selectors.WINDOWS,
            office=office,
            offices=Office.choices,
            averages=[(Office(k).label, v) for k, v in averages.items()],
            agents=page.object_list,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            rank_offset=page.start_index() - 1 if page.object_list else 0,
            teams=list(teams),
            query_string=query_string(self.request),
        )
        return context


class GiveRecognitionView(RoleRequiredMixin, View):
    """Kudos for anyone (five points, three a day); awards by role (QA, supervisors, HR)."""

    required_roles = EVERYONE
    template_name = "training/recognition_form.html"

    def form(self, request, data=None):
        initial = {}
        if request.GET.get("agent", "").isdigit():
            initial["agent"] = int(request.GET["agent"])
        agents = agents_qs().exclude(pk=request.user.pk)
        return RecognitionForm(
            data, agents=agents, kinds=services.may_give(request.user), initial=initial
        )

    def get(self, request):
        return render(request, self.template_name, {"form": self.form(request)})

    def post(self, request):
        form = self.form(request, request.POST)
        if form.is_valid():
            try:
                row = services.recognition_give(by=request.user, **form.cleaned_data)
            except TrainingError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"{row.points} points to {row.agent}. Thank you!")
                return redirect("training:leaderboard")
        return render(request, self.template_name, {"form": form}, status=400)


class PointsStatementView(RoleRequiredMixin, TemplateView):
    """An agent's points: totals by kind and every award (their own; HR and their
    supervisor may open anyone's)."""

    required_roles = EVERYONE
    template_name = "training/points.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        agent = user
        if "pk" in kwargs and kwargs["pk"] != user.pk:
            agent = get_object_or_404(User, pk=kwargs["pk"])
            if not manages(user, agent):
                raise PermissionDenied("You may see your own points only.")
        page = Paginator(selectors.points_statement(agent), 50).get_page(
            self.request.GET.get("page")
        )
        context.update(
            agent=agent,
            totals=selectors.points_totals(agent),
            rows=page.object_list,
            page_obj=page,
            is_paginated=page.has_other_pages(),
        )
        return context


class SchemeListView(RoleRequiredMixin, ListView):
    """Incentive schemes with what they have awarded; HR adds schemes."""

    required_roles = HR
    template_name = "training/schemes.html"
    paginate_by = 50
    context_object_name = "schemes"

    def get_queryset(self):
        return IncentiveScheme.objects.annotate(
            award_count=Count("awards"), points_awarded=Sum("awards__points")
        ).order_by("-active", "name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or SchemeForm()
        context["is_hr"] = is_hr(self.request.user)
        return context

    def post(self, request):
        form = SchemeForm(request.POST)
        if form.is_valid():
            try:
                scheme = services.scheme_create(by=request.user, **form.cleaned_data)
            except TrainingError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Scheme {scheme} added.")
                return redirect("training:scheme_list")
        self.object_list = self.get_queryset()
        context = self.get_context_data(form=form)
        return render(request, self.template_name, context, status=400)
