"""Tiers: the report of who qualifies and what they lack, tier setup, an agent's profile
with tier history and assessments, HR's assessment form and promotion."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from ccops.audit import can_view_history, history_rows_for
from ccops.choices import Office
from ccops.dispatch import enqueue
from ccops.models import Team, User
from ccops.permissions import RoleRequiredMixin

from .. import selectors, services
from ..errors import TrainingError
from ..forms import AssessmentForm, TierRequirementForm
from ..models import (
    AgentSkill,
    AgentTier,
    CompetencyAssessment,
    CompetencyRating,
    Skill,
    Tier,
    TierSkillRequirement,
    TrainingModule,
)
from ..services.common import is_hr, manages
from ..tasks import recompute_tiers
from .common import (
    HR,
    MANAGERS,
    apply_errors,
    object_or_404,
    query_string,
    report_error,
    safe_next,
)


class TierReportView(RoleRequiredMixin, ListView):
    """Who qualifies for their next tier and what they lack (HR confirms promotions)."""

    required_roles = MANAGERS
    template_name = "training/tier_report.html"
    paginate_by = 50
    context_object_name = "rows"

    def get_queryset(self):
        params = self.request.GET
        ready = {"1": True, "0": False}.get(params.get("ready", ""))
        team = params.get("team", "")
        tier = params.get("next_tier", "")
        qs = selectors.tier_report(office=params.get("office", ""), ready=ready)
        if team.isdigit():
            qs = qs.filter(agent__team_id=int(team))
        if tier.isdigit():
            qs = qs.filter(next_tier_id=int(tier))
        self.summary_qs = qs
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            summary=selectors.tier_report_summary(self.summary_qs),
            teams=Team.objects.order_by("office", "name"),
            tiers=Tier.objects.order_by("rank"),
            offices=Office.choices,
            query_string=query_string(self.request),
            is_hr=is_hr(self.request.user),
        )
        return context


def _setup_context(request, form=None) -> dict:
    context = {
        "tiers": selectors.tiers_with_counts(),
        "is_hr": is_hr(request.user),
        "form": form or TierRequirementForm(),
        "modules": TrainingModule.objects.filter(active=True).order_by("title"),
        "show_history": can_view_history(request.user),
    }
    if context["show_history"]:
        context["audit_tiers"] = history_rows_for(Tier.history.all(), label_field="name")
        context["audit_requirements"] = history_rows_for(
            TierSkillRequirement.history.all(), label_field="tier"
        )
    return context


class TierSetupView(RoleRequiredMixin, View):
    """The tiers, their competencies and pay differentials; HR edits the competencies."""

    required_roles = MANAGERS

    def get(self, request):
        return render(request, "training/tier_setup.html", _setup_context(request))


class TierRequirementView(RoleRequiredMixin, View):
    """POST: add/change a skill competency, require a module, or remove either (HR)."""

    required_roles = HR

    def post(self, request):
        action = request.POST.get("action", "set")
        try:
            if action == "set":
                form = TierRequirementForm(request.POST)
                if not form.is_valid():
                    context = _setup_context(request, form)
                    return render(request, "training/tier_setup.html", context, status=400)
                services.tier_requirement_set(by=request.user, **form.cleaned_data)
                messages.success(request, "Competency saved; everyone's standing is updated.")
            else:
                tier = object_or_404(Tier, request.POST.get("tier"))
                if action == "require_module":
                    module = object_or_404(TrainingModule, request.POST.get("module"))
                    services.tier_module_require(tier=tier, module=module, by=request.user)
                elif action == "remove_skill":
                    skill = object_or_404(Skill, request.POST.get("skill"))
                    services.tier_requirement_remove(tier=tier, skill=skill, by=request.user)
                elif action == "remove_module":
                    module = object_or_404(TrainingModule, request.POST.get("module"))
                    services.tier_requirement_remove(tier=tier, module=module, by=request.user)
                messages.success(request, "Competencies updated.")
        except TrainingError as exc:
            report_error(request, exc)
        return redirect("training:tier_setup")


class RecomputeView(RoleRequiredMixin, View):
    """POST: recompute everyone's standing now (the nightly job, on demand)."""

    required_roles = HR

    def post(self, request):
        enqueue(recompute_tiers)  # inline if the broker is down: never a 500 or a hang
        messages.success(request, "Tier standing is being recomputed for everyone.")
        return redirect("training:tier_report")


class PromoteView(RoleRequiredMixin, View):
    """POST: HR confirms a promotion the agent qualifies for."""

    required_roles = HR

    def post(self, request, pk):
        agent = get_object_or_404(User, pk=pk)
        tier = object_or_404(Tier, request.POST.get("tier"))
        try:
            services.tier_promote(agent=agent, tier=tier, by=request.user)
        except TrainingError as exc:
            report_error(request, exc)
        else:
            messages.success(request, f"{agent} promoted to {tier}.")
        return redirect(safe_next(request, reverse("training:tier_report")))


def _load_managed_agent(request, pk) -> User:
    agent = get_object_or_404(User.objects.select_related("team"), pk=pk)
    if not manages(request.user, agent):
        raise PermissionDenied("Only HR or the agent's supervisor may open this page.")
    return agent


class AgentProfileView(RoleRequiredMixin, TemplateView):
    """An agent's development for HR and their supervisor: skills, tier progress, tier and
    pay history, assessments with their ratings, modules."""

    required_roles = MANAGERS
    template_name = "training/agent_profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agent = _load_managed_agent(self.request, kwargs["pk"])
        context.update(selectors.my_development(agent, on=timezone.localdate()))
        context.update(
            agent=agent,
            assessments=CompetencyAssessment.objects.filter(agent=agent)
            .select_related("tier", "assessed_by")
            .prefetch_related(
                Prefetch("ratings", queryset=CompetencyRating.objects.order_by("id"))
            )[:20],
            tiers=Tier.objects.order_by("rank"),
            is_hr=is_hr(self.request.user),
            show_history=can_view_history(self.request.user),
        )
        if context["show_history"]:
            context["audit_tier"] = history_rows_for(AgentTier.history.filter(agent_id=agent.pk))
            context["audit_skills"] = history_rows_for(
                AgentSkill.history.filter(agent_id=agent.pk), label_field="skill"
            )
        return context


class AssessmentCreateView(RoleRequiredMixin, View):
    """HR assesses an agent against a tier: each competency rated with evidence (prefilled
    from the agent's skills and module results), then promote, hold or develop."""

    required_roles = HR
    template_name = "training/assessment_form.html"

    def load(self, request, pk):
        agent = _load_managed_agent(request, pk)
        tier = object_or_404(
            Tier.objects.prefetch_related("skill_requirements", "required_modules"),
            request.GET.get("tier") or request.POST.get("tier"),
        )
        return agent, tier

    def make_form(self, agent, tier, data=None):
        evidence = selectors.assessment_evidence(agent=agent, tier=tier, on=timezone.localdate())
        return AssessmentForm(data, competencies=services.competencies(tier), evidence=evidence)

    def get(self, request, pk):
        agent, tier = self.load(request, pk)
        form = self.make_form(agent, tier)
        return render(request, self.template_name, {"form": form, "agent": agent, "tier": tier})

    def post(self, request, pk):
        agent, tier = self.load(request, pk)
        form = self.make_form(agent, tier, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                assessment = services.assessment_create(
                    agent=agent,
                    tier=tier,
                    by=request.user,
                    decision=data["decision"],
                    ratings=form.ratings(),
                    summary=data["summary"],
                    qa_score=data["qa_score"],
                    supervisor_input=data["supervisor_input"],
                )
            except TrainingError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"Assessment saved: {assessment.get_decision_display().lower()}.",
                )
                return redirect("training:agent_profile", pk=agent.pk)
        context = {"form": form, "agent": agent, "tier": tier}
        return render(request, self.template_name, context, status=400)
