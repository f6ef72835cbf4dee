"""Coaching: the tip library and coaching sessions."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, ListView

from ccops.choices import Office, Role
from ccops.models import User
from ccops.permissions import RoleRequiredMixin

from .. import services
from ..choices import SCORED_STATUSES, TipKind
from ..errors import QualityError
from ..forms import CoachingSessionForm, CoachingTipForm
from ..models import CoachingSession, CoachingTip, CoachingTipCriterion, Evaluation
from ..querysets import supervised_team_ids
from ..selectors import tips_for
from ..services.common import is_qa, may_review
from .common import REVIEWERS, apply_errors, query_string, report_error

EVERYONE = (*REVIEWERS, Role.AGENT)


class TipLibraryView(RoleRequiredMixin, ListView):
    """The common library of coaching tips, filterable by office, kind and criterion."""

    required_roles = EVERYONE
    template_name = "quality/tip_list.html"
    paginate_by = 30

    def get_queryset(self):
        qs = CoachingTip.objects.filter(active=True).prefetch_related("criteria")
        params = self.request.GET
        if params.get("office") in Office.values:
            qs = qs.filter(Q(office="") | Q(office=params["office"]))
        if params.get("kind") in TipKind.values:
            qs = qs.filter(kind=params["kind"])
        if params.get("criterion"):
            keys = CoachingTipCriterion.objects.filter(criterion_key=params["criterion"].strip())
            qs = qs.filter(pk__in=keys.values("tip_id"))
        return qs.order_by("title")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            offices=Office.choices,
            kinds=TipKind.choices,
            query_string=query_string(self.request),
            can_add=is_qa(self.request.user),
        )
        return context


class TipCreateView(RoleRequiredMixin, View):
    required_roles = (Role.QA,)
    template_name = "quality/tip_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": CoachingTipForm()})

    def post(self, request):
        form = CoachingTipForm(request.POST)
        if form.is_valid():
            try:
                services.coaching_tip_create(by=request.user, **form.cleaned_data)
            except QualityError as exc:
                if not apply_errors(form, exc):
                    report_error(request, exc)
            else:
                messages.success(request, "Tip added to the library.")
                return redirect("quality:tip_list")
        return render(request, self.template_name, {"form": form}, status=400)


class CoachingListView(RoleRequiredMixin, ListView):
    required_roles = EVERYONE
    template_name = "quality/coaching_list.html"
    paginate_by = 30

    def get_queryset(self):
        return (
            CoachingSession.objects.visible_to(self.request.user)
            .select_related("agent", "coach")
            .order_by("done", "-held_on", "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = self.request.user.has_role(*REVIEWERS)
        return context


def coachable_agents(user):
    agents = User.objects.filter(is_active=True, groups__name=Role.AGENT).exclude(pk=user.pk)
    if not is_qa(user):
        agents = agents.filter(team_id__in=supervised_team_ids(user))
    return agents.order_by("username")


class CoachingCreateView(RoleRequiredMixin, View):
    """A new session; ``?evaluation=<id>`` preselects its agent, it and its suggested tips."""

    required_roles = REVIEWERS
    template_name = "quality/coaching_form.html"

    def make_form(self, data=None):
        user = self.request.user
        agents = coachable_agents(user)
        agent_id = (data or {}).get("agent") or self.request.GET.get("agent")
        initial = {"held_on": timezone.localdate()}
        evaluation_id = self.request.GET.get("evaluation", "")
        if evaluation_id.isdigit():
            evaluation = Evaluation.objects.visible_to(user).filter(pk=evaluation_id).first()
            if evaluation is not None:
                agent_id = evaluation.agent_id
                initial.update(agent=evaluation.agent_id, evaluations=[evaluation.pk])
                initial["tips"] = [t.pk for t in tips_for(evaluation)]
        evaluations = Evaluation.objects.none()
        if agent_id and str(agent_id).isdigit():
            evaluations = (
                Evaluation.objects.visible_to(user)
                .filter(agent_id=agent_id, status__in=SCORED_STATUSES)
                .select_related("item")
                .order_by("-submitted_at")[:20]
            )
            evaluations = Evaluation.objects.filter(pk__in=[e.pk for e in evaluations])
            evaluations = evaluations.select_related("item").order_by("-submitted_at")
        return CoachingSessionForm(data, initial=initial, agents=agents, evaluations=evaluations)

    def get(self, request):
        return render(request, self.template_name, {"form": self.make_form()})

    def post(self, request):
        form = self.make_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = services.coaching_session_create(
                    coach=request.user,
                    agent=data["agent"],
                    agreed_actions=data["agreed_actions"],
                    notes=data["notes"],
                    held_on=data["held_on"],
                    follow_up_on=data["follow_up_on"],
                    evaluations=data["evaluations"],
                    tips=data["tips"],
                )
            except QualityError as exc:
                if not apply_errors(form, exc):
                    report_error(request, exc)
            else:
                messages.success(request, "Coaching session recorded.")
                return redirect("quality:coaching_detail", pk=session.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class CoachingDetailView(LoginRequiredMixin, DetailView):
    template_name = "quality/coaching_detail.html"
    context_object_name = "session"

    def get_queryset(self):
        return (
            CoachingSession.objects.visible_to(self.request.user)
            .select_related("agent", "agent__team", "coach")
            .prefetch_related("tips__criteria")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = self.object
        user = self.request.user
        context["evaluations"] = list(
            session.evaluations.select_related("item", "scorecard").order_by("-submitted_at")
        )
        context["can_complete"] = not session.done and (
            session.coach_id == user.pk
            or (user.pk != session.agent_id and may_review(user, team_id=session.agent.team_id))
        )
        return context


class CoachingCompleteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        session = get_object_or_404(
            CoachingSession.objects.visible_to(request.user).select_related("agent"), pk=pk
        )
        try:
            services.coaching_session_complete(session=session, by=request.user)
            messages.success(request, "Coaching session marked done.")
        except QualityError as exc:
            report_error(request, exc)
        return redirect("quality:coaching_detail", pk=pk)
